/*
 * tests/unit/reshape_test.c: live split and merge of WASM partitions (partition/reshape.c)
 * over real partitions and CommEdges (partition/partition.c, partition/edge.c on the fake
 * arch layer) and a fake struct reshape_env: a table of agents the fake moves between
 * partitions (a move can be made to fail), and the engine's verdicts set by each test. Every
 * move, lock and state change is recorded: a failure midway must put everything back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cap/cap.h"
#include "partition/edge.h"
#include "partition/reshape.h"
#include "tests/fake/arch_fake.h"
#include "tests/fake/wit_log.h"
#include "witness/witness.h"

/* ---- the witness log: the partitions' own records (tests/fake/wit_log.c) ---- */

/* Records of kind k about partition `target` to state `state` (WK_PART_STATE's payload). */
static unsigned state_records(uint32_t target, enum part_state state)
{
        unsigned n = 0;

        for (size_t i = 0; i < wit_n && i < WIT_MAX; i++) {
                n += wit[i].kind == WK_PART_STATE && wit[i].target == target &&
                     (wit[i].flags & WITNESS_F_DENIED) == 0 && (wit[i].payload & 0xff) == state;
        }
        return n;
}

/* ---- the fake kernel ---- */

#define AGENTS 40 /* more than RESHAPE_MAX_AGENTS in each of two partitions, for the limits */

static struct {
        struct reshape_agent agent[AGENTS + 1]; /* 1..agents */
        uint32_t agents;
        bool locked;
        unsigned locks, changed;
        /* moves, in order: agent, to, and whether it moved */
        struct {
                uint32_t id, to;
                bool ok;
        } move[64];
        unsigned moves;
        uint32_t fail_id; /* moving this agent fails (0: none) ... */
        uint32_t fail_why;
        uint64_t free_pages;
        /* the engine */
        uint32_t split_reason;
        uint32_t split_ids[AGENTS];
        uint32_t split_n;
        unsigned split_asked;
        uint32_t merge_reason; /* its own verdict; the preconditions are checked as it would */
        bool merge_adjacent, merge_resources;
        unsigned merge_asked;
} k;

static void f_lock(void *ctx)
{
        assert_ptr_equal(ctx, &k);
        assert_false(k.locked);
        k.locked = true;
        k.locks++;
}

static void f_unlock(void *ctx)
{
        (void)ctx;
        assert_true(k.locked);
        k.locked = false;
}

static bool f_agent(void *ctx, uint32_t id, struct reshape_agent *out)
{
        (void)ctx;
        assert_true(k.locked);
        if (id == 0 || id > k.agents) {
                return false;
        }
        *out = k.agent[id];
        return true;
}

static bool f_move(void *ctx, uint32_t id, uint32_t to, uint32_t *why)
{
        (void)ctx;
        assert_false(k.locked); /* a move takes the lock itself */
        assert_true(id >= 1 && id <= k.agents);
        const bool ok = id != k.fail_id && k.agent[id].movable && reshape_wasm_running(to);
        k.move[k.moves].id = id;
        k.move[k.moves].to = to;
        k.move[k.moves].ok = ok;
        k.moves++;
        if (ok) {
                k.agent[id].partition = to;
        } else if (why != NULL) {
                *why = k.fail_why;
        }
        return ok;
}

static void f_changed(void *ctx, struct partition *p)
{
        (void)ctx;
        (void)p;
        assert_true(k.locked);
        k.changed++;
}

static uint64_t f_free_pages(void *ctx)
{
        (void)ctx;
        return k.free_pages;
}

static uint32_t f_split_verdict(void *ctx, uint32_t part, uint32_t *ids, uint32_t *n)
{
        (void)ctx;
        (void)part;
        assert_false(k.locked);
        k.split_asked++;
        *n = k.split_n;
        memcpy(
            ids, k.split_ids,
            sizeof(uint32_t) * (k.split_n < RESHAPE_MAX_AGENTS ? k.split_n : RESHAPE_MAX_AGENTS));
        return k.split_reason;
}

static uint32_t f_merge_verdict(void *ctx, uint32_t a, uint32_t b, bool adjacent, bool resources_ok)
{
        (void)ctx;
        (void)a;
        (void)b;
        k.merge_asked++;
        k.merge_adjacent = adjacent;
        k.merge_resources = resources_ok;
        if (k.merge_reason != RESHAPE_GO) {
                return k.merge_reason;
        }
        return !adjacent ? 12 : !resources_ok ? 13 : RESHAPE_GO; /* the engine's numbers */
}

static const struct reshape_env env = {
    .ctx = &k,
    .lock = f_lock,
    .unlock = f_unlock,
    .agent = f_agent,
    .move = f_move,
    .changed = f_changed,
    .free_pages = f_free_pages,
    .split_verdict = f_split_verdict,
    .merge_verdict = f_merge_verdict,
};

/* ---- the machine ---- */

static const struct part_config wasm_config = {.name = "agents", .kind = PART_KIND_WASM};
static const uint8_t image[16] = {0x1f, 0x20, 0x03, 0xd5}; /* nop */
static const size_t image_size = sizeof(image);
static const struct part_config guest_config = {
    .name = "guest", .image = image, .image_size = &image_size, .mem_size = 0x10000};

static struct partition *make(const struct part_config *cfg)
{
        struct partition *p;

        assert_int_equal(part_create(cfg, &p), PART_OK);
        p->vcpus[0].state = VCPU_RUNNABLE;
        assert_int_equal(part_set_state(p, PART_RUNNING, 0), PART_OK);
        return p;
}

/* Principal of agent n (partition/reshape.c reads CommEdge ends so). */
static uint32_t principal(uint32_t agent)
{
        return PART_MAX + agent;
}

/* An agent in partition `part`; the first few get a capability table (a CommEdge end). */
static void add_agent(uint32_t part)
{
        k.agents++;
        if (principal(k.agents) < CAP_MAX_TABLES) {
                assert_int_equal(cap_table_create(principal(k.agents)), CAP_OK);
        }
        k.agent[k.agents] = (struct reshape_agent){
            .partition = part, .live = true, .movable = true, .arena_bytes = 64 << 10};
}

/* A guest (1), WASM partitions 2 and 3; agents 1, 2, 3 in partition 2, agent 4 in 3. */
static int setup(void **state)
{
        static const struct part_env penv = {.alloc_page = fake_page, .alloc_ram = fake_pages};

        (void)state;
        memset(&k, 0, sizeof(k));
        wit_n = 0;
        fake_arch_reset();
        cap_init();
        part_init(&penv);
        edge_init();
        reshape_init();
        (void)make(&guest_config);
        (void)make(&wasm_config);
        (void)make(&wasm_config);
        add_agent(2);
        add_agent(2);
        add_agent(2);
        add_agent(3);
        k.free_pages = 1000;
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        assert_false(k.locked);
        fake_arch_reset();
        return 0;
}

static void split_proposes(uint32_t n, const uint32_t *ids)
{
        k.split_reason = RESHAPE_GO;
        k.split_n = n;
        memcpy(k.split_ids, ids, n * sizeof(uint32_t));
}

/* ---- split ---- */

static void split_moves_the_side_into_a_new_partition(void **state)
{
        struct reshape_result r;

        (void)state;
        split_proposes(2, (const uint32_t[]){2, 3});
        reshape_split(&env, 2, &r);
        assert_int_equal(r.reason, RESHAPE_GO);
        assert_int_equal(r.part, 4);
        assert_int_equal(r.moved, 2);
        assert_int_equal(part_count(), 4);
        const struct partition *q = part_get(4);
        assert_string_equal(q->name, "split-4");
        assert_int_equal(q->cfg->kind, PART_KIND_WASM);
        assert_int_equal(q->state, PART_RUNNING);
        assert_int_equal(q->vcpus[0].state, VCPU_RUNNABLE);
        assert_int_equal(k.changed, 1);
        assert_int_equal(k.moves, 2);
        assert_int_equal(k.agent[1].partition, 2);
        assert_int_equal(k.agent[2].partition, 4);
        assert_int_equal(k.agent[3].partition, 4);
        assert_int_equal(state_records(4, PART_RUNNING), 1);
}

static void split_move_failing_midway_is_undone(void **state)
{
        struct reshape_result r;

        (void)state;
        split_proposes(3, (const uint32_t[]){1, 2, 3});
        k.fail_id = 3;
        k.fail_why = 5;
        reshape_split(&env, 2, &r);
        assert_int_equal(r.reason, RESHAPE_R_MOVE_FAILED);
        assert_int_equal(r.why, 5);
        assert_int_equal(r.part, 0);
        assert_int_equal(r.moved, 0);
        /* 1 and 2 moved, 3 did not; then 2 and 1 back, in that order */
        assert_int_equal(k.moves, 5);
        assert_int_equal(k.move[2].id, 3);
        assert_false(k.move[2].ok);
        assert_int_equal(k.move[3].id, 2);
        assert_int_equal(k.move[3].to, 2);
        assert_int_equal(k.move[4].id, 1);
        assert_int_equal(k.move[4].to, 2);
        for (uint32_t id = 1; id <= 3; id++) {
                assert_int_equal(k.agent[id].partition, 2);
        }
        /* the partition it took is retired again */
        assert_int_equal(part_get(4)->state, PART_STOPPED);
        assert_int_equal(state_records(4, PART_STOPPED), 1);
        assert_int_equal(k.changed, 2);
}

static void split_takes_back_a_retired_partition(void **state)
{
        struct reshape_result r;

        (void)state;
        split_proposes(1, (const uint32_t[]){3});
        k.fail_id = 3;
        reshape_split(&env, 2, &r); /* makes 4, undone: 4 stopped and empty */
        assert_int_equal(r.reason, RESHAPE_R_MOVE_FAILED);
        k.fail_id = 0;
        reshape_split(&env, 2, &r);
        assert_int_equal(r.reason, RESHAPE_GO);
        assert_int_equal(r.part, 4); /* taken back, none created */
        assert_int_equal(part_count(), 4);
        assert_int_equal(part_get(4)->state, PART_RUNNING);
        assert_int_equal(k.agent[3].partition, 4);
}

static void split_creates_when_none_can_be_taken_back(void **state)
{
        struct reshape_result r;

        (void)state;
        /* 4: made by a split, then emptied and retired by hand but for agent 2, still
         * live there; 3: retired and empty, but not one a split made. */
        split_proposes(1, (const uint32_t[]){2});
        reshape_split(&env, 2, &r);
        assert_int_equal(r.part, 4);
        assert_int_equal(part_set_state(part_get(4), PART_STOPPED, 0), PART_OK);
        k.agent[4].partition = 2;
        assert_int_equal(part_set_state(part_get(3), PART_STOPPED, 0), PART_OK);
        split_proposes(1, (const uint32_t[]){1});
        reshape_split(&env, 2, &r);
        assert_int_equal(r.reason, RESHAPE_GO);
        assert_int_equal(r.part, 5);
        assert_string_equal(part_get(5)->name, "split-5");
        /* a terminated agent does not keep it: 4 is taken back next time */
        k.agent[2].live = false;
        k.agent[2].movable = false;
        split_proposes(1, (const uint32_t[]){3});
        reshape_split(&env, 2, &r);
        assert_int_equal(r.part, 4);
}

static void split_refusals(void **state)
{
        struct reshape_result r;

        (void)state;
        /* not a running WASM partition: the engine is not asked */
        split_proposes(1, (const uint32_t[]){4});
        reshape_split(&env, 1, &r);
        assert_int_equal(r.reason, RESHAPE_R_NOT_WASM);
        reshape_split(&env, 7, &r);
        assert_int_equal(r.reason, RESHAPE_R_NOT_WASM);
        assert_int_equal(k.split_asked, 0);
        /* the engine's own reason, passed on */
        k.split_reason = 6;
        reshape_split(&env, 2, &r);
        assert_int_equal(r.reason, 6);
        /* an agent it names is not movable (hibernated), or not in that partition */
        split_proposes(2, (const uint32_t[]){1, 2});
        k.agent[2].movable = false;
        reshape_split(&env, 2, &r);
        assert_int_equal(r.reason, RESHAPE_R_NOT_MOVABLE);
        split_proposes(1, (const uint32_t[]){4});
        reshape_split(&env, 2, &r);
        assert_int_equal(r.reason, RESHAPE_R_NOT_MOVABLE);
        split_proposes(1, (const uint32_t[]){9});
        reshape_split(&env, 2, &r);
        assert_int_equal(r.reason, RESHAPE_R_NOT_MOVABLE);
        /* nothing was taken, nothing moved */
        assert_int_equal(part_count(), 3);
        assert_int_equal(k.moves, 0);
        assert_int_equal(r.part, 0);
        assert_int_equal(r.moved, 0);
        assert_string_equal(reshape_reason_name(RESHAPE_R_NOT_WASM),
                            "not-a-running-wasm-partition");
        assert_null(reshape_reason_name(6));
}

static void split_limits(void **state)
{
        struct reshape_result r;

        (void)state;
        /* every partition slot used: refused before anything moves */
        while (part_count() < PART_MAX) {
                (void)make(&guest_config);
        }
        split_proposes(1, (const uint32_t[]){1});
        reshape_split(&env, 2, &r);
        assert_int_equal(r.reason, RESHAPE_R_NO_SLOT);
        assert_int_equal(k.moves, 0);
        assert_int_equal(part_count(), PART_MAX);
        /* more agents named than a crew holds: the first RESHAPE_MAX_AGENTS move */
        setup(NULL);
        uint32_t ids[AGENTS], n = 0;
        while (k.agents < 21) {
                add_agent(2);
        }
        for (uint32_t id = 1; id <= k.agents; id++) {
                if (k.agent[id].partition == 2) {
                        ids[n++] = id;
                }
        }
        assert_int_equal(n, 20);
        split_proposes(n, ids);
        reshape_split(&env, 2, &r);
        assert_int_equal(r.reason, RESHAPE_GO);
        assert_int_equal(r.moved, RESHAPE_MAX_AGENTS);
        assert_int_equal(k.moves, RESHAPE_MAX_AGENTS);
        assert_int_equal(k.agent[ids[RESHAPE_MAX_AGENTS - 1]].partition, r.part);
        assert_int_equal(k.agent[ids[RESHAPE_MAX_AGENTS]].partition, 2);
}

/* ---- merge ---- */

static void merge_absorbs_the_smaller(void **state)
{
        struct reshape_result r;

        (void)state;
        assert_int_equal(edge_connect(principal(3), principal(4)), PART_OK);
        reshape_merge(&env, 2, 3, &r);
        assert_int_equal(r.reason, RESHAPE_GO);
        assert_true(k.merge_adjacent);
        assert_true(k.merge_resources);
        assert_int_equal(r.absorbed, 3);
        assert_int_equal(r.part, 2);
        assert_int_equal(r.moved, 1);
        assert_int_equal(k.agent[4].partition, 2);
        assert_int_equal(part_get(3)->state, PART_STOPPED);
        assert_int_equal(state_records(3, PART_STOPPED), 1);
        assert_int_equal(k.changed, 1);
        /* then 3 is not a running WASM partition */
        reshape_merge(&env, 2, 3, &r);
        assert_int_equal(r.reason, RESHAPE_R_NOT_WASM);
        assert_int_equal(r.absorbed, 3);
        assert_int_equal(r.part, 2);
        assert_int_equal(k.merge_asked, 1);
}

static void merge_plan_tie_and_preconditions(void **state)
{
        struct reshape_merge_plan plan;

        (void)state;
        /* equal crews: the higher id goes; no CommEdge between them */
        k.agent[3].live = false; /* terminated: not in a crew */
        add_agent(3);
        reshape_merge_plan(&env, 2, 3, &plan);
        assert_int_equal(plan.absorbed, 3);
        assert_int_equal(plan.survivor, 2);
        assert_int_equal(plan.moving.count, 2);
        assert_int_equal(plan.moving.id[0], 4);
        assert_int_equal(plan.moving.id[1], 5);
        assert_false(plan.adjacent);
        assert_true(plan.resources_ok);
        reshape_merge_plan(&env, 3, 2, &plan);
        assert_int_equal(plan.absorbed, 3);
        /* a guest end does not make them adjacent; agent ends in each do */
        assert_int_equal(edge_connect(1, principal(4)), PART_OK);
        reshape_merge_plan(&env, 2, 3, &plan);
        assert_false(plan.adjacent);
        assert_int_equal(edge_connect(principal(5), principal(1)), PART_OK);
        reshape_merge_plan(&env, 2, 3, &plan);
        assert_true(plan.adjacent);
        /* resources: an arena plus 512 KiB of snapshot buffer, in pages, plus one */
        k.agent[5].arena_bytes = 1 << 20;
        k.free_pages = (1536 << 10) / 4096 + 1;
        reshape_merge_plan(&env, 2, 3, &plan);
        assert_true(plan.resources_ok);
        k.free_pages--;
        reshape_merge_plan(&env, 2, 3, &plan);
        assert_false(plan.resources_ok);
        k.free_pages = 1000;
        k.agent[4].movable = false;
        reshape_merge_plan(&env, 2, 3, &plan);
        assert_false(plan.resources_ok);
}

static void merge_move_failing_midway_is_undone(void **state)
{
        struct reshape_result r;

        (void)state;
        /* 3 gets two more agents: it has 3, partition 2 has 3: 3 (higher id) is absorbed */
        add_agent(3);
        add_agent(3);
        assert_int_equal(edge_connect(principal(1), principal(4)), PART_OK);
        k.fail_id = 6;
        k.fail_why = 7;
        reshape_merge(&env, 2, 3, &r);
        assert_int_equal(r.reason, RESHAPE_R_MOVE_FAILED);
        assert_int_equal(r.why, 7);
        assert_int_equal(r.moved, 0);
        assert_int_equal(r.absorbed, 3);
        assert_int_equal(k.moves, 5); /* 4, 5 moved; 6 not; 5, 4 back */
        assert_int_equal(k.move[3].id, 5);
        assert_int_equal(k.move[4].id, 4);
        for (uint32_t id = 4; id <= 6; id++) {
                assert_int_equal(k.agent[id].partition, 3);
        }
        assert_int_equal(part_get(3)->state, PART_RUNNING); /* not retired */
        assert_int_equal(state_records(3, PART_STOPPED), 0);
        assert_int_equal(k.changed, 0);
}

static void merge_refusals(void **state)
{
        struct reshape_merge_plan plan;
        struct reshape_result r;

        (void)state;
        /* the engine refuses: nothing moves; a guest is not merged */
        reshape_merge(&env, 2, 3, &r);
        assert_int_equal(r.reason, 12); /* not adjacent */
        assert_int_equal(r.moved, 0);
        assert_int_equal(k.moves, 0);
        reshape_merge(&env, 1, 2, &r);
        assert_int_equal(r.reason, RESHAPE_R_NOT_WASM);
        assert_int_equal(r.absorbed, 2);
        assert_int_equal(r.part, 1);
        assert_int_equal(k.merge_asked, 1);
        /* more agents than a crew holds in each (19 and 17): both crews count
         * RESHAPE_MAX_AGENTS, the higher id goes, and with agents it cannot name, none can
         * move: no resources */
        assert_int_equal(edge_connect(principal(1), principal(4)), PART_OK);
        while (k.agents < 20) {
                add_agent(2);
        }
        while (k.agents < 36) {
                add_agent(3);
        }
        reshape_merge_plan(&env, 2, 3, &plan);
        assert_int_equal(plan.absorbed, 3);
        assert_int_equal(plan.moving.count, RESHAPE_MAX_AGENTS);
        assert_false(plan.moving.movable);
        assert_true(plan.adjacent);
        assert_false(plan.resources_ok);
        reshape_merge(&env, 2, 3, &r);
        assert_int_equal(r.reason, 13); /* no resources */
        assert_int_equal(k.moves, 0);
        assert_int_equal(part_get(3)->state, PART_RUNNING);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(split_moves_the_side_into_a_new_partition, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(split_move_failing_midway_is_undone, setup, teardown),
            cmocka_unit_test_setup_teardown(split_takes_back_a_retired_partition, setup, teardown),
            cmocka_unit_test_setup_teardown(split_creates_when_none_can_be_taken_back, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(split_refusals, setup, teardown),
            cmocka_unit_test_setup_teardown(split_limits, setup, teardown),
            cmocka_unit_test_setup_teardown(merge_absorbs_the_smaller, setup, teardown),
            cmocka_unit_test_setup_teardown(merge_plan_tie_and_preconditions, setup, teardown),
            cmocka_unit_test_setup_teardown(merge_move_failing_midway_is_undone, setup, teardown),
            cmocka_unit_test_setup_teardown(merge_refusals, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
