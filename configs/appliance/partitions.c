/*
 * configs/appliance/partitions.c: the default appliance's partitions.
 */
#include "configs/partitions.h"

GUEST_IMAGE(ticker);

#define MIB (1ULL << 20)

const struct part_config rvm_partitions[] = {
    {.name = "alpha",
     .image = guest_ticker,
     .image_size = &guest_ticker_size,
     .mem_size = 1 * MIB,
     .priority = 10,
     .fault_policy = PART_FAULT_RESTART,
     .max_restarts = 3},
    {.name = "beta",
     .image = guest_ticker,
     .image_size = &guest_ticker_size,
     .mem_size = 1 * MIB,
     .priority = 10,
     .fault_policy = PART_FAULT_RESTART,
     .max_restarts = 3},
};
const size_t rvm_partition_count = sizeof(rvm_partitions) / sizeof(rvm_partitions[0]);

_Static_assert(sizeof(rvm_partitions) / sizeof(rvm_partitions[0]) <= PART_MAX,
               "more partitions than PART_MAX");
