/*
 * configs/seed/partitions.c: the Seed profile boots no guest partition by default.
 */
#include "configs/partitions.h"

const struct part_config rvm_partitions[1] = {{.name = NULL}};
const size_t rvm_partition_count = 0;

const struct edge_config rvm_edges[1] = {{0, 0}};
const size_t rvm_edge_count = 0;
