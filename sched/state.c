/*
 * State changes of entities: block, wake (with push to an idle CPU), cut pressure from the
 * coherence engine, and CPU affinity. Each may touch a run queue other than the caller's CPU's
 * (the scheduler lock of sched/sched.h covers that).
 */
#include <stddef.h>

#include "sched/sched.h"
#include "sched/sched_internal.h"

enum sched_err sched_block(struct sched *s, struct sched_entity *e, uint64_t now)
{
        struct sched_rq *rq;

        if (e->state != SCHED_RUNNABLE) {
                return SCHED_E_STATE;
        }
        rq = &s->rq[e->cpu];
        if (rq->current == e) {
                rq_account(s, rq, now);
                rq->current = NULL;
                rq->need_resched = true;
        }
        rq_dequeue(rq, e);
        e->state = SCHED_BLOCKED;
        e->wake_pending = false;
        return SCHED_OK;
}

/*
 * Does e, just woken onto rq, take the CPU from the entity running there? sched_choose's
 * answer over the two of them (choose() would weigh every runnable entity, but the others
 * were there before: whether one of them beats the running one was settled when it woke,
 * and by the tick). A wake-up is the IPC hot path: this is its whole decision.
 */
static bool wake_preempts(struct sched *s, struct sched_rq *rq, struct sched_entity *e,
                          uint64_t now)
{
        struct sched_entity *cur = rq->current;
        unsigned cpu = e->cpu;

        if (cur == NULL || cur == e || !sched_allowed(cur, cpu)) {
                return cur != e; /* an idle CPU picks; a running one away from its CPU moves */
        }
        if (!sched_allowed(e, cpu)) {
                return false;
        }
        replenish(e, now);
        replenish(cur, now);
        if (!sched_better(s, e, cur)) {
                return false;
        }
        /* Flow does not preempt Flow in the middle of a slice (choose()). */
        return rq->need_resched || cur->mode != SCHED_MODE_FLOW ||
               sched_class_of(e) != SCHED_CLASS_FLOW;
}

bool sched_wake(struct sched *s, struct sched_entity *e, uint64_t now)
{
        struct sched_rq *rq;

        if (e->state != SCHED_BLOCKED) {
                return false;
        }
        e->wakeups++;
        e->wake_ns = now;
        e->wake_pending = true;
        fresh_deadline(e, now);
        replenish(e, now);
        /* Placement: back to its home CPU, unless the home is overloaded. (With one CPU, the
         * entity is home.) */
        if (SCHED_MAX_CPUS > 1 && e->home >= 0 && e->home != (int)e->cpu &&
            sched_cpu_valid(s, (unsigned)e->home) && sched_allowed(e, (unsigned)e->home) &&
            s->rq[e->home].nr_members < SCHED_RQ_CAPACITY &&
            sched_load(s, (unsigned)e->home) <= sched_load(s, e->cpu) + s->params.home_slack) {
                sched_move(s, e, (unsigned)e->home);
        }
        /* Push: rather than queue behind work, go to an idle CPU it may use (from its home
         * only when the home is overloaded). With one CPU online there is none to look for. */
        if (SCHED_MAX_CPUS > 1 && s->params.wake_balance && s->nr_online > 1 &&
            sched_load(s, e->cpu) != 0) {
                int idle = sched_find_home(s, e, (int)e->cpu);

                if (idle >= 0 && sched_load(s, (unsigned)idle) == 0 &&
                    sched_may_leave(s, e, e->cpu, (unsigned)idle, 1)) {
                        sched_move(s, e, (unsigned)idle);
                }
        }
        rq = &s->rq[e->cpu];
        e->state = SCHED_RUNNABLE;
        rq_enqueue(rq, e);
        return wake_preempts(s, rq, e, now);
}

enum sched_err sched_set_pressure(struct sched *s, struct sched_entity *e, uint32_t pressure_bp)
{
        (void)s;
        if (pressure_bp > SCHED_PRESSURE_MAX_BP) {
                return SCHED_E_INVAL;
        }
        e->pressure_bp = (uint16_t)pressure_bp;
        return SCHED_OK;
}

int sched_set_partition_pressure(struct sched *s, uint32_t partition, uint32_t pressure_bp)
{
        int n = 0;

        if (pressure_bp > SCHED_PRESSURE_MAX_BP) {
                return -1;
        }
        for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
                struct sched_rq *rq = &s->rq[c];

                for (unsigned i = 0; rq->online && i < rq->nr_members; i++) {
                        if (rq->members[i]->partition == partition) {
                                rq->members[i]->pressure_bp = (uint16_t)pressure_bp;
                                n++;
                        }
                }
        }
        return n;
}

enum sched_err sched_set_affinity(struct sched *s, struct sched_entity *e, uint64_t affinity,
                                  uint64_t now)
{
        uint64_t old = e->affinity;
        bool any_online = false;
        int home;

        (void)now;
        affinity &= sched_all_cpus_mask();
        for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
                any_online |= s->rq[c].online && ((affinity >> c) & 1u);
        }
        if (!any_online) {
                return SCHED_E_INVAL;
        }
        e->affinity = affinity;
        if (e->state == SCHED_DETACHED || sched_allowed(e, e->cpu)) {
                return SCHED_OK;
        }
        if (s->rq[e->cpu].current == e) {
                s->rq[e->cpu].need_resched = true; /* sched_pick moves it once it stops */
                return SCHED_OK;
        }
        home = sched_find_home(s, e, (int)e->cpu);
        if (home < 0) {
                e->affinity = old;
                return SCHED_E_FULL;
        }
        sched_move(s, e, (unsigned)home);
        return SCHED_OK;
}

enum sched_err sched_set_home(struct sched *s, struct sched_entity *e, int cpu, uint64_t now)
{
        (void)now;
        if (cpu == SCHED_HOME_NONE) {
                e->home = SCHED_HOME_NONE;
                return SCHED_OK;
        }
        if (cpu < 0 || cpu >= SCHED_MAX_CPUS) {
                return SCHED_E_INVAL;
        }
        if (!s->rq[cpu].online) {
                return SCHED_E_OFFLINE;
        }
        if (!sched_allowed(e, (unsigned)cpu)) {
                return SCHED_E_AFFINITY;
        }
        e->home = (int16_t)cpu;
        /* Not running: it moves now (running: at its next wake-up or sched_balance). */
        if (e->state != SCHED_DETACHED && e->cpu != (unsigned)cpu && s->rq[e->cpu].current != e &&
            s->rq[cpu].nr_members < SCHED_RQ_CAPACITY) {
                sched_move(s, e, (unsigned)cpu);
        }
        return SCHED_OK;
}

int sched_set_partition_home(struct sched *s, uint32_t partition, int cpu, uint64_t now)
{
        int set = 0;

        for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
                struct sched_rq *rq = &s->rq[c];

                for (unsigned i = 0; rq->online && i < rq->nr_members;) {
                        struct sched_entity *e = rq->members[i];

                        if (e->partition != partition || e->home == cpu) {
                                i++;
                                continue;
                        }
                        if (sched_set_home(s, e, cpu, now) != SCHED_OK) {
                                return -1;
                        }
                        set++;
                        /* Moved away, the last member took slot i: look at it next. */
                        i += e->cpu == c ? 1 : 0;
                }
        }
        return set;
}
