/*
 * kernel/ipc.h: CommEdges, the channels between partitions. An edge is one shared page
 * mapped into both partitions' stage-2 spaces (two rings, one per direction, layout in
 * arch/aarch64/guest/rvm_guest.h) plus two capability-checked hypercalls: notify (the
 * doorbell: wakes the peer) and wait (block until the incoming ring has a message). RVM
 * counts every edge's messages and bytes: the weights the coherence engine will read.
 */
#ifndef RVM_KERNEL_IPC_H
#define RVM_KERNEL_IPC_H

#include <stdint.h>

#include "kernel/gate.h"
#include "kernel/virq.h"
#include "partition/partition.h"

#define IPC_MAX_EDGES 16
#define IPC_EDGE_IPA  0x50000000ULL          /* edge n's page is at IPC_EDGE_IPA + n * 4 KiB */
#define IPC_VIRQ_BASE RVM_VIRQ_DOORBELL_BASE /* a notify raises vINTID base + n in the peer */

struct ipc_edge {
        uint32_t id;
        uint32_t
            end[2]; /* principals (partition or agent ids): end[0] writes ring 0, end[1] ring 1 */
        uint64_t page_pa;
        uint32_t seen_head[2]; /* ring heads at the last notify, per direction */
        uint64_t msgs[2], bytes[2], notifies[2];
        struct vcpu *waiter[2]; /* the vCPU blocked in wait on end i, or NULL */
        bool agent_waiting[2];  /* end i is an agent waiting in rvm.recv */
};

/* Create an edge between partitions a and b (mapped, capabilities minted, witnessed). */
int ipc_edge_create(struct partition *a, struct partition *b);
unsigned ipc_edge_count(void);

/*
 * Ends that are not guest partitions: WebAssembly agents (kernel/agent.c). An edge joins two
 * principals (a guest partition's id, or an agent's principal id); a guest end gets the page
 * mapped, an agent end reaches its rings through RVM (ipc_end_put/take, called from the
 * agent's gate handlers). A doorbell for a waiting agent end calls the waker set here.
 */
int ipc_edge_connect(uint32_t end_a, uint32_t end_b);
void ipc_set_end_waker(void (*wake)(uint32_t principal));
/* Append one 64-byte message to the caller's outgoing ring (GATE_E_NO_SPACE when full). */
int32_t ipc_end_put(const struct gate_ctx *ctx, const uint8_t msg[64]);
/* Take one message from the caller's incoming ring: 1 taken, 0 empty (then, with wait, the
 * caller is marked waiting so that the peer's next doorbell calls the waker). */
int32_t ipc_end_take(const struct gate_ctx *ctx, uint8_t msg[64], bool wait);

/* Gate handlers (kernel/hvc.c table). */
int32_t ipc_hc_notify(struct gate_ctx *ctx);
int32_t ipc_hc_wait(struct gate_ctx *ctx);

#endif
