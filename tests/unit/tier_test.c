/*
 * tests/unit/tier_test.c: the dormant tier (memory/tier.c) over fake memory: a page arena
 * with a first-fit allocator that reuses freed pages at once (as RVM's does), and a fake
 * stage-2 that records which IPA maps which page. Contents must come back bit for bit,
 * into the page's own frame when it is free and into another when it is not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "memory/tier.h"

#define PG     TIER_PAGE
#define NPAGES 64
#define IPA    0x40000000ULL

static uint8_t *arena; /* NPAGES pages; "physical" address = offset + BASE */
#define BASE 0x100000ULL
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

static uint64_t mapped[NPAGES]; /* by IPA page: the frame, 0 if unmapped */
static int fail_unmap;

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
                assert_true(used[(pa - BASE) / PG + k]); /* no double free */
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
        if (fail_unmap) {
                return -1;
        }
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

static struct tier_space space;
static uint8_t expect[16][4096];

/* A partition's 16 pages of RAM at frames 0..15, mapped at IPA: some zero, some text-like,
 * some random (incompressible). */
static int setup(void **state)
{
        (void)state;
        arena = aligned_alloc(PG, NPAGES * PG);
        memset(used, 0, sizeof(used));
        memset(mapped, 0, sizeof(mapped));
        fail_unmap = 0;
        tier_space_init(&space);
        uint64_t x = 88172645463325252ULL;
        for (unsigned p = 0; p < 16; p++) {
                used[p] = true;
                mapped[p] = BASE + p * PG;
                for (unsigned b = 0; b < PG; b++) {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        expect[p][b] = p % 4 == 0   ? 0
                                       : p % 4 == 1 ? (uint8_t)("counter "[b % 8])
                                       : p % 4 == 2 ? (uint8_t)(b / 64)
                                                    : (uint8_t)x;
                }
                memcpy(arena + p * PG, expect[p], PG);
        }
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        free(arena);
        return 0;
}

static void test_dormant_frees_pages_and_compresses(void **state)
{
        (void)state;
        unsigned idx;
        assert_int_equal(tier_make_dormant(&space, &ops, 1, ipa_of(0), pa_of(0), 16, &idx),
                         TIER_OK);
        for (unsigned p = 0; p < 16; p++) {
                assert_int_equal(mapped[p], 0); /* unmapped */
        }
        const struct tier_range *r = &space.range[idx];
        assert_int_equal(space.pages_returned, 16);
        assert_true(r->compressed_bytes < 16 * PG / 2); /* 4 of 16 pages are random */
        assert_true(r->compressed_bytes > 4 * PG);
        assert_int_equal(space.store_pages, (r->compressed_bytes + PG - 1) / PG);
        assert_true(tier_is_dormant(&space, 1, ipa_of(5 * PG + 8)));
        assert_false(tier_is_dormant(&space, 2, ipa_of(5 * PG)));
        /* Overlapping again is refused. */
        assert_int_equal(tier_make_dormant(&space, &ops, 1, ipa_of(PG), pa_of(PG), 2, &idx),
                         TIER_E_OVERLAP);
}

static void test_fault_in_restores_every_byte(void **state)
{
        unsigned idx;
        test_dormant_frees_pages_and_compresses(state);
        for (unsigned p = 0; p < 16; p++) {
                pa_t frame = pa_init(0);
                /* Touched anywhere in the page. */
                assert_int_equal(tier_fault_in(&space, &ops, 1, ipa_of(p * PG + 100), &frame),
                                 TIER_OK);
                assert_int_equal(mapped[p], pa_addr(frame));
                assert_memory_equal(arena + (pa_addr(frame) - BASE), expect[p], PG);
                assert_int_equal(tier_fault_in(&space, &ops, 1, ipa_of(p * PG), &frame),
                                 TIER_E_NOT_FOUND);
        }
        assert_int_equal(space.pages_returned, 0);
        assert_int_equal(space.store_pages, 0);
        assert_int_equal(space.fault_ins, 16);
        /* The store was the first free run, so the frames came home? Either way the range
         * can go dormant again once no page lives elsewhere. */
        if (!tier_relocated(&space, 1)) {
                assert_int_equal(tier_make_dormant(&space, &ops, 1, ipa_of(0), pa_of(0), 16, &idx),
                                 TIER_OK);
                assert_int_equal(tier_wake(&space, &ops, 1), TIER_OK);
                for (unsigned p = 0; p < 16; p++) {
                        assert_memory_equal(arena + (mapped[p] - BASE), expect[p], PG);
                }
        }
}

static void test_frame_taken_meanwhile_relocates(void **state)
{
        (void)state;
        unsigned idx;
        assert_int_equal(tier_make_dormant(&space, &ops, 1, ipa_of(0), pa_of(0), 16, &idx),
                         TIER_OK);
        /* Someone takes every free page at the bottom: the dormant frames among them. */
        pa_t taken[16];
        for (unsigned i = 0; i < 16; i++) {
                taken[i] = f_alloc(NULL, 1);
                assert_true(pa_addr(taken[i]) != 0);
        }
        assert_int_equal(tier_wake(&space, &ops, 1), TIER_OK);
        assert_true(tier_relocated(&space, 1));
        assert_true(space.relocated > 0);
        for (unsigned p = 0; p < 16; p++) {
                assert_memory_equal(arena + (mapped[p] - BASE), expect[p], PG);
        }
}

static void test_refusals_change_nothing(void **state)
{
        (void)state;
        unsigned idx;
        assert_int_equal(tier_make_dormant(&space, &ops, 1, ipa_of(0), pa_of(0), 0, &idx),
                         TIER_E_INVAL);
        assert_int_equal(tier_make_dormant(&space, &ops, 1, ipa_of(1), pa_of(0), 1, &idx),
                         TIER_E_INVAL);
        assert_int_equal(
            tier_make_dormant(&space, &ops, 1, ipa_of(0), pa_of(0), TIER_MAX_PAGES + 1, &idx),
            TIER_E_INVAL);
        fail_unmap = 1;
        assert_int_equal(tier_make_dormant(&space, &ops, 1, ipa_of(0), pa_of(0), 4, &idx),
                         TIER_E_MAP);
        assert_int_equal(space.pages_returned, 0);
        for (unsigned p = 0; p < 16; p++) {
                assert_int_equal(mapped[p], BASE + p * PG);
                assert_true(used[p]);
        }
        for (unsigned p = 16; p < NPAGES; p++) {
                assert_false(used[p]); /* the store went back */
        }
        /* A damaged store is refused, not decompressed into the guest. */
        fail_unmap = 0;
        assert_int_equal(tier_make_dormant(&space, &ops, 1, ipa_of(0), pa_of(0), 2, &idx), TIER_OK);
        struct tier_range *r = &space.range[idx];
        uint8_t *store = arena + (pa_addr(r->store_pa) - BASE);
        memset(store, 0xff, r->length[0]);
        pa_t frame;
        assert_int_equal(tier_fault_in(&space, &ops, 1, ipa_of(0), &frame), TIER_E_DAMAGED);
        assert_int_equal(mapped[0], 0);
        assert_int_equal(tier_fault_in(&space, &ops, 1, ipa_of(PG), &frame), TIER_OK);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_dormant_frees_pages_and_compresses, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_fault_in_restores_every_byte, setup, teardown),
            cmocka_unit_test_setup_teardown(test_frame_taken_meanwhile_relocates, setup, teardown),
            cmocka_unit_test_setup_teardown(test_refusals_change_nothing, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
