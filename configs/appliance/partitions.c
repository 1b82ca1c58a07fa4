/*
 * configs/appliance/partitions.c: the default appliance: a producer and a consumer that
 * talk over a CommEdge, a worker that just computes (and reports through a virtual PL011
 * UART that RVM emulates), and a WASM partition running two WebAssembly agents (one
 * well-behaved, one that never yields).
 */
#include "configs/partitions.h"

GUEST_IMAGE(producer);
GUEST_IMAGE(consumer);
GUEST_IMAGE(ticker);
AGENT_MODULE(counter);
AGENT_MODULE(looper);

#define MIB (1ULL << 20)

#define APPLIANCE_GUEST(nm, img)                                           \
        {                                                                  \
                .name = nm, .kind = PART_KIND_GUEST, .image = guest_##img, \
                .image_size = &guest_##img##_size, .mem_size = 1 * MIB,    \
                .fault_policy = PART_FAULT_RESTART, .max_restarts = 3      \
        }

/* The worker reports through a virtual PL011 where QEMU virt has its UART. */
static const struct part_vdev worker_devices[] = {{.type = PART_VDEV_PL011, .ipa = 0x09000000}};

const struct part_config rvm_partitions[] = {
    APPLIANCE_GUEST("producer", producer),
    APPLIANCE_GUEST("consumer", consumer),
    {.name = "worker",
     .kind = PART_KIND_GUEST,
     .image = guest_ticker,
     .image_size = &guest_ticker_size,
     .mem_size = 1 * MIB,
     .fault_policy = PART_FAULT_RESTART,
     .max_restarts = 3,
     .vdevs = worker_devices,
     .vdev_count = 1},
    {.name = "agents", .kind = PART_KIND_WASM},
};
const size_t rvm_partition_count = sizeof(rvm_partitions) / sizeof(rvm_partitions[0]);

/* producer (1) -> consumer (2) */
const struct edge_config rvm_edges[] = {{1, 2}};
const size_t rvm_edge_count = sizeof(rvm_edges) / sizeof(rvm_edges[0]);

/* Both agents run in the WASM partition (4). */
const struct agent_config rvm_agents[] = {
    {.name = "counter", .wasm = agent_counter, .wasm_size = &agent_counter_size, .partition = 4},
    {.name = "looper", .wasm = agent_looper, .wasm_size = &agent_looper_size, .partition = 4},
};
const size_t rvm_agent_count = sizeof(rvm_agents) / sizeof(rvm_agents[0]);

_Static_assert(sizeof(rvm_partitions) / sizeof(rvm_partitions[0]) <= PART_MAX,
               "more partitions than PART_MAX");
