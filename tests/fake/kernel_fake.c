/*
 * tests/fake/kernel_fake.c: the kernel services the hypercall handlers call (the run loop's
 * wake and block, virtual interrupts, the GIC for leased devices), recorded in fake_kernel
 * for the host tests to check (see arch_fake.h).
 */
#include "hal/gic.h"
#include "kernel/run.h"
#include "kernel/tier.h"
#include "partition/tiers.h"
#include "partition/virq.h"
#include "tests/fake/arch_fake.h"

struct fake_kernel fake_kernel;
struct spinlock run_lock = SPINLOCK_INIT;

void run_vcpu_woken(struct vcpu *v)
{
        (void)v;
        fake_kernel.woken++;
}

void run_vcpu_blocked(struct vcpu *v)
{
        (void)v;
        fake_kernel.blocked++;
}

void run_vcpu_changed(struct vcpu *v)
{
        (void)v;
        fake_kernel.vcpu_changed++;
}

void run_partition_changed(struct partition *p)
{
        (void)p;
        fake_kernel.part_changed++;
}

void run_reload(struct percpu *c)
{
        (void)c; /* the tests step part_reload_step themselves */
}

void run_drop_current(struct partition *p)
{
        (void)p;
        fake_kernel.dropped++;
}

void virq_raise(struct vcpu *v, uint32_t vintid)
{
        fake_kernel.last_virq_vcpu = v;
        fake_kernel.last_virq = vintid;
        fake_kernel.virqs++;
}

void virq_forward(struct vcpu *v, uint32_t intid)
{
        (void)v;
        (void)intid;
        fake_kernel.forwarded++;
}

void virq_unforward(struct vcpu *v, uint32_t intid)
{
        (void)v;
        (void)intid;
        fake_kernel.unforwarded++;
}

enum gic_err hal_gic_enable(unsigned intid, uint64_t mpidr, gic_handler_fn fn, void *ctx)
{
        (void)intid;
        (void)mpidr;
        (void)fn;
        (void)ctx;
        return GIC_OK;
}

enum gic_err hal_gic_mask_spi(unsigned intid, bool masked)
{
        (void)intid;
        (void)masked;
        return GIC_OK;
}

bool tiers_claims(uint32_t part)
{
        (void)part;
        return false; /* no dormant memory in the host tests */
}

void tiers_wake(struct partition *p)
{
        (void)p;
}

void mem_tier_show(bool summary_only)
{
        (void)summary_only;
}

void tiers_touch(struct partition *p, ipa_t ipa, uint64_t len)
{
        (void)p;
        (void)ipa;
        (void)len;
}
