/*
 * tests/unit/agent_hold_test.c: checkpoints of an agent taken and restored on command (the
 * monitor's `checkpoint agent <id>` / `restore agent <id>`, wasm/agent_recover.c) against
 * the fake kernel (agent_fixture.c): the policy; a counting agent saved at step N, run on,
 * restored and going on from N + 1, its instance after the restore saving to the same bytes,
 * its neighbour unaffected; every refusal (no agent, no checkpoint, not running, busy on a
 * CPU, damaged, out of memory) witnessed and changing nothing; the checkpoint freed with it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/agent_fixture.h"
#include "wasm/agent_priv.h"

static void test_hold_policy(void **state)
{
        (void)state;
        for (int s = AGENT_INITIALIZING; s <= AGENT_TERMINATED; s++) {
                bool ok = s == AGENT_RUNNING || s == AGENT_SUSPENDED;
                enum agent_state st = (enum agent_state)s;
                assert_int_equal(agent_hold_check(true, st, false, false, false),
                                 ok ? AGENT_HOLD_OK : AGENT_HOLD_STATE);
                assert_int_equal(agent_hold_check(true, st, false, true, true),
                                 ok ? AGENT_HOLD_OK : AGENT_HOLD_STATE);
                assert_int_equal(agent_hold_check(false, st, false, true, true),
                                 AGENT_HOLD_NO_AGENT);
        }
        assert_int_equal(agent_hold_check(true, AGENT_RUNNING, true, false, true), AGENT_HOLD_BUSY);
        assert_int_equal(agent_hold_check(true, AGENT_RUNNING, false, true, false),
                         AGENT_HOLD_NONE);
        for (int r = AGENT_HOLD_OK; r <= AGENT_HOLD_DAMAGED + 1; r++) {
                assert_non_null(agent_hold_result_text((enum agent_hold_result)r));
        }
}

static void test_saved_at_n_restored_goes_on_from_n_plus_1(void **state)
{
        struct agent_hold_info in = {0}, again = {0};

        (void)state;
        assert_int_equal(spawn(M_TICKER, PART_A), 1);
        assert_int_equal(spawn(M_TICKER, PART_A), 2);
        for (int i = 0; i < 6; i++) {
                assert_true(agent_run_turn(PART_A));
        }
        const uint32_t n = last_step[AGENT_PRINCIPAL(1)];
        assert_true(n >= 2);
        unsigned records = ckpt_records;
        assert_int_equal(agent_hold_save(1, 0, &in), AGENT_HOLD_OK);
        assert_int_equal(ckpt_records, records + 1);
        assert_int_equal(last_ckpt.target, AGENT_PRINCIPAL(1));
        assert_int_equal(last_ckpt.cap, in.digest);
        assert_int_equal(last_ckpt.payload,
                         (uint64_t)in.bytes | (uint64_t)AGENT_HOLD_OP_SAVE << 32);
        assert_int_equal(in.number, 1);
        assert_true(in.bytes > 65536); /* a page of linear memory at least */
        for (int i = 0; i < 8; i++) {
                assert_true(agent_run_turn(PART_A));
        }
        const uint32_t before = last_step[AGENT_PRINCIPAL(2)];
        assert_true(last_step[AGENT_PRINCIPAL(1)] > n + 1);
        assert_int_equal(agent_hold_restore(1, 0, &in), AGENT_HOLD_OK);
        assert_int_equal(last_ckpt.payload,
                         (uint64_t)in.bytes | (uint64_t)AGENT_HOLD_OP_RESTORE << 32);
        assert_int_equal(in.restores, 1);
        /* F1's slot now holds it too: a trap from here goes back to it, not to a later state */
        const struct agent *a = agent_by_id(1);
        assert_int_not_equal(a->ckpt_slot, 0);
        assert_int_equal(a->ckpt_len, a->held_len);
        assert_memory_equal(agent_env->ckpt_pool + (size_t)(a->ckpt_slot - 1) * AGENT_CKPT_BYTES,
                            a->held, a->held_len);
        /* bit-exact: saved again at once, the same bytes */
        assert_int_equal(agent_hold_save(1, 0, &again), AGENT_HOLD_OK);
        assert_int_equal(again.digest, in.digest);
        assert_int_equal(again.bytes, in.bytes);
        assert_int_equal(again.number, 2);
        /* it goes on from n + 1; its neighbour from where it was */
        last_step[AGENT_PRINCIPAL(1)] = n;
        unsigned errors = step_errors;
        for (int i = 0; i < 4; i++) {
                assert_true(agent_run_turn(PART_A));
        }
        assert_int_equal(step_errors, errors);
        assert_true(last_step[AGENT_PRINCIPAL(1)] > n);
        assert_true(last_step[AGENT_PRINCIPAL(2)] > before);
        /* restored again: n + 1 again (a checkpoint is kept until the next) */
        assert_int_equal(agent_hold_restore(1, 0, &in), AGENT_HOLD_OK);
        last_step[AGENT_PRINCIPAL(1)] = n;
        for (int i = 0; i < 2; i++) {
                assert_true(agent_run_turn(PART_A));
        }
        assert_int_equal(step_errors, errors);
        /* a suspended agent too; it stays suspended */
        assert_int_equal(agent_control(1, AGENT_OP_SUSPEND, 0), 0);
        assert_int_equal(agent_hold_restore(1, 0, NULL), AGENT_HOLD_OK);
        assert_int_equal(state_of(1), AGENT_SUSPENDED);
        assert_int_equal(ckpt_denied, 0);
}

/* Its CommEdges go with it, as a partition's do: saved beside the instance, under the same
 * digest, put back by a restore; edges that do not fit refuse the save, the last checkpoint
 * kept. */
static void test_its_commedges_are_saved_and_put_back(void **state)
{
        struct agent_hold_info in = {0};

        (void)state;
        assert_int_equal(spawn(M_TICKER, PART_A), 1);
        assert_true(agent_run_turn(PART_A));
        const uint32_t p = AGENT_PRINCIPAL(1);
        memset(edges_now[p], 0xA5, sizeof(edges_now[p]));
        assert_int_equal(agent_hold_save(1, 0, &in), AGENT_HOLD_OK);
        assert_int_equal(in.edge_bytes, sizeof(edges_now[p]));
        const uint64_t digest = in.digest;
        memset(edges_now[p], 0x5A, sizeof(edges_now[p])); /* traffic since */
        edges_too_big = true;
        assert_int_equal(agent_hold_save(1, 0, &in), AGENT_HOLD_EDGES);
        assert_int_equal(in.digest, digest); /* the last checkpoint, whole */
        edges_too_big = false;
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(agent_hold_restore(1, 0, &in), AGENT_HOLD_OK);
        uint8_t want[sizeof(edges_back[p])];
        memset(want, 0xA5, sizeof(want));
        assert_memory_equal(edges_back[p], want, sizeof(want));
        /* the edges are under the digest: one byte of them changed, the restore refuses */
        struct agent *a = (struct agent *)agent_by_id(1);
        a->held[a->held_len] ^= 1;
        memset(edges_back[p], 0, sizeof(edges_back[p]));
        assert_int_equal(agent_hold_restore(1, 0, &in), AGENT_HOLD_DAMAGED);
        assert_int_equal(edges_back[p][0], 0);
        a->held[a->held_len] ^= 1;
}

static void test_refusals_are_witnessed_and_change_nothing(void **state)
{
        struct agent_hold_info in = {0};

        (void)state;
        assert_int_equal(agent_hold_save(1, 0, NULL), AGENT_HOLD_NO_AGENT);
        assert_int_equal(ckpt_denied, 1);
        assert_int_equal(last_ckpt.payload,
                         AGENT_HOLD_NO_AGENT | (uint64_t)AGENT_HOLD_OP_SAVE << 32);
        assert_int_equal(spawn(M_TICKER, PART_A), 1);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(agent_hold_restore(1, 0, NULL), AGENT_HOLD_NONE);
        assert_int_equal(ckpt_denied, 2);
        assert_int_equal(last_ckpt.flags, WITNESS_F_DENIED);
        assert_int_equal(last_ckpt.target, AGENT_PRINCIPAL(1));
        assert_int_equal(agent_hold_restore(UINT32_MAX, 0, NULL), AGENT_HOLD_NO_AGENT);
        assert_int_equal(agent_hold_restore(0, 0, NULL), AGENT_HOLD_NO_AGENT);
        /* out of memory: the held buffer (after the scratch), then it again (the scratch kept) */
        for (long k = 1; k >= 0; k--) {
                alloc_fail_in = k;
                assert_int_equal(agent_hold_save(1, 0, NULL), AGENT_HOLD_NO_MEMORY);
                alloc_fail_in = -1;
        }
        assert_int_equal(agent_hold_save(1, 0, &in), AGENT_HOLD_OK);
        assert_true(agent_run_turn(PART_A));
        const uint32_t step = last_step[AGENT_PRINCIPAL(1)];
        /* busy: it stays on its CPU past the wait */
        struct agent *a = agent_by_id(1);
        clock_step = 10000000;
        a->on_cpu = true;
        assert_int_equal(agent_hold_restore(1, 0, NULL), AGENT_HOLD_BUSY);
        assert_int_equal(agent_hold_save(1, 0, NULL), AGENT_HOLD_BUSY);
        a->on_cpu = false;
        /* no arena for the copy */
        alloc_fail_in = 0;
        assert_int_equal(agent_hold_restore(1, 0, NULL), AGENT_HOLD_NO_MEMORY);
        alloc_fail_in = -1;
        /* damaged: not used */
        a->held[a->held_len / 2] ^= 1;
        assert_int_equal(agent_hold_restore(1, 0, NULL), AGENT_HOLD_DAMAGED);
        a->held[a->held_len / 2] ^= 1;
        assert_true(agent_run_turn(PART_A)); /* untouched by every refusal */
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], step + 1);
        /* hibernated: neither */
        assert_int_equal(agent_control(1, AGENT_OP_HIBERNATE, 0), 0);
        assert_int_equal(agent_hold_save(1, 0, NULL), AGENT_HOLD_STATE);
        assert_int_equal(agent_hold_restore(1, 0, NULL), AGENT_HOLD_STATE);
        assert_int_equal(agent_control(1, AGENT_OP_RECONSTRUCT, 0), 0);
        assert_int_equal(agent_hold_restore(1, 0, NULL), AGENT_HOLD_OK);
        assert_int_equal(step_errors, 0);
        /* killed: its checkpoint goes with it (teardown: every page back) */
        assert_int_equal(agent_control(1, AGENT_OP_KILL, 0), 0);
        assert_int_equal(agent_hold_restore(1, 0, NULL), AGENT_HOLD_STATE);
        assert_int_equal(live_allocs, 0);
}

int main(void)
{
        build_modules();
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_hold_policy),
            cmocka_unit_test_setup_teardown(test_saved_at_n_restored_goes_on_from_n_plus_1, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_its_commedges_are_saved_and_put_back, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_refusals_are_witnessed_and_change_nothing, setup,
                                            teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
