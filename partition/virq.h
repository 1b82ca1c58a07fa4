/*
 * partition/virq.h: virtual interrupts for guest vCPUs (partition/virq.c, docs/ABI.md): raised
 * as bits, delivered into the list registers on entry, the vCPU side of WFI, guest SGIs.
 *
 * The run loop is the kernel's: this module reaches it only through the virq_run_ functions
 * below, which whoever links partition/virq.c defines (kernel/virq.c; a host test its own).
 * Callers hold run_lock unless a function says otherwise.
 */
#ifndef RVM_PARTITION_VIRQ_H
#define RVM_PARTITION_VIRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "partition/edge.h"
#include "partition/partition.h"

/* Doorbell vINTIDs (partition/edge.h). */
#define RVM_VIRQ_DOORBELL_BASE EDGE_VIRQ_BASE

/*
 * What partition/virq.c asks of the run loop, defined by whoever links it (kernel/virq.c, over
 * kernel/run.h). Plain functions, not a struct of pointers: link-time optimisation inlines
 * them where they are called, as when this code was the kernel's (GCC turns a constant
 * struct's pointers into direct calls only after it has decided what to inline, which cost
 * the Seed 56 bytes; LLVM's Seed inlines only what costs no code, so each is one call).
 */
/* Take run_lock and give it back (a partition with an emulated GICv3: its state is shared
 * with the other vCPUs' traps). */
void virq_run_lock(void);
void virq_run_unlock(void);
/* v, blocked, is runnable again (run_lock held): its CPU is asked to reschedule. */
void virq_run_woken(struct vcpu *v);
/* v, running on this CPU, sleeps in WFI (run_lock held; v is blocked already): it gives up
 * the CPU. */
void virq_run_blocked(struct vcpu *v);
/* The vCPU running on this CPU gives the rest of its slice away. */
void virq_run_yield(void);
/* Make CPU cpu (if another, valid one: not -1) look at its run queue: an SGI. */
void virq_run_kick(int cpu);

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
/* The physical PPI of the virtual timer of v, the vCPU running on this CPU, fired (NULL: none
 * runs here): masked until the guest has ended its interrupt, raised. No lock. */
void virq_vtimer_fired(struct vcpu *v);
/* Wake vCPUs asleep in WFI whose virtual timer is due (run_lock held); returns the next such
 * deadline (counter value, 0: none), for which the caller sets a timer event. */
uint64_t virq_tick(void);

#endif
