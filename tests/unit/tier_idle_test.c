/*
 * tests/unit/tier_idle_test.c: the memory tiers' idle policy (memory/tier_idle.c), a pure
 * decision over one partition's state at each epoch: when it acts (the policy's time to the
 * nanosecond), that any run starts the count again, that a refusal waits for a run, that a
 * clock which wraps still counts right, and that 0 turns it off.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "memory/tier_idle.h"

#define MS 1000000ULL

static struct tier_idle s;
static struct tier_idle_part in;
static struct tier_idle_verdict v;

/* A small guest asleep, not run for a while, with no dormant range yet. */
static int setup(void **state)
{
        (void)state;
        memset(&s, 0, sizeof(s));
        memset(&in, 0, sizeof(in));
        in.watched = true;
        in.asleep = true;
        in.runtime_ns = 5000;
        return 0;
}

static void epoch(uint64_t now, uint32_t policy_ms)
{
        tier_idle_decide(&s, &in, now, policy_ms, &v);
}

static void acts_at_the_policy_time_exactly(void **state)
{
        (void)state;
        epoch(1000, 2000); /* first seen asleep: the count starts */
        assert_int_equal(v.act, TIER_IDLE_NONE);
        assert_true(v.measure);
        assert_false(v.woke);
        epoch(1000 + 2000 * MS - 1, 2000);
        assert_int_equal(v.act, TIER_IDLE_NONE);
        epoch(1000 + 2000 * MS, 2000);
        assert_int_equal(v.act, TIER_IDLE_DORMANT);
        assert_int_equal(v.slept_ns, 2000 * MS);
        tier_idle_done(&s, true);
        /* dormant now: not again while it sleeps */
        epoch(1000 + 9000 * MS, 2000);
        assert_int_equal(v.act, TIER_IDLE_NONE);
        assert_false(v.woke);
}

static void a_run_starts_the_count_again(void **state)
{
        (void)state;
        epoch(0, 10);
        epoch(9 * MS, 10);
        in.runtime_ns += 1; /* it ran between epochs, and sleeps again */
        epoch(10 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_NONE);
        epoch(19 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_NONE);
        epoch(20 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_DORMANT);
        /* awake (a vCPU runnable) also starts it again */
        setup(NULL);
        epoch(0, 10);
        in.asleep = false;
        epoch(5 * MS, 10);
        in.asleep = true;
        epoch(10 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_NONE);
        epoch(15 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_DORMANT);
}

static void woken_after_dormant_is_told_once(void **state)
{
        (void)state;
        epoch(0, 10);
        epoch(10 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_DORMANT);
        tier_idle_done(&s, true);
        in.runtime_ns += 100;
        in.asleep = false;
        in.has_range = true;
        in.range_pages = 256;
        in.range_dormant = 200;
        in.claims = true;
        epoch(11 * MS, 10);
        assert_true(v.woke);
        assert_int_equal(v.act, TIER_IDLE_NONE);
        epoch(12 * MS, 10);
        assert_false(v.woke);
        /* asleep again long enough, some pages back: the range whole, then dormant again */
        in.asleep = true;
        epoch(13 * MS, 10);
        epoch(23 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_REDO);
        assert_int_equal(v.slept_ns, 11 * MS); /* asleep since the epoch at 12 ms */
}

static void a_claimed_range_is_left_alone(void **state)
{
        (void)state;
        /* all of its range still dormant, or a range the monitor made: nothing */
        in.claims = true;
        epoch(0, 10);
        epoch(50 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_NONE);
        in.has_range = true;
        in.range_pages = in.range_dormant = 256;
        epoch(60 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_NONE);
        in.claims = false; /* claims gone (the range came back whole): dormant */
        in.has_range = false;
        epoch(61 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_DORMANT);
}

static void a_refusal_waits_for_a_run(void **state)
{
        (void)state;
        epoch(0, 10);
        epoch(10 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_DORMANT);
        tier_idle_done(&s, false);
        epoch(100 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_NONE);
        in.runtime_ns++;
        epoch(101 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_NONE);
        assert_false(v.woke); /* refused is not dormant */
        epoch(111 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_DORMANT);
}

static void a_wrapping_clock_counts_right(void **state)
{
        (void)state;
        const uint64_t start = UINT64_MAX - 3 * MS;
        epoch(start, 10);
        epoch(start + 9 * MS, 10); /* wrapped: 6 ms past zero */
        assert_int_equal(v.act, TIER_IDLE_NONE);
        epoch(start + 10 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_DORMANT);
        assert_int_equal(v.slept_ns, 10 * MS);
        /* the longest time: 2^32 - 1 ms, still exact in 64 bits */
        setup(NULL);
        epoch(start, UINT32_MAX);
        epoch(start + (uint64_t)UINT32_MAX * MS - 1, UINT32_MAX);
        assert_int_equal(v.act, TIER_IDLE_NONE);
        epoch(start + (uint64_t)UINT32_MAX * MS, UINT32_MAX);
        assert_int_equal(v.act, TIER_IDLE_DORMANT);
}

static void zero_is_off_and_others_are_not_watched(void **state)
{
        (void)state;
        epoch(0, 0);
        epoch(UINT64_MAX, 0);
        assert_int_equal(v.act, TIER_IDLE_NONE);
        assert_false(v.measure);
        assert_int_equal(s.since_ns, UINT64_MAX); /* the count restarts each epoch */
        /* turned on: counts from its first epoch on */
        epoch(UINT64_MAX, 1);
        assert_true(v.measure);
        epoch(MS - 1, 1);
        assert_int_equal(v.act, TIER_IDLE_DORMANT);
        /* not watched (stopped, a Linux guest, WASM): never; measured only if watched and not
         * reloading */
        setup(NULL);
        in.watched = false;
        epoch(0, 10);
        epoch(100 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_NONE);
        assert_false(v.measure);
        in.watched = true;
        in.reloading = true;
        epoch(101 * MS, 10);
        assert_false(v.measure);
        /* awake: never */
        in.reloading = false;
        in.asleep = false;
        epoch(200 * MS, 10);
        assert_int_equal(v.act, TIER_IDLE_NONE);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(acts_at_the_policy_time_exactly, setup),
            cmocka_unit_test_setup(a_run_starts_the_count_again, setup),
            cmocka_unit_test_setup(woken_after_dormant_is_told_once, setup),
            cmocka_unit_test_setup(a_claimed_range_is_left_alone, setup),
            cmocka_unit_test_setup(a_refusal_waits_for_a_run, setup),
            cmocka_unit_test_setup(a_wrapping_clock_counts_right, setup),
            cmocka_unit_test_setup(zero_is_off_and_others_are_not_watched, setup),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
