/*
 * wasm/agent_priv.h: what wasm/agent.c (the lifecycle) and wasm/agent_calls.c (the host module
 * "rvm") share. Every field of struct agent is guarded by the kernel's lock (agent_env->lock),
 * except what only the CPU running the agent (on_cpu) touches: its instance, and on its first
 * turn its module and arenas as they are loaded (wasm/agent.c, start).
 */
#ifndef RVM_WASM_AGENT_PRIV_H
#define RVM_WASM_AGENT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/agent.h"
#include "wasm/wasm.h"

/* The imports of module "rvm" (docs/WASM.md). */
enum agent_import {
        AGENT_IMP_LOG,
        AGENT_IMP_TIME,
        AGENT_IMP_YIELD,
        AGENT_IMP_CAP,
        AGENT_IMP_SEND,
        AGENT_IMP_PUT,
        AGENT_IMP_NOTIFY,
        AGENT_IMP_RECV,
        AGENT_IMP_WITNESS,
        AGENT_IMP_SPAWN,
        AGENT_IMP_COUNT,
};

struct agent {
        struct agent_image img;
        uint32_t id;            /* 1..AGENT_MAX; principal AGENT_PRINCIPAL(id) */
        uint32_t partition;     /* the WASM partition it runs in now (migration moves it) */
        enum agent_state state; /* initializing: its module is not loaded yet */
        uint32_t spawner;       /* who spawned it, and with what: its load's records say so */
        cap_handle_t spawn_cap;
        bool loaded; /* its module loaded (its first turn or agent_load) */
        const struct wasm_module *module;
        struct wasm_instance *inst;
        struct wasm_func host[AGENT_IMP_COUNT];
        bool yield_pending; /* rvm.yield: the first call yields, the retry returns */
        bool waiting;       /* blocked in rvm.recv until a doorbell on one of its edges */
        bool on_cpu;        /* inside wasm_run() on some CPU: lifecycle changes wait */
        uint8_t *snapshot;  /* hibernation and migration: the serialised instance */
        size_t snapshot_len;
        void *module_mem; /* the module arena */
        void *inst_mem;   /* the instance arena (wiped while hibernated) */
        size_t inst_size;
        uint64_t turns, fuel_used, logs, sent, received, migrations;
        enum wasm_trap trap;
        /* Recovery (agent.h): its slot of the checkpoint pool (0 = none, else index + 1), the
         * last checkpoint's size, number and turn, and its restarts so far. */
        uint32_t ckpt_slot;
        size_t ckpt_len;
        uint32_t checkpoints;
        uint64_t ckpt_turn;
        /* Measured use of its linear memory (agent_recover.c): a digest of each 4 KiB page at
         * its last checkpoint; pages whose digest changed since the one before were written
         * (hot), the others not (warm). */
        uint64_t page_digest[AGENT_USE_PAGES];
        uint32_t use_pages, use_hot;
        uint32_t restarts;
        bool faulted;
        /* The checkpoint the monitor took on command (`checkpoint agent <id>`, agent_recover.c):
         * its bytes (AGENT_SNAPSHOT, taken at the first), size, digest, number, the turn it was
         * taken after, whether the agent was inside rvm.yield, and restores from it so far. */
        uint8_t *held;
        size_t held_len, held_edges; /* the instance, then its CommEdges (edges_save) */
        uint64_t held_digest, held_turn;
        uint32_t held_number, held_restores;
        bool held_yield;
};

#define AGENT_SNAPSHOT (512u << 10) /* hibernation / migration buffer per agent */

/* The kernel's callbacks (agent_init). */
extern const struct agent_env *agent_env;
/* Every agent's instance limits (memory pages, stack, frames). */
extern const struct wasm_config agent_wasm_cfg;

/* Shared by agent.c and agent_ops.c. Lock held for all but agent_lock_idle, which takes it
 * once the agent is off its CPU (at most a turn of fuel, or its load) and returns with it
 * held (*saved: what agent_env->unlock wants back). */
struct agent *agent_by_id(uint32_t id); /* NULL for an id not created */
void agent_set_state(struct agent *a, enum agent_state s, uint32_t actor, cap_handle_t cap);
void agent_terminate(struct agent *a, uint32_t actor, bool wiped);
void *agent_alloc_zeroed(size_t bytes);
void agent_free_wiped(void *p, size_t bytes);
void agent_lock_idle(const struct agent *a, uint64_t *saved);

/* Wipe what a's memory holds (lock held, or a on this CPU). */
void agent_wipe(const struct agent *a, size_t inst_size);

/* Recovery (agent_recover.c). A checkpoint slot for a (claim: lock held; false when the pool
 * has none free), given back wiped (release: lock held); a's checkpoint at the end of its turn
 * `turn` and its recovery from a trap, both on a's CPU without the lock, each taking a off it. */
void agent_ckpt_init(void); /* every slot free (agent_init) */
bool agent_ckpt_claim(struct agent *a);
void agent_ckpt_release(struct agent *a);
void agent_checkpoint_at_yield(struct agent *a, uint64_t turn);
void agent_recover(struct agent *a, enum wasm_trap trap);

/* The agent whose principal this is (NULL for a partition or an id not created). Lock held. */
struct agent *agent_by_principal(uint32_t principal);

/* Host module "rvm": set up a's host functions; resolve its imports. agent_host_arm_trap:
 * a's next host call traps (and sets them up again). Lock held or a off every CPU. */
bool agent_host_init(struct agent *a);
void agent_host_arm_trap(struct agent *a);
bool agent_resolve(void *ctx, const char *module, uint32_t module_len, const char *name,
                   uint32_t name_len, uint8_t kind, struct wasm_extern *out);

#endif
