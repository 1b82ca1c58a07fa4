/*
 * kernel/reshape.h: WASM partitions split and merge while they run, as the coherence engine
 * decides (coherence/decide.c) or as the operator asks (`split`, `merge`): the kernel's side,
 * which creates and retires the partitions and moves the agents (wasm/agent_ops.c agent_move).
 * Everything here runs on CPU 0, like the graph it reads. Compiled to nothing without both
 * coherence/ and wasm/ (the Seed profile, DC-1).
 */
#ifndef RVM_KERNEL_RESHAPE_H
#define RVM_KERNEL_RESHAPE_H

#include <stdbool.h>

#if defined(RVM_HAVE_COHERENCE) && defined(RVM_HAVE_WASM)
/* The engine's epoch ended (CPU 0's tick): decisions are due (CPU 0's reshape_due, in
 * kernel/percpu.h, read before every switch there); CPU 0 reschedules. */
void reshape_epoch(void);
/* Then reshape_run, on CPU 0 between two vCPUs, no lock held, IRQs masked. */
void reshape_run(void);
/* Act on the engine's decisions (default) or only on the operator's commands. */
void reshape_set_auto(bool on);
/* The monitor's `coherence`: the splits and merges taken and refused, with their reasons. */
void reshape_show(void);
#else
static inline void reshape_epoch(void) {}
static inline void reshape_run(void) {}
static inline void reshape_set_auto(bool on)
{
        (void)on;
}
static inline void reshape_show(void) {}
#endif

#endif
