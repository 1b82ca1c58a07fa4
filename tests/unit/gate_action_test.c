/*
 * tests/unit/gate_action_test.c: the gate's action quota (docs/WITNESS.md 4.4) over the
 * gate's shared table (gate_fixture.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/gate_fixture.h"
#include "witness/budget.h"

/*
 * Actions on a quota: a caller that repeats an action (a capability inspected, a gate-recorded
 * call) has per_epoch of them done an epoch, each recorded; past that each is refused before
 * its handler runs (GATE_E_THROTTLED), with one WK_PROOF_DENY record naming the quota, the
 * call's kind and its function id. A call refused for another reason spends none and keeps
 * its own refusal; another caller keeps its own allowance; the next epoch renews it.
 */
static void test_action_quota(void **state)
{
        static struct witness_quota_slot slots[4];
        struct witness_quota q;

        (void)state;
        assert_int_equal(witness_quota_init(&q, slots, 4, 3), WITNESS_OK);
        gate_set_quota(&q);
        struct gate_call c;
        for (int i = 0; i < 3; i++) {
                c = call(1, RVM_HC_CAP_INSPECT, root1, 0, 0, 0, 0);
                assert_int_equal(dispatch(&c), GATE_OK);
                assert_int_equal(last()->kind, WK_CAP_INSPECT);
        }
        c = call(1, RVM_HC_CAP_INSPECT, 0x12345, 0, 0, 0, 0); /* refused by P1: not throttled */
        assert_int_equal(dispatch(&c), GATE_E_FORGED);
        assert_int_equal(last()->kind, WK_CAP_DENY);
        c = call(1, RVM_HC_CAP_INSPECT, root1, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_THROTTLED);
        assert_int_equal(last()->kind, WK_PROOF_DENY);
        assert_int_equal(last()->tier, PROOF_TIER_P1);
        assert_int_equal(last()->cap, root1);
        assert_int_equal(last()->payload, 0x400 | (uint64_t)WK_CAP_INSPECT << 16 |
                                              (uint64_t)RVM_HC_CAP_INSPECT << 32);
        /* The gate-recorded entry too, before its handler runs. */
        c = call(1, FID_MEM_MAP, root1, 0x100, 0x10, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_THROTTLED);
        assert_int_equal(handler_calls, 0);
        assert_int_equal(q.refused, 2);
        /* Partition 2 has its own allowance, for its own memory. */
        cap_obj_t mem2;
        cap_handle_t root2;
        assert_int_equal(cap_object_create(CAP_T_MEMORY, 2, 0x10000, 77, &mem2), CAP_OK);
        assert_int_equal(cap_mint_root(mem2, 2, CAP_R_ALL, &root2), CAP_OK);
        c = call(2, RVM_HC_CAP_INSPECT, root2, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        /* A refused action spends none: a handler failure leaves the allowance. */
        handler_result = GATE_E_INVALID;
        for (int i = 0; i < 5; i++) {
                c = call(2, FID_MEM_MAP, root2, 0x100, 0x10, 0, 0);
                assert_int_equal(dispatch(&c), GATE_E_INVALID);
        }
        handler_result = GATE_OK;
        c = call(2, FID_MEM_MAP, root2, 0x100, 0x10, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        /* The next epoch renews partition 1's. */
        gate_epoch();
        c = call(1, RVM_HC_CAP_INSPECT, root1, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        assert_int_equal(q.total_refused, 2);
        /* A PSCI action (the plain pipeline) past the quota: PSCI's own DENIED. */
        for (int i = 0; i < 3; i++) {
                c = call(3, 0xC4000003u, 1, 0x80000, 0, 0, 0);
                assert_int_equal(dispatch(&c), 0);
                assert_int_equal(last()->kind, WK_PART_VCPU);
        }
        c = call(3, 0xC4000003u, 1, 0x80000, 0, 0, 0);
        assert_int_equal(dispatch(&c), -3);
        assert_int_equal(last()->kind, WK_PROOF_DENY);
        assert_int_equal(last()->payload,
                         0x400 | (uint64_t)WK_PART_VCPU << 16 | (uint64_t)0xC4000003u << 32);
        gate_set_quota(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_action_quota, setup),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
