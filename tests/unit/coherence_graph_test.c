/*
 * tests/unit/coherence_graph_test.c: the coherence engine's communication graph: nodes,
 * edges and their limits, counted traffic and the integer moving average (converging,
 * decaying to zero, saturating), parameter checks; scores and cut pressure stay in
 * 0..10000, and a group's statistics and pressure in a known scene.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/coherence_fixture.h"

/* ---- the graph --------------------------------------------------------------------------- */

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
        /* Shared pages count like the rest: 4 pages alone (256) are less than the traffic. */
        coherence_shared(&G, 1, 2, 1);
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

/* A share held across epoch boundaries (the kernel calls coherence_shared at each one while
 * the peer maps it): it weighs from the first epoch it is held, exactly page_weight a page in
 * that epoch's sample, and once released it adds nothing: the weight only falls, to 0, and the
 * edge goes. */
static void shared_region_weighs_while_held(void **state)
{
        (void)state;
        graph_setup();
        assert_int_equal(G.params.page_weight, 64);
        coherence_node_add(&G, 1, COHERENCE_GUEST, 1);
        coherence_node_add(&G, 2, COHERENCE_GUEST, 2);
        coherence_node_add(&G, 3, COHERENCE_GUEST, 3);
        /* One page shared, counted at one epoch boundary: weight in that epoch. */
        assert_int_equal(coherence_shared(&G, 1, 2, 1), COHERENCE_OK);
        coherence_epoch(&G);
        assert_int_equal(coherence_weight(&G, 1, 2), 64 / 4);
        assert_int_equal(G.edge_count, 1);
        /* Held on: each boundary adds 64 again; the weight climbs to 64. */
        uint64_t w = coherence_weight(&G, 1, 2);
        for (int e = 0; e < 30; e++) {
                coherence_shared(&G, 2, 1, 1); /* either order: one undirected edge */
                coherence_epoch(&G);
                assert_true(coherence_weight(&G, 1, 2) >= w);
                w = coherence_weight(&G, 1, 2);
        }
        assert_int_equal(w, 64);
        /* Its share of an epoch's sample is exactly pages * page_weight: beside traffic, the
         * same epoch with and without the share differ by that much (in acc, 2^s times). */
        coherence_traffic(&G, 1, 3, 5, 320);
        coherence_shared(&G, 1, 3, 3);
        const int k = coherence_node_index(&G, 1), l = coherence_node_index(&G, 3);
        uint64_t acc_with = 0;
        coherence_shared(&G, 1, 2, 1);
        coherence_epoch(&G);
        for (uint32_t e = 0; e < COHERENCE_MAX_EDGES; e++) {
                if (G.edge[e].used && G.edge[e].a == (k < l ? k : l) &&
                    G.edge[e].b == (k < l ? l : k)) {
                        acc_with = G.edge[e].acc;
                }
        }
        assert_int_equal(acc_with, 5 * 16 + 320 / 64 + 3 * 64);
        /* Released: no more coherence_shared. The weight never rises again, falls by a quarter
         * an epoch while it is 4 or more, and the edge goes; the 1-3 edge (traffic and share,
         * both stopped) too. */
        int epochs = 0;
        while (G.edge_count > 0) {
                w = coherence_weight(&G, 1, 2);
                coherence_epoch(&G);
                assert_true(coherence_weight(&G, 1, 2) <= w);
                assert_true(w < 4 || coherence_weight(&G, 1, 2) < w);
                assert_true(++epochs < 40);
        }
        assert_int_equal(coherence_weight(&G, 1, 2), 0);
        assert_int_equal(coherence_weight(&G, 1, 3), 0);
        /* A share of unknown nodes or of a node with itself is refused, as traffic is. */
        assert_int_equal(coherence_shared(&G, 1, 9, 1), COHERENCE_E_NOENT);
        assert_int_equal(coherence_shared(&G, 1, 1, 1), COHERENCE_E_INVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(graph_nodes_and_errors),
            cmocka_unit_test(ema_converges_to_the_sample_and_decays_to_zero),
            cmocka_unit_test(ema_saturates_instead_of_overflowing),
            cmocka_unit_test(shared_region_weighs_while_held),
            cmocka_unit_test(params_are_checked),
            cmocka_unit_test(score_and_pressure_stay_in_basis_points),
            cmocka_unit_test(group_stats_and_pressure),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
