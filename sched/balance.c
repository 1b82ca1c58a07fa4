/*
 * SMP load balancing between the per-CPU run queues. Deterministic (same state, same moves):
 * CPUs are ordered by runnable count with ties broken by lower CPU number, and the entity to
 * move is chosen by the same total order the pick uses. Only waiting entities move (never the
 * one running), and only to CPUs in their affinity mask that have a free slot. The one
 * exception, sched_send_home, is the running entity's own CPU letting it go home.
 *
 * Termination of sched_balance: a move goes from a CPU with load L to one with load l where
 * L - l > threshold >= 1, which strictly lowers the sum of squared loads.
 */
#include "sched/sched.h"
#include "sched/sched_internal.h"

/* Online CPUs sorted by load (ascending when up, else descending); ties by CPU number. */
static unsigned order_cpus(const struct sched *s, unsigned *cpus, bool up)
{
        unsigned n = 0;

        for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
                if (s->rq[c].online) {
                        cpus[n++] = c;
                }
        }
        /* Insertion sort: at most SCHED_MAX_CPUS entries, stable, so ties keep CPU order. */
        for (unsigned i = 1; i < n; i++) {
                unsigned c = cpus[i];
                unsigned j = i;

                while (j > 0 && (up ? sched_load(s, cpus[j - 1]) > sched_load(s, c)
                                    : sched_load(s, cpus[j - 1]) < sched_load(s, c))) {
                        cpus[j] = cpus[j - 1];
                        j--;
                }
                cpus[j] = c;
        }
        return n;
}

/* A waiting entity of src that may run on dst: the most or least urgent one. */
static struct sched_entity *candidate(const struct sched *s, unsigned src, unsigned dst,
                                      bool most_urgent)
{
        const struct sched_rq *rq = &s->rq[src];
        struct sched_entity *pick = NULL;

        if (s->rq[dst].nr_members >= SCHED_RQ_CAPACITY) {
                return NULL;
        }
        for (unsigned i = 0; i < rq->nr_runnable; i++) {
                struct sched_entity *e = rq->runnable[i];

                if (e == rq->current || !sched_allowed(e, dst) ||
                    !sched_may_leave(s, e, src, dst, 0)) {
                        continue;
                }
                if (pick == NULL || sched_better(s, e, pick) == most_urgent) {
                        pick = e;
                }
        }
        return pick;
}

static bool balance_once(struct sched *s)
{
        unsigned busy[SCHED_MAX_CPUS];
        unsigned idle[SCHED_MAX_CPUS];
        unsigned n = order_cpus(s, busy, false);

        order_cpus(s, idle, true);
        for (unsigned i = 0; i < n; i++) {
                for (unsigned j = 0; j < n; j++) {
                        unsigned src = busy[i];
                        unsigned dst = idle[j];
                        struct sched_entity *e;

                        if (sched_load(s, src) <=
                            sched_load(s, dst) + s->params.balance_threshold) {
                                break; /* idle[] ascends: later dst are no less loaded */
                        }
                        /* The least urgent waiter moves: it would wait longest where it is. */
                        e = candidate(s, src, dst, false);
                        if (e != NULL) {
                                sched_move(s, e, dst);
                                return true;
                        }
                }
        }
        return false;
}

/* May e, on CPU c, go to its home? Not to an overloaded one: the home's load with e counted
 * at most home_slack over c's (e still counted there). */
static bool may_go_home(const struct sched *s, const struct sched_entity *e, unsigned c)
{
        unsigned home = (unsigned)e->home;

        return e->home >= 0 && home != c && sched_cpu_valid(s, home) && sched_allowed(e, home) &&
               s->rq[home].nr_members < SCHED_RQ_CAPACITY &&
               sched_load(s, home) + (e->state == SCHED_RUNNABLE) <=
                   sched_load(s, c) + s->params.home_slack;
}

/* Entities away from their home go back (not the running one, not to an overloaded home). */
static unsigned go_home(struct sched *s)
{
        unsigned moves = 0;

        for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
                struct sched_rq *rq = &s->rq[c];

                for (unsigned i = 0; rq->online && i < rq->nr_members;) {
                        struct sched_entity *e = rq->members[i];

                        if (e != rq->current && may_go_home(s, e, c)) {
                                sched_move(s, e, (unsigned)e->home); /* the last takes slot i */
                                moves++;
                        } else {
                                i++;
                        }
                }
        }
        return moves;
}

unsigned sched_balance(struct sched *s, uint64_t now)
{
        unsigned moves;

        (void)now;
        if (SCHED_MAX_CPUS == 1) {
                return 0; /* every entity is home, and there is nowhere else to go */
        }
        moves = go_home(s);
        /* The bound is never reached (see the termination note); it guards against bugs. */
        while (moves < SCHED_MAX_CPUS * SCHED_RQ_CAPACITY && balance_once(s)) {
                moves++;
        }
        return moves;
}

struct sched_entity *sched_pull(struct sched *s, unsigned cpu, uint64_t now)
{
        unsigned busy[SCHED_MAX_CPUS];
        unsigned n;

        (void)now;
        if (SCHED_MAX_CPUS == 1 || !sched_cpu_valid(s, cpu) || s->rq[cpu].nr_runnable != 0) {
                return NULL;
        }
        n = order_cpus(s, busy, false);
        for (unsigned i = 0; i < n; i++) {
                struct sched_entity *e;

                if (busy[i] == cpu || sched_load(s, busy[i]) < 2) {
                        continue; /* fewer than 2 runnable: nothing is waiting there */
                }
                /* The most urgent waiter moves: an idle CPU can run it at once. */
                e = candidate(s, busy[i], cpu, true);
                if (e != NULL) {
                        sched_move(s, e, cpu);
                        return e;
                }
        }
        return NULL;
}

bool sched_send_home(struct sched *s, unsigned cpu)
{
        struct sched_rq *rq;
        struct sched_entity *e;

        if (SCHED_MAX_CPUS == 1 || !sched_cpu_valid(s, cpu)) {
                return false;
        }
        rq = &s->rq[cpu];
        e = rq->current;
        if (e == NULL || e->state != SCHED_RUNNABLE || !may_go_home(s, e, cpu)) {
                return false;
        }
        rq->current = NULL; /* as after a switch away from it: its run time is charged */
        sched_move(s, e, (unsigned)e->home);
        rq->need_resched = true;
        return true;
}
