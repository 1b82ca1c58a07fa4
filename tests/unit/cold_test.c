/*
 * tests/unit/cold_test.c: the cold tier (memory/cold.c) over fake memory and a fake NOR
 * flash (erase sets 0xFF, program only clears bits), and `witness ckpt-diff`
 * (tools/witness/ckpt_diff.c) over the bytes it leaves: a range goes cold and comes back bit
 * for bit; a flipped bit in flash is refused (nothing mapped) and dropped to zeroed pages;
 * two checkpoint segments differ in exactly the pages changed between them; the parser
 * refuses truncated, wrong-magic and lying headers with status 2, never reading past.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "memory/cold.h"
#include "tools/witness/witness_tool.h"
#include "witness/witness.h"

#define PG     4096ULL
#define NPAGES 64
#define IPA    0x40000000ULL
#define BASE   0x100000ULL

static uint8_t *arena, *flash;
static bool used[NPAGES];

/* The guest's RAM at IPA + off; the arena's frame at BASE + off. */
static ipa_t ipa_of(uint64_t off)
{
        return ipa_init(IPA + off);
}

static pa_t pa_of(uint64_t off)
{
        return pa_init(BASE + off);
}

static uint64_t mapped[NPAGES];
static int fail_program;

static pa_t f_alloc(void *ctx, uint64_t pages)
{
        (void)ctx;
        for (uint64_t i = 0; i + pages <= NPAGES; i++) {
                uint64_t k = 0;
                while (k < pages && !used[i + k]) {
                        k++;
                }
                if (k == pages) {
                        for (k = 0; k < pages; k++) {
                                used[i + k] = true;
                        }
                        return pa_of(i * PG);
                }
        }
        return pa_init(0);
}

static void f_free(void *ctx, pa_t frame, uint64_t pages)
{
        const uint64_t pa = pa_addr(frame);

        (void)ctx;
        for (uint64_t k = 0; k < pages; k++) {
                assert_true(used[(pa - BASE) / PG + k]);
                used[(pa - BASE) / PG + k] = false;
        }
}

static bool f_reclaim(void *ctx, pa_t frame)
{
        const uint64_t pa = pa_addr(frame);

        (void)ctx;
        if (used[(pa - BASE) / PG]) {
                return false;
        }
        used[(pa - BASE) / PG] = true;
        return true;
}

static int f_unmap(void *ctx, uint32_t part, ipa_t at, uint64_t pages)
{
        const uint64_t ipa = ipa_addr(at);

        (void)ctx;
        (void)part;
        for (uint64_t k = 0; k < pages; k++) {
                mapped[(ipa - IPA) / PG + k] = 0;
        }
        return 0;
}

static int f_map(void *ctx, uint32_t part, ipa_t ipa, pa_t pa)
{
        (void)ctx;
        (void)part;
        mapped[(ipa_addr(ipa) - IPA) / PG] = pa_addr(pa);
        return 0;
}

static void *f_ptr(void *ctx, pa_t pa)
{
        (void)ctx;
        return arena + (pa_addr(pa) - BASE);
}

static const struct tier_ops ops = {
    .alloc = f_alloc,
    .free = f_free,
    .reclaim = f_reclaim,
    .unmap = f_unmap,
    .map = f_map,
    .ptr = f_ptr,
};

static int fl_read(void *ctx, uint64_t off, void *buf, size_t len)
{
        (void)ctx;
        assert_true(off + len <= COLD_AREA_SIZE);
        memcpy(buf, flash + off, len);
        return 0;
}

static int fl_program(void *ctx, uint64_t off, const void *buf, size_t len)
{
        (void)ctx;
        assert_true(off + len <= COLD_AREA_SIZE);
        if (fail_program) {
                return -1;
        }
        for (size_t i = 0; i < len; i++) {
                flash[off + i] &= ((const uint8_t *)buf)[i];
        }
        return 0;
}

static int fl_erase(void *ctx, uint64_t off)
{
        (void)ctx;
        assert_int_equal(off % (256 << 10), 0);
        memset(flash + off, 0xff, 256 << 10);
        return 0;
}

static const struct cold_flash fl = {
    .read = fl_read,
    .program = fl_program,
    .erase_block = fl_erase,
    .block_size = 256 << 10,
    .hash = witness_sha256,
};

static struct cold_space space;
static uint8_t expect[16][4096];

static int setup(void **state)
{
        (void)state;
        arena = aligned_alloc(PG, NPAGES * PG);
        flash = malloc(COLD_AREA_SIZE);
        memset(flash, 0xff, COLD_AREA_SIZE);
        memset(used, 0, sizeof(used));
        memset(mapped, 0, sizeof(mapped));
        fail_program = 0;
        cold_space_init(&space);
        uint64_t x = 88172645463325252ULL;
        for (unsigned p = 0; p < 16; p++) {
                used[p] = true;
                mapped[p] = BASE + p * PG;
                for (unsigned b = 0; b < PG; b++) {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        arena[p * PG + b] = p % 2 ? (uint8_t)x : (uint8_t)(b / 64);
                }
                memcpy(expect[p], arena + p * PG, PG);
        }
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        free(arena);
        free(flash);
        return 0;
}

static void test_cold_and_back(void **state)
{
        unsigned idx = 9;

        (void)state;
        assert_int_equal(cold_make(&space, &ops, &fl, 1, ipa_of(4 * PG), pa_of(4 * PG), 8, 5, &idx),
                         COLD_OK);
        assert_int_equal(space.pages_returned, 8);
        for (unsigned p = 4; p < 12; p++) {
                assert_false(used[p]);
                assert_int_equal(mapped[p], 0);
        }
        assert_int_equal(cold_find(&space, 1, ipa_of(7 * PG)), (int)idx);
        assert_int_equal(cold_find(&space, 1, ipa_of(12 * PG)), -1);
        assert_true(cold_claims(&space, 1));
        memset(arena + 4 * PG, 0x5a, 8 * PG); /* the freed frames reused meanwhile */
        used[5] = true;                       /* and one still taken: relocated */
        assert_int_equal(cold_restore(&space, &ops, &fl, idx), COLD_OK);
        for (unsigned p = 4; p < 12; p++) {
                assert_true(mapped[p] != 0);
                assert_memory_equal(arena + (mapped[p] - BASE), expect[p], PG);
        }
        assert_true(mapped[5] != BASE + 5 * PG);
        assert_int_equal(space.pages_returned, 0);
        assert_int_equal(cold_find(&space, 1, ipa_of(7 * PG)), -1);
        assert_true(cold_claims(&space, 1)); /* a page lives elsewhere */
}

static void test_damaged_flash_refused_then_dropped(void **state)
{
        unsigned idx = 0;

        (void)state;
        assert_int_equal(cold_make(&space, &ops, &fl, 1, ipa_of(0), pa_of(0), 4, 5, &idx), COLD_OK);
        unsigned slot = space.range[idx].slot;
        flash[slot * COLD_SLOT_SIZE + COLD_DATA_OFFSET + 2 * PG + 100] ^= 1;
        assert_int_equal(cold_restore(&space, &ops, &fl, idx), COLD_E_DAMAGED);
        for (unsigned p = 0; p < 4; p++) {
                assert_int_equal(mapped[p], 0); /* nothing mapped */
                assert_false(used[p]);          /* no frame kept */
        }
        assert_int_equal(space.damaged, 1);
        assert_int_equal(cold_drop(&space, &ops, idx), COLD_OK);
        for (unsigned p = 0; p < 4; p++) {
                assert_int_equal(mapped[p], BASE + p * PG);
                assert_int_equal(arena[p * PG + 7], 0);
        }
        /* A lying header (another partition's) is damage too. */
        assert_int_equal(cold_make(&space, &ops, &fl, 1, ipa_of(0), pa_of(0), 4, 5, &idx), COLD_OK);
        slot = space.range[idx].slot;
        flash[slot * COLD_SLOT_SIZE + COLD_SEG_HDR + 8] &= 0xfe;
        assert_int_equal(cold_restore(&space, &ops, &fl, idx), COLD_E_DAMAGED);
}

static void test_refusals_change_nothing(void **state)
{
        unsigned idx = 0;

        (void)state;
        assert_int_equal(cold_make(&space, &ops, &fl, 1, ipa_of(1), pa_of(0), 4, 0, &idx),
                         COLD_E_INVAL);
        assert_int_equal(cold_make(&space, &ops, &fl, 1, ipa_of(0), pa_of(0), 0, 0, &idx),
                         COLD_E_INVAL);
        assert_int_equal(
            cold_make(&space, &ops, &fl, 1, ipa_of(0), pa_of(0), COLD_MAX_PAGES + 1, 0, &idx),
            COLD_E_INVAL);
        fail_program = 1;
        assert_int_equal(cold_make(&space, &ops, &fl, 1, ipa_of(0), pa_of(0), 4, 0, &idx),
                         COLD_E_FLASH);
        for (unsigned p = 0; p < 4; p++) {
                assert_int_equal(mapped[p], BASE + p * PG); /* mapped again */
                assert_true(used[p]);
        }
        fail_program = 0;
        assert_int_equal(cold_make(&space, &ops, &fl, 1, ipa_of(0), pa_of(0), 4, 0, &idx), COLD_OK);
        assert_int_equal(cold_make(&space, &ops, &fl, 1, ipa_of(2 * PG), pa_of(2 * PG), 4, 0, &idx),
                         COLD_E_OVERLAP);
        assert_int_equal(cold_restore(&space, &ops, &fl, 3), COLD_E_NOT_FOUND);
}

static int run_tool(int argc, char **argv, const uint8_t *data, size_t len, char *outbuf,
                    size_t cap)
{
        FILE *out = fmemopen(outbuf, cap, "w"), *err = fopen("/dev/null", "w");
        int rc = witness_tool_run_buffer(argc, argv, data, len, out, err);
        fclose(out);
        fclose(err);
        return rc;
}

static void test_ckpt_diff_lists_changed_pages(void **state)
{
        unsigned slot = 0;
        uint64_t seq1 = 0, seq2 = 0;
        uint8_t root[32];
        static char out[8192];

        (void)state;
        assert_int_equal(cold_write(&space, &fl, COLD_K_CHECKPOINT, 2, ipa_of(0), arena, 16,
                                    1000000, &slot, &seq1, root),
                         COLD_OK);
        arena[3 * PG + 9] ^= 0xff;
        arena[11 * PG] ^= 1;
        assert_int_equal(cold_write(&space, &fl, COLD_K_CHECKPOINT, 2, ipa_of(0), arena, 16,
                                    2000000, &slot, &seq2, root),
                         COLD_OK);
        char a[24], b[24];
        snprintf(a, sizeof(a), "%llu", (unsigned long long)seq1);
        snprintf(b, sizeof(b), "%llu", (unsigned long long)seq2);
        char *argv[] = {"witness", "ckpt-diff", "area", a, b};
        assert_int_equal(run_tool(5, argv, flash, COLD_AREA_SIZE, out, sizeof(out)), 0);
        assert_non_null(strstr(out, "changed page 3 ipa 0x40003000\n"));
        assert_non_null(strstr(out, "changed page 11 ipa 0x4000b000\n"));
        assert_non_null(strstr(out, "2 of 16 pages changed"));
        /* Listing, and the same checkpoints inside a whole bank image. */
        assert_int_equal(run_tool(3, argv, flash, COLD_AREA_SIZE, out, sizeof(out)), 0);
        assert_non_null(strstr(out, "2 segment(s)"));
        uint8_t *bank = malloc(COLD_FLASH_OFFSET + COLD_AREA_SIZE + 4096);
        memset(bank, 0xff, COLD_FLASH_OFFSET + COLD_AREA_SIZE + 4096);
        memcpy(bank + COLD_FLASH_OFFSET, flash, COLD_AREA_SIZE);
        assert_int_equal(
            run_tool(5, argv, bank, COLD_FLASH_OFFSET + COLD_AREA_SIZE + 4096, out, sizeof(out)),
            0);
        assert_non_null(strstr(out, "2 of 16 pages changed"));
        free(bank);
        /* Damage in a page of either: refused (status 2). */
        flash[slot * COLD_SLOT_SIZE + COLD_DATA_OFFSET + 5 * PG] ^= 4;
        assert_int_equal(run_tool(5, argv, flash, COLD_AREA_SIZE, out, sizeof(out)), 2);
}

static void test_ckpt_diff_bad_input(void **state)
{
        static char out[4096];
        unsigned slot = 0;
        uint64_t seq = 0;
        uint8_t root[32];

        (void)state;
        char *argv[] = {"witness", "ckpt-diff", "x", "1", "1"};
        /* Too short, empty, wrong magic, bad arguments. */
        assert_int_equal(run_tool(5, argv, flash, 100, out, sizeof(out)), 2);
        assert_int_equal(run_tool(5, argv, flash, 0, out, sizeof(out)), 2);
        assert_int_equal(run_tool(5, argv, flash, COLD_AREA_SIZE, out, sizeof(out)), 2);
        char *bad[] = {"witness", "ckpt-diff", "x", "one", "2"};
        assert_int_equal(run_tool(5, bad, flash, COLD_AREA_SIZE, out, sizeof(out)), 2);
        assert_int_equal(run_tool(4, bad, flash, COLD_AREA_SIZE, out, sizeof(out)), 2);
        assert_int_equal(cold_write(&space, &fl, COLD_K_CHECKPOINT, 2, ipa_of(0), arena, 16, 0,
                                    &slot, &seq, root),
                         COLD_OK);
        assert_int_equal(run_tool(5, argv, flash, COLD_AREA_SIZE, out, sizeof(out)), 0);
        /* The parser over every truncation of the headers, and header fields that lie. */
        struct cold_seg seg;
        const uint8_t *s0 = flash + slot * COLD_SLOT_SIZE;
        for (size_t n = 0; n < COLD_DATA_OFFSET; n += 7) {
                enum cold_err e = cold_parse(s0, n, &seg);
                assert_true(e == COLD_E_TRUNCATED ||
                            (e == COLD_OK && n >= COLD_SEG_HDR + COLD_HDR + 16 * 32));
        }
        uint32_t bad_page = 0;
        assert_int_equal(cold_check(s0, COLD_DATA_OFFSET + 3 * PG, &fl, &seg, &bad_page),
                         COLD_E_TRUNCATED);
        static const size_t fields[] = {0,
                                        4,
                                        5,
                                        0x10,
                                        COLD_SEG_HDR,
                                        COLD_SEG_HDR + 4,
                                        COLD_SEG_HDR + 6,
                                        COLD_SEG_HDR + 12,
                                        COLD_SEG_HDR + 13,
                                        COLD_SEG_HDR + 40,
                                        COLD_SEG_HDR + 44};
        uint8_t *copy = malloc(COLD_SLOT_SIZE);
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
                memcpy(copy, s0, COLD_SLOT_SIZE);
                copy[fields[i]] ^= 0x40;
                assert_int_equal(cold_parse(copy, COLD_SLOT_SIZE, &seg), COLD_E_FORMAT);
        }
        /* Random bytes never crash it. */
        srand(7);
        for (int round = 0; round < 2000; round++) {
                memcpy(copy, s0, COLD_DATA_OFFSET);
                copy[rand() % COLD_DATA_OFFSET] = (uint8_t)rand();
                copy[rand() % 256] = (uint8_t)rand();
                (void)cold_check(copy, COLD_SLOT_SIZE, &fl, &seg, &bad_page);
        }
        free(copy);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_cold_and_back, setup, teardown),
            cmocka_unit_test_setup_teardown(test_damaged_flash_refused_then_dropped, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_refusals_change_nothing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_ckpt_diff_lists_changed_pages, setup, teardown),
            cmocka_unit_test_setup_teardown(test_ckpt_diff_bad_input, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
