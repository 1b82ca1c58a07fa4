/*
 * kernel/share.h: zero-copy memory transactions between partitions (share, lend, donate;
 * docs/ABI.md "Memory regions"). memory/region.c owns the page ownership and the state
 * machine; this file applies its decisions to the stage-2 tables (with TLB invalidation),
 * keeps each offer behind a capability minted to the peer, witnesses every step, and serves
 * the hypercalls and the monitor's `regions` command. Everything runs under run_lock.
 */
#ifndef RVM_KERNEL_SHARE_H
#define RVM_KERNEL_SHARE_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/gate.h"
#include "partition/partition.h"

/* Boot: start the region table with RVM's own image. */
void share_init(void);
/* Register a new partition's RAM / a CommEdge page as typed regions. */
void share_add_partition(const struct partition *p);
void share_add_edge(uint64_t pa);

/* part_env hooks: p stops, faults, restarts or is destroyed: nothing of it stays in any
 * transaction (partition/partition.c calls this). */
void share_release(void *ctx, struct partition *p);
/* Does p own the page at pa (its RAM less what it donated)? */
bool share_page_owned(void *ctx, const struct partition *p, uint64_t pa);

/* Gate handlers (kernel/hvc.c). */
int32_t share_hc_offer(struct gate_ctx *ctx);
int32_t share_hc_retrieve(struct gate_ctx *ctx);
int32_t share_hc_relinquish(struct gate_ctx *ctx);
int32_t share_hc_reclaim(struct gate_ctx *ctx);

#endif
