/*
 * tests/unit/sched_mode_test.c: sched/'s Reflex and Flow modes: a Reflex wake-up preempts
 * Flow and a Flow one waits for the slice; Reflex wake-up latency stays bounded under Flow
 * saturation and with several Reflex entities; Flow switches less; equal shares, a pressured
 * hog that cannot starve the others, the Reflex budget leaving Flow its share (and running
 * anyway on an idle CPU); a mode change witnessed.
 *
 * Time is simulated: a small single-CPU simulator below plays the kernel (timer interrupt at
 * sched_next_event or at a fixed tick, world switch on sched_pick, guest bursts that block), so
 * every latency and share asserted here is exact simulated nanoseconds, not wall-clock timing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/sched_fixture.h"

/* --- single-CPU simulator --------------------------------------------------------------- */

struct sim_task {
        struct sched_entity e;
        uint64_t burst_ns;  /* 0: always runnable; else runs this long then blocks */
        uint64_t period_ns; /* bursty: wakes every period */
        uint64_t next_wake_ns;
        uint64_t left_ns; /* rest of the current burst */
};

struct sim {
        struct sim_task t[8];
        unsigned n;
        uint64_t now;
        uint64_t tick_ns; /* 0: timer at sched_next_event; else a fixed periodic tick */
        bool honour_wake; /* act at once on sched_wake's answer (reschedule / SGI) */
};

static struct sim_task *sim_task_of(struct sim *sm, struct sched_entity *e)
{
        for (unsigned i = 0; i < sm->n; i++) {
                if (&sm->t[i].e == e) {
                        return &sm->t[i];
                }
        }
        return NULL;
}

static struct sim_task *sim_add(struct sim *sm, uint64_t id, enum sched_mode mode, uint64_t burst,
                                uint64_t period, uint64_t phase)
{
        struct sim_task *t = &sm->t[sm->n++];

        t->burst_ns = burst;
        t->period_ns = period;
        t->next_wake_ns = phase;
        add(&t->e, id, 1, mode, 0, 0, burst == 0, 0);
        return t;
}

static void sim_run(struct sim *sm, uint64_t end)
{
        unsigned guard = 0;

        sched_pick(&S, 0, sm->now);
        while (sm->now < end) {
                struct sched_entity *cur = sched_current(&S, 0);
                struct sim_task *ct = cur ? sim_task_of(sm, cur) : NULL;
                uint64_t t_timer = sm->tick_ns ? (sm->now / sm->tick_ns + 1) * sm->tick_ns
                                               : sched_next_event(&S, 0, sm->now);
                uint64_t t = t_timer;
                bool need_pick = false;

                assert_true(++guard < 10000000);
                if (ct != NULL && ct->burst_ns != 0 && sm->now + ct->left_ns < t) {
                        t = sm->now + ct->left_ns;
                }
                for (unsigned i = 0; i < sm->n; i++) {
                        if (sm->t[i].burst_ns != 0 && sm->t[i].next_wake_ns < t) {
                                t = sm->t[i].next_wake_ns;
                        }
                }
                if (t > end) {
                        t = end;
                }
                if (ct != NULL && ct->burst_ns != 0) {
                        ct->left_ns -= t - sm->now;
                }
                sm->now = t;
                if (ct != NULL && ct->burst_ns != 0 && ct->left_ns == 0) {
                        assert_int_equal(sched_block(&S, cur, sm->now), SCHED_OK);
                        need_pick = true;
                }
                for (unsigned i = 0; i < sm->n; i++) {
                        struct sim_task *w = &sm->t[i];

                        if (w->burst_ns == 0 || w->next_wake_ns > sm->now) {
                                continue;
                        }
                        w->next_wake_ns += w->period_ns;
                        if (w->e.state == SCHED_BLOCKED) {
                                w->left_ns = w->burst_ns;
                                if (sched_wake(&S, &w->e, sm->now) && sm->honour_wake) {
                                        need_pick = true;
                                }
                        }
                }
                if (sm->now == t_timer && sched_tick(&S, 0, sm->now)) {
                        need_pick = true;
                }
                if (need_pick) {
                        sched_pick(&S, 0, sm->now);
                }
        }
}

/* --- modes ------------------------------------------------------------------------------- */

static void test_reflex_wake_preempts_flow_and_flow_does_not(void **state)
{
        struct sched_entity hog, r, f;

        (void)state;
        setup_cpus(1, NULL);
        add(&hog, 1, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&r, 2, 2, SCHED_MODE_REFLEX, 0, 0, false, 0);
        add(&f, 3, 3, SCHED_MODE_FLOW, 0, 0, false, 0);
        assert_ptr_equal(sched_pick(&S, 0, 0), &hog);
        /* A Flow wake-up, even with maximum pressure, waits for the end of the slice. */
        sched_set_pressure(&S, &f, SCHED_PRESSURE_MAX_BP);
        assert_false(sched_wake(&S, &f, 1 * MS));
        assert_false(sched_tick(&S, 0, 2 * MS));
        assert_ptr_equal(sched_pick(&S, 0, 2 * MS), &hog);
        /* A Reflex wake-up asks for the CPU at once. */
        assert_true(sched_wake(&S, &r, 3 * MS));
        assert_ptr_equal(sched_pick(&S, 0, 3 * MS), &r);
        assert_int_equal(r.last_wake_latency_ns, 0);
        /* Once r blocks, the pressured Flow entity gets the CPU before the hog. */
        assert_int_equal(sched_block(&S, &r, 3 * MS + 50 * US), SCHED_OK);
        assert_ptr_equal(sched_pick(&S, 0, 3 * MS + 50 * US), &f);
        assert_int_equal(f.last_wake_latency_ns, 2 * MS + 50 * US);
}

static void run_latency_sim(enum sched_mode mode, uint64_t tick, bool honour, uint64_t *max_lat,
                            uint64_t *wakeups)
{
        static struct sim sm;

        memset(&sm, 0, sizeof(sm));
        setup_cpus(1, NULL);
        sm.tick_ns = tick;
        sm.honour_wake = honour;
        /* Three Flow partitions saturate the CPU; one latency-critical task wakes every 3.7 ms
         * for 100 µs of work. */
        sim_add(&sm, 1, SCHED_MODE_FLOW, 0, 0, 0);
        sim_add(&sm, 2, SCHED_MODE_FLOW, 0, 0, 0);
        sim_add(&sm, 3, SCHED_MODE_FLOW, 0, 0, 0);
        struct sim_task *rt = sim_add(&sm, 4, mode, 100 * US, 3700 * US, 1234 * US);
        sim_run(&sm, 1000 * MS);
        *max_lat = rt->e.max_wake_latency_ns;
        *wakeups = rt->e.wakeups;
}

static void test_reflex_wake_latency_bounded_under_flow_saturation(void **state)
{
        uint64_t lat, wakeups;

        (void)state;
        /* Kernel acts on sched_wake's answer: the Reflex task runs the instant it wakes. */
        run_latency_sim(SCHED_MODE_REFLEX, 0, true, &lat, &wakeups);
        assert_true(wakeups > 250);
        assert_int_equal(lat, 0);
        /* Kernel only reacts at a 1 ms periodic tick: bounded by the tick period. */
        run_latency_sim(SCHED_MODE_REFLEX, 1 * MS, false, &lat, &wakeups);
        assert_true(wakeups > 250);
        assert_true(lat <= 1 * MS);
        /* The same task in Flow mode waits behind the saturating slices. */
        run_latency_sim(SCHED_MODE_FLOW, 0, true, &lat, &wakeups);
        assert_true(lat > S.params.flow_slice_ns);
}

static void test_reflex_latency_bound_with_several_reflex(void **state)
{
        static struct sim sm;

        (void)state;
        memset(&sm, 0, sizeof(sm));
        setup_cpus(1, NULL);
        sm.honour_wake = true;
        sim_add(&sm, 1, SCHED_MODE_FLOW, 0, 0, 0);
        /* Three Reflex tasks waking at the same instants: the last waits for the other two,
         * each at most one Reflex slice: bound = 2 * reflex_slice_ns. */
        struct sim_task *r1 = sim_add(&sm, 2, SCHED_MODE_REFLEX, 400 * US, 5 * MS, 1 * MS);
        struct sim_task *r2 = sim_add(&sm, 3, SCHED_MODE_REFLEX, 400 * US, 5 * MS, 1 * MS);
        struct sim_task *r3 = sim_add(&sm, 4, SCHED_MODE_REFLEX, 400 * US, 5 * MS, 1 * MS);
        sim_run(&sm, 200 * MS);
        uint64_t worst = r1->e.max_wake_latency_ns;
        worst = r2->e.max_wake_latency_ns > worst ? r2->e.max_wake_latency_ns : worst;
        worst = r3->e.max_wake_latency_ns > worst ? r3->e.max_wake_latency_ns : worst;
        assert_true(worst > 0);
        assert_true(worst <= 2 * S.params.reflex_slice_ns);
}

static uint64_t switches_of_two_hogs(enum sched_mode mode)
{
        static struct sim sm;

        memset(&sm, 0, sizeof(sm));
        setup_cpus(1, NULL);
        struct sim_task *a = sim_add(&sm, 1, mode, 0, 0, 0);
        struct sim_task *b = sim_add(&sm, 2, mode, 0, 0, 0);
        a->e.budget_ns = b->e.budget_ns = 0; /* compare slicing alone */
        sim_run(&sm, 100 * MS);
        assert_true(a->e.run_ns + b->e.run_ns == 100 * MS);
        return S.rq[0].switches;
}

static void test_flow_switches_less_than_reflex(void **state)
{
        (void)state;
        uint64_t flow = switches_of_two_hogs(SCHED_MODE_FLOW);
        uint64_t reflex = switches_of_two_hogs(SCHED_MODE_REFLEX);

        /* 100 ms / 10 ms Flow slices; 100 ms / 0.5 ms Reflex slices. */
        assert_in_range(flow, 9, 11);
        assert_in_range(reflex, 195, 201);
}

static void test_fairness_same_mode(void **state)
{
        static struct sim sm;

        (void)state;
        memset(&sm, 0, sizeof(sm));
        setup_cpus(1, NULL);
        struct sim_task *a = sim_add(&sm, 1, SCHED_MODE_FLOW, 0, 0, 0);
        struct sim_task *b = sim_add(&sm, 2, SCHED_MODE_FLOW, 0, 0, 0);
        struct sim_task *c = sim_add(&sm, 3, SCHED_MODE_FLOW, 0, 0, 0);
        sim_run(&sm, 990 * MS);
        /* Equal shares within one slice. */
        assert_in_range(a->e.run_ns, 320 * MS, 340 * MS);
        assert_in_range(b->e.run_ns, 320 * MS, 340 * MS);
        assert_in_range(c->e.run_ns, 320 * MS, 340 * MS);
}

static void test_pressured_hog_cannot_starve(void **state)
{
        static struct sim sm;

        (void)state;
        memset(&sm, 0, sizeof(sm));
        setup_cpus(1, NULL);
        struct sim_task *a = sim_add(&sm, 1, SCHED_MODE_FLOW, 0, 0, 0);
        struct sim_task *b = sim_add(&sm, 2, SCHED_MODE_FLOW, 0, 0, 0);
        struct sim_task *c = sim_add(&sm, 3, SCHED_MODE_FLOW, 0, 0, 0);
        sched_set_pressure(&S, &a->e, SCHED_PRESSURE_MAX_BP);
        sim_run(&sm, 1000 * MS);
        /* The boost is bounded (max_boost_ns), deadlines keep moving: B and C keep running. */
        assert_true(a->e.run_ns > b->e.run_ns);
        assert_true(b->e.run_ns >= 250 * MS);
        assert_true(c->e.run_ns >= 250 * MS);
}

static void test_reflex_hog_budget_leaves_flow_its_share(void **state)
{
        static struct sim sm;
        struct sched_epoch_summary sum;

        (void)state;
        memset(&sm, 0, sizeof(sm));
        setup_cpus(1, NULL);
        struct sim_task *hog = sim_add(&sm, 1, SCHED_MODE_REFLEX, 0, 0, 0);
        struct sim_task *flow = sim_add(&sm, 2, SCHED_MODE_FLOW, 0, 0, 0);
        sim_run(&sm, 1000 * MS);
        /* Reflex budget 5 ms per 10 ms period: the spinning Reflex entity gets about half. */
        assert_in_range(hog->e.run_ns, 480 * MS, 520 * MS);
        assert_in_range(flow->e.run_ns, 480 * MS, 520 * MS);
        sched_epoch(&S, sm.now, &sum);
        assert_true(sum.throttles >= 90);
        assert_int_equal(SCHED_EPOCH_THROTTLES(sum.payload), 63); /* saturated field */
}

static void test_throttled_reflex_still_runs_on_idle_cpu(void **state)
{
        static struct sim sm;

        (void)state;
        memset(&sm, 0, sizeof(sm));
        setup_cpus(1, NULL);
        struct sim_task *hog = sim_add(&sm, 1, SCHED_MODE_REFLEX, 0, 0, 0);
        sim_run(&sm, 100 * MS);
        assert_int_equal(hog->e.run_ns, 100 * MS); /* work-conserving */
}

static void test_mode_change_witnessed(void **state)
{
        struct sched_entity e;

        (void)state;
        setup_cpus(1, NULL);
        add(&e, 42, 5, SCHED_MODE_FLOW, 0, 0, true, 0);
        assert_int_equal(e.slice_ns, S.params.flow_slice_ns);
        assert_int_equal(sched_set_mode(&S, &e, SCHED_MODE_REFLEX, 1 * MS), SCHED_OK);
        assert_int_equal(e.mode, SCHED_MODE_REFLEX);
        assert_int_equal(e.slice_ns, S.params.reflex_slice_ns);
        assert_int_equal(e.budget_ns, S.params.reflex_budget_ns);
        assert_int_equal(nr_events, 1);
        assert_int_equal(events[0].kind, WK_SCHED_MODE);
        assert_int_equal(events[0].actor, 5);
        assert_int_equal(events[0].target, 42);
        assert_int_equal(events[0].payload, SCHED_MODE_PAYLOAD(SCHED_MODE_FLOW, SCHED_MODE_REFLEX,
                                                               SCHED_MODE_SCOPE_ENTITY));
        /* Same mode: nothing to witness. Invalid: refused, nothing witnessed. */
        assert_int_equal(sched_set_mode(&S, &e, SCHED_MODE_REFLEX, 1 * MS), SCHED_OK);
        assert_int_equal(sched_set_mode(&S, &e, 0xFFFFFFFFu, 1 * MS), SCHED_E_INVAL);
        assert_int_equal(nr_events, 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_reflex_wake_preempts_flow_and_flow_does_not, reset_events),
            cmocka_unit_test_setup(test_reflex_wake_latency_bounded_under_flow_saturation,
                                   reset_events),
            cmocka_unit_test_setup(test_reflex_latency_bound_with_several_reflex, reset_events),
            cmocka_unit_test_setup(test_flow_switches_less_than_reflex, reset_events),
            cmocka_unit_test_setup(test_fairness_same_mode, reset_events),
            cmocka_unit_test_setup(test_pressured_hog_cannot_starve, reset_events),
            cmocka_unit_test_setup(test_reflex_hog_budget_leaves_flow_its_share, reset_events),
            cmocka_unit_test_setup(test_throttled_reflex_still_runs_on_idle_cpu, reset_events),
            cmocka_unit_test_setup(test_mode_change_witnessed, reset_events),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
