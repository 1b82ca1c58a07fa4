/*
 * tests/unit/sched_queue_test.c: sched/'s run queues under block, wake, yield and the timer
 * (a yield charged once with a fresh deadline, the next event, a clock stepping back, the
 * Reflex budget's timer), and 200000 random operations on four CPUs that keep every queue
 * consistent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sched/sched_internal.h"
#include "tests/unit/sched_fixture.h"

/* --- block / wake / yield / timer -------------------------------------------------------- */

static void test_block_wake_yield(void **state)
{
        struct sched_entity a, b;

        (void)state;
        setup_cpus(1, NULL);
        add(&a, 1, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&b, 2, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        assert_ptr_equal(sched_pick(&S, 0, 0), &a);
        assert_int_equal(sched_block(&S, &a, 1 * MS), SCHED_OK);
        assert_int_equal(a.state, SCHED_BLOCKED);
        assert_int_equal(a.run_ns, 1 * MS);
        assert_null(sched_current(&S, 0));
        assert_true(sched_tick(&S, 0, 1 * MS));
        assert_ptr_equal(sched_pick(&S, 0, 1 * MS), &b);
        assert_false(sched_wake(&S, &b, 1 * MS)); /* not blocked: no-op */
        assert_false(sched_wake(&S, &a, 2 * MS)); /* Flow waits for b's slice */
        assert_int_equal(a.wakeups, 1);
        /* b gives up the rest of its slice */
        assert_ptr_equal(sched_yield_pick(&S, 0, 3 * MS), &a);
        assert_int_equal(a.last_wake_latency_ns, 1 * MS);
        assert_int_equal(sched_block(&S, &a, 4 * MS), SCHED_OK);
        /* b alone: yielding keeps it on the CPU without a switch. */
        assert_ptr_equal(sched_pick(&S, 0, 4 * MS), &b);
        uint64_t sw = S.rq[0].switches;
        assert_ptr_equal(sched_yield_pick(&S, 0, 5 * MS), &b);
        assert_int_equal(S.rq[0].switches, sw);
        assert_int_equal(sched_remove(&S, &b, 6 * MS), SCHED_OK);
        assert_null(sched_current(&S, 0));
        assert_null(sched_pick(&S, 0, 6 * MS));
        assert_int_equal(sched_next_event(&S, 0, 6 * MS), SCHED_TIME_NEVER);
}

/* A yield decided where the switch is: one charge, a fresh deadline, one choice. */
static void test_yield_pick(void **state)
{
        struct sched_entity a, b;

        (void)state;
        setup_cpus(1, NULL);
        add(&a, 1, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&b, 2, 2, SCHED_MODE_FLOW, 0, 0, true, 0);
        assert_ptr_equal(sched_pick(&S, 0, 0), &a);
        uint64_t sw = S.rq[0].switches;
        /* Flow is not preempted mid-slice, but a Flow entity that yields gives way. */
        assert_ptr_equal(sched_yield_pick(&S, 0, 1 * MS), &b);
        assert_ptr_equal(sched_current(&S, 0), &b);
        assert_int_equal(a.run_ns, 1 * MS); /* charged once, up to the yield */
        assert_int_equal(a.deadline_ns, 1 * MS + a.rel_deadline_ns);
        assert_int_equal(S.rq[0].switches, sw + 1);
        assert_false(S.rq[0].need_resched);
        /* And back: b yields to a. */
        assert_ptr_equal(sched_yield_pick(&S, 0, 2 * MS), &a);
        assert_int_equal(b.run_ns, 1 * MS);
        /* Alone on the queue, a yield keeps the CPU: no switch. */
        assert_int_equal(sched_block(&S, &b, 3 * MS), SCHED_OK);
        sw = S.rq[0].switches;
        assert_ptr_equal(sched_yield_pick(&S, 0, 4 * MS), &a);
        assert_int_equal(S.rq[0].switches, sw);
        /* An idle CPU: the yield is just a pick. */
        assert_int_equal(sched_block(&S, &a, 5 * MS), SCHED_OK);
        assert_null(sched_yield_pick(&S, 0, 6 * MS));
        assert_null(sched_yield_pick(&S, SCHED_MAX_CPUS, 6 * MS)); /* not a CPU */
}

/* A yield with one other entity runnable (sched_yield_pick's two-entity path) chooses as
 * choose() does: class first, then the key with the pressure's boost, and it charges and
 * counts as the general path does. */
static void test_yield_between_two(void **state)
{
        struct sched_entity a, b;

        (void)state;
        setup_cpus(1, NULL);
        /* A Reflex yielder against a Flow entity: its class keeps it on the CPU. */
        add(&a, 1, 1, SCHED_MODE_REFLEX, 0, 0, true, 0);
        add(&b, 2, 2, SCHED_MODE_FLOW, 0, 0, true, 0);
        assert_ptr_equal(sched_pick(&S, 0, 0), &a);
        uint64_t sw = S.rq[0].switches;
        assert_ptr_equal(sched_yield_pick(&S, 0, 100 * US), &a);
        assert_int_equal(S.rq[0].switches, sw);
        assert_int_equal(a.run_ns, 100 * US);
        assert_int_equal(a.deadline_ns, 100 * US + a.rel_deadline_ns);
        assert_true(a.yielded);
        assert_false(S.rq[0].need_resched);
        /* Flow against Flow: the fresh deadline puts the yielder behind... */
        assert_int_equal(sched_set_mode(&S, &a, SCHED_MODE_FLOW, 200 * US), SCHED_OK);
        assert_ptr_equal(sched_yield_pick(&S, 0, 1 * MS), &b);
        assert_int_equal(S.rq[0].switches, sw + 1);
        assert_int_equal(b.switches_in, 1);
        /* ...unless its cut pressure's boost puts it ahead again (5 ms at the most). */
        assert_int_equal(sched_set_pressure(&S, &a, SCHED_PRESSURE_MAX_BP), SCHED_OK);
        assert_ptr_equal(sched_yield_pick(&S, 0, 2 * MS), &a); /* b yields: 22 ms against 16 */
        assert_ptr_equal(sched_yield_pick(&S, 0, 3 * MS), &a); /* a: 18 ms against 22 */
        assert_int_equal(S.rq[0].switches, sw + 2);
        assert_int_equal(b.run_ns, 1 * MS);
        /* Without pressure it gives way at its next yield. */
        assert_int_equal(sched_set_pressure(&S, &a, 0), SCHED_OK);
        assert_ptr_equal(sched_yield_pick(&S, 0, 4 * MS), &b);
        assert_ptr_equal(sched_current(&S, 0), &b);
}

static void test_next_event_and_clock_step_back(void **state)
{
        struct sched_entity a, r;

        (void)state;
        setup_cpus(1, NULL);
        add(&a, 1, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        assert_int_equal(sched_next_event(&S, 0, 0), 0); /* idle with work: decide now */
        sched_pick(&S, 0, 0);
        assert_int_equal(sched_next_event(&S, 0, 0), S.params.flow_slice_ns);
        sched_tick(&S, 0, 4 * MS);
        assert_int_equal(sched_next_event(&S, 0, 4 * MS), S.params.flow_slice_ns);
        /* A clock stepping back charges nothing. */
        sched_tick(&S, 0, 2 * MS);
        assert_int_equal(a.run_ns, 4 * MS);
        /* Reflex: the timer fires when the budget runs out if that comes first. */
        add(&r, 2, 1, SCHED_MODE_REFLEX, 0, 0, true, 4 * MS);
        r.slice_ns = r.slice_left_ns = 20 * MS;
        assert_true(sched_tick(&S, 0, 4 * MS));
        sched_pick(&S, 0, 4 * MS);
        assert_int_equal(sched_next_event(&S, 0, 4 * MS), 4 * MS + S.params.reflex_budget_ns);
        assert_true(sched_tick(&S, 0, 9 * MS)); /* throttled: Flow runs */
        assert_ptr_equal(sched_pick(&S, 0, 9 * MS), &a);
        /* ... until the Reflex period ends and its budget returns. */
        assert_int_equal(sched_next_event(&S, 0, 9 * MS), 14 * MS);
        assert_true(sched_tick(&S, 0, 14 * MS));
        assert_ptr_equal(sched_pick(&S, 0, 14 * MS), &r);
        assert_int_equal(sched_tick(&S, 5, 0), false);
        assert_null(sched_pick(&S, 5, 0));
}

/* --- random operation sequences keep the queues consistent -------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rng(uint32_t n)
{
        rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
        return (uint32_t)(rng_state >> 33) % n;
}

static void check_invariants(struct sched_entity *e, unsigned n)
{
        unsigned attached = 0, runnable = 0;

        for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
                const struct sched_rq *rq = &S.rq[c];

                assert_true(rq->nr_runnable <= rq->nr_members);
                for (unsigned i = 0; i < rq->nr_members; i++) {
                        assert_int_equal(rq->members[i]->member_idx, i);
                        assert_int_equal(rq->members[i]->cpu, c);
                        assert_int_not_equal(rq->members[i]->state, SCHED_DETACHED);
                }
                for (unsigned i = 0; i < rq->nr_runnable; i++) {
                        assert_int_equal(rq->runnable[i]->runnable_idx, i);
                        assert_int_equal(rq->runnable[i]->state, SCHED_RUNNABLE);
                        assert_int_equal(rq->runnable[i]->cpu, c);
                }
                if (rq->current != NULL) {
                        assert_int_equal(rq->current->state, SCHED_RUNNABLE);
                        assert_int_equal(rq->current->cpu, c);
                }
                attached += rq->nr_members;
                runnable += rq->nr_runnable;
        }
        for (unsigned i = 0; i < n; i++) {
                attached -= e[i].state != SCHED_DETACHED;
                runnable -= e[i].state == SCHED_RUNNABLE;
        }
        assert_int_equal(attached, 0);
        assert_int_equal(runnable, 0);
}

static void test_random_operations_keep_invariants(void **state)
{
        static struct sched_entity e[40];
        uint64_t now = 0;

        (void)state;
        setup_cpus(4, NULL);
        for (unsigned i = 0; i < 40; i++) {
                assert_int_equal(sched_entity_init(&S, &e[i], i + 1, i % 5,
                                                   i % 3 ? SCHED_MODE_FLOW : SCHED_MODE_REFLEX,
                                                   i % 7 ? 0 : 1u << (i % 4)),
                                 SCHED_OK);
        }
        for (unsigned step = 0; step < 200000; step++) {
                struct sched_entity *x = &e[rng(40)];
                unsigned cpu = rng(5); /* 4 is offline: must be refused quietly */
                struct sched_entity *got;

                now += rng(300) * US;
                switch (rng(14)) {
                case 0:
                        sched_add(&S, x, cpu, rng(2), now);
                        break;
                case 1:
                        sched_remove(&S, x, now);
                        break;
                case 2:
                        sched_block(&S, x, now);
                        break;
                case 3:
                        sched_wake(&S, x, now);
                        break;
                case 4:
                        sched_tick(&S, cpu, now);
                        break;
                case 5:
                case 6:
                        got = sched_pick(&S, cpu, now);
                        if (got != NULL) {
                                assert_int_equal(got->cpu, cpu);
                                assert_true((got->affinity >> cpu) & 1u);
                        }
                        break;
                case 7:
                        got = sched_yield_pick(&S, cpu, now);
                        if (got != NULL) {
                                assert_int_equal(got->cpu, cpu);
                                assert_true((got->affinity >> cpu) & 1u);
                                /* After a yield no Flow entity keeps its slice: the choice
                                 * is the best by (class, key, id) of those allowed here,
                                 * by the two-entity path as by the general one. */
                                const struct sched_rq *rq = &S.rq[cpu];
                                for (unsigned k = 0; k < rq->nr_runnable; k++) {
                                        const struct sched_entity *r = rq->runnable[k];
                                        assert_false(r != got && ((r->affinity >> cpu) & 1u) &&
                                                     sched_better(&S, r, got));
                                }
                        }
                        break;
                case 8:
                        sched_set_mode(&S, x, rng(4), now);
                        break;
                case 9:
                        sched_set_pressure(&S, x, rng(12000));
                        break;
                case 10:
                        sched_set_affinity(&S, x, rng(64), now);
                        break;
                case 11:
                        sched_balance(&S, now);
                        break;
                case 12:
                        sched_pull(&S, cpu, now);
                        break;
                default:
                        if (rng(8) == 0) {
                                sched_set_degraded(&S, rng(2));
                        }
                        sched_epoch(&S, now, NULL);
                        break;
                }
                assert_true(sched_next_event(&S, cpu < 4 ? cpu : 0, now) >= now);
                check_invariants(e, 40);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_block_wake_yield, reset_events),
            cmocka_unit_test_setup(test_yield_pick, reset_events),
            cmocka_unit_test_setup(test_yield_between_two, reset_events),
            cmocka_unit_test_setup(test_next_event_and_clock_step_back, reset_events),
            cmocka_unit_test_setup(test_random_operations_keep_invariants, reset_events),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
