/*
 * tests/unit/agent_spawn_test.c: spawning without the lock (issue 12). agent_spawn only
 * reserves an agent under the kernel's lock (its id, its capabilities: initializing); its
 * module is decoded and instantiated on its first turn, or by agent_load, outside the lock.
 * With modules_locked_away the fake kernel makes every test module unreadable while its lock
 * is held, so a module read under the lock is a SIGSEGV; it hands out dirty pages and takes
 * back only wiped ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/agent_fixture.h"

#define SPAWNER AGENT_PRINCIPAL(9) /* an actor for agent_spawn's records */
#define CAP     0xCAFEu            /* the capability it "used" */

/* The last lifecycle record is agent id's change from `from` to `to` in part, by actor with
 * cap. */
static void last_record_is(uint32_t id, enum agent_state from, enum agent_state to, uint32_t part,
                           uint32_t actor, cap_handle_t cap)
{
        assert_int_equal(last_agent_event.flags, 0);
        assert_int_equal(last_agent_event.target, id);
        assert_int_equal(last_agent_event.payload,
                         (uint64_t)to | (uint64_t)part << 16 | (uint64_t)from << 32);
        assert_int_equal(last_agent_event.actor, actor);
        assert_int_equal(last_agent_event.cap, cap);
}

/* One refusal so far, the last record: actor's spawn refused for NO_SPACE. */
static void refused_once_for_no_space(uint32_t actor)
{
        assert_int_equal(denied_records, 1);
        assert_int_equal(last_agent_event.flags, WITNESS_F_DENIED);
        assert_int_equal(last_agent_event.actor, actor);
        assert_int_equal(last_agent_event.payload, (uint64_t)-AGENT_E_NO_SPACE);
}

static void test_spawn_reserves_without_loading(void **state)
{
        (void)state;
        modules_locked_away = true;
        assert_int_equal(reserve(M_TICKER, PART_A, SPAWNER, CAP), 1);
        struct agent_info in = info(1);
        assert_int_equal(in.state, AGENT_INITIALIZING);
        assert_string_equal(in.name, "ticker");
        assert_int_equal(in.partition, PART_A);
        assert_int_equal(in.caps, 2);        /* given at once: witness log, partition */
        assert_int_equal(in.arena_bytes, 0); /* no instance yet */
        assert_int_equal(live_allocs, 0);    /* no arena: nothing was decoded */
        assert_int_equal(fp_enters, 0);      /* nor did the engine run */
        assert_int_equal(agent_records, 1);
        last_record_is(1, AGENT_INITIALIZING, AGENT_INITIALIZING, PART_A, SPAWNER, CAP);
        assert_int_equal(wakes[PART_A], 1); /* its partition, to load it */
        assert_true(runnable(PART_A));
        assert_false(runnable(PART_B));
}

static void test_first_turn_loads_then_runs(void **state)
{
        (void)state;
        modules_locked_away = true;
        assert_int_equal(reserve(M_TICKER, PART_A, SPAWNER, CAP), 1);
        assert_true(agent_run_turn(PART_A)); /* its load, the module read outside the lock */
        struct agent_info in = info(1);
        assert_int_equal(in.state, AGENT_RUNNING);
        assert_true(in.arena_bytes > 0);
        assert_int_equal(live_allocs, 2); /* module and instance arenas, zeroed by wasm/ */
        assert_int_equal(in.turns, 0);    /* the load was the whole turn */
        assert_int_equal(in.fuel_used, 0);
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 0);
        assert_int_equal(agent_records, 2); /* with the spawn's actor and capability */
        last_record_is(1, AGENT_INITIALIZING, AGENT_RUNNING, PART_A, SPAWNER, CAP);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 1); /* one step, then rvm.yield */
        assert_int_equal(info(1).turns, 1);
        assert_int_equal(state_of(1), AGENT_RUNNING);
        assert_int_equal(step_errors, 0);
}

static void test_failed_load_terminates_on_first_turn(void **state)
{
        (void)state;
        /* Decoding, linking, finding `run` fail; no module arena; no instance arena. */
        const int m[] = {M_GARBAGE, M_UNLINK, M_NORUN, M_TICKER, M_TICKER};
        const long fail[] = {-1, -1, -1, 0, 1};

        modules_locked_away = true;
        for (uint32_t i = 0; i < 5; i++) {
                const uint32_t id = i + 1;
                /* (five spawners: one gets AGENT_SPAWN_EACH) */
                assert_int_equal(reserve(m[i], PART_B, SPAWNER + i, CAP), id); /* not known yet */
                assert_int_equal(state_of(id), AGENT_INITIALIZING);
                alloc_fail_in = fail[i];
                assert_true(agent_run_turn(PART_B));
                assert_int_equal(state_of(id), AGENT_TERMINATED);
                assert_int_equal(info(id).caps, 0);
                assert_int_equal(live_allocs, 0); /* what it took went back, wiped */
                last_record_is(id, AGENT_INITIALIZING, AGENT_TERMINATED, PART_B, SPAWNER + i, 0);
                assert_false(agent_run_turn(PART_B));
                assert_false(runnable(PART_B));
        }
        assert_int_equal(agent_records, 10); /* initializing, terminated: each */
}

static void test_kill_before_load_frees_it(void **state)
{
        (void)state;
        assert_int_equal(reserve(M_TICKER, PART_A, SPAWNER, CAP), 1);
        assert_int_equal(agent_control(1, AGENT_OP_KILL, 0), AGENT_OK);
        assert_int_equal(state_of(1), AGENT_TERMINATED);
        assert_int_equal(info(1).caps, 0);
        assert_int_equal(live_allocs, 0);
        last_record_is(1, AGENT_INITIALIZING, AGENT_TERMINATED, PART_A, 0, 0);
        assert_false(runnable(PART_A));
        assert_false(agent_run_turn(PART_A)); /* never loaded */
        assert_int_equal(fp_enters, 0);
        assert_int_equal(agent_control(1, AGENT_OP_KILL, 0), AGENT_E_INVALID);
        assert_int_equal(agent_load(1), AGENT_E_INVALID);
}

static void test_other_ops_refuse_an_initializing_agent(void **state)
{
        (void)state;
        const enum agent_op ops[] = {AGENT_OP_SUSPEND, AGENT_OP_RESUME, AGENT_OP_HIBERNATE,
                                     AGENT_OP_RECONSTRUCT};
        enum agent_move_result why = AGENT_MOVE_OK;

        assert_int_equal(reserve(M_TICKER, PART_A, SPAWNER, CAP), 1);
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
                assert_int_equal(agent_control(1, ops[i], 0), AGENT_E_INVALID);
        }
        assert_int_equal(agent_move(1, PART_B, 0, &why), AGENT_E_INVALID);
        assert_int_equal(why, AGENT_MOVE_STATE);
        assert_int_equal(move_denied, 1); /* the refusal witnessed */
        assert_int_equal(agent_records, 1);
        assert_int_equal(state_of(1), AGENT_INITIALIZING);
        assert_int_equal(live_allocs, 0);
        assert_true(agent_run_turn(PART_A)); /* and it still loads */
        assert_int_equal(state_of(1), AGENT_RUNNING);
}

static void test_agent_max_still_refused(void **state)
{
        (void)state;
        modules_locked_away = true;
        for (int32_t id = 1; id <= AGENT_MAX; id++) {
                const uint32_t actor = id <= AGENT_SPAWN_EACH ? SPAWNER : 0; /* then RVM */
                assert_int_equal(reserve(M_TICKER, id % 2 ? PART_A : PART_B, actor, CAP), id);
        }
        assert_int_equal(reserve(M_TICKER, PART_A, SPAWNER, CAP), AGENT_E_NO_SPACE);
        refused_once_for_no_space(SPAWNER);
        assert_int_equal(agent_count(), AGENT_MAX);
        assert_int_equal(live_allocs, 0); /* sixteen reserved, none loaded yet */
        for (int i = 0; i < AGENT_MAX; i++) {
                assert_true(agent_run_turn(i % 2 ? PART_A : PART_B));
        }
        for (uint32_t id = 1; id <= AGENT_MAX; id++) {
                assert_int_equal(state_of(id), AGENT_RUNNING);
        }
        assert_int_equal(live_allocs, 2 * AGENT_MAX);
}

/* One spawner other than RVM gets AGENT_SPAWN_EACH agents in a boot, whatever becomes of
 * them (ids are not reused): then NO_SPACE, witnessed, while another spawner and RVM still
 * spawn. So no single agent can use up the AGENT_MAX the others are owed. */
static void test_each_spawner_gets_its_share(void **state)
{
        (void)state;
        modules_locked_away = true;
        for (int32_t id = 1; id <= AGENT_SPAWN_EACH; id++) {
                assert_int_equal(reserve(M_TICKER, PART_A, SPAWNER, CAP), id);
        }
        assert_int_equal(agent_control(1, AGENT_OP_KILL, 0), AGENT_OK); /* a dead one counts */
        assert_int_equal(reserve(M_TICKER, PART_A, SPAWNER, CAP), AGENT_E_NO_SPACE);
        refused_once_for_no_space(SPAWNER);
        assert_int_equal(agent_count(), AGENT_SPAWN_EACH);
        assert_int_equal(reserve(M_TICKER, PART_B, SPAWNER + 1, CAP), AGENT_SPAWN_EACH + 1);
        assert_int_equal(reserve(M_TICKER, PART_B, 0, 0), AGENT_SPAWN_EACH + 2);
}

static void test_spawn_through_the_host_call_loads_later(void **state)
{
        (void)state;
        modules_locked_away = true;
        assert_int_equal(reserve(M_SPAWNER, PART_A, SPAWNER, CAP), 1);
        assert_true(agent_run_turn(PART_A)); /* its load */
        assert_true(agent_run_turn(PART_A)); /* 3 x rvm.spawn("crunch"), under the lock */
        assert_int_equal(agent_count(), 4);
        assert_int_equal(nreports, 3);
        for (uint32_t id = 2; id <= 4; id++) {
                assert_int_equal(reports[id - 2].tag, id);
                assert_int_equal(state_of(id), AGENT_INITIALIZING);
        }
        assert_int_equal(live_allocs, 2); /* the spawner's only */
        last_record_is(4, AGENT_INITIALIZING, AGENT_INITIALIZING, PART_A, AGENT_PRINCIPAL(1),
                       PART_A);
        for (int i = 0; i < 8; i++) {
                assert_true(agent_run_turn(PART_A));
        }
        for (uint32_t id = 2; id <= 4; id++) {
                assert_int_equal(state_of(id), AGENT_RUNNING);
                assert_true(info(id).turns >= 1); /* loaded, then ran */
        }
        assert_int_equal(state_of(1), AGENT_RUNNING); /* the spawner went on */
        assert_int_equal(live_allocs, 8);
        assert_int_equal(step_errors, 0);
}

static void test_agent_load_loads_now(void **state)
{
        (void)state;
        modules_locked_away = true;
        assert_int_equal(reserve(M_TICKER, PART_A, SPAWNER, CAP), 1);
        assert_int_equal(agent_load(1), AGENT_OK);
        assert_int_equal(state_of(1), AGENT_RUNNING);
        last_record_is(1, AGENT_INITIALIZING, AGENT_RUNNING, PART_A, SPAWNER, CAP);
        assert_int_equal(fp_enters, 1);     /* it entered the engine itself */
        assert_int_equal(wakes[PART_A], 2); /* spawned; loaded, in case its partition slept */
        assert_int_equal(agent_load(1), AGENT_OK); /* loaded already: nothing more */
        assert_int_equal(live_allocs, 2);
        assert_int_equal(reserve(M_TICKER, PART_B, SPAWNER, CAP), 2);
        assert_true(agent_run_turn(PART_B));
        assert_int_equal(agent_load(2), AGENT_OK); /* its first turn loaded it */
        assert_int_equal(reserve(M_GARBAGE, PART_A, SPAWNER, CAP), 3);
        assert_int_equal(agent_load(3), AGENT_E_INVALID);
        assert_int_equal(state_of(3), AGENT_TERMINATED);
        assert_int_equal(agent_load(3), AGENT_E_INVALID);
        assert_int_equal(agent_load(0), AGENT_E_INVALID);
        assert_int_equal(agent_load(4), AGENT_E_INVALID);
        assert_int_equal(live_allocs, 4);
}

int main(void)
{
        build_modules();
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_spawn_reserves_without_loading, setup, teardown),
            cmocka_unit_test_setup_teardown(test_first_turn_loads_then_runs, setup, teardown),
            cmocka_unit_test_setup_teardown(test_failed_load_terminates_on_first_turn, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_kill_before_load_frees_it, setup, teardown),
            cmocka_unit_test_setup_teardown(test_other_ops_refuse_an_initializing_agent, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_agent_max_still_refused, setup, teardown),
            cmocka_unit_test_setup_teardown(test_each_spawner_gets_its_share, setup, teardown),
            cmocka_unit_test_setup_teardown(test_spawn_through_the_host_call_loads_later, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_agent_load_loads_now, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
