/*
 * tests/unit/region_fixture.c: what the region tests (region_test.c, region_limits_test.c)
 * share: a fake stage-2 under memory/region.c's callbacks, and three partitions' RAM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/region_fixture.h"

/* ---- the fake stage-2: (partition, ipa) -> pa, plus what the callbacks saw ---- */

struct mapping maps[4096];
unsigned ended, owner_changes, zeroed_pages, map_failures_left, tags_issued;
bool fail_map;

struct mapping *find_map(uint32_t part, uint64_t ipa)
{
        for (unsigned i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
                if (maps[i].live && maps[i].part == part && maps[i].ipa == ipa) {
                        return &maps[i];
                }
        }
        return NULL;
}

/* The PA that part sees at ipa, 0 if unmapped. */
uint64_t seen(uint32_t part, uint64_t ipa)
{
        struct mapping *m = find_map(part, ipa);
        return m != NULL ? m->pa : 0;
}

int fake_map(void *ctx, uint32_t part, ipa_t at, pa_t to, uint64_t pages, bool write)
{
        uint64_t ipa = ipa_addr(at);
        uint64_t pa = pa_addr(to);

        (void)ctx;
        if (fail_map) {
                map_failures_left++;
                return -1;
        }
        for (uint64_t i = 0; i < pages; i++) {
                /* The module never maps over a live mapping. */
                assert_null(find_map(part, ipa + i * PG));
                unsigned k = 0;
                while (maps[k].live) {
                        k++;
                }
                maps[k] = (struct mapping){part, ipa + i * PG, pa + i * PG, write, true};
        }
        return 0;
}

static void fake_unmap(void *ctx, uint32_t part, ipa_t at, uint64_t pages)
{
        uint64_t ipa = ipa_addr(at);

        (void)ctx;
        for (uint64_t i = 0; i < pages; i++) {
                struct mapping *m = find_map(part, ipa + i * PG);
                assert_non_null(m); /* it only unmaps what it mapped */
                m->live = false;
        }
}

static void fake_zero(void *ctx, pa_t pa, uint64_t pages)
{
        (void)ctx;
        (void)pa;
        zeroed_pages += (unsigned)pages;
}

static void fake_ended(void *ctx, const struct region_offer *o)
{
        (void)ctx;
        (void)o;
        ended++;
}

static uint32_t fake_owner_changed(void *ctx, const struct mem_region *r, uint32_t from,
                                   uint32_t old_tag)
{
        (void)ctx;
        (void)from;
        (void)old_tag;
        owner_changes++;
        return r->owner != r->home ? 100 + tags_issued++ : REGION_NO_TAG;
}

const struct region_ops ops = {
    .map = fake_map,
    .unmap = fake_unmap,
    .zero = fake_zero,
    .offer_ended = fake_ended,
    .owner_changed = fake_owner_changed,
};

struct region_space rs;

/* Partitions 1..3 with 64 pages of RAM each, mapped at IPA; an edge page; RVM's image. */
int setup(void **state)
{
        (void)state;
        memset(maps, 0, sizeof(maps));
        ended = owner_changes = zeroed_pages = map_failures_left = tags_issued = 0;
        fail_map = false;
        region_space_init(&rs);
        for (uint32_t p = 1; p < PARTS; p++) {
                assert_int_equal(
                    region_add(&rs, REGION_T_RAM, p, pa_init(PA(p)), RAM_PGS, ipa_init(IPA)),
                    REGION_OK);
                assert_int_equal(fake_map(NULL, p, ipa_init(IPA), pa_init(PA(p)), RAM_PGS, true),
                                 0);
        }
        assert_int_equal(
            region_add(&rs, REGION_T_EDGE, 0, pa_init(0x70000000ULL), 1, ipa_init(0x50000000ULL)),
            REGION_OK);
        assert_int_equal(
            region_add(&rs, REGION_T_RVM, 0, pa_init(0x40200000ULL), 16, ipa_init(0x40200000ULL)),
            REGION_OK);
        return 0;
}

unsigned live_regions(void)
{
        unsigned n = 0;
        for (unsigned i = 0; i < REGION_MAX; i++) {
                n += rs.region[i].type != REGION_T_FREE;
        }
        return n;
}
