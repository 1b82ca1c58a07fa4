/*
 * kernel/tier.h: the kernel's side of memory tiers (kernel/tier_cmds.c): guest RAM made
 * dormant by the monitor (memory/tier.c does the compressing), faulted back in by the
 * stage-2 abort it causes, and woken whole before RVM copies or reloads a partition's RAM.
 * All under run_lock.
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
static inline bool mem_tier_fault(struct partition *p, uint64_t ipa)
{
        (void)p;
        (void)ipa;
        return false;
}
static inline void mem_tier_touch(struct partition *p, uint64_t ipa, uint64_t len)
{
        (void)p;
        (void)ipa;
        (void)len;
}
static inline void mem_tier_wake(struct partition *p)
{
        (void)p;
}
static inline bool mem_tier_claims(uint32_t part)
{
        (void)part;
        return false;
}
static inline void mem_tier_show(bool summary_only)
{
        (void)summary_only;
}
static inline void mem_tier_idle_epoch(void) {}
#else
/* A stage-2 abort of p at ipa: a dormant page brought back (true; the access is retried),
 * or not a dormant page (false). Witnessed (WK_MEM_MAP, then WK_MEM_TIER when the range is
 * whole again). */
bool mem_tier_fault(struct partition *p, uint64_t ipa);
/* RVM is about to read [ipa, ipa + len) of p's memory on its behalf (a console write):
 * dormant pages there come back first, as if p had touched them. */
void mem_tier_touch(struct partition *p, uint64_t ipa, uint64_t len);
/* Every dormant page of p back in (before a restart, a checkpoint or a restore). */
void mem_tier_wake(struct partition *p);
/* Does p have dormant pages, or pages living outside its own frames (share/lend/donate
 * of its RAM is refused then: regions describe the frames it was given)? */
bool mem_tier_claims(uint32_t part);
/* Instructions this CPU has retired (the PMU; exact under QEMU -icount): for the figures
 * `mem` and the checkpoint commands print, which `make bench` reports. */
uint64_t mem_insns(void);
/* WK_MEM_TIER's payload bit for a change the idle policy made (docs/WITNESS.md). */
#define TIER_BY_IDLE     (1u << 8)
/* ... and the payload of the record of `dormant idle <ms>|off` (cap = the new time). */
#define TIER_IDLE_POLICY 0xffu
/* Make [ipa, ipa + pages) of p dormant, run_lock held: NULL and *idx = its range in the
 * tier space, or why not (witnessed). cause: 0 (the monitor) or TIER_BY_IDLE. */
const char *mem_tier_make_dormant(struct partition *p, uint64_t ipa, uint64_t pages, uint64_t cause,
                                  unsigned *idx);
/* The idle policy (kernel/tier_idle.c; its decision memory/tier_idle.c): at each epoch (CPU 0,
 * run_lock held) a small guest whose vCPUs have all been asleep, without running, for the policy's
 * time has its RAM made dormant; its touches bring it back. `dormant idle [<ms>|off]` sets it. */
void mem_tier_idle_epoch(void);
/* The range idx of the tier space (as mem_tier_make_dormant returned it). */
const struct tier_range *mem_tier_range(unsigned idx);
int mem_tier_idle_cmd(int argc, char **argv);
/* The hot and warm pages of each small guest the policy tracks (`regions`, `mem`). */
void mem_tier_use_show(void);
/* The tier lines of `regions` and `mem`. */
void mem_tier_show(bool summary_only);
/* Write a checkpoint's RAM (bytes, at most 1 MiB) to the cold area as a CHECKPOINT segment
 * (memory/cold.h), witnessed (WK_MEM_COLD op 3): 0 (enum cold_err) with *slot, *seq and the
 * first 8 bytes of its root. */
int mem_cold_write_ckpt(uint32_t part, const void *ram, uint64_t bytes, uint64_t now_ns,
                        unsigned *slot, uint64_t *seq, uint64_t *root8);
const char *mem_cold_err(int e);
#ifdef RVM_KTEST
/* Test images: clear one set bit of p's cold range in flash (memory corruption, for F3).
 * 0 with the IPA of the word and its new value; -1 if p has no cold range. */
int mem_cold_inject(uint32_t part, uint64_t *ipa, uint32_t *now);
#endif

#endif

#endif
