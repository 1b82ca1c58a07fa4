/*
 * partition/share.h: zero-copy memory transactions between partitions (share, lend, donate;
 * docs/ABI.md "Memory regions"): memory/region.c's decisions applied to stage-2 tables,
 * offers kept behind capabilities, every step witnessed. Callers hold run_lock.
 */
#ifndef RVM_PARTITION_SHARE_H
#define RVM_PARTITION_SHARE_H

#include <stdbool.h>
#include <stdint.h>

#include "cap/cap.h"
#include "memory/addr.h"
#include "memory/region.h"
#include "partition/partition.h"

/* Boot: start the region table with RVM's own image [image_start, image_end). */
void share_init(pa_t image_start, pa_t image_end);
/* Register a new partition's RAM / a CommEdge page as typed regions. */
void share_add_partition(const struct partition *p);
void share_add_edge(pa_t pa);

/* part_env hooks: p stops, faults, restarts or is destroyed: nothing of it stays in any
 * transaction (partition/partition.c calls this). */
void share_release(void *ctx, struct partition *p);
/* Does p own the page at pa (its RAM less what it donated)? */
bool share_page_owned(void *ctx, const struct partition *p, pa_t pa);

/* What a call returns to the caller (x1, x2) and what its witness record says. */
struct share_result {
        uint64_t x1, x2;
        uint64_t offer;   /* the offer's id: the record's target */
        uint64_t payload; /* step | kind << 8 | pages << 16 | other party << 32 */
};

/* The calls, each with the capability the gate checked (cap) for caller. */
enum part_err share_offer(uint32_t caller, const struct cap_info *cap, uint32_t peer, ipa_t ipa,
                          uint64_t size, uint64_t flags, struct share_result *out);
enum part_err share_retrieve(uint32_t caller, const struct cap_info *cap, ipa_t ipa,
                             struct share_result *out);
enum part_err share_relinquish(uint32_t caller, const struct cap_info *cap,
                               struct share_result *out);
enum part_err share_reclaim(uint32_t caller, const struct cap_info *cap, struct share_result *out);

/* The region table, for the monitor's `regions`. */
const struct region_space *share_regions(void);
/* Is p a party to an open offer (share, lend, donate), or does it hold or miss donated
 * pages? Its RAM's frames are then not its own alone (to checkpoint, roll back or tier). */
bool share_in_transaction(const struct partition *p);

#endif
