/*
 * kernel/tier.h: the kernel's side of memory tiers (partition/tiers.h has the mechanism):
 * the `dormant`, `cold` and `warm` commands, the tier lines of `mem` and `regions`, the idle
 * policy, and the instruction counter the tiers' figures come from. All under run_lock.
 */
#ifndef RVM_KERNEL_TIER_H
#define RVM_KERNEL_TIER_H

#include <stdbool.h>
#include <stdint.h>

#include "configs/features.h"
#include "partition/partition.h"

#ifndef RVM_WITH_TIERS
/* A profile without tiers (the Seed): nothing is ever dormant; `dormant` is refused by
 * kernel/absent_cmds.c. */
static inline void mem_tier_show(bool summary_only)
{
        (void)summary_only;
}
static inline void mem_tier_idle_epoch(void) {}
#else
/* Instructions this CPU has retired (the PMU; exact under QEMU -icount): for the figures
 * `mem` and the checkpoint commands print, which `make bench` reports. */
uint64_t mem_insns(void);
/* "<what> in N instructions" into buf, or that they were not counted where the PMU counts
 * none (QEMU without -icount: every difference is 0); "" when there was none (!any). */
const char *mem_insns_text(char *buf, unsigned size, bool any, const char *what, uint64_t n);
/* The idle policy (kernel/tier_idle.c; its decision memory/tier_idle.c): at each epoch (CPU 0,
 * run_lock held) a small guest whose vCPUs have all been asleep, without running, for the policy's
 * time has its RAM made dormant; its touches bring it back. `dormant idle [<ms>|off]` sets it. */
void mem_tier_idle_epoch(void);
int mem_tier_idle_cmd(int argc, char **argv);
/* The hot and warm pages of each small guest the policy tracks (`regions`, `mem`). */
void mem_tier_use_show(void);
/* The tier lines of `regions` and `mem` (kernel/tier_cmds.c); the cold tier's
 * (kernel/cold_cmds.c). */
void mem_tier_show(bool summary_only);
void mem_cold_show(bool summary_only);
#endif

#endif
