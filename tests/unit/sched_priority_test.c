/*
 * tests/unit/sched_priority_test.c: sched/'s set-up and validation (bad parameters, CPUs,
 * modes and affinities refused; blocked entities hold their queue slot) and the 2-signal
 * priority (DC-4): deadline plus pressure boost in exact units, pressure reordering the
 * queue and preempting a running Reflex entity, per-partition pressure, and degraded mode
 * (DC-6) ignoring pressure, its entry and exit witnessed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/sched_fixture.h"

/* --- set-up and validation -------------------------------------------------------------- */

static void test_init_and_validation(void **state)
{
        struct sched_params p;
        struct sched_entity a, b;

        (void)state;
        sched_params_default(&p);
        p.balance_threshold = 0;
        assert_int_equal(sched_init(&S, &p, 0), SCHED_E_INVAL);
        sched_params_default(&p);
        p.reflex_budget_ns = p.reflex_period_ns + 1;
        assert_int_equal(sched_init(&S, &p, 0), SCHED_E_INVAL);
        sched_params_default(&p);
        p.flow_slice_ns = 0;
        assert_int_equal(sched_init(&S, &p, 0), SCHED_E_INVAL);

        setup_cpus(1, NULL);
        assert_int_equal(sched_cpu_init(&S, 0, 0), SCHED_E_STATE);
        assert_int_equal(sched_cpu_init(&S, SCHED_MAX_CPUS, 0), SCHED_E_INVAL);
        assert_int_equal(sched_entity_init(&S, &a, 1, 1, (enum sched_mode)7, 0), SCHED_E_INVAL);
        assert_int_equal(sched_entity_init(&S, &a, 1, 1, SCHED_MODE_FLOW, 0), SCHED_OK);
        assert_int_equal(sched_add(&S, &a, 1, true, 0), SCHED_E_OFFLINE);
        assert_int_equal(sched_add(&S, &a, SCHED_MAX_CPUS, true, 0), SCHED_E_INVAL);
        assert_int_equal(sched_entity_init(&S, &b, 2, 1, SCHED_MODE_FLOW, 0x2), SCHED_OK);
        assert_int_equal(sched_add(&S, &b, 0, true, 0), SCHED_E_AFFINITY);
        assert_int_equal(sched_add(&S, &a, 0, true, 0), SCHED_OK);
        assert_int_equal(sched_add(&S, &a, 0, true, 0), SCHED_E_STATE);
        assert_int_equal(sched_set_pressure(&S, &a, SCHED_PRESSURE_MAX_BP + 1), SCHED_E_INVAL);
        assert_int_equal(sched_set_mode(&S, &a, 0, 0), SCHED_E_INVAL);
        assert_int_equal(sched_set_mode(&S, &a, 3, 0), SCHED_E_INVAL);
        assert_int_equal(nr_events, 0);
        assert_int_equal(sched_remove(&S, &a, 0), SCHED_OK);
        assert_int_equal(sched_remove(&S, &a, 0), SCHED_E_STATE);
        assert_int_equal(sched_block(&S, &a, 0), SCHED_E_STATE);
        assert_false(sched_wake(&S, &a, 0));
        assert_null(sched_pick(&S, 0, 0));
}

static void test_queue_capacity(void **state)
{
        static struct sched_entity e[SCHED_RQ_CAPACITY + 1];

        (void)state;
        setup_cpus(1, NULL);
        for (unsigned i = 0; i < SCHED_RQ_CAPACITY; i++) {
                add(&e[i], i + 1, 1, SCHED_MODE_FLOW, 0, 0, i % 2 == 0, 0);
        }
        assert_int_equal(sched_entity_init(&S, &e[SCHED_RQ_CAPACITY], 999, 1, SCHED_MODE_FLOW, 0),
                         SCHED_OK);
        /* Blocked entities hold a slot too, so a wake-up can never find the queue full. */
        assert_int_equal(sched_add(&S, &e[SCHED_RQ_CAPACITY], 0, false, 0), SCHED_E_FULL);
        for (unsigned i = 1; i < SCHED_RQ_CAPACITY; i += 2) {
                sched_wake(&S, &e[i], 1);
        }
        assert_int_equal(S.rq[0].nr_runnable, SCHED_RQ_CAPACITY);
}

/* --- DC-4: the two signals --------------------------------------------------------------- */

/* A was queued 1 ms before B, so A's deadline is 1 ms earlier. */
static struct sched_entity *first_pick(uint32_t pressure_b, bool degraded, int64_t *prio_a,
                                       int64_t *prio_b)
{
        static struct sched_entity a, b;

        setup_cpus(1, NULL);
        add(&a, 1, 10, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&b, 2, 20, SCHED_MODE_FLOW, 0, 0, true, 1 * MS);
        assert_int_equal(sched_set_pressure(&S, &b, pressure_b), SCHED_OK);
        sched_set_degraded(&S, degraded);
        *prio_a = sched_priority(&S, &a, 2 * MS);
        *prio_b = sched_priority(&S, &b, 2 * MS);
        return sched_pick(&S, 0, 2 * MS);
}

static void test_boost_units(void **state)
{
        struct sched_entity e;

        (void)state;
        setup_cpus(1, NULL);
        add(&e, 1, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        /* The Rust original divided basis points into a unit that truncated to 0: not here. */
        sched_set_pressure(&S, &e, 1);
        assert_int_equal(sched_boost_ns(&S, &e), S.params.max_boost_ns / 10000);
        assert_true(sched_boost_ns(&S, &e) > 0);
        sched_set_pressure(&S, &e, 5000);
        assert_int_equal(sched_boost_ns(&S, &e), S.params.max_boost_ns / 2);
        /* priority = (now - deadline) + boost, in ns. */
        assert_int_equal(sched_priority(&S, &e, 0),
                         -(int64_t)S.params.flow_deadline_ns + (int64_t)S.params.max_boost_ns / 2);
}

static void test_pressure_reorders_run_queue(void **state)
{
        int64_t pa, pb;

        (void)state;
        assert_int_equal(first_pick(0, false, &pa, &pb)->id, 1);
        assert_true(pa > pb);
        /* 5000 bp = 2.5 ms of boost, more than B's 1 ms deadline disadvantage. */
        assert_int_equal(first_pick(5000, false, &pa, &pb)->id, 2);
        assert_true(pb > pa);
        /* 1000 bp = 0.5 ms: not enough, A still first. */
        assert_int_equal(first_pick(1000, false, &pa, &pb)->id, 1);
}

static void test_pressure_preempts_running_reflex(void **state)
{
        struct sched_entity a, b;

        (void)state;
        setup_cpus(1, NULL);
        add(&a, 1, 10, SCHED_MODE_REFLEX, 0, 0, true, 0);
        add(&b, 2, 20, SCHED_MODE_REFLEX, 0, 0, true, 100 * US);
        assert_ptr_equal(sched_pick(&S, 0, 100 * US), &a);
        assert_false(sched_tick(&S, 0, 150 * US));
        /* The coherence engine reports pressure on B's partition: B now ranks first. */
        assert_int_equal(sched_set_partition_pressure(&S, 20, 2000), 1);
        assert_true(sched_tick(&S, 0, 200 * US));
        assert_ptr_equal(sched_pick(&S, 0, 200 * US), &b);
}

static void test_degraded_mode_ignores_pressure(void **state)
{
        int64_t pa, pb;

        (void)state;
        assert_int_equal(first_pick(5000, true, &pa, &pb)->id, 1);
        assert_true(pa > pb);
        for (unsigned i = 0; i < S.rq[0].nr_runnable; i++) {
                assert_int_equal(S.rq[0].runnable[i]->pressure_bp,
                                 S.rq[0].runnable[i]->id == 2 ? 5000 : 0);
                assert_int_equal(sched_boost_ns(&S, S.rq[0].runnable[i]), 0);
        }
        /* Entering was witnessed once (scope degraded, 0 -> 1). */
        assert_int_equal(count_kind(WK_SCHED_MODE), 1);
        assert_int_equal(events[0].payload, SCHED_MODE_PAYLOAD(0, 1, SCHED_MODE_SCOPE_DEGRADED));
        sched_set_degraded(&S, true);
        assert_int_equal(count_kind(WK_SCHED_MODE), 1);
        sched_set_degraded(&S, false);
        assert_int_equal(count_kind(WK_SCHED_MODE), 2);
        assert_int_equal(events[1].payload, SCHED_MODE_PAYLOAD(1, 0, SCHED_MODE_SCOPE_DEGRADED));
        assert_int_equal(events[1].actor, 0);
}

static void test_partition_pressure(void **state)
{
        struct sched_entity a, b, c;

        (void)state;
        setup_cpus(2, NULL);
        add(&a, 1, 7, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&b, 2, 7, SCHED_MODE_FLOW, 0, 1, false, 0);
        add(&c, 3, 8, SCHED_MODE_FLOW, 0, 1, true, 0);
        assert_int_equal(sched_set_partition_pressure(&S, 7, 3000), 2);
        assert_int_equal(a.pressure_bp, 3000);
        assert_int_equal(b.pressure_bp, 3000);
        assert_int_equal(c.pressure_bp, 0);
        assert_int_equal(sched_set_partition_pressure(&S, 7, 10001), -1);
        assert_int_equal(a.pressure_bp, 3000);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_init_and_validation, reset_events),
            cmocka_unit_test_setup(test_queue_capacity, reset_events),
            cmocka_unit_test_setup(test_boost_units, reset_events),
            cmocka_unit_test_setup(test_pressure_reorders_run_queue, reset_events),
            cmocka_unit_test_setup(test_pressure_preempts_running_reflex, reset_events),
            cmocka_unit_test_setup(test_degraded_mode_ignores_pressure, reset_events),
            cmocka_unit_test_setup(test_partition_pressure, reset_events),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
