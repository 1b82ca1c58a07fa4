/*
 * tests/unit/memory_test.c: the page allocator and the pool over RAM ranges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "memory/memory.h"
#include "memory/palloc.h"

#define BASE 0x40000000ULL
#define PG   PALLOC_PAGE_SIZE

static uint64_t bitmap[64]; /* 4096 pages */

static void init(struct palloc *pa, uint64_t pages)
{
        assert_int_equal(palloc_init(pa, BASE, pages, bitmap), PALLOC_OK);
}

static void alloc_free_round_trip(void **state)
{
        struct palloc pa;
        uint64_t a, b;
        (void)state;

        init(&pa, 100);
        assert_int_equal(palloc_alloc(&pa, 10, 1, &a), PALLOC_OK);
        assert_int_equal(a, BASE);
        assert_int_equal(palloc_alloc(&pa, 5, 1, &b), PALLOC_OK);
        assert_int_equal(b, BASE + 10 * PG);
        assert_int_equal(pa.free_count, 85);
        assert_true(palloc_page_used(&pa, a));
        assert_int_equal(palloc_free(&pa, a, 10), PALLOC_OK);
        assert_false(palloc_page_used(&pa, a));
        assert_int_equal(pa.free_count, 95);
        /* the freed hole is found again */
        assert_int_equal(palloc_alloc(&pa, 10, 1, &a), PALLOC_OK);
        assert_int_equal(a, BASE);
}

static void alignment(void **state)
{
        struct palloc pa;
        uint64_t a;
        (void)state;

        init(&pa, 256);
        assert_int_equal(palloc_alloc(&pa, 1, 1, &a), PALLOC_OK);
        assert_int_equal(palloc_alloc(&pa, 4, 16, &a), PALLOC_OK);
        assert_int_equal((a - BASE) % (16 * PG), 0);
        assert_int_equal(palloc_alloc(&pa, 1, 3, &a), PALLOC_E_ALIGN);
        assert_int_equal(palloc_alloc(&pa, 1, 0, &a), PALLOC_E_ALIGN);
}

static void exhaustion_and_fragmentation(void **state)
{
        struct palloc pa;
        uint64_t a;
        (void)state;

        init(&pa, 64);
        for (int i = 0; i < 64; i++) {
                assert_int_equal(palloc_alloc(&pa, 1, 1, &a), PALLOC_OK);
        }
        assert_int_equal(palloc_alloc(&pa, 1, 1, &a), PALLOC_E_NOMEM);
        /* free every other page: 32 free, but no run of 2 */
        for (int i = 0; i < 64; i += 2) {
                assert_int_equal(palloc_free(&pa, BASE + (uint64_t)i * PG, 1), PALLOC_OK);
        }
        assert_int_equal(pa.free_count, 32);
        assert_int_equal(palloc_alloc(&pa, 2, 1, &a), PALLOC_E_NOMEM);
        assert_int_equal(palloc_alloc(&pa, 1, 1, &a), PALLOC_OK);
}

static void bad_frees_are_refused_whole(void **state)
{
        struct palloc pa;
        uint64_t a;
        (void)state;

        init(&pa, 32);
        assert_int_equal(palloc_alloc(&pa, 4, 1, &a), PALLOC_OK);
        assert_int_equal(palloc_free(&pa, a + 1, 1), PALLOC_E_ALIGN);
        assert_int_equal(palloc_free(&pa, BASE - PG, 1), PALLOC_E_RANGE);
        assert_int_equal(palloc_free(&pa, a, 33), PALLOC_E_RANGE);
        assert_int_equal(palloc_free(&pa, a, UINT64_MAX), PALLOC_E_RANGE);
        /* pages 0-3 used, 4 free: freeing 0-4 must change nothing */
        assert_int_equal(palloc_free(&pa, a, 5), PALLOC_E_NOT_ALLOCATED);
        assert_int_equal(pa.free_count, 28);
        assert_true(palloc_page_used(&pa, a + 3 * PG));
        assert_int_equal(palloc_free(&pa, a, 4), PALLOC_OK);
        assert_int_equal(palloc_free(&pa, a, 4), PALLOC_E_NOT_ALLOCATED);
        assert_int_equal(palloc_alloc(&pa, 0, 1, &a), PALLOC_E_RANGE);
}

static void reserve_clips_and_counts_once(void **state)
{
        struct palloc pa;
        (void)state;

        init(&pa, 16);
        palloc_reserve(&pa, BASE - PG, 2 * PG); /* only page 0 is inside */
        assert_int_equal(pa.free_count, 15);
        palloc_reserve(&pa, BASE, PG + 1); /* pages 0 and 1; page 0 counted once */
        assert_int_equal(pa.free_count, 14);
        palloc_reserve(&pa, BASE + 15 * PG, 100 * PG);
        assert_int_equal(pa.free_count, 13);
        palloc_reserve(&pa, UINT64_MAX - 10, 100); /* wraps: ignored */
        assert_int_equal(pa.free_count, 13);
}

static void pool_spans_ranges(void **state)
{
        struct mem_pool pool;
        static uint64_t bm1[1], bm2[1];
        uint64_t a;
        (void)state;

        memset(&pool, 0, sizeof(pool));
        assert_int_equal(mem_pool_add(&pool, 0x1000000, 8, bm1), PALLOC_OK);
        assert_int_equal(mem_pool_add(&pool, 0x2000000, 8, bm2), PALLOC_OK);
        assert_int_equal(mem_pool_total_pages(&pool), 16);
        mem_pool_reserve(&pool, 0x1000000, 8 * PG);
        assert_int_equal(mem_alloc_pages(&pool, 2, 1, &a), PALLOC_OK);
        assert_int_equal(a, 0x2000000);
        assert_int_equal(mem_pool_free_pages(&pool), 6);
        assert_int_equal(mem_free_pages(&pool, a, 2), PALLOC_OK);
        assert_int_equal(mem_free_pages(&pool, 0x3000000, 1), PALLOC_E_RANGE);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(alloc_free_round_trip),
            cmocka_unit_test(alignment),
            cmocka_unit_test(exhaustion_and_fragmentation),
            cmocka_unit_test(bad_frees_are_refused_whole),
            cmocka_unit_test(reserve_clips_and_counts_once),
            cmocka_unit_test(pool_spans_ranges),
        };
        return cmocka_run_group_tests_name("memory", tests, NULL, NULL);
}
