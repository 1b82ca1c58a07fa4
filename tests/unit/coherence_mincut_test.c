/*
 * tests/unit/coherence_mincut_test.c: the coherence engine's exact min-cut (coherence/):
 * against a brute-force oracle (every cut, n <= 20) on thousands of seeded random graphs of
 * several shapes and against the textbook Stoer-Wagner up to 256 nodes; properties at n = 64
 * and 256; bad arguments and the largest weights; budgeted runs resumed call after call equal
 * one unbudgeted run and never pass their budget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/coherence_fixture.h"

static struct coherence_mincut MC2;

/* ---- helpers ------------------------------------------------------------------------------ */

#define NMAX 256
static uint64_t W[NMAX][NMAX]; /* the test's own copy of the graph */
static unsigned N;

static void graph_reset(unsigned n)
{
        N = n;
        for (unsigned i = 0; i < n; i++) {
                memset(W[i], 0, n * sizeof(W[i][0]));
        }
        assert_int_equal(coherence_mincut_init(&MC, n), COHERENCE_OK);
}

static void edge(unsigned u, unsigned v, uint64_t w)
{
        assert_int_equal(coherence_mincut_add(&MC, u, v, w), COHERENCE_OK);
        if (u != v) {
                W[u][v] += w;
                W[v][u] += w;
        }
}

static uint64_t crossing(const struct coherence_set *side)
{
        uint64_t sum = 0;

        for (unsigned u = 0; u < N; u++) {
                for (unsigned v = u + 1; v < N; v++) {
                        if (coherence_set_has(side, u) != coherence_set_has(side, v)) {
                                sum += W[u][v];
                        }
                }
        }
        return sum;
}

/* Every cut: node n-1 stays on one side, the others in Gray-code order (n <= 20). */
static uint64_t oracle(void)
{
        if (N == 1) {
                return 0;
        }
        unsigned char in[20] = {0};
        uint64_t cut = 0, best = UINT64_MAX;
        const unsigned m = N - 1;

        for (uint32_t code = 1; code < (1u << m); code++) {
                /* flip the bit that changes between gray(code-1) and gray(code) */
                const unsigned b = (unsigned)__builtin_ctz(code);
                int64_t d = 0;
                for (unsigned v = 0; v < N; v++) {
                        if (v != b) {
                                d += (in[v] == in[b]) ? (int64_t)W[b][v] : -(int64_t)W[b][v];
                        }
                }
                in[b] ^= 1;
                cut = (uint64_t)((int64_t)cut + d);
                if (cut < best) {
                        best = cut;
                }
        }
        return best;
}

/* Solves MC and checks the result is a proper cut whose crossing weight is its value. */
static struct coherence_cut solve_checked(void)
{
        struct coherence_cut cut;

        assert_int_equal(coherence_mincut_solve(&MC, &cut), COHERENCE_OK);
        assert_int_equal(cut.n, N);
        if (N == 1) {
                assert_int_equal(cut.value, 0);
                assert_int_equal(cut.side_count, 0);
                return cut;
        }
        assert_true(cut.side_count >= 1 && cut.side_count < N);
        for (unsigned i = N; i < NMAX; i++) {
                assert_false(coherence_set_has(&cut.side, i));
        }
        assert_int_equal(crossing(&cut.side), cut.value);
        return cut;
}

enum shape { DENSE, SPARSE, PLANTED, BRIDGE, HUB, EQUAL, ZERO, DISCONNECTED, SHAPES };

static void make_graph(enum shape shape, unsigned n)
{
        graph_reset(n);
        switch (shape) {
        case DENSE:
                for (unsigned u = 0; u < n; u++) {
                        for (unsigned v = u + 1; v < n; v++) {
                                edge(u, v, rnd(100));
                        }
                }
                break;
        case SPARSE:
                for (unsigned k = 0; k < n + rnd(n + 1); k++) {
                        edge(rnd(n), rnd(n), 1 + rnd(20)); /* repeats and self-loops included */
                }
                break;
        case PLANTED: {
                const unsigned split = 1 + rnd(n - 1 > 0 ? n - 1 : 1);
                for (unsigned u = 0; u < n; u++) {
                        for (unsigned v = u + 1; v < n; v++) {
                                const int same = (u < split) == (v < split);
                                if (same) {
                                        edge(u, v, 20 + rnd(30));
                                } else if (rnd(4) == 0) {
                                        edge(u, v, rnd(5));
                                }
                        }
                }
                break;
        }
        case BRIDGE: {
                const unsigned split = n / 2;
                for (unsigned u = 0; u < n; u++) {
                        for (unsigned v = u + 1; v < n; v++) {
                                if ((u < split) == (v < split) && rnd(3) != 0) {
                                        edge(u, v, 1 + rnd(9));
                                }
                        }
                }
                if (n >= 2) {
                        edge(rnd(split > 0 ? split : 1), split + rnd(n - split), 1 + rnd(3));
                }
                break;
        }
        case HUB: {
                const unsigned hub = rnd(n);
                for (unsigned v = 0; v < n; v++) {
                        if (v != hub) {
                                edge(hub, v, 1 + rnd(50));
                        }
                }
                for (unsigned k = 0; k < n / 2; k++) {
                        edge(rnd(n), rnd(n), rnd(10));
                }
                break;
        }
        case EQUAL: {
                const uint64_t w = 1 + rnd(3);
                for (unsigned u = 0; u < n; u++) {
                        for (unsigned v = u + 1; v < n; v++) {
                                if (rnd(2)) {
                                        edge(u, v, w);
                                }
                        }
                }
                break;
        }
        case ZERO:
                for (unsigned u = 0; u < n; u++) {
                        for (unsigned v = u + 1; v < n; v++) {
                                edge(u, v, rnd(8) == 0 ? 1 + rnd(5) : 0);
                        }
                }
                break;
        case DISCONNECTED: {
                const unsigned split = 1 + rnd(n > 1 ? n - 1 : 1);
                for (unsigned u = 0; u < n; u++) {
                        for (unsigned v = u + 1; v < n; v++) {
                                if ((u < split) == (v < split)) {
                                        edge(u, v, 1 + rnd(40));
                                }
                        }
                }
                break;
        }
        case SHAPES:
                break;
        }
}

/* ---- min-cut ------------------------------------------------------------------------------- */

static void mincut_matches_brute_force_on_small_random_graphs(void **state)
{
        (void)state;
        unsigned checked = 0;

        rng_state = 16;
        for (unsigned i = 0; i < 4000; i++) {
                const enum shape shape = (enum shape)(i % SHAPES);
                const unsigned n = 1 + rnd(14);
                make_graph(shape, n);
                const struct coherence_cut cut = solve_checked();
                const uint64_t want = oracle();
                if (cut.value != want) {
                        fail_msg("graph %u (shape %d, n %u): cut %llu, brute force %llu", i, shape,
                                 n, (unsigned long long)cut.value, (unsigned long long)want);
                }
                checked++;
        }
        assert_int_equal(checked, 4000);
}

static void mincut_matches_brute_force_up_to_20_nodes(void **state)
{
        (void)state;
        rng_state = 20;
        for (unsigned i = 0; i < 48; i++) {
                const enum shape shape = (enum shape)(i % SHAPES);
                const unsigned n = 15 + rnd(6);
                make_graph(shape, n);
                const struct coherence_cut cut = solve_checked();
                assert_int_equal(cut.value, oracle());
        }
}

static void mincut_single_node_and_two_nodes(void **state)
{
        struct coherence_cut cut;
        (void)state;

        graph_reset(1);
        edge(0, 0, 7); /* a self-loop is ignored */
        cut = solve_checked();
        assert_int_equal(cut.value, 0);

        graph_reset(2);
        edge(0, 1, 5);
        edge(1, 0, 6); /* repeated pairs add up */
        cut = solve_checked();
        assert_int_equal(cut.value, 11);
        assert_int_equal(cut.side_count, 1);

        graph_reset(2); /* two nodes, no edge: disconnected */
        cut = solve_checked();
        assert_int_equal(cut.value, 0);
}

static void mincut_finds_the_planted_bridge(void **state)
{
        (void)state;
        /* Two 8-cliques of weight 10 joined by one edge of weight 3: the cut is the bridge. */
        graph_reset(16);
        for (unsigned u = 0; u < 16; u++) {
                for (unsigned v = u + 1; v < 16; v++) {
                        if ((u < 8) == (v < 8)) {
                                edge(u, v, 10);
                        }
                }
        }
        edge(2, 13, 3);
        const struct coherence_cut cut = solve_checked();
        assert_int_equal(cut.value, 3);
        assert_int_equal(cut.side_count, 8);
        assert_int_equal(coherence_set_has(&cut.side, 0), coherence_set_has(&cut.side, 7));
        assert_int_not_equal(coherence_set_has(&cut.side, 0), coherence_set_has(&cut.side, 8));
}

static void mincut_refuses_bad_arguments(void **state)
{
        struct coherence_cut cut;
        (void)state;

        assert_int_equal(coherence_mincut_init(&MC, 0), COHERENCE_E_INVAL);
        assert_int_equal(coherence_mincut_init(&MC, 257), COHERENCE_E_INVAL);
        assert_int_equal(coherence_mincut_init(NULL, 4), COHERENCE_E_INVAL);
        assert_int_equal(coherence_mincut_init(&MC, 4), COHERENCE_OK);
        assert_int_equal(coherence_mincut_add(&MC, 4, 0, 1), COHERENCE_E_INVAL);
        assert_int_equal(coherence_mincut_add(&MC, 0, 9, 1), COHERENCE_E_INVAL);
        /* The documented bound on the weight sum: reached exactly, never passed. */
        assert_int_equal(coherence_mincut_add(&MC, 0, 1, COHERENCE_MINCUT_TOTAL_MAX - 1),
                         COHERENCE_OK);
        assert_int_equal(coherence_mincut_add(&MC, 2, 3, 2), COHERENCE_E_OVERFLOW);
        assert_int_equal(coherence_mincut_add(&MC, 2, 3, 1), COHERENCE_OK);
        assert_int_equal(coherence_mincut_add(&MC, 1, 2, UINT64_MAX), COHERENCE_E_OVERFLOW);
        assert_int_equal(coherence_mincut_result(&MC, &cut), COHERENCE_E_PARTIAL);
        assert_int_equal(coherence_mincut_solve(&MC, &cut), COHERENCE_OK);
        assert_int_equal(cut.value, 0); /* {0,1} and {2,3} are not connected */
        assert_int_equal(coherence_mincut_add(&MC, 1, 2, 1), COHERENCE_E_STATE);
}

static void mincut_survives_the_largest_weights(void **state)
{
        (void)state;
        /* A 256-clique whose weights add up to just under the bound: no overflow anywhere. */
        const uint64_t w = COHERENCE_MINCUT_TOTAL_MAX / (256 * 255 / 2);
        graph_reset(256);
        for (unsigned u = 0; u < 256; u++) {
                for (unsigned v = u + 1; v < 256; v++) {
                        edge(u, v, w);
                }
        }
        const struct coherence_cut cut = solve_checked();
        assert_int_equal(cut.value, 255 * w);
        assert_int_equal(cut.side_count == 1 || cut.side_count == 255, 1);
}

/* No single node moved from one side to the other gives a cheaper cut. */
static void assert_locally_minimal(const struct coherence_cut *cut)
{
        for (unsigned x = 0; x < N; x++) {
                struct coherence_set moved = cut->side;
                moved.bits[x / 64] ^= UINT64_C(1) << (x % 64);
                unsigned count = 0;
                for (unsigned i = 0; i < N; i++) {
                        count += coherence_set_has(&moved, i);
                }
                if (count == 0 || count == N) {
                        continue;
                }
                assert_true(crossing(&moved) >= cut->value);
        }
}

static void mincut_properties_at_64_and_256_nodes(void **state)
{
        (void)state;
        rng_state = 64;
        for (unsigned i = 0; i < 2 * SHAPES; i++) {
                const unsigned n = i < SHAPES ? 64 : 256;
                make_graph((enum shape)(i % SHAPES), n);
                const struct coherence_cut cut = solve_checked();
                assert_locally_minimal(&cut);
                /* Never above the cheapest single node (a cut in itself). */
                for (unsigned u = 0; u < n; u++) {
                        uint64_t deg = 0;
                        for (unsigned v = 0; v < n; v++) {
                                deg += W[u][v];
                        }
                        assert_true(cut.value <= deg);
                }
        }
}

/* The textbook algorithm (n-1 phases, merge the last two), on the test's own matrix copy. */
static uint64_t textbook(void)
{
        static uint64_t w[NMAX][NMAX], key[NMAX];
        unsigned char merged[NMAX] = {0}, in_a[NMAX];
        uint64_t best = UINT64_MAX;

        memcpy(w, W, sizeof(w));
        if (N == 1) {
                return 0;
        }
        for (unsigned phase = 1; phase < N; phase++) {
                unsigned prev = 0, last = 0;
                memset(key, 0, sizeof(key));
                memset(in_a, 0, sizeof(in_a));
                for (unsigned it = 0; it + phase <= N; it++) {
                        unsigned sel = NMAX;
                        for (unsigned i = 0; i < N; i++) {
                                if (!merged[i] && !in_a[i] && (sel == NMAX || key[i] > key[sel])) {
                                        sel = i;
                                }
                        }
                        in_a[sel] = 1;
                        prev = last;
                        last = sel;
                        for (unsigned i = 0; i < N; i++) {
                                key[i] += merged[i] || in_a[i] ? 0 : w[sel][i];
                        }
                }
                best = key[last] < best ? key[last] : best;
                for (unsigned i = 0; i < N; i++) {
                        w[prev][i] += w[last][i];
                        w[i][prev] = w[prev][i];
                }
                w[prev][prev] = 0;
                merged[last] = 1;
        }
        return best;
}

static void mincut_equals_textbook_stoer_wagner_up_to_256_nodes(void **state)
{
        (void)state;
        rng_state = 256;
        for (unsigned i = 0; i < 4 * SHAPES + 4; i++) {
                const unsigned n = i < 4 * SHAPES ? 20 + rnd(60) : 256;
                make_graph((enum shape)(i % SHAPES), n);
                const struct coherence_cut cut = solve_checked();
                assert_int_equal(cut.value, textbook());
        }
}

/* Budgeted runs: never over budget, never an early result, and the same cut in the end. */
static void mincut_budgeted_runs_equal_unbudgeted(void **state)
{
        (void)state;
        rng_state = 2;
        for (unsigned i = 0; i < 300; i++) {
                const unsigned n = 1 + rnd(i < 280 ? 40 : 256);
                make_graph((enum shape)(i % SHAPES), n);
                MC2 = MC;
                const struct coherence_cut whole = solve_checked();
                const uint64_t whole_used = MC.used;

                struct coherence_cut part;
                uint64_t sum = 0, calls = 0;
                for (;;) {
                        const uint64_t budget = rnd(3) == 0 ? rnd(8) : rnd(4 * n + 1);
                        uint64_t used = UINT64_MAX;
                        const enum coherence_err err = coherence_mincut_run(&MC2, budget, &used);
                        assert_true(used <= budget);
                        sum += used;
                        calls++;
                        if (err == COHERENCE_OK) {
                                break;
                        }
                        assert_int_equal(err, COHERENCE_E_PARTIAL);
                        assert_false(coherence_mincut_done(&MC2));
                        assert_int_equal(coherence_mincut_result(&MC2, &part), COHERENCE_E_PARTIAL);
                        /* A budget of at least the next step's cost always makes progress. */
                        const uint64_t before = MC2.used;
                        const uint64_t need = coherence_mincut_next_cost(&MC2);
                        assert_true(need >= 1 && need <= n);
                        assert_true(coherence_mincut_run(&MC2, need, &used) == COHERENCE_OK ||
                                    MC2.used > before);
                        sum += used;
                        if (coherence_mincut_done(&MC2)) {
                                break;
                        }
                }
                assert_int_equal(coherence_mincut_result(&MC2, &part), COHERENCE_OK);
                assert_int_equal(part.value, whole.value);
                assert_memory_equal(&part.side, &whole.side, sizeof(part.side));
                assert_int_equal(MC2.used, whole_used);
                assert_int_equal(sum, whole_used);
                (void)calls;
        }
}

static void mincut_zero_budget_makes_no_progress(void **state)
{
        uint64_t used = 1;
        (void)state;

        rng_state = 5;
        make_graph(DENSE, 10);
        assert_int_equal(coherence_mincut_run(&MC, 0, &used), COHERENCE_E_PARTIAL);
        assert_int_equal(used, 0);
        assert_int_equal(coherence_mincut_run(&MC, 9, &used), COHERENCE_E_PARTIAL);
        assert_int_equal(used, 0); /* a step costs k = 10 cells */
        assert_int_equal(coherence_mincut_next_cost(&MC), 10);
        assert_int_equal(coherence_mincut_run(&MC, 10, &used), COHERENCE_E_PARTIAL);
        assert_int_equal(used, 10);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(mincut_matches_brute_force_on_small_random_graphs),
            cmocka_unit_test(mincut_matches_brute_force_up_to_20_nodes),
            cmocka_unit_test(mincut_single_node_and_two_nodes),
            cmocka_unit_test(mincut_finds_the_planted_bridge),
            cmocka_unit_test(mincut_refuses_bad_arguments),
            cmocka_unit_test(mincut_survives_the_largest_weights),
            cmocka_unit_test(mincut_properties_at_64_and_256_nodes),
            cmocka_unit_test(mincut_equals_textbook_stoer_wagner_up_to_256_nodes),
            cmocka_unit_test(mincut_budgeted_runs_equal_unbudgeted),
            cmocka_unit_test(mincut_zero_budget_makes_no_progress),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
