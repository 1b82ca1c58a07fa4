/*
 * kernel/reshape.c: WASM partitions split and merge while they run (see reshape.h): the
 * kernel's side. The coherence engine (coherence/decide.c) proposes; partition/reshape.c
 * checks and acts. A split takes a WASM partition (or takes back one an earlier merge retired)
 * and moves into it the side of the group's exact minimum cut that is pulled harder from
 * outside. A merge moves every agent of one WASM partition into the other (the one with fewer
 * agents is absorbed, the higher id on a tie) and retires the empty one (stopped). Each agent
 * moves with wasm/agent_ops.c's agent_move: its instance rebuilt in the destination before
 * anything changes hands, its capabilities and CommEdge ends unchanged, at most 100 ms (DC-7).
 * If one of them cannot move, those already moved go back and the new partition is retired:
 * the whole split or merge is undone, and witnessed as refused.
 *
 * This file lends partition/reshape.c the agents, the engine, run_lock and the run loop
 * (struct reshape_env), witnesses and tells what it did, decides when the engine's proposals
 * are acted on, and has the monitor's commands.
 *
 * Witness: WK_PART_SPLIT (target = the partition split, cap = its cut value, payload = new
 * partition | agents moved << 16 | reason << 32 | pressure bp << 48) and WK_PART_MERGE
 * (target = the partition absorbed, cap = the mutual weight, payload = survivor | agents
 * moved << 16 | reason << 32 | merged score bp << 48), flagged denied when refused (reason:
 * enum coherence_reason, or a RESHAPE_R_* of partition/reshape.h); each agent's move is its
 * own WK_WASM_MOVE.
 *
 * When: the engine's decisions are evaluated once per epoch, on CPU 0 between two vCPUs (never
 * in the tick: an agent the tick interrupted on CPU 0 could not leave its CPU). A proposal is
 * acted on when it has held for RESHAPE_HOLD epochs; after an action the engine lets the
 * weights settle for RESHAPE_SETTLE epochs (one, if the action failed and was undone).
 * `split <p>` and `merge <a> <b>` go through the same checks at once; `coherence auto off`
 * leaves only them.
 */
#if defined(RVM_HAVE_COHERENCE) && defined(RVM_HAVE_WASM)
#include "kernel/reshape.h"

#include <string.h>

#include "boot/boot.h"
#include "coherence/coherence.h"
#include "kernel/agents.h"
#include "kernel/cohere.h"
#include "kernel/console.h"
#include "kernel/fmt.h"
#include "kernel/monitor.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "memory/memory.h"
#include "partition/reshape.h"
#include "witness/witness.h"

#define RESHAPE_HOLD   2 /* epochs a proposal must hold before the engine acts on it */
#define RESHAPE_SETTLE 3 /* epochs after an action before the next */
#define RESHAPE_LOG    8 /* decisions the monitor shows */

/* partition/reshape.h names agents and reasons with wasm/'s and coherence/'s numbers. */
_Static_assert(RESHAPE_MAX_AGENTS == AGENT_MAX, "a crew holds every agent");
_Static_assert((int)RESHAPE_GO == (int)COHERENCE_R_PROPOSED, "the engine's proposal is the go");
_Static_assert((int)COHERENCE_R_OVERLOAD < (int)RESHAPE_R_NOT_WASM, "the kernel's reasons follow");

static bool automatic = true;
static uint32_t settle;
static uint8_t held_split[PART_MAX + 1];
static uint8_t held_merge[PART_MAX + 1][PART_MAX + 1];
static uint32_t last_refusal; /* the last automatic refusal, so it is told once */

static struct {
        uint64_t epoch;
        char text[176];
} decisions[RESHAPE_LOG];
static uint32_t decisions_made;

/* The engine's last verdicts, for the record and the console. */
static struct coherence_split split_seen;
static struct coherence_merge merge_seen;

static const char *reason_name(uint32_t r)
{
        const char *name = reshape_reason_name(r);

        return name != NULL ? name : coherence_reason_name((enum coherence_reason)r);
}

/* One decision for the console and the monitor's list. */
static void tell(const char *text)
{
        struct coherence_graph *g = cohere_graph();
        uint32_t slot = decisions_made++ % RESHAPE_LOG;

        decisions[slot].epoch = g != NULL ? g->epochs : 0;
        fmt_format(decisions[slot].text, sizeof(decisions[slot].text), "%s", text);
        con_printf("coherence: %s\n", text);
}

static void witness_reshape(uint16_t kind, bool denied, uint32_t target, uint64_t cap,
                            uint32_t other, uint32_t moved, uint32_t reason, uint32_t bp)
{
        witness_emit(&(struct witness_event){.kind = kind,
                                             .flags = denied ? WITNESS_F_DENIED : 0,
                                             .target = target,
                                             .cap = cap,
                                             .payload = (uint64_t)other | (uint64_t)moved << 16 |
                                                        (uint64_t)reason << 32 |
                                                        (uint64_t)bp << 48});
}

/* Terminated agents leave the graph: nothing moves them, and a node without traffic in a
 * group would be a free cut (value 0) of every split. */
static void prune(void)
{
        struct coherence_graph *g = cohere_graph();
        struct agent_info in;

        run_lock_take();
        for (uint32_t i = 0; i < COHERENCE_MAX_NODES; i++) {
                const uint32_t id = g->node[i].id;
                if (g->node[i].used && g->node[i].kind == COHERENCE_AGENT &&
                    (!agent_info(id - AGENT_PRINCIPAL_BASE, &in) || in.state == AGENT_TERMINATED)) {
                        (void)coherence_node_remove(g, id);
                }
        }
        run_lock_give();
}

/* The engine's split verdict on partition `part`, from an exact cut of its group now. */
static void split_verdict(uint32_t part, struct coherence_split *s)
{
        struct coherence_graph *g = cohere_graph();
        struct coherence_mincut *mc = cohere_work();
        struct coherence_group_stats st;
        uint64_t used = 0;

        coherence_group_stats(g, part, &st);
        if (st.nodes > 0 && coherence_mincut_load(mc, g, &st.members) == COHERENCE_OK) {
                (void)coherence_mincut_run(mc, UINT64_MAX, &used); /* a few nodes: whole */
        }
        coherence_split_propose(g, part, mc, s);
}

/* ---- struct reshape_env: what partition/reshape.c reaches through the kernel ---- */

static void env_lock(void *ctx)
{
        (void)ctx;
        run_lock_take();
}

static void env_unlock(void *ctx)
{
        (void)ctx;
        run_lock_give();
}

static bool env_agent(void *ctx, uint32_t id, struct reshape_agent *out)
{
        struct agent_info in;

        (void)ctx;
        if (!agent_info(id, &in)) {
                return false;
        }
        out->partition = in.partition;
        out->live = in.state != AGENT_TERMINATED;
        out->movable = in.state == AGENT_RUNNING || in.state == AGENT_SUSPENDED;
        out->arena_bytes = in.arena_bytes;
        return true;
}

static bool env_move(void *ctx, uint32_t id, uint32_t to, uint32_t *why)
{
        enum agent_move_result r;
        const bool moved = agents_move(id, to, 0, &r) == AGENT_OK;

        (void)ctx;
        if (why != NULL) {
                *why = (uint32_t)r;
        }
        return moved;
}

static void env_changed(void *ctx, struct partition *p)
{
        (void)ctx;
        run_partition_changed(p);
}

static uint64_t env_free_pages(void *ctx)
{
        (void)ctx;
        return mem_pool_free_pages(&boot_state.mem);
}

/* The graph's moving side, as agent ids (graph nodes of agents are their principals). */
static uint32_t env_split_verdict(void *ctx, uint32_t part, uint32_t *ids, uint32_t *n)
{
        struct coherence_graph *g = cohere_graph();

        (void)ctx;
        prune();
        split_verdict(part, &split_seen);
        *n = 0;
        for (uint32_t i = 0; split_seen.reason == COHERENCE_R_PROPOSED && i < COHERENCE_MAX_NODES;
             i++) {
                if (coherence_set_has(&split_seen.moving, i) && *n < RESHAPE_MAX_AGENTS) {
                        ids[(*n)++] = g->node[i].id - AGENT_PRINCIPAL_BASE;
                }
        }
        return split_seen.reason;
}

static uint32_t env_merge_verdict(void *ctx, uint32_t a, uint32_t b, bool adjacent,
                                  bool resources_ok)
{
        const struct coherence_merge_pre pre = {.adjacent = adjacent, .resources_ok = resources_ok};

        (void)ctx;
        coherence_merge_propose(cohere_graph(), a, b, &pre, &merge_seen);
        return merge_seen.reason;
}

static const struct reshape_env env = {
    .lock = env_lock,
    .unlock = env_unlock,
    .agent = env_agent,
    .move = env_move,
    .changed = env_changed,
    .free_pages = env_free_pages,
    .split_verdict = env_split_verdict,
    .merge_verdict = env_merge_verdict,
};

/* ---- split and merge: partition/reshape.c acts, the kernel witnesses and tells ---- */

/* Split `part` if the engine says so; true if it was split. `by_hand`: the operator asked
 * (a refusal is always told and witnessed). */
static bool split(uint32_t part, bool by_hand)
{
        const struct coherence_split *s = &split_seen;
        struct reshape_result r;
        char text[176];

        memset(&split_seen, 0, sizeof(split_seen));
        reshape_split(&env, part, &r);
        const bool done = r.reason == RESHAPE_GO;
        if (!done && !by_hand && last_refusal == (part | r.reason << 8)) {
                return false; /* told already */
        }
        last_refusal = done ? 0 : part | r.reason << 8;
        witness_reshape(WK_PART_SPLIT, !done, part, s->cut, r.part, r.moved, r.reason,
                        s->pressure_bp);
        if (done) {
                fmt_format(text, sizeof(text),
                           "split partition %u: %u agent%s -> new partition %u (%s); cut %llu, "
                           "moving side's external %llu >= %llu, pressure %u >= %u bp",
                           part, r.moved, r.moved == 1 ? "" : "s", r.part, part_get(r.part)->name,
                           (unsigned long long)s->cut, (unsigned long long)s->moving_external,
                           (unsigned long long)s->min_external, s->pressure_bp, s->threshold_bp);
        } else {
                fmt_format(text, sizeof(text),
                           "split partition %u refused: %s%s%s (cut %llu, external %llu, "
                           "pressure %u / %u bp)",
                           part, reason_name(r.reason),
                           r.reason == RESHAPE_R_MOVE_FAILED ? ", an agent: " : "",
                           r.reason == RESHAPE_R_MOVE_FAILED
                               ? agent_move_result_name((enum agent_move_result)r.why)
                               : "",
                           (unsigned long long)s->cut, (unsigned long long)s->moving_external,
                           s->pressure_bp, s->threshold_bp);
        }
        tell(text);
        return done;
}

static bool merge(uint32_t a, uint32_t b, bool by_hand)
{
        const struct coherence_merge *m = &merge_seen;
        struct reshape_result r;
        char text[176];

        memset(&merge_seen, 0, sizeof(merge_seen));
        reshape_merge(&env, a, b, &r);
        const bool done = r.reason == RESHAPE_GO;
        if (!done && !by_hand && last_refusal == (a | b << 4 | r.reason << 8 | 1u << 31)) {
                return false;
        }
        last_refusal = done ? 0 : a | b << 4 | r.reason << 8 | 1u << 31;
        witness_reshape(WK_PART_MERGE, !done, r.absorbed, m->mutual, r.part, r.moved, r.reason,
                        m->merged_score_bp);
        if (done) {
                fmt_format(text, sizeof(text),
                           "merge partition %u into %u: %u agent%s moved, %u retired; mutual "
                           "%llu = %u / %u bp of their external >= %u, merged score %u >= %u bp",
                           r.absorbed, r.part, r.moved, r.moved == 1 ? "" : "s", r.absorbed,
                           (unsigned long long)m->mutual, m->share_a_bp, m->share_b_bp,
                           m->share_threshold_bp, m->merged_score_bp, m->score_threshold_bp);
        } else {
                fmt_format(text, sizeof(text),
                           "merge of partitions %u and %u refused: %s%s%s (mutual %llu, shares "
                           "%u / %u bp, merged score %u bp)",
                           a, b, reason_name(r.reason),
                           r.reason == RESHAPE_R_MOVE_FAILED ? ", an agent: " : "",
                           r.reason == RESHAPE_R_MOVE_FAILED
                               ? agent_move_result_name((enum agent_move_result)r.why)
                               : "",
                           (unsigned long long)m->mutual, m->share_a_bp, m->share_b_bp,
                           m->merged_score_bp);
        }
        tell(text);
        return done;
}

/* ---- the engine's epoch ---- */

void reshape_epoch(void)
{
        bool wasm = false;

        for (uint32_t id = 1; id <= part_count(); id++) {
                wasm |= part_get(id)->cfg->kind == PART_KIND_WASM;
        }
        if (automatic && wasm) {                 /* a machine of guests only is left alone */
                this_cpu()->reshape_due = true;  /* CPU 0's tick: this CPU */
                this_cpu()->need_resched = true; /* it comes back to decide() soon */
        }
}

void reshape_set_auto(bool on)
{
        automatic = on;
}

/* One proposal held one more epoch (or reset); true when it has held long enough. */
static bool held(uint8_t *count, bool proposed)
{
        *count = proposed ? (uint8_t)(*count < RESHAPE_HOLD ? *count + 1 : *count) : 0;
        return *count >= RESHAPE_HOLD;
}

/* After an attempt: the weights settle; one that failed at action time (a move past its
 * deadline on a loaded machine, say: all was undone) is tried again the epoch after next if
 * the engine still proposes it. */
static void after(uint8_t *count, bool acted)
{
        *count = acted ? 0 : RESHAPE_HOLD - 1;
        settle = acted ? RESHAPE_SETTLE : 1;
}

void reshape_run(void)
{
        static struct coherence_split s;
        struct reshape_merge_plan plan;
        struct coherence_merge m;
        bool acted = false;

        this_cpu()->reshape_due = false;
        if (!automatic || cohere_graph() == NULL) {
                return;
        }
        if (settle > 0) {
                settle--;
                return;
        }
        prune();
        for (uint32_t p = 1; p <= part_count() && !acted; p++) {
                bool proposed = false;
                if (reshape_wasm_running(p)) {
                        split_verdict(p, &s);
                        proposed = s.reason == COHERENCE_R_PROPOSED;
                }
                if (held(&held_split[p], proposed)) {
                        acted = split(p, false);
                        after(&held_split[p], acted);
                }
        }
        for (uint32_t a = 1; a <= part_count() && !acted; a++) {
                for (uint32_t b = a + 1; b <= part_count() && !acted; b++) {
                        bool proposed = false;
                        if (reshape_wasm_running(a) && reshape_wasm_running(b)) {
                                reshape_merge_plan(&env, a, b, &plan);
                                coherence_merge_propose(cohere_graph(), a, b,
                                                        &(struct coherence_merge_pre){
                                                            .adjacent = plan.adjacent,
                                                            .resources_ok = plan.resources_ok},
                                                        &m);
                                proposed = m.reason == COHERENCE_R_PROPOSED;
                        }
                        if (held(&held_merge[a][b], proposed)) {
                                acted = merge(a, b, false);
                                after(&held_merge[a][b], acted);
                        }
                }
        }
}

/* ---- the monitor ---- */

void reshape_show(void)
{
        uint32_t first = decisions_made > RESHAPE_LOG ? decisions_made - RESHAPE_LOG : 0;

        con_printf("splits and merges (%s): %u decided\n",
                   automatic ? "the engine's, and by hand" : "by hand only", decisions_made);
        for (uint32_t i = first; i < decisions_made; i++) {
                con_printf("  epoch %llu: %s\n",
                           (unsigned long long)decisions[i % RESHAPE_LOG].epoch,
                           decisions[i % RESHAPE_LOG].text);
        }
}

static uint32_t parse_part(const char *s)
{
        uint32_t v = 0;

        for (; *s >= '0' && *s <= '9' && v <= PART_MAX; s++) {
                v = v * 10 + (uint32_t)(*s - '0');
        }
        return *s == '\0' && v <= PART_MAX ? v : 0;
}

static int cmd_split(int argc, char **argv)
{
        uint32_t p = argc == 2 ? parse_part(argv[1]) : 0;

        if (p == 0 || cohere_graph() == NULL) {
                con_puts("usage: split <partition>   (a WASM partition, along its minimum cut)\n");
                return -1;
        }
        return split(p, true) ? 0 : -1;
}
MONITOR_CMD(split, "split", "<part>",
            "split a WASM partition along its minimum cut, if the coherence engine agrees",
            cmd_split);

static int cmd_merge(int argc, char **argv)
{
        uint32_t a = argc == 3 ? parse_part(argv[1]) : 0;
        uint32_t b = argc == 3 ? parse_part(argv[2]) : 0;

        if (a == 0 || b == 0 || cohere_graph() == NULL) {
                con_puts(
                    "usage: merge <a> <b>   (two WASM partitions, if DC-11's preconditions "
                    "hold)\n");
                return -1;
        }
        return merge(a, b, true) ? 0 : -1;
}
MONITOR_CMD(merge, "merge", "<a> <b>",
            "merge two WASM partitions that talk mostly to each other (DC-11)", cmd_merge);
#endif
