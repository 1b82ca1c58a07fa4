/*
 * kernel/agents.h: the kernel's side of the WebAssembly agents (wasm/agent.h has the
 * lifecycle and the host module): it gives wasm/ the kernel's services (struct agent_env),
 * starts the profile's agents, runs a WASM partition's turn, decodes the agents' gate calls
 * and shows them on the monitor (`agents`, `agent`).
 */
#ifndef RVM_KERNEL_AGENTS_H
#define RVM_KERNEL_AGENTS_H

/* Only where the interpreter is built in (the Seed has no wasm/; host builds have it). */
#if !defined(RVM_KERNEL) || defined(RVM_HAVE_WASM)
#include "kernel/gate.h"
#include "partition/partition.h"
#include "wasm/agent.h"

/* Create the profile's agents in their WASM partitions and the CommEdges that name agents
 * (boot). Returns how many started. */
unsigned agent_boot(void);
/* Run p's agents on this CPU until the tick asks for a reschedule (run loop, no lock held). */
void agent_run_partition(struct partition *p);

/* Move agent id to WASM partition `to` (agent_move), from CPU 0 between two vCPUs (no lock
 * held): the FP state of the vCPU that was here is parked first. */
int32_t agents_move(uint32_t id, uint32_t to, uint32_t actor, enum agent_move_result *why);

/* Host functions that go through the gate (kernel/hvc.c table). */
int32_t agent_hc_log(struct gate_ctx *ctx);
int32_t agent_hc_send(struct gate_ctx *ctx);
int32_t agent_hc_put(struct gate_ctx *ctx);
int32_t agent_hc_recv(struct gate_ctx *ctx);
int32_t agent_hc_witness(struct gate_ctx *ctx);
int32_t agent_hc_spawn(struct gate_ctx *ctx);
#endif

/* An agent's CommEdges for its checkpoint on command (kernel/agent_edges.c): both rings
 * and their counts into buf (bytes used, 0 for none, -1 when they do not fit), and back. */
int32_t agent_edges_save(uint32_t principal, uint8_t *buf, size_t cap);
void agent_edges_restore(uint32_t principal, const uint8_t *buf, size_t len);

#endif
