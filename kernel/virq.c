/*
 * kernel/virq.c: the kernel's side of virtual interrupts (partition/virq.c is the mechanism):
 * it lends the mechanism the run loop (the virq_run_ functions: run_lock, waking, sleeping in
 * WFI, yielding, kicking another CPU) and takes the physical PPI of the guests' virtual timer on
 * each CPU for the vCPU running there.
 */
#include "kernel/virq.h"

#include "arch/aarch64/arch.h"
#include "hal/gic.h"
#include "kernel/run.h"
#include "partition/virq.h"

void virq_run_lock(void)
{
        run_lock_take();
}

void virq_run_unlock(void)
{
        run_lock_give();
}

void virq_run_woken(struct vcpu *v)
{
        run_vcpu_woken(v);
}

void virq_run_blocked(struct vcpu *v)
{
        run_vcpu_blocked(v);
}

void virq_run_yield(void)
{
        run_yield();
}

void virq_run_kick(int cpu)
{
        run_kick_cpu(cpu);
}

/* The physical PPI of the virtual timer of the vCPU running here. */
static void vtimer_irq(unsigned intid, void *ctx)
{
        (void)intid;
        (void)ctx;
        virq_vtimer_fired(run_current());
}

/* The physical PPI of the running vCPU's virtual timer, enabled on every CPU that has a
 * virtual interface. */
void virq_cpu_online(void)
{
        if (arch_vgic_cpu_init() != 0) {
                hal_gic_enable(ARCH_VTIMER_INTID, arch_mpidr(), vtimer_irq, NULL);
        }
}
