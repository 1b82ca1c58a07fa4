/*
 * tests/unit/sched_smp_test.c: sched/ on several CPUs: balancing that is deterministic, stays
 * within its threshold, moves the least urgent waiters and respects affinity; an idle CPU
 * pulling the most urgent entity it may run; a wake-up pushed to an idle CPU; affinity
 * changes of waiting and running entities; homes, and a running entity sent home.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/sched_fixture.h"

/* --- SMP --------------------------------------------------------------------------------- */

static void test_balance_deterministic_with_threshold_and_affinity(void **state)
{
        static struct sched_entity e[8];
        unsigned cpu_of[2][8];

        (void)state;
        for (int round = 0; round < 2; round++) {
                setup_cpus(3, NULL);
                for (unsigned i = 0; i < 8; i++) {
                        /* Entities 6 and 7 are pinned to CPU 0. */
                        add(&e[i], i + 1, 1, SCHED_MODE_FLOW, i >= 6 ? 0x1 : 0, 0, true, i * US);
                }
                sched_pick(&S, 0, 10 * US);
                struct sched_entity *running = sched_current(&S, 0);
                assert_int_equal(sched_balance(&S, 10 * US), 5);
                assert_int_equal(S.rq[0].nr_runnable, 3);
                assert_int_equal(S.rq[1].nr_runnable, 3);
                assert_int_equal(S.rq[2].nr_runnable, 2);
                assert_int_equal(e[6].cpu, 0);
                assert_int_equal(e[7].cpu, 0);
                assert_int_equal(running->cpu, 0);
                assert_ptr_equal(sched_current(&S, 0), running);
                assert_int_equal(S.migrations, 5);
                /* Balanced within the threshold: a second pass moves nothing. */
                assert_int_equal(sched_balance(&S, 10 * US), 0);
                for (unsigned i = 0; i < 8; i++) {
                        cpu_of[round][i] = e[i].cpu;
                }
        }
        assert_memory_equal(cpu_of[0], cpu_of[1], sizeof(cpu_of[0]));
}

static void test_balance_moves_least_urgent_waiters(void **state)
{
        static struct sched_entity e[6];

        (void)state;
        setup_cpus(2, NULL);
        for (unsigned i = 0; i < 6; i++) {
                add(&e[i], i + 1, 1, SCHED_MODE_FLOW, 0, 0, true, i * US);
        }
        assert_ptr_equal(sched_pick(&S, 0, 10 * US), &e[0]);
        /* Pressure on the waiters makes the running e[0] the least urgent: it must not move. */
        for (unsigned i = 1; i < 6; i++) {
                sched_set_pressure(&S, &e[i], 5000);
        }
        /* 6/0 -> 3/3: the waiters with the latest deadlines leave; the urgent ones stay where
         * they are next in line. */
        assert_int_equal(sched_balance(&S, 10 * US), 3);
        for (unsigned i = 0; i < 6; i++) {
                assert_int_equal(e[i].cpu, i < 3 ? 0 : 1);
        }
}

static void test_balance_respects_affinity_when_all_pinned(void **state)
{
        static struct sched_entity e[4];

        (void)state;
        setup_cpus(2, NULL);
        for (unsigned i = 0; i < 4; i++) {
                add(&e[i], i + 1, 1, SCHED_MODE_FLOW, 0x1, 0, true, 0);
        }
        assert_int_equal(sched_balance(&S, 0), 0);
        assert_null(sched_pull(&S, 1, 0));
        assert_int_equal(S.rq[0].nr_runnable, 4);
}

static void test_idle_cpu_pulls_most_urgent(void **state)
{
        struct sched_entity a, b, c, p;

        (void)state;
        setup_cpus(2, NULL);
        add(&a, 1, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&b, 2, 1, SCHED_MODE_FLOW, 0, 0, true, 1 * MS);
        add(&c, 3, 1, SCHED_MODE_FLOW, 0, 0, true, 2 * MS);
        add(&p, 4, 1, SCHED_MODE_REFLEX, 0x1, 0, true, 3 * MS); /* most urgent, but pinned */
        assert_ptr_equal(sched_pick(&S, 0, 3 * MS), &p);
        assert_null(sched_pick(&S, 1, 3 * MS));
        assert_ptr_equal(sched_pull(&S, 1, 3 * MS), &a);
        assert_int_equal(a.cpu, 1);
        assert_ptr_equal(sched_pick(&S, 1, 3 * MS), &a);
        assert_null(sched_pull(&S, 1, 3 * MS)); /* not idle any more */
}

static void test_wake_pushes_to_idle_cpu(void **state)
{
        struct sched_entity busy, w, pinned;

        (void)state;
        setup_cpus(2, NULL);
        add(&busy, 1, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&w, 2, 1, SCHED_MODE_FLOW, 0, 0, false, 0);
        add(&pinned, 3, 1, SCHED_MODE_FLOW, 0x1, 0, false, 0);
        sched_pick(&S, 0, 0);
        assert_true(sched_wake(&S, &w, 1 * MS)); /* CPU 1 is idle: it should pick */
        assert_int_equal(w.cpu, 1);
        assert_false(sched_wake(&S, &pinned, 1 * MS));
        assert_int_equal(pinned.cpu, 0);
        assert_ptr_equal(sched_pick(&S, 1, 1 * MS), &w);
}

static void test_affinity_change(void **state)
{
        struct sched_entity a, b;

        (void)state;
        setup_cpus(2, NULL);
        add(&a, 1, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&b, 2, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        assert_ptr_equal(sched_pick(&S, 0, 0), &a);
        /* Not running: moves at once. */
        assert_int_equal(sched_set_affinity(&S, &b, 0x2, 0), SCHED_OK);
        assert_int_equal(b.cpu, 1);
        /* Only offline CPUs: refused, unchanged. */
        assert_int_equal(sched_set_affinity(&S, &a, 0x4, 0), SCHED_E_INVAL);
        assert_int_equal(a.affinity, (1ull << SCHED_MAX_CPUS) - 1);
        /* Running: leaves at the next decision, and never runs where it may not. */
        assert_int_equal(sched_set_affinity(&S, &a, 0x2, 1 * MS), SCHED_OK);
        assert_true(sched_tick(&S, 0, 1 * MS));
        assert_null(sched_pick(&S, 0, 1 * MS));
        assert_int_equal(a.cpu, 1);
        assert_int_equal(a.run_ns, 1 * MS);
        assert_ptr_equal(sched_pick(&S, 1, 1 * MS), &a); /* tie on deadline: lower id */
}

/* --- placement: home CPUs (sched_set_home) ------------------------------------------------ */

static void test_home_moves_waiting_entity_and_validates(void **state)
{
        static struct sched_entity e[2];

        (void)state;
        setup_cpus(2, NULL);
        add(&e[0], 1, 1, SCHED_MODE_FLOW, 0, 0, false, 0);
        add(&e[1], 2, 2, SCHED_MODE_FLOW, 0x1, 0, true, 0);
        assert_int_equal(e[0].home, SCHED_HOME_NONE);
        assert_int_equal(sched_set_home(&S, &e[0], 5, 0), SCHED_E_OFFLINE);
        assert_int_equal(sched_set_home(&S, &e[0], SCHED_MAX_CPUS, 0), SCHED_E_INVAL);
        assert_int_equal(sched_set_home(&S, &e[0], -2, 0), SCHED_E_INVAL);
        assert_int_equal(sched_set_home(&S, &e[1], 1, 0), SCHED_E_AFFINITY);
        assert_int_equal(e[1].home, SCHED_HOME_NONE);
        /* Blocked, not running: it moves at once. */
        assert_int_equal(sched_set_home(&S, &e[0], 1, 0), SCHED_OK);
        assert_int_equal(e[0].home, 1);
        assert_int_equal(e[0].cpu, 1);
        assert_int_equal(sched_set_home(&S, &e[0], SCHED_HOME_NONE, 0), SCHED_OK);
        assert_int_equal(e[0].home, SCHED_HOME_NONE);
        assert_int_equal(e[0].cpu, 1);
}

static void test_home_running_entity_moves_at_balance(void **state)
{
        static struct sched_entity e[2];

        (void)state;
        setup_cpus(2, NULL);
        add(&e[0], 1, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        assert_ptr_equal(sched_pick(&S, 0, 1 * US), &e[0]);
        assert_int_equal(sched_set_home(&S, &e[0], 1, 2 * US), SCHED_OK);
        assert_int_equal(e[0].cpu, 0); /* running: stays for now */
        assert_int_equal(sched_balance(&S, 3 * US), 0);
        assert_int_equal(e[0].cpu, 0);
        sched_block(&S, &e[0], 4 * US);
        /* Its wake-up takes it home. */
        sched_wake(&S, &e[0], 5 * US);
        assert_int_equal(e[0].cpu, 1);
        /* Running at home 1, given home 0: balance leaves it while it runs, brings it over
         * once it stopped (blocked). */
        assert_ptr_equal(sched_pick(&S, 1, 6 * US), &e[0]);
        assert_int_equal(sched_set_home(&S, &e[0], 0, 7 * US), SCHED_OK);
        assert_int_equal(sched_balance(&S, 7 * US), 0);
        assert_int_equal(e[0].cpu, 1);
        sched_block(&S, &e[0], 8 * US);
        assert_int_equal(sched_balance(&S, 9 * US), 1);
        assert_int_equal(e[0].cpu, 0);
}

/* A running entity that never blocks goes home when its CPU lets it go (sched_send_home, at
 * that CPU's tick), not before it has a home elsewhere, and not to an overloaded home. */
static void test_home_running_entity_sent_home_by_its_cpu(void **state)
{
        static struct sched_entity e[5];

        (void)state;
        setup_cpus(2, NULL);
        add(&e[0], 1, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        assert_ptr_equal(sched_pick(&S, 0, 1 * US), &e[0]);
        assert_false(sched_send_home(&S, 0)); /* no home */
        assert_false(sched_send_home(&S, 1)); /* nothing running there */
        assert_false(sched_send_home(&S, 7)); /* no such CPU */
        assert_int_equal(sched_set_home(&S, &e[0], 0, 2 * US), SCHED_OK);
        assert_false(sched_send_home(&S, 0)); /* home already */
        assert_int_equal(sched_set_home(&S, &e[0], 1, 3 * US), SCHED_OK);
        assert_int_equal(sched_balance(&S, 4 * US), 0); /* balancing leaves the running one */
        assert_true(sched_send_home(&S, 0));
        assert_int_equal(e[0].cpu, 1);
        assert_null(sched_current(&S, 0));
        assert_true(S.rq[0].need_resched);
        assert_int_equal(S.rq[0].nr_runnable, 0);
        assert_int_equal(S.rq[1].nr_runnable, 1);
        assert_null(sched_pick(&S, 0, 5 * US));             /* its old CPU idles */
        assert_ptr_equal(sched_pick(&S, 1, 5 * US), &e[0]); /* its home runs it */
        /* An overloaded home: 3 runnable at CPU 0, 1 here; with it, 4 against 1 is over the
         * slack (2), so it stays. */
        for (unsigned i = 1; i < 4; i++) {
                add(&e[i], i + 1, i + 1, SCHED_MODE_FLOW, 0x1, 0, true, 6 * US);
        }
        assert_int_equal(sched_set_home(&S, &e[0], 0, 7 * US), SCHED_OK);
        assert_false(sched_send_home(&S, 1));
        assert_int_equal(e[0].cpu, 1);
        assert_ptr_equal(sched_current(&S, 1), &e[0]);
        /* One of them blocks: 3 against 1 is within the slack, so it goes. */
        sched_block(&S, &e[3], 8 * US);
        assert_true(sched_send_home(&S, 1));
        assert_int_equal(e[0].cpu, 0);
        assert_int_equal(S.rq[0].nr_runnable, 3);
}

static void test_partition_home_sets_every_entity(void **state)
{
        static struct sched_entity e[5];

        (void)state;
        setup_cpus(3, NULL);
        for (unsigned i = 0; i < 5; i++) {
                add(&e[i], i + 1, i < 3 ? 7 : 8, SCHED_MODE_FLOW, 0, i % 3, false, 0);
        }
        assert_int_equal(sched_set_partition_home(&S, 7, 2, 0), 3);
        for (unsigned i = 0; i < 3; i++) {
                assert_int_equal(e[i].home, 2);
                assert_int_equal(e[i].cpu, 2);
        }
        assert_int_equal(e[3].home, SCHED_HOME_NONE);
        assert_int_equal(e[3].cpu, 0);
        assert_int_equal(sched_set_partition_home(&S, 7, 2, 0), 0); /* already there */
        assert_int_equal(sched_set_partition_home(&S, 8, 9, 0), -1);
        assert_int_equal(sched_set_partition_home(&S, 7, SCHED_HOME_NONE, 0), 3);
        assert_int_equal(e[0].home, SCHED_HOME_NONE);
}

/* A homed entity is not pushed, balanced or pulled away from its home until the home has more
 * than home_slack (2) runnable entities beyond the other CPU. */
static void test_home_resists_balance_until_overloaded(void **state)
{
        static struct sched_entity e[5];

        (void)state;
        setup_cpus(2, NULL);
        add(&e[0], 1, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&e[1], 2, 2, SCHED_MODE_FLOW, 0, 0, false, 0);
        assert_int_equal(sched_set_partition_home(&S, 1, 0, 0), 1);
        assert_int_equal(sched_set_partition_home(&S, 2, 0, 0), 1);
        assert_ptr_equal(sched_pick(&S, 0, 1 * US), &e[0]);
        /* Woken on a busy home, CPU 1 idle: without a home it would be pushed there. */
        sched_wake(&S, &e[1], 2 * US);
        assert_int_equal(e[1].cpu, 0);
        assert_int_equal(sched_balance(&S, 3 * US), 0);
        assert_null(sched_pull(&S, 1, 3 * US));
        assert_int_equal(e[1].cpu, 0);
        /* Two more homed at CPU 0: 4 runnable against 0, over the slack: work spreads. */
        add(&e[2], 3, 3, SCHED_MODE_FLOW, 0, 0, true, 4 * US);
        add(&e[3], 4, 3, SCHED_MODE_FLOW, 0, 0, true, 4 * US);
        assert_int_equal(sched_set_partition_home(&S, 3, 0, 4 * US), 2);
        assert_non_null(sched_pull(&S, 1, 5 * US));
        assert_int_equal(S.rq[0].nr_runnable, 3);
        assert_int_equal(S.rq[1].nr_runnable, 1);
        /* 3 against 1 is within the slack: balance leaves it. */
        assert_int_equal(sched_balance(&S, 6 * US), 0);
        /* Without homes the same queues balance to 2 and 2. */
        for (unsigned i = 0; i < 4; i++) {
                assert_int_equal(sched_set_home(&S, &e[i], SCHED_HOME_NONE, 7 * US), SCHED_OK);
        }
        assert_int_equal(sched_balance(&S, 7 * US), 1);
        assert_int_equal(S.rq[0].nr_runnable, 2);
        assert_int_equal(S.rq[1].nr_runnable, 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_balance_deterministic_with_threshold_and_affinity,
                                   reset_events),
            cmocka_unit_test_setup(test_balance_moves_least_urgent_waiters, reset_events),
            cmocka_unit_test_setup(test_balance_respects_affinity_when_all_pinned, reset_events),
            cmocka_unit_test_setup(test_idle_cpu_pulls_most_urgent, reset_events),
            cmocka_unit_test_setup(test_wake_pushes_to_idle_cpu, reset_events),
            cmocka_unit_test_setup(test_affinity_change, reset_events),
            cmocka_unit_test_setup(test_home_moves_waiting_entity_and_validates, reset_events),
            cmocka_unit_test_setup(test_home_running_entity_moves_at_balance, reset_events),
            cmocka_unit_test_setup(test_home_running_entity_sent_home_by_its_cpu, reset_events),
            cmocka_unit_test_setup(test_partition_home_sets_every_entity, reset_events),
            cmocka_unit_test_setup(test_home_resists_balance_until_overloaded, reset_events),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
