/*
 * kernel/run_priv.h: the run loop's fast path, shared by kernel/run.c and kernel/trap.c (not
 * part of run.h's interface): every trap from a partition ends in run_schedule.
 */
#ifndef RVM_KERNEL_RUN_PRIV_H
#define RVM_KERNEL_RUN_PRIV_H

#include "arch/aarch64/arch.h"
#include "kernel/percpu.h"
#include "partition/partition.h"
#include "partition/virq.h"
#include "sched/sched.h"

/* The scheduler behind the run loop (kernel/run_sched.c keeps its view of the vCPUs). */
extern struct sched run_sched;

/* A vCPU's entity and the vCPU it stands for (the vCPU points back: vcpu->se, NULL until
 * attached). */
struct run_entity {
        struct sched_entity se; /* first: what sched/ hands back is one of these */
        struct vcpu *v;
};

static inline struct vcpu *entity_vcpu(const struct sched_entity *e)
{
        return ((const struct run_entity *)e)->v;
}

/* Keep sched/'s view of v in step with its state and its partition's, at time now (caller
 * holds run_lock): attached when its partition first runs, then woken or blocked. */
void vcpu_changed(struct vcpu *v, uint64_t now);

/* The rest of run_schedule: a decision under the lock, a world switch, idling (run.c). */
struct vcpu *run_schedule_slow(struct percpu *c);

/* The frame to enter: frame itself while its vCPU goes on, else the next vCPU's (this
 * idles while there is none). frame is NULL when the CPU comes from no vCPU (run_loop). */
static inline struct arch_regs *run_schedule_inline(struct arch_regs *frame)
{
        struct percpu *c = this_cpu();
        struct vcpu *cur = c->current;

        /*
         * The common case, without the lock: the same vCPU goes on (no tick asked for a
         * switch, its partition still runs). A state change made by another CPU at this
         * instant is seen at the next trap or tick. Console input is noticed by the
         * interrupt that brings it (arch_hook_irq, kernel/trap.c).
         */
        if (cur != NULL && !c->need_resched && cur->state == VCPU_RUNNING &&
            __atomic_load_n(&cur->part->state, __ATOMIC_RELAXED) == PART_RUNNING) {
                if (virq_attention(cur)) {
                        virq_sync(cur);
                }
                return frame;
        }
        cur = run_schedule_slow(c);
        if (virq_attention(cur)) {
                virq_sync(cur);
        }
        return &cur->regs;
}

/* A build for size (the Seed) calls one copy in kernel/run.c: gcc kept one in each file. */
#ifdef __OPTIMIZE_SIZE__
struct arch_regs *run_schedule(struct arch_regs *frame);
#else
static inline struct arch_regs *run_schedule(struct arch_regs *frame)
{
        return run_schedule_inline(frame);
}
#endif

/* After a local hypercall of the vCPU this CPU runs (its frame regs) asked for a switch: a
 * yield's own path (run.c), or run_schedule in a build for size (the Seed). */
#ifdef __OPTIMIZE_SIZE__
static inline struct arch_regs *run_yield_switch(struct percpu *c, struct arch_regs *regs)
{
        (void)c;
        return run_schedule(regs);
}
#else
struct arch_regs *run_yield_switch(struct percpu *c, struct arch_regs *regs);
#endif

#endif
