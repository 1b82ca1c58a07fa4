/*
 * configs/partitions.h: a profile's partition table, as typed C (configs/<profile>/
 * partitions.c), and the guest images the build embeds (build/<cfg>/guests/<name>.c,
 * generated from the guest's flat binary).
 */
#ifndef RVM_CONFIGS_PARTITIONS_H
#define RVM_CONFIGS_PARTITIONS_H

#include <stddef.h>
#include <stdint.h>

#include "partition/partition.h"

extern const struct part_config rvm_partitions[];
extern const size_t rvm_partition_count;

/* A CommEdge between two partitions of the table, by position (1 = first). */
struct edge_config {
        uint8_t a, b;
};
extern const struct edge_config rvm_edges[];
extern const size_t rvm_edge_count;

/* A WebAssembly agent: runs in the WASM partition at position `partition` (1 = first). */
struct agent_config {
        const char *name;
        const uint8_t *wasm;
        const size_t *wasm_size;
        uint8_t partition;
};
extern const struct agent_config rvm_agents[];
extern const size_t rvm_agent_count;

/* Declares the embedded module of agent `name` (source: <dir>/agents/<name>.c). */
#define AGENT_MODULE(name)                   \
        extern const uint8_t agent_##name[]; \
        extern const size_t agent_##name##_size

/* Declares the embedded image of guest `name` (its source is <dir>/guests/<name>.c). */
#define GUEST_IMAGE(name)                    \
        extern const uint8_t guest_##name[]; \
        extern const size_t guest_##name##_size

#endif
