/*
 * tests/unit/tiers_test.c: a partition's RAM in the dormant and cold tiers, applied
 * (partition/tiers.c, partition/tiers_cold.c) over the fake arch layer's stage-2 tables, a
 * real page allocator over host memory, a fake NOR flash (erase sets 0xFF, program only
 * clears bits) and a fake struct tiers_env: a range made dormant leaves stage-2 and gives its
 * frames back, a touch brings back the page touched, a wake the rest, bit for bit; a cold
 * range comes back whole on one touch; a flipped bit in flash is refused (told, nothing
 * mapped) and a wake then puts zeroed pages in its place (F3); refusals are witnessed; a
 * touch whose end wraps the address space ends. Each test uses a partition of its own: the
 * tiers' state lives for the whole run, as it does in RVM. Measured use (hot and warm pages)
 * is counted from a model of the access flags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hal/pflash.h"
#include "hal/timer.h"
#include "memory/memory.h"
#include "partition/tiers.h"
#include "tests/fake/arch_fake.h"
#include "tests/fake/wit_log.h"
#include "witness/witness.h"

#define PG         4096ULL
#define RAM_PAGES  16u
#define POOL_PAGES 512u

/* ---- the witness log (tests/fake/wit_log.c) ---- */

/* Records of kind k about partition part since mark, denied or not. */
static unsigned records(size_t mark, enum witness_kind k, uint32_t part, bool denied)
{
        unsigned n = 0;

        for (size_t i = mark; i < wit_n && i < WIT_MAX; i++) {
                n += wit[i].kind == k && wit[i].actor == part &&
                     ((wit[i].flags & WITNESS_F_DENIED) != 0) == denied;
        }
        return n;
}

/* The last record of kind k about partition part (it must exist). */
static const struct witness_event *last(enum witness_kind k, uint32_t part)
{
        for (size_t i = wit_n < WIT_MAX ? wit_n : WIT_MAX; i-- > 0;) {
                if (wit[i].kind == k && wit[i].actor == part) {
                        return &wit[i];
                }
        }
        fail_msg("no record of kind %d for partition %u", (int)k, part);
        return NULL;
}

/* ---- the flash: bank 0's cold area, 5 MiB of NOR ---- */

static uint8_t *flash;

enum pflash_err hal_pflash_read(const struct pflash *f, uint64_t off, void *buf, size_t len)
{
        (void)f;
        assert_true(off + len <= COLD_AREA_SIZE);
        memcpy(buf, flash + off, len);
        return PFLASH_OK;
}

enum pflash_err hal_pflash_program(const struct pflash *f, uint64_t off, const void *buf,
                                   size_t len)
{
        (void)f;
        assert_true(off + len <= COLD_AREA_SIZE);
        for (size_t i = 0; i < len; i++) {
                flash[off + i] &= ((const uint8_t *)buf)[i];
        }
        return PFLASH_OK;
}

enum pflash_err hal_pflash_erase_block(const struct pflash *f, uint64_t off)
{
        (void)f;
        assert_true(off % (256u << 10) == 0 && off < COLD_AREA_SIZE);
        memset(flash + off, 0xff, 256u << 10);
        return PFLASH_OK;
}

/* ---- access flags: the pages the guest touched since the last arch_s2_age ---- */

static uint64_t accessed[RAM_PAGES / 64 + 1];

uint64_t arch_s2_age(uint64_t *root, ipa_t at, uint64_t size, uint16_t vmid, uint64_t *touched)
{
        uint64_t n = 0;

        (void)root;
        (void)vmid;
        assert_int_equal(ipa_addr(at), PART_IPA_BASE);
        for (uint64_t i = 0; i < size / PG && i < RAM_PAGES; i++) {
                if ((accessed[i / 64] >> (i % 64)) & 1) {
                        touched[i / 64] |= 1ULL << (i % 64);
                        n++;
                }
        }
        memset(accessed, 0, sizeof(accessed)); /* cleared: the next touch sets it again */
        return n;
}

static void guest_touches(uint32_t page)
{
        accessed[page / 64] |= 1ULL << (page % 64);
}

/* ---- the rest of RVM ---- */

static struct partition parts[8];

struct partition *part_get(uint32_t id)
{
        return id >= 1 && id <= 8 ? &parts[id - 1] : NULL;
}

uint64_t hal_time_ns(void)
{
        return 1000;
}

bool share_in_transaction(const struct partition *p)
{
        (void)p;
        return false;
}

/* ---- the fake kernel: struct tiers_env ---- */

static struct mem_pool pool;
static struct board_info board;
static uint64_t insns;
static struct {
        unsigned calls;
        const char *what;
        uint64_t ipa;
} told;

static uint64_t fake_insns(void)
{
        return insns += 100;
}

static void fake_not_restored(const struct partition *p, const char *what, ipa_t ipa,
                              const char *why)
{
        (void)p;
        assert_non_null(why);
        told.calls++;
        told.what = what;
        told.ipa = ipa_addr(ipa);
}

const struct tiers_env tiers_env = {
    .pool = &pool,
    .board = &board,
    .insns = fake_insns,
    .not_restored = fake_not_restored,
};

static const struct part_config guest = {.name = "guest", .kind = PART_KIND_GUEST};

static int group_setup(void **state)
{
        static uint64_t bitmap[POOL_PAGES / 64];

        (void)state;
        fake_arch_reset();
        flash = malloc(COLD_AREA_SIZE);
        assert_non_null(flash);
        memset(flash, 0xff, COLD_AREA_SIZE);
        board.flash_count = 1;
        board.flash[0].base = 0;
        board.flash[0].size = 64ULL << 20;
        uint64_t base = fake_alloc_pages(POOL_PAGES);
        assert_int_equal(mem_pool_add(&pool, base, POOL_PAGES, bitmap), PALLOC_OK);
        return 0;
}

static int group_teardown(void **state)
{
        (void)state;
        free(flash);
        fake_arch_reset();
        return 0;
}

/* Guest partition id, RAM_PAGES of RAM from the pool (as RVM gives it) mapped at
 * PART_IPA_BASE, page i filled with i + id. */
static struct partition *make(uint32_t id)
{
        struct partition *p = part_get(id);

        memset(p, 0, sizeof(*p));
        p->id = id;
        p->cfg = &guest;
        p->state = PART_RUNNING;
        p->s2_root = (uint64_t *)(uintptr_t)fake_alloc_pages(1);
        uint64_t ram = 0;
        assert_int_equal(mem_alloc_pages(&pool, RAM_PAGES, 1, &ram), PALLOC_OK);
        p->mem_pa = pa_init(ram);
        p->mem_size = RAM_PAGES * PG;
        assert_int_equal(arch_s2_map(p->s2_root, ipa_init(PART_IPA_BASE), p->mem_pa, p->mem_size,
                                     ARCH_S2_WRITE | ARCH_S2_EXEC, 0, fake_page, NULL),
                         0);
        for (uint32_t i = 0; i < RAM_PAGES; i++) {
                memset(mem_ptr(pa_init(pa_addr(p->mem_pa) + i * PG)), (int)(i + id), PG);
        }
        return p;
}

static ipa_t ipa_of(uint32_t page)
{
        return ipa_init(PART_IPA_BASE + page * PG);
}

/* Page i as the guest sees it through stage-2: mapped and holding i + id throughout. */
static bool page_intact(const struct partition *p, uint32_t i)
{
        pa_t pa;

        if (!arch_s2_translate(p->s2_root, ipa_of(i), false, &pa)) {
                return false;
        }
        const uint8_t *b = mem_ptr(pa);
        for (uint64_t k = 0; k < PG; k++) {
                if (b[k] != (uint8_t)(i + p->id)) {
                        return false;
                }
        }
        return true;
}

static bool mapped(const struct partition *p, uint32_t i)
{
        return fake_s2_prot(p->s2_root, ipa_addr(ipa_of(i))) >= 0;
}

/* Dormant: unmapped, frames back in the pool; one touch brings back one page; a wake the
 * rest; every byte as it was. */
static void test_dormant_fault_and_wake(void **state)
{
        (void)state;
        struct partition *p = make(1);
        uint64_t free0 = mem_pool_free_pages(&pool);
        size_t mark = wit_n;
        unsigned idx = 99;

        assert_null(tiers_make_dormant(p, ipa_of(0), RAM_PAGES, 0, &idx));
        assert_true(idx < TIER_MAX_RANGES);
        assert_int_equal(tiers_range(idx)->pages, RAM_PAGES);
        assert_int_equal(tiers_range(idx)->dormant, RAM_PAGES);
        assert_int_equal(records(mark, WK_MEM_TIER, 1, false), 1);
        assert_true(mem_pool_free_pages(&pool) > free0); /* frames given back (store kept) */
        for (uint32_t i = 0; i < RAM_PAGES; i++) {
                assert_false(mapped(p, i));
        }
        assert_true(tiers_claims(1));

        assert_true(tiers_fault(p, ipa_add(ipa_of(3), 8)));
        assert_true(page_intact(p, 3));
        assert_false(mapped(p, 4));
        assert_int_equal(tiers_range(idx)->dormant, RAM_PAGES - 1);
        assert_int_equal(tiers_figures()->fault_insns, 100);
        assert_false(tiers_fault(p, ipa_of(3))); /* back already: not a dormant page */
        assert_false(tiers_fault(p, ipa_init(PART_IPA_BASE + p->mem_size))); /* not its RAM */

        mark = wit_n;
        tiers_wake(p);
        for (uint32_t i = 0; i < RAM_PAGES; i++) {
                assert_true(page_intact(p, i));
        }
        assert_int_equal(records(mark, WK_MEM_TIER, 1, false), 1); /* hot again */
        assert_int_equal(mem_pool_free_pages(&pool), free0);
        assert_int_equal(told.calls, 0);
}

/* What is not page-aligned RAM of a small guest that is up is refused, and witnessed. */
static void test_dormant_refusals(void **state)
{
        (void)state;
        struct partition *p = make(2);
        static const struct part_config linux_guest = {
            .name = "linux", .kind = PART_KIND_GUEST, .linux_boot = true};
        size_t mark = wit_n;
        unsigned idx = 0;

        assert_non_null(tiers_make_dormant(p, ipa_init(PART_IPA_BASE + 1), 1, 0, &idx));
        assert_non_null(tiers_make_dormant(p, ipa_of(0), 0, 0, &idx));
        assert_non_null(tiers_make_dormant(p, ipa_of(0), RAM_PAGES + 1, 0, &idx));
        assert_non_null(tiers_make_dormant(p, ipa_init(PART_IPA_BASE - PG), 1, 0, &idx));
        assert_non_null(tiers_make_dormant(p, ipa_of(RAM_PAGES), 1, 0, &idx));
        assert_non_null(tiers_make_dormant(p, ipa_init(UINT64_MAX & ~(PG - 1)), 2, 0, &idx));
        p->cfg = &linux_guest;
        assert_non_null(tiers_make_dormant(p, ipa_of(0), 1, 0, &idx));
        p->cfg = &guest;
        p->state = PART_DESTROYED;
        assert_non_null(tiers_make_dormant(p, ipa_of(0), 1, 0, &idx));
        assert_int_equal(records(mark, WK_MEM_TIER, 2, true), 8);
        assert_int_equal(records(mark, WK_MEM_TIER, 2, false), 0);
        for (uint32_t i = 0; i < RAM_PAGES; i++) {
                assert_true(page_intact(p, i));
        }
        assert_false(tiers_claims(2));

        /* The idle policy's cause goes into the record. */
        p->state = PART_RUNNING;
        mark = wit_n;
        assert_null(tiers_make_dormant(p, ipa_of(0), 2, TIER_BY_IDLE, &idx));
        assert_int_equal(records(mark, WK_MEM_TIER, 2, false), 1);
        assert_true((last(WK_MEM_TIER, 2)->payload & TIER_BY_IDLE) != 0);
        tiers_wake(p);
}

/* A touch of [ipa, ipa + len) brings back the pages it covers, and one that would wrap the
 * address space ends at once. */
static void test_touch(void **state)
{
        (void)state;
        struct partition *p = make(3);
        unsigned idx = 0;

        assert_null(tiers_make_dormant(p, ipa_of(0), RAM_PAGES, 0, &idx));
        /* the end of page 5, the start of page 6 */
        tiers_touch(p, ipa_add(ipa_of(5), PG - 2), 4);
        assert_false(mapped(p, 4));
        assert_true(page_intact(p, 5));
        assert_true(page_intact(p, 6));
        assert_false(mapped(p, 7));
        tiers_touch(p, ipa_init(UINT64_MAX - 10), 100); /* wraps: nothing */
        tiers_touch(p, ipa_of(8), 0);
        assert_false(mapped(p, 8));
        assert_int_equal(tiers_range(idx)->dormant, RAM_PAGES - 2);
        tiers_wake(p);
        for (uint32_t i = 0; i < RAM_PAGES; i++) {
                assert_true(page_intact(p, i));
        }
}

/* Cold: written to flash, unmapped, frames freed; one touch brings the whole range back,
 * verified; the tiers exclude each other. */
static void test_cold_fault_brings_back_the_range(void **state)
{
        (void)state;
        struct partition *p = make(4);
        uint64_t free0 = mem_pool_free_pages(&pool);
        size_t mark = wit_n;
        unsigned idx = 99;

        assert_null(tiers_make_cold(p, ipa_of(2), 8, &idx));
        assert_int_equal(tiers_cold_area(), 1);
        assert_true(tiers_cold_range(idx)->cold);
        assert_int_equal(tiers_cold_range(idx)->pages, 8);
        assert_int_equal(mem_pool_free_pages(&pool), free0 + 8);
        assert_true(mapped(p, 1));
        assert_false(mapped(p, 2));
        assert_false(mapped(p, 9));
        assert_true(mapped(p, 10));
        assert_int_equal(records(mark, WK_MEM_COLD, 4, false), 1);
        assert_int_equal(records(mark, WK_MEM_TIER, 4, false), 1);
        assert_true(tiers_claims(4));
        assert_non_null(tiers_make_dormant(p, ipa_of(0), 1, 0, &idx)); /* cold first */
        assert_non_null(tiers_make_cold(p, ipa_of(12), 1, &idx));      /* one range */

        mark = wit_n;
        assert_true(tiers_fault(p, ipa_add(ipa_of(5), 100)));
        for (uint32_t i = 0; i < RAM_PAGES; i++) {
                assert_true(page_intact(p, i));
        }
        assert_int_equal(records(mark, WK_MEM_COLD, 4, false), 1); /* op 2: restored */
        assert_int_equal(last(WK_MEM_COLD, 4)->payload & 0xff, 2); /* op 2: restored */
        assert_int_equal(mem_pool_free_pages(&pool), free0);
        assert_false(tiers_claims(4));
        assert_int_equal(told.calls, 0);
}

/* A bit cleared in flash: the touch is refused (told, witnessed, nothing mapped), `warm` says
 * damaged, and a wake puts zeroed pages in its place so the RAM is whole (F3). */
static void test_cold_damaged(void **state)
{
        (void)state;
        struct partition *p = make(5);
        unsigned idx = 0;

        assert_null(tiers_make_cold(p, ipa_of(0), 4, &idx));
        const struct cold_range *r = tiers_cold_range(idx);
        uint8_t *word = flash + (uint64_t)r->slot * COLD_SLOT_SIZE + COLD_DATA_OFFSET + 2 * PG + 64;
        assert_int_not_equal(*word, 0);
        *word &= (uint8_t)(*word - 1); /* NOR: a bit can only be cleared */

        size_t mark = wit_n;
        assert_false(tiers_fault(p, ipa_of(0)));
        assert_int_equal(told.calls, 1);
        assert_string_equal(told.what, "cold range");
        assert_int_equal(told.ipa, PART_IPA_BASE);
        assert_int_equal(records(mark, WK_MEM_COLD, 5, true), 1);
        for (uint32_t i = 0; i < 4; i++) {
                assert_false(mapped(p, i));
        }

        uint64_t back = 0;
        bool damaged = false;
        assert_int_equal(tiers_warm(p, &back, &damaged), 1);
        assert_true(damaged);
        assert_int_equal(back, 0);

        tiers_wake(p); /* before a restart or restore: zeroed pages stand in */
        for (uint32_t i = 0; i < 4; i++) {
                pa_t pa;
                assert_true(arch_s2_translate(p->s2_root, ipa_of(i), false, &pa));
                assert_int_equal(((const uint8_t *)mem_ptr(pa))[100], 0);
        }
        assert_true(page_intact(p, 4));
        told.calls = 0;
}

/* `warm` brings cold then dormant ranges back and counts the pages. */
static void test_warm(void **state)
{
        (void)state;
        struct partition *p = make(6);
        unsigned idx = 0;
        uint64_t back = 0;
        bool damaged = true;

        assert_null(tiers_make_dormant(p, ipa_of(4), 6, 0, &idx));
        assert_int_equal(tiers_warm(p, &back, &damaged), 0);
        assert_false(damaged);
        assert_int_equal(back, 6);
        for (uint32_t i = 0; i < RAM_PAGES; i++) {
                assert_true(page_intact(p, i));
        }

        assert_null(tiers_make_cold(p, ipa_of(1), 3, &idx));
        assert_int_equal(tiers_warm(p, &back, &damaged), 0);
        assert_int_equal(back, 3);
        for (uint32_t i = 0; i < RAM_PAGES; i++) {
                assert_true(page_intact(p, i));
        }
}

/* Measured use: touched pages are hot, the other mapped ones warm (a dormant page neither),
 * and the coldest count grows each epoch a page goes untouched. */
static void test_use(void **state)
{
        (void)state;
        struct partition *p = make(8);
        struct tiers_use u;
        unsigned idx = 0;

        assert_false(tiers_use(8, &u)); /* never counted */
        guest_touches(0);
        guest_touches(5);
        tiers_age(p);
        assert_true(tiers_use(8, &u));
        assert_int_equal(u.hot, 2);
        assert_int_equal(u.warm, RAM_PAGES - 2);
        assert_int_equal(u.coldest, 1);

        assert_null(tiers_make_dormant(p, ipa_of(12), 4, 0, &idx));
        guest_touches(5);
        tiers_age(p);
        assert_true(tiers_use(8, &u));
        assert_int_equal(u.hot, 1);
        assert_int_equal(u.warm, RAM_PAGES - 1 - 4); /* pages 12..15 are not mapped */
        assert_int_equal(u.coldest, 2);
        tiers_age(p);
        assert_true(tiers_use(8, &u));
        assert_int_equal(u.hot, 0);
        assert_int_equal(u.coldest, 3);
        tiers_wake(p);
}

/* A checkpoint's RAM written to the cold area: a slot, a sequence number, witnessed. */
static void test_cold_checkpoint(void **state)
{
        (void)state;
        static uint8_t ram[4 * PG];
        unsigned slot = 99;
        uint64_t seq = 0, root8 = 0;
        size_t mark = wit_n;

        memset(ram, 0x5a, sizeof(ram));
        assert_int_equal(tiers_cold_write_ckpt(7, ram, sizeof(ram), 1, &slot, &seq, &root8),
                         COLD_OK);
        assert_true(slot < COLD_SLOTS);
        assert_int_not_equal(seq, 0);
        assert_int_equal(records(mark, WK_MEM_COLD, 7, false), 1);
        assert_int_equal(tiers_cold_write_ckpt(7, ram, PG + 1, 1, &slot, &seq, &root8),
                         COLD_E_INVAL);
        assert_int_equal(records(mark, WK_MEM_COLD, 7, true), 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_dormant_fault_and_wake),
            cmocka_unit_test(test_dormant_refusals),
            cmocka_unit_test(test_touch),
            cmocka_unit_test(test_cold_fault_brings_back_the_range),
            cmocka_unit_test(test_cold_damaged),
            cmocka_unit_test(test_warm),
            cmocka_unit_test(test_use),
            cmocka_unit_test(test_cold_checkpoint),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
