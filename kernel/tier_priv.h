/*
 * kernel/tier_priv.h: between kernel/tier_cmds.c (the dormant tier, the stage-2 and
 * allocator operations both tiers use) and kernel/cold_cmds.c (the cold tier). Under
 * run_lock, as everything in kernel/tier.h.
 */
#ifndef RVM_KERNEL_TIER_PRIV_H
#define RVM_KERNEL_TIER_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "memory/tier.h"
#include "partition/partition.h"

/* tier_cmds.c: the operations (stage-2 map/unmap, the page allocator), WK_MEM_TIER,
 * and waking dormant ranges (failures; *back += pages brought back); whether part has any is
 * mem_tier_claims (kernel/tier.h). */
const struct tier_ops *mem_tier_ops(void);
void mem_tier_witness(uint32_t part, uint64_t pa, uint64_t ipa, uint64_t t, bool denied,
                      uint64_t err);
int mem_tier_wake_dormant(struct partition *p, uint64_t *back);

/* cold_cmds.c: a stage-2 abort at ipa: -1 not cold, 0 its range is back, 1 refused (F3);
 * every cold range of p back (a damaged one replaced by zeroed pages); the `mem` lines. */
int mem_cold_fault(struct partition *p, uint64_t ipa);
void mem_cold_wake(struct partition *p);
bool mem_cold_claims(uint32_t part);
void mem_cold_show(bool summary_only);

#endif
