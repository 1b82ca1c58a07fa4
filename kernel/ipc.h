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
#include "kernel/run.h"
#include "partition/partition.h"

#define IPC_MAX_EDGES 16
#define IPC_EDGE_IPA  0x50000000ULL          /* edge n's page is at IPC_EDGE_IPA + n * 4 KiB */
#define IPC_VIRQ_BASE RVM_VIRQ_DOORBELL_BASE /* a notify raises vINTID base + n in the peer */

struct ipc_edge {
        uint32_t id;
        uint32_t end[2]; /* partition ids: end[0] writes ring 0, end[1] ring 1 */
        uint64_t page_pa;
        uint32_t seen_head[2]; /* ring heads at the last notify, per direction */
        uint64_t msgs[2], bytes[2], notifies[2];
        struct vcpu *waiter[2]; /* the vCPU blocked in wait on end i, or NULL */
};

/* Create an edge between partitions a and b (mapped, capabilities minted, witnessed). */
int ipc_edge_create(struct partition *a, struct partition *b);
unsigned ipc_edge_count(void);

/* Gate handlers (kernel/hvc.c table). */
int32_t ipc_hc_notify(struct gate_ctx *ctx);
int32_t ipc_hc_wait(struct gate_ctx *ctx);

#endif
