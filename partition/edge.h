/*
 * partition/edge.h: CommEdges, the channels between principals (guest partitions and
 * WebAssembly agents). An edge is one page RVM owns, mapped into each guest end's stage-2
 * space at the partition's edge window (two rings, one per direction, layout in the guest
 * SDK, arch/aarch64/guest/rvm_guest.h); an agent end reaches its rings through RVM
 * (edge_put, edge_take). RVM counts every edge's messages and bytes: the weights the
 * coherence engine reads.
 *
 * This module is the mechanism only: it says what happened (who to wake, which virtual
 * interrupt to raise) and the kernel does it. It never prints and takes no lock: its
 * callers hold run_lock, so a wait that finds the ring empty and a notify that fills it
 * cannot interleave.
 */
#ifndef RVM_PARTITION_EDGE_H
#define RVM_PARTITION_EDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "partition/partition.h"

#define EDGE_MAX       16
#define EDGE_IPA       0x50000000ULL /* edge n's page is at EDGE_IPA + n * 4 KiB in a guest */
#define EDGE_MSG_BYTES 64u
/* A notify raises vINTID EDGE_VIRQ_BASE + n in a guest peer: above every SPI a board of
 * ours has, below the special 1020..1023. */
#define EDGE_VIRQ_BASE 1000u

struct edge {
        uint32_t id;
        uint32_t end[2]; /* principals: end[0] writes ring 0, end[1] ring 1 */
        pa_t page_pa;
        uint32_t seen_head[2]; /* ring heads at the last notify, per direction */
        uint64_t msgs[2], bytes[2], notifies[2];
        struct vcpu *waiter[2]; /* the vCPU blocked in wait on end i, or NULL */
        bool agent_waiting[2];  /* end i is an agent waiting in rvm.recv */
};

/* What a doorbell did, for the kernel to carry out and witness. */
struct edge_doorbell {
        uint32_t edge;
        uint32_t messages;     /* added to the caller's ring since its last doorbell */
        struct vcpu *irq_vcpu; /* raise vintid here (a guest peer's boot vCPU), or NULL */
        uint32_t vintid;
        struct vcpu *woken;   /* was blocked in edge_wait, now runnable; or NULL */
        uint32_t agent_woken; /* an agent's principal waiting in rvm.recv, or 0 */
};

/* Boot: forget every edge. */
void edge_init(void);
/* An edge between two principals: a page, mapped into each guest end, a READ|WRITE root
 * capability for each end, witnessed (WK_COMM_EDGE). */
enum part_err edge_connect(uint32_t end_a, uint32_t end_b);
unsigned edge_count(void);
const struct edge *edge_get(uint32_t id);

/* The doorbell of `caller` on edge id (its capability named it). */
enum part_err edge_notify(uint32_t id, uint32_t caller, struct edge_doorbell *out);
/* Wait on edge id as vCPU v of caller: PART_OK with *blocked false when something is there
 * already, or true when v now waits (state VCPU_BLOCKED) for the peer's doorbell. */
enum part_err edge_wait(uint32_t id, uint32_t caller, struct vcpu *v, bool *blocked);
/* Append one message to the caller's outgoing ring (PART_E_NO_SPACE when full). */
enum part_err edge_put(uint32_t id, uint32_t caller, const uint8_t msg[EDGE_MSG_BYTES]);
/* Take one message from the caller's incoming ring into msg: *got true, or false when it is
 * empty (then, with wait, the caller's end is marked waiting for the next doorbell). */
enum part_err edge_take(uint32_t id, uint32_t caller, uint8_t msg[EDGE_MSG_BYTES], bool wait,
                        bool *got);

#endif
