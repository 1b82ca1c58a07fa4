/*
 * tests/unit/vmid_test.c: generation-based VMID allocation (DC-12): more partitions than
 * VMIDs, rollover with a TLB flush request, and running partitions keeping theirs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "partition/vmid.h"

static void unique_within_a_generation(void **state)
{
        struct vmid_space s;
        uint64_t gen[255] = {0};
        uint16_t vmid[255] = {0};
        (void)state;

        vmid_space_init(&s, 8);
        for (int i = 0; i < 255; i++) {
                assert_false(vmid_get(&s, &gen[i], &vmid[i], NULL, NULL));
                assert_true(vmid[i] >= 1 && vmid[i] <= 255);
                for (int j = 0; j < i; j++) {
                        assert_int_not_equal(vmid[i], vmid[j]);
                }
        }
        /* asking again in the same generation keeps the VMID, no flush */
        uint16_t before = vmid[7];
        assert_false(vmid_get(&s, &gen[7], &vmid[7], NULL, NULL));
        assert_int_equal(vmid[7], before);
}

struct running {
        uint64_t *gen;
        uint16_t *vmid;
        int count;
};

static void keep(struct vmid_space *s, void *ctx)
{
        struct running *r = ctx;

        for (int i = 0; i < r->count; i++) {
                vmid_keep(s, &r->gen[i], r->vmid[i]);
        }
}

static void rollover_flushes_and_keeps_running_ones(void **state)
{
        struct vmid_space s;
        uint64_t gen[300] = {0};
        uint16_t vmid[300] = {0};
        (void)state;

        vmid_space_init(&s, 8);
        for (int i = 0; i < 255; i++) {
                vmid_get(&s, &gen[i], &vmid[i], NULL, NULL);
        }
        /* partitions 0..2 are on CPUs right now */
        struct running r = {gen, vmid, 3};
        uint64_t g0 = s.gen;
        assert_true(vmid_get(&s, &gen[255], &vmid[255], keep, &r)); /* 256th: rollover */
        assert_int_equal(s.gen, g0 + 1);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(gen[i], s.gen);          /* carried over */
                assert_int_not_equal(vmid[255], vmid[i]); /* never shared with a runner */
        }
        /* a partition from the old generation gets a fresh VMID, distinct from the kept */
        assert_false(vmid_get(&s, &gen[10], &vmid[10], keep, &r));
        for (int i = 0; i < 3; i++) {
                assert_int_not_equal(vmid[10], vmid[i]);
        }
        assert_int_not_equal(vmid[10], vmid[255]);
        assert_int_equal(gen[10], s.gen);
}

static void many_generations(void **state)
{
        struct vmid_space s;
        uint64_t gen = 0;
        uint16_t vmid = 0;
        int flushes = 0;
        (void)state;

        vmid_space_init(&s, 8);
        for (int i = 0; i < 10000; i++) {
                uint64_t g = 0;
                uint16_t v = 0;
                flushes += vmid_get(&s, &g, &v, NULL, NULL);
                assert_true(v >= 1 && v <= 255);
        }
        assert_int_equal(flushes, 10000 / 255);
        assert_false(vmid_get(&s, &gen, &vmid, NULL, NULL) && vmid == 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(unique_within_a_generation),
            cmocka_unit_test(rollover_flushes_and_keeps_running_ones),
            cmocka_unit_test(many_generations),
        };
        return cmocka_run_group_tests_name("vmid", tests, NULL, NULL);
}
