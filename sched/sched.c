/*
 * Entities, per-CPU run queues and the per-CPU decisions: the 2-signal ordering (DC-4), Reflex
 * and Flow behaviour, run-time accounting, slice and budget expiry, and the timer deadline.
 * (Block/wake/pressure/affinity are in state.c, SMP balancing in balance.c, witnesses in
 * epoch.c.)
 *
 * Policy in one paragraph: each CPU runs the best runnable entity by (class, effective deadline,
 * id). Classes: Reflex with budget left, then Flow, then Reflex that exhausted its budget this
 * period (so a Reflex hog cannot starve Flow, yet the CPU never idles while work exists). The
 * effective deadline is deadline - boost, where the boost is the cut pressure converted to ns.
 * Deadlines are renewed to now + rel_deadline at every wake and slice expiry, so an entity that
 * keeps running keeps moving its deadline behind the others' (no starvation within a class).
 * A running Flow entity keeps the CPU until its slice ends even if another Flow entity becomes
 * more urgent (fewer switches); a running Reflex entity is preempted as soon as a better one is
 * runnable, and any eligible Reflex entity preempts Flow at once (bounded wake-up latency).
 */
#include "sched/sched.h"

#include <string.h>

#include "sched/sched_internal.h"

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull

/* Largest max_boost_ns accepted: keeps pressure_bp * max_boost_ns far from overflow. */
#define SCHED_MAX_BOOST_LIMIT_NS (1000ull * 1000 * NS_PER_MS)

void sched_params_default(struct sched_params *p)
{
        p->reflex_slice_ns = 500 * NS_PER_US;
        p->reflex_deadline_ns = 1 * NS_PER_MS;
        p->reflex_budget_ns = 5 * NS_PER_MS;
        p->reflex_period_ns = 10 * NS_PER_MS;
        p->flow_slice_ns = 10 * NS_PER_MS;
        p->flow_deadline_ns = 20 * NS_PER_MS;
        p->max_boost_ns = 5 * NS_PER_MS;
        p->balance_threshold = 1;
        p->wake_balance = true;
        p->home_slack = 2;
}

static bool params_valid(const struct sched_params *p)
{
        if (p->reflex_slice_ns == 0 || p->reflex_deadline_ns == 0 || p->flow_slice_ns == 0 ||
            p->flow_deadline_ns == 0) {
                return false;
        }
        if (p->reflex_budget_ns != 0 &&
            (p->reflex_period_ns == 0 || p->reflex_budget_ns > p->reflex_period_ns)) {
                return false;
        }
        /* threshold 0 would let balancing swap two CPUs' loads forever. */
        return p->max_boost_ns <= SCHED_MAX_BOOST_LIMIT_NS && p->balance_threshold >= 1;
}

enum sched_err sched_init(struct sched *s, const struct sched_params *params, uint64_t now)
{
        struct sched_params p;

        if (params == NULL) {
                sched_params_default(&p);
        } else {
                p = *params;
        }
        if (!params_valid(&p)) {
                return SCHED_E_INVAL;
        }
        memset(s, 0, sizeof(*s));
        s->params = p;
        s->epoch_start_ns = now;
        return SCHED_OK;
}

enum sched_err sched_cpu_init(struct sched *s, unsigned cpu, uint64_t now)
{
        if (cpu >= SCHED_MAX_CPUS) {
                return SCHED_E_INVAL;
        }
        if (s->rq[cpu].online) {
                return SCHED_E_STATE;
        }
        memset(&s->rq[cpu], 0, sizeof(s->rq[cpu]));
        s->rq[cpu].online = true;
        s->rq[cpu].last_account_ns = now;
        s->rq[cpu].last_tick_ns = now;
        s->nr_online++;
        return SCHED_OK;
}

void sched_apply_mode(const struct sched *s, struct sched_entity *e, enum sched_mode mode,
                      uint64_t now)
{
        const struct sched_params *p = &s->params;

        e->mode = (uint8_t)mode;
        if (mode == SCHED_MODE_REFLEX) {
                e->rel_deadline_ns = p->reflex_deadline_ns;
                e->slice_ns = p->reflex_slice_ns;
                e->budget_ns = p->reflex_budget_ns;
                e->period_ns = p->reflex_period_ns;
        } else {
                e->rel_deadline_ns = p->flow_deadline_ns;
                e->slice_ns = p->flow_slice_ns;
                e->budget_ns = 0;
                e->period_ns = 0;
        }
        if (e->slice_left_ns == 0 || e->slice_left_ns > e->slice_ns) {
                e->slice_left_ns = e->slice_ns;
        }
        e->budget_left_ns = e->budget_ns;
        e->period_end_ns = now + e->period_ns;
}

enum sched_err sched_entity_init(struct sched *s, struct sched_entity *e, uint64_t id,
                                 uint32_t partition, enum sched_mode mode, uint64_t affinity)
{
        if (mode != SCHED_MODE_REFLEX && mode != SCHED_MODE_FLOW) {
                return SCHED_E_INVAL;
        }
        if (affinity == 0) {
                affinity = sched_all_cpus_mask();
        }
        affinity &= sched_all_cpus_mask();
        if (affinity == 0) {
                return SCHED_E_INVAL;
        }
        memset(e, 0, sizeof(*e));
        e->id = id;
        e->partition = partition;
        e->affinity = affinity;
        e->state = SCHED_DETACHED;
        e->home = SCHED_HOME_NONE;
        sched_apply_mode(s, e, mode, 0);
        return SCHED_OK;
}

void sched_move(struct sched *s, struct sched_entity *e, unsigned dst)
{
        struct sched_rq *from = &s->rq[e->cpu];
        struct sched_rq *to = &s->rq[dst];

        rq_detach(from, e);
        if (e->state == SCHED_RUNNABLE) {
                rq_dequeue(from, e);
        }
        e->cpu = (uint16_t)dst;
        rq_attach(to, e);
        if (e->state == SCHED_RUNNABLE) {
                rq_enqueue(to, e);
        }
        s->migrations++;
        s->epoch_migrations++;
}

/* See sched_internal.h. */
int sched_find_home(const struct sched *s, const struct sched_entity *e, int exclude)
{
        int best = -1;

        if (SCHED_MAX_CPUS == 1 && exclude == 0) {
                return -1; /* the one CPU is the one excluded */
        }
        for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
                if ((int)c == exclude || !s->rq[c].online || !sched_allowed(e, c) ||
                    s->rq[c].nr_members >= SCHED_RQ_CAPACITY) {
                        continue;
                }
                if (best < 0 || sched_load(s, c) < sched_load(s, (unsigned)best)) {
                        best = (int)c;
                }
        }
        return best;
}

/* --- attach / detach --------------------------------------------------------------------- */

enum sched_err sched_add(struct sched *s, struct sched_entity *e, unsigned cpu, bool runnable,
                         uint64_t now)
{
        struct sched_rq *rq;

        if (e->state != SCHED_DETACHED) {
                return SCHED_E_STATE;
        }
        if (cpu >= SCHED_MAX_CPUS) {
                return SCHED_E_INVAL;
        }
        if (!s->rq[cpu].online) {
                return SCHED_E_OFFLINE;
        }
        if (!sched_allowed(e, cpu)) {
                return SCHED_E_AFFINITY;
        }
        rq = &s->rq[cpu];
        if (rq->nr_members >= SCHED_RQ_CAPACITY) {
                return SCHED_E_FULL;
        }
        e->cpu = (uint16_t)cpu;
        fresh_deadline(e, now);
        e->budget_left_ns = e->budget_ns;
        e->period_end_ns = now + e->period_ns;
        e->wake_pending = false;
        rq_attach(rq, e);
        if (runnable) {
                e->state = SCHED_RUNNABLE;
                rq_enqueue(rq, e);
        } else {
                e->state = SCHED_BLOCKED;
        }
        return SCHED_OK;
}

enum sched_err sched_remove(struct sched *s, struct sched_entity *e, uint64_t now)
{
        struct sched_rq *rq;

        if (e->state == SCHED_DETACHED) {
                return SCHED_E_STATE;
        }
        rq = &s->rq[e->cpu];
        if (rq->current == e) {
                sched_account(s, rq, now);
                rq->current = NULL;
                rq->need_resched = true;
        }
        if (e->state == SCHED_RUNNABLE) {
                rq_dequeue(rq, e);
        }
        rq_detach(rq, e);
        e->state = SCHED_DETACHED;
        e->wake_pending = false;
        return SCHED_OK;
}

/* --- the two signals --------------------------------------------------------------------- */

uint64_t sched_boost_ns(const struct sched *s, const struct sched_entity *e)
{
        /* DC-6: without a coherence engine the pressure values are stale or absent. */
        if (s->degraded) {
                return 0;
        }
        return (uint64_t)e->pressure_bp * s->params.max_boost_ns / SCHED_PRESSURE_MAX_BP;
}

int64_t sched_priority(const struct sched *s, const struct sched_entity *e, uint64_t now)
{
        int64_t urgency = (int64_t)now - (int64_t)e->deadline_ns;

        return urgency + (int64_t)sched_boost_ns(s, e);
}

enum sched_class sched_class_of(const struct sched_entity *e)
{
        if (e->mode == SCHED_MODE_FLOW) {
                return SCHED_CLASS_FLOW;
        }
        if (e->budget_ns != 0 && e->budget_left_ns == 0) {
                return SCHED_CLASS_THROTTLED;
        }
        return SCHED_CLASS_REFLEX;
}

bool sched_better(const struct sched *s, const struct sched_entity *a, const struct sched_entity *b)
{
        enum sched_class ca = sched_class_of(a);
        enum sched_class cb = sched_class_of(b);
        uint64_t ka;
        uint64_t kb;

        if (ca != cb) {
                return ca < cb;
        }
        ka = sched_key(s, a);
        kb = sched_key(s, b);
        if (ka != kb) {
                return ka < kb;
        }
        return a->id < b->id;
}

/* --- accounting -------------------------------------------------------------------------- */

void sched_account(struct sched *s, struct sched_rq *rq, uint64_t now)
{
        rq_account(s, rq, now);
}

/* --- decisions --------------------------------------------------------------------------- */

/* sched_choose, inline where a switch needs it (pick_charged). */
static inline struct sched_entity *choose(struct sched *s, struct sched_rq *rq, unsigned cpu,
                                          uint64_t now)
{
        struct sched_entity *best = NULL;
        struct sched_entity *cur = rq->current;
        enum sched_class best_class = SCHED_CLASS_THROTTLED;
        uint64_t best_key = 0;

        /* One runnable entity, the running one or none running (a wait just blocked it: the
         * IPC path): it is the choice if it may run here, whatever its class and key. */
        if (rq->nr_runnable == 1 && (cur == NULL || cur == rq->runnable[0])) {
                best = rq->runnable[0];
                replenish(best, now);
                return sched_allowed(best, cpu) ? best : NULL;
        }
        /* The order of sched_better, with the best entity's class and key kept in registers:
         * this loop is the hot path of every tick, wake and pick. */
        for (unsigned i = 0; i < rq->nr_runnable; i++) {
                struct sched_entity *e = rq->runnable[i];
                enum sched_class c;
                uint64_t k;

                replenish(e, now);
                if (!sched_allowed(e, cpu)) {
                        continue; /* the running one after an affinity change: moves at pick */
                }
                c = sched_class_of(e);
                k = sched_key(s, e);
                if (best == NULL || c < best_class ||
                    (c == best_class && (k < best_key || (k == best_key && e->id < best->id)))) {
                        best = e;
                        best_class = c;
                        best_key = k;
                }
        }
        /* Flow trades latency for throughput: no preemption by Flow in the middle of a slice. */
        if (cur != NULL && best != NULL && best != cur && !rq->need_resched &&
            sched_allowed(cur, cpu) && cur->mode == SCHED_MODE_FLOW &&
            best_class == SCHED_CLASS_FLOW) {
                return cur;
        }
        return best;
}

struct sched_entity *sched_choose(struct sched *s, struct sched_rq *rq, unsigned cpu, uint64_t now)
{
        return choose(s, rq, cpu, now);
}

bool sched_tick(struct sched *s, unsigned cpu, uint64_t now)
{
        struct sched_rq *rq;

        if (!sched_cpu_valid(s, cpu)) {
                return false;
        }
        rq = &s->rq[cpu];
        sched_account(s, rq, now);
        /* CPU need: who waited runnable since the last tick (not after a yield) is charged
         * the interval; the running one has run, so a yield of its is behind it. */
        if (now > rq->last_tick_ns) {
                const uint64_t waited = now - rq->last_tick_ns;
                for (unsigned i = 0; i < rq->nr_runnable; i++) {
                        struct sched_entity *e = rq->runnable[i];
                        if (e != rq->current && !e->yielded) {
                                e->epoch_wait_ns += waited;
                        }
                }
        }
        rq->last_tick_ns = now;
        if (rq->current != NULL) {
                rq->current->yielded = false;
        }
        if (sched_choose(s, rq, cpu, now) == rq->current) {
                rq->need_resched = false; /* re-elected: keeps the CPU with its new slice */
                return false;
        }
        return true;
}

/* next becomes rq's current in place of prev (next != prev): the switch's counters and the
 * wake-up latency. */
static inline void switch_counted(struct sched_rq *rq, struct sched_entity *next, uint64_t now)
{
        rq->current = next;
        if (next != NULL) {
                next->switches_in++;
                rq->switches++; /* the epoch's: since epoch_switches_base */
                if (next->wake_pending) {
                        uint64_t lat = now - next->wake_ns;

                        next->wake_pending = false;
                        next->last_wake_latency_ns = lat;
                        if (lat > next->max_wake_latency_ns) {
                                next->max_wake_latency_ns = lat;
                        }
                }
        }
}

/* sched_pick once the run queue is charged up to now. Out of line: inlined into pick_at, LLVM
 * made the yield path ~20 instructions longer (make bench, vcpu_switch). */
static __attribute__((noinline)) struct sched_entity *pick_charged(struct sched *s,
                                                                   struct sched_rq *rq,
                                                                   unsigned cpu, uint64_t now)
{
        struct sched_entity *prev = rq->current;
        struct sched_entity *next = choose(s, rq, cpu, now);

        rq->need_resched = false;
        if (next != prev) {
                switch_counted(rq, next, now);
                /* A previous entity that may no longer run here goes to a CPU it may use. */
                if (SCHED_MAX_CPUS > 1 && prev != NULL && prev->state == SCHED_RUNNABLE &&
                    !sched_allowed(prev, cpu)) {
                        int home = sched_find_home(s, prev, (int)cpu);

                        if (home >= 0) {
                                sched_move(s, prev, (unsigned)home);
                        }
                }
        }
        return next;
}

/* The class of sched_class_of, inline for the yield's choice between two. */
static inline enum sched_class class_of(const struct sched_entity *e)
{
        if (e->mode == SCHED_MODE_FLOW) {
                return SCHED_CLASS_FLOW;
        }
        return e->budget_ns != 0 && e->budget_left_ns == 0 ? SCHED_CLASS_THROTTLED
                                                           : SCHED_CLASS_REFLEX;
}

#ifdef __OPTIMIZE_SIZE__
#define SCHED_SIZE_BUILD 1
#else
#define SCHED_SIZE_BUILD 0
#endif

/*
 * A yield with one other entity runnable here (a ping-pong between two vCPUs on a CPU): the
 * choice of choose() between the two, without its loop. Both may run here (else NULL: the
 * caller takes the general path); the yielder's need_resched is set, so choose()'s rule that
 * keeps a Flow entity for the rest of its slice does not apply, and the better of the two by
 * (class, key, id) is what choose() returns whatever their order in the array.
 */
static inline __attribute__((always_inline)) struct sched_entity *yield_choose2(
    const struct sched *s, struct sched_rq *rq, struct sched_entity *cur, unsigned cpu,
    uint64_t now)
{
        struct sched_entity *o = rq->runnable[cur->runnable_idx ^ 1u];

        if (!sched_allowed(cur, cpu) || !sched_allowed(o, cpu)) {
                return NULL;
        }
        replenish(cur, now);
        replenish(o, now);
        /* Two Flow entities are of one class; only otherwise are the classes worked out. */
        if (cur->mode != SCHED_MODE_FLOW || o->mode != SCHED_MODE_FLOW) {
                enum sched_class cc = class_of(cur), co = class_of(o);
                if (cc != co) {
                        return co < cc ? o : cur;
                }
        }
        /* Without cut pressure on either, the keys differ by their deadlines alone (sched_key
         * adds the same max_boost to both, and it never wraps). */
        uint64_t kc = cur->deadline_ns, ko = o->deadline_ns;
        if ((cur->pressure_bp | o->pressure_bp) != 0) {
                kc = sched_key(s, cur);
                ko = sched_key(s, o);
        }
        if (kc != ko) {
                return ko < kc ? o : cur;
        }
        return o->id < cur->id ? o : cur;
}

/* sched_pick on rq, charged up to now; with yield, the current entity first gives up the rest
 * of its slice. */
#if SCHED_SIZE_BUILD
#define PICK_RQ static inline /* one copy, if the compiler sees fit */
#else
#define PICK_RQ static inline __attribute__((always_inline)) /* a copy for a yield */
#endif
PICK_RQ struct sched_entity *pick_rq(struct sched *s, struct sched_rq *rq, unsigned cpu,
                                     uint64_t now, bool yield)
{
        if (!yield || rq->current == NULL) {
                rq_account(s, rq, now);
        } else {
                struct sched_entity *cur = rq->current;

                /* Charged; what is left of its slice does not matter: a new one follows. (A
                 * build for size keeps one copy of the charge: rq_account's.) */
                if (SCHED_SIZE_BUILD) {
                        rq_account(s, rq, now);
                } else {
                        (void)rq_charge(s, rq, now);
                }
                cur->yielded = true;      /* its wait is not need (sched_tick) */
                fresh_deadline(cur, now); /* behind whoever else is runnable */
                /* (A build for size, the Seed, takes the general path: the same choice.) */
                if (!SCHED_SIZE_BUILD && rq->nr_runnable == 2 && cur->state == SCHED_RUNNABLE) {
                        struct sched_entity *next = yield_choose2(s, rq, cur, cpu, now);

                        if (next != NULL) {
                                rq->need_resched = false; /* (the charge may have set it) */
                                if (next != cur) {
                                        switch_counted(rq, next, now);
                                }
                                return next;
                        }
                }
                rq->need_resched = true; /* even Flow gives way: it asked to */
        }
        return pick_charged(s, rq, cpu, now);
}

struct sched_entity *sched_pick(struct sched *s, unsigned cpu, uint64_t now)
{
        return sched_cpu_valid(s, cpu) ? pick_rq(s, &s->rq[cpu], cpu, now, false) : NULL;
}

/* Out of line with the run queue in a register (GCC otherwise computes its address three
 * times over in sched_yield_pick), and its own copy of pick_rq for a yield (a build for size
 * leaves both to the compiler). */
#if !SCHED_SIZE_BUILD
__attribute__((noinline))
#endif
struct sched_entity *
sched_yield_pick_rq(struct sched *s, struct sched_rq *rq, unsigned cpu, uint64_t now)
{
        return pick_rq(s, rq, cpu, now, true);
}

struct sched_entity *sched_yield_pick(struct sched *s, unsigned cpu, uint64_t now)
{
        return sched_cpu_valid(s, cpu) ? sched_yield_pick_rq(s, &s->rq[cpu], cpu, now) : NULL;
}

uint64_t sched_next_event(const struct sched *s, unsigned cpu, uint64_t now)
{
        const struct sched_rq *rq;
        const struct sched_entity *cur;
        uint64_t t = SCHED_TIME_NEVER;

        if (!sched_cpu_valid(s, cpu)) {
                return SCHED_TIME_NEVER;
        }
        rq = &s->rq[cpu];
        cur = rq->current;
        if (cur == NULL) {
                for (unsigned i = 0; i < rq->nr_runnable; i++) {
                        if (sched_allowed(rq->runnable[i], cpu)) {
                                return now; /* work waiting on an idle CPU: decide now */
                        }
                }
        }
        if (cur != NULL) {
                t = rq->last_account_ns + cur->slice_left_ns;
                if (cur->budget_ns != 0 && cur->budget_left_ns != 0 &&
                    rq->last_account_ns + cur->budget_left_ns < t) {
                        t = rq->last_account_ns + cur->budget_left_ns;
                }
        }
        /* A throttled Reflex entity regains its budget at period end and then preempts. */
        if (cur == NULL || sched_class_of(cur) != SCHED_CLASS_REFLEX) {
                for (unsigned i = 0; i < rq->nr_runnable; i++) {
                        const struct sched_entity *e = rq->runnable[i];

                        if (sched_class_of(e) == SCHED_CLASS_THROTTLED && e->period_end_ns < t) {
                                t = e->period_end_ns;
                        }
                }
        }
        return t < now ? now : t;
}

struct sched_entity *sched_current(const struct sched *s, unsigned cpu)
{
        return cpu < SCHED_MAX_CPUS ? s->rq[cpu].current : NULL;
}
