/*
 * tests/unit/agent_lifecycle_test.c: the agents' lifecycle (wasm/agent.c) against the fake
 * kernel (agent_fixture.c): spawn, the capabilities it gives and its refusals (bad
 * partitions and modules, AGENT_MAX, ids never reused), spawn through rvm.spawn; fuel
 * preemption resuming exactly; an agent whose run returns terminating, one that traps
 * restarted from its start (no checkpoint) three times then faulted; the legal and illegal
 * lifecycle transitions; out of memory at each allocation changing nothing. Recovery (F1,
 * wasm/agent.h): the policy; checkpoints at rvm.yield, in a bounded pool; an injected trap
 * restarting an agent from its checkpoint, three times, the fourth leaving it faulted, its
 * neighbour unaffected; an agent with no checkpoint restarting from its start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/agent_fixture.h"
#include "wasm/agent_priv.h"

/* A CPU already online can pick the agents' partition before the boot reaches agent_init
 * (seen as a null dereference on CPU 1 in 1 of 40 2-CPU boots): its turn runs nothing. */
static void test_a_turn_before_agent_init_runs_nothing(void **state)
{
        (void)state;
        const struct agent_env *was = agent_env;
        agent_env = NULL;
        assert_false(agent_run_turn(PART_A));
        assert_false(runnable(PART_A));
        agent_env = was;
}

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
        /* It never yields, so it has no checkpoint: restarted from its start three times, each
         * witnessed, then the fourth trap ends it. */
        for (uint32_t n = 1; n <= AGENT_MAX_RESTARTS; n++) {
                assert_true(agent_run_turn(PART_B));
                assert_int_equal(state_of(2), AGENT_RUNNING);
                assert_int_equal(info(2).restarts, n);
                assert_int_equal(restart_records, n);
                assert_int_equal(last_restart.target, AGENT_PRINCIPAL(2));
                assert_int_equal(last_restart.cap, 0); /* no checkpoint used */
                assert_int_equal(
                    last_restart.payload,
                    AGENT_RESTART_PAYLOAD(n, WASM_TRAP_UNREACHABLE, AGENT_RECOVER_START));
        }
        assert_true(agent_run_turn(PART_B));
        assert_int_equal(state_of(2), AGENT_TERMINATED);
        assert_true(info(2).faulted);
        assert_int_equal(restart_denied, 1);
        assert_int_equal(info(2).trap, WASM_TRAP_UNREACHABLE);
        assert_int_equal(last_agent_event.actor, AGENT_PRINCIPAL(2));
        assert_false(info(1).faulted); /* it returned */
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

/* ---- recovery (F1): checkpoints, restarts, the end ---------------------------------------- */

static void test_recovery_policy(void **state)
{
        (void)state;
        for (uint32_t n = 0; n < AGENT_MAX_RESTARTS; n++) {
                assert_int_equal(agent_recovery_for(n, true), AGENT_RECOVER_CHECKPOINT);
                assert_int_equal(agent_recovery_for(n, false), AGENT_RECOVER_START);
        }
        assert_int_equal(agent_recovery_for(AGENT_MAX_RESTARTS, true), AGENT_RECOVER_FAULT);
        assert_int_equal(agent_recovery_for(AGENT_MAX_RESTARTS, false), AGENT_RECOVER_FAULT);
        assert_int_equal(agent_recovery_for(UINT32_MAX, true), AGENT_RECOVER_FAULT);
        /* The first yield always; then one per AGENT_CKPT_TURNS turns. */
        assert_true(agent_checkpoint_due(1, 0, false));
        assert_true(agent_checkpoint_due(500, 499, false));
        assert_false(agent_checkpoint_due(2, 1, true));
        assert_false(agent_checkpoint_due(AGENT_CKPT_TURNS, 1, true));
        assert_true(agent_checkpoint_due(AGENT_CKPT_TURNS + 1, 1, true));
        assert_true(agent_checkpoint_due(UINT64_MAX, 0, true));
}

/* n turns of partition A (its agents round robin). */
static void turns(unsigned n)
{
        for (unsigned i = 0; i < n; i++) {
                assert_true(agent_run_turn(PART_A));
        }
}

/* Measured use of linear memory at checkpoints: the first counts every page as written (no
 * digest before it); by the second, a ticker that writes little leaves most pages warm. */
static void test_checkpoints_measure_pages_written(void **state)
{
        (void)state;
        assert_int_equal(spawn(M_TICKER, PART_A), 1);
        turns(1);
        struct agent_info in = info(1);
        assert_int_equal(in.checkpoints, 1);
        assert_true(in.use_pages >= 16 && in.use_pages % 16 == 0 &&
                    in.use_pages <= AGENT_USE_PAGES);
        assert_int_equal(in.use_hot, in.use_pages);
        turns(AGENT_CKPT_TURNS + 1);
        in = info(1);
        assert_int_equal(in.checkpoints, 2);
        assert_true(in.use_hot < in.use_pages);
}

/*
 * A ticker (one step, then rvm.yield, every turn) beside a neighbour ticker: checkpointed at
 * its first yield and every AGENT_CKPT_TURNS turns after; each injected trap restarts it from
 * its last checkpoint (its count goes on from the checkpointed value), witnessed with the
 * trap and the checkpoint used; the fourth leaves it faulted; its neighbour counts on.
 */
static void test_injected_trap_restarts_from_the_checkpoint(void **state)
{
        (void)state;
        const uint32_t me = AGENT_PRINCIPAL(1), other = AGENT_PRINCIPAL(2);
        assert_int_equal(spawn(M_TICKER, PART_A), 1);
        assert_int_equal(spawn(M_TICKER, PART_A), 2);
        turns(2 * 40); /* 40 turns each: checkpoints at its turns 1 and 33 */
        assert_int_equal(last_step[me], 40);
        struct agent_info in = info(1);
        assert_int_equal(in.checkpoints, 2);
        assert_int_equal(in.ckpt_turn, 1 + AGENT_CKPT_TURNS);
        assert_int_equal(ckpt_records, 4); /* both agents' */
        assert_int_equal(last_ckpt.cap, 2);
        assert_int_equal(last_ckpt.payload >> 32, 1);
        assert_true((last_ckpt.payload & 0xFFFFFFFFu) > WASM_PAGE_SIZE); /* its memory in it */
        assert_true((last_ckpt.payload & 0xFFFFFFFFu) <= AGENT_CKPT_BYTES);
        const size_t pages = live_allocs;

        uint32_t ckpt_step = 1 + AGENT_CKPT_TURNS; /* the step its last checkpoint holds */
        for (uint32_t n = 1; n <= AGENT_MAX_RESTARTS; n++) {
                const uint32_t theirs = last_step[other];
                assert_int_equal(agent_inject(1), AGENT_OK);
                assert_int_equal(inject_records, n);
                turns(2); /* its turn traps at once (the retried rvm.yield), and is rebuilt */
                in = info(1);
                assert_int_equal(in.state, AGENT_RUNNING);
                assert_int_equal(in.restarts, n);
                assert_int_equal(in.trap, WASM_TRAP_HOST);
                assert_int_equal(restart_records, n);
                assert_int_equal(last_restart.target, me);
                assert_int_equal(last_restart.actor, 0);
                assert_int_equal(last_restart.cap, in.checkpoints);
                assert_int_equal(
                    last_restart.payload,
                    AGENT_RESTART_PAYLOAD(n, WASM_TRAP_HOST, AGENT_RECOVER_CHECKPOINT));
                assert_int_equal(recoveries, n);
                assert_int_equal(last_recovery.agent, 1);
                assert_int_equal(last_recovery.how, AGENT_RECOVER_CHECKPOINT);
                assert_int_equal(last_recovery.ckpt, in.checkpoints);
                assert_int_equal(last_recovery.ckpt_turn, in.ckpt_turn);
                assert_int_equal(shadow[1], AGENT_RUNNING); /* via reconstructing, witnessed */
                assert_int_equal(last_step[other], theirs + 1);
                /* It goes on from the checkpointed count, not from where it trapped. */
                assert_int_equal(last_step[me], ckpt_step);
                turns(2 * 40);
                assert_int_equal(step_errors, 0);
                assert_int_equal(last_step[me], ckpt_step + 40);
                assert_int_equal(last_step[other], theirs + 41);
                in = info(1);
                ckpt_step += (uint32_t)(in.ckpt_turn - (in.turns - 40)); /* steps to its new one */
                assert_int_equal(live_allocs, pages); /* no page taken for any of it */
        }
        assert_int_equal(agent_inject(1), AGENT_OK);
        turns(2);
        in = info(1);
        assert_int_equal(in.state, AGENT_TERMINATED);
        assert_true(in.faulted);
        assert_int_equal(in.restarts, AGENT_MAX_RESTARTS);
        assert_int_equal(restart_denied, 1);
        assert_int_equal(
            last_restart.payload,
            AGENT_RESTART_PAYLOAD(AGENT_MAX_RESTARTS, WASM_TRAP_HOST, AGENT_RECOVER_FAULT));
        assert_int_equal(last_recovery.how, AGENT_RECOVER_FAULT);
        assert_int_equal(last_agent_event.actor, me); /* it ended itself */
        assert_int_equal(in.caps, 0);
        assert_int_equal(live_allocs, 2); /* only the neighbour's arenas */
        /* The neighbour counts on; an injection into the faulted agent is refused. */
        const uint32_t theirs = last_step[other];
        turns(5);
        assert_int_equal(last_step[other], theirs + 5);
        assert_int_equal(agent_inject(1), AGENT_E_INVALID);
        assert_int_equal(inject_records, AGENT_MAX_RESTARTS + 1);
        assert_int_equal(agent_inject(99), AGENT_E_INVALID);
        assert_int_equal(step_errors, 0);
        assert_int_equal(bad_records, 0);
}

/* An agent that never yields has no checkpoint: an injected trap restarts `run` from the
 * start (its count begins again), witnessed as such. */
static void test_injected_trap_without_checkpoint_restarts_from_start(void **state)
{
        (void)state;
        const uint32_t me = AGENT_PRINCIPAL(1);
        assert_int_equal(spawn(M_SPINNER, PART_A), 1);
        while (last_step[me] < 10) {
                assert_true(agent_run_turn(PART_A)); /* fuel ends each turn: no yield */
        }
        assert_int_equal(info(1).checkpoints, 0);
        assert_int_equal(ckpt_records, 0);
        assert_int_equal(agent_inject(1), AGENT_OK);
        /* Its next host call is its next report: that one traps, and it starts again. */
        while (info(1).restarts == 0) {
                assert_true(agent_run_turn(PART_A));
        }
        assert_int_equal(last_restart.cap, 0);
        assert_int_equal(last_restart.payload,
                         AGENT_RESTART_PAYLOAD(1, WASM_TRAP_HOST, AGENT_RECOVER_START));
        assert_int_equal(last_recovery.how, AGENT_RECOVER_START);
        assert_int_equal(last_step[me], 0); /* from its start: 1, 2, ... */
        while (last_step[me] < 3) {
                assert_true(agent_run_turn(PART_A));
        }
        assert_int_equal(step_errors, 0);
        assert_int_equal(state_of(1), AGENT_RUNNING);
}

/* The pool is AGENT_CKPT_SLOTS slots: one agent more has none (it restarts from its start)
 * until an agent's end gives one back, wiped. A suspended agent can be injected too. */
static void test_checkpoint_pool_is_bounded(void **state)
{
        (void)state;
        const uint32_t n = AGENT_CKPT_SLOTS + 1;
        for (uint32_t i = 1; i <= n; i++) {
                assert_int_equal(spawn(M_TICKER, PART_A), (int32_t)i);
        }
        turns(n);
        assert_int_equal(ckpt_records, AGENT_CKPT_SLOTS);
        assert_int_equal(info(n).checkpoints, 0);
        assert_int_equal(agent_control(1, AGENT_OP_KILL, 0), AGENT_OK);
        turns(n - 1); /* agents 2..n: only n has no checkpoint yet, and now gets the slot */
        assert_int_equal(ckpt_records, AGENT_CKPT_SLOTS + 1);
        assert_int_equal(info(n).checkpoints, 1);
        assert_int_equal(last_ckpt.target, AGENT_PRINCIPAL(n));
        assert_int_equal(agent_control(n, AGENT_OP_SUSPEND, 0), AGENT_OK);
        assert_int_equal(agent_inject(n), AGENT_OK);
        assert_int_equal(agent_control(n, AGENT_OP_RESUME, 0), AGENT_OK);
        turns(2 * (n - 1));
        assert_int_equal(info(n).restarts, 1);
        assert_int_equal(last_recovery.how, AGENT_RECOVER_CHECKPOINT);
        assert_int_equal(last_step[AGENT_PRINCIPAL(n)], 3);
        assert_int_equal(step_errors, 0);
}

int main(void)
{
        build_modules();
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_a_turn_before_agent_init_runs_nothing, setup,
                                            teardown),
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
            cmocka_unit_test_setup_teardown(test_recovery_policy, setup, teardown),
            cmocka_unit_test_setup_teardown(test_checkpoints_measure_pages_written, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_injected_trap_restarts_from_the_checkpoint, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(
                test_injected_trap_without_checkpoint_restarts_from_start, setup, teardown),
            cmocka_unit_test_setup_teardown(test_checkpoint_pool_is_bounded, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
