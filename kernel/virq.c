/*
 * kernel/virq.c: virtual interrupts (docs/ABI.md "Virtual interrupts"). Sources raise vINTIDs
 * for a vCPU as bits (virq_raise); the entry path of that vCPU's CPU moves them into the
 * GICv3 list registers (virq_sync, arch/aarch64/vgic.c). Level-triggered sources (the
 * virtual timer, a leased device's SPI) stay masked until the guest ends them. Also here:
 * the vCPU side of WFI (sleep until an interrupt or the virtual timer is due) and guest SGIs
 * between the vCPUs of one partition. Callers hold run_lock unless a function says otherwise.
 */
#include "kernel/virq.h"

#include "arch/aarch64/arch.h"
#include "hal/gic.h"
#include "hal/timer.h"
#include "kernel/percpu.h"
#include "kernel/run.h"

/*
 * Move the raised vINTIDs of one bitmap (bit n = vINTID base + n) into list registers;
 * return those delivered.
 */
static uint64_t virq_deliver(struct vcpu *v, uint64_t *bitmap, uint32_t base)
{
        uint64_t raised = __atomic_exchange_n(bitmap, 0, __ATOMIC_ACQUIRE);
        uint64_t done = 0;

        while (raised != 0) {
                uint64_t bit = raised & -raised;
                if (!arch_vgic_live_add(base + (uint32_t)__builtin_ctzll(raised))) {
                        __atomic_or_fetch(bitmap, raised, __ATOMIC_RELAXED);
                        break;
                }
                v->virqs++;
                done |= bit;
                raised &= raised - 1;
        }
        return done;
}

/*
 * Virtual interrupts of the vCPU about to be entered on this CPU. A level-triggered source
 * (its virtual timer, a leased device's SPI) is masked by RVM when it fires and unmasked
 * once the guest's EOI has emptied its list register: a level that is still high then fires
 * again, as on hardware. Raised vINTIDs move into free list registers first (those that
 * find none stay raised for the next entry), so a source is never unmasked while its
 * interrupt is still on its way to the guest.
 */
void virq_sync(struct vcpu *v)
{
        virq_deliver(v, &v->virq_pending, 0);
        /* Doorbells the guest has taken and ended leave the queued set (see virq_raise). */
        uint64_t queued = __atomic_load_n(&v->doorbell_queued, __ATOMIC_RELAXED);
        for (uint64_t q = queued; q != 0; q &= q - 1) {
                if (!arch_vgic_live_holds(RVM_VIRQ_DOORBELL_BASE + (uint32_t)__builtin_ctzll(q))) {
                        queued &= ~(q & -q);
                }
        }
        queued |= virq_deliver(v, &v->doorbell_pending, RVM_VIRQ_DOORBELL_BASE);
        __atomic_store_n(&v->doorbell_queued, queued, __ATOMIC_RELEASE);
        uint64_t masked = __atomic_load_n(&v->virq_masked, __ATOMIC_ACQUIRE);
        while (masked != 0) {
                uint32_t vintid = (uint32_t)__builtin_ctzll(masked);
                uint64_t bit = 1ULL << vintid;
                masked &= masked - 1;
                if (arch_vgic_live_holds(vintid) ||
                    (__atomic_load_n(&v->virq_pending, __ATOMIC_RELAXED) & bit) != 0) {
                        continue; /* not yet ended by the guest */
                }
                /* Claim the bit first: a lease ending meanwhile clears it and keeps it masked. */
                if ((__atomic_fetch_and(&v->virq_masked, ~bit, __ATOMIC_ACQ_REL) & bit) == 0) {
                        continue;
                }
                if (vintid == ARCH_VTIMER_INTID) {
                        arch_vtimer_mask(false);
                } else {
                        hal_gic_mask_spi(vintid, false);
                }
        }
}

void virq_forward(struct vcpu *v, uint32_t intid)
{
        if (intid < 32 || intid >= 64) {
                return;
        }
        hal_gic_mask_spi(intid, true);
        __atomic_or_fetch(&v->virq_masked, 1ULL << intid, __ATOMIC_RELEASE);
        virq_raise(v, intid);
}

void virq_unforward(struct vcpu *v, uint32_t intid)
{
        if (intid < 32 || intid >= 64) {
                return;
        }
        hal_gic_mask_spi(intid, true);
        __atomic_and_fetch(&v->virq_masked, ~(1ULL << intid), __ATOMIC_RELEASE);
        __atomic_and_fetch(&v->virq_pending, ~(1ULL << intid), __ATOMIC_RELEASE);
}

/* Wake v if it sleeps in WFI (run_lock held). */
static void wfi_wake(struct vcpu *v)
{
        if (v->wfi && v->state == VCPU_BLOCKED) {
                v->wfi = false;
                v->state = VCPU_RUNNABLE;
                run_vcpu_woken(v);
        }
}

void virq_raise(struct vcpu *v, uint32_t vintid)
{
        if (vintid < 64) {
                __atomic_or_fetch(&v->virq_pending, 1ULL << vintid, __ATOMIC_RELEASE);
        } else if (vintid >= RVM_VIRQ_DOORBELL_BASE && vintid < RVM_VIRQ_DOORBELL_BASE + 16) {
                uint64_t bit = 1ULL << (vintid - RVM_VIRQ_DOORBELL_BASE);
                __atomic_or_fetch(&v->doorbell_pending, bit, __ATOMIC_RELEASE);
                wfi_wake(v);
                if ((__atomic_load_n(&v->doorbell_queued, __ATOMIC_ACQUIRE) & bit) != 0) {
                        /*
                         * Still in its list register at the last entry: the guest has not
                         * ended the previous ring. As KVM does, no kick: the raise is kept
                         * and delivered at the vCPU's next entry. A peer ringing a doorbell
                         * in a loop so cannot make another CPU trap at will.
                         */
                        return;
                }
        } else {
                return;
        }
        wfi_wake(v); /* asleep in WFI: this is what it waits for */
        int cpu = __atomic_load_n(&v->cpu, __ATOMIC_RELAXED);
        run_kick_cpu(cpu); /* running elsewhere: that CPU traps and delivers it */
}

/* The physical PPI of the virtual timer of the vCPU running here: mask it, raise it. */
static void vtimer_irq(unsigned intid, void *ctx)
{
        struct vcpu *v = this_cpu()->current;

        (void)intid;
        (void)ctx;
        arch_vtimer_mask(true);
        if (v != NULL) {
                v->exits[VCPU_EXIT_IRQ_VTIMER]++; /* written only by the CPU running v */
                __atomic_or_fetch(&v->virq_masked, 1ULL << ARCH_VTIMER_INTID, __ATOMIC_RELAXED);
                __atomic_or_fetch(&v->virq_pending, 1ULL << ARCH_VTIMER_INTID, __ATOMIC_RELAXED);
        }
}

/*
 * WFI / WFE. A vCPU that has enabled its virtual interrupts and has none pending sleeps in
 * WFI until one is raised for it (virq_raise) or its virtual timer's deadline passes
 * (an event on this CPU's EL2 timer, run_timer_event): it costs no CPU. Otherwise (WFE, or a guest
 * that takes no interrupts, for which WFI may complete at any time) it gives the rest of its slice
 * away.
 */
void virq_wfx(struct vcpu *v, bool wfe)
{
        /* First what the entry path would do: deliver raised interrupts, unmask sources the
         * guest has ended (a level still high fires again on the way back in). */
        virq_sync(v);
        if (wfe || !arch_vgic_live_enabled() || arch_vgic_live_pending() ||
            (__atomic_load_n(&v->virq_pending, __ATOMIC_RELAXED) |
             __atomic_load_n(&v->doorbell_pending, __ATOMIC_RELAXED)) != 0) {
                run_yield();
                return;
        }
        uint64_t deadline = arch_vtimer_deadline();
        if (deadline != 0 && deadline <= arch_counter()) {
                return; /* the timer is due: it fires on the way back in */
        }
        v->wfi = true;
        v->wfi_until = deadline;
        v->state = VCPU_BLOCKED;
        run_vcpu_blocked(v);
        /* Woken on time, not at the next tick: this CPU's timer interrupts then too. */
        hal_timer_event(this_cpu()->index, deadline);
}

/* MSR ICC_SGI1R_EL1, Xt (op0=3 op1=0 CRn=12 CRm=11 op2=5, a write): HCR_EL2.IMO traps it. */
static bool is_sgi1r_write(uint64_t iss)
{
        unsigned op0 = (iss >> 20) & 3, op1 = (iss >> 14) & 7, crn = (iss >> 10) & 15;
        unsigned crm = (iss >> 1) & 15, op2 = (iss >> 17) & 7;

        return op0 == 3 && op1 == 0 && crn == 12 && crm == 11 && op2 == 5 && (iss & 1) == 0;
}

/*
 * A guest's software-generated interrupt to vCPUs of its own partition: INTID [27:24] to
 * those in the target list [15:0] (aff0; its vCPUs have Aff1..3 = 0, so a request naming
 * another affinity reaches nobody), or to all others when IRM [40] is set. It never leaves
 * the partition.
 */
static void guest_sgi(struct vcpu *v, uint64_t val)
{
        struct partition *p = v->part;
        uint32_t intid = (uint32_t)(val >> 24) & 0xf;
        bool all_others = (val >> 40) & 1;
        uint64_t higher = val & 0x00ff00ff00ff0000ULL; /* Aff3, Aff2, Aff1 */
        uint32_t list = (uint32_t)val & 0xffff;

        if (!all_others && ((higher != 0) || ((val >> 44) & 0xf) != 0)) {
                return;
        }
        for (unsigned i = 0; i < p->nr_vcpus; i++) {
                struct vcpu *t = &p->vcpus[i];
                bool chosen = all_others ? t != v : ((list >> i) & 1) != 0;
                if (chosen && t->state != VCPU_OFF) {
                        virq_raise(t, intid);
                }
        }
}

/* The physical PPI of the running vCPU's virtual timer, enabled on every CPU that has a
 * virtual interface. */
void virq_cpu_online(void)
{
        if (arch_vgic_cpu_init() != 0) {
                hal_gic_enable(ARCH_VTIMER_INTID, arch_mpidr(), vtimer_irq, NULL);
        }
}

bool virq_sgi_trap(struct vcpu *v, const struct arch_regs *regs, uint64_t esr)
{
        if (!is_sgi1r_write(esr & 0x1ffffff)) {
                return false;
        }
        unsigned rt = (unsigned)(esr >> 5) & 31;
        guest_sgi(v, rt == 31 ? 0 : regs->x[rt]);
        return true;
}

uint64_t virq_tick(void)
{
        uint64_t now = arch_counter();
        uint64_t next = 0;

        for (unsigned id = 1; id <= part_count(); id++) {
                struct partition *p = part_get(id);
                for (unsigned i = 0; i < p->nr_vcpus; i++) {
                        struct vcpu *v = &p->vcpus[i];
                        if (!v->wfi || v->wfi_until == 0) {
                                continue;
                        }
                        if (v->wfi_until <= now) {
                                wfi_wake(v);
                        } else if (next == 0 || v->wfi_until < next) {
                                next = v->wfi_until;
                        }
                }
        }
        return next;
}
