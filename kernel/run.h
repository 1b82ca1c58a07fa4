/*
 * kernel/run.h: running partitions on CPUs: the per-CPU run loop and the world switch
 * (kernel/run.c), and the handling of every trap a partition takes (kernel/trap.c:
 * hypercalls, PSCI, aborts, WFI, trapped system registers, SErrors).
 */
#ifndef RVM_KERNEL_RUN_H
#define RVM_KERNEL_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/percpu.h"
#include "kernel/spinlock.h"
#include "partition/partition.h"
#include "sched/sched.h"

/* One big lock over partitions, vCPUs, capabilities and the gate. */
extern struct spinlock run_lock;

/*
 * Take and give run_lock. Images built with RVM_LOCK_STATS (make test's lock-statistics
 * image) also measure every hold in instructions (the PMU) and keep each CPU's longest, with
 * where it was taken: monitor `locks`, and the hostile-load figure of `make bench`. A build
 * for size (the Seed) calls one copy in kernel/run.c: clang's link-time optimisation there
 * inlines nothing that costs code, and kept a copy of each in every file that took the lock.
 */
#if defined(RVM_LOCK_STATS) || defined(__OPTIMIZE_SIZE__)
void run_lock_take(void);
void run_lock_give(void);
#else
static inline void run_lock_take(void)
{
        spin_lock(&run_lock);
}
static inline void run_lock_give(void)
{
        spin_unlock(&run_lock);
}
#endif

/* Enter the run loop on this CPU (after boot); never returns. */
__attribute__((noreturn)) void run_loop(void);

/* The scheduler (sched/) behind the run loop: set up once, then each CPU as it comes up. */
void run_sched_init(void);
void run_cpu_online(unsigned cpu);
/* Tell the scheduler p's lifecycle state changed (caller holds run_lock); CPUs running its
 * vCPUs are made to look (an SGI). */
void run_partition_changed(struct partition *p);
void run_kick_partition(struct partition *p);
/* One vCPU's state changed (CPU_ON, CPU_OFF). */
void run_vcpu_changed(struct vcpu *v);
/* v's time on a CPU up to now (0: only what is charged so far) and the times it was
 * switched to: its scheduling entity's accounting, kept once (caller holds run_lock). */
uint64_t run_vcpu_time(const struct vcpu *v, uint64_t now);
uint64_t run_vcpu_switches(const struct vcpu *v);
/* The scheduling entity of p's boot vCPU (NULL before it first ran). */
struct sched_entity *run_entity(const struct partition *p);
/* v blocked (it gives up its CPU) / was woken (its CPU is asked to reschedule). */
void run_vcpu_blocked(struct vcpu *v);
void run_vcpu_woken(struct vcpu *v);
const struct sched *run_scheduler(void);

/* The tick: charge the running vCPU, maybe ask for a reschedule, close epochs. */
void run_tick(void);
/* The timer interrupted for an event, not a tick: vCPUs asleep in WFI whose virtual timer
 * is due are woken (hal_timer_event). */
void run_timer_event(void);
/* The running vCPU gives the rest of its slice away (WFI, yield hypercall). Only this CPU's
 * own flags change (no lock): the next decision here tells sched/, under the lock. (c: this
 * CPU, where the caller has it already.) */
static inline void run_yield_on(struct percpu *c)
{
        c->yield = true;
        c->need_resched = true;
}
static inline void run_yield(void)
{
        run_yield_on(this_cpu());
}

/* Make CPU cpu (if another, valid one) look at its run queue: an SGI. */
void run_kick_cpu(int cpu);

/* The vCPU running on this CPU (NULL at EL2 idle). */
static inline struct vcpu *run_current(void)
{
        return this_cpu()->current;
}

/* If p's vCPU is live on this CPU, put it away (its state saved into the vCPU, as at a
 * switch): the monitor does this before it checkpoints or restores p from CPU 0. */
void run_park(struct partition *p);

/* If p's vCPU is live on this CPU, forget its live registers (it is reset or gone). */
void run_drop_current(struct partition *p);

/* Before EL2 code uses FP/SIMD itself (the WebAssembly interpreter): the FP registers of the
 * vCPU that last used them on this CPU saved into it, and FP no longer trapped. Whoever calls
 * this traps FP again when done (arch_fp_trap(true)), so that vCPU's next FP instruction
 * reloads its registers. IRQs masked (this CPU stays the same). */
void run_fp_park(void);

/* A partition restarted on this CPU (c->reload) reloads its RAM in steps, the lock taken and
 * given around each: called with run_lock not held, after the trap that restarted it. */
void run_reload(struct percpu *c);

/* Handle a fault by p's policy: witness it (cap = where: a stage-2 abort's IPA; 0 for a
 * system register or an SError; FAR_EL2, a guest virtual address or UNKNOWN, for any other
 * class: not always an IPA, so a plain number), then stop or restart p. */
void run_fault(struct partition *p, uint32_t esr, uint64_t where, uint32_t code);

/* A trapped SMC (kernel/guest.c): PSCI through the gate, anything else refused. The caller
 * holds the run lock. */
void guest_smc(struct arch_regs *regs, struct vcpu *v);

/* A virtual UART's complete line, to the console (kernel/part_cmds.c); its output while a
 * terminal is attached, and its interrupt raised for a vCPU (kernel/console_cmd.c). */
void part_vdev_line(const struct partition *p, const char *text);
void part_vdev_raw(const struct partition *p, const char *s, size_t n);
void part_vdev_irq(struct partition *p, uint32_t vcpu, uint32_t intid);

#endif
