/*
 * kernel/agent.h: WebAssembly agents inside RVM. Agents belong to a WASM partition; when
 * the scheduler gives that partition a CPU, RVM runs its agents at EL2 in the interpreter
 * (wasm/), each for a bounded amount of fuel at a time, round robin, until the tick asks
 * for another partition. An agent that never yields is simply stopped by its fuel and
 * resumed exactly where it was (its state lives in its instance, not on a C stack).
 */
#ifndef RVM_KERNEL_AGENT_H
#define RVM_KERNEL_AGENT_H

#include <stdint.h>

#include "partition/partition.h"

/* The seven states of seeds/003. */
enum agent_state {
        AGENT_INITIALIZING = 0,
        AGENT_RUNNING,
        AGENT_SUSPENDED,
        AGENT_MIGRATING,
        AGENT_HIBERNATED,
        AGENT_RECONSTRUCTING,
        AGENT_TERMINATED,
};

/* Create the profile's agents in their WASM partitions (boot). Returns how many started. */
unsigned agent_boot(void);
/* Run p's agents on this CPU until the tick asks for a reschedule (run loop, no lock held). */
void agent_run_partition(struct partition *p);

#endif
