/*
 * tests/unit/coherence_engine_test.c: the engine's epoch as the kernel drives it
 * (coherence/engine.h): principals become nodes, each group's cut pressure is exact whatever
 * the budget (a round resumes where it stopped; degraded mode while it does not finish), which
 * pressures are handed on and witnessed, shared regions counted while they last, each group's
 * CPU need, when placement is acted on, which homes a mode gives, and the records' bits.
 * Boundary values, and random graphs and figures against the formulas written out again here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "coherence/engine.h"
#include "tests/unit/coherence_fixture.h"

static struct coherence_engine E;
static struct coherence_placer P;
static struct coherence_shares S;

/* Groups 1..groups, each of `per` agents (ids group * 100 + i), with random traffic inside
 * and between them, folded for a few epochs. */
static void random_groups(uint32_t groups, uint32_t per)
{
        graph_setup();
        for (uint32_t g = 1; g <= groups; g++) {
                for (uint32_t i = 0; i < per; i++) {
                        assert_true(coherence_node_ensure(&G, g * 100 + i, COHERENCE_AGENT, g));
                }
        }
        for (int e = 0; e < 3; e++) {
                for (uint32_t k = 0; k < groups * per * 3; k++) {
                        uint32_t a = (1 + rnd(groups)) * 100 + rnd(per);
                        uint32_t b = (1 + rnd(groups)) * 100 + rnd(per);
                        if (a != b) {
                                steady(a, b, rnd(200));
                        }
                }
                coherence_epoch(&G);
        }
}

/* ---- nodes ------------------------------------------------------------------------------- */

static void principals_become_nodes_of_their_group(void **state)
{
        (void)state;
        graph_setup();
        /* A guest partition is its own group; an agent is in its WASM partition's. */
        assert_true(coherence_node_ensure(&G, 1, COHERENCE_GUEST, 1));
        assert_true(coherence_node_ensure(&G, 1001, COHERENCE_AGENT, 3));
        assert_int_equal(G.node[coherence_node_index(&G, 1001)].group, 3);
        assert_int_equal(G.node[coherence_node_index(&G, 1)].kind, COHERENCE_GUEST);
        /* Group 0: no node (a WASM partition, an agent in no partition). */
        assert_false(coherence_node_ensure(&G, 3, COHERENCE_GUEST, 0));
        assert_false(coherence_node_ensure(&G, 1002, COHERENCE_AGENT, 0));
        assert_int_equal(coherence_node_index(&G, 3), -1);
        /* A node already there stays as it is, whatever is asked. */
        assert_true(coherence_node_ensure(&G, 1001, COHERENCE_AGENT, 0));
        assert_true(coherence_node_ensure(&G, 1001, COHERENCE_GUEST, 9));
        assert_int_equal(G.node[coherence_node_index(&G, 1001)].group, 3);
        assert_int_equal(G.node_count, 2);
        /* A full graph adds no more. */
        for (uint32_t id = 2000; G.node_count < COHERENCE_MAX_NODES; id++) {
                assert_true(coherence_node_ensure(&G, id, COHERENCE_AGENT, 5));
        }
        assert_false(coherence_node_ensure(&G, 9999, COHERENCE_AGENT, 5));
        assert_true(coherence_node_ensure(&G, 2000, COHERENCE_AGENT, 5));
}

/* ---- the round ---------------------------------------------------------------------------- */

static void an_unlimited_round_gives_each_group_its_exact_pressure(void **state)
{
        (void)state;
        rng_state = 11;
        random_groups(6, 5);
        coherence_node_remove(&G, 400); /* groups may shrink, */
        for (uint32_t i = 1; i < 5; i++) {
                coherence_node_remove(&G, 500 + i);
        }
        for (uint32_t i = 0; i < 5; i++) { /* or be empty */
                coherence_node_remove(&G, 600 + i);
        }
        coherence_engine_init(&E, COHERENCE_BUDGET_UNLIMITED);
        coherence_engine_round(&E, &G, &MC, 7);
        assert_false(E.over_budget);
        assert_int_equal(E.over_epochs, 0);
        for (uint32_t g = 1; g <= 7; g++) {
                struct coherence_group_stats st;
                uint32_t bp = 0;
                coherence_group_stats(&G, g, &st);
                if (st.nodes == 0) {
                        assert_int_equal(E.next_bp[g], 0);
                } else {
                        assert_int_equal(coherence_group_pressure(&G, g, &MC, &bp), COHERENCE_OK);
                        assert_int_equal(E.next_bp[g], bp);
                }
                assert_int_equal(E.next_external[g], st.external);
                assert_int_equal(E.next_score[g], st.score_bp);
        }
        assert_true(E.used_last > 0);
        /* A one-node group is cut for free: its pressure is its pull from outside. */
        assert_int_equal(E.next_bp[5],
                         coherence_pressure_bp(E.next_external[5], 0, G.params.pressure_floor));
}

static void a_small_budget_resumes_and_ends_exact(void **state)
{
        (void)state;
        for (uint32_t seed = 1; seed <= 40; seed++) {
                uint32_t want[COHERENCE_MAX_GROUPS] = {0};
                const uint32_t groups = 1 + seed % 5;
                rng_state = seed * 7919;
                random_groups(groups, 2 + seed % 9);
                coherence_engine_init(&E, COHERENCE_BUDGET_UNLIMITED);
                coherence_engine_round(&E, &G, &MC, groups);
                memcpy(want, E.next_bp, sizeof(want));

                /* The same graph under a budget of a few cells an epoch (at least a step of
                 * the largest group's cut: less makes no progress): every pressure taken is
                 * exact, whichever epoch its cut ends in. */
                coherence_engine_init(&E, 10 + rnd(60));
                uint32_t epochs = 0, over = 0;
                bool done[COHERENCE_MAX_GROUPS] = {false};
                uint32_t left = groups;
                while (left > 0 && epochs < 100000) {
                        memset(E.next_bp, 0xFF, sizeof(E.next_bp));
                        coherence_engine_round(&E, &G, &MC, groups);
                        epochs++;
                        over += E.over_budget;
                        assert_true(E.used_last <= E.budget);
                        for (uint32_t g = 1; g <= groups; g++) {
                                if (E.next_bp[g] != 0xFFFFFFFFu) {
                                        assert_int_equal(E.next_bp[g], want[g]);
                                        left -= !done[g];
                                        done[g] = true;
                                }
                        }
                }
                assert_int_equal(left, 0);
                assert_int_equal(E.over_epochs, over);
                assert_true(over >= epochs - 1); /* only the last epoch's round may fit */
                /* Given back its budget, a round fits and the engine is within it. */
                E.budget = COHERENCE_BUDGET_UNLIMITED;
                coherence_engine_round(&E, &G, &MC, groups);
                assert_false(E.over_budget);
                for (uint32_t g = 1; g <= groups; g++) {
                        assert_int_equal(E.next_bp[g], want[g]);
                }
        }
}

static void a_round_resumes_where_it_stopped(void **state)
{
        (void)state;
        rng_state = 5;
        random_groups(3, 12);
        coherence_engine_init(&E, 1);
        coherence_engine_round(&E, &G, &MC, 3);
        assert_true(E.over_budget);
        assert_int_equal(E.over_epochs, 1);
        assert_int_equal(E.used_last, 0);  /* a budget below a step makes no progress */
        assert_int_equal(E.round_next, 1); /* group 1's cut goes on */
        assert_true(E.loaded);
        /* Someone else took the work space: group 1's cut starts over. */
        coherence_engine_work_taken(&E);
        assert_false(E.loaded);
        /* With no groups nothing is over budget and the round starts at 1 again. */
        coherence_engine_init(&E, 1);
        E.round_next = 9;
        coherence_engine_round(&E, &G, &MC, 0);
        assert_false(E.over_budget);
        assert_int_equal(E.round_next, 1);
        assert_int_equal(E.used_last, 0);
        /* Counts past the engine's groups are clamped, not overrun. */
        coherence_engine_init(&E, COHERENCE_BUDGET_UNLIMITED);
        coherence_engine_round(&E, &G, &MC, UINT32_MAX);
        assert_false(E.over_budget);
}

static void degraded_mode_follows_the_budget(void **state)
{
        (void)state;
        coherence_engine_init(&E, 1);
        /* Within budget, the operator's degraded mode is left as it is. */
        assert_int_equal(coherence_engine_degrade(&E, true), COHERENCE_DEGRADE_KEEP);
        assert_int_equal(coherence_engine_degrade(&E, false), COHERENCE_DEGRADE_KEEP);
        /* Over budget: entered once; already degraded (by us or the operator): kept. */
        E.over_budget = true;
        assert_int_equal(coherence_engine_degrade(&E, false), COHERENCE_DEGRADE_ENTER);
        assert_int_equal(coherence_engine_degrade(&E, true), COHERENCE_DEGRADE_KEEP);
        /* Within it again: left, once. */
        E.over_budget = false;
        assert_int_equal(coherence_engine_degrade(&E, true), COHERENCE_DEGRADE_LEAVE);
        assert_int_equal(coherence_engine_degrade(&E, true), COHERENCE_DEGRADE_KEEP);
        /* Entered by the engine but ended by the operator meanwhile: nothing to leave. */
        E.over_budget = true;
        assert_int_equal(coherence_engine_degrade(&E, false), COHERENCE_DEGRADE_ENTER);
        E.over_budget = false;
        assert_int_equal(coherence_engine_degrade(&E, false), COHERENCE_DEGRADE_KEEP);
        assert_false(E.degraded_by_us);
        /* The operator's own degraded mode over budget: never ended by the engine. */
        E.over_budget = true;
        assert_int_equal(coherence_engine_degrade(&E, true), COHERENCE_DEGRADE_KEEP);
        E.over_budget = false;
        assert_int_equal(coherence_engine_degrade(&E, true), COHERENCE_DEGRADE_KEEP);
}

static void pressure_changes_over_the_threshold_are_witnessed(void **state)
{
        struct coherence_record rec;
        uint32_t bp = 0;
        bool witness = false;
        (void)state;

        coherence_engine_init(&E, 1);
        static const struct {
                uint32_t next;
                bool witness;
        } steps[] = {{500, false},  {1001, true}, {501, false},  {0, true},    {10000, true},
                     {9500, false}, {8999, true}, {8999, false}, {9499, false}};
        for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
                const uint32_t old = E.last_bp[3];
                E.next_bp[3] = steps[i].next;
                E.next_external[3] = 0x123456789ull + i;
                E.next_score[3] = 7777;
                assert_true(coherence_engine_pressure(&E, 3, &bp, &witness, &rec));
                assert_int_equal(bp, steps[i].next);
                assert_int_equal(witness, steps[i].witness);
                assert_int_equal(rec.target, 3);
                assert_int_equal(rec.cap, 0x123456789ull + i);
                assert_int_equal(rec.payload,
                                 steps[i].next | (uint64_t)old << 16 | (uint64_t)7777 << 32);
        }
        /* Set by hand: nothing handed on, but the engine's figure is still the last one. */
        coherence_engine_override(&E, 3, true);
        E.next_bp[3] = 4000;
        assert_false(coherence_engine_pressure(&E, 3, &bp, &witness, &rec));
        assert_int_equal(E.last_bp[3], 4000);
        coherence_engine_override(&E, 3, false);
        E.next_bp[3] = 4100;
        assert_true(coherence_engine_pressure(&E, 3, &bp, &witness, &rec));
        assert_false(witness);
        /* Groups out of range: ignored. */
        coherence_engine_override(&E, COHERENCE_MAX_GROUPS, true);
        assert_false(coherence_engine_pressure(&E, COHERENCE_MAX_GROUPS, &bp, &witness, &rec));
}

/* ---- shared regions ------------------------------------------------------------------------ */

static void shares_are_counted_while_they_last(void **state)
{
        const struct coherence_share a = {0x10, 1, 2, 3}, b = {0x20, 1, 2, 1};
        (void)state;

        graph_setup();
        memset(&S, 0, sizeof(S));
        coherence_node_add(&G, 1, COHERENCE_GUEST, 1);
        coherence_node_add(&G, 2, COHERENCE_GUEST, 2);
        coherence_shares_epoch(&G, &S, 4, &a); /* begins */
        assert_int_equal(S.now[4].id, 0x10);
        assert_int_equal(S.began[4].id, 0x10);
        assert_int_equal(S.began[4].pages, 3);
        assert_int_equal(S.ended[4].id, 0);
        coherence_epoch(&G);
        assert_int_equal(coherence_weight(&G, 1, 2), 3 * G.params.page_weight / 4);
        S.began[4].id = 0;                     /* said */
        coherence_shares_epoch(&G, &S, 4, &a); /* lasts: nothing to say */
        assert_int_equal(S.began[4].id, 0);
        assert_int_equal(S.ended[4].id, 0);
        coherence_shares_epoch(&G, &S, 4, &b); /* another offer in the same slot */
        assert_int_equal(S.ended[4].id, 0x10);
        assert_int_equal(S.began[4].id, 0x20);
        S.began[4].id = S.ended[4].id = 0;
        coherence_shares_epoch(&G, &S, 4, NULL); /* ends */
        assert_int_equal(S.ended[4].id, 0x20);
        assert_int_equal(S.began[4].id, 0);
        assert_int_equal(S.now[4].id, 0);
        /* An end that is no node is not counted, so it never begins. */
        const struct coherence_share c = {0x30, 1, 77, 5};
        memset(&S, 0, sizeof(S));
        coherence_shares_epoch(&G, &S, 0, &c);
        assert_int_equal(S.now[0].id, 0);
        assert_int_equal(S.began[0].id, 0);
        /* Slots past the table: ignored. */
        coherence_shares_epoch(&G, &S, COHERENCE_MAX_SHARES, &a);
}

/* ---- placement acted on -------------------------------------------------------------------- */

static void need_is_time_run_and_waited_unless_elastic(void **state)
{
        (void)state;
        coherence_placer_init(&P);
        assert_int_equal(P.mode, COHERENCE_PLACE_ENGINE);
        assert_int_equal(P.home[0], -1);
        assert_int_equal(P.home[COHERENCE_MAX_GROUPS - 1], -1);
        coherence_placer_need(&P, 1, 300, 200, 1000, 0);
        assert_int_equal(P.need[1], 5000);
        assert_false(coherence_placer_elastic(&P, 1));
        /* 63 yields this epoch: not elastic; 64 more: its run time is left out. */
        coherence_placer_need(&P, 1, 300, 200, 1000, 63);
        assert_int_equal(P.need[1], 5000);
        assert_int_equal(P.yields[1], 63);
        coherence_placer_need(&P, 1, 300, 200, 1000, 127);
        assert_int_equal(P.yields[1], 64);
        assert_true(coherence_placer_elastic(&P, 1));
        assert_int_equal(P.need[1], 2000);
        /* No epoch length: 0; more than 6.5 CPUs' worth: saturated. */
        coherence_placer_need(&P, 2, 5, 5, 0, 0);
        assert_int_equal(P.need[2], 0);
        coherence_placer_need(&P, 2, 7000, 0, 1000, 0);
        assert_int_equal(P.need[2], 0xFFFF);
        /* A yield count that went down (wrapped) saturates the epoch's count. */
        coherence_placer_need(&P, 3, 0, 0, 1, 100);
        coherence_placer_need(&P, 3, 0, 0, 1, 10);
        assert_int_equal(P.yields[3], UINT32_MAX);
        /* Out of range: ignored. */
        coherence_placer_need(&P, COHERENCE_MAX_GROUPS, 1, 1, 1, 1000);
        assert_false(coherence_placer_elastic(&P, COHERENCE_MAX_GROUPS));
        /* Random figures against the formula. */
        rng_state = 3;
        for (int k = 0; k < 10000; k++) {
                const uint32_t id = 1 + rnd(COHERENCE_MAX_GROUPS - 1);
                const uint64_t len = rnd(3) == 0 ? 0 : 1 + rnd(2000000000u);
                const uint64_t run = rnd(2000000000u), wait = rnd(2000000000u);
                const uint64_t seen = P.yields_seen[id], yields = seen + rnd(130);
                coherence_placer_need(&P, id, run, wait, len, yields);
                const uint64_t counted = yields - seen >= 64 ? wait : run + wait;
                const uint64_t bp = len != 0 ? counted * 10000 / len : 0;
                assert_int_equal(P.need[id], bp > 0xFFFF ? 0xFFFF : bp);
                assert_int_equal(P.yields[id], yields - seen);
        }
}

static void placement_is_acted_on_in_engine_mode_within_budget(void **state)
{
        (void)state;
        graph_setup();
        for (uint32_t id = 1; id <= 4; id++) {
                coherence_node_ensure(&G, id, COHERENCE_GUEST, id);
        }
        for (int e = 0; e < 30; e++) {
                steady(1, 2, 100);
                steady(3, 4, 100);
                coherence_epoch(&G);
        }
        coherence_placer_init(&P);
        assert_false(coherence_placer_propose(&P, &G, 1, false)); /* one CPU */
        assert_false(coherence_placer_propose(&P, &G, 2, true));  /* over budget */
        P.mode = COHERENCE_PLACE_NAIVE;
        assert_false(coherence_placer_propose(&P, &G, 2, false));
        P.mode = COHERENCE_PLACE_ENGINE;
        assert_true(coherence_placer_propose(&P, &G, 2, false));
        assert_int_equal(P.placement.group_count, 4);
        /* Round-robin now: 1, 3 on CPU 0; 2, 4 on CPU 1. The first decision may act at once
         * (epochs since: all of them). */
        for (uint32_t i = 0; i < 4; i++) {
                P.now[i] = (int16_t)(i % 2);
        }
        assert_true(coherence_placer_decide(&P, &G));
        assert_true(P.decided);
        assert_int_equal(P.last.epochs_since, G.epochs);
        uint32_t moving = 0;
        for (uint32_t i = 0; i < 4; i++) {
                moving += coherence_placer_moving(&P, i);
                P.home[P.placement.group[i]] = (int16_t)P.placement.cpu[i];
        }
        assert_int_equal(moving, 4); /* no home yet: every group gets one */
        assert_int_equal(coherence_place_cpu(&P.placement, 1),
                         coherence_place_cpu(&P.placement, 2));
        coherence_placer_acted(&P, &G);
        assert_int_equal(P.epoch, G.epochs);
        for (uint32_t i = 0; i < 4; i++) {
                assert_false(coherence_placer_moving(&P, i)); /* at home */
                P.now[i] = (int16_t)P.placement.cpu[i];
        }
        assert_false(coherence_placer_moving(&P, 4)); /* past the placement */
        /* Next epoch: in place, and too soon anyway. */
        coherence_epoch(&G);
        assert_true(coherence_placer_propose(&P, &G, 2, false));
        for (uint32_t i = 0; i < 4; i++) {
                P.now[i] = (int16_t)P.placement.cpu[i];
        }
        assert_false(coherence_placer_decide(&P, &G));
        assert_int_equal(P.last.epochs_since, 1);
        assert_int_not_equal(P.last.reason, COHERENCE_R_PROPOSED);
        /* A new mode lets the engine act at its next epoch. */
        coherence_placer_set_mode(&P, COHERENCE_PLACE_ENGINE);
        assert_int_equal(P.epoch, 0);
}

static void a_mode_gives_its_homes(void **state)
{
        int cpu = 99;
        (void)state;

        coherence_placer_init(&P);
        assert_string_equal(coherence_place_mode_name(COHERENCE_PLACE_ENGINE), "engine");
        assert_string_equal(coherence_place_mode_name(COHERENCE_PLACE_NAIVE), "naive");
        assert_string_equal(coherence_place_mode_name(COHERENCE_PLACE_OFF), "off");
        assert_string_equal(coherence_place_mode_name(COHERENCE_PLACE_MODES), "?");
        assert_int_equal(coherence_place_mode_parse("engine"), 0);
        assert_int_equal(coherence_place_mode_parse("naive"), 1);
        assert_int_equal(coherence_place_mode_parse("off"), 2);
        assert_int_equal(coherence_place_mode_parse("Off"), -1);
        assert_int_equal(coherence_place_mode_parse(""), -1);
        /* Engine: it keeps the homes it finds. */
        P.home[2] = 1;
        assert_false(coherence_placer_mode_home(&P, 2, 4, &cpu));
        assert_false(coherence_placer_mode_home(&P, 3, 4, &cpu));
        /* Naive: (id - 1) mod CPUs, given again even where it is the home already. */
        coherence_placer_set_mode(&P, COHERENCE_PLACE_NAIVE);
        for (uint32_t id = 1; id <= 8; id++) {
                assert_true(coherence_placer_mode_home(&P, id, 3, &cpu));
                assert_int_equal(cpu, (int)((id - 1) % 3));
        }
        P.home[2] = 1;
        assert_true(coherence_placer_mode_home(&P, 2, 2, &cpu));
        assert_int_equal(cpu, 1);
        /* Off: the homes taken away, where there are any. */
        coherence_placer_set_mode(&P, COHERENCE_PLACE_OFF);
        assert_true(coherence_placer_mode_home(&P, 2, 2, &cpu));
        assert_int_equal(cpu, -1);
        assert_false(coherence_placer_mode_home(&P, 3, 2, &cpu));
        /* Not a group, or no CPU: nothing. */
        assert_false(coherence_placer_mode_home(&P, 0, 2, &cpu));
        assert_false(coherence_placer_mode_home(&P, COHERENCE_MAX_GROUPS, 2, &cpu));
        coherence_placer_set_mode(&P, COHERENCE_PLACE_NAIVE);
        assert_false(coherence_placer_mode_home(&P, 1, 0, &cpu));
}

static void placement_records_pack_their_values(void **state)
{
        struct coherence_record rec;
        (void)state;

        coherence_placer_init(&P);
        P.last = (struct coherence_place_verdict){.current_need_bp = 12000,
                                                  .proposed_need_bp = 9000,
                                                  .cap_bp = 11500,
                                                  .for_need = true,
                                                  .moves = 3,
                                                  .gain_bp = 2500,
                                                  .threshold_bp = 1000,
                                                  .epochs_since = 5,
                                                  .current_remote = 700,
                                                  .proposed_remote = 20};
        coherence_record_placement(&P, &rec);
        assert_int_equal(rec.target, 0);
        assert_int_equal(rec.cap, (uint64_t)12000 << 32 | 9000);
        assert_int_equal(rec.payload, 11500 | 1ull << 16 | 3ull << 24 | 2500ull << 32 | 0ull << 48 |
                                          5ull << 56 | 1ull << 63);
        coherence_record_home(&P, 2, 1, 0, &P.last, &rec);
        assert_int_equal(rec.target, 2);
        assert_int_equal(rec.cap, 700ull << 32 | 20);
        assert_int_equal(rec.payload,
                         1 | 0ull << 8 | 2500ull << 16 | 1000ull << 32 | 5ull << 56 | 1ull << 63);
        /* Saturated: moves at 255, epochs at 127, weights at 32 bits; bp fields at 16 bits. */
        P.mode = COHERENCE_PLACE_OFF;
        P.last.moves = 1000;
        P.last.epochs_since = UINT64_MAX;
        P.last.current_remote = UINT64_MAX;
        P.last.proposed_remote = 1ull << 32;
        P.last.gain_bp = 0x12345;
        P.last.cap_bp = 0x1FFFF;
        P.last.threshold_bp = 0x10001;
        coherence_record_placement(&P, &rec);
        assert_int_equal(rec.payload, 0xFFFFull | 1ull << 16 | 255ull << 24 | 0x2345ull << 32 |
                                          2ull << 48 | 127ull << 56 | 1ull << 63);
        /* A home taken away (-1) and an old CPU unknown (-1): 0xFF each. */
        coherence_record_home(&P, 7, -1, -1, &P.last, &rec);
        assert_int_equal(rec.cap, 0xFFFFFFFFull << 32 | 0xFFFFFFFFull);
        assert_int_equal(rec.payload, 0xFFull | 0xFFull << 8 | 0x2345ull << 16 | 1ull << 32 |
                                          2ull << 48 | 127ull << 56 | 1ull << 63);
        /* A mode's homes follow no verdict: all its values 0. */
        const struct coherence_place_verdict none = {.reason = COHERENCE_R_PROPOSED};
        coherence_record_home(&P, 1, 0, 1, &none, &rec);
        assert_int_equal(rec.cap, 0);
        assert_int_equal(rec.payload, 1ull << 8 | 2ull << 48 | 1ull << 63);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(principals_become_nodes_of_their_group),
            cmocka_unit_test(an_unlimited_round_gives_each_group_its_exact_pressure),
            cmocka_unit_test(a_small_budget_resumes_and_ends_exact),
            cmocka_unit_test(a_round_resumes_where_it_stopped),
            cmocka_unit_test(degraded_mode_follows_the_budget),
            cmocka_unit_test(pressure_changes_over_the_threshold_are_witnessed),
            cmocka_unit_test(shares_are_counted_while_they_last),
            cmocka_unit_test(need_is_time_run_and_waited_unless_elastic),
            cmocka_unit_test(placement_is_acted_on_in_engine_mode_within_budget),
            cmocka_unit_test(a_mode_gives_its_homes),
            cmocka_unit_test(placement_records_pack_their_values),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
