/*
 * configs/seed/partitions.c: the Seed profile's sensor node: a `sensor` that samples on
 * its own virtual timer and sends each reading over a CommEdge to an `aggregator` that
 * checks and summarises them. Both are small C guests (configs/seed/guests/) with 64 KiB
 * of RAM each; every call they make passes the capability gate.
 */
#include "configs/partitions.h"
#include "partition/edge.h"

GUEST_IMAGE(sensor);
GUEST_IMAGE(aggregator);

#define KIB (1ULL << 10)

#define SEED_GUEST(nm, img)                                                \
        {                                                                  \
                .name = nm, .kind = PART_KIND_GUEST, .image = guest_##img, \
                .image_size = &guest_##img##_size, .mem_size = 64 * KIB,   \
                .fault_policy = PART_FAULT_RESTART, .max_restarts = 3      \
        }

const struct part_config rvm_partitions[] = {
    SEED_GUEST("sensor", sensor),
    SEED_GUEST("aggregator", aggregator),
};
const size_t rvm_partition_count = sizeof(rvm_partitions) / sizeof(rvm_partitions[0]);

const struct edge_config rvm_edges[] = {
    {1, 2}, /* sensor -> aggregator */
};
const size_t rvm_edge_count = sizeof(rvm_edges) / sizeof(rvm_edges[0]);

_Static_assert(sizeof(rvm_partitions) / sizeof(rvm_partitions[0]) <= PART_MAX,
               "more partitions than the Seed's PART_MAX (configs/seed/limits.h)");
_Static_assert(sizeof(rvm_edges) / sizeof(rvm_edges[0]) <= EDGE_MAX,
               "more CommEdges than the Seed's EDGE_MAX (configs/seed/limits.h)");
