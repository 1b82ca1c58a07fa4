/*
 * tests/unit/coherence_fixture.h: the graph, the min-cut, the generator and the scene the
 * coherence_*_test.c files share (tests/unit/coherence_fixture.c).
 */
#ifndef RVM_TESTS_COHERENCE_FIXTURE_H
#define RVM_TESTS_COHERENCE_FIXTURE_H

#include <stdint.h>

#include "coherence/coherence.h"

extern struct coherence_mincut MC;
extern struct coherence_graph G;

/* A seeded generator: a test sets rng_state, then rnd(bound) is in 0..bound-1. */
extern uint64_t rng_state;
uint32_t rnd(uint32_t bound);

/* G afresh, with the default parameters. */
void graph_setup(void);
/* Feeds a steady weight w between two nodes (enough epochs for the average to settle). */
void steady(uint32_t a, uint32_t b, uint64_t msgs);
/*
 * The scene for the decisions: partition 10 holds agents 1,2,3,4; 1-2 talk a lot, 3-4 talk
 * a lot, 2-3 barely; 3 and 4 talk a lot to agent 5 in partition 20. Partitions 20 and 30
 * (agents 5 and 6) talk to each other mostly. Guest partition 40 talks to agent 6 a little.
 */
void scene(int epochs);

#endif
