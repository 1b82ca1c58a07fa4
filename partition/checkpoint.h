/*
 * partition/checkpoint.h: checkpoints of whole guest partitions, kept in RAM. A checkpoint
 * holds the partition's RAM, every vCPU's state (general registers, EL1 system registers,
 * FP/SIMD registers, virtual GIC interface and pending virtual interrupts), its virtual
 * devices' state and its CommEdges (counts and both ring pages), and the SHA-256 of all of
 * it. One checkpoint per partition (a new one replaces the old); the pages come from RVM's
 * page allocator through struct ckpt_env, at most CKPT_LIMIT_PAGES for all checkpoints.
 *
 * Restoring verifies the hash first (a damaged checkpoint is refused), then writes
 * everything back: the guest continues from the instant it was saved. Callers hold the run
 * lock; every save, restore and refusal is witnessed (WK_MEM_CHECKPOINT, WK_REC_RECONSTRUCT).
 */
#ifndef RVM_PARTITION_CHECKPOINT_H
#define RVM_PARTITION_CHECKPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "configs/features.h"
#include "memory/addr.h"
#include "partition/partition.h"

/* Compiled out of profiles without tiers (the Makefile's FEATURES): stubs below. */
#ifndef RVM_WITH_TIERS
#define CKPT_ABSENT 1
#endif

/* MiB of checkpoints in all (the profile's limits.h may set it). 64 MiB: a 16 MiB guest
 * four times over, not a Linux guest. */
#ifndef CKPT_LIMIT_MIB
#define CKPT_LIMIT_MIB 64
#endif
#define CKPT_LIMIT_PAGES ((uint64_t)CKPT_LIMIT_MIB << 20 >> 12)
/* F2: a partition reconstructed this many times from one checkpoint and failing again
 * stays faulted (DC-14 escalation); a new checkpoint starts the count again. */
#define CKPT_MAX_RECONSTRUCTS 3

struct ckpt_env {
        /* count contiguous pages (physical address, 0 if none) and their return */
        pa_t (*alloc)(void *ctx, uint64_t pages);
        void (*free)(void *ctx, pa_t pa, uint64_t pages);
        void *ctx;
};
void ckpt_init(const struct ckpt_env *env);

/* Why WK_MEM_CHECKPOINT's payload bits 32..39 say it happened. */
enum ckpt_op {
        CKPT_OP_SAVE = 1,
        CKPT_OP_RESTORE = 2,     /* asked for (the monitor) */
        CKPT_OP_RECONSTRUCT = 3, /* F2: the partition failed beyond its restarts */
        CKPT_OP_SCRUB = 4,       /* F3: pages that differ from the checkpoint rolled back */
};

/* What the monitor shows of a partition's checkpoint. */
struct ckpt_info {
        bool valid;
        uint64_t pages;     /* RVM pages it occupies (header, edge rings, RAM) */
        uint64_t ram_bytes; /* of guest RAM */
        uint32_t vcpus, vdevs, edges;
        uint64_t saved_ns; /* RVM time when it was taken */
        uint32_t restores, reconstructs;
        uint8_t hash[32]; /* SHA-256 over all of it */
};

/*
 * Save p (a guest partition, running or suspended, none of whose vCPUs is live on a CPU,
 * not restarting, in no memory transaction with another partition). now_ns is recorded.
 * Refusals are witnessed (WITNESS_F_DENIED) and return PART_E_STATE (not a guest, vCPU live,
 * restarting), PART_E_BUSY (memory shared, lent or donated) or PART_E_NOMEM (no pages, or
 * over CKPT_LIMIT_PAGES).
 */
enum part_err ckpt_save(struct partition *p, uint32_t actor, uint64_t now_ns);

/*
 * Write p's checkpoint back into it: PART_E_NOT_FOUND without one, PART_E_INVALID if its
 * hash does not match (it stays, unused), PART_E_BUSY as for saving, PART_E_STATE if p is
 * destroyed, or (op RESTORE, the operator's) while a vCPU of p is still on a CPU. For F2's
 * rebuild (op RECONSTRUCT) a vCPU live on another CPU is not required to have stopped: each
 * vCPU's context generation moves (that CPU drops it) and its saved frame is entered at its
 * next load, as after a reset. vCPUs blocked in a CommEdge wait come back runnable (the wait
 * returns, as on a spurious wake-up). op says who asked (restore or reconstruct).
 */
#ifndef CKPT_ABSENT
enum part_err ckpt_restore(struct partition *p, uint32_t actor, enum ckpt_op op);
#endif

/*
 * F3 (DC-14): compare pages pages of p's RAM from ipa, a region p does not write (its image:
 * code and constants), with its checkpoint (whose hash is checked first), and put back the
 * pages that differ; *rolled says how many. Witnessed as WK_REC_ROLLBACK when it rolled
 * back (or was refused: PART_E_NOT_FOUND without a checkpoint, PART_E_INVALID if the
 * checkpoint is damaged, PART_E_RANGE for a range outside p's RAM, PART_E_STATE while a vCPU
 * of p is on a CPU).
 */
enum part_err ckpt_scrub(struct partition *p, uint32_t actor, ipa_t ipa, uint64_t pages,
                         uint64_t *rolled);

/* p's checkpoint (valid false if none). */
#ifndef CKPT_ABSENT
struct ckpt_info ckpt_get(uint32_t part_id);
#endif
/* May p be reconstructed from its checkpoint once more (F2)? */
#ifndef CKPT_ABSENT
bool ckpt_can_reconstruct(uint32_t part_id);
#endif
/* The guest RAM in p's checkpoint (NULL if none; *bytes: its size). */
const uint8_t *ckpt_ram_image(uint32_t part_id, uint64_t *bytes);
/* RVM pages all checkpoints hold now. */
uint64_t ckpt_pages_used(void);
/* Drop p's checkpoint (its pages go back). */
void ckpt_drop(uint32_t part_id);

#ifdef CKPT_ABSENT
/* A profile without checkpoints (the Seed): a partition failing beyond its restarts
 * stays faulted; `checkpoint`, `restore` and `scrub` are refused (kernel/absent_cmds.c). */
static inline bool ckpt_can_reconstruct(uint32_t part_id)
{
        (void)part_id;
        return false;
}
static inline enum part_err ckpt_restore(struct partition *p, uint32_t actor, enum ckpt_op op)
{
        (void)p;
        (void)actor;
        (void)op;
        return PART_E_NOT_FOUND;
}
static inline struct ckpt_info ckpt_get(uint32_t part_id)
{
        (void)part_id;
        return (struct ckpt_info){.valid = false};
}
#endif

#endif
