/*
 * kernel/virq.c: the kernel's side of virtual interrupts (partition/virq.c is the mechanism):
 * it lends the mechanism the run loop (struct virq_env: run_lock, waking, sleeping in WFI,
 * yielding, kicking another CPU) and takes the physical PPI of the guests' virtual timer on
 * each CPU for the vCPU running there.
 */
#include "kernel/virq.h"

#include "arch/aarch64/arch.h"
#include "hal/gic.h"
#include "hal/timer.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "partition/virq.h"

static void env_lock(void)
{
        run_lock_take();
}

static void env_unlock(void)
{
        run_lock_give();
}

static void env_sleep(struct vcpu *v, uint64_t deadline)
{
        run_vcpu_blocked(v);
        hal_timer_event(this_cpu()->index, deadline);
}

static void env_yield(void)
{
        run_yield();
}

const struct virq_env virq_env = {
    .lock = env_lock,
    .unlock = env_unlock,
    .woken = run_vcpu_woken,
    .sleep = env_sleep,
    .yield = env_yield,
    .kick = run_kick_cpu,
};

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
