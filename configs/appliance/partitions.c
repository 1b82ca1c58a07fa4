/*
 * configs/appliance/partitions.c: the default appliance: a producer and a consumer that
 * talk over a CommEdge, and a worker that just computes.
 */
#include "configs/partitions.h"

GUEST_IMAGE(producer);
GUEST_IMAGE(consumer);
GUEST_IMAGE(ticker);

#define MIB (1ULL << 20)

#define APPLIANCE_GUEST(nm, img)                                                         \
        {                                                                                \
                .name = nm, .image = guest_##img, .image_size = &guest_##img##_size,     \
                .mem_size = 1 * MIB, .priority = 10, .fault_policy = PART_FAULT_RESTART, \
                .max_restarts = 3                                                        \
        }

const struct part_config rvm_partitions[] = {
    APPLIANCE_GUEST("producer", producer),
    APPLIANCE_GUEST("consumer", consumer),
    APPLIANCE_GUEST("worker", ticker),
};
const size_t rvm_partition_count = sizeof(rvm_partitions) / sizeof(rvm_partitions[0]);

/* producer (1) -> consumer (2) */
const struct edge_config rvm_edges[] = {{1, 2}};
const size_t rvm_edge_count = sizeof(rvm_edges) / sizeof(rvm_edges[0]);

_Static_assert(sizeof(rvm_partitions) / sizeof(rvm_partitions[0]) <= PART_MAX,
               "more partitions than PART_MAX");
