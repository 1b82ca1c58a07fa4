/*
 * tests/unit/agent_move_test.c: agents moving between WASM partitions: a migration (of a
 * running agent, a suspended one, one before its first turn) keeps its capabilities and its
 * count; agent_move is witnessed with actor, from and to and tells the moved hook, and a
 * refusal (bad destination, state, memory, the 100 ms deadline) changes nothing and is
 * witnessed with its reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/agent_fixture.h"

static void test_migrate_moves_and_continues(void **state)
{
        (void)state;
        assert_int_equal(spawn(M_SPINNER, PART_A), 1);
        assert_int_equal(spawn(M_TICKER, PART_A), 2);
        for (int i = 0; i < 4; i++) {
                agent_run_turn(PART_A);
        }
        const uint32_t bad[] = {PART_A, 0, PART_EL, AGENT_PRINCIPAL_BASE + 1, UINT32_MAX};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(agent_control(1, AGENT_OP_MIGRATE, bad[i]), AGENT_E_INVALID);
                assert_int_equal(info(1).partition, PART_A);
        }
        uint32_t before = last_step[AGENT_PRINCIPAL(1)];
        unsigned records = agent_records;
        assert_int_equal(agent_control(1, AGENT_OP_MIGRATE, PART_B), 0);
        assert_int_equal(agent_records, records + 3); /* migrating, reconstructing, running */
        struct agent_info in = info(1);
        assert_int_equal(in.partition, PART_B);
        assert_int_equal(in.state, AGENT_RUNNING);
        assert_int_equal(in.migrations, 1);
        assert_int_equal(in.caps, 2); /* its capabilities moved with it */
        assert_true(agent_run_turn(PART_B));
        assert_true(last_step[AGENT_PRINCIPAL(1)] > before);
        assert_true(agent_run_turn(PART_A)); /* only the ticker is left in A */
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(info(1).turns, 3);
        /* A suspended agent migrates and stays suspended. */
        assert_int_equal(agent_control(2, AGENT_OP_SUSPEND, 0), 0);
        assert_int_equal(agent_control(2, AGENT_OP_MIGRATE, PART_B), 0);
        assert_int_equal(state_of(2), AGENT_SUSPENDED);
        assert_false(agent_run_turn(PART_A));
        assert_int_equal(agent_control(2, AGENT_OP_RESUME, 0), 0);
        for (int i = 0; i < 6; i++) {
                assert_true(agent_run_turn(PART_B));
        }
        /* Before its first turn (run begun, nothing executed): moved, it starts at step 1. */
        assert_int_equal(spawn(M_TICKER, PART_A), 3);
        assert_int_equal(agent_control(3, AGENT_OP_MIGRATE, PART_B), 0);
        assert_int_equal(agent_control(3, AGENT_OP_HIBERNATE, 0), 0);
        assert_int_equal(agent_control(3, AGENT_OP_RECONSTRUCT, 0), 0);
        for (int i = 0; i < 3; i++) {
                assert_true(agent_run_turn(PART_B));
        }
        assert_int_equal(last_step[AGENT_PRINCIPAL(3)], 1);
        assert_int_equal(step_errors, 0);
}

/* agent_move: witnessed with actor, from and to; the moved hook is told; a refusal (bad
 * destination, state, memory, deadline) changes nothing and is witnessed with its reason. */
static void test_move_witnessed_and_all_or_nothing(void **state)
{
        enum agent_move_result why = AGENT_MOVE_OK;
        (void)state;
        assert_int_equal(spawn(M_TICKER, PART_A), 1);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(agent_move(1, PART_B, 42, &why), 0);
        assert_int_equal(why, AGENT_MOVE_OK);
        assert_int_equal(move_records, 1);
        assert_int_equal(last_move.actor, 42);
        assert_int_equal(last_move.target, 1);
        assert_int_equal(last_move.payload, PART_A | PART_B << 16);
        assert_int_equal(moves_told, 1);
        assert_int_equal(moved_agent, 1);
        assert_int_equal(moved_from, PART_A);
        assert_int_equal(moved_to, PART_B);
        assert_true(agent_run_turn(PART_B));
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 2);

        /* Refusals: each witnessed, denied, with its reason; nothing changes. */
        const size_t allocs = live_allocs;
        assert_int_equal(agent_move(1, PART_B, 7, &why), AGENT_E_INVALID);
        assert_int_equal(why, AGENT_MOVE_BAD_PARTITION);
        assert_int_equal(agent_move(1, PART_EL, 7, &why), AGENT_E_INVALID);
        assert_int_equal(why, AGENT_MOVE_BAD_PARTITION);
        assert_int_equal(agent_move(9, PART_A, 7, &why), AGENT_E_INVALID);
        assert_int_equal(why, AGENT_MOVE_NO_AGENT);
        alloc_fail_in = 0; /* the destination arena */
        assert_int_equal(agent_move(1, PART_A, 7, &why), AGENT_E_INVALID);
        assert_int_equal(why, AGENT_MOVE_NO_MEMORY);
        assert_int_equal(move_denied, 3); /* no agent 9: nothing to name */
        assert_int_equal(last_move.flags & WITNESS_F_DENIED, WITNESS_F_DENIED);
        assert_int_equal(last_move.payload,
                         PART_B | PART_A << 16 | (uint64_t)AGENT_MOVE_NO_MEMORY << 32);
        /* Past the 100 ms deadline (DC-7): the copy is dropped, the agent stays. */
        clock_step = AGENT_MOVE_TIMEOUT_NS + 1; /* the next reading is past it */
        assert_int_equal(agent_move(1, PART_A, 7, &why), AGENT_E_INVALID);
        assert_int_equal(why, AGENT_MOVE_TIMEOUT);
        clock_step = 1000;
        assert_int_equal(live_allocs, allocs);
        struct agent_info in = info(1);
        assert_int_equal(in.partition, PART_B);
        assert_int_equal(in.state, AGENT_RUNNING);
        assert_int_equal(in.migrations, 1);
        assert_int_equal(moves_told, 1);
        assert_int_equal(move_records, 1);
        assert_true(agent_run_turn(PART_B)); /* it goes on from where it was */
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 3);
        /* A terminated agent does not move. */
        assert_int_equal(agent_control(1, AGENT_OP_KILL, 0), 0);
        assert_int_equal(agent_move(1, PART_A, 7, &why), AGENT_E_INVALID);
        assert_int_equal(why, AGENT_MOVE_STATE);
        assert_string_equal(agent_move_result_name(AGENT_MOVE_TIMEOUT), "timeout");
        assert_string_equal(agent_move_result_name((enum agent_move_result)99), "?");
        assert_int_equal(bad_records, 0);
        assert_int_equal(step_errors, 0);
}

int main(void)
{
        build_modules();
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_migrate_moves_and_continues, setup, teardown),
            cmocka_unit_test_setup_teardown(test_move_witnessed_and_all_or_nothing, setup,
                                            teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
