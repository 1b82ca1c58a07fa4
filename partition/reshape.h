/*
 * partition/reshape.h: WASM partitions split and merged while they run (DC-8, DC-11), the
 * mechanism: the kernel's checks of a proposal, which partition a split takes (one an earlier
 * split made and a merge has since retired, else a new one), which agents move, each one
 * moved, all of them moved back if one cannot move, and the partition left unused or empty
 * retired (stopped).
 *
 * partition/ sees neither the agents (wasm/) nor the coherence engine (coherence/): the
 * kernel lends them, and its lock, through struct reshape_env (kernel/reshape.c fills it),
 * and is told what happened in a struct reshape_result, which it witnesses (WK_PART_SPLIT,
 * WK_PART_MERGE) and tells the console. Nothing here prints; the records made here are the
 * partitions' own (part_create's WK_PART_CREATE, part_set_state's WK_PART_STATE) and each
 * move's WK_WASM_MOVE, made by the move the kernel lends. Everything here runs on CPU 0
 * between two vCPUs, with the lock not held unless a function says so.
 */
#ifndef RVM_PARTITION_RESHAPE_H
#define RVM_PARTITION_RESHAPE_H

#include <stdbool.h>
#include <stdint.h>

#include "partition/partition.h"

/* Agents ever in one boot, as wasm/agent.h's AGENT_MAX (kernel/reshape.c checks it). */
#define RESHAPE_MAX_AGENTS 16

/*
 * Why a split or merge was not done, as WK_PART_SPLIT / WK_PART_MERGE's payload gives it
 * (docs/WITNESS.md): the engine's reasons (enum coherence_reason, 1..31; its 0, a proposal,
 * is RESHAPE_GO), then the kernel's, numbered after them.
 */
enum reshape_reason {
        RESHAPE_GO = 0,          /* proposed, and (in a result) done */
        RESHAPE_R_NOT_WASM = 32, /* not a running WASM partition */
        RESHAPE_R_NO_SLOT,       /* split: no partition slot left (PART_MAX) */
        RESHAPE_R_MOVE_FAILED,   /* an agent could not move: everything went back */
        RESHAPE_R_NOT_MOVABLE,   /* an agent to move is hibernated or migrating */
};
/* The kernel's reasons by name; NULL for the engine's (coherence_reason_name has them). */
const char *reshape_reason_name(uint32_t reason);

/* One agent, as the kernel sees it now. */
struct reshape_agent {
        uint32_t partition; /* the WASM partition it runs in */
        bool live;          /* not terminated */
        bool movable;       /* running or suspended: a move can take it */
        uint64_t arena_bytes;
};

struct reshape_env {
        void *ctx;
        /* Take the kernel's lock (run_lock), and give it back. */
        void (*lock)(void *ctx);
        void (*unlock)(void *ctx);
        /* Agent `id` now (ids are 1, 2, ... up to the first false: no such agent). Lock held. */
        bool (*agent)(void *ctx, uint32_t id, struct reshape_agent *out);
        /* Move agent `id` into WASM partition `to` (wasm's agent_move, witnessed): true if it
         * moved; else *why (if why is not NULL) says why not (enum agent_move_result). */
        bool (*move)(void *ctx, uint32_t id, uint32_t to, uint32_t *why);
        /* p's state changed: the run loop takes note (run_partition_changed). Lock held. */
        void (*changed)(void *ctx, struct partition *p);
        /* Pages free in RVM's pool now. */
        uint64_t (*free_pages)(void *ctx);
        /* The engine's split verdict on partition `part`, now: RESHAPE_GO with the agents to
         * move in ids[0..*n) (*n at most RESHAPE_MAX_AGENTS), or its reason. */
        uint32_t (*split_verdict)(void *ctx, uint32_t part, uint32_t *ids, uint32_t *n);
        /* The engine's merge verdict on partitions a and b given DC-11's two preconditions
         * (struct reshape_merge_plan): RESHAPE_GO or its reason. */
        uint32_t (*merge_verdict)(void *ctx, uint32_t a, uint32_t b, bool adjacent,
                                  bool resources_ok);
};

/* What a split or merge did. */
struct reshape_result {
        uint32_t reason;   /* RESHAPE_GO: done; else enum reshape_reason or the engine's */
        uint32_t part;     /* split: the new (or taken back) partition; merge: the survivor */
        uint32_t absorbed; /* merge: the partition whose agents moved (retired if done) */
        uint32_t moved;    /* agents moved (0 unless done) */
        uint32_t why;      /* RESHAPE_R_MOVE_FAILED: the move's reason (enum agent_move_result) */
};

/* Is partition id a running WASM partition (the only kind split or merged)? */
bool reshape_wasm_running(uint32_t id);

/*
 * Split partition `part` if the engine proposes it and every agent it would move can move:
 * a partition taken (a retired one this module made, empty, else part_create's, named
 * "split-<id>"), running, the agents moved into it one by one; if one cannot move, those
 * moved go back and the partition is retired again.
 */
void reshape_split(const struct reshape_env *env, uint32_t part, struct reshape_result *out);

/* The agents of a partition that are not terminated, and whether all can move. */
struct reshape_crew {
        uint32_t count;
        uint32_t id[RESHAPE_MAX_AGENTS];
        bool movable;       /* false also when there were more than RESHAPE_MAX_AGENTS */
        uint64_t arena_max; /* the largest instance arena among them */
};

/*
 * How a merge of a and b would go: the partition with fewer agents is absorbed (the higher id
 * on a tie), its agents move; DC-11's preconditions: the two share a CommEdge between agents
 * of each (adjacent), and every agent to move can move with room in free memory for a
 * destination arena and a snapshot buffer, agents moving one at a time (resources_ok).
 */
struct reshape_merge_plan {
        uint32_t absorbed, survivor;
        struct reshape_crew moving; /* the absorbed partition's agents */
        bool adjacent;
        bool resources_ok;
};
void reshape_merge_plan(const struct reshape_env *env, uint32_t a, uint32_t b,
                        struct reshape_merge_plan *out);

/* Merge a and b (both running WASM partitions) if the engine proposes it given the plan:
 * the absorbed partition's agents moved into the survivor (all back if one cannot move),
 * then the absorbed one retired. */
void reshape_merge(const struct reshape_env *env, uint32_t a, uint32_t b,
                   struct reshape_result *out);

/* Boot and tests: forget which partitions this module made (with part_init). */
void reshape_init(void);

#endif
