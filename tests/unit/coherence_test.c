/*
 * tests/unit/coherence_test.c: the coherence engine's policy (coherence/).
 *   - exact min-cut against a brute-force oracle (every cut, n <= 20) on thousands of seeded
 *     random graphs of several shapes; properties at n = 64 and 256; budgeted runs resumed
 *     call after call equal one unbudgeted run and never pass their budget;
 *   - the communication graph: counted traffic, the integer moving average, edge removal;
 *   - scores and cut pressure stay in 0..10000; the decision helpers and their reasons;
 *   - the DOT writer stays inside its buffer and keeps its braces balanced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "coherence/coherence.h"

static struct coherence_mincut MC, MC2;
static struct coherence_graph G;
static struct coherence_placement PL;

/* ---- helpers ------------------------------------------------------------------------------ */

static uint64_t rng_state;
static uint32_t rnd(uint32_t bound)
{
        rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
        return bound == 0 ? 0 : (uint32_t)((rng_state >> 33) % bound);
}

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

/* ---- the graph --------------------------------------------------------------------------- */

static void graph_setup(void)
{
        assert_int_equal(coherence_init(&G, NULL), COHERENCE_OK);
}

static void graph_nodes_and_errors(void **state)
{
        (void)state;
        graph_setup();
        assert_int_equal(coherence_node_add(&G, 1, COHERENCE_GUEST, 1), COHERENCE_OK);
        assert_int_equal(coherence_node_add(&G, 1, COHERENCE_AGENT, 1), COHERENCE_E_EXISTS);
        assert_int_equal(coherence_node_add(&G, 2, (enum coherence_kind)9, 1), COHERENCE_E_INVAL);
        assert_int_equal(coherence_traffic(&G, 1, 1, 3, 0), COHERENCE_E_INVAL);
        assert_int_equal(coherence_traffic(&G, 1, 77, 3, 0), COHERENCE_E_NOENT);
        assert_int_equal(coherence_node_remove(&G, 77), COHERENCE_E_NOENT);
        assert_int_equal(coherence_node_set_group(&G, 77, 1), COHERENCE_E_NOENT);
        for (uint32_t id = 100; id < 100 + COHERENCE_MAX_NODES - 1; id++) {
                assert_int_equal(coherence_node_add(&G, id, COHERENCE_AGENT, 2), COHERENCE_OK);
        }
        assert_int_equal(coherence_node_add(&G, 5, COHERENCE_AGENT, 2), COHERENCE_E_FULL);
        /* Edges: 1024 distinct pairs fit, the next one does not. */
        uint32_t made = 0;
        for (uint32_t a = 100; a < 100 + 255 && made < COHERENCE_MAX_EDGES; a++) {
                for (uint32_t b = a + 1; b < 100 + 255 && made < COHERENCE_MAX_EDGES; b++) {
                        assert_int_equal(coherence_traffic(&G, a, b, 1, 0), COHERENCE_OK);
                        made++;
                }
        }
        assert_int_equal(G.edge_count, COHERENCE_MAX_EDGES);
        assert_int_equal(coherence_traffic(&G, 1, 300, 1, 0), COHERENCE_E_FULL);
        assert_int_equal(coherence_traffic(&G, 100, 101, 1, 0), COHERENCE_OK); /* existing */
        /* Removing a node drops its edges. */
        assert_int_equal(coherence_node_remove(&G, 100), COHERENCE_OK);
        assert_int_equal(G.edge_count, COHERENCE_MAX_EDGES - 254);
        assert_int_equal(coherence_traffic(&G, 1, 300, 1, 0), COHERENCE_OK);
}

static void ema_converges_to_the_sample_and_decays_to_zero(void **state)
{
        (void)state;
        graph_setup(); /* shift 2, 16 per message, 1 per 64 bytes, 1 per page */
        coherence_node_add(&G, 1, COHERENCE_GUEST, 1);
        coherence_node_add(&G, 2, COHERENCE_GUEST, 2);
        /* One epoch of 10 messages and 640 bytes: sample 16*10 + 10 = 170, weight 170/4. */
        coherence_traffic(&G, 1, 2, 10, 640);
        coherence_epoch(&G);
        assert_int_equal(coherence_weight(&G, 1, 2), 42);
        assert_int_equal(coherence_weight(&G, 2, 1), 42);
        /* The same traffic every epoch: the weight climbs to the sample and stays there. */
        uint64_t prev = 42;
        for (int e = 0; e < 40; e++) {
                coherence_traffic(&G, 1, 2, 10, 640);
                coherence_epoch(&G);
                const uint64_t w = coherence_weight(&G, 1, 2);
                assert_true(w >= prev && w <= 170);
                prev = w;
        }
        assert_int_equal(prev, 170);
        /* Shared pages count like the rest. */
        coherence_shared(&G, 1, 2, 4);
        coherence_epoch(&G);
        assert_true(coherence_weight(&G, 1, 2) < prev);
        /* Silence: the weight only falls, reaches 0, and the edge is dropped. */
        int epochs = 0;
        while (G.edge_count > 0) {
                const uint64_t w = coherence_weight(&G, 1, 2);
                coherence_epoch(&G);
                assert_true(coherence_weight(&G, 1, 2) <= w);
                assert_true(++epochs < 64);
        }
        assert_int_equal(coherence_weight(&G, 1, 2), 0);
}

static void ema_saturates_instead_of_overflowing(void **state)
{
        (void)state;
        graph_setup();
        coherence_node_add(&G, 1, COHERENCE_GUEST, 1);
        coherence_node_add(&G, 2, COHERENCE_GUEST, 2);
        for (int e = 0; e < 100; e++) {
                coherence_traffic(&G, 1, 2, UINT64_MAX, UINT64_MAX);
                coherence_traffic(&G, 1, 2, UINT64_MAX, UINT64_MAX);
                coherence_shared(&G, 1, 2, UINT64_MAX);
                coherence_epoch(&G);
                assert_true(coherence_weight(&G, 1, 2) <= COHERENCE_WEIGHT_MAX);
        }
        assert_int_equal(coherence_weight(&G, 1, 2), COHERENCE_WEIGHT_MAX);
}

static void params_are_checked(void **state)
{
        struct coherence_params p;
        (void)state;

        coherence_params_default(&p);
        assert_int_equal(coherence_params_check(&p), COHERENCE_OK);
        p.ema_shift = COHERENCE_EMA_SHIFT_MAX + 1;
        assert_int_equal(coherence_init(&G, &p), COHERENCE_E_INVAL);
        coherence_params_default(&p);
        p.merge_score_bp = 10001;
        assert_int_equal(coherence_params_check(&p), COHERENCE_E_INVAL);
}

/* ---- scores --------------------------------------------------------------------------------- */

static void score_and_pressure_stay_in_basis_points(void **state)
{
        (void)state;
        assert_int_equal(coherence_score_bp(0, 0), 10000);
        assert_int_equal(coherence_score_bp(3, 1), 7500);
        assert_int_equal(coherence_score_bp(0, 5), 0);
        assert_int_equal(coherence_pressure_bp(0, 5, 64), 0);
        assert_int_equal(coherence_pressure_bp(300, 36, 64), 7500);
        assert_int_equal(coherence_pressure_bp(100, 0, 0), 10000);
        const uint64_t big[] = {
            0, 1, 2, 9999, 10001, UINT64_C(1) << 40, UINT64_C(1) << 62, UINT64_MAX / 2, UINT64_MAX};
        const unsigned nb = sizeof(big) / sizeof(big[0]);
        for (unsigned i = 0; i < nb; i++) {
                for (unsigned j = 0; j < nb; j++) {
                        assert_true(coherence_score_bp(big[i], big[j]) <= 10000);
                        for (unsigned k = 0; k < nb; k++) {
                                assert_true(coherence_pressure_bp(big[i], big[j], big[k]) <= 10000);
                        }
                }
        }
        /* More external traffic never lowers the pressure; more internal never lowers the score. */
        rng_state = 9;
        for (int i = 0; i < 10000; i++) {
                const uint64_t a = rnd(1u << 30), b = rnd(1u << 30), c = rnd(1000);
                assert_true(coherence_pressure_bp(a + c, b, 64) >= coherence_pressure_bp(a, b, 64));
                assert_true(coherence_score_bp(a + c, b) >= coherence_score_bp(a, b));
        }
}

/* Feeds a steady weight w between two nodes (enough epochs for the average to settle). */
static void steady(uint32_t a, uint32_t b, uint64_t msgs)
{
        assert_int_equal(coherence_traffic(&G, a, b, msgs, 0), COHERENCE_OK);
}

/*
 * The scene for the decisions: partition 10 holds agents 1,2,3,4; 1-2 talk a lot, 3-4 talk
 * a lot, 2-3 barely; 3 and 4 talk a lot to agent 5 in partition 20. Partitions 20 and 30
 * (agents 5 and 6) talk to each other mostly. Guest partition 40 talks to agent 6 a little.
 */
static void scene(int epochs)
{
        graph_setup();
        for (uint32_t id = 1; id <= 4; id++) {
                coherence_node_add(&G, id, COHERENCE_AGENT, 10);
        }
        coherence_node_add(&G, 5, COHERENCE_AGENT, 20);
        coherence_node_add(&G, 6, COHERENCE_AGENT, 30);
        coherence_node_add(&G, 40, COHERENCE_GUEST, 40);
        for (int e = 0; e < epochs; e++) {
                steady(1, 2, 100);
                steady(3, 4, 100);
                steady(2, 3, 2);
                steady(3, 5, 60);
                steady(4, 5, 60);
                steady(5, 6, 200);
                steady(6, 40, 10);
                coherence_epoch(&G);
        }
}

static void group_stats_and_pressure(void **state)
{
        struct coherence_group_stats st;
        uint32_t p10 = 0, p40 = 0;
        (void)state;

        scene(40);
        coherence_group_stats(&G, 10, &st);
        assert_int_equal(st.nodes, 4);
        assert_int_equal(st.agents, 4);
        assert_int_equal(st.internal, (100 + 100 + 2) * 16);
        assert_int_equal(st.external, (60 + 60) * 16);
        assert_int_equal(st.score_bp, coherence_score_bp(202 * 16, 120 * 16));
        assert_int_equal(coherence_group_pressure(&G, 10, &MC, &p10), COHERENCE_OK);
        /* internal min-cut is the 2-3 link (32): pressure = 1920 / (1920 + 32 + 64) */
        assert_int_equal(p10, 1920u * 10000 / (1920 + 32 + 64));
        assert_int_equal(coherence_group_pressure(&G, 40, &MC, &p40), COHERENCE_OK);
        assert_int_equal(p40, 160u * 10000 / (160 + 0 + 64));
        assert_int_equal(coherence_group_pressure(&G, 99, &MC, &p40), COHERENCE_E_NOENT);
}

/* ---- decisions ------------------------------------------------------------------------------ */

static void split_moves_the_side_pulled_from_outside(void **state)
{
        struct coherence_group_stats st;
        struct coherence_split sp;
        (void)state;

        scene(40);
        coherence_group_stats(&G, 10, &st);
        /* Not exact yet: no split on a partial cut. */
        assert_int_equal(coherence_mincut_load(&MC, &G, &st.members), COHERENCE_OK);
        assert_int_equal(coherence_mincut_run(&MC, 1, NULL), COHERENCE_E_PARTIAL);
        coherence_split_propose(&G, 10, &MC, &sp);
        assert_int_equal(sp.reason, COHERENCE_R_CUT_PARTIAL);
        assert_int_equal(coherence_mincut_run(&MC, COHERENCE_BUDGET_UNLIMITED, NULL), COHERENCE_OK);
        coherence_split_propose(&G, 10, &MC, &sp);
        assert_int_equal(sp.reason, COHERENCE_R_PROPOSED);
        assert_string_equal(coherence_reason_name(sp.reason), "proposed");
        assert_int_equal(sp.cut, 2 * 16);
        assert_int_equal(sp.moving_count, 2);
        assert_true(coherence_set_has(&sp.moving, (uint32_t)coherence_node_index(&G, 3)));
        assert_true(coherence_set_has(&sp.moving, (uint32_t)coherence_node_index(&G, 4)));
        assert_int_equal(sp.moving_external, 120 * 16);
        assert_int_equal(sp.staying_external, 0);
        assert_true(sp.pressure_bp >= sp.threshold_bp);
        assert_int_equal(sp.threshold_bp, 7500);

        /* The cut of another group's subgraph is refused. */
        coherence_split_propose(&G, 30, &MC, &sp);
        assert_int_equal(sp.reason, COHERENCE_R_TOO_FEW);
        coherence_node_add(&G, 7, COHERENCE_AGENT, 30);
        coherence_split_propose(&G, 30, &MC, &sp);
        assert_int_equal(sp.reason, COHERENCE_R_CUT_MISMATCH);
        coherence_split_propose(&G, 40, &MC, &sp);
        assert_int_equal(sp.reason, COHERENCE_R_NOT_AGENTS);
        coherence_split_propose(&G, 77, &MC, &sp);
        assert_int_equal(sp.reason, COHERENCE_R_NO_GROUP);
}

static void split_holds_when_the_group_is_coherent(void **state)
{
        struct coherence_group_stats st;
        struct coherence_split sp;
        (void)state;

        /* Four agents in a ring of heavy links, little outside traffic: low pressure. */
        graph_setup();
        for (uint32_t id = 1; id <= 4; id++) {
                coherence_node_add(&G, id, COHERENCE_AGENT, 10);
        }
        coherence_node_add(&G, 5, COHERENCE_AGENT, 20);
        for (int e = 0; e < 40; e++) {
                steady(1, 2, 100);
                steady(2, 3, 100);
                steady(3, 4, 100);
                steady(4, 1, 100);
                steady(4, 5, 30);
                coherence_epoch(&G);
        }
        coherence_group_stats(&G, 10, &st);
        coherence_mincut_load(&MC, &G, &st.members);
        coherence_mincut_run(&MC, COHERENCE_BUDGET_UNLIMITED, NULL);
        coherence_split_propose(&G, 10, &MC, &sp);
        assert_int_equal(sp.reason, COHERENCE_R_LOW_PRESSURE);
        assert_int_equal(sp.cut, 2 * 100 * 16);
        assert_true(sp.pressure_bp < sp.threshold_bp);

        /* No outside traffic at all: quiet. */
        coherence_node_remove(&G, 5);
        coherence_split_propose(&G, 10, &MC, &sp);
        assert_int_equal(sp.reason, COHERENCE_R_QUIET);
        assert_int_equal(sp.moving_external, 0);
}

static void merge_needs_dominant_traffic_and_dc11_preconditions(void **state)
{
        struct coherence_merge m;
        const struct coherence_merge_pre ok = {.adjacent = true, .resources_ok = true};
        (void)state;

        scene(40);
        coherence_merge_propose(&G, 20, 30, &ok, &m);
        /* 5-6 (200) against 5's other traffic (120) and 6's (10): share 200/320 and 200/210. */
        assert_int_equal(m.mutual, 200 * 16);
        assert_int_equal(m.share_a_bp, 200u * 10000 / 320);
        assert_int_equal(m.share_b_bp, 200u * 10000 / 210);
        assert_int_equal(m.merged_score_bp, coherence_score_bp(200 * 16, 130 * 16));
        assert_int_equal(m.reason, COHERENCE_R_LOW_SCORE); /* 6060 < 8000 */
        assert_string_equal(coherence_reason_name(m.reason), "low-score");

        struct coherence_params p = G.params;
        p.merge_score_bp = 6000;
        G.params = p;
        coherence_merge_propose(&G, 20, 30, &ok, &m);
        assert_int_equal(m.reason, COHERENCE_R_PROPOSED);
        const struct coherence_merge_pre far = {.adjacent = false, .resources_ok = true};
        coherence_merge_propose(&G, 20, 30, &far, &m);
        assert_int_equal(m.reason, COHERENCE_R_NOT_ADJACENT);
        const struct coherence_merge_pre full = {.adjacent = true, .resources_ok = false};
        coherence_merge_propose(&G, 20, 30, &full, &m);
        assert_int_equal(m.reason, COHERENCE_R_NO_RESOURCES);
        coherence_merge_propose(&G, 10, 30, &ok, &m);
        assert_int_equal(m.reason, COHERENCE_R_LOW_SHARE);
        assert_int_equal(m.mutual, 0);
        coherence_merge_propose(&G, 30, 40, &ok, &m);
        assert_int_equal(m.reason, COHERENCE_R_NOT_AGENTS);
        coherence_merge_propose(&G, 30, 30, &ok, &m);
        assert_int_equal(m.reason, COHERENCE_R_SAME_GROUP);
        coherence_merge_propose(&G, 30, 31, &ok, &m);
        assert_int_equal(m.reason, COHERENCE_R_NO_GROUP);
}

static void placement_puts_talkers_together(void **state)
{
        (void)state;
        /* 8 guest partitions talking in pairs (0,1) (2,3) (4,5) (6,7), which round-robin on
         * 4 CPUs always separates, plus a trickle between 1 and 2. */
        graph_setup();
        for (uint32_t id = 0; id < 8; id++) {
                coherence_node_add(&G, id, COHERENCE_GUEST, id);
        }
        for (uint32_t i = 0; i < 8; i += 2) {
                steady(i, i + 1, 50);
        }
        steady(1, 2, 1);
        coherence_epoch(&G);
        assert_int_equal(coherence_place(&G, 4, 0, &PL), COHERENCE_OK);
        assert_int_equal(PL.group_count, 8);
        assert_int_equal(PL.capacity, 2);
        for (uint32_t i = 0; i < 8; i += 2) {
                assert_int_equal(coherence_place_cpu(&PL, i), coherence_place_cpu(&PL, i + 1));
        }
        uint32_t per_cpu[4] = {0};
        for (uint32_t i = 0; i < 8; i++) {
                per_cpu[coherence_place_cpu(&PL, i)]++;
        }
        for (int c = 0; c < 4; c++) {
                assert_int_equal(per_cpu[c], 2);
        }
        assert_int_equal(PL.total, (4 * 50 + 1) * 16 / 4);
        assert_int_equal(PL.remote, 1 * 16 / 4);
        assert_int_equal(PL.naive_remote, PL.total);
        assert_true(PL.remote_bp < PL.naive_remote_bp);
        assert_int_equal(coherence_place_cpu(&PL, 99), -1);
        assert_int_equal(coherence_place(&G, 0, 0, &PL), COHERENCE_E_INVAL);
        assert_int_equal(coherence_place(&G, COHERENCE_MAX_CPUS + 1, 0, &PL), COHERENCE_E_INVAL);
}

static void placement_stays_balanced_on_random_graphs(void **state)
{
        (void)state;
        rng_state = 77;
        for (int t = 0; t < 200; t++) {
                graph_setup();
                const uint32_t groups = 1 + rnd(40), cpus = 1 + rnd(8);
                for (uint32_t id = 0; id < groups + rnd(20); id++) {
                        coherence_node_add(&G, id, COHERENCE_AGENT, rnd(groups));
                }
                for (int k = 0; k < 60; k++) {
                        const uint32_t a = rnd(60), b = rnd(60);
                        if (coherence_node_index(&G, a) >= 0 && coherence_node_index(&G, b) >= 0 &&
                            a != b) {
                                steady(a, b, 1 + rnd(100));
                        }
                }
                coherence_epoch(&G);
                assert_int_equal(coherence_place(&G, cpus, 0, &PL), COHERENCE_OK);
                uint32_t load[8] = {0};
                for (uint32_t i = 0; i < PL.group_count; i++) {
                        assert_true(PL.cpu[i] < cpus);
                        load[PL.cpu[i]]++;
                        if (i > 0) {
                                assert_true(PL.group[i - 1] < PL.group[i]);
                        }
                }
                for (uint32_t c = 0; c < cpus; c++) {
                        assert_true(load[c] <= PL.capacity);
                }
                assert_true(PL.remote <= PL.total && PL.naive_remote <= PL.total);
                assert_true(PL.remote_bp <= 10000 && PL.naive_remote_bp <= 10000);
        }
}

/* ---- DOT ------------------------------------------------------------------------------------ */

static void balanced(const char *s)
{
        int depth = 0;
        for (; *s != '\0'; s++) {
                depth += *s == '{';
                depth -= *s == '}';
                assert_true(depth >= 0);
        }
        assert_int_equal(depth, 0);
}

static void dot_lists_clusters_nodes_and_weights(void **state)
{
        static char buf[8192];
        size_t len = 0;
        struct coherence_set hl = {{0}};
        (void)state;

        scene(40);
        hl.bits[0] = UINT64_C(1) << coherence_node_index(&G, 3);
        assert_int_equal(coherence_dot(&G, &hl, buf, sizeof(buf), &len), COHERENCE_OK);
        assert_int_equal(len, strlen(buf));
        assert_non_null(strstr(buf, "graph coherence {"));
        assert_non_null(strstr(buf, "subgraph cluster_p10 {"));
        assert_non_null(strstr(buf, "n40 [label=\"guest 40\"]"));
        assert_non_null(strstr(buf, "n3 [label=\"agent 3\", style=\"rounded,filled\""));
        assert_non_null(strstr(buf, "n5 -- n6 [label=\"3200\"]"));
        balanced(buf);
}

static void dot_never_writes_past_its_buffer(void **state)
{
        static char full[8192];
        char buf[2048];
        size_t full_len = 0;
        (void)state;

        scene(40);
        assert_int_equal(coherence_dot(&G, NULL, full, sizeof(full), &full_len), COHERENCE_OK);
        assert_true(full_len + 16 < sizeof(buf));
        for (size_t size = 1; size < full_len + 8; size++) {
                size_t len = 99;
                memset(buf, 'X', sizeof(buf));
                const enum coherence_err err = coherence_dot(&G, NULL, buf, size, &len);
                for (size_t i = size; i < sizeof(buf); i++) {
                        assert_int_equal(buf[i], 'X');
                }
                if (size > full_len) {
                        assert_int_equal(err, COHERENCE_OK);
                        assert_string_equal(buf, full);
                        continue;
                }
                assert_int_equal(err, COHERENCE_E_SPACE);
                assert_true(len < size);
                assert_int_equal(strlen(buf), len);
                if (len > 0) {
                        balanced(buf);
                        assert_true(len >= 2 && buf[len - 2] == '}' && buf[len - 1] == '\n');
                }
        }
        assert_int_equal(coherence_dot(&G, NULL, NULL, 10, NULL), COHERENCE_E_INVAL);
        assert_int_equal(coherence_dot(&G, NULL, buf, 0, NULL), COHERENCE_E_INVAL);
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
            cmocka_unit_test(graph_nodes_and_errors),
            cmocka_unit_test(ema_converges_to_the_sample_and_decays_to_zero),
            cmocka_unit_test(ema_saturates_instead_of_overflowing),
            cmocka_unit_test(params_are_checked),
            cmocka_unit_test(score_and_pressure_stay_in_basis_points),
            cmocka_unit_test(group_stats_and_pressure),
            cmocka_unit_test(split_moves_the_side_pulled_from_outside),
            cmocka_unit_test(split_holds_when_the_group_is_coherent),
            cmocka_unit_test(merge_needs_dominant_traffic_and_dc11_preconditions),
            cmocka_unit_test(placement_puts_talkers_together),
            cmocka_unit_test(placement_stays_balanced_on_random_graphs),
            cmocka_unit_test(dot_lists_clusters_nodes_and_weights),
            cmocka_unit_test(dot_never_writes_past_its_buffer),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
