/*
 * configs/partitions.h: a profile's partition table, as typed C (configs/<profile>/
 * partitions.c), and the guest images the build embeds (build/<cfg>/guests/<name>.c,
 * generated from the guest's flat binary).
 */
#ifndef RVM_CONFIGS_PARTITIONS_H
#define RVM_CONFIGS_PARTITIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "partition/partition.h"

extern const struct part_config rvm_partitions[];
extern const size_t rvm_partition_count;

/* A CommEdge between two partitions of the table, by position (1 = first). An end may be a
 * WebAssembly agent instead: EDGE_AGENT(n) names the agent at position n of rvm_agents. */
struct edge_config {
        uint8_t a, b;
};
#define EDGE_AGENT(n)       (0x80u | (n))
#define EDGE_IS_AGENT(end)  (((end)&0x80u) != 0)
#define EDGE_AGENT_POS(end) ((end)&0x7Fu)
extern const struct edge_config rvm_edges[];
extern const size_t rvm_edge_count;

/* A WebAssembly agent: runs in the WASM partition at position `partition` (1 = first). */
struct agent_config {
        const char *name;
        const uint8_t *wasm;
        const size_t *wasm_size;
        uint8_t partition;
        uint8_t caps;   /* AGENT_CAP_*: the capabilities it is given when it starts */
        bool on_demand; /* not started at boot: only spawned (rvm.spawn, `agent spawn`) */
};
#define AGENT_CAP_WITNESS 0x01 /* WRITE on the witness log: rvm.witness */
#define AGENT_CAP_SPAWN   0x02 /* EXECUTE on the WASM partition it starts in: rvm.spawn */
extern const struct agent_config rvm_agents[];
extern const size_t rvm_agent_count;

/* The tables boot creates partitions, agents and CommEdges from: the profile's linked ones
 * above, or those of the verified RVF image in boot flash (boot/rvf_boot.c). */
struct profile_tables {
        const struct part_config *parts;
        size_t part_count;
        const struct agent_config *agents;
        size_t agent_count;
        const struct edge_config *edges;
        size_t edge_count;
};

/* Declares the embedded module of agent `name` (source: <dir>/agents/<name>.c or .wat). */
#define AGENT_MODULE(name)                   \
        extern const uint8_t agent_##name[]; \
        extern const size_t agent_##name##_size

/* Declares the embedded image of guest `name` (its source is <dir>/guests/<name>.c). */
#define GUEST_IMAGE(name)                    \
        extern const uint8_t guest_##name[]; \
        extern const size_t guest_##name##_size

#endif
