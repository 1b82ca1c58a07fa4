/*
 * tests/unit/witness_replay_test.c: `witness replay --at SEQ` lists each WASM partition's
 * agents and `witness graph --at SEQ` writes the communication graph as DOT, both rebuilt from
 * a synthetic log: agents created, a split (a move, then WK_PART_SPLIT), a merge (two moves, the
 * absorbed partition stopped, WK_PART_MERGE), CommEdge summaries over two scheduler epochs, and
 * then hostile records (an unknown kind, out-of-range ids, moves of unknown and terminated
 * agents, a summary of an unknown edge or from the wrong sender, a split whose count disagrees
 * with its moves), which are reported and change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/witness_fixture.h"

#define AGENT(n) (8u + (n)) /* an agent's principal (wasm/agent.h) */
#define CREATE(id, part)                                                                 \
        {                                                                                \
                .kind = WK_WASM_AGENT, .target = (id), .payload = (uint64_t)(part) << 16 \
        }
#define STATE(id, part, s, old)                                                           \
        {                                                                                 \
                .kind = WK_WASM_AGENT, .target = (id),                                    \
                .payload = (uint64_t)(s) | (uint64_t)(part) << 16 | (uint64_t)(old) << 32 \
        }
#define MOVE(id, from, to)                                         \
        {                                                          \
                .kind = WK_WASM_MOVE, .target = (id),              \
                .payload = (uint64_t)(from) | (uint64_t)(to) << 16 \
        }
#define SEND(edge, dir, sender, msgs)                                \
        {                                                            \
                .kind = WK_COMM_SEND, .actor = (sender),             \
                .target = (uint64_t)(edge) | (uint64_t)(dir) << 32,  \
                .payload = (uint64_t)(msgs) | (uint64_t)(msgs) << 32 \
        }

/* The log: seq 0 is the boot's attestation, event i is seq i + 1, the seal follows. */
static const struct witness_event events[] = {
    /* 1 */ {.kind = WK_PART_CREATE, .target = 1},
    /* 2 */ {.kind = WK_PART_STATE, .target = 1, .payload = 1},
    /* 3 */ {.kind = WK_PART_CREATE, .target = 4},
    /* 4 */ {.kind = WK_PART_STATE, .target = 4, .payload = 1},
    /* 5 */ CREATE(1, 4),
    /* 6 */ STATE(1, 4, 1, 0),
    /* 7 */ CREATE(2, 4),
    /* 8 */ CREATE(3, 4),
    /* 9 */ {.kind = WK_COMM_EDGE, .actor = AGENT(1), .target = 0, .payload = AGENT(2)},
    /* 10 */ {.kind = WK_COMM_EDGE, .actor = AGENT(3), .target = 1, .payload = 1},
    /* 11 */ {.kind = WK_SCHED_EPOCH, .target = 1},
    /* 12 */ SEND(0, 0, AGENT(1), 100),
    /* 13 */ SEND(1, 0, AGENT(3), 50),
    /* 14 */ SEND(1, 1, 1, 50),
    /* 15 */ {.kind = WK_PART_CREATE, .target = 7},
    /* 16 */ {.kind = WK_PART_STATE, .target = 7, .payload = 1},
    /* 17: the split of 4 moves agent 3 to 7 (the epoch was folded before it) */
    MOVE(3, 4, 7),
    /* 18 */ {.kind = WK_PART_SPLIT, .target = 4, .payload = 7 | 1u << 16},
    /* 19 */ {.kind = WK_SCHED_EPOCH, .target = 2},
    /* 20 */ SEND(0, 1, AGENT(2), 20),
    /* 21: a refused move moves nothing */
    {.kind = WK_WASM_MOVE,
     .flags = WITNESS_F_DENIED,
     .target = 1,
     .payload = 4 | 7u << 16 | 6ull << 32},
    /* 22, 23: the merge of 4 into 7 */
    MOVE(1, 4, 7),
    MOVE(2, 4, 7),
    /* 24 */ {.kind = WK_PART_STATE, .target = 4, .payload = 3 | 1ull << 32},
    /* 25 */ {.kind = WK_PART_MERGE, .target = 4, .payload = 7 | 2u << 16},
    /* 26.. hostile or inconsistent records */
    /* 26 */ {.kind = 0x0EEE, .target = 1, .payload = 1},
    /* 27 */ MOVE(99, 7, 4),
    /* 28 */ CREATE(5, 200),
    /* 29 */ CREATE(0, 7),
    /* 30 */ SEND(55, 0, AGENT(1), 10),
    /* 31 */ SEND(0, 0, AGENT(3), 10),
    /* 32 */ SEND(0, 7, AGENT(1), 10),
    /* 33 */ STATE(2, 7, 6, 1),
    /* 34 */ MOVE(2, 7, 4),
    /* 35 */ {.kind = WK_PART_SPLIT, .target = 7, .payload = 4 | 3u << 16},
    /* 36 */ {.kind = WK_WASM_MOVE, .target = 1, .payload = 7 | 9u << 16},
    /* 37 */ STATE(1, 4, 1, 1),
    /* 38 */ CREATE(1, 7),
    /* 39 */ {.kind = WK_PART_MERGE, .target = 7, .payload = 7},
    /* 40: a summary outside an epoch (the kernel's shutdown writes them): counted, not folded */
    SEND(1, 1, 1, 40),
};

static uint8_t *log_bytes(size_t *len)
{
        struct witness_log log;
        const size_t n = sizeof(events) / sizeof(events[0]);

        log_make(&log, 2048, 64);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(witness_log_append(&log, &events[i]), WITNESS_OK);
        assert_int_equal(witness_log_seal(&log), WITNESS_OK);
        dump_n = 0;
        witness_log_tail(&log, 2048, NULL, NULL, dump_cb, NULL);
        assert_int_equal(dump_n, n + 2);
        *len = dump_n * WITNESS_RECORD_SIZE;
        return &dump_buf[0][0];
}

/* Runs the tool on the log; its output (stdout, then stderr) into buf. */
static int run(char *buf, size_t size, const char *cmd, const char *at)
{
        char *argv[] = {"witness", (char *)cmd, "log", at ? "--at" : NULL, (char *)at, NULL};
        FILE *out = tmpfile(), *err = tmpfile();
        size_t len, n;
        const uint8_t *data = log_bytes(&len);
        int rc;

        assert_non_null(out);
        assert_non_null(err);
        rc = witness_tool_run_buffer(at ? 5 : 3, argv, data, len, out, err);
        rewind(out);
        rewind(err);
        n = fread(buf, 1, size - 1, out);
        n += fread(buf + n, 1, size - 1 - n, err);
        buf[n] = '\0';
        fclose(out);
        fclose(err);
        return rc;
}

static void expect(const char *buf, const char *s, bool present)
{
        if ((strstr(buf, s) != NULL) != present)
                fail_msg("output %s '%s':\n%s", present ? "lacks" : "has", s, buf);
}

static char buf[65536];

static void test_membership(void **st)
{
        (void)st;
        /* All three agents created in partition 4. */
        assert_int_equal(run(buf, sizeof(buf), "replay", "8"), 0);
        expect(buf, "  partition 4 (running): 3 agents 1 2 3\n", true);
        expect(buf, "agent 1 (principal 9) in partition 4 state running, created at seq 5", true);
        expect(buf, "agent 2 (principal 10) in partition 4 state initializing", true);
        expect(buf, "contradict", false);
        /* The split's move: agent 3 alone in partition 7, from the move on. */
        assert_int_equal(run(buf, sizeof(buf), "replay", "16"), 0);
        expect(buf, "  partition 7 (", false);
        assert_int_equal(run(buf, sizeof(buf), "replay", "17"), 0);
        expect(buf, "  partition 4 (running): 2 agents 1 2\n", true);
        expect(buf, "  partition 7 (running): 1 agent 3\n", true);
        expect(buf,
               "agent 3 (principal 11) in partition 7 state initializing, created at seq 8, "
               "moved 1 time, last changed at seq 17",
               true);
        assert_int_equal(run(buf, sizeof(buf), "replay", "18"), 0);
        expect(buf, "contradict", false);
        /* A refused move moved nothing. */
        assert_int_equal(run(buf, sizeof(buf), "replay", "21"), 0);
        expect(buf, "  partition 4 (running): 2 agents 1 2\n", true);
        /* The merge: everyone in 7, partition 4 retired and empty; still no anomaly. */
        assert_int_equal(run(buf, sizeof(buf), "replay", "25"), 0);
        expect(buf, "  partition 4 (retired, or created before the log): 0 agents\n", true);
        expect(buf, "  partition 7 (running): 3 agents 1 2 3\n", true);
        expect(buf, "contradict", false);
        expect(buf, "unknown kinds", false);
}

static void test_hostile(void **st)
{
        (void)st;
        /* Everything after seq 25 is reported and changes nothing but agent 2's end. */
        assert_int_equal(run(buf, sizeof(buf), "replay", "40"), 0);
        expect(buf, "1 records of unknown kinds ignored (first: seq 26, kind 0x0eee)", true);
        expect(buf, "seq 27: move of unknown agent 99: ignored", true);
        expect(buf, "seq 28: WK_WASM_AGENT with agent 5, partition 200, state 0 out of range",
               true);
        expect(buf, "seq 29: WK_WASM_AGENT with agent 0, partition 7", true);
        expect(buf, "seq 30: summary of unknown edge 55 direction 0: not counted", true);
        expect(buf, "seq 31: summary of edge 0 says sender 11, the edge's end is 9", true);
        expect(buf, "seq 32: summary of an edge 0 direction 7: not counted", true);
        expect(buf, "seq 34: move of terminated agent 2: ignored", true);
        expect(buf, "seq 35: split of 7 says 3 agents moved to 4, the moves put 0 there", true);
        expect(buf, "seq 36: move of agent 1 from 7 to 9 (result 0) is not a move", true);
        expect(buf, "seq 37: agent 1 says partition 4, its moves say 7: kept 7", true);
        expect(buf, "seq 38: agent 1 created again", true);
        expect(buf, "seq 39: merge of partition 7 with 7: out of range", true);
        expect(buf, "12 records contradict the log or are out of range (not trusted):", true);
        expect(buf, "  partition 7 (running): 2 agents 1 3\n", true);
        expect(buf, "agent 2 (principal 10) was in partition 7 state terminated", true);
        expect(buf, "agent 5 (principal", false);
        expect(buf, "agent 99", true); /* only in the anomaly */
        expect(buf, "(principal 107)", false);
}

static void test_graph(void **st)
{
        (void)st;
        /* At the epoch's record, before its summaries: nodes and no weights yet. */
        assert_int_equal(run(buf, sizeof(buf), "graph", "11"), 0);
        expect(buf, "graph coherence {", true);
        expect(buf, "    n9 [label=\"agent 9\"];\n", true);
        expect(buf, " -- ", false);
        /* Once its summaries are read, the epoch counts as folded (the kernel folds next). */
        assert_int_equal(run(buf, sizeof(buf), "graph", "14"), 0);
        expect(buf, "  n9 -- n10 [label=\"425\"];\n", true);
        /* Epoch 1: 100 messages each way between agents 1 and 2, and agent 3 - guest 1:
         * sample 100 * 16 + 100 * 64 / 64 = 1700, a quarter of it on the first fold. */
        assert_int_equal(run(buf, sizeof(buf), "graph", "17"), 0);
        expect(buf, "// tools/witness graph at seq 17 (boot 1)", true);
        expect(buf,
               "// this boot: 1 scheduler epochs folded, 200 messages in 3 CommEdge summaries "
               "(0 not counted)",
               true);
        expect(buf, "  n9 -- n10 [label=\"425\"];\n", true);
        expect(buf, "  n11 -- n1 [label=\"425\"];\n", true);
        expect(buf,
               "  subgraph cluster_p7 {\n    label=\"partition 7\";\n    n11 [label=\"agent "
               "11\"];\n  }\n",
               true);
        expect(buf, "    n1 [label=\"guest 1\"];\n", true);
        expect(buf, "witness:", false);
        /* Epoch 2 is folded before the merge's first move: 1700 - 425 + 20 * 17 = 1615 -> 403;
         * the silent edge decays: 1275 -> 318. */
        assert_int_equal(run(buf, sizeof(buf), "graph", "22"), 0);
        expect(buf, "  n9 -- n10 [label=\"403\"];\n", true);
        expect(buf, "  n11 -- n1 [label=\"318\"];\n", true);
        /* After the merge all three agents are in partition 7's cluster. */
        assert_int_equal(run(buf, sizeof(buf), "graph", "25"), 0);
        expect(buf,
               "  subgraph cluster_p7 {\n    label=\"partition 7\";\n    n9 [label=\"agent 9\"];\n"
               "    n10 [label=\"agent 10\"];\n    n11 [label=\"agent 11\"];\n  }\n",
               true);
        expect(buf, "cluster_p4", false);
        /* The hostile tail: no crash, the terminated agent leaves the graph, anomalies on
         * stderr, the same weights. */
        assert_int_equal(run(buf, sizeof(buf), "graph", NULL), 0);
        expect(buf, "// tools/witness graph at seq 41 (boot 1)", true);
        expect(buf,
               "2 scheduler epochs folded, 260 messages in 8 CommEdge summaries (3 not counted)",
               true);
        expect(buf, "n10 ", false);
        expect(buf, "  n11 -- n1 [label=\"318\"];\n", true);
        expect(buf, "witness: 12 records contradict the log", true);
        expect(buf, "witness: 1 records of unknown kinds ignored", true);
        /* Usage: graph is documented; replay still needs --at. */
        assert_int_equal(run(buf, sizeof(buf), "replay", NULL), 2);
        expect(buf, "replay needs --at SEQ", true);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_membership),
            cmocka_unit_test(test_hostile),
            cmocka_unit_test(test_graph),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
