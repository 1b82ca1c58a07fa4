/*
 * configs/appliance/partitions.c: the default appliance: a producer and a consumer that
 * talk over a CommEdge, a worker that just computes (and reports through a virtual PL011
 * UART that RVM emulates), and two WASM partitions whose WebAssembly agents talk to each
 * other and to a guest (`echo`) over CommEdges.
 */
#include "configs/partitions.h"

GUEST_IMAGE(producer);
GUEST_IMAGE(consumer);
GUEST_IMAGE(ticker);
GUEST_IMAGE(echo);
AGENT_MODULE(counter);
AGENT_MODULE(looper);
AGENT_MODULE(pinger);
AGENT_MODULE(ponger);
AGENT_MODULE(bridge);
AGENT_MODULE(supervisor);
AGENT_MODULE(rogue);
AGENT_MODULE(crunch);

#define MIB (1ULL << 20)

#define APPLIANCE_GUEST(nm, img)                                           \
        {                                                                  \
                .name = nm, .kind = PART_KIND_GUEST, .image = guest_##img, \
                .image_size = &guest_##img##_size, .mem_size = 1 * MIB,    \
                .fault_policy = PART_FAULT_RESTART, .max_restarts = 3      \
        }

/* The worker reports through a virtual PL011 where QEMU virt has its UART. */
static const struct part_vdev worker_devices[] = {{.type = PART_VDEV_PL011, .ipa = {0x09000000}}};

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
    APPLIANCE_GUEST("echo", echo),
    {.name = "agents2", .kind = PART_KIND_WASM},
};
const size_t rvm_partition_count = sizeof(rvm_partitions) / sizeof(rvm_partitions[0]);

#define AGENT(nm, part, ...)                                                      \
        {                                                                         \
                .name = #nm, .wasm = agent_##nm, .wasm_size = &agent_##nm##_size, \
                .partition = part, __VA_ARGS__                                    \
        }

/* Agents by position (1 = first); partitions 4 and 6 are the WASM partitions. */
const struct agent_config rvm_agents[] = {
    AGENT(counter, 4),                             /* 1: logs its progress, yields */
    AGENT(looper, 4),                              /* 2: never yields: fuel preempts it */
    AGENT(pinger, 4, .caps = AGENT_CAP_WITNESS),   /* 3: ping-pong with ponger */
    AGENT(ponger, 6),                              /* 4: written in WAT */
    AGENT(bridge, 4),                              /* 5: talks to the echo guest */
    AGENT(supervisor, 4, .caps = AGENT_CAP_SPAWN), /* 6: spawns two crunch workers */
    AGENT(rogue, 4),                               /* 7: asks for what it may not have */
    AGENT(crunch, 4, .on_demand = true),           /* spawned only */
};
const size_t rvm_agent_count = sizeof(rvm_agents) / sizeof(rvm_agents[0]);

const struct edge_config rvm_edges[] = {
    {1, 2},                         /* producer -> consumer */
    {EDGE_AGENT(3), EDGE_AGENT(4)}, /* pinger <-> ponger: agent to agent, across partitions */
    {5, EDGE_AGENT(5)},             /* echo (guest) <-> bridge (agent) */
    {EDGE_AGENT(7), EDGE_AGENT(2)}, /* rogue <-> looper (never used: the rogue's capability) */
};
const size_t rvm_edge_count = sizeof(rvm_edges) / sizeof(rvm_edges[0]);

_Static_assert(sizeof(rvm_partitions) / sizeof(rvm_partitions[0]) <= PART_MAX,
               "more partitions than PART_MAX");
