/*
 * partition/tiers.h: a guest partition's RAM in the memory tiers, applied (partition/tiers.c,
 * partition/tiers_cold.c). memory/tier.c compresses a range into the dormant tier and
 * memory/cold.c writes one to flash, the cold tier; this module gives them what they act
 * through (its stage-2 maps and unmaps, RVM's page allocator, the flash of the cold area),
 * keeps the ranges, brings them back when the partition touches them or before RVM copies or
 * reloads its RAM, and witnesses each change (WK_MEM_TIER, WK_MEM_MAP, WK_MEM_COLD).
 *
 * It never prints and takes no lock: the kernel calls it with run_lock held, and lends it its
 * allocator, board and instruction counter through struct tiers_env, where it is also told
 * of a range that could not come back. The commands (`dormant`, `cold`, `warm`, the tier
 * lines of `mem`) are the kernel's (kernel/tier_cmds.c, kernel/cold_cmds.c).
 */
#ifndef RVM_PARTITION_TIERS_H
#define RVM_PARTITION_TIERS_H

#include <stdbool.h>
#include <stdint.h>

#include "configs/features.h"
#include "hal/board.h"
#include "memory/addr.h"
#include "memory/cold.h"
#include "memory/memory.h"
#include "memory/tier.h"
#include "partition/partition.h"

#ifndef RVM_WITH_TIERS
/* A profile without tiers (the Seed): nothing is ever dormant or cold; `dormant`, `cold` and
 * `warm` are refused by kernel/absent_cmds.c. */
static inline bool tiers_fault(struct partition *p, ipa_t ipa)
{
        (void)p;
        (void)ipa;
        return false;
}
static inline void tiers_touch(struct partition *p, ipa_t ipa, uint64_t len)
{
        (void)p;
        (void)ipa;
        (void)len;
}
static inline void tiers_wake(struct partition *p)
{
        (void)p;
}
static inline bool tiers_claims(uint32_t part)
{
        (void)part;
        return false;
}
#else
/* What the kernel lends this module (kernel/tier_cmds.c defines it once, as a constant). */
struct tiers_env {
        struct mem_pool *pool;          /* RVM's page allocator: frames freed and taken back */
        const struct board_info *board; /* its flash bank 0 holds the cold area */
        /* Instructions this CPU has retired (the PMU): the figures of tiers_figures. */
        uint64_t (*insns)(void);
        /* p's range at ipa could not come back (what: "dormant page" or "cold range"; why:
         * the tier's reason): the kernel says so on the console. */
        void (*not_restored)(const struct partition *p, const char *what, ipa_t ipa,
                             const char *why);
};
extern const struct tiers_env tiers_env;

/* WK_MEM_TIER's payload bit for a change the idle policy made (docs/WITNESS.md). */
#define TIER_BY_IDLE     (1u << 8)
/* ... and the payload of the record of `dormant idle <ms>|off` (cap = the new time). */
#define TIER_IDLE_POLICY 0xffu

/* A stage-2 abort of p at ipa: a dormant page, or a cold page's whole range, brought back
 * (true; the access is retried), or neither, or refused (false). Witnessed (WK_MEM_MAP, then
 * WK_MEM_TIER when the range is whole again; WK_MEM_COLD for a cold one). */
bool tiers_fault(struct partition *p, ipa_t ipa);
/* RVM is about to read [ipa, ipa + len) of p's memory on its behalf (a console write):
 * dormant pages there come back first, as if p had touched them. */
void tiers_touch(struct partition *p, ipa_t ipa, uint64_t len);
/* Every dormant and cold page of p back in (before a restart, a checkpoint or a restore); a
 * cold range whose flash copy is damaged comes back as zeroed pages (witnessed, F3). */
void tiers_wake(struct partition *p);
/* Does p have dormant or cold pages, or pages living outside its own frames (share/lend/donate
 * of its RAM is refused then: regions describe the frames it was given)? */
bool tiers_claims(uint32_t part);

/*
 * Measured use (the hot and warm tiers) of a small guest's RAM, its first TIER_MAX_PAGES
 * pages: tiers_age clears their stage-2 access flags (arch_s2_age) and counts, at each epoch
 * the idle policy measures; a page the guest touches takes one access flag fault, which sets
 * the flag again (kernel/trap.c). Hot: touched since the last count; warm: mapped, untouched
 * since (a dormant or cold page is neither). tiers_use: false if part was never counted.
 */
struct tiers_use {
        uint32_t hot, warm;
        uint16_t coldest; /* epochs the page untouched longest has gone untouched */
};
void tiers_age(struct partition *p);
bool tiers_use(uint32_t part, struct tiers_use *out);

/* Make [ipa, ipa + pages) of p dormant: NULL and *idx = its range (tiers_range), or why not.
 * Witnessed either way; cause (0: the monitor, or TIER_BY_IDLE) goes into the record. */
const char *tiers_make_dormant(struct partition *p, ipa_t ipa, uint64_t pages, uint64_t cause,
                               unsigned *idx);
/* Make [ipa, ipa + pages) of p cold (written to flash, its frames freed): NULL and *idx = its
 * range (tiers_cold_range), or why not. Witnessed either way. */
const char *tiers_make_cold(struct partition *p, ipa_t ipa, uint64_t pages, unsigned *idx);
/* `warm`: every cold, then every dormant range of p back. 0, or the ranges that did not come
 * back (a cold one damaged: *damaged); *back: the pages brought back. */
int tiers_warm(struct partition *p, uint64_t *back, bool *damaged);

/* The dormant tier and the cold one as they are now, for the kernel's `mem` and `regions`. */
const struct tier_space *tiers_dormant(void);
const struct cold_space *tiers_cold(void);
/* The range idx of each (as tiers_make_dormant / tiers_make_cold returned it). */
const struct tier_range *tiers_range(unsigned idx);
const struct cold_range *tiers_cold_range(unsigned idx);
/* The cold area: 0 not used yet, 1 flash bank 0, -1 none (no bank 0 large enough). */
int tiers_cold_area(void);
/* Instructions the last dormant fault-in, cold write and cold restore took (tiers_env.insns;
 * exact under QEMU -icount): `mem` prints them, `make bench` reports them. */
struct tiers_figures {
        uint64_t fault_insns, cold_write_insns, cold_restore_insns;
};
const struct tiers_figures *tiers_figures(void);

/* Write a checkpoint's RAM (bytes, at most 1 MiB) to the cold area as a CHECKPOINT segment
 * (memory/cold.h), witnessed (WK_MEM_COLD op 3): 0 (enum cold_err) with *slot, *seq and the
 * first 8 bytes of its root. */
int tiers_cold_write_ckpt(uint32_t part, const void *ram, uint64_t bytes, uint64_t now_ns,
                          unsigned *slot, uint64_t *seq, uint64_t *root8);
#ifdef RVM_KTEST
/* Test images: clear one set bit of p's cold range in flash (memory corruption, for F3).
 * 0 with the IPA of the word and its new value; -1 if p has no cold range. */
int tiers_cold_inject(uint32_t part, ipa_t *ipa, uint32_t *now);
#endif
#endif

#endif
