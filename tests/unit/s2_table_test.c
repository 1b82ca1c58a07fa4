/*
 * tests/unit/s2_table_test.c: partitions' stage-2 tables (arch/aarch64/s2_table.c) on the
 * host: 256 MiB of RAM mapped with 2 MiB blocks, a 4 KiB change inside a block splitting it
 * break-before-make while the rest still translates, and pages where alignment does not allow
 * blocks; a destroyed partition's tables, every level, given back after its VMID's flush.
 * The hardware steps (DSB, TLBI) are counted stubs; the output addresses are never
 * dereferenced, only the tables (host memory) are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/aarch64/arch.h"

#define MiB     (1ULL << 20)
#define RAM_IPA 0x40000000ULL
#define RAM_PA  0x80000000ULL /* an output address only */

static unsigned flushes, tables_given, tables_left;
static void *tables[256];

void arch_s2_publish(void) {}

void arch_s2_flush_vmid(uint16_t vmid)
{
        assert_int_equal(vmid, 7);
        flushes++;
}

static uint64_t table_page(void *ctx)
{
        (void)ctx;
        if (tables_left == 0 || tables_given == 256) {
                return 0;
        }
        tables_left--;
        void *t = aligned_alloc(4096, 4096);
        memset(t, 0xa5, 4096); /* the code zeroes what it takes */
        tables[tables_given++] = t;
        return (uint64_t)(uintptr_t)t;
}

static uint64_t *new_root(void)
{
        flushes = tables_given = 0;
        tables_left = 256;
        uint64_t *root = (uint64_t *)(uintptr_t)table_page(NULL);
        memset(root, 0, 4096);
        return root;
}

/* The free side: a page table_page gave, given back once, after the VMID was flushed. */
static unsigned tables_freed, flushes_at_free;

static void table_free(void *ctx, uint64_t pa)
{
        assert_ptr_equal(ctx, tables);
        assert_int_not_equal(flushes, flushes_at_free); /* never before the flush */
        for (unsigned i = 0; i < tables_given; i++) {
                if ((uint64_t)(uintptr_t)tables[i] == pa) {
                        free(tables[i]);
                        tables[i] = NULL; /* a second free of it finds nothing: fails */
                        tables_freed++;
                        return;
                }
        }
        fail_msg("freed a page it was not given: 0x%llx", (unsigned long long)pa);
}

static int teardown(void **state)
{
        (void)state;
        for (unsigned i = 0; i < tables_given; i++) {
                free(tables[i]);
        }
        tables_given = 0;
        return 0;
}

static bool translates(const uint64_t *root, uint64_t ipa, bool write, uint64_t want)
{
        pa_t pa;
        return arch_s2_translate(root, ipa_init(ipa), write, &pa) && pa_addr(pa) == want;
}

static void map_ram(uint64_t *root, uint64_t pa, uint64_t size)
{
        assert_int_equal(
            arch_s2_map(root, ipa_init(RAM_IPA), pa_init(pa), size,
                        ARCH_S2_WRITE | ARCH_S2_EXEC | ARCH_S2_BLOCKS, 7, table_page, NULL),
            0);
}

static void ram_256m_is_128_blocks(void **state)
{
        uint64_t *root = new_root();
        unsigned blocks = 0;
        (void)state;

        map_ram(root, RAM_PA, 256 * MiB);
        /* The root and one level-2 table (256 MiB inside one 1 GiB entry), no level-3 table:
         * 4 KiB pages took 2 + 128. */
        assert_int_equal(arch_s2_table_pages(root, &blocks), 2);
        assert_int_equal(blocks, 128);
        for (uint64_t off = 0; off < 256 * MiB; off += 3 * MiB + 0x1234) {
                assert_true(translates(root, RAM_IPA + off, true, RAM_PA + off));
        }
        assert_false(translates(root, RAM_IPA + 256 * MiB, false, 0));
        assert_false(translates(root, RAM_IPA - 1, false, 0));
        pa_t pa;
        assert_true(arch_s2_translate_ram(root, ipa_init(RAM_IPA + 5 * MiB + 8), &pa));
        assert_int_equal(pa_addr(pa), RAM_PA + 5 * MiB + 8);
        assert_int_equal(flushes, 0);
}

static void page_unmap_splits_one_block(void **state)
{
        uint64_t *root = new_root();
        unsigned blocks = 0;
        const uint64_t page = RAM_IPA + 6 * MiB + 0x5000; /* inside the fourth block */
        (void)state;

        map_ram(root, RAM_PA, 256 * MiB);
        assert_int_equal(arch_s2_unmap(root, ipa_init(page), 0x1000, 7, table_page, NULL), 0);
        assert_int_equal(arch_s2_table_pages(root, &blocks), 3);
        assert_int_equal(blocks, 127);
        assert_true(flushes >= 2); /* the split's break, then the unmap's own */
        assert_false(translates(root, page, false, 0));
        assert_false(translates(root, page + 0xfff, false, 0));
        /* Every other page of the split block, and the blocks around it, as before. */
        for (uint64_t off = 0; off < 256 * MiB; off += 0x1000) {
                uint64_t ipa = RAM_IPA + off;
                if (ipa != page) {
                        assert_true(translates(root, ipa, true, RAM_PA + off));
                }
        }
        /* Mapped back read-only (a page lent out, say): pages now, no new table. */
        assert_int_equal(arch_s2_map(root, ipa_init(page), pa_init(RAM_PA + 0x10000000), 0x1000,
                                     ARCH_S2_READ, 7, table_page, NULL),
                         0);
        assert_true(translates(root, page + 4, false, RAM_PA + 0x10000004));
        assert_false(translates(root, page, true, 0));
        assert_int_equal(arch_s2_table_pages(root, NULL), 3);
}

static void remap_inside_block_splits(void **state)
{
        uint64_t *root = new_root();
        unsigned blocks = 0;
        (void)state;

        map_ram(root, RAM_PA, 8 * MiB);
        /* Made read-only in place (no unmap first): the map splits the block itself. */
        assert_int_equal(arch_s2_map(root, ipa_init(RAM_IPA + 2 * MiB), pa_init(RAM_PA + 2 * MiB),
                                     0x3000, ARCH_S2_READ, 7, table_page, NULL),
                         0);
        assert_int_equal(arch_s2_table_pages(root, &blocks), 3);
        assert_int_equal(blocks, 3);
        assert_false(translates(root, RAM_IPA + 2 * MiB + 0x2000, true, 0));
        assert_true(translates(root, RAM_IPA + 2 * MiB + 0x2000, false, RAM_PA + 2 * MiB + 0x2000));
        assert_true(translates(root, RAM_IPA + 2 * MiB + 0x3000, true, RAM_PA + 2 * MiB + 0x3000));
}

static void whole_block_unmap_needs_no_table(void **state)
{
        uint64_t *root = new_root();
        unsigned blocks = 0;
        (void)state;

        map_ram(root, RAM_PA, 8 * MiB);
        tables_left = 0;
        assert_int_equal(arch_s2_unmap(root, ipa_init(RAM_IPA + 4 * MiB), 2 * MiB, 7, NULL, NULL),
                         0);
        assert_int_equal(arch_s2_table_pages(root, &blocks), 2);
        assert_int_equal(blocks, 3);
        assert_false(translates(root, RAM_IPA + 5 * MiB, false, 0));
        assert_true(translates(root, RAM_IPA + 6 * MiB, false, RAM_PA + 6 * MiB));
        /* A page inside a block with no page for the table: the whole block goes. */
        assert_int_equal(
            arch_s2_unmap(root, ipa_init(RAM_IPA + 0x1000), 0x1000, 7, table_page, NULL), -1);
        assert_false(translates(root, RAM_IPA + 0x2000, false, 0));
        assert_true(translates(root, RAM_IPA + 2 * MiB, false, RAM_PA + 2 * MiB));
        /* And a map over a block that would need a table fails. */
        assert_int_equal(arch_s2_map(root, ipa_init(RAM_IPA + 2 * MiB), pa_init(RAM_PA), 0x1000,
                                     ARCH_S2_READ, 7, table_page, NULL),
                         -1);
}

static void unaligned_ram_takes_pages(void **state)
{
        uint64_t *root = new_root();
        unsigned blocks = 0;
        (void)state;

        /* PA 4 KiB aligned only: no block anywhere (1 + 1 + 4 level-3 tables). */
        map_ram(root, RAM_PA + 0x1000, 8 * MiB);
        assert_int_equal(arch_s2_table_pages(root, &blocks), 6);
        assert_int_equal(blocks, 0);
        teardown(NULL);
        root = new_root();
        /* 3 MiB at an aligned start: one block, then 1 MiB of pages. */
        map_ram(root, RAM_PA, 3 * MiB);
        assert_int_equal(arch_s2_table_pages(root, &blocks), 3);
        assert_int_equal(blocks, 1);
        assert_true(translates(root, RAM_IPA + 3 * MiB - 1, true, RAM_PA + 3 * MiB - 1));
        assert_false(translates(root, RAM_IPA + 3 * MiB, false, 0));
}

/* Access tracking: a fresh mapping has every access flag set; aging reports each page once,
 * clears the flags (one flush), then only the pages set again by an access fault count. A
 * block counts as its 512 pages; a hole in the range is skipped. */
static void aging_counts_pages_touched_since_the_last_age(void **state)
{
        uint64_t *root = new_root();
        uint64_t touched[8];
        (void)state;

        map_ram(root, RAM_PA + 0x1000, 1 * MiB); /* 256 pages */
        memset(touched, 0, sizeof(touched));
        assert_int_equal(arch_s2_age(root, ipa_init(RAM_IPA), 1 * MiB, 7, touched), 256);
        assert_int_equal(flushes, 1);
        for (unsigned i = 0; i < 4; i++) {
                assert_true(touched[i] == ~0ULL);
        }
        memset(touched, 0, sizeof(touched));
        assert_int_equal(arch_s2_age(root, ipa_init(RAM_IPA), 1 * MiB, 7, touched), 0);
        /* Two pages touched: the access flag faults set their flags again. */
        assert_true(arch_s2_access(root, ipa_init(RAM_IPA + 5 * 0x1000 + 12)));
        assert_true(arch_s2_access(root, ipa_init(RAM_IPA + 200 * 0x1000)));
        assert_false(arch_s2_access(root, ipa_init(RAM_IPA + 2 * MiB))); /* nothing there */
        assert_true(translates(root, RAM_IPA + 7 * 0x1000, true, RAM_PA + 8 * 0x1000));
        assert_int_equal(arch_s2_age(root, ipa_init(RAM_IPA), 1 * MiB, 7, touched), 2);
        assert_true(touched[0] == 1ULL << 5 && touched[3] == 1ULL << (200 - 192));
        assert_true(touched[1] == 0 && touched[2] == 0);
        /* A page unmapped in the range is skipped, not counted. */
        assert_int_equal(
            arch_s2_unmap(root, ipa_init(RAM_IPA + 0x1000), 0x1000, 7, table_page, NULL), 0);
        assert_true(arch_s2_access(root, ipa_init(RAM_IPA)));
        assert_false(arch_s2_access(root, ipa_init(RAM_IPA + 0x1000)));
        assert_int_equal(arch_s2_age(root, ipa_init(RAM_IPA), 1 * MiB, 7, NULL), 1);
        teardown(NULL);
        /* A 2 MiB block: its 512 pages at once, counted within the range asked. */
        root = new_root();
        map_ram(root, RAM_PA, 4 * MiB);
        assert_int_equal(arch_s2_age(root, ipa_init(RAM_IPA + 1 * MiB), 2 * MiB, 7, NULL), 512);
        /* Both blocks it overlapped were cleared whole. */
        assert_int_equal(arch_s2_age(root, ipa_init(RAM_IPA), 4 * MiB, 7, NULL), 0);
        assert_true(arch_s2_access(root, ipa_init(RAM_IPA + 3 * MiB)));
        assert_int_equal(arch_s2_age(root, ipa_init(RAM_IPA), 4 * MiB, 7, NULL), 512);
}

/* Destroy: every table page allocated, at every level, comes back, each once, the VMID's
 * TLB flushed before the first; allocated == freed. */
static void destroy_frees_every_table_page_after_the_flush(void **state)
{
        uint64_t *root = new_root();
        (void)state;

        /* Blocks, a split block (a level-3 table), and pages in another 1 GiB: 5 levels'
         * worth of tables: root, two level-2, two level-3 (one split, one for the pages). */
        map_ram(root, RAM_PA, 256 * MiB);
        assert_int_equal(
            arch_s2_unmap(root, ipa_init(RAM_IPA + 6 * MiB + 0x5000), 0x1000, 7, table_page, NULL),
            0);
        assert_int_equal(arch_s2_map(root, ipa_init(0x80000000ULL), pa_init(RAM_PA + 0x1000),
                                     0x4000, ARCH_S2_WRITE, 7, table_page, NULL),
                         0);
        unsigned in_use = arch_s2_table_pages(root, NULL);
        assert_int_equal(in_use, 5);
        assert_int_equal(tables_given, in_use);
        tables_freed = 0;
        flushes_at_free = flushes;
        assert_int_equal(arch_s2_free(root, 7, table_free, tables), in_use);
        assert_int_equal(tables_freed, tables_given);
        assert_int_equal(flushes, flushes_at_free + 1);
        for (unsigned i = 0; i < tables_given; i++) {
                assert_null(tables[i]);
        }
        /* Unaligned RAM: all pages, one level-3 table per 2 MiB. */
        root = new_root();
        map_ram(root, RAM_PA + 0x1000, 64 * MiB);
        in_use = arch_s2_table_pages(root, NULL);
        assert_int_equal(in_use, 2 + 32); /* root, level 2, 32 level-3 */
        tables_freed = 0;
        flushes_at_free = flushes;
        assert_int_equal(arch_s2_free(root, 7, table_free, tables), in_use);
        assert_int_equal(tables_freed, tables_given);
        /* Nothing to free: nothing happens. */
        assert_int_equal(arch_s2_free(NULL, 7, table_free, tables), 0);
        assert_int_equal(tables_freed, tables_given);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_teardown(ram_256m_is_128_blocks, teardown),
            cmocka_unit_test_teardown(page_unmap_splits_one_block, teardown),
            cmocka_unit_test_teardown(remap_inside_block_splits, teardown),
            cmocka_unit_test_teardown(whole_block_unmap_needs_no_table, teardown),
            cmocka_unit_test_teardown(unaligned_ram_takes_pages, teardown),
            cmocka_unit_test_teardown(aging_counts_pages_touched_since_the_last_age, teardown),
            cmocka_unit_test_teardown(destroy_frees_every_table_page_after_the_flush, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
