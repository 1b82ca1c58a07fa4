/*
 * tests/unit/agent_calls_test.c: the agents' host module (wasm/agent_calls.c): rvm.recv
 * waiting until the doorbell (and across hibernation); hostile host calls from a module
 * and hostile 64-bit pointers and lengths, each refused with its error; callers that are
 * not agents; rvm.cap walking the caller's table in order, bounded even if it never ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/agent_fixture.h"

static void test_recv_waits_until_the_doorbell(void **state)
{
        (void)state;
        uint32_t me = AGENT_PRINCIPAL(1);
        assert_int_equal(spawn(M_RECV, PART_A), 1);
        assert_true(agent_run_turn(PART_A)); /* empty ring: it waits */
        assert_true(info(1).waiting);
        assert_true(end_waiting[me]);
        assert_int_equal(nreports, 0);
        assert_false(runnable(PART_A));
        assert_false(agent_run_turn(PART_A));
        uint64_t fuel = info(1).fuel_used;
        /* Doorbells for others, or for nobody, wake nothing. */
        const uint32_t others[] = {0, 1, AGENT_PRINCIPAL_BASE, AGENT_PRINCIPAL(2), UINT32_MAX};
        unsigned w = wakes[PART_A];
        for (size_t i = 0; i < 5; i++) {
                doorbell(others[i]);
        }
        assert_int_equal(wakes[PART_A], w);
        inbox_full[me] = true;
        memset(inbox[me], 'm', AGENT_MSG_SIZE);
        doorbell(me);
        assert_int_equal(wakes[PART_A], w + 1);
        assert_false(info(1).waiting);
        assert_true(agent_run_turn(PART_A)); /* the same recv, retried: 64 bytes */
        assert_int_equal(nreports, 1);
        assert_int_equal(reports[0].tag, 64);
        assert_true(info(1).waiting); /* and the next one waits */
        assert_int_equal(info(1).received, 1);
        assert_true(info(1).fuel_used - fuel < 200); /* waiting burnt no fuel */
        /* Hibernated while waiting: a doorbell does not run it; reconstructed, it retries
         * its recv without one and waits again. */
        assert_int_equal(agent_control(1, AGENT_OP_HIBERNATE, 0), 0);
        doorbell(me);
        assert_false(agent_run_turn(PART_A));
        assert_int_equal(agent_control(1, AGENT_OP_SUSPEND, 0), AGENT_E_INVALID);
        assert_int_equal(agent_control(1, AGENT_OP_RECONSTRUCT, 0), 0);
        assert_true(agent_run_turn(PART_A));
        assert_true(info(1).waiting);
        assert_int_equal(agent_control(1, AGENT_OP_HIBERNATE, 0), 0);
        assert_int_equal(agent_control(1, AGENT_OP_RECONSTRUCT, 0), 0);
        assert_false(info(1).waiting);
        assert_true(runnable(PART_A));
        assert_true(agent_run_turn(PART_A));
        assert_true(info(1).waiting);
        assert_int_equal(nreports, 1);
}

static void test_hostile_host_calls_from_a_module(void **state)
{
        (void)state;
        assert_int_equal(spawn(M_HOSTILE, PART_A), 1);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(state_of(1), AGENT_TERMINATED); /* ran to its end, no trap */
        assert_int_equal(info(1).trap, WASM_TRAP_NONE);
        assert_int_equal(nreports, HOSTILE_N);
        for (size_t i = 0; i < HOSTILE_N; i++) {
                assert_int_equal(reports[i].value, 0x100 + i);
                if (reports[i].tag != hostile[i].want) {
                        print_error("hostile case %zu: got %lld, want %d\n", i,
                                    (long long)reports[i].tag, hostile[i].want);
                }
                assert_int_equal(reports[i].tag, hostile[i].want);
        }
        assert_string_equal(last_line, "hi??\n");
        assert_int_equal(agent_count(), 1); /* no spawn got through */
}

/* The same checks with 64-bit arguments only the kernel's register decoding can pass. */
static void test_hostile_pointers_and_lengths(void **state)
{
        (void)state;
        struct {
                uint64_t ptr, len;
                int32_t log, put, recv, spawn;
        } cases[] = {
            {0, 0, 0, 0, AGENT_E_INVALID, AGENT_E_INVALID},
            {65535, 1, 0, 0, 0, AGENT_E_INVALID},
            {65536, 0, 0, 0, AGENT_E_INVALID, AGENT_E_INVALID},
            {65536, 1, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE},
            {65472, 64, 0, 0, 0, AGENT_E_INVALID},
            {65473, 64, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE},
            {1ull << 32, 1, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE},
            {UINT64_MAX, 2, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE},
            {UINT64_MAX - 63, 64, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE},
            {1, UINT64_MAX, AGENT_E_INVALID, AGENT_E_INVALID, 0, AGENT_E_RANGE},
            {0, 1ull << 32, AGENT_E_INVALID, AGENT_E_INVALID, 0, AGENT_E_RANGE},
            {0, 160, AGENT_E_INVALID, AGENT_E_INVALID, 0, AGENT_E_INVALID},
            {0, 159, 0, AGENT_E_INVALID, 0, AGENT_E_INVALID},
            {16, 6, 0, 0, 0, 0}, /* "crunch" */
        };
        assert_int_equal(spawn(M_TICKER, PART_A), 1);
        uint32_t me = AGENT_PRINCIPAL(1);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct gate_tok tok = {.caller = me, .edge = EDGE};
                uint64_t out = 0xDEAD;
                uint64_t saved = fake_lock();
                int32_t st = agent_log(me, cases[i].ptr, cases[i].len, &out);
                assert_int_equal(st, cases[i].log);
                assert_int_equal(out,
                                 st == 0 ? cases[i].len : 0xDEAD); /* written only on success */
                assert_int_equal(agent_put(me, cases[i].ptr, cases[i].len, &tok), cases[i].put);
                out = 0xDEAD;
                st = agent_recv(me, cases[i].ptr, cases[i].len, 0, &tok, &out);
                assert_int_equal(st, cases[i].recv);
                assert_int_equal(out, st == 0 ? 0 : 0xDEAD); /* the ring is empty */
                out = 0xDEAD;
                st = agent_spawn_named(me, cases[i].ptr, cases[i].len, PART_A, 0, &out);
                assert_int_equal(st < 0 ? st : 0, cases[i].spawn);
                fake_unlock(saved);
        }
        /* Flags other than bit 0, and callers that are not agents. */
        struct gate_tok tok = {.caller = me, .edge = EDGE};
        uint64_t out;
        uint64_t saved = fake_lock();
        assert_int_equal(agent_recv(me, 0, 64, 1ull << 63, &tok, &out), AGENT_E_INVALID);
        assert_int_equal(agent_recv(me, 0, 64, 3, &tok, &out), AGENT_E_INVALID);
        const uint32_t not_agents[] = {0, 1, AGENT_PRINCIPAL_BASE, AGENT_PRINCIPAL(AGENT_MAX),
                                       UINT32_MAX};
        for (size_t i = 0; i < 5; i++) {
                assert_false(agent_is(not_agents[i]));
                assert_int_equal(agent_log(not_agents[i], 0, 1, &out), AGENT_E_NOT_AGENT);
                assert_int_equal(agent_put(not_agents[i], 0, 1, &tok), AGENT_E_NOT_AGENT);
                assert_int_equal(agent_recv(not_agents[i], 0, 1, 0, &tok, &out), AGENT_E_NOT_AGENT);
                assert_int_equal(agent_spawn_named(not_agents[i], 16, 6, PART_A, 0, &out),
                                 AGENT_E_NOT_AGENT);
        }
        /* A full ring and a foreign edge come back from the CommEdge unchanged. */
        edge_full_at = 0;
        assert_int_equal(agent_put(me, 0, 8, &tok), AGENT_E_NO_SPACE);
        tok.edge = 99;
        assert_int_equal(agent_put(me, 0, 8, &tok), AGENT_E_INVALID);
        assert_int_equal(agent_recv(me, 0, 8, 1, &tok, &out), AGENT_E_INVALID);
        assert_false(end_waiting[me]);
        fake_unlock(saved);
        struct agent_info in = info(1);
        assert_int_equal(in.sent, 5);     /* the five puts that fit */
        assert_int_equal(in.received, 0); /* the ring was empty */
        assert_false(in.waiting);
}

/* rvm.cap walks the caller's table in order, and stops after CAP_TABLE_SLOTS entries even
 * if the table never ends. */
static void test_cap_walks_the_table_and_is_bounded(void **state)
{
        (void)state;
        static const int64_t want[] = {0x1001, 0x1003, 0, 0, 0, 0x1002};
        const size_t n = sizeof(cap_queries) / sizeof(cap_queries[0]);

        assert_int_equal(spawn(M_CAPS, PART_A), 1);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(nreports, n);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(reports[i].tag, want[i]);
        }
        caps_endless = true;
        cap_list_calls = 0;
        nreports = 0;
        assert_int_equal(spawn(M_CAPS, PART_B), 2);
        assert_true(agent_run_turn(PART_B));
        assert_int_equal(nreports, n);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(reports[i].tag, 0);
        }
        assert_int_equal(cap_list_calls, n * CAP_TABLE_SLOTS);
}

int main(void)
{
        build_modules();
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_recv_waits_until_the_doorbell, setup, teardown),
            cmocka_unit_test_setup_teardown(test_hostile_host_calls_from_a_module, setup, teardown),
            cmocka_unit_test_setup_teardown(test_hostile_pointers_and_lengths, setup, teardown),
            cmocka_unit_test_setup_teardown(test_cap_walks_the_table_and_is_bounded, setup,
                                            teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
