/*
 * tests/unit/coherence_decision_test.c: the coherence engine's decision helpers and their
 * reasons: a split moves the side pulled from outside and holds when the group is coherent;
 * a merge needs dominant traffic and DC-11's preconditions; placement puts talkers on one
 * CPU and stays balanced on random graphs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/coherence_fixture.h"

static struct coherence_placement PL;

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

/* Placement acted on with hysteresis: the proposal's CPUs renamed so that groups stay where
 * they are, a move only over the gain threshold and after the hold, each verdict's values. */
static void placement_decide_has_hysteresis(void **state)
{
        static int16_t now_cpu[COHERENCE_MAX_NODES];
        struct coherence_place_verdict v;

        (void)state;
        /* Pairs (0,1) (2,3) talk; round-robin on 2 CPUs has them apart: 0,2 on 0 and 1,3 on 1. */
        graph_setup();
        for (uint32_t id = 0; id < 4; id++) {
                coherence_node_add(&G, id, COHERENCE_GUEST, id);
        }
        steady(0, 1, 50);
        steady(2, 3, 50);
        coherence_epoch(&G);
        assert_int_equal(coherence_place(&G, 2, 0, &PL), COHERENCE_OK);
        for (uint32_t i = 0; i < 4; i++) {
                now_cpu[i] = (int16_t)(i % 2);
        }
        assert_int_equal(coherence_place_decide(&G, &PL, now_cpu, 0, &v), COHERENCE_OK);
        assert_int_equal(v.reason, COHERENCE_R_TOO_SOON);
        assert_int_equal(v.total, 2 * 50 * 16 / 4);
        assert_int_equal(v.current_remote, v.total);
        assert_int_equal(v.proposed_remote, 0);
        assert_int_equal(v.gain_bp, 10000);
        assert_int_equal(v.threshold_bp, 1000);
        assert_int_equal(v.hold_epochs, 3);
        /* Renamed: one group of each pair stays, the other joins it (2 moves, not 4). */
        assert_int_equal(v.moves, 2);
        assert_int_equal(PL.cpu[0], PL.cpu[1]);
        assert_int_equal(PL.cpu[2], PL.cpu[3]);
        assert_int_not_equal(PL.cpu[0], PL.cpu[2]);
        assert_int_equal(coherence_place_decide(&G, &PL, now_cpu, 3, &v), COHERENCE_OK);
        assert_int_equal(v.reason, COHERENCE_R_PROPOSED);
        assert_string_equal(coherence_reason_name(v.reason), "proposed");
        /* Acted on: where they are now is the proposal: in place, nothing moves. */
        for (uint32_t i = 0; i < 4; i++) {
                now_cpu[i] = (int16_t)PL.cpu[i];
        }
        assert_int_equal(coherence_place(&G, 2, 0, &PL), COHERENCE_OK);
        assert_int_equal(coherence_place_decide(&G, &PL, now_cpu, 0, &v), COHERENCE_OK);
        assert_int_equal(v.reason, COHERENCE_R_IN_PLACE);
        assert_int_equal(v.moves, 0);
        assert_int_equal(v.current_remote, 0);
        assert_string_equal(coherence_reason_name(COHERENCE_R_IN_PLACE), "in-place");
        /* A small gain (a trickle between 1 and 2, next to the pairs) is not worth a move. */
        graph_setup();
        for (uint32_t id = 0; id < 4; id++) {
                coherence_node_add(&G, id, COHERENCE_GUEST, id);
        }
        steady(0, 1, 500);
        steady(2, 3, 500);
        steady(0, 2, 10);
        coherence_epoch(&G);
        assert_int_equal(coherence_place(&G, 2, 4, &PL), COHERENCE_OK);
        /* Capacity 4: everything on one CPU would be 0 remote; now the pairs are apart, the
         * trickle (10 of 1010 messages, 99 bp) crosses. */
        now_cpu[0] = now_cpu[1] = 0;
        now_cpu[2] = now_cpu[3] = 1;
        assert_int_equal(coherence_place_decide(&G, &PL, now_cpu, 100, &v), COHERENCE_OK);
        assert_int_equal(v.reason, COHERENCE_R_LOW_GAIN);
        assert_int_equal(v.gain_bp, 99);
        assert_string_equal(coherence_reason_name(COHERENCE_R_LOW_GAIN), "low-gain");
        assert_string_equal(coherence_reason_name(COHERENCE_R_TOO_SOON), "too-soon");
        assert_int_equal(coherence_place_decide(&G, NULL, now_cpu, 0, &v), COHERENCE_E_INVAL);
        assert_int_equal(coherence_place_decide(&G, &PL, NULL, 0, &v), COHERENCE_E_INVAL);
}

/* ---- placement weighs CPU need ------------------------------------------------------------ */

static void nodes(uint32_t n)
{
        graph_setup();
        for (uint32_t id = 0; id < n; id++) {
                coherence_node_add(&G, id, COHERENCE_GUEST, id);
        }
}

/* Two talking pairs on 4 CPUs, where the count allows a pair per CPU: traffic alone piles
 * each pair on one CPU and leaves two idle; busy pairs (9000 bp each: 18000 > 11500) are
 * spread one a CPU; light ones (2000 bp) still share, each pair on its own CPU. */
static void placement_spreads_busy_pairs_over_idle_cpus(void **state)
{
        uint32_t need[4] = {9000, 9000, 9000, 9000};

        (void)state;
        nodes(4);
        steady(0, 1, 50);
        steady(2, 3, 50);
        coherence_epoch(&G);
        assert_int_equal(coherence_place(&G, 4, 4, &PL), COHERENCE_OK);
        assert_int_equal(coherence_place_cpu(&PL, 0), coherence_place_cpu(&PL, 1));
        assert_int_equal(coherence_place_cpu(&PL, 2), coherence_place_cpu(&PL, 3));
        assert_int_equal(PL.max_need_bp, 0);
        assert_int_equal(PL.cpu_cap_bp, 11500);

        assert_int_equal(coherence_place_need(&G, 4, 4, need, 4, &PL), COHERENCE_OK);
        for (uint32_t i = 0; i < 4; i++) {
                for (uint32_t j = i + 1; j < 4; j++) {
                        assert_int_not_equal(PL.cpu[i], PL.cpu[j]);
                }
                assert_int_equal(PL.need[i], 9000);
                assert_int_equal(PL.cpu_need[PL.cpu[i]], 9000);
        }
        assert_int_equal(PL.max_need_bp, 9000);
        assert_int_equal(PL.remote, PL.total);

        for (uint32_t i = 0; i < 4; i++) {
                need[i] = 2000;
        }
        assert_int_equal(coherence_place_need(&G, 4, 4, need, 4, &PL), COHERENCE_OK);
        assert_int_equal(coherence_place_cpu(&PL, 0), coherence_place_cpu(&PL, 1));
        assert_int_equal(coherence_place_cpu(&PL, 2), coherence_place_cpu(&PL, 3));
        assert_int_not_equal(coherence_place_cpu(&PL, 0), coherence_place_cpu(&PL, 2));
        assert_int_equal(PL.max_need_bp, 4000);
        assert_int_equal(PL.remote, 0);

        /* One busy pair among four idle groups (count: 2 a CPU): the busy two apart, and no
         * idle group with either while a CPU is left without need. */
        nodes(6);
        steady(0, 1, 50);
        steady(2, 3, 5);
        steady(4, 5, 5);
        coherence_epoch(&G);
        const uint32_t six[6] = {9500, 9500, 0, 0, 0, 0};
        assert_int_equal(coherence_place_need(&G, 4, 0, six, 6, &PL), COHERENCE_OK);
        assert_int_equal(PL.capacity, 2);
        assert_int_not_equal(coherence_place_cpu(&PL, 0), coherence_place_cpu(&PL, 1));
        assert_int_equal(PL.max_need_bp, 9500);
        uint32_t busy = 0;
        for (uint32_t c = 0; c < 4; c++) {
                busy += PL.cpu_need[c] != 0;
        }
        assert_int_equal(busy, 2);
        /* Need figures past the table count 0; each is saturated at 0xFFFF. */
        const uint32_t big[2] = {UINT32_MAX, 5};
        assert_int_equal(coherence_place_need(&G, 4, 0, big, 2, &PL), COHERENCE_OK);
        assert_int_equal(PL.need[0], 0xFFFF);
        assert_int_equal(PL.need[1], 5);
        assert_int_equal(PL.need[5], 0);
        assert_int_equal(coherence_place_need(&G, 0, 0, big, 2, &PL), COHERENCE_E_INVAL);
}

/* A hog (9000 bp) that talks to everyone: its heaviest talkers join it while its CPU holds
 * them (9000 + 1000 + 1000 <= 11500), the others are left elsewhere. */
static void placement_leaves_a_hogs_lighter_talkers_elsewhere(void **state)
{
        const uint32_t need[7] = {9000, 1000, 1000, 1000, 1000, 1000, 1000};

        (void)state;
        nodes(7);
        for (uint32_t i = 1; i < 7; i++) {
                steady(0, i, 70 - 10 * i); /* 1 talks most, 6 least */
        }
        coherence_epoch(&G);
        assert_int_equal(coherence_place_need(&G, 3, 7, need, 7, &PL), COHERENCE_OK);
        const int hog = coherence_place_cpu(&PL, 0);
        assert_int_equal(coherence_place_cpu(&PL, 1), hog);
        assert_int_equal(coherence_place_cpu(&PL, 2), hog);
        for (uint32_t i = 3; i < 7; i++) {
                assert_int_not_equal(coherence_place_cpu(&PL, i), hog);
        }
        assert_int_equal(PL.cpu_need[hog], 11000);
        assert_true(PL.max_need_bp <= PL.cpu_cap_bp);
        uint32_t sum = 0;
        for (uint32_t c = 0; c < 3; c++) {
                sum += PL.cpu_need[c];
        }
        assert_int_equal(sum, 15000);
        /* Without need figures the count alone (7 a CPU) puts them all with the hog. */
        assert_int_equal(coherence_place(&G, 3, 7, &PL), COHERENCE_OK);
        for (uint32_t i = 1; i < 7; i++) {
                assert_int_equal(coherence_place_cpu(&PL, i), coherence_place_cpu(&PL, 0));
        }
}

/* Moves for need keep the hysteresis: busy groups piled on one CPU are spread once the hold
 * has passed, then stay; a small relief of an overloaded CPU is not worth a move; a traffic
 * gain that overloads a CPU beyond now is refused. */
static void placement_for_need_keeps_hysteresis(void **state)
{
        static int16_t now_cpu[COHERENCE_MAX_NODES];
        struct coherence_place_verdict v;
        uint32_t need[4] = {9000, 9000, 100, 100};

        (void)state;
        nodes(4); /* no traffic at all */
        assert_int_equal(coherence_place_need(&G, 2, 0, need, 4, &PL), COHERENCE_OK);
        now_cpu[0] = now_cpu[1] = 0; /* the two busy ones piled on CPU 0 */
        now_cpu[2] = now_cpu[3] = 1;
        assert_int_equal(coherence_place_decide(&G, &PL, now_cpu, 1, &v), COHERENCE_OK);
        assert_int_equal(v.reason, COHERENCE_R_TOO_SOON);
        assert_true(v.for_need);
        assert_int_equal(v.gain_bp, 0);
        assert_int_equal(v.current_need_bp, 18000);
        assert_int_equal(v.proposed_need_bp, 9100);
        assert_int_equal(v.cap_bp, 11500);
        assert_int_equal(v.moves, 2);
        assert_int_equal(coherence_place_decide(&G, &PL, now_cpu, 3, &v), COHERENCE_OK);
        assert_int_equal(v.reason, COHERENCE_R_PROPOSED);
        assert_true(v.for_need);
        assert_int_not_equal(PL.cpu[0], PL.cpu[1]);
        /* Acted on; measured again a little differently: in place. */
        for (uint32_t i = 0; i < 4; i++) {
                now_cpu[i] = (int16_t)PL.cpu[i];
        }
        need[0] = 9400;
        need[3] = 300;
        assert_int_equal(coherence_place_need(&G, 2, 0, need, 4, &PL), COHERENCE_OK);
        assert_int_equal(coherence_place_decide(&G, &PL, now_cpu, 100, &v), COHERENCE_OK);
        assert_int_equal(v.reason, COHERENCE_R_IN_PLACE);
        assert_false(v.for_need);

        /* Over the cap now (12000), the proposal 11500: 500 bp of relief < 1000: stay. */
        const uint32_t three[3] = {6000, 6000, 5500};
        nodes(3);
        assert_int_equal(coherence_place_need(&G, 2, 0, three, 3, &PL), COHERENCE_OK);
        assert_int_equal(PL.max_need_bp, 11500);
        now_cpu[0] = now_cpu[1] = 0;
        now_cpu[2] = 1;
        assert_int_equal(coherence_place_decide(&G, &PL, now_cpu, 100, &v), COHERENCE_OK);
        assert_int_equal(v.current_need_bp, 12000);
        assert_int_equal(v.reason, COHERENCE_R_LOW_GAIN);

        /* A traffic gain whose proposal would load its busiest CPU past the cap and past now
         * (the proposal's busiest CPU set by hand: the greedy avoids it when it can). */
        nodes(4);
        steady(0, 1, 50);
        steady(2, 3, 50);
        coherence_epoch(&G);
        assert_int_equal(coherence_place(&G, 2, 0, &PL), COHERENCE_OK);
        for (uint32_t i = 0; i < 4; i++) {
                now_cpu[i] = (int16_t)(i % 2);
        }
        PL.max_need_bp = 15000;
        assert_int_equal(coherence_place_decide(&G, &PL, now_cpu, 100, &v), COHERENCE_OK);
        assert_int_equal(v.gain_bp, 10000);
        assert_int_equal(v.reason, COHERENCE_R_OVERLOAD);
        assert_string_equal(coherence_reason_name(v.reason), "would-overload");
}

/* On a machine with more work than its CPUs hold, need does not part talkers: the relief
 * would not end the overload, and the traffic rule would join them again at the next hold
 * (a pair parted and joined for ever). Where parting them ends it, it goes ahead. */
static void placement_for_need_parts_talkers_only_to_end_an_overload(void **state)
{
        static int16_t now_cpu[COHERENCE_MAX_NODES];
        struct coherence_place_verdict v;
        const uint32_t over[4] = {9000, 9000, 9000, 9000}; /* 36000 > 2 x 11500 */
        const uint32_t fits[4] = {9000, 9000, 100, 100};

        (void)state;
        nodes(4);
        steady(0, 1, 50); /* 0 and 1 talk, on CPU 0 with 2; 3 alone on CPU 1 */
        coherence_epoch(&G);
        now_cpu[0] = now_cpu[1] = now_cpu[2] = 0;
        now_cpu[3] = 1;
        assert_int_equal(coherence_place_need(&G, 2, 0, over, 4, &PL), COHERENCE_OK);
        assert_int_not_equal(coherence_place_cpu(&PL, 0), coherence_place_cpu(&PL, 1));
        assert_int_equal(coherence_place_decide(&G, &PL, now_cpu, 100, &v), COHERENCE_OK);
        assert_int_equal(v.current_need_bp, 27000);
        assert_int_equal(v.proposed_need_bp, 18000); /* relieved, still over 11500 */
        assert_int_equal(v.current_remote, 0);
        assert_true(v.proposed_remote > 0);
        assert_int_equal(v.reason, COHERENCE_R_LOW_GAIN);
        assert_false(v.for_need);

        /* Relief that does not part the pair (3 of 3 a CPU: 3 leaves): it goes ahead. */
        now_cpu[3] = 0;
        const uint32_t three_busy[4] = {4000, 4000, 9000, 9000};
        assert_int_equal(coherence_place_need(&G, 2, 3, three_busy, 4, &PL), COHERENCE_OK);
        assert_int_equal(coherence_place_cpu(&PL, 0), coherence_place_cpu(&PL, 1));
        assert_int_equal(coherence_place_decide(&G, &PL, now_cpu, 100, &v), COHERENCE_OK);
        assert_int_equal(v.current_need_bp, 26000);
        assert_int_equal(v.proposed_remote, 0);
        assert_int_equal(v.reason, COHERENCE_R_PROPOSED);
        assert_true(v.for_need);

        /* Two busy talkers piled on CPU 0, the rest light: parting them ends the overload. */
        now_cpu[0] = now_cpu[1] = 0;
        now_cpu[2] = now_cpu[3] = 1;
        assert_int_equal(coherence_place_need(&G, 2, 0, fits, 4, &PL), COHERENCE_OK);
        assert_int_equal(coherence_place_decide(&G, &PL, now_cpu, 100, &v), COHERENCE_OK);
        assert_true(v.proposed_remote > v.current_remote);
        assert_int_equal(v.proposed_need_bp, 9100);
        assert_int_equal(v.reason, COHERENCE_R_PROPOSED);
        assert_true(v.for_need);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(split_moves_the_side_pulled_from_outside),
            cmocka_unit_test(split_holds_when_the_group_is_coherent),
            cmocka_unit_test(merge_needs_dominant_traffic_and_dc11_preconditions),
            cmocka_unit_test(placement_puts_talkers_together),
            cmocka_unit_test(placement_stays_balanced_on_random_graphs),
            cmocka_unit_test(placement_decide_has_hysteresis),
            cmocka_unit_test(placement_spreads_busy_pairs_over_idle_cpus),
            cmocka_unit_test(placement_leaves_a_hogs_lighter_talkers_elsewhere),
            cmocka_unit_test(placement_for_need_keeps_hysteresis),
            cmocka_unit_test(placement_for_need_parts_talkers_only_to_end_an_overload),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
