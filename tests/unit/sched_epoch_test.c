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

/* CPU need per epoch, what the coherence engine's placement weighs: each entity's CPU time
 * and its time waiting runnable behind another (sampled at its CPU's ticks), except after it
 * yielded; summed per partition for the epoch just closed. */
static void test_epoch_measures_need(void **state)
{
        struct sched_entity a, b, c, y;
        uint64_t run, wait, len;

        (void)state;
        setup_cpus(2, NULL);
        /* Two hogs (partition 1) on CPU 0, one entity of partition 2 alone on CPU 1. */
        add(&a, 1, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&b, 2, 1, SCHED_MODE_FLOW, 0, 0, true, 0);
        add(&c, 3, 2, SCHED_MODE_FLOW, 0, 1, true, 0);
        sched_pick(&S, 0, 0);
        sched_pick(&S, 1, 0);
        for (uint64_t t = 10 * MS; t <= 100 * MS; t += 10 * MS) {
                sched_tick(&S, 0, t);
                sched_pick(&S, 0, t);
                sched_tick(&S, 1, t);
        }
        /* Nothing closed yet: the last epoch's figures are 0. */
        assert_int_equal(sched_partition_need(&S, 1, &run, &wait, &len), 2);
        assert_int_equal(run + wait + len, 0);
        sched_epoch(&S, 100 * MS, NULL);
        /* Partition 1 took all of CPU 0 and waited as long again: need 2 CPUs. */
        assert_int_equal(sched_partition_need(&S, 1, &run, &wait, &len), 2);
        assert_int_equal(len, 100 * MS);
        assert_int_equal(run, 100 * MS);
        assert_int_equal(wait, 100 * MS);
        assert_int_equal(a.last_run_ns + b.last_run_ns, 100 * MS);
        assert_true(a.last_wait_ns > 0 && b.last_wait_ns > 0);
        assert_int_equal(sched_partition_need(&S, 2, &run, &wait, NULL), 1);
        assert_int_equal(run, 100 * MS);
        assert_int_equal(wait, 0);
        assert_int_equal(sched_partition_need(&S, 9, &run, &wait, NULL), 0);
        assert_int_equal(run + wait, 0);

        /* A yielder waits by choice: its waiting is not need. y (partition 3) shares CPU 1
         * with c and yields each time it runs. */
        add(&y, 4, 3, SCHED_MODE_FLOW, 0, 1, true, 100 * MS);
        for (uint64_t t = 110 * MS; t <= 200 * MS; t += 10 * MS) {
                if (sched_current(&S, 1) == &y) {
                        sched_yield_pick(&S, 1, t - 5 * MS); /* ran 5 ms, gave the CPU away */
                }
                sched_tick(&S, 1, t);
                sched_pick(&S, 1, t);
        }
        sched_epoch(&S, 200 * MS, NULL);
        assert_int_equal(sched_partition_need(&S, 3, &run, &wait, &len), 1);
        assert_int_equal(len, 100 * MS);
        assert_true(run > 0 && run < 50 * MS);
        /* Only the first 10 ms, before it first ran: from its first yield on, none. */
        assert_int_equal(wait, 10 * MS);
        /* c waited behind y only while y ran (not yielded). */
        assert_int_equal(sched_partition_need(&S, 2, &run, &wait, NULL), 1);
        assert_int_equal(run + y.last_run_ns, 100 * MS);
        /* The figures are the last epoch's alone: an idle epoch reads 0. */
        sched_remove(&S, &y, 200 * MS);
        sched_remove(&S, &c, 200 * MS);
        sched_epoch(&S, 300 * MS, NULL);
        assert_int_equal(sched_partition_need(&S, 2, &run, &wait, NULL), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_epoch_emits_one_summary, reset_events),
            cmocka_unit_test_setup(test_epoch_measures_need, reset_events),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
