/*
 * tests/unit/sched_fixture.h: the fake witness log, the scheduler and the set-up helpers the
 * sched_*_test.c files share (tests/unit/sched_fixture.c).
 */
#ifndef RVM_TESTS_SCHED_FIXTURE_H
#define RVM_TESTS_SCHED_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "sched/sched.h"
#include "sched/sched_witness.h"

#define US 1000ull
#define MS 1000000ull

#define MAX_EVENTS 64
/* What sched/ emitted since reset_events: nr_events counts all, events keeps the first. */
extern struct witness_event events[MAX_EVENTS];
extern unsigned nr_events;
/* How many of the kept events are of this kind. */
unsigned count_kind(uint16_t kind);
/* A test's setup: the log emptied. */
int reset_events(void **state);

extern struct sched S;
/* S initialised with p (NULL: defaults) and CPUs 0..n-1 online. */
void setup_cpus(unsigned n, const struct sched_params *p);
/* An entity initialised and added to S on cpu, runnable or blocked. */
void add(struct sched_entity *e, uint64_t id, uint32_t part, enum sched_mode mode,
         uint64_t affinity, unsigned cpu, bool runnable, uint64_t now);

#endif
