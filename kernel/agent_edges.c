/*
 * kernel/agent_edges.c: an agent's CommEdges in its checkpoint on command (wasm/agent.h,
 * agent_env.edges_save / edges_restore; kernel/agents.c hands these over).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kernel/agents.h"
#include "partition/edge.h"
/*
 * An agent's checkpoint on command takes its CommEdges, as a partition's does
 * (partition/checkpoint.c): per edge its id, its counts and both ring pages, packed. A
 * restore puts them back, for both ends, as a partition restore does. Lock held.
 */
#define HELD_EDGE (sizeof(uint32_t) + sizeof(struct edge_state) + 2 * 4096)

static bool held_edge_of(uint32_t id, uint32_t principal)
{
        const struct edge *e = edge_get(id);

        return e != NULL && (e->end[0] == principal || e->end[1] == principal);
}

int32_t agent_edges_save(uint32_t principal, uint8_t *buf, size_t cap)
{
        size_t used = 0;

        for (uint32_t id = 0; id < edge_count(); id++) {
                if (!held_edge_of(id, principal)) {
                        continue;
                }
                if (cap - used < HELD_EDGE) {
                        return -1;
                }
                struct edge_state st;
                edge_state_save(id, &st, (uint8_t(*)[4096])(buf + used + sizeof(id) + sizeof(st)));
                memcpy(buf + used, &id, sizeof(id));
                memcpy(buf + used + sizeof(id), &st, sizeof(st));
                used += HELD_EDGE;
        }
        return (int32_t)used;
}

void agent_edges_restore(uint32_t principal, const uint8_t *buf, size_t len)
{
        for (size_t at = 0; at + HELD_EDGE <= len; at += HELD_EDGE) {
                uint32_t id;
                struct edge_state st;
                memcpy(&id, buf + at, sizeof(id));
                memcpy(&st, buf + at + sizeof(id), sizeof(st));
                if (held_edge_of(id, principal)) { /* still its edge (edges are never reused) */
                        edge_state_restore(
                            id, 0, &st,
                            (const uint8_t(*)[4096])(buf + at + sizeof(id) + sizeof(st)));
                }
        }
}
