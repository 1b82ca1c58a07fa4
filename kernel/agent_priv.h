/*
 * kernel/agent_priv.h: what kernel/agent.c (lifecycle, scheduling, monitor commands) and
 * kernel/agent_calls.c (the host module "rvm") share. Every field below is guarded by
 * run_lock, except what only the CPU running the agent (on_cpu) touches: its instance.
 */
#ifndef RVM_KERNEL_AGENT_PRIV_H
#define RVM_KERNEL_AGENT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "configs/partitions.h"
#include "kernel/agent.h"
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
        const struct agent_config *cfg;
        uint32_t id;        /* 1..AGENT_MAX; principal AGENT_PRINCIPAL(id) */
        uint32_t partition; /* the WASM partition it runs in now (migration moves it) */
        enum agent_state state;
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
};

/* Mask IRQs and take run_lock (agents run with IRQs on), and back. */
uint64_t agent_lock(void);
void agent_unlock(uint64_t saved);

/* The agent whose principal this is (NULL for a partition or a free slot). run_lock held. */
struct agent *agent_by_principal(uint32_t principal);

/* Create an agent from configuration entry cfg in WASM partition `partition`, witnessed with
 * `actor` (and the capability it used) as the one who asked. run_lock held. Returns the new
 * agent id, or a negative gate status: NO_SPACE (AGENT_MAX reached or no memory), INVALID
 * (the module does not load). */
int32_t agent_spawn(const struct agent_config *cfg, uint32_t partition, uint32_t actor,
                    cap_handle_t cap);
/* The configuration entry named name[0..len), or NULL. */
const struct agent_config *agent_config_named(const char *name, size_t len);
/* Is partition id a running WASM partition? */
bool agent_partition_ok(uint32_t partition);

/* Host module "rvm": set up a's host functions; resolve its imports. */
bool agent_host_init(struct agent *a);
bool agent_resolve(void *ctx, const char *module, uint32_t module_len, const char *name,
                   uint32_t name_len, uint8_t kind, struct wasm_extern *out);

#endif
