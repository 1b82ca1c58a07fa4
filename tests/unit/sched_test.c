/*
 * Host unit tests of sched/: the 2-signal priority (DC-4) with pressure reordering the queue,
 * degraded mode (DC-6), Reflex versus Flow behaviour, bounded Reflex wake-up latency, fairness,
 * Reflex budgets, SMP balancing and affinity, and the witnessed epoch summary (DC-10).
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

#include "sched/sched.h"
#include "sched/sched_witness.h"

#define US 1000ull
#define MS 1000000ull

/* --- fake witness log ------------------------------------------------------------------- */

#define MAX_EVENTS 64
static struct witness_event events[MAX_EVENTS];
static unsigned nr_events;

void witness_emit(const struct witness_event *ev)
{
        if (nr_events < MAX_EVENTS) {
                events[nr_events] = *ev;
        }
        nr_events++;
}

static unsigned count_kind(uint16_t kind)
{
        unsigned n = 0;

        for (unsigned i = 0; i < nr_events && i < MAX_EVENTS; i++) {
                n += events[i].kind == kind;
        }
        return n;
}

static int reset_events(void **state)
{
        (void)state;
        memset(events, 0, sizeof(events));
        nr_events = 0;
        return 0;
}

/* --- helpers ---------------------------------------------------------------------------- */

static struct sched S; /* ~9 KiB: static, not on the test stack */

static void setup_cpus(unsigned n, const struct sched_params *p)
{
        assert_int_equal(sched_init(&S, p, 0), SCHED_OK);
        for (unsigned c = 0; c < n; c++) {
                assert_int_equal(sched_cpu_init(&S, c, 0), SCHED_OK);
        }
}

static void add(struct sched_entity *e, uint64_t id, uint32_t part, enum sched_mode mode,
                uint64_t affinity, unsigned cpu, bool runnable, uint64_t now)
{
        assert_int_equal(sched_entity_init(&S, e, id, part, mode, affinity), SCHED_OK);
        assert_int_equal(sched_add(&S, e, cpu, runnable, now), SCHED_OK);
}

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

/* --- DC-10 ------------------------------------------------------------------------------- */

static void test_epoch_emits_one_summary(void **state)
{
        struct sched_entity a, b, c;
        struct sched_epoch_summary sum;

        (void)state;
        setup_cpus(2, NULL);
        add(&a, 1, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&b, 2, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&c, 3, 1, SCHED_MODE_FLOW, 0, 0, false, 0);
        sched_pick(&S, 0, 0);
        sched_tick(&S, 0, 10 * MS);
        sched_pick(&S, 0, 10 * MS);  /* a -> b */
        sched_wake(&S, &c, 12 * MS); /* pushed to idle CPU 1 */
        sched_pick(&S, 1, 12 * MS);
        assert_int_equal(nr_events, 0); /* no record per switch */
        sched_epoch(&S, 15 * MS, &sum);
        assert_int_equal(nr_events, 1);
        assert_int_equal(events[0].kind, WK_SCHED_EPOCH);
        assert_int_equal(events[0].actor, 0);
        assert_int_equal(events[0].target, 1);
        assert_int_equal(events[0].payload, sum.payload);
        assert_int_equal(sum.switches, 3);
        assert_int_equal(sum.busy_ns, 15 * MS + 3 * MS);
        assert_int_equal(sum.migrations, 1);
        assert_int_equal(sum.runnable, 3);
        assert_int_equal(sum.duration_ns, 15 * MS);
        assert_int_equal(SCHED_EPOCH_SWITCHES(sum.payload), 3);
        assert_int_equal(SCHED_EPOCH_BUSY_US(sum.payload), 18000);
        assert_int_equal(SCHED_EPOCH_MIGRATIONS(sum.payload), 1);
        assert_int_equal(SCHED_EPOCH_RUNNABLE(sum.payload), 3);
        assert_int_equal(SCHED_EPOCH_DEGRADED(sum.payload), 0);
        /* The next epoch starts from zero and carries the degraded flag. */
        sched_set_degraded(&S, true);
        sched_epoch(&S, 20 * MS, &sum);
        assert_int_equal(count_kind(WK_SCHED_EPOCH), 2);
        assert_int_equal(sum.seq, 2);
        assert_int_equal(sum.switches, 0);
        assert_int_equal(sum.migrations, 0);
        assert_int_equal(sum.busy_ns, 10 * MS);
        assert_int_equal(SCHED_EPOCH_DEGRADED(sum.payload), 1);
        assert_int_equal(events[nr_events - 1].target, 2);
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
            cmocka_unit_test_setup(test_init_and_validation, reset_events),
            cmocka_unit_test_setup(test_queue_capacity, reset_events),
            cmocka_unit_test_setup(test_boost_units, reset_events),
            cmocka_unit_test_setup(test_pressure_reorders_run_queue, reset_events),
            cmocka_unit_test_setup(test_pressure_preempts_running_reflex, reset_events),
            cmocka_unit_test_setup(test_degraded_mode_ignores_pressure, reset_events),
            cmocka_unit_test_setup(test_partition_pressure, reset_events),
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
            cmocka_unit_test_setup(test_block_wake_yield, reset_events),
            cmocka_unit_test_setup(test_yield_pick, reset_events),
            cmocka_unit_test_setup(test_next_event_and_clock_step_back, reset_events),
            cmocka_unit_test_setup(test_balance_deterministic_with_threshold_and_affinity,
                                   reset_events),
            cmocka_unit_test_setup(test_balance_moves_least_urgent_waiters, reset_events),
            cmocka_unit_test_setup(test_balance_respects_affinity_when_all_pinned, reset_events),
            cmocka_unit_test_setup(test_idle_cpu_pulls_most_urgent, reset_events),
            cmocka_unit_test_setup(test_wake_pushes_to_idle_cpu, reset_events),
            cmocka_unit_test_setup(test_affinity_change, reset_events),
            cmocka_unit_test_setup(test_epoch_emits_one_summary, reset_events),
            cmocka_unit_test_setup(test_random_operations_keep_invariants, reset_events),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
