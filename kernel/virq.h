/*
 * kernel/virq.h: virtual interrupts for guest vCPUs (kernel/virq.c, docs/ABI.md).
 */
#ifndef RVM_KERNEL_VIRQ_H
#define RVM_KERNEL_VIRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "partition/edge.h"
#include "partition/partition.h"

/* Doorbell vINTIDs (partition/edge.h). */
#define RVM_VIRQ_DOORBELL_BASE EDGE_VIRQ_BASE

/* This CPU's virtual interface and the PPI of the guests' virtual timer (once per CPU). */
void virq_cpu_online(void);

/*
 * Raise virtual interrupt vintid (0..63, or RVM_VIRQ_DOORBELL_BASE + n for the doorbell of
 * edge n < 16) for v: it enters a list register the next time v is entered (a CPU running
 * v is made to trap for it; a vCPU asleep in WFI wakes). A doorbell is raised with run_lock
 * held.
 */
void virq_raise(struct vcpu *v, uint32_t vintid);
/*
 * A physical SPI (32..63) forwarded to v as the same vINTID: masked at the distributor and
 * raised; unmasked when the guest has ended it (level semantics). Unforward (the lease
 * ends): masked, and no longer unmasked by v's EOI.
 */
void virq_forward(struct vcpu *v, uint32_t intid);
void virq_unforward(struct vcpu *v, uint32_t intid);

/* Does v, about to be entered on this CPU, need virq_sync? (The lock-free fast path: each word
 * read once, as a relaxed atomic load would, but with its offset in the load instruction,
 * which GCC does not do for __atomic_load_n; aligned 64-bit loads are single-copy atomic.) */
static inline bool virq_attention(const struct vcpu *v)
{
        return (*(const volatile uint64_t *)&v->virq_pending |
                *(const volatile uint64_t *)&v->doorbell_pending |
                *(const volatile uint64_t *)&v->virq_masked) != 0;
}
/* Deliver and unmask for v, the vCPU about to be entered on this CPU (run_lock not held:
 * lock-free, except for a partition with an emulated GICv3, whose state it takes the lock
 * for). */
void virq_sync(struct vcpu *v);

/* The vCPU's WFI (wfe false) or WFE: sleep, or give the slice away. */
void virq_wfx(struct vcpu *v, bool wfe);
/* A trapped system-register access: true if it was an SGI (ICC_SGI1R_EL1) and was sent. */
bool virq_sgi_trap(struct vcpu *v, const struct arch_regs *regs, uint64_t esr);
/* Wake vCPUs asleep in WFI whose virtual timer is due (run_lock held); returns the next such
 * deadline (counter value, 0: none), for which the caller sets a timer event. */
uint64_t virq_tick(void);

#endif
