/*
 * tests/unit/coherence_fixture.c: what the coherence tests share: the engine's graph G and a
 * min-cut MC (too large for the stack), a seeded generator, and a scene of agents
 * and partitions with steady traffic that the pressure, decision and DOT tests read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/coherence_fixture.h"

struct coherence_mincut MC;
struct coherence_graph G;

uint64_t rng_state;
uint32_t rnd(uint32_t bound)
{
        rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
        return bound == 0 ? 0 : (uint32_t)((rng_state >> 33) % bound);
}

void graph_setup(void)
{
        assert_int_equal(coherence_init(&G, NULL), COHERENCE_OK);
}

void steady(uint32_t a, uint32_t b, uint64_t msgs)
{
        assert_int_equal(coherence_traffic(&G, a, b, msgs, 0), COHERENCE_OK);
}

void scene(int epochs)
{
        graph_setup();
        for (uint32_t id = 1; id <= 4; id++) {
                coherence_node_add(&G, id, COHERENCE_AGENT, 10);
        }
        coherence_node_add(&G, 5, COHERENCE_AGENT, 20);
        coherence_node_add(&G, 6, COHERENCE_AGENT, 30);
        coherence_node_add(&G, 40, COHERENCE_GUEST, 40);
        for (int e = 0; e < epochs; e++) {
                steady(1, 2, 100);
                steady(3, 4, 100);
                steady(2, 3, 2);
                steady(3, 5, 60);
                steady(4, 5, 60);
                steady(5, 6, 200);
                steady(6, 40, 10);
                coherence_epoch(&G);
        }
}
