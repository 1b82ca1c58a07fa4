/*
 * kernel/reshape.c: WASM partitions split and merge while they run (see reshape.h).
 *
 * The coherence engine (coherence/decide.c) proposes; this file checks the kernel's side and
 * acts. A split creates a WASM partition (or takes back one an earlier merge retired) and
 * moves into it the side of the group's exact minimum cut that is pulled harder from
 * outside. A merge moves every agent of one WASM partition into the other (the one with
 * fewer agents is absorbed, the higher id on a tie) and retires the empty one (stopped). Each
 * agent moves with wasm/agent_ops.c's agent_move: its instance rebuilt in the destination before
 * anything changes hands, its capabilities and CommEdge ends unchanged, at most 100 ms
 * (DC-7). If one of them cannot move, those already moved go back and the new partition is
 * retired: the whole split or merge is undone, and witnessed as refused.
 *
 * Witness: WK_PART_SPLIT (target = the partition split, cap = its cut value, payload = new
 * partition | agents moved << 16 | reason << 32 | pressure bp << 48) and WK_PART_MERGE
 * (target = the partition absorbed, cap = the mutual weight, payload = survivor | agents
 * moved << 16 | reason << 32 | merged score bp << 48), flagged denied when refused (reason:
 * enum coherence_reason, or a RESHAPE_R_* below); each agent's move is its own WK_WASM_MOVE.
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
#include "partition/edge.h"
#include "witness/witness.h"

#define RESHAPE_HOLD   2 /* epochs a proposal must hold before the engine acts on it */
#define RESHAPE_SETTLE 3 /* epochs after an action before the next */
#define RESHAPE_LOG    8 /* decisions the monitor shows */

/* The kernel's refusals, numbered after enum coherence_reason's. */
enum {
        RESHAPE_R_NOT_WASM = 32, /* not a running WASM partition */
        RESHAPE_R_NO_SLOT,       /* split: no partition slot left (PART_MAX) */
        RESHAPE_R_MOVE_FAILED,   /* an agent could not move: everything went back */
        RESHAPE_R_NOT_MOVABLE,   /* an agent to move is hibernated or migrating */
};

static const struct part_config split_config = {.name = "split", .kind = PART_KIND_WASM};

static bool automatic = true;
static uint32_t settle;
static uint8_t held_split[PART_MAX + 1];
static uint8_t held_merge[PART_MAX + 1][PART_MAX + 1];
static bool made_here[PART_MAX + 1]; /* created by a split: may be taken back when empty */
static uint32_t last_refusal;        /* the last automatic refusal, so it is told once */

static struct {
        uint64_t epoch;
        char text[176];
} decisions[RESHAPE_LOG];
static uint32_t decisions_made;

static const char *reason_name(uint32_t r)
{
        switch (r) {
        case RESHAPE_R_NOT_WASM:
                return "not-a-running-wasm-partition";
        case RESHAPE_R_NO_SLOT:
                return "no-partition-slot";
        case RESHAPE_R_MOVE_FAILED:
                return "move-failed-undone";
        case RESHAPE_R_NOT_MOVABLE:
                return "agent-not-movable";
        }
        return coherence_reason_name((enum coherence_reason)r);
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

static bool wasm_running(uint32_t id)
{
        const struct partition *p = part_get(id);

        return p != NULL && p->cfg->kind == PART_KIND_WASM && p->state == PART_RUNNING;
}

/* The live agents of partition `part` (not terminated), and whether all of them can move. */
struct crew {
        uint32_t count;
        uint32_t id[AGENT_MAX];
        bool movable;
        uint64_t arena_max; /* the largest instance arena among them */
};

static void crew_of(uint32_t part, struct crew *c)
{
        struct agent_info in;

        memset(c, 0, sizeof(*c));
        c->movable = true;
        run_lock_take();
        for (uint32_t id = 1; agent_info(id, &in); id++) {
                if (in.partition != part || in.state == AGENT_TERMINATED) {
                        continue;
                }
                c->id[c->count++] = id;
                c->movable &= in.state == AGENT_RUNNING || in.state == AGENT_SUSPENDED;
                c->arena_max = in.arena_bytes > c->arena_max ? in.arena_bytes : c->arena_max;
        }
        run_lock_give();
}

/* Move agents ids[0..n) to `to`; if one cannot move, those moved go back to `from`. */
static bool move_all(const uint32_t *ids, uint32_t n, uint32_t from, uint32_t to,
                     enum agent_move_result *why)
{
        for (uint32_t i = 0; i < n; i++) {
                if (agents_move(ids[i], to, 0, why) != AGENT_OK) {
                        while (i-- > 0) {
                                (void)agents_move(ids[i], from, 0, NULL);
                        }
                        return false;
                }
        }
        return true;
}

/* A WASM partition for a split: one an earlier merge retired, else a new one; running. */
static struct partition *new_partition(void)
{
        struct partition *p = NULL;
        struct crew c;

        for (uint32_t id = 1; id <= part_count() && p == NULL; id++) {
                if (made_here[id] && part_get(id)->state == PART_STOPPED) {
                        crew_of(id, &c);
                        p = c.count == 0 ? part_get(id) : NULL;
                }
        }
        run_lock_take();
        if (p == NULL && part_create(&split_config, &p) == PART_OK) {
                fmt_format(p->name, sizeof(p->name), "split-%u", p->id);
                made_here[p->id] = true;
        }
        if (p != NULL) {
                p->vcpus[0].state = VCPU_RUNNABLE;
                if (part_set_state(p, PART_RUNNING, 0) != PART_OK) {
                        p = NULL;
                } else {
                        run_partition_changed(p);
                }
        }
        run_lock_give();
        return p;
}

static void retire(struct partition *p)
{
        run_lock_take();
        if (part_set_state(p, PART_STOPPED, 0) == PART_OK) {
                run_partition_changed(p);
        }
        run_lock_give();
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

/* ---- split ---- */

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

/* Split `part` if the engine says so; true if it was split. `by_hand`: the operator asked
 * (a refusal is always told and witnessed). */
static bool split(uint32_t part, bool by_hand)
{
        static struct coherence_split s;
        struct coherence_graph *g = cohere_graph();
        char text[176];
        uint32_t ids[AGENT_MAX], n = 0, reason;
        enum agent_move_result why = AGENT_MOVE_OK;
        struct partition *q = NULL;

        memset(&s, 0, sizeof(s));
        if (!wasm_running(part)) {
                reason = RESHAPE_R_NOT_WASM;
        } else {
                prune();
                split_verdict(part, &s);
                reason = s.reason;
        }
        for (uint32_t i = 0; reason == COHERENCE_R_PROPOSED && i < COHERENCE_MAX_NODES; i++) {
                if (coherence_set_has(&s.moving, i) && n < AGENT_MAX) {
                        ids[n++] = g->node[i].id - AGENT_PRINCIPAL_BASE;
                }
        }
        if (reason == COHERENCE_R_PROPOSED) {
                for (uint32_t i = 0; i < n; i++) {
                        struct agent_info in;
                        run_lock_take();
                        bool ok = agent_info(ids[i], &in) && in.partition == part &&
                                  (in.state == AGENT_RUNNING || in.state == AGENT_SUSPENDED);
                        run_lock_give();
                        reason = ok ? reason : RESHAPE_R_NOT_MOVABLE;
                }
        }
        if (reason == COHERENCE_R_PROPOSED && (q = new_partition()) == NULL) {
                reason = RESHAPE_R_NO_SLOT;
        }
        if (reason == COHERENCE_R_PROPOSED && !move_all(ids, n, part, q->id, &why)) {
                retire(q);
                reason = RESHAPE_R_MOVE_FAILED;
        }
        const bool done = reason == COHERENCE_R_PROPOSED;
        if (!done && !by_hand && last_refusal == (part | reason << 8)) {
                return false; /* told already */
        }
        last_refusal = done ? 0 : part | reason << 8;
        witness_reshape(WK_PART_SPLIT, !done, part, s.cut, done ? q->id : 0, done ? n : 0, reason,
                        s.pressure_bp);
        if (done) {
                fmt_format(text, sizeof(text),
                           "split partition %u: %u agent%s -> new partition %u (%s); cut %llu, "
                           "moving side's external %llu >= %llu, pressure %u >= %u bp",
                           part, n, n == 1 ? "" : "s", q->id, q->name, (unsigned long long)s.cut,
                           (unsigned long long)s.moving_external,
                           (unsigned long long)s.min_external, s.pressure_bp, s.threshold_bp);
        } else {
                fmt_format(text, sizeof(text),
                           "split partition %u refused: %s%s%s (cut %llu, external %llu, "
                           "pressure %u / %u bp)",
                           part, reason_name(reason),
                           reason == RESHAPE_R_MOVE_FAILED ? ", an agent: " : "",
                           reason == RESHAPE_R_MOVE_FAILED ? agent_move_result_name(why) : "",
                           (unsigned long long)s.cut, (unsigned long long)s.moving_external,
                           s.pressure_bp, s.threshold_bp);
        }
        tell(text);
        return done;
}

/* ---- merge ---- */

/* Do partitions a and b share a CommEdge (DC-11 adjacency): agent ends in each. */
static bool adjacent(uint32_t a, uint32_t b)
{
        struct agent_info x, y;
        bool found = false;

        run_lock_take();
        for (uint32_t id = 0; id < edge_count() && !found; id++) {
                const struct edge *e = edge_get(id);
                if (e->end[0] > PART_MAX && e->end[1] > PART_MAX &&
                    agent_info(e->end[0] - AGENT_PRINCIPAL_BASE, &x) &&
                    agent_info(e->end[1] - AGENT_PRINCIPAL_BASE, &y)) {
                        found = (x.partition == a && y.partition == b) ||
                                (x.partition == b && y.partition == a);
                }
        }
        run_lock_give();
        return found;
}

/* The merge verdict on a and b; *absorbed and *survivor say which way it would go. */
static void merge_verdict(uint32_t a, uint32_t b, struct coherence_merge *m, uint32_t *absorbed,
                          uint32_t *survivor, struct crew *moving)
{
        struct crew ca, cb;

        crew_of(a, &ca);
        crew_of(b, &cb);
        const bool a_goes = ca.count < cb.count || (ca.count == cb.count && a > b);
        *absorbed = a_goes ? a : b;
        *survivor = a_goes ? b : a;
        *moving = a_goes ? ca : cb;
        /* Resources: every agent can move, and a destination arena plus a snapshot buffer
         * fit in free memory (agents move one at a time, each freeing its old arena). */
        const uint64_t need = (moving->arena_max + (512u << 10)) / PALLOC_PAGE_SIZE + 1;
        const struct coherence_merge_pre pre = {
            .adjacent = adjacent(a, b),
            .resources_ok = moving->movable && mem_pool_free_pages(&boot_state.mem) >= need};
        coherence_merge_propose(cohere_graph(), a, b, &pre, m);
}

static bool merge(uint32_t a, uint32_t b, bool by_hand)
{
        struct coherence_merge m;
        struct crew c;
        uint32_t absorbed = b, survivor = a, reason;
        enum agent_move_result why = AGENT_MOVE_OK;
        char text[176];

        memset(&m, 0, sizeof(m));
        if (!wasm_running(a) || !wasm_running(b)) {
                reason = RESHAPE_R_NOT_WASM;
                c.count = 0;
        } else {
                merge_verdict(a, b, &m, &absorbed, &survivor, &c);
                reason = m.reason;
        }
        if (reason == COHERENCE_R_PROPOSED && !move_all(c.id, c.count, absorbed, survivor, &why)) {
                reason = RESHAPE_R_MOVE_FAILED;
        }
        const bool done = reason == COHERENCE_R_PROPOSED;
        if (done) {
                retire(part_get(absorbed));
        }
        if (!done && !by_hand && last_refusal == (a | b << 4 | reason << 8 | 1u << 31)) {
                return false;
        }
        last_refusal = done ? 0 : a | b << 4 | reason << 8 | 1u << 31;
        witness_reshape(WK_PART_MERGE, !done, absorbed, m.mutual, survivor, done ? c.count : 0,
                        reason, m.merged_score_bp);
        if (done) {
                fmt_format(text, sizeof(text),
                           "merge partition %u into %u: %u agent%s moved, %u retired; mutual "
                           "%llu = %u / %u bp of their external >= %u, merged score %u >= %u bp",
                           absorbed, survivor, c.count, c.count == 1 ? "" : "s", absorbed,
                           (unsigned long long)m.mutual, m.share_a_bp, m.share_b_bp,
                           m.share_threshold_bp, m.merged_score_bp, m.score_threshold_bp);
        } else {
                fmt_format(text, sizeof(text),
                           "merge of partitions %u and %u refused: %s%s%s (mutual %llu, shares "
                           "%u / %u bp, merged score %u bp)",
                           a, b, reason_name(reason),
                           reason == RESHAPE_R_MOVE_FAILED ? ", an agent: " : "",
                           reason == RESHAPE_R_MOVE_FAILED ? agent_move_result_name(why) : "",
                           (unsigned long long)m.mutual, m.share_a_bp, m.share_b_bp,
                           m.merged_score_bp);
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
        struct coherence_merge m;
        struct crew c;
        uint32_t absorbed, survivor;
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
                if (wasm_running(p)) {
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
                        if (wasm_running(a) && wasm_running(b)) {
                                merge_verdict(a, b, &m, &absorbed, &survivor, &c);
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
