/*
 * kernel/cohere.c: the kernel's side of the coherence engine (cohere.h). It gathers what RVM
 * counted and where each partition runs, hands them to the engine's policy (coherence/:
 * engine.h has the epoch, its budget and placement acted on; docs/COHERENCE.md the
 * definitions), hands the verdicts to the scheduler, emits their witness records, and has the
 * monitor's `coherence` command. The min-cut work space (half a MiB) comes from the page
 * allocator at boot; the graph is small enough to live here.
 *
 * Weights: what RVM counted at each CommEdge doorbell (kernel/ipc.c) and, every epoch it
 * lasts, the pages of each shared region both partitions map (cohere_shared_epoch). Nodes are
 * principals (coherence_node_ensure): a guest partition is its own group; an agent is in the
 * group of the WASM partition that runs it (agents.c says which).
 *
 * The graph is CPU 0's alone (the tick's epoch, the monitor and kernel/reshape.c, which acts on
 * its decisions, all run there), so an epoch's work (cohere_compute) runs without run_lock;
 * only handing the verdicts to the scheduler takes it (cohere_apply): each partition's cut
 * pressure unless the operator set it by hand, DC-6 while over budget (sched_set_degraded
 * witnesses entry and exit as WK_SCHED_MODE), and each home CPU of a placement acted on
 * (sched_set_partition_home: wake-ups go home, balancing leaves a home only while it is
 * overloaded). The work space is shared with kernel/reshape.c: whoever takes it (cohere_work)
 * makes a pending cut start over. Every CommEdge doorbell counts its messages as local or
 * remote (cohere_count_send: the sender's CPU against the CPU the receiver is queued on), per
 * placement mode, for `make bench`.
 */
#ifdef RVM_HAVE_COHERENCE
#include "kernel/cohere.h"

#include <string.h>

#include "boot/boot.h"
#include "coherence/coherence.h"
#include "coherence/engine.h"
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

#define MINCUT_PAGES ((sizeof(struct coherence_mincut) + 4095) / 4096)
/* 50 us (DC-2) at about one instruction a ns, 9.1 instructions a cell in RVM (BENCH
 * mincut_cell_kernel): a dense 64-node cut (mincut_n64_kernel, ~182,000) takes four epochs. */
#define COHERE_BUDGET_CELLS 5400
#define PLACE_LOG           8

_Static_assert(PART_MAX < COHERENCE_MAX_GROUPS, "every partition is a group of the engine");
_Static_assert(REGION_OFFERS <= COHERENCE_MAX_SHARES, "every offer slot is a share slot");

static struct coherence_graph graph;
static struct coherence_mincut *work;
static struct coherence_engine engine;
static struct coherence_placer placer; /* 28 KiB: not on the stack */
static struct coherence_shares shared;
static bool ready;
static uint32_t (*agent_group)(uint32_t principal); /* an agent's WASM partition, or 0 */
static char place_log[PLACE_LOG][256];              /* the last moves, as the console said them */
static uint32_t place_logged;
/* Doorbell messages per placement mode since it was last chosen: all, and remote ones. */
static uint64_t sends[COHERENCE_PLACE_MODES], remote_sends[COHERENCE_PLACE_MODES];

void cohere_set_agent_group(uint32_t (*fn)(uint32_t principal))
{
        agent_group = fn;
}

/* The node of a principal (coherence_node_ensure): a guest partition is its own group, a
 * WASM partition no node; an agent is in the group agents.c names. */
static bool node(uint32_t principal)
{
        const struct partition *p = part_get(principal);

        if (p != NULL) {
                return coherence_node_ensure(&graph, principal, COHERENCE_GUEST,
                                             p->cfg->kind == PART_KIND_GUEST ? principal : 0);
        }
        return coherence_node_ensure(&graph, principal, COHERENCE_AGENT,
                                     agent_group != NULL ? agent_group(principal) : 0);
}

void cohere_init(void)
{
        uint64_t pa = 0;

        coherence_engine_init(&engine, COHERE_BUDGET_CELLS);
        coherence_placer_init(&placer);
        if (coherence_init(&graph, NULL) != COHERENCE_OK ||
            mem_alloc_pages(&boot_state.mem, MINCUT_PAGES, 1, &pa) != PALLOC_OK) {
                return; /* the scheduler keeps the operator's pressure only */
        }
        work = mem_ptr(pa_init(pa));
        for (uint32_t id = 1; id <= part_count(); id++) {
                (void)node(id); /* the guest partitions */
        }
        ready = true;
}

struct coherence_graph *cohere_graph(void)
{
        return ready ? &graph : NULL;
}

struct coherence_mincut *cohere_work(void)
{
        coherence_engine_work_taken(&engine); /* the taker overwrites it */
        return ready ? work : NULL;
}

bool cohere_over_budget(void)
{
        return engine.over_budget;
}

void cohere_agent_moved(uint32_t principal, uint32_t group)
{
        if (ready) {
                (void)coherence_node_set_group(&graph, principal, group); /* not a node yet: ok */
        }
}

void cohere_override(uint32_t partition, bool set)
{
        if (partition <= PART_MAX) {
                coherence_engine_override(&engine, partition, set);
        }
}

void cohere_traffic(uint32_t from, uint32_t to, uint64_t messages, uint64_t bytes)
{
        if (ready && node(from) && node(to)) {
                (void)coherence_traffic(&graph, from, to, messages, bytes);
        }
}

/* Pages two partitions both map (a SHARE offer the peer has retrieved) weigh in like
 * traffic, every epoch they last (run_lock held). */
void cohere_shared_epoch(void)
{
        const struct region_space *rs = share_regions();

        if (!ready) {
                return;
        }
        for (uint32_t i = 0; i < REGION_OFFERS; i++) {
                const struct region_offer *o = &rs->offer[i];
                const bool both = o->state == OFFER_RETRIEVED && o->kind == REGION_SHARE &&
                                  node(o->owner) && node(o->peer);
                const struct coherence_share sh = {o->id, o->owner, o->peer, o->pages};
                coherence_shares_epoch(&graph, &shared, i, both ? &sh : NULL);
        }
}

/* After the fold: a share counted for the first time, or no longer, said with the weight
 * between the two partitions it leaves (CPU 0, no lock: the graph is CPU 0's). */
static void shared_say(void)
{
        for (uint32_t i = 0; i < REGION_OFFERS; i++) {
                struct coherence_share *b = &shared.began[i], *e = &shared.ended[i];
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
                b->id = e->id = 0;
        }
}

void cohere_compute(void)
{
        if (!ready) {
                return;
        }
        coherence_epoch(&graph);
        shared_say();
        coherence_engine_round(&engine, &graph, work, part_count());
        if (!engine.over_budget) {
                reshape_epoch(); /* split and merge decisions: on CPU 0 outside the tick */
        }
}

static void emit(const struct coherence_record *r)
{
        witness_emit(&(struct witness_event){
            .kind = WK_COH_DECISION, .target = r->target, .cap = r->cap, .payload = r->payload});
}

/* The CPU whose run queue holds p's boot vCPU, or -1 (none, or not attached). */
static int partition_cpu(const struct partition *p)
{
        struct sched_entity *e = p != NULL ? run_entity(p) : NULL;

        return e != NULL && e->state != SCHED_DETACHED ? (int)e->cpu : -1;
}

static int part_cpu(uint32_t partition)
{
        return partition_cpu(part_get(partition));
}

void cohere_count_send(uint32_t from, uint32_t to, uint32_t messages)
{
        unsigned m = (unsigned)__atomic_load_n(&placer.mode, __ATOMIC_RELAXED);
        unsigned here = this_cpu()->index;
        int cpu;

        (void)from;
        if (messages == 0 || m >= COHERENCE_PLACE_MODES) {
                return;
        }
        if (percpu_count <= 1) {
                cpu = (int)here; /* one CPU: no message can cross CPUs; nothing to look up */
        } else {
                /* The receiver's group: the partition itself, or the agent's. */
                struct partition *p = part_get(to);
                if (p == NULL) {
                        uint32_t group = agent_group != NULL ? agent_group(to) : 0;
                        p = group != 0 ? part_get(group) : NULL;
                }
                cpu = partition_cpu(p);
        }
        if (cpu < 0) {
                return;
        }
        /* Doorbells are rung under run_lock: one writer at a time, no atomic add needed. */
        __atomic_store_n(&sends[m], sends[m] + messages, __ATOMIC_RELAXED);
        if ((unsigned)cpu != here) {
                __atomic_store_n(&remote_sends[m], remote_sends[m] + messages, __ATOMIC_RELAXED);
        }
}

/* Partition `id` gets home CPU `cpu` (-1: none); witnessed, and said on the console. */
static void place_partition(struct sched *s, uint32_t id, int cpu, int old,
                            const struct coherence_place_verdict *v)
{
        struct coherence_record rec;

        if (sched_set_partition_home(s, id, cpu, 0) < 0) {
                return; /* offline or outside its affinity: it stays where it is */
        }
        placer.home[id] = (int16_t)cpu;
        coherence_record_home(&placer, id, cpu, old, v, &rec);
        emit(&rec);
        if (placer.mode != COHERENCE_PLACE_ENGINE) {
                return;
        }
        char *line = place_log[place_logged++ % PLACE_LOG];
        fmt_format(
            line, sizeof(place_log[0]),
            "epoch %llu: partition %u at home on CPU %d (was on %d): crossing weight %llu -> %llu "
            "of %llu, gain %u %s %u bp; busiest CPU's need %u -> %u bp, %s %u; partition's "
            "need %u bp; %llu epochs since the last >= %u",
            (unsigned long long)graph.epochs, id, cpu, old, (unsigned long long)v->current_remote,
            (unsigned long long)v->proposed_remote, (unsigned long long)v->total, v->gain_bp,
            v->for_need ? "<" : ">=", v->threshold_bp, v->current_need_bp, v->proposed_need_bp,
            v->for_need ? "spread: it was over the" : "a CPU holds", v->cap_bp,
            id <= PART_MAX ? placer.need[id] : 0, (unsigned long long)v->epochs_since,
            v->hold_epochs);
        con_printf("coherence: placement: %s\n", line);
}

/* The engine's placement, acted on with hysteresis (run_lock held). */
static void cohere_place(struct sched *s)
{
        unsigned cpus = percpu_count > 0 ? percpu_count : 1;
        struct coherence_record rec;

        /* Each partition's need: the scheduler's figures for the epoch just closed (CPU time
         * taken, time waited runnable not after a yield) and its vCPUs' yield hypercalls. */
        for (uint32_t id = 1; id <= part_count() && id <= PART_MAX; id++) {
                uint64_t run = 0, wait = 0, len = 0, yields = 0;
                (void)sched_partition_need(s, id, &run, &wait, &len);
                const struct partition *p = part_get(id);
                for (unsigned i = 0; p != NULL && i < p->nr_vcpus; i++) {
                        yields += __atomic_load_n(&p->vcpus[i].yields, __ATOMIC_RELAXED);
                }
                coherence_placer_need(&placer, id, run, wait, len, yields);
        }
        if (!coherence_placer_propose(&placer, &graph, cpus, engine.over_budget)) {
                return;
        }
        for (uint32_t i = 0; i < placer.placement.group_count; i++) {
                placer.now[i] = (int16_t)part_cpu(placer.placement.group[i]);
        }
        if (!coherence_placer_decide(&placer, &graph)) {
                return;
        }
        coherence_record_placement(&placer, &rec); /* the decision as a whole, first */
        emit(&rec);
        /* Every group of the placement gets its home (those that stay too: the balancer
         * must not take them away either); each home given is witnessed. */
        for (uint32_t i = 0; i < placer.placement.group_count; i++) {
                uint32_t id = placer.placement.group[i];
                int cpu = placer.placement.cpu[i];
                if (id <= PART_MAX && part_get(id) != NULL && coherence_placer_moving(&placer, i)) {
                        place_partition(s, id, cpu, placer.now[i], &placer.last);
                        placer.moves += placer.now[i] != (int16_t)cpu;
                }
        }
        coherence_placer_acted(&placer, &graph);
}

void cohere_apply(void)
{
        if (!ready) {
                return;
        }
        struct sched *s = (struct sched *)run_scheduler();
        switch (coherence_engine_degrade(&engine, s->degraded)) {
        case COHERENCE_DEGRADE_ENTER:
                sched_set_degraded(s, true);
                con_printf(
                    "coherence: over its budget (%llu cells an epoch): the scheduler "
                    "ignores cut pressure until a round of cuts fits\n",
                    (unsigned long long)engine.budget);
                break;
        case COHERENCE_DEGRADE_LEAVE:
                sched_set_degraded(s, false);
                con_puts("coherence: within its budget again: cut pressure is back\n");
                break;
        case COHERENCE_DEGRADE_KEEP:
                break;
        }
        for (uint32_t id = 1; id <= part_count(); id++) {
                struct coherence_record rec;
                uint32_t bp = 0;
                bool witness = false;
                if (coherence_engine_pressure(&engine, id, &bp, &witness, &rec)) {
                        (void)sched_set_partition_pressure(s, id, bp);
                        if (witness) {
                                emit(&rec);
                        }
                }
        }
        cohere_place(s);
}

/* `coherence placement engine|naive|off`: the mode, its counters started again. */
static void place_set_mode(enum coherence_place_mode m)
{
        struct sched *s = (struct sched *)run_scheduler();
        unsigned cpus = percpu_count > 0 ? percpu_count : 1;
        struct coherence_place_verdict none = {.reason = COHERENCE_R_PROPOSED};
        int cpu = -1;

        run_lock_take();
        coherence_placer_set_mode(&placer, m);
        for (uint32_t id = 1; id <= part_count() && id <= PART_MAX; id++) {
                if (coherence_placer_mode_home(&placer, id, cpus, &cpu)) {
                        place_partition(s, id, cpu, part_cpu(id), &none);
                }
        }
        __atomic_store_n(&sends[m], 0, __ATOMIC_RELAXED);
        __atomic_store_n(&remote_sends[m], 0, __ATOMIC_RELAXED);
        run_lock_give();
}

static void place_show(void)
{
        con_printf("placement: %s; %llu groups moved by the engine since boot",
                   coherence_place_mode_name(placer.mode), (unsigned long long)placer.moves);
        if (placer.decided) {
                const struct coherence_place_verdict *v = &placer.last;
                con_printf(
                    "; last verdict %s: crossing weight %llu now, %llu proposed, of %llu "
                    "(gain %u bp, threshold %u bp; busiest CPU's need %u bp now, %u proposed, "
                    "a CPU holds %u; %llu epochs since the last, hold %u)",
                    coherence_reason_name(v->reason), (unsigned long long)v->current_remote,
                    (unsigned long long)v->proposed_remote, (unsigned long long)v->total,
                    v->gain_bp, v->threshold_bp, v->current_need_bp, v->proposed_need_bp, v->cap_bp,
                    (unsigned long long)v->epochs_since, v->hold_epochs);
        }
        con_puts("\nneed (bp of a CPU, last epoch):");
        for (uint32_t id = 1; id <= part_count() && id <= PART_MAX; id++) {
                con_printf(" %u:%u%s", id, placer.need[id],
                           coherence_placer_elastic(&placer, id) ? "(elastic)" : "");
        }
        con_puts("\n");
        for (uint32_t m = 0; m < COHERENCE_PLACE_MODES; m++) {
                uint64_t n = __atomic_load_n(&sends[m], __ATOMIC_RELAXED);
                uint64_t r = __atomic_load_n(&remote_sends[m], __ATOMIC_RELAXED);
                if (n != 0) {
                        con_printf("placement %s: %llu messages, %llu crossing CPUs\n",
                                   coherence_place_mode_name(m), (unsigned long long)n,
                                   (unsigned long long)r);
                }
        }
        con_printf("part  cpu  home\n");
        run_lock_take();
        for (uint32_t id = 1; id <= part_count() && id <= PART_MAX; id++) {
                con_printf("%-5u %-4d %d\n", id, part_cpu(id), placer.home[id]);
        }
        run_lock_give();
        uint32_t first = place_logged > PLACE_LOG ? place_logged - PLACE_LOG : 0;
        for (uint32_t i = first; i < place_logged; i++) {
                con_printf("  %s\n", place_log[i % PLACE_LOG]);
        }
}

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
                engine.budget = cells; /* read by cohere_compute on this CPU */
                con_printf("coherence: min-cut budget %llu cells an epoch\n",
                           (unsigned long long)cells);
                return 0;
        }
        if (argc >= 2 && strcmp(argv[1], "placement") == 0) {
                if (argc == 3) {
                        int m = coherence_place_mode_parse(argv[2]);
                        if (m < 0) {
                                con_puts("coherence: placement engine|naive|off\n");
                                return -1;
                        }
                        place_set_mode((enum coherence_place_mode)m);
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
            (unsigned long long)engine.budget, (unsigned long long)engine.used_last,
            engine.over_budget ? "OVER: the scheduler runs degraded" : "within it",
            (unsigned long long)engine.over_epochs);
        con_puts("shared regions counted last epoch:");
        uint32_t shares = 0;
        run_lock_take();
        for (uint32_t i = 0; i < REGION_OFFERS; i++) {
                const struct coherence_share *sh = &shared.now[i];
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
                           st.score_bp, engine.last_bp[id],
                           engine.manual[id] ? " (set by hand)" : "");
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
