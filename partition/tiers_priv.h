/*
 * partition/tiers_priv.h: between partition/tiers.c (the dormant tier, and the stage-2 and
 * allocator operations both tiers use) and partition/tiers_cold.c (the cold tier). Under
 * run_lock, as everything in partition/tiers.h.
 */
#ifndef RVM_PARTITION_TIERS_PRIV_H
#define RVM_PARTITION_TIERS_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "memory/addr.h"
#include "memory/tier.h"
#include "partition/partition.h"
#include "partition/tiers.h"

/* tiers.c: the operations (stage-2 map/unmap, the page allocator), WK_MEM_TIER, waking the
 * dormant ranges of p (failures; *back += pages brought back), the figures. */
extern const struct tier_ops tiers_ops;
void tiers_witness(uint32_t part, pa_t pa, ipa_t ipa, uint64_t t, bool denied, uint64_t err);
int tiers_wake_dormant(struct partition *p, uint64_t *back);
extern struct tiers_figures tiers_fig;

/* tiers_cold.c: a stage-2 abort at ipa: -1 not cold, 0 its range is back, 1 refused (F3);
 * every cold range of p back (a damaged one replaced by zeroed pages); its claim. */
int tiers_cold_fault(struct partition *p, ipa_t ipa);
void tiers_cold_wake(struct partition *p);
bool tiers_cold_claims(uint32_t part);

#endif
