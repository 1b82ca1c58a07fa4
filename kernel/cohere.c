/*
 * kernel/cohere.c: the coherence engine driven by RVM's own counts (see cohere.h), and the
 * monitor's `coherence` command. The min-cut work space (half a MiB) comes from the page
 * allocator at boot; the graph is small enough to live here.
 *
 * Weights: what RVM counted at each CommEdge doorbell (kernel/ipc.c) and, every epoch it
 * lasts, the pages of each shared region both partitions map (cohere_shared_epoch).
 *
 * Nodes are principals: a guest partition is its own group; an agent is in the group of the
 * WASM partition that runs it (a WASM partition is no node of its own: its group is its
 * agents, so that the engine can cut it in two). The graph is CPU 0's alone (the tick's epoch,
 * the monitor and kernel/reshape.c, which acts on its decisions, all run there), so an
 * epoch's work runs without run_lock; only handing the verdicts to the scheduler takes it. Each
 * scheduler epoch (1 s): the CommEdge summaries feed the graph, coherence_epoch folds them into the
 * moving average, each group's cut pressure is computed exactly and given to the scheduler unless
 * the operator set it by hand. A change of at least COHERE_WITNESS_BP is witnessed
 * (WK_COH_DECISION) with the values it came from.
 *
 * Budget (DC-2): the min-cuts of an epoch get at most `budget` cells (mincut.h's work unit;
 * the default is sized to 50 us on the target, `coherence budget <cells>` sets another). A
 * group whose cut does not fit is resumed where it stopped at the next epoch, on the subgraph
 * it was loaded with; groups are visited round-robin from there. A pressure is only ever
 * taken from a finished (exact) cut. While a round of all groups does not finish within one
 * epoch, the engine is over budget: the scheduler runs degraded (DC-6: cut pressure ignored;
 * sched_set_degraded witnesses entry and exit as WK_SCHED_MODE) and no split or merge is
 * decided; the first epoch whose round finishes leaves it. The work space is shared with
 * kernel/reshape.c: whoever takes it (cohere_work) makes a pending cut start over.
 *
 * Placement (cohere_place, in cohere_apply under run_lock): each epoch within budget the
 * engine's placement (coherence_place_need: groups that talk most share a CPU, at most
 * ceil(groups / CPUs) a CPU and 10000 + place_slack_bp of CPU need, each partition's need being
 * what sched/ measured in the epoch just closed, its run time left out when it made 64 yield
 * hypercalls or more: elastic) is compared with where each group's boot vCPU is queued now
 * (coherence_place_decide: the proposal's CPUs renamed to keep groups in place); when it lowers
 * the weight crossing CPUs by place_gain_bp or more of the weight between groups and
 * place_hold_epochs passed since the last placement, each group that moves gets its home CPU
 * (sched_set_partition_home: wake-ups go home, balancing leaves a home only while it is
 * overloaded), witnessed as WK_COH_DECISION with bit 63 set (target = partition, cap = crossing
 * weight before << 32 | after, payload = new CPU | old CPU << 8 | gain bp << 16 | threshold bp
 * << 32 | mode << 48 | epochs since the last << 56 | 1 << 63). `coherence placement naive`
 * puts partition id on CPU (id - 1) mod CPUs instead (round-robin: the bench's reference),
 * `off` clears the homes. Every CommEdge doorbell counts its messages as local or remote
 * (cohere_count_send: the sender's CPU against the CPU the receiver is queued on), per mode.
 */
#ifdef RVM_HAVE_COHERENCE
#include "kernel/cohere.h"

#include <string.h>

#include "boot/boot.h"
#include "coherence/coherence.h"
#include "kernel/console.h"
#include "kernel/fmt.h"
#include "kernel/monitor.h"
#include "kernel/percpu.h"
#include "kernel/reshape.h"
#include "kernel/run.h"
#include "memory/memory.h"
#include "partition/share.h"
#include "sched/sched.h"
#include "witness/witness.h"

#define COHERE_WITNESS_BP     500 /* pressure changes smaller than this are not witnessed */
#define COHERE_ELASTIC_YIELDS 64  /* yields an epoch that make a partition's CPU time elastic */
#define MINCUT_PAGES          ((sizeof(struct coherence_mincut) + 4095) / 4096)
/* 50 us (DC-2) at about one instruction a ns, 9.1 instructions a cell in RVM (BENCH
 * mincut_cell_kernel): a dense 64-node cut (mincut_n64_kernel, ~182,000) takes four epochs. */
#define COHERE_BUDGET_CELLS 5400

static struct coherence_graph graph;
static struct coherence_mincut *work;
static bool manual[PART_MAX + 1];
static uint32_t last_bp[PART_MAX + 1];
static bool ready;

/* The budgeted round (DC-2): which group is next, whether `work` holds its subgraph with the
 * run part done, the external weight it was loaded with; the engine's degraded state. */
static uint64_t budget = COHERE_BUDGET_CELLS;
static uint64_t used_last;      /* cells the last epoch used */
static uint32_t round_next = 1; /* the group the round goes on with */
static bool loaded;
static uint64_t loaded_external;
static bool over_budget;     /* the last epoch's round did not finish */
static bool degraded_by_us;  /* the engine, not the operator, put the scheduler in DC-6 */
static uint64_t over_epochs; /* epochs over budget since boot */

static int16_t place_home[PART_MAX + 1]; /* the home CPU given to each partition, -1 none */
static void cohere_place(struct sched *s);

/* The group of a principal: a partition is its own; an agent's is its WASM partition. */
static uint32_t (*agent_group)(uint32_t principal);

void cohere_set_agent_group(uint32_t (*fn)(uint32_t principal))
{
        agent_group = fn;
}

void cohere_init(void)
{
        struct coherence_params p;
        uint64_t pa = 0;

        coherence_params_default(&p);
        if (coherence_init(&graph, &p) != COHERENCE_OK ||
            mem_alloc_pages(&boot_state.mem, MINCUT_PAGES, 1, &pa) != PALLOC_OK) {
                return; /* the scheduler keeps the operator's pressure only */
        }
        work = mem_ptr(pa_init(pa));
        for (uint32_t id = 0; id <= PART_MAX; id++) {
                place_home[id] = -1;
        }
        for (uint32_t id = 1; id <= part_count(); id++) {
                if (part_get(id)->cfg->kind == PART_KIND_GUEST) {
                        (void)coherence_node_add(&graph, id, COHERENCE_GUEST, id);
                }
        }
        ready = true;
}

struct coherence_graph *cohere_graph(void)
{
        return ready ? &graph : NULL;
}

struct coherence_mincut *cohere_work(void)
{
        loaded = false; /* the taker overwrites it: a pending cut starts over */
        return ready ? work : NULL;
}

bool cohere_over_budget(void)
{
        return over_budget;
}

void cohere_agent_moved(uint32_t principal, uint32_t group)
{
        if (ready) {
                (void)coherence_node_set_group(&graph, principal, group); /* not a node yet: ok */
        }
}

static bool node(uint32_t principal)
{
        if (coherence_node_index(&graph, principal) >= 0) {
                return true;
        }
        struct partition *p = part_get(principal);
        if (p != NULL) {
                return p->cfg->kind == PART_KIND_GUEST &&
                       coherence_node_add(&graph, principal, COHERENCE_GUEST, principal) ==
                           COHERENCE_OK;
        }
        uint32_t group = agent_group != NULL ? agent_group(principal) : 0;
        return group != 0 &&
               coherence_node_add(&graph, principal, COHERENCE_AGENT, group) == COHERENCE_OK;
}

void cohere_traffic(uint32_t from, uint32_t to, uint64_t messages, uint64_t bytes)
{
        if (ready && node(from) && node(to)) {
                (void)coherence_traffic(&graph, from, to, messages, bytes);
        }
}

/* The shares counted in the last epoch, per offer slot (id 0: none), and which of them
 * began or ended being counted then (said on the console after the fold, cohere_compute). */
struct shared_seen {
        uint64_t id;
        uint32_t owner, peer;
        uint64_t pages;
};
static struct shared_seen shared_now[REGION_OFFERS];
static struct shared_seen shared_began[REGION_OFFERS], shared_ended[REGION_OFFERS];

/* Pages two partitions both map (a SHARE offer the peer has retrieved) weigh in like
 * traffic: coherence_shared for each, every epoch it lasts (run_lock held). */
void cohere_shared_epoch(void)
{
        const struct region_space *rs = share_regions();

        if (!ready) {
                return;
        }
        for (uint32_t i = 0; i < REGION_OFFERS; i++) {
                const struct region_offer *o = &rs->offer[i];
                struct shared_seen now = {0};
                if (o->state == OFFER_RETRIEVED && o->kind == REGION_SHARE && node(o->owner) &&
                    node(o->peer) &&
                    coherence_shared(&graph, o->owner, o->peer, o->pages) == COHERENCE_OK) {
                        now = (struct shared_seen){o->id, o->owner, o->peer, o->pages};
                }
                if (now.id != shared_now[i].id) {
                        shared_ended[i] = shared_now[i]; /* id 0: nothing ended */
                        shared_began[i] = now;
                }
                shared_now[i] = now;
        }
}

/* After the fold: a share counted for the first time, or no longer, said with the weight
 * between the two partitions it leaves (CPU 0, no lock: the graph is CPU 0's). */
static void shared_say(void)
{
        for (uint32_t i = 0; i < REGION_OFFERS; i++) {
                const struct shared_seen *b = &shared_began[i], *e = &shared_ended[i];
                if (e->id != 0) {
                        con_printf(
                            "coherence: epoch %llu: shared region (offer 0x%llx) of "
                            "partitions %u and %u released: no longer counted; weight "
                            "%llu between them without it\n",
                            (unsigned long long)graph.epochs, (unsigned long long)e->id, e->owner,
                            e->peer,
                            (unsigned long long)coherence_weight(&graph, e->owner, e->peer));
                }
                if (b->id != 0) {
                        con_printf(
                            "coherence: epoch %llu: shared region (offer 0x%llx) of "
                            "partitions %u and %u counted: %llu pages weigh %llu this "
                            "epoch; weight %llu between them\n",
                            (unsigned long long)graph.epochs, (unsigned long long)b->id, b->owner,
                            b->peer, (unsigned long long)b->pages,
                            (unsigned long long)(b->pages * graph.params.page_weight),
                            (unsigned long long)coherence_weight(&graph, b->owner, b->peer));
                }
                shared_began[i].id = shared_ended[i].id = 0;
        }
}

void cohere_override(uint32_t partition, bool set)
{
        if (partition <= PART_MAX) {
                manual[partition] = set;
        }
}

/* This epoch's verdicts, between cohere_compute and cohere_apply. */
static uint32_t next_bp[PART_MAX + 1];
static uint64_t next_external[PART_MAX + 1];
static uint32_t next_score[PART_MAX + 1];

/*
 * Go on with group id's cut within *left cells. True when it is finished (next_bp[id] set
 * from an exact cut, or 0 for an empty group); false when the budget ran out first.
 */
static bool group_step(uint32_t id, uint64_t *left)
{
        struct coherence_group_stats st;
        struct coherence_cut cut;
        uint64_t used = 0;

        coherence_group_stats(&graph, id, &st);
        next_score[id] = st.score_bp;
        if (!loaded) {
                if (st.nodes == 0 ||
                    coherence_mincut_load(work, &graph, &st.members) != COHERENCE_OK) {
                        next_bp[id] = 0;
                        next_external[id] = st.external;
                        return true;
                }
                loaded = true;
                loaded_external = st.external;
        }
        enum coherence_err e = coherence_mincut_run(work, *left, &used);
        *left -= used <= *left ? used : *left;
        if (e == COHERENCE_E_PARTIAL) {
                return false;
        }
        loaded = false;
        next_bp[id] =
            e == COHERENCE_OK && coherence_mincut_result(work, &cut) == COHERENCE_OK
                ? coherence_pressure_bp(loaded_external, cut.value, graph.params.pressure_floor)
                : 0;
        next_external[id] = loaded_external;
        return true;
}

void cohere_compute(void)
{
        if (!ready) {
                return;
        }
        coherence_epoch(&graph);
        shared_say();
        uint32_t count = part_count();
        uint64_t left = budget;
        uint32_t finished = 0;
        if (round_next == 0 || round_next > count) {
                round_next = 1;
        }
        /* One round: every group once, from where the last epoch stopped. */
        while (finished < count && group_step(round_next, &left)) {
                finished++;
                round_next = round_next % count + 1;
        }
        used_last = budget - left;
        over_budget = finished < count;
        over_epochs += over_budget;
        if (!over_budget) {
                reshape_epoch(); /* split and merge decisions: on CPU 0 outside the tick */
        }
}

void cohere_apply(void)
{
        if (!ready) {
                return;
        }
        struct sched *s = (struct sched *)run_scheduler();
        /* DC-6 while over budget (witnessed by the scheduler on entry and exit); the operator's
         * `degraded on` is left as it is. */
        if (over_budget && !s->degraded) {
                degraded_by_us = true;
                sched_set_degraded(s, true);
                con_printf(
                    "coherence: over its budget (%llu cells an epoch): the scheduler "
                    "ignores cut pressure until a round of cuts fits\n",
                    (unsigned long long)budget);
        } else if (!over_budget && degraded_by_us) {
                degraded_by_us = false;
                if (s->degraded) {
                        sched_set_degraded(s, false);
                        con_puts("coherence: within its budget again: cut pressure is back\n");
                }
        }
        for (uint32_t id = 1; id <= part_count(); id++) {
                uint32_t bp = next_bp[id];
                uint32_t old = last_bp[id];
                last_bp[id] = bp;
                if (manual[id]) {
                        continue;
                }
                (void)sched_set_partition_pressure(s, id, bp);
                if (bp > old + COHERE_WITNESS_BP || old > bp + COHERE_WITNESS_BP) {
                        /* target = partition; cap = external weight; payload = new pressure |
                         * old << 16 | coherence score << 32. */
                        witness_emit(
                            &(struct witness_event){.kind = WK_COH_DECISION,
                                                    .target = id,
                                                    .cap = next_external[id],
                                                    .payload = (uint64_t)bp | (uint64_t)old << 16 |
                                                               (uint64_t)next_score[id] << 32});
                }
        }
        cohere_place(s);
}

#include "kernel/cohere_place.inc" /* placement: the same translation unit */

static int cmd_coherence(int argc, char **argv)
{
        static char dot[4096];
        size_t n = 0;

        if (!ready) {
                con_puts("coherence: the engine did not start (no memory for its work space)\n");
                return -1;
        }
        if (argc == 3 && strcmp(argv[1], "auto") == 0 &&
            (strcmp(argv[2], "on") == 0 || strcmp(argv[2], "off") == 0)) {
                reshape_set_auto(strcmp(argv[2], "on") == 0);
                con_printf("coherence: splits and merges %s\n",
                           strcmp(argv[2], "on") == 0 ? "follow the engine's decisions"
                                                      : "only by hand (split, merge)");
                return 0;
        }
        uint64_t cells = 0;
        if (argc == 3 && strcmp(argv[1], "budget") == 0 &&
            monitor_parse_u64(argv[2], &cells) == 0 && cells > 0) {
                budget = cells; /* read by cohere_compute on this CPU */
                con_printf("coherence: min-cut budget %llu cells an epoch\n",
                           (unsigned long long)cells);
                return 0;
        }
        if (argc >= 2 && strcmp(argv[1], "placement") == 0) {
                if (argc == 3) {
                        int m = -1;
                        for (int i = 0; i < 3; i++) {
                                m = strcmp(argv[2], place_mode_name[i]) == 0 ? i : m;
                        }
                        if (m < 0) {
                                con_puts("coherence: placement engine|naive|off\n");
                                return -1;
                        }
                        place_set_mode((enum place_mode)m);
                }
                place_show();
                return 0;
        }
        if (argc == 2 && strcmp(argv[1], "dot") == 0) {
                run_lock_take();
                enum coherence_err e = coherence_dot(&graph, NULL, dot, sizeof(dot), &n);
                run_lock_give();
                con_write(dot, n);
                return e == COHERENCE_OK ? 0 : -1;
        }
        con_printf("coherence: %u nodes, %u edges, %llu epochs\n", graph.node_count,
                   graph.edge_count, (unsigned long long)graph.epochs);
        con_printf(
            "budget: %llu cells an epoch, %llu used last epoch; %s (%llu epochs over "
            "budget since boot)\n",
            (unsigned long long)budget, (unsigned long long)used_last,
            over_budget ? "OVER: the scheduler runs degraded" : "within it",
            (unsigned long long)over_epochs);
        con_puts("shared regions counted last epoch:");
        uint32_t shares = 0;
        run_lock_take();
        for (uint32_t i = 0; i < REGION_OFFERS; i++) {
                const struct shared_seen *sh = &shared_now[i];
                if (sh->id != 0) {
                        con_printf(" %u-%u %llu pages", sh->owner, sh->peer,
                                   (unsigned long long)sh->pages);
                        shares++;
                }
        }
        run_lock_give();
        con_puts(shares == 0 ? " none\n" : "\n");
        con_printf("part  nodes agents internal   external   score  pressure\n");
        run_lock_take();
        for (uint32_t id = 1; id <= part_count(); id++) {
                struct coherence_group_stats st;
                coherence_group_stats(&graph, id, &st);
                con_printf("%-5u %-5u %-6u %-10llu %-10llu %-6u %u%s\n", id, st.nodes, st.agents,
                           (unsigned long long)st.internal, (unsigned long long)st.external,
                           st.score_bp, last_bp[id], manual[id] ? " (set by hand)" : "");
        }
        run_lock_give();
        place_show();
        reshape_show();
        return 0;
}
MONITOR_CMD(coherence, "coherence",
            "[dot | auto on|off | budget <cells> | placement [engine|naive|off]]",
            "the communication graph: groups, weights, scores, cut pressure, placement, splits "
            "and merges taken (dot: Graphviz; auto: act on the engine's decisions; budget: "
            "min-cut cells an epoch, DC-2; placement: the engine's, round-robin or none)",
            cmd_coherence);
#endif
