/*
 * kernel/agent.h: WebAssembly agents inside RVM. Agents belong to a WASM partition; when
 * the scheduler gives that partition a CPU, RVM runs its agents at EL2 in the interpreter
 * (wasm/), each for a bounded amount of fuel at a time, round robin, until the tick asks
 * for another partition. An agent that never yields is simply stopped by its fuel and
 * resumed exactly where it was (its state lives in its instance, not on a C stack).
 *
 * Each agent is a principal of its own: it has its own capability table, it is the caller
 * the security gate sees for its host calls and the actor of their witness records. Its
 * principal id is AGENT_PRINCIPAL(id), above every partition id, so it stays the same when
 * the agent migrates to another WASM partition: its capabilities move with it.
 */
#ifndef RVM_KERNEL_AGENT_H
#define RVM_KERNEL_AGENT_H

#include <stdint.h>

#include "cap/cap.h"
#include "kernel/gate.h"
#include "partition/partition.h"

#define AGENT_MAX           16 /* agents ever created in one boot (boot + spawned) */
#define AGENT_PRINCIPAL(id) ((uint32_t)PART_MAX + (uint32_t)(id))

_Static_assert(AGENT_PRINCIPAL(AGENT_MAX) < CAP_MAX_TABLES, "every agent needs a table");

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

/* Create the profile's agents in their WASM partitions and the CommEdges that name agents
 * (boot). Returns how many started. */
unsigned agent_boot(void);
/* Run p's agents on this CPU until the tick asks for a reschedule (run loop, no lock held). */
void agent_run_partition(struct partition *p);

/* Host functions that go through the gate (kernel/hvc.c table; kernel/agent_calls.c). */
int32_t agent_hc_log(struct gate_ctx *ctx);
int32_t agent_hc_send(struct gate_ctx *ctx);
int32_t agent_hc_put(struct gate_ctx *ctx);
int32_t agent_hc_recv(struct gate_ctx *ctx);
int32_t agent_hc_witness(struct gate_ctx *ctx);
int32_t agent_hc_spawn(struct gate_ctx *ctx);

#endif
