/*
 * tests/unit/agent_random_test.c: random operations on the agents: boots of random spawns,
 * turns, lifecycle changes, injected traps (restarts), doorbells and hostile host calls (some with
 * an allocation failing), the invariants checked after every one: states as witnessed, no half-done
 * change, pages bounded while running and all back at the end of each boot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/agent_fixture.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

static uint64_t hostile_value(void)
{
        static const uint64_t edges[] = {0,
                                         1,
                                         63,
                                         64,
                                         65472,
                                         65535,
                                         65536,
                                         0xFFFFFFFFull,
                                         1ull << 32,
                                         UINT64_MAX,
                                         UINT64_MAX - 1};
        return rnd() % 3 == 0 ? rnd() : edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
}

static void check_invariants(void)
{
        uint32_t n = agent_count();
        unsigned alive = 0;
        bool can_run[AGENT_PRINCIPAL_BASE + 1] = {0};

        assert_int_equal(lock_depth, 0);
        assert_true(n <= AGENT_MAX);
        for (uint32_t id = 1; id <= n; id++) {
                struct agent_info in = info(id);
                assert_int_equal(in.id, id);
                assert_int_equal((int)in.state, shadow[id]); /* every change was witnessed */
                assert_true(in.partition == PART_A || in.partition == PART_B);
                if (in.state == AGENT_TERMINATED) {
                        assert_int_equal(in.caps, 0);
                        assert_false(in.waiting);
                } else {
                        assert_true(in.state == AGENT_RUNNING || in.state == AGENT_SUSPENDED ||
                                    in.state == AGENT_HIBERNATED ||
                                    in.state == AGENT_INITIALIZING); /* no half-done change */
                        alive++;
                }
                if ((in.state == AGENT_RUNNING || in.state == AGENT_INITIALIZING) && !in.waiting) {
                        can_run[in.partition] = true;
                }
        }
        assert_true(live_allocs <= 3 * alive); /* module, instance, snapshot each at most */
        assert_int_equal(runnable(PART_A), can_run[PART_A]);
        assert_int_equal(runnable(PART_B), can_run[PART_B]);
        assert_int_equal(bad_records, 0);
        assert_int_equal(step_errors, 0);
}

/* One random operation: spawn, a turn, a lifecycle change, a doorbell, or a host call with
 * hostile arguments from an agent or from anyone. */
static void random_operation(void)
{
        static const int mods[] = {M_TICKER, M_SPINNER, M_RECV,    M_TICKER, M_SPINNER, M_RECV,
                                   M_RETURN, M_TRAP,    M_SPAWNER, M_UNLINK, M_GARBAGE};
        const uint32_t parts[] = {PART_A, PART_B, PART_A, PART_B, 0, PART_EL, UINT32_MAX};
        uint32_t id = (uint32_t)(rnd() % (AGENT_MAX + 2));
        uint32_t part = parts[rnd() % 7];

        switch (rnd() % 9) {
        case 0:
                if (rnd() % 4 == 0) {
                        alloc_fail_in = (long)(rnd() % 3);
                }
                spawn(mods[rnd() % (sizeof(mods) / sizeof(mods[0]))], part);
                alloc_fail_in = -1;
                break;
        case 1:
        case 2:
                agent_run_turn(part);
                break;
        case 3:
                if (rnd() % 4 == 0) {
                        alloc_fail_in = (long)(rnd() % 2);
                }
                if (rnd() % 3 == 0) {
                        agent_inject(id); /* its next host call traps: a restart, or its end */
                } else {
                        agent_control(id, (enum agent_op)(rnd() % 7), part);
                }
                alloc_fail_in = -1;
                break;
        case 4:
                if (id >= 1) {
                        inbox_full[AGENT_PRINCIPAL(id)] = true;
                }
                doorbell(rnd() % 2 ? AGENT_PRINCIPAL(id) : (uint32_t)hostile_value());
                break;
        default: {
                uint32_t who = rnd() % 8 ? AGENT_PRINCIPAL(id) : (uint32_t)rnd();
                struct gate_tok tok = {.caller = who % 64, .edge = rnd() % 4 ? EDGE : 0};
                uint64_t out;
                uint64_t saved = fake_lock();
                switch (rnd() % 4) {
                case 0:
                        agent_log(who, hostile_value(), hostile_value(), &out);
                        break;
                case 1:
                        agent_put(who, hostile_value(), hostile_value(), &tok);
                        break;
                case 2:
                        agent_recv(who, hostile_value(), hostile_value(), rnd() % 3, &tok, &out);
                        break;
                default:
                        agent_spawn_named(who, hostile_value(), hostile_value(), part, 0, &out);
                        break;
                }
                fake_unlock(saved);
                break;
        }
        }
}

/* 20 boots of 250 random operations each, the invariants checked after every one; at the
 * end of each boot every agent is killed and every page must be back. */
static void test_random_operations_keep_invariants(void **state)
{
        unsigned records = 0, steps = 0, restarts = 0;

        for (int boot = 0; boot < 20; boot++) {
                if (boot > 0) {
                        teardown(state);
                        setup(state);
                }
                for (int i = 0; i < 250; i++) {
                        random_operation();
                        check_invariants();
                }
                records += agent_records;
                steps += steps_total;
                restarts += restart_records;
        }
        print_message("random run: %u lifecycle records, %u steps reported, %u restarts\n", records,
                      steps, restarts);
        assert_true(records > 200 && steps > 200 && restarts > 20);
}

int main(void)
{
        build_modules();
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_random_operations_keep_invariants, setup,
                                            teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
