/*
 * partition/virq.c: virtual interrupts (docs/ABI.md "Virtual interrupts"). Sources raise vINTIDs
 * for a vCPU as bits (virq_raise); the entry path of that vCPU's CPU moves them into the
 * GICv3 list registers (virq_sync, arch/aarch64/vgic.c). Level-triggered sources (the
 * virtual timer, a leased device's SPI) stay masked until the guest ends them. Also here:
 * the vCPU side of WFI (sleep until an interrupt or the virtual timer is due) and guest SGIs
 * between the vCPUs of one partition. Callers hold run_lock unless a function says otherwise.
 * The run loop's side of waking, sleeping, yielding and kicking is the kernel's (virq_run_*).
 */
#include "partition/virq.h"

#include "arch/aarch64/arch.h"
#include "hal/gic.h"
#include "hal/timer.h"
#include "partition/vdev.h"
#ifdef RVM_WITH_LINUX
#include "partition/vgic.h"
#endif

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
                if (!arch_vgic_live_add(base + (uint32_t)__builtin_ctzll(raised),
                                        ARCH_VIRQ_PRIORITY)) {
                        __atomic_or_fetch(bitmap, raised, __ATOMIC_RELAXED);
                        break;
                }
                v->virqs++;
                done |= bit;
                raised &= raised - 1;
        }
        return done;
}

#ifdef RVM_WITH_LINUX
static unsigned live_state(uint32_t intid, void *ctx)
{
        (void)ctx;
        return arch_vgic_live_state(intid);
}

/*
 * A partition with an emulated GICv3 (partition/vgic.c; run_lock held): vINTIDs 0..63 raised
 * for v become pending there (an SPI wherever it is routed), what its list registers hold is
 * folded back (ended interrupts leave them; pending and active stay visible to the guest's
 * ISPENDR/ISACTIVER reads), and the interrupts the guest has enabled move into free list
 * registers, highest priority first, at the priority the guest gave each. A disabled one
 * (or its group) stays pending there: a later enable (partition/vdev.c raises it again then)
 * delivers it. The list registers are the live ones: v runs on this CPU.
 */
static void vgic_deliver(struct vcpu *v, struct vgic *g)
{
        uint64_t raised = __atomic_exchange_n(&v->virq_pending, 0, __ATOMIC_ACQUIRE);
        uint8_t prio = ARCH_VIRQ_PRIORITY;

        for (; raised != 0; raised &= raised - 1) {
                (void)vgic_raise(g, v->index, (uint32_t)__builtin_ctzll(raised));
        }
        vgic_fold(g, v->index, live_state, NULL);
        for (;;) {
                uint32_t intid = vgic_next(g, v->index, &prio);
                if (intid == VGIC_SPURIOUS) {
                        break;
                }
                if (!arch_vgic_live_add(intid, prio)) {
                        /* No free list register: kept pending there, and raised again so that
                         * the next entry (a trap, the tick) looks again, as for a small guest;
                         * not only the next WFI. Every source RVM raises is below 64; an SPI
                         * above that the guest pends itself waits for its next WFI. */
                        (void)vgic_raise(g, v->index, intid);
                        if (intid < 64) {
                                __atomic_or_fetch(&v->virq_pending, 1ULL << intid,
                                                  __ATOMIC_RELAXED);
                        }
                        break;
                }
                v->virqs++;
        }
}
#endif

/* v's emulated GICv3, or NULL: a small guest without one (the list registers only). */
static struct vgic *vgic_of(const struct vcpu *v)
{
#ifdef RVM_WITH_LINUX
        return vdev_vgic(v->part);
#else
        (void)v;
        return NULL;
#endif
}

/* Is vintid raised for v and not yet in a list register (its source must stay masked)? */
static bool on_its_way(struct vcpu *v, struct vgic *g, uint32_t vintid)
{
        if ((__atomic_load_n(&v->virq_pending, __ATOMIC_RELAXED) & (1ULL << vintid)) != 0) {
                return true;
        }
#ifdef RVM_WITH_LINUX
        return g != NULL && vgic_waiting(g, v->index, vintid);
#else
        (void)g;
        return false;
#endif
}

/*
 * Virtual interrupts of the vCPU about to be entered on this CPU. A level-triggered source
 * (its virtual timer, a leased device's SPI) is masked by RVM when it fires and unmasked
 * once the guest's EOI has emptied its list register: a level that is still high then fires
 * again, as on hardware. Raised vINTIDs move into free list registers first (those that
 * find none stay raised for the next entry), so a source is never unmasked while its
 * interrupt is still on its way to the guest (raised, or pending in the emulated GIC, where
 * a disabled one waits). g: v's emulated GIC (run_lock held) or NULL.
 */
static void sync(struct vcpu *v, struct vgic *g)
{
#ifdef RVM_WITH_LINUX
        if (g != NULL) {
                vgic_deliver(v, g);
        } else {
                virq_deliver(v, &v->virq_pending, 0);
        }
#else
        virq_deliver(v, &v->virq_pending, 0);
#endif
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
                if (arch_vgic_live_holds(vintid) || on_its_way(v, g, vintid)) {
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

void virq_sync(struct vcpu *v)
{
        struct vgic *g = vgic_of(v);

        if (g == NULL) {
                sync(v, NULL); /* lock-free: only this CPU's list registers and v's bitmaps */
                return;
        }
        virq_run_lock(); /* the emulated GIC is shared with the other vCPUs' traps */
        sync(v, g);
        virq_run_unlock();
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
                virq_run_woken(v);
        }
}

void virq_raise(struct vcpu *v, uint32_t vintid)
{
        if (vintid < 64) {
                __atomic_or_fetch(&v->virq_pending, 1ULL << vintid, __ATOMIC_RELEASE);
        } else if (vintid >= RVM_VIRQ_DOORBELL_BASE && vintid < RVM_VIRQ_DOORBELL_BASE + 16) {
                uint64_t bit = 1ULL << (vintid - RVM_VIRQ_DOORBELL_BASE);
                /*
                 * Not running (run_lock held: its saved interface is what it left), and that
                 * already holds this doorbell pending: the guest has not taken the last ring,
                 * and another makes no difference (an edge interrupt pends once). Nothing to
                 * deliver, so its next entry skips virq_sync.
                 */
                if (__atomic_load_n(&v->cpu, __ATOMIC_RELAXED) < 0 &&
                    arch_vgic_saved_pending(&v->vgic, vintid)) {
                        wfi_wake(v);
                        return;
                }
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
        virq_run_kick(cpu); /* running elsewhere: that CPU traps and delivers it */
}

/* v's virtual timer has fired (v runs on this CPU): masked until the guest has ended its
 * interrupt (sync unmasks it then), raised. */
static void vtimer_fire(struct vcpu *v)
{
        arch_vtimer_mask(true);
        __atomic_or_fetch(&v->virq_masked, 1ULL << ARCH_VTIMER_INTID, __ATOMIC_RELAXED);
        __atomic_or_fetch(&v->virq_pending, 1ULL << ARCH_VTIMER_INTID, __ATOMIC_RELAXED);
}

void virq_vtimer_fired(struct vcpu *v)
{
        if (v == NULL) {
                arch_vtimer_mask(true);
                return;
        }
        v->exits[VCPU_EXIT_IRQ_VTIMER]++; /* written only by the CPU running v */
        vtimer_fire(v);
}

/* Does the emulated GIC hold an interrupt for v that it can take but no list register took? */
static bool deliverable(const struct vcpu *v, const struct vgic *g)
{
#ifdef RVM_WITH_LINUX
        return g != NULL && vgic_peek(g, v->index, NULL) != VGIC_SPURIOUS;
#else
        (void)v;
        (void)g;
        return false;
#endif
}

/*
 * WFI / WFE. A vCPU that has enabled its virtual interrupts and has none pending sleeps in
 * WFI until one is raised for it (virq_raise) or its virtual timer's deadline passes
 * (an event on this CPU's EL2 timer: the kernel's run_timer_event): it costs no CPU. Otherwise
 * (WFE, or a guest that takes no interrupts, for which WFI may complete at any time) it gives the
 * rest of its slice away.
 */
void virq_wfx(struct vcpu *v, bool wfe)
{
        /* First what the entry path would do: deliver raised interrupts, unmask sources the
         * guest has ended (a level still high fires again on the way back in). */
        struct vgic *g = vgic_of(v);
        sync(v, g); /* run_lock held */
        if (wfe || !arch_vgic_live_enabled() || arch_vgic_live_pending() || deliverable(v, g) ||
            (__atomic_load_n(&v->virq_pending, __ATOMIC_RELAXED) |
             __atomic_load_n(&v->doorbell_pending, __ATOMIC_RELAXED)) != 0) {
                virq_run_yield();
                return;
        }
        uint64_t deadline = arch_vtimer_deadline();
        if (deadline != 0 && deadline <= arch_counter()) {
                /*
                 * Due already: taken here as its interrupt would be (virq_vtimer_fired), into a
                 * list register now, its status made current first (the guest's handler reads it).
                 * Leaving it to the physical PPI spun the guest through WFI until the PPI
                 * came: under QEMU the timer's line follows the counter late, for most of a
                 * 2-vCPU Linux's WFIs, and on a loaded host for 100,000s of traps in a run
                 * (its soft lockups and stalls).
                 */
                arch_vtimer_recheck();
                vtimer_fire(v);
                sync(v, g);
                return;
        }
        v->wfi = true;
        v->wfi_until = deadline;
        v->state = VCPU_BLOCKED;
        virq_run_blocked(v);
        /* Woken on time, not at the next tick: this CPU's timer (v runs here) interrupts then
         * too. */
        hal_timer_event((unsigned)v->cpu, deadline);
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
