/*
 * tests/unit/sched_fixture.c: what the scheduler tests share: a fake witness log keeping the
 * events sched/ emits (emptied before every test by reset_events), the scheduler S, and
 * helpers that bring CPUs online and add entities.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/sched_fixture.h"

/* --- fake witness log ------------------------------------------------------------------- */

struct witness_event events[MAX_EVENTS];
unsigned nr_events;

void witness_emit(const struct witness_event *ev)
{
        if (nr_events < MAX_EVENTS) {
                events[nr_events] = *ev;
        }
        nr_events++;
}

unsigned count_kind(uint16_t kind)
{
        unsigned n = 0;

        for (unsigned i = 0; i < nr_events && i < MAX_EVENTS; i++) {
                n += events[i].kind == kind;
        }
        return n;
}

int reset_events(void **state)
{
        (void)state;
        memset(events, 0, sizeof(events));
        nr_events = 0;
        return 0;
}

/* --- helpers ---------------------------------------------------------------------------- */

struct sched S; /* ~9 KiB: static, not on the test stack */

void setup_cpus(unsigned n, const struct sched_params *p)
{
        assert_int_equal(sched_init(&S, p, 0), SCHED_OK);
        for (unsigned c = 0; c < n; c++) {
                assert_int_equal(sched_cpu_init(&S, c, 0), SCHED_OK);
        }
}

void add(struct sched_entity *e, uint64_t id, uint32_t part, enum sched_mode mode,
         uint64_t affinity, unsigned cpu, bool runnable, uint64_t now)
{
        assert_int_equal(sched_entity_init(&S, e, id, part, mode, affinity), SCHED_OK);
        assert_int_equal(sched_add(&S, e, cpu, runnable, now), SCHED_OK);
}
