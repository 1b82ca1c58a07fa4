/*
 * kernel/run.c: the run loop and the world switch. A trap from a partition saves its
 * registers straight into the running vCPU's frame (vectors.S); handling it (kernel/trap.c)
 * ends in run_schedule() (run_priv.h), which returns that frame (the same vCPU goes on), or
 * here puts the vCPU away (its EL1, virtual GIC and FP state) and loads another, returning
 * that one's frame, or idles until there is one. vectors.S then enters the frame it is given.
 */
#include "kernel/run.h"

#include "arch/aarch64/arch.h"
#include "hal/timer.h"
#include "kernel/agents.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "kernel/percpu.h"
#include "kernel/reshape.h"
#include "kernel/run_priv.h"
#include "kernel/wlog.h"
#include "partition/virq.h"
#include "sched/sched.h"

struct spinlock run_lock = SPINLOCK_INIT;

#if defined(__OPTIMIZE_SIZE__) && !defined(RVM_LOCK_STATS)
/* One copy for a build for size (run.h). */
void run_lock_take(void)
{
        spin_lock(&run_lock);
}

void run_lock_give(void)
{
        spin_unlock(&run_lock);
}
#endif

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
        bool fp = c->fp_owner == v; /* its FP/SIMD registers are live here */

        if (__atomic_load_n(&v->ctx_gen, __ATOMIC_ACQUIRE) == c->current_gen) {
                /* Its general registers are already in v->regs: the trap saved them there. */
                arch_vgic_save(&v->vgic);
                arch_el1_save(&v->el1);
                if (fp) {
                        /* Save now: next time it may run elsewhere, which cannot reach these. */
                        arch_fp_save(&v->fp);
                }
        } else {
                /* Reset meanwhile (restart, CPU_ON): the hardware is cleared, nothing kept
                 * (the frame it trapped into is rewritten when it is next loaded). */
                arch_vgic_save(&stale[c->index].vgic);
                arch_el1_save(&stale[c->index].el1);
                if (fp) {
                        arch_fp_save(&stale[c->index].fp);
                }
        }
        if (fp) {
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
        c->local_call.caller = v->part_id; /* its local hypercalls' (kernel/trap.c) */
        c->local_call.x = v->regs.x;
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
        arch_frame_bind(&v->regs, c->stack_top);
        arch_el1_load(&v->el1, part_vttbr(v->part), v->part->vtcr);
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
        if (c->reshape_due) {
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

        if (c->flags != PERCPU_FLAGS_YIELD || cur->state != VCPU_RUNNING ||
            __atomic_load_n(&cur->part->state, __ATOMIC_RELAXED) != PART_RUNNING) {
                return run_schedule(regs);
        }
        c->need_resched = false;
        c->yield = false;
        run_lock_take();
        uint64_t now = arch_time_ns_inline();
        struct sched_entity *e = sched_yield_pick_rq(&run_sched, c->rq, c->index, now);
        if (e == NULL) {
                return decide_from(c, cur, e, now);
        }
        struct vcpu *next = entity_vcpu(e);
        if (next != cur) {
                if (next->part->state != PART_RUNNING || next->state != VCPU_RUNNABLE ||
                    next->cpu >= 0 || runs_in_el2(next)) {
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

#ifdef __OPTIMIZE_SIZE__
struct arch_regs *run_schedule(struct arch_regs *frame)
{
        return run_schedule_inline(frame);
}
#endif

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

void run_park(struct partition *p)
{
        struct percpu *c = this_cpu();
        struct vcpu *v = c->current;

        if (v != NULL && v->part == p) {
                vcpu_put(c, v);
                c->need_resched = true;
        }
}

void run_fp_park(void)
{
        struct percpu *c = this_cpu();

        arch_fp_trap(false); /* first: saving the registers is an FP access too */
        if (c->fp_owner != NULL) {
                arch_fp_save(&c->fp_owner->fp);
                c->fp_owner = NULL;
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
