/*
 * RVM scheduler policy: the whole interface of sched/.
 *
 * Owns schedulable entities (embedded in the kernel's vCPU and agent objects), the fixed-size
 * per-CPU run queues, the 2-signal priority of seeds/003 DC-4, Reflex and Flow modes, degraded
 * mode (DC-6), SMP load balancing and the per-epoch witness summary (DC-10). It is plain C over
 * plain data: it never reads a clock, touches a register or allocates. The kernel passes the time
 * in (nanoseconds since boot, from CNTPCT scaled by CNTFRQ), programs the EL2 timer from
 * sched_next_event() and performs the world switch to whatever sched_pick() returns.
 *
 * Units (all consistent, so the two signals can be added):
 *   time, deadlines, slices, budgets ......... nanoseconds (uint64_t)
 *   cut pressure ............................. basis points, 0..10000 (DC-9 fixed point)
 *   cut-pressure boost ....................... nanoseconds: pressure_bp * max_boost_ns / 10000
 *   priority (DC-4) .......................... nanoseconds: (now - deadline) + boost
 *                                               = deadline urgency + cut-pressure boost
 * A higher priority runs first. Because `now` is common to every entity of a queue, ordering by
 * priority is ordering by (deadline - boost): earliest effective deadline first.
 *
 * Concurrency: the caller serializes every call with one scheduler spinlock. Calls are short:
 * tick/pick/wake/block scan one queue (tools/bench/sched_bench.c), balance/epoch/partition
 * pressure scan all queues. A wake-up on one CPU may enqueue
 * on another CPU's queue, so per-CPU locks alone are not enough. Entities must stay valid while
 * attached (sched_remove detaches).
 */
#ifndef RVM_SCHED_SCHED_H
#define RVM_SCHED_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "configs/limits.h"

#ifndef SCHED_MAX_CPUS
#define SCHED_MAX_CPUS 8
#endif
#ifndef SCHED_RQ_CAPACITY
#define SCHED_RQ_CAPACITY 64 /* entities attached to one CPU (runnable or blocked) */
#endif
#define SCHED_PRESSURE_MAX_BP 10000u
#define SCHED_TIME_NEVER      UINT64_MAX
#define SCHED_HOME_NONE       (-1) /* an entity without a home CPU */

_Static_assert(SCHED_MAX_CPUS >= 1 && SCHED_MAX_CPUS <= 64, "affinity is a 64-bit mask");
_Static_assert(SCHED_RQ_CAPACITY >= 1 && SCHED_RQ_CAPACITY <= 65535, "indices are uint16_t");

enum sched_err {
        SCHED_OK = 0,
        SCHED_E_INVAL,    /* bad argument (mode, pressure, CPU number, parameter) */
        SCHED_E_STATE,    /* entity in the wrong state for the call (attached, detached, ...) */
        SCHED_E_FULL,     /* the CPU's run queue has no free slot */
        SCHED_E_AFFINITY, /* the requested CPU is outside the entity's affinity mask */
        SCHED_E_OFFLINE,  /* the CPU has not been brought up with sched_cpu_init */
};

enum sched_mode {
        SCHED_MODE_REFLEX = 1, /* latency-critical: short slices, preempts on wake, budgeted */
        SCHED_MODE_FLOW = 2,   /* throughput: long slices, never preempted mid-slice by Flow */
};

enum sched_state {
        SCHED_DETACHED = 0, /* not known to the scheduler */
        SCHED_BLOCKED,      /* attached to a CPU, waiting (WFI, IPC receive, suspended) */
        SCHED_RUNNABLE,     /* attached and on its CPU's run queue (possibly running) */
};

/*
 * One schedulable thing: a vCPU of a partition or a WASM agent. The kernel embeds it and fills
 * id/partition/mode/affinity through sched_entity_init; the rest is owned by sched/ (read-only
 * to the kernel, e.g. for the monitor's `ps`).
 */
struct sched_entity {
        /* What the pick loop reads for every queued entity: kept within one cache line. */
        uint64_t id;          /* kernel object id (vCPU or agent): tie-breaks, witnesses */
        uint64_t deadline_ns; /* absolute */
        uint64_t budget_ns;   /* Reflex: CPU time allowed per period (0 = unlimited) */
        uint64_t budget_left_ns;
        uint64_t period_end_ns;
        uint64_t affinity;    /* bit n set = may run on CPU n */
        uint32_t partition;   /* owning partition id */
        uint16_t pressure_bp; /* cut pressure from the coherence engine, 0..10000 */
        uint8_t mode;         /* enum sched_mode */
        uint8_t state;        /* enum sched_state */
        uint16_t cpu;         /* CPU whose run queue holds it (valid while attached) */

        /* Queue bookkeeping (private to sched/). */
        uint16_t member_idx;
        uint16_t runnable_idx;
        bool wake_pending; /* woken, not yet run since */

        /* Per-entity policy, in ns; defaults from the mode (sched_entity_init), tunable. */
        uint64_t rel_deadline_ns; /* deadline given at wake / slice renewal: now + this */
        uint64_t slice_ns;        /* time slice */
        uint64_t period_ns;       /* Reflex: budget replenishment period */
        uint64_t slice_left_ns;

        /* Accounting (lifetime). */
        uint64_t run_ns;      /* CPU time consumed */
        uint64_t switches_in; /* times it was switched to */
        uint64_t wakeups;
        uint64_t wake_ns;              /* time of the last wake-up */
        uint64_t last_wake_latency_ns; /* wake -> first run, last occurrence */
        uint64_t max_wake_latency_ns;  /* wake -> first run, worst seen */

        /* Placement (sched_set_home): the CPU the coherence engine put it on, or
         * SCHED_HOME_NONE. Wake-ups bring it back there; balancing takes it away only from an
         * overloaded home (params.home_slack). */
        int16_t home;

        /* CPU need, per epoch (sched_epoch closes one): the CPU time it took, and the time it
         * waited runnable behind others, sampled at the ticks of its CPU, except after it
         * yielded (an entity that gives its CPU away says it can wait). The last closed epoch's
         * figures are what sched_partition_need reads. */
        uint64_t epoch_run_mark_ns; /* run_ns when the epoch began */
        uint64_t epoch_wait_ns;     /* waited so far this epoch */
        uint64_t last_run_ns;       /* the last closed epoch: CPU time */
        uint64_t last_wait_ns;      /* ... and waiting time */
        bool yielded;               /* yielded and not seen running at a tick since */
};

/* Tunables. Defaults (sched_params_default) are in docs/SCHED.md. */
struct sched_params {
        uint64_t reflex_slice_ns;
        uint64_t reflex_deadline_ns;
        uint64_t reflex_budget_ns; /* per reflex_period_ns; caps what a Reflex hog can take */
        uint64_t reflex_period_ns;
        uint64_t flow_slice_ns;
        uint64_t flow_deadline_ns;
        uint64_t max_boost_ns;      /* boost at pressure 10000 bp; bounds the starvation delay */
        uint32_t balance_threshold; /* move work when runnable counts differ by more than this */
        bool wake_balance;          /* a woken entity moves to an idle allowed CPU */
        /* An entity leaves its home CPU for another (wake push, balance, pull) only when the
         * home has more than this many runnable entities beyond the other's: overloaded. */
        uint32_t home_slack;
};

struct sched_rq {
        struct sched_entity *members[SCHED_RQ_CAPACITY];  /* attached: runnable or blocked */
        struct sched_entity *runnable[SCHED_RQ_CAPACITY]; /* run queue, includes `current` */
        uint16_t nr_members;
        uint16_t nr_runnable;
        bool online;
        bool need_resched;            /* current lost its slice/budget or blocked/yielded */
        struct sched_entity *current; /* NULL = idle */
        uint64_t last_account_ns;
        uint64_t last_tick_ns; /* the last sched_tick: waiting entities are charged from it */
        uint64_t switches;     /* lifetime context switches (entity changes) */
        uint64_t epoch_switches_base; /* `switches` when this epoch began (sched_epoch) */
        /* This epoch, reset by sched_epoch. */
        uint64_t epoch_busy_ns;
} __attribute__((aligned(64))); /* each CPU's on cache lines of its own, at a stride of 17 x 64 */

struct sched {
        struct sched_params params;
        bool degraded; /* DC-6: coherence unavailable, cut pressure ignored */
        uint16_t nr_online;
        uint64_t epoch_seq;
        uint64_t epoch_start_ns;
        uint64_t epoch_migrations;
        uint64_t epoch_throttles;
        uint64_t migrations;    /* lifetime */
        uint64_t last_epoch_ns; /* length of the last closed epoch (sched_epoch) */
        struct sched_rq rq[SCHED_MAX_CPUS];
};

/* One epoch's summary, as returned by sched_epoch and packed in the WK_SCHED_EPOCH payload. */
struct sched_epoch_summary {
        uint64_t seq;         /* epoch number, also the record's target */
        uint64_t duration_ns; /* since the previous epoch */
        uint64_t switches;    /* context switches on all CPUs */
        uint64_t busy_ns;     /* CPU time given to entities, all CPUs */
        uint64_t migrations;  /* entities moved between CPUs */
        uint64_t throttles;   /* Reflex entities that exhausted their budget */
        uint64_t runnable;    /* runnable entities at the end of the epoch */
        bool degraded;
        uint64_t payload; /* packed form, see SCHED_EPOCH_* below */
};

/*
 * WK_SCHED_EPOCH payload (saturating fields): bits 0-15 switches, 16-39 busy time in µs,
 * 40-47 migrations, 48-55 runnable entities, 56-61 Reflex throttles, 62 reserved (0),
 * 63 degraded. actor = 0 (RVM), target = epoch number.
 */
#define SCHED_EPOCH_SWITCHES(p)   ((uint64_t)(p)&0xFFFFu)
#define SCHED_EPOCH_BUSY_US(p)    (((uint64_t)(p) >> 16) & 0xFFFFFFu)
#define SCHED_EPOCH_MIGRATIONS(p) (((uint64_t)(p) >> 40) & 0xFFu)
#define SCHED_EPOCH_RUNNABLE(p)   (((uint64_t)(p) >> 48) & 0xFFu)
#define SCHED_EPOCH_THROTTLES(p)  (((uint64_t)(p) >> 56) & 0x3Fu)
#define SCHED_EPOCH_DEGRADED(p)   (((uint64_t)(p) >> 63) & 1u)

/*
 * WK_SCHED_MODE payload: bits 0-7 old, 8-15 new, 16-23 scope.
 * Scope 0: an entity's mode (enum sched_mode); actor = partition, target = entity id.
 * Scope 1: the scheduler's degraded state (0 normal, 1 degraded); actor = 0, target = 0.
 */
#define SCHED_MODE_SCOPE_ENTITY   0u
#define SCHED_MODE_SCOPE_DEGRADED 1u
#define SCHED_MODE_PAYLOAD(old, new, scope) \
        ((uint64_t)(old) | ((uint64_t)(new) << 8) | ((uint64_t)(scope) << 16))

/* --- set-up ------------------------------------------------------------------------------ */
void sched_params_default(struct sched_params *p);
/* params may be NULL (defaults). Errors: SCHED_E_INVAL for unusable parameters. */
enum sched_err sched_init(struct sched *s, const struct sched_params *params, uint64_t now);
/* Bring one CPU's run queue online (boot CPU and each PSCI CPU_ON). */
enum sched_err sched_cpu_init(struct sched *s, unsigned cpu, uint64_t now);

/* Fill an entity with its identity and the mode's default policy. affinity 0 = all CPUs. */
enum sched_err sched_entity_init(struct sched *s, struct sched_entity *e, uint64_t id,
                                 uint32_t partition, enum sched_mode mode, uint64_t affinity);
/* Attach to `cpu` as runnable (runnable = true) or blocked. */
enum sched_err sched_add(struct sched *s, struct sched_entity *e, unsigned cpu, bool runnable,
                         uint64_t now);
/* Detach (partition destroyed, agent terminated). If it was running, its CPU is left idle. */
enum sched_err sched_remove(struct sched *s, struct sched_entity *e, uint64_t now);

/* --- per-CPU decisions ------------------------------------------------------------------- */
/* Charge the running entity up to `now`; true if the kernel should call sched_pick now. */
bool sched_tick(struct sched *s, unsigned cpu, uint64_t now);
/* Choose what runs next on `cpu` and make it current; NULL = idle. */
struct sched_entity *sched_pick(struct sched *s, unsigned cpu, uint64_t now);
/* The running entity gives up the rest of its slice (WFE, explicit yield) and what runs next
 * is chosen, at one time stamp: sched_pick, with the yielder charged and given a fresh
 * deadline, and no Flow entity kept for the rest of its slice. Alone, it goes on. */
struct sched_entity *sched_yield_pick(struct sched *s, unsigned cpu, uint64_t now);
/* The same for a caller that keeps the run queue of `cpu`, online: rq == &s->rq[cpu] (not
 * checked; the kernel's yield path, which would otherwise work out its address each time). */
struct sched_entity *sched_yield_pick_rq(struct sched *s, struct sched_rq *rq, unsigned cpu,
                                         uint64_t now);
/* Absolute time at which sched_tick must next run on `cpu` (SCHED_TIME_NEVER = no timer). */
uint64_t sched_next_event(const struct sched *s, unsigned cpu, uint64_t now);
/* The running entity of `cpu` (NULL = idle). */
struct sched_entity *sched_current(const struct sched *s, unsigned cpu);

/* --- state changes ----------------------------------------------------------------------- */
/* Runnable -> blocked (WFI, waiting for IPC). If it was running, its CPU must pick again. */
enum sched_err sched_block(struct sched *s, struct sched_entity *e, uint64_t now);
/*
 * Blocked -> runnable with a fresh deadline. Returns true if e->cpu should reschedule now (the
 * kernel picks locally or sends that CPU an SGI). With wake_balance, e->cpu may change.
 */
bool sched_wake(struct sched *s, struct sched_entity *e, uint64_t now);
/* Mode change (validated: may come from a hypercall); witnessed as WK_SCHED_MODE. */
enum sched_err sched_set_mode(struct sched *s, struct sched_entity *e, uint32_t mode, uint64_t now);
/* Cut pressure from the coherence engine, in basis points (0..10000). */
enum sched_err sched_set_pressure(struct sched *s, struct sched_entity *e, uint32_t pressure_bp);
/* Same, for every attached entity of a partition; returns how many were updated, or -1. */
int sched_set_partition_pressure(struct sched *s, uint32_t partition, uint32_t pressure_bp);
/* DC-6: enter (true) or leave degraded mode; witnessed as WK_SCHED_MODE when it changes. */
void sched_set_degraded(struct sched *s, bool degraded);
/* New affinity; a misplaced entity moves now, or at its next pick if it is running. */
enum sched_err sched_set_affinity(struct sched *s, struct sched_entity *e, uint64_t affinity,
                                  uint64_t now);

/*
 * Placement: the home CPU of an entity (cpu < SCHED_MAX_CPUS, online and in its affinity), or
 * SCHED_HOME_NONE to clear it. One that is not running moves there now if the home has room;
 * a running one at its next wake-up, at sched_balance once it is not running, or when its CPU
 * lets it go (sched_send_home, at that CPU's tick: one that never blocks). From then on a
 * wake-up takes it home, and the wake push, sched_balance and sched_pull take it away from its
 * home only while the home is overloaded: more than home_slack runnable entities beyond the
 * CPU it would go to. Errors: SCHED_E_INVAL (cpu), SCHED_E_OFFLINE, SCHED_E_AFFINITY.
 */
enum sched_err sched_set_home(struct sched *s, struct sched_entity *e, int cpu, uint64_t now);
/* Same, for every attached entity of a partition; returns how many were set, or -1 (error). */
int sched_set_partition_home(struct sched *s, uint32_t partition, int cpu, uint64_t now);

/* --- the two signals (DC-4) -------------------------------------------------------------- */
/* Cut-pressure boost in ns (0 in degraded mode). */
uint64_t sched_boost_ns(const struct sched *s, const struct sched_entity *e);
/* Priority in ns = deadline urgency (now - deadline) + cut-pressure boost; higher runs first. */
int64_t sched_priority(const struct sched *s, const struct sched_entity *e, uint64_t now);

/* --- SMP --------------------------------------------------------------------------------- */
/* First, entities away from their home CPU go back there (not the running ones, not to an
 * overloaded home); then waiting entities move from busy to less busy CPUs until no pair
 * differs by more than balance_threshold runnable entities (affinity respected; an entity
 * leaves its home only when the home is overloaded). Deterministic; returns moves. */
unsigned sched_balance(struct sched *s, uint64_t now);
/* An idle `cpu` pulls the most urgent waiting entity it may run from the busiest CPU. */
struct sched_entity *sched_pull(struct sched *s, unsigned cpu, uint64_t now);
/*
 * The running entity of `cpu`, away from its home, goes home when sched_balance would take a
 * waiting one there: it stops being the CPU's current entity (charged up to the last tick or
 * pick) and joins the home's queue. One that never blocks is always running, so balancing
 * alone would never take it home. Returns true if it went: `cpu` must pick again, and the
 * caller, which still holds what it runs, lets go of it there and tells the home. For the
 * caller's tick, when what `cpu` runs is its own to put away (not while the entity's work is
 * under way elsewhere).
 */
bool sched_send_home(struct sched *s, unsigned cpu);

/*
 * CPU need of a partition in the last closed epoch: the CPU time its attached entities took
 * and the time they waited runnable (not after a yield), summed; *epoch_ns (may be NULL) gets
 * that epoch's length. The coherence engine's placement weighs groups with it. Returns the
 * number of entities summed.
 */
unsigned sched_partition_need(const struct sched *s, uint32_t partition, uint64_t *run_ns,
                              uint64_t *wait_ns, uint64_t *epoch_ns);

/* --- DC-10 ------------------------------------------------------------------------------- */
/* Close the epoch: emit one WK_SCHED_EPOCH record, reset the epoch counters. out may be NULL. */
void sched_epoch(struct sched *s, uint64_t now, struct sched_epoch_summary *out);

#endif
