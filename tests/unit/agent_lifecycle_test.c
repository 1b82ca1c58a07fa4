/*
 * tests/unit/agent_lifecycle_test.c: the agents' lifecycle (wasm/agent.c) against the fake
 * kernel (agent_fixture.c): spawn, the capabilities it gives and its refusals (bad
 * partitions and modules, AGENT_MAX, ids never reused), spawn through rvm.spawn; fuel
 * preemption resuming exactly; an agent whose run returns or traps terminating; the legal
 * and illegal lifecycle transitions; out of memory at each allocation changing nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/agent_fixture.h"

static void test_spawn_runs_and_gets_its_capabilities(void **state)
{
        (void)state;
        int32_t id = spawn(M_TICKER, PART_A);
        assert_int_equal(id, 1);
        struct agent_info in = info(1);
        assert_int_equal(in.state, AGENT_RUNNING);
        assert_int_equal(in.partition, PART_A);
        assert_string_equal(in.name, "ticker");
        assert_int_equal(in.caps, 2);       /* witness log WRITE, partition EXECUTE */
        assert_int_equal(wakes[PART_A], 2); /* spawned; loaded (agent_load) */
        assert_true(fp_enters >= 1);        /* decoding ran the engine */
        assert_int_equal(live_allocs, 2);   /* module and instance arenas */
        assert_int_equal(agent_records, 2); /* initializing, running */
        assert_true(runnable(PART_A));
        assert_false(runnable(PART_B));
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 1); /* one step, then rvm.yield */
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 2);
        assert_int_equal(info(1).turns, 2);
        assert_false(agent_run_turn(PART_B)); /* nothing of partition B */
        assert_int_equal(step_errors, 0);
}

static void test_spawn_refuses_bad_partitions_and_modules(void **state)
{
        (void)state;
        const uint32_t parts[] = {0, PART_EL, AGENT_PRINCIPAL_BASE + 1, 0x80000000u, UINT32_MAX};
        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
                assert_int_equal(spawn(M_TICKER, parts[i]), AGENT_E_INVALID);
        }
        assert_int_equal(agent_count(), 0); /* no id used */
        const int bad[] = {M_UNLINK, M_NORUN, M_GARBAGE};
        for (size_t i = 0; i < 3; i++) {
                assert_int_equal(spawn(bad[i], PART_A), AGENT_E_INVALID);
                uint32_t id = agent_count();
                assert_int_equal(state_of(id), AGENT_TERMINATED);
                assert_int_equal(info(id).caps, 0);
        }
        assert_int_equal(live_allocs, 0); /* what they took went back */
        assert_false(agent_run_turn(PART_A));
}

static void test_spawn_is_bounded_by_agent_max(void **state)
{
        (void)state;
        for (int32_t i = 1; i <= AGENT_MAX; i++) {
                assert_int_equal(spawn(i % 2 ? M_TICKER : M_SPINNER, i % 3 ? PART_A : PART_B), i);
        }
        unsigned before = denied_records;
        assert_int_equal(spawn(M_TICKER, PART_A), AGENT_E_NO_SPACE);
        assert_int_equal(denied_records, before + 1);
        assert_int_equal(last_agent_event.payload, (uint64_t)-AGENT_E_NO_SPACE);
        assert_int_equal(agent_count(), AGENT_MAX);
        /* Killing one does not make room: ids are never reused. */
        assert_int_equal(agent_control(3, AGENT_OP_KILL, 0), 0);
        assert_int_equal(spawn(M_TICKER, PART_A), AGENT_E_NO_SPACE);
        uint64_t id = 0;
        uint64_t saved = fake_lock();
        assert_int_equal(agent_spawn_named(AGENT_PRINCIPAL(1), 16, 6, PART_A, 0, &id),
                         AGENT_E_NO_SPACE);
        fake_unlock(saved);
        assert_int_equal(id, 0);
        for (int i = 0; i < 40; i++) {
                agent_run_turn(i % 2 ? PART_A : PART_B);
        }
        assert_int_equal(step_errors, 0);
}

static void test_spawn_through_the_host_call(void **state)
{
        (void)state;
        assert_int_equal(spawn(M_SPAWNER, PART_A), 1);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(agent_count(), 4);
        assert_int_equal(nreports, 3);
        for (unsigned i = 0; i < 3; i++) {
                assert_int_equal(reports[i].tag, 2 + i); /* the new ids */
                assert_int_equal(reports[i].principal, AGENT_PRINCIPAL(1));
                assert_string_equal(info(2 + i).name, "ticker");
                assert_int_equal(info(2 + i).state, AGENT_INITIALIZING); /* loads: 1st turn */
        }
        /* The spawner is the actor of its children's records, and goes on after them. */
        assert_int_equal(last_agent_event.actor, AGENT_PRINCIPAL(1));
        for (int i = 0; i < 8; i++) {
                assert_true(agent_run_turn(PART_A));
        }
        assert_int_equal(state_of(1), AGENT_RUNNING);
        assert_int_equal(info(1).turns, 3); /* round robin with its three children */
        /* Fill up to AGENT_MAX: the next spawner's calls are refused with NO_SPACE. */
        while (agent_count() < AGENT_MAX - 1) {
                spawn(M_TICKER, PART_B);
        }
        assert_int_equal(spawn(M_SPAWNER, PART_B), AGENT_MAX);
        nreports = 0;
        while (nreports < 3 && agent_run_turn(PART_B)) {
        }
        assert_int_equal(nreports, 3);
        for (unsigned i = 0; i < 3; i++) {
                assert_int_equal(reports[i].tag, AGENT_E_NO_SPACE);
        }
}

static void test_fuel_preempts_and_resumes_exactly(void **state)
{
        (void)state;
        assert_int_equal(spawn(M_SPINNER, PART_A), 1);
        assert_int_equal(spawn(M_TICKER, PART_A), 2);
        uint32_t spins = 0;
        for (int t = 0; t < 10; t++) {
                assert_true(agent_run_turn(PART_A)); /* round robin: spinner, ticker, ... */
                assert_true(agent_run_turn(PART_A));
                assert_true(last_step[AGENT_PRINCIPAL(1)] > spins); /* it got on */
                spins = last_step[AGENT_PRINCIPAL(1)];
                assert_int_equal(last_step[AGENT_PRINCIPAL(2)],
                                 t + 1); /* the other kept its share */
        }
        struct agent_info in = info(1);
        assert_int_equal(in.state, AGENT_RUNNING); /* never ended, never restarted */
        assert_int_equal(in.turns, 10);
        assert_true(in.fuel_used >= 10ull * AGENT_FUEL);
        assert_true(in.fuel_used < 10ull * AGENT_FUEL + 10 * 1000);
        assert_true(info(2).fuel_used < 10ull * 100);
        assert_int_equal(step_errors, 0);
}

static void test_run_returning_or_trapping_terminates(void **state)
{
        (void)state;
        assert_int_equal(spawn(M_RETURN, PART_A), 1);
        assert_int_equal(spawn(M_TRAP, PART_B), 2);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 1);
        assert_int_equal(state_of(1), AGENT_TERMINATED);
        assert_int_equal(last_agent_event.actor, AGENT_PRINCIPAL(1)); /* it ended itself */
        assert_true(agent_run_turn(PART_B));
        assert_int_equal(state_of(2), AGENT_TERMINATED);
        assert_int_equal(info(2).trap, WASM_TRAP_UNREACHABLE);
        assert_int_equal(info(1).caps, 0);
        assert_int_equal(live_allocs, 0);
        assert_false(agent_run_turn(PART_A));
}

static void test_lifecycle_legal_and_illegal_transitions(void **state)
{
        (void)state;
        assert_int_equal(spawn(M_TICKER, PART_A), 1);
        assert_true(agent_run_turn(PART_A));
        /* running */
        assert_int_equal(agent_control(1, AGENT_OP_RESUME, 0), AGENT_E_INVALID);
        assert_int_equal(agent_control(1, AGENT_OP_RECONSTRUCT, 0), AGENT_E_INVALID);
        assert_int_equal(agent_control(1, AGENT_OP_SUSPEND, 0), 0);
        /* suspended: no turns */
        assert_int_equal(agent_control(1, AGENT_OP_SUSPEND, 0), AGENT_E_INVALID);
        assert_false(runnable(PART_A));
        assert_false(agent_run_turn(PART_A));
        unsigned w = wakes[PART_A];
        assert_int_equal(agent_control(1, AGENT_OP_RESUME, 0), 0);
        assert_int_equal(wakes[PART_A], w + 1);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 2);
        /* hibernated: the instance is gone, only the snapshot is left */
        assert_int_equal(agent_control(1, AGENT_OP_HIBERNATE, 0), 0);
        assert_int_equal(state_of(1), AGENT_HIBERNATED);
        assert_false(agent_run_turn(PART_A));
        const enum agent_op refused[] = {AGENT_OP_SUSPEND, AGENT_OP_RESUME, AGENT_OP_HIBERNATE,
                                         AGENT_OP_MIGRATE};
        for (size_t i = 0; i < 4; i++) {
                assert_int_equal(agent_control(1, refused[i], PART_B), AGENT_E_INVALID);
                assert_int_equal(state_of(1), AGENT_HIBERNATED);
        }
        uint64_t got = 0, saved = fake_lock();
        assert_int_equal(agent_log(AGENT_PRINCIPAL(1), 0, 1, &got), AGENT_E_RANGE); /* no memory */
        fake_unlock(saved);
        assert_int_equal(agent_control(1, AGENT_OP_RECONSTRUCT, 0), 0);
        assert_int_equal(state_of(1), AGENT_RUNNING);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 3); /* continues its count */
        /* suspended, then hibernated, comes back running (as the operator asks it back) */
        assert_int_equal(agent_control(1, AGENT_OP_SUSPEND, 0), 0);
        assert_int_equal(agent_control(1, AGENT_OP_HIBERNATE, 0), 0);
        assert_int_equal(agent_control(1, AGENT_OP_RECONSTRUCT, 0), 0);
        assert_int_equal(state_of(1), AGENT_RUNNING);
        /* terminated: nothing more */
        assert_int_equal(agent_control(1, AGENT_OP_KILL, 0), 0);
        for (int op = AGENT_OP_SUSPEND; op <= AGENT_OP_KILL; op++) {
                assert_int_equal(agent_control(1, (enum agent_op)op, PART_B), AGENT_E_INVALID);
        }
        assert_int_equal(info(1).caps, 0);
        /* no such agent */
        assert_int_equal(agent_control(0, AGENT_OP_KILL, 0), AGENT_E_INVALID);
        assert_int_equal(agent_control(2, AGENT_OP_KILL, 0), AGENT_E_INVALID);
        assert_int_equal(agent_control(UINT32_MAX, AGENT_OP_KILL, 0), AGENT_E_INVALID);
        assert_int_equal(agent_control(1, (enum agent_op)99, 0), AGENT_E_INVALID);
        assert_int_equal(step_errors, 0);
}

static void test_out_of_memory_changes_nothing(void **state)
{
        (void)state;
        for (long n = 0; n < 2; n++) { /* module arena, then instance arena */
                alloc_fail_in = n;
                assert_int_equal(spawn(M_TICKER, PART_A), AGENT_E_INVALID);
                assert_int_equal(state_of(agent_count()), AGENT_TERMINATED);
                assert_int_equal(live_allocs, 0);
        }
        assert_int_equal(spawn(M_TICKER, PART_A), 3);
        assert_true(agent_run_turn(PART_A));
        alloc_fail_in = 0; /* the snapshot buffer */
        assert_int_equal(agent_control(3, AGENT_OP_HIBERNATE, 0), AGENT_E_INVALID);
        assert_int_equal(state_of(3), AGENT_RUNNING);
        alloc_fail_in = 0; /* the destination arena */
        assert_int_equal(agent_control(3, AGENT_OP_MIGRATE, PART_B), AGENT_E_INVALID);
        alloc_fail_in = 1; /* the snapshot buffer, after the destination */
        assert_int_equal(agent_control(3, AGENT_OP_MIGRATE, PART_B), AGENT_E_INVALID);
        struct agent_info in = info(3);
        assert_int_equal(in.state, AGENT_RUNNING);
        assert_int_equal(in.partition, PART_A);
        assert_int_equal(in.migrations, 0);
        assert_int_equal(live_allocs, 2);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(last_step[AGENT_PRINCIPAL(3)], 2);
        assert_int_equal(step_errors, 0);
}

int main(void)
{
        build_modules();
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_spawn_runs_and_gets_its_capabilities, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_spawn_refuses_bad_partitions_and_modules, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_spawn_is_bounded_by_agent_max, setup, teardown),
            cmocka_unit_test_setup_teardown(test_spawn_through_the_host_call, setup, teardown),
            cmocka_unit_test_setup_teardown(test_fuel_preempts_and_resumes_exactly, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_run_returning_or_trapping_terminates, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_lifecycle_legal_and_illegal_transitions, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_out_of_memory_changes_nothing, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
