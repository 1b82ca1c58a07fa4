/*
 * tests/unit/sched_epoch_test.c: sched/'s witnessed epoch summary (DC-10): one record per
 * epoch, not per switch, carrying the switches, busy time, migrations, runnable entities and
 * degraded flag of that epoch alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/sched_fixture.h"

/* --- DC-10 ------------------------------------------------------------------------------- */

static void test_epoch_emits_one_summary(void **state)
{
        struct sched_entity a, b, c;
        struct sched_epoch_summary sum;

        (void)state;
        setup_cpus(2, NULL);
        add(&a, 1, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&b, 2, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&c, 3, 1, SCHED_MODE_FLOW, 0, 0, false, 0);
        sched_pick(&S, 0, 0);
        sched_tick(&S, 0, 10 * MS);
        sched_pick(&S, 0, 10 * MS);  /* a -> b */
        sched_wake(&S, &c, 12 * MS); /* pushed to idle CPU 1 */
        sched_pick(&S, 1, 12 * MS);
        assert_int_equal(nr_events, 0); /* no record per switch */
        sched_epoch(&S, 15 * MS, &sum);
        assert_int_equal(nr_events, 1);
        assert_int_equal(events[0].kind, WK_SCHED_EPOCH);
        assert_int_equal(events[0].actor, 0);
        assert_int_equal(events[0].target, 1);
        assert_int_equal(events[0].payload, sum.payload);
        assert_int_equal(sum.switches, 3);
        assert_int_equal(sum.busy_ns, 15 * MS + 3 * MS);
        assert_int_equal(sum.migrations, 1);
        assert_int_equal(sum.runnable, 3);
        assert_int_equal(sum.duration_ns, 15 * MS);
        assert_int_equal(SCHED_EPOCH_SWITCHES(sum.payload), 3);
        assert_int_equal(SCHED_EPOCH_BUSY_US(sum.payload), 18000);
        assert_int_equal(SCHED_EPOCH_MIGRATIONS(sum.payload), 1);
        assert_int_equal(SCHED_EPOCH_RUNNABLE(sum.payload), 3);
        assert_int_equal(SCHED_EPOCH_DEGRADED(sum.payload), 0);
        /* The next epoch starts from zero and carries the degraded flag. */
        sched_set_degraded(&S, true);
        sched_epoch(&S, 20 * MS, &sum);
        assert_int_equal(count_kind(WK_SCHED_EPOCH), 2);
        assert_int_equal(sum.seq, 2);
        assert_int_equal(sum.switches, 0);
        assert_int_equal(sum.migrations, 0);
        assert_int_equal(sum.busy_ns, 10 * MS);
        assert_int_equal(SCHED_EPOCH_DEGRADED(sum.payload), 1);
        assert_int_equal(events[nr_events - 1].target, 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_epoch_emits_one_summary, reset_events),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
