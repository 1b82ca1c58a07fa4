/*
 * kernel/run.c: the run loop and the world switch. A trap from a partition saves its
 * registers straight into the running vCPU's frame (vectors.S); handling it (kernel/trap.c)
 * ends in run_schedule() (run_priv.h), which returns that frame (the same vCPU goes on), or
 * here puts the vCPU away (its EL1, virtual GIC and FP state) and loads another, returning
 * that one's frame, or idles until there is one. vectors.S then enters the frame it is given.
 */
#include "kernel/run.h"

#include "arch/aarch64/arch.h"
#include "hal/gic.h"
#include "hal/timer.h"
#include "kernel/agents.h"
#include "kernel/cohere.h"
#include "kernel/console.h"
#include "kernel/gate.h"
#include "kernel/ipc.h"
#include "kernel/monitor.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/reshape.h"
#include "kernel/run_priv.h"
#include "kernel/tier.h"
#include "kernel/virq.h"
#include "kernel/wlog.h"
#include "partition/lease.h"
#include "sched/sched.h"

struct spinlock run_lock = SPINLOCK_INIT;

#define SGI_RESCHED 1 /* "look at your run queue": sent to the CPU a wake-up targets */
static void resched_sgi(unsigned intid, void *ctx);

/*
 * The 2-signal scheduler (sched/) decides; this file applies its decisions. One entity per
 * vCPU; its id is the partition id for vCPU 0 (so records and commands about a partition's
 * boot vCPU read as before) and partition id | index << 16 for the others. All of it under
 * run_lock.
 */
static struct sched run_sched;

/* A vCPU's entity and the vCPU it stands for (the vCPU points back: vcpu->se, NULL until
 * attached). */
struct run_entity {
        struct sched_entity se; /* first: what sched/ hands back is one of these */
        struct vcpu *v;
};
static struct run_entity run_se[PART_MAX + 1][PART_MAX_VCPUS];

static uint64_t entity_id(const struct vcpu *v)
{
        return v->part->id | (uint64_t)v->index << 16;
}

static inline struct vcpu *entity_vcpu(const struct sched_entity *e)
{
        return ((const struct run_entity *)e)->v;
}

void run_sched_init(void)
{
        sched_init(&run_sched, NULL, hal_time_ns());
}

void run_cpu_online(unsigned cpu)
{
        run_lock_take();
        sched_cpu_init(&run_sched, cpu, hal_time_ns());
        this_cpu()->rq = &run_sched.rq[cpu];
        run_lock_give();
        hal_gic_enable(SGI_RESCHED, arch_mpidr(), resched_sgi, NULL);
        panic_cpu_online(); /* a panic elsewhere stops this CPU */
        virq_cpu_online();
}

/* e is runnable again: the CPU whose queue holds it looks again now, not at its next tick. */
static inline __attribute__((always_inline)) void entity_woken(struct sched_entity *e, uint64_t now)
{
        if (!sched_wake(&run_sched, e, now)) {
                return;
        }
        if (RVM_MAX_CPUS == 1 || e->cpu == this_cpu()->index) {
                this_cpu()->need_resched = true;
        } else if (e->cpu < percpu_count) {
                hal_gic_send_sgi(SGI_RESCHED, percpu[e->cpu].mpidr);
        }
}

/* Keep the scheduler's view of one vCPU in step with its state and its partition's. */
static void vcpu_changed(struct vcpu *v, uint64_t now)
{
        struct partition *p = v->part;
        struct sched_entity *e = v->se;
        /* Runnable for the scheduler: its partition runs and the vCPU is on and not waiting. */
        bool runnable =
            p->state == PART_RUNNING && v->state != VCPU_BLOCKED && v->state != VCPU_OFF;

        if (e == NULL) {
                if (p->state != PART_RUNNING) {
                        return;
                }
                struct run_entity *re = &run_se[p->id][v->index];
                e = &re->se;
                sched_entity_init(&run_sched, e, entity_id(v), p->id, SCHED_MODE_FLOW, 0);
                /* Spread vCPUs over the CPUs that are up; balancing moves them later. */
                unsigned cpus = percpu_count > 0 ? percpu_count : 1;
                sched_add(&run_sched, e, (p->id - 1 + v->index) % cpus, runnable, now);
                re->v = v;
                v->se = e;
                return;
        }
        if (runnable) {
                if (e->state == SCHED_BLOCKED) {
                        entity_woken(e, now); /* resumed, powered on: also on another CPU */
                }
        } else if (e->state != SCHED_BLOCKED) {
                sched_block(&run_sched, e, now);
        }
}

/* Keep the scheduler's view in step with p's lifecycle state (caller holds run_lock). */
void run_partition_changed(struct partition *p)
{
        uint64_t now = hal_time_ns();

        for (unsigned i = 0; i < p->nr_vcpus; i++) {
                vcpu_changed(&p->vcpus[i], now);
        }
        run_kick_partition(p);
}

void run_kick_cpu(int cpu)
{
        if (RVM_MAX_CPUS > 1 && cpu >= 0 && (unsigned)cpu != this_cpu()->index &&
            (unsigned)cpu < percpu_count) {
                hal_gic_send_sgi(SGI_RESCHED, percpu[cpu].mpidr);
        }
}

void run_kick_partition(struct partition *p)
{
        for (unsigned i = 0; i < p->nr_vcpus; i++) {
                run_kick_cpu(p->vcpus[i].cpu);
        }
}

void run_vcpu_changed(struct vcpu *v)
{
        vcpu_changed(v, hal_time_ns());
}

void run_vcpu_blocked(struct vcpu *v)
{
        if (v->se != NULL) {
                sched_block(&run_sched, v->se, arch_time_ns_inline());
        }
        this_cpu()->need_resched = true;
}

void run_vcpu_woken(struct vcpu *v)
{
        struct sched_entity *e = v->se;

        if (e == NULL || e->state != SCHED_BLOCKED) {
                return;
        }
        entity_woken(e, arch_time_ns_inline()); /* the IPC path: the clock read inline */
}

static void resched_sgi(unsigned intid, void *ctx)
{
        (void)intid;
        (void)ctx;
        this_cpu()->need_resched = true;
}

uint64_t run_vcpu_time(const struct vcpu *v, uint64_t now)
{
        const struct sched_entity *e = v->se;

        if (e == NULL) {
                return 0;
        }
        uint64_t t = e->run_ns;
        const struct sched_rq *rq = e->cpu < SCHED_MAX_CPUS ? &run_sched.rq[e->cpu] : NULL;
        if (rq != NULL && rq->current == e && now > rq->last_account_ns) {
                t += now - rq->last_account_ns; /* the slice in progress */
        }
        return t;
}

uint64_t run_vcpu_switches(const struct vcpu *v)
{
        return v->se != NULL ? v->se->switches_in : 0;
}

struct sched_entity *run_entity(const struct partition *p)
{
        return p->vcpus[0].se;
}

const struct sched *run_scheduler(void)
{
        return &run_sched;
}

/* pick, vcpu_put and vcpu_load are the world switch: inline in decide, and decide in the
 * trap's run_schedule_slow, one frame for all. */
#define SWITCH_PATH static inline __attribute__((always_inline))

/*
 * What this CPU runs after sched/ chose e (NULL: nothing here): e's vCPU if it can run here,
 * else (work pulled from a busier CPU when there was none) the next choice. Entities whose
 * partition stopped running meanwhile are blocked on the way.
 */
SWITCH_PATH struct vcpu *pick_from(struct percpu *c, struct vcpu *cur, struct sched_entity *e,
                                   uint64_t now)
{
        for (unsigned tries = 0;; tries++) {
                if (e == NULL) {
                        e = sched_pull(&run_sched, c->index, now);
                        if (e != NULL) {
                                e = sched_pick(&run_sched, c->index, now);
                        }
                }
                if (e == NULL) {
                        return NULL;
                }
                struct vcpu *v = entity_vcpu(e);
                if (v->part->state == PART_RUNNING && (v->state == VCPU_RUNNABLE || v == cur)) {
                        if (v != cur && v->cpu >= 0) {
                                /* Reset while another CPU still holds it (a restart, CPU_ON):
                                 * that CPU lets go at its next trap, which it was kicked to
                                 * take. Idle until then. */
                                return NULL;
                        }
                        return v;
                }
                vcpu_changed(v, now); /* stopped, off or waiting: block it */
                if (tries == PART_MAX * PART_MAX_VCPUS) {
                        return NULL;
                }
                e = sched_pick(&run_sched, c->index, now);
        }
}

/* The next vCPU for this CPU: the current one while sched/ keeps it, else pick_from what
 * sched_pick (after a yield, sched_yield_pick) chooses. */
SWITCH_PATH struct vcpu *pick(struct percpu *c, uint64_t now)
{
        struct vcpu *cur = c->current;
        bool cur_ok = cur != NULL && cur->part->state == PART_RUNNING && cur->state == VCPU_RUNNING;

        if (cur_ok && !c->need_resched) {
                return cur;
        }
        c->need_resched = false;
        /* (A vCPU that blocked itself, in a wait or WFI, is blocked in sched/ already:
         * vcpu_changed would find nothing to do.) */
        if (cur != NULL && !cur_ok &&
            !(cur->state == VCPU_BLOCKED && cur->se != NULL && cur->se->state == SCHED_BLOCKED)) {
                vcpu_changed(cur, now);
        }
        struct sched_entity *e = c->yield ? sched_yield_pick(&run_sched, c->index, now)
                                          : sched_pick(&run_sched, c->index, now);
        c->yield = false;
        return pick_from(c, cur, e, now);
}

/* Where a vCPU's live state goes when its context was reset while it ran here. */
static struct {
        struct arch_el1_ctx el1;
        struct arch_vgic vgic;
        struct arch_fp fp;
} stale[RVM_MAX_CPUS];

SWITCH_PATH void vcpu_put(struct percpu *c, struct vcpu *v)
{
        if (__atomic_load_n(&v->ctx_gen, __ATOMIC_ACQUIRE) == c->current_gen) {
                /* Its general registers are already in v->regs: the trap saved them there. */
                arch_vgic_save(&v->vgic);
                arch_el1_save(&v->el1);
                if (c->fp_owner == v) {
                        /* Save now: next time it may run elsewhere, which cannot reach these. */
                        arch_fp_save(&v->fp);
                }
        } else {
                /* Reset meanwhile (restart, CPU_ON): the hardware is cleared, nothing kept
                 * (the frame it trapped into is rewritten when it is next loaded). */
                arch_vgic_save(&stale[c->index].vgic);
                arch_el1_save(&stale[c->index].el1);
                if (c->fp_owner == v) {
                        arch_fp_save(&stale[c->index].fp);
                }
        }
        if (c->fp_owner == v) {
                c->fp_owner = NULL;
        }
        v->state = v->state == VCPU_RUNNING ? VCPU_RUNNABLE : v->state;
        v->cpu = -1;
        c->current = NULL;
}

SWITCH_PATH void vcpu_load(struct percpu *c, struct vcpu *v)
{
        v->state = VCPU_RUNNING;
        v->cpu = (int)c->index;
        c->current = v;
        c->current_gen = __atomic_load_n(&v->ctx_gen, __ATOMIC_ACQUIRE);
        if (v->reset_pending) {
                /* No CPU runs the old context any more (pick waits for that): safe now. */
                if (v->restore_regs != NULL) {
                        v->regs = *v->restore_regs; /* a checkpoint restored */
                        v->restore_regs = NULL;
                } else {
                        arch_frame_el1_entry(&v->regs, v->reset_entry, v->reset_arg);
                }
                v->reset_pending = false;
        }
        arch_frame_bind(&v->regs, c->index);
        arch_el1_load(&v->el1, part_vttbr(v->part), v->part->vtcr, v->index);
        arch_vgic_load(&v->vgic);
        arch_fp_trap_on(); /* its FP state is loaded on its first FP instruction */
}

/* Are v's registers run by RVM itself (a WASM partition's agents), not entered at EL1? */
static inline bool runs_in_el2(const struct vcpu *v)
{
#ifdef RVM_HAVE_WASM
        return v->part->cfg->kind == PART_KIND_WASM;
#else
        (void)v;
        return false;
#endif
}

/* A WASM partition's turn (runs_in_el2): its agents run until the tick asks for the next
 * partition (agent_run_partition takes the lock). */
static void agents_turn(struct vcpu *v)
{
#ifdef RVM_HAVE_WASM
        agent_run_partition(v->part);
#else
        (void)v; /* runs_in_el2 is never true: there are no WASM partitions */
#endif
}

/* Carry out the decision next (NULL: nothing to enter) for this CPU, whose current vCPU is
 * cur, and give the lock: see decide_inline. */
SWITCH_PATH struct vcpu *apply(struct percpu *c, struct vcpu *cur, struct vcpu *next,
                               struct vcpu **other)
{
        *other = NULL;
        if (next != NULL && next == cur) {
                run_lock_give();
                return cur;
        }
        if (cur != NULL) {
                vcpu_put(c, cur);
        }
        if (next != NULL && !runs_in_el2(next)) {
                vcpu_load(c, next);
                run_lock_give();
                return next;
        }
        run_lock_give();
        *other = next;
        return NULL;
}

/*
 * One decision, under the lock: the vCPU to enter on this CPU (the current one goes on, or
 * it is put away and the next one loaded), or NULL with *other set to what this CPU does
 * instead: a WASM partition whose agents get their turn here, at EL2, or NULL: idle.
 */
SWITCH_PATH struct vcpu *decide_inline(struct percpu *c, struct vcpu **other)
{
        if (c->console_input) {
                c->console_input = false;
                monitor_poll(); /* the monitor runs on CPU 0 between vCPUs */
                con_drain();    /* its answer, before anyone takes the lock */
        }
        if (c->index == 0 && reshape_due()) {
                reshape_run(); /* splits and merges the coherence engine decided, off the tick */
                con_drain();
        }
        run_lock_take();
        uint64_t now = arch_time_ns_inline(); /* one clock read for the whole decision */
        struct vcpu *cur = c->current;
        return apply(c, cur, pick(c, now), other);
}

/* decide, out of line for the idle loop (the trap's path has it inline, below). */
static __attribute__((noinline)) struct vcpu *decide(struct percpu *c, struct vcpu **other)
{
        return decide_inline(c, other);
}

/* Until there is a vCPU to enter: WASM partitions' turns, or idling. */
static __attribute__((noinline)) struct vcpu *run_others(struct percpu *c, struct vcpu *other);

#ifndef __OPTIMIZE_SIZE__
/* decide after sched/ chose e, for run_yield_switch: pick_from and apply, out of line. */
static __attribute__((noinline)) struct arch_regs *decide_from(struct percpu *c, struct vcpu *cur,
                                                               struct sched_entity *e, uint64_t now)
{
        struct vcpu *other;
        struct vcpu *v = apply(c, cur, pick_from(c, cur, e, now), &other);

        v = v != NULL ? v : run_others(c, other);
        if (virq_attention(v)) {
                virq_sync(v);
        }
        return &v->regs;
}

/*
 * The yield hypercall (kernel/trap.c): the decision run_yield() then run_schedule() make, with
 * their general steps left out where they have nothing to do. The yielder runs (its partition
 * too) and this CPU has no chore waiting (console input, a reshape): sched_yield_pick chooses,
 * under the lock, at one time stamp; the yielder goes on, or the world switch to a vCPU that
 * can be loaded here. Any other choice (a vCPU stopped or held by another CPU meanwhile, a
 * WASM partition, nothing) is decided by pick from there, as its loop would after the same
 * first choice. (A build for size, the Seed, takes the general path: the same decisions.)
 */
struct arch_regs *run_yield_switch(struct percpu *c, struct arch_regs *regs)
{
        struct vcpu *cur = c->current;

        if (!c->yield || c->console_input || (c->index == 0 && reshape_due()) ||
            cur->state != VCPU_RUNNING ||
            __atomic_load_n(&cur->part->state, __ATOMIC_RELAXED) != PART_RUNNING) {
                return run_schedule(regs);
        }
        c->need_resched = false;
        c->yield = false;
        run_lock_take();
        uint64_t now = arch_time_ns_inline();
        struct sched_entity *e = sched_yield_pick_rq(&run_sched, c->rq, c->index, now);
        struct vcpu *next = e != NULL ? entity_vcpu(e) : NULL;
        if (next != cur) {
                if (next == NULL || next->part->state != PART_RUNNING ||
                    next->state != VCPU_RUNNABLE || next->cpu >= 0 || runs_in_el2(next)) {
                        return decide_from(c, cur, e, now);
                }
                vcpu_put(c, cur);
                vcpu_load(c, next);
        }
        run_lock_give();
        if (virq_attention(next)) {
                virq_sync(next);
        }
        return &next->regs;
}
#endif

static __attribute__((noinline)) struct vcpu *run_others(struct percpu *c, struct vcpu *other)
{
        for (;;) {
                uint64_t t0 = hal_time_ns();
                if (other != NULL) {
                        agents_turn(other); /* its time: its entity's, charged by sched/ */
                } else {
                        /* Nothing to run: host mode, flush the witness log if due, wait. */
                        arch_host_mode();
                        if (c->index == 0) {
                                wlog_idle();
                                con_drain();
                        }
                        /* WFI with interrupts masked (it wakes on a pending one all the
                         * same), then let it in: one that arrives just before the WFI
                         * cannot leave this CPU asleep until the next tick. */
                        if (!c->need_resched && !c->console_input) {
                                arch_idle();
                        }
                        arch_irqs_on();
                        arch_irqs_off();
                        c->idle_ns += hal_time_ns() - t0;
                }
                struct vcpu *v = decide(c, &other);
                if (v != NULL) {
                        return v;
                }
        }
}

__attribute__((noinline)) struct vcpu *run_schedule_slow(struct percpu *c)
{
        struct vcpu *other;
#ifdef __OPTIMIZE_SIZE__
        struct vcpu *v = decide(c, &other); /* a build for size (the Seed) keeps one copy */
#else
        struct vcpu *v = decide_inline(c, &other);
#endif

        return v != NULL ? v : run_others(c, other);
}

void run_reload(struct percpu *c)
{
        while (c->reload != NULL) {
                run_lock_take();
                struct partition *p = c->reload;
                if (part_reload_step(p)) {
                        c->reload = NULL;
                        run_partition_changed(p); /* its boot vCPU can run again */
                }
                run_lock_give();
        }
}

void run_loop(void)
{
        arch_irqs_off();
        arch_enter_frame(run_schedule(NULL));
}

#define RUN_EPOCH_TICKS 100 /* one scheduler epoch (and its witness record) per second */

void run_tick(void)
{
        struct percpu *c = this_cpu();
        uint64_t now = hal_time_ns();

        run_lock_take();
        if (sched_tick(&run_sched, c->index, now)) {
                c->need_resched = true;
        }
        if (c->index == 0) {
                lease_tick(now); /* device leases end on time, whoever is running */
        }
        /* vCPUs asleep in WFI whose virtual timer is due (a tick can take the place of the
         * event that was due with it); the next such deadline gets an event here. */
        hal_timer_event(c->index, virq_tick());
        bool epoch = c->index == 0 && c->ticks % RUN_EPOCH_TICKS == 0;
        if (epoch) {
                sched_balance(&run_sched, now);
                sched_epoch(&run_sched, now, NULL); /* DC-10: one summary record per epoch */
                ipc_epoch();                        /* and one per edge direction in use */
                cohere_shared_epoch();              /* shared pages weigh in like traffic */
                gate_epoch();          /* denials over the budget, counted per caller */
                mem_tier_idle_epoch(); /* small guests asleep long enough go dormant */
        }
        run_lock_give();
        if (c->index == 0) {
                wlog_tick(); /* the witness store is written outside run_lock */
        }
        if (epoch) {
                /* Work that needs no run_lock: the traffic just counted gives each partition
                 * its cut pressure (the graph is CPU 0's), then the scheduler is told; the
                 * store is checked a little even when the machine is never idle. */
                cohere_compute();
                run_lock_take();
                cohere_apply();
                run_lock_give();
                wlog_epoch_scrub();
        }
}

void run_timer_event(void)
{
        run_lock_take();
        uint64_t next = virq_tick(); /* wake who is due */
        run_lock_give();
        hal_timer_event(this_cpu()->index, next);
}

void run_park(struct partition *p)
{
        struct percpu *c = this_cpu();
        struct vcpu *v = c->current;

        if (v != NULL && v->part == p) {
                vcpu_put(c, v);
                c->need_resched = true;
        }
}

void run_drop_current(struct partition *p)
{
        struct percpu *c = this_cpu();

        for (unsigned i = 0; i < p->nr_vcpus; i++) {
                struct vcpu *v = &p->vcpus[i];
                if (c->fp_owner == v) {
                        c->fp_owner = NULL; /* its FP registers are discarded with the rest */
                }
                if (c->current == v) {
                        /*
                         * Its live state is of no further use, but must not outlive it here:
                         * list registers it still holds would be injected into whoever runs
                         * next, and its virtual timer would fire into them. Emptied and
                         * stopped into the scrap area, not saved.
                         */
                        arch_vgic_save(&stale[c->index].vgic);
                        arch_el1_save(&stale[c->index].el1);
                        v->state = VCPU_RUNNABLE;
                        v->cpu = -1;
                        c->current = NULL;
                        c->need_resched = true;
                }
        }
        /* vCPUs of p live on other CPUs are dropped there: their context generation moved. */
}
