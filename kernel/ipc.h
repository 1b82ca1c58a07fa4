/*
 * kernel/ipc.h: the kernel's side of CommEdges (partition/edge.h holds the edges): the
 * edge_notify and edge_wait hypercalls, the calls agents' host functions make on their
 * rings, and carrying out what a doorbell asks (a virtual interrupt, a vCPU or agent to
 * wake). Everything here runs under run_lock.
 */
#ifndef RVM_KERNEL_IPC_H
#define RVM_KERNEL_IPC_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/gate.h"
#include "partition/edge.h"
#include "partition/vdev.h"

/* Create an edge between two principals (partitions or agents); 0 or -1. */
int ipc_edge_connect(uint32_t end_a, uint32_t end_b);
static inline unsigned ipc_edge_count(void)
{
        return edge_count();
}
/* Who wakes an agent whose end was waiting (kernel/agents.c sets it). */
void ipc_set_end_waker(void (*wake)(uint32_t principal));
/* An agent's rings, through the capability the gate checked (ctx): put one message
 * (GATE_E_NO_SPACE when full); take one: 1 taken, 0 empty (with wait: the end waits). */
int32_t ipc_end_put(const struct gate_ctx *ctx, const uint8_t msg[64]);
int32_t ipc_end_take(const struct gate_ctx *ctx, uint8_t msg[64], bool wait);

/* The epoch's end (CPU 0's tick, shutdown; run_lock held): one WK_COMM_SEND record per edge
 * direction that rang its doorbell since the last, summarising its traffic (DC-10). */
void ipc_epoch(void);

/* A stage-2 data abort of p at ipa on its doorbell page (edge_db_ipa(p), partition/edge.h):
 * VDEV_DONE, the access emulated or refused (witnessed: WK_COMM_SEND DENIED, a read of all
 * ones, a write dropped) and the guest past the instruction; VDEV_UNDECODABLE when the
 * syndrome does not describe the access (the caller faults it). */
enum vdev_result ipc_doorbell_abort(struct partition *p, struct arch_regs *regs, uint64_t esr,
                                    ipa_t ipa);

/* Gate handlers (kernel/hvc.c table). */
int32_t ipc_hc_notify(struct gate_ctx *ctx);
int32_t ipc_hc_wait(struct gate_ctx *ctx);
int32_t ipc_hc_notify_wait(struct gate_ctx *ctx);

#endif
