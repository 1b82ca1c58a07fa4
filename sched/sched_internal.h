/*
 * Helpers shared by the files of sched/ (not part of the interface; the kernel includes only
 * sched/sched.h).
 */
#ifndef RVM_SCHED_SCHED_INTERNAL_H
#define RVM_SCHED_SCHED_INTERNAL_H

#include "sched/sched.h"

/* Classes, best first. A throttled Reflex entity ranks below Flow until its budget returns. */
enum sched_class {
        SCHED_CLASS_REFLEX = 0,
        SCHED_CLASS_FLOW = 1,
        SCHED_CLASS_THROTTLED = 2,
};

static inline bool sched_cpu_valid(const struct sched *s, unsigned cpu)
{
        return cpu < SCHED_MAX_CPUS && s->rq[cpu].online;
}

static inline bool sched_allowed(const struct sched_entity *e, unsigned cpu)
{
        return (e->affinity >> cpu) & 1u;
}

static inline uint64_t sched_all_cpus_mask(void)
{
        return SCHED_MAX_CPUS == 64 ? UINT64_MAX : ((1ull << SCHED_MAX_CPUS) - 1);
}

/* Ordering key: earlier is better. deadline - boost, shifted by max_boost so it never wraps. */
static inline uint64_t sched_key(const struct sched *s, const struct sched_entity *e)
{
        /* No cut pressure, no boost: the common case skips the scaling. */
        return e->deadline_ns + s->params.max_boost_ns -
               (e->pressure_bp != 0 ? sched_boost_ns(s, e) : 0);
}

/* Run queue arrays: O(1) insert and swap-remove; their order carries no meaning. */
static inline void rq_enqueue(struct sched_rq *rq, struct sched_entity *e)
{
        e->runnable_idx = rq->nr_runnable;
        rq->runnable[rq->nr_runnable++] = e;
}

static inline void rq_dequeue(struct sched_rq *rq, struct sched_entity *e)
{
        struct sched_entity *last = rq->runnable[--rq->nr_runnable];

        rq->runnable[e->runnable_idx] = last;
        last->runnable_idx = e->runnable_idx;
        rq->runnable[rq->nr_runnable] = NULL;
}

static inline void rq_attach(struct sched_rq *rq, struct sched_entity *e)
{
        e->member_idx = rq->nr_members;
        rq->members[rq->nr_members++] = e;
}

static inline void rq_detach(struct sched_rq *rq, struct sched_entity *e)
{
        struct sched_entity *last = rq->members[--rq->nr_members];

        rq->members[e->member_idx] = last;
        last->member_idx = e->member_idx;
        rq->members[rq->nr_members] = NULL;
}

static inline void fresh_deadline(struct sched_entity *e, uint64_t now)
{
        e->deadline_ns = now + e->rel_deadline_ns;
        e->slice_left_ns = e->slice_ns;
}

static inline void replenish(struct sched_entity *e, uint64_t now)
{
        if (e->budget_ns != 0 && now >= e->period_end_ns) {
                e->budget_left_ns = e->budget_ns;
                e->period_end_ns = now + e->period_ns;
        }
}

/* Charge rq's current entity up to now: its run time, the CPU's busy time, its budget. The
 * time charged (0: none, or nothing running). */
static inline uint64_t rq_charge(struct sched *s, struct sched_rq *rq, uint64_t now)
{
        struct sched_entity *cur = rq->current;
        uint64_t delta;

        /* A clock that steps back charges nothing rather than a huge unsigned delta. */
        if (now <= rq->last_account_ns) {
                return 0;
        }
        delta = now - rq->last_account_ns;
        rq->last_account_ns = now;
        if (cur == NULL) {
                return 0;
        }
        cur->run_ns += delta;
        rq->epoch_busy_ns += delta;
        if (cur->budget_ns != 0) {
                bool had_budget = cur->budget_left_ns != 0;

                cur->budget_left_ns -= delta < cur->budget_left_ns ? delta : cur->budget_left_ns;
                if (had_budget && cur->budget_left_ns == 0) {
                        s->epoch_throttles++;
                        rq->need_resched = true;
                }
                replenish(cur, now);
        }
        return delta;
}

/* sched_account, inline where a switch or a block needs it (sched_pick, sched_yield_pick,
 * sched_block): the charge, and the current entity's slice used up by it. */
static inline void rq_account(struct sched *s, struct sched_rq *rq, uint64_t now)
{
        uint64_t delta = rq_charge(s, rq, now);
        struct sched_entity *cur = rq->current;

        if (delta == 0) {
                return;
        }
        if (delta >= cur->slice_left_ns) {
                fresh_deadline(cur, now);
                rq->need_resched = true;
        } else {
                cur->slice_left_ns -= delta;
        }
}

enum sched_class sched_class_of(const struct sched_entity *e);
/* true if a is a better choice than b (class, then key, then id). */
bool sched_better(const struct sched *s, const struct sched_entity *a,
                  const struct sched_entity *b);
/* Charge the current entity of rq up to now. */
void sched_account(struct sched *s, struct sched_rq *rq, uint64_t now);
/* Move an attached entity that is not running on its CPU to dst (room and affinity checked
 * by the caller). */
void sched_move(struct sched *s, struct sched_entity *e, unsigned dst);
/* The entity `cpu` should run now (NULL = idle): the one policy decision. */
struct sched_entity *sched_choose(struct sched *s, struct sched_rq *rq, unsigned cpu, uint64_t now);
/* Least loaded online CPU other than `exclude` that e may use and that has room; -1 if none. */
int sched_find_home(const struct sched *s, const struct sched_entity *e, int exclude);
/* Set mode and the mode's default policy; refills the Reflex budget. */
void sched_apply_mode(const struct sched *s, struct sched_entity *e, enum sched_mode mode,
                      uint64_t now);
/* Runnable entities counted for balancing. */
static inline unsigned sched_load(const struct sched *s, unsigned cpu)
{
        return s->rq[cpu].nr_runnable;
}

/* May e go from src to dst? Yes unless src is its home and the home is not overloaded: load
 * (with `extra` entities not yet counted, e.g. one being woken) more than home_slack over dst's. */
static inline bool sched_may_leave(const struct sched *s, const struct sched_entity *e,
                                   unsigned src, unsigned dst, unsigned extra)
{
        return e->home != (int)src ||
               sched_load(s, src) + extra > sched_load(s, dst) + s->params.home_slack;
}

#endif
