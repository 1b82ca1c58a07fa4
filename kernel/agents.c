/*
 * kernel/agents.c: the kernel's side of the WebAssembly agents. wasm/agent.c owns their
 * lifecycle and wasm/agent_calls.c their host module "rvm"; this file gives them the kernel
 * (struct agent_env: run_lock, the gate, pages, FP/SIMD, partitions, the console, CommEdge
 * rings), starts the profile's agents at boot, runs a WASM partition's turn (its CPU, IRQ and
 * FP parts), decodes the agents' gate calls and shows agents on the monitor.
 */
#include "kernel/agents.h"

#include <stdbool.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/guest/rvm_calls.h"
#include "boot/boot.h"
#include "configs/partitions.h"
#include "hal/timer.h"
#include "kernel/cohere.h"
#include "kernel/console.h"
#include "kernel/ipc.h"
#include "kernel/monitor.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "memory/memory.h"
#include "witness/witness.h"
#ifdef RVM_KTEST
#include "tests/qemu/ktest.h"
#endif

#define AGENT_TURNS 8 /* turns per partition turn before others get the CPU */

_Static_assert(AGENT_PRINCIPAL_BASE == PART_MAX, "agent principals start above partitions");
#define SAME_STATUS(a, g) ((int)(a) == (int)(g))
_Static_assert(SAME_STATUS(AGENT_E_NOT_AGENT, GATE_E_NOT_SUPPORTED) &&
                   SAME_STATUS(AGENT_E_INVALID, GATE_E_INVALID) &&
                   SAME_STATUS(AGENT_E_RANGE, GATE_E_RANGE) &&
                   SAME_STATUS(AGENT_E_NO_SPACE, GATE_E_NO_SPACE),
               "wasm/agent.h statuses are the gate's");
#define SAME_CALL(n, id) (RVM_FID(n) == (uint32_t)(id))
_Static_assert(SAME_CALL(HC_CAP_LIST, RVM_HC_CAP_LIST) && SAME_CALL(HC_TIME, RVM_HC_TIME) &&
                   SAME_CALL(HC_NOTIFY, RVM_HC_EDGE_NOTIFY) &&
                   SAME_CALL(HC_LOG, RVM_HC_AGENT_LOG) && SAME_CALL(HC_SEND, RVM_HC_AGENT_SEND) &&
                   SAME_CALL(HC_RECV, RVM_HC_AGENT_RECV) &&
                   SAME_CALL(HC_WITNESS, RVM_HC_AGENT_WITNESS) &&
                   SAME_CALL(HC_SPAWN, RVM_HC_AGENT_SPAWN) && SAME_CALL(HC_PUT, RVM_HC_AGENT_PUT),
               "wasm/agent.h's calls are rows of arch/aarch64/guest/rvm_calls.h");

/* ---- struct agent_env ---- */

static uint64_t env_lock(void)
{
        uint64_t saved = arch_irq_save(); /* agents run with IRQs on */
        run_lock_take();
        return saved;
}

static void env_unlock(uint64_t saved)
{
        run_lock_give();
        arch_irq_restore(saved);
}

static int32_t env_gate_call(uint32_t principal, uint64_t x[8])
{
        struct gate_call call = {.caller = principal, .agent = true, .x = x};

        return gate_dispatch(&call);
}

/* Under run_lock, which guards the page allocator (it has no lock of its own). Not zeroed
 * here: wasm/agent.c zeroes what it takes, outside the lock when it can (a load). */
static void *env_alloc(size_t bytes)
{
        uint64_t pa = 0;
        uint64_t pages = (bytes + PALLOC_PAGE_SIZE - 1) / PALLOC_PAGE_SIZE;

        if (mem_alloc_pages(&boot_state.mem, pages, 1, &pa) != PALLOC_OK) {
                return NULL;
        }
        return (void *)(uintptr_t)pa;
}

static void env_free(void *p, size_t bytes)
{
        mem_free_pages(&boot_state.mem, (uint64_t)(uintptr_t)p,
                       (bytes + PALLOC_PAGE_SIZE - 1) / PALLOC_PAGE_SIZE);
}

/*
 * The interpreter (any wasm_* call) uses FP/SIMD at EL2: park the FP state of the vCPU that
 * last used it here, stop trapping FP, and set exact WebAssembly numerics. Every entry into
 * wasm/ code that runs the engine goes through this first (with IRQs masked, so this CPU
 * stays the same).
 */
static void env_fp_enter(void)
{
        run_fp_park();
        arch_fp_reset(); /* round to nearest even, no flush to zero */
}

static bool env_partition_ok(uint32_t partition)
{
        struct partition *p = part_get(partition);

        return p != NULL && p->cfg->kind == PART_KIND_WASM && p->state == PART_RUNNING;
}

/* Wake WASM partition `partition` if it sleeps because none of its agents could run. */
static void env_wake_partition(uint32_t partition)
{
        struct partition *p = part_get(partition);

        if (p != NULL && p->vcpus[0].state == VCPU_BLOCKED) {
                p->vcpus[0].state = VCPU_RUNNABLE;
                run_vcpu_woken(&p->vcpus[0]);
        }
}

static struct agent_image image_of(const struct agent_config *cfg)
{
        return (struct agent_image){.name = cfg->name,
                                    .wasm = cfg->wasm,
                                    .wasm_size = *cfg->wasm_size,
                                    .may_witness = (cfg->caps & AGENT_CAP_WITNESS) != 0,
                                    .may_spawn = (cfg->caps & AGENT_CAP_SPAWN) != 0};
}

static const struct agent_config *config_named(const char *name, size_t len)
{
        const struct profile_tables *pt = &boot_state.profile;

        for (size_t i = 0; i < pt->agent_count; i++) {
                if (strlen(pt->agents[i].name) == len &&
                    memcmp(pt->agents[i].name, name, len) == 0) {
                        return &pt->agents[i];
                }
        }
        return NULL;
}

static bool env_image_named(const char *name, size_t len, struct agent_image *out)
{
        const struct agent_config *cfg = config_named(name, len);

        if (cfg != NULL) {
                *out = image_of(cfg);
        }
        return cfg != NULL;
}

static void env_log_line(uint32_t agent, const char *name, const char *text)
{
        /* Its own console buffer: a flooding agent loses its own lines, never waits. */
        (void)con_source_printf(AGENT_PRINCIPAL(agent), "[agent %u %s] %s", agent, name, text);
}

static int32_t env_edge_put(void *gate, const uint8_t msg[AGENT_MSG_SIZE])
{
        return ipc_end_put(gate, msg);
}

static int32_t env_edge_take(void *gate, uint8_t msg[AGENT_MSG_SIZE], bool wait)
{
        return ipc_end_take(gate, msg, wait);
}

/* Every move happens on CPU 0 (the monitor, kernel/reshape.c), like the graph's updates. */
static void env_moved(uint32_t agent, uint32_t from, uint32_t to)
{
        (void)from;
        cohere_agent_moved(AGENT_PRINCIPAL(agent), to);
}

/* A trapped agent's recovery, on the console (its witness records are wasm/agent.c's). */
static void env_recovered(uint32_t agent, const char *name, enum wasm_trap trap,
                          enum agent_recovery how, uint32_t n, uint32_t ckpt, uint64_t ckpt_turn)
{
        if (how == AGENT_RECOVER_FAULT) {
                con_printf("agent %u (%s): trapped (%s) after %u restarts: faulted, stopped\n",
                           agent, name, wasm_trap_name(trap), n);
        } else if (how == AGENT_RECOVER_CHECKPOINT) {
                con_printf(
                    "agent %u (%s): trapped (%s): restarted from checkpoint %u (turn %llu), "
                    "restart %u of %u\n",
                    agent, name, wasm_trap_name(trap), ckpt, (unsigned long long)ckpt_turn, n,
                    AGENT_MAX_RESTARTS);
        } else {
                con_printf(
                    "agent %u (%s): trapped (%s): restarted from its start (no checkpoint), "
                    "restart %u of %u\n",
                    agent, name, wasm_trap_name(trap), n, AGENT_MAX_RESTARTS);
        }
}

static struct agent_env kernel_env = {
    .lock = env_lock,
    .unlock = env_unlock,
    .gate_call = env_gate_call,
    .alloc = env_alloc,
    .free = env_free,
    .fp_enter = env_fp_enter,
    .partition_ok = env_partition_ok,
    .wake_partition = env_wake_partition,
    .image_named = env_image_named,
    .log_line = env_log_line,
    .edge_put = env_edge_put,
    .edge_take = env_edge_take,
    .now_ns = hal_time_ns,
    .moved = env_moved,
    .recovered = env_recovered,
    .edges_save = agent_edges_save,
    .edges_restore = agent_edges_restore,
};

/* ---- boot and the run loop ---- */

/* An edge end of the configuration: a partition, or EDGE_AGENT(position of the agent in
 * the profile's agents; ids[] maps it to the agent started from it); 0 if it is not in this boot.
 */
static uint32_t edge_end(uint8_t end, const uint32_t ids[AGENT_MAX])
{
        unsigned pos = EDGE_AGENT_POS(end);

        if (EDGE_IS_AGENT(end)) {
                return pos >= 1 && pos <= AGENT_MAX && ids[pos - 1] != 0
                           ? AGENT_PRINCIPAL(ids[pos - 1])
                           : 0;
        }
        return part_get(end) != NULL ? end : 0;
}

/* The coherence engine's view of an agent: a node of the WASM partition that runs it now. */
static uint32_t agent_group(uint32_t principal)
{
        struct agent_info info;

        return principal > AGENT_PRINCIPAL_BASE &&
                       agent_info(principal - AGENT_PRINCIPAL_BASE, &info)
                   ? info.partition
                   : 0;
}

unsigned agent_boot(void)
{
        unsigned started = 0;
        uint32_t ids[AGENT_MAX] = {0}; /* configuration position -> agent id */
        const struct profile_tables *pt = &boot_state.profile; /* linked, or the image's */

#ifdef RVM_KTEST
        /* "move_timeout_us=<n>": a move's deadline (DC-7) is n us, so tests can see moves
         * give up and splits and merges undone on an idle machine. */
        char us[12];
        uint64_t n = 0;
        ktest_bootarg(boot_state.board.bootargs, "move_timeout_us", us, sizeof(us));
        for (const char *d = us; *d >= '0' && *d <= '9' && n < 1000000000u; d++) {
                n = n * 10 + (uint64_t)(*d - '0');
        }
        kernel_env.move_timeout_ns = n * 1000;
#endif
        /* The checkpoint pool (F1 for agents, wasm/agent.h): reserved once, for the boot. */
        run_lock_take();
        kernel_env.ckpt_pool = env_alloc((size_t)AGENT_CKPT_SLOTS * AGENT_CKPT_BYTES);
        run_lock_give();
        kernel_env.ckpt_slots = kernel_env.ckpt_pool != NULL ? AGENT_CKPT_SLOTS : 0;
        if (kernel_env.ckpt_pool != NULL) {
                memset(kernel_env.ckpt_pool, 0, (size_t)AGENT_CKPT_SLOTS * AGENT_CKPT_BYTES);
        }
        agent_init(&kernel_env);
        ipc_set_end_waker(agent_doorbell);
        cohere_set_agent_group(agent_group);
        run_lock_take();
        for (size_t i = 0; i < pt->agent_count; i++) {
                struct partition *p = part_get(pt->agents[i].partition);
                if (pt->agents[i].on_demand || p == NULL || p->cfg->kind != PART_KIND_WASM) {
                        continue; /* spawned later, or not in this boot (a test scenario) */
                }
                struct agent_image img = image_of(&pt->agents[i]);
                int32_t id = agent_spawn(&img, p->id, 0, 0);
                if (id > 0 && i < AGENT_MAX) {
                        ids[i] = (uint32_t)id;
                }
        }
        /* CommEdges with an agent end: now that the agents have their principals. */
        for (size_t i = 0; i < pt->edge_count; i++) {
                const struct edge_config *e = &pt->edges[i];
                if (!EDGE_IS_AGENT(e->a) && !EDGE_IS_AGENT(e->b)) {
                        continue; /* between partitions: made in the root-partition phase */
                }
                uint32_t a = edge_end(e->a, ids);
                uint32_t b = edge_end(e->b, ids);
                if (a != 0 && b != 0) {
                        ipc_edge_connect(a, b);
                }
        }
        run_lock_give();
        /* Their modules are loaded here, outside the lock (a CPU that reaches one first loads
         * it on its first turn): an agent counts as started once its module has loaded, which
         * an update's boot self-test relies on. */
        for (size_t i = 0; i < pt->agent_count && i < AGENT_MAX; i++) {
                started += ids[i] != 0 && agent_load(ids[i]) == AGENT_OK ? 1 : 0;
        }
        arch_fp_trap(true); /* agent_load ran the engine: a vCPU's FP reloads when it runs */
        return started;
}

void agent_run_partition(struct partition *p)
{
        struct percpu *c = this_cpu();
        unsigned turns = 0;
        bool idle = false;

        env_fp_enter();
        arch_irqs_on(); /* the tick must be able to end this partition's turn */
        while (!__atomic_load_n(&c->need_resched, __ATOMIC_RELAXED) && turns < AGENT_TURNS) {
                if (!agent_run_turn(p->id)) {
                        idle = true;
                        break;
                }
                turns++;
        }
        arch_irqs_off();
        run_lock_take();
        if (idle && !agent_runnable(p->id)) {
                /* None of p's agents can run: p sleeps until one can (doorbell, resume,
                 * spawn, migration), so waiting agents cost neither fuel nor CPU. Checked
                 * again under the lock: a doorbell on another CPU since the last pick finds
                 * p awake and would otherwise be lost. */
                p->vcpus[0].state = VCPU_BLOCKED;
                run_vcpu_blocked(&p->vcpus[0]);
        } else if (turns >= AGENT_TURNS) {
                run_yield(); /* it had its turns: let the other partitions in */
                c->need_resched = true;
        }
        run_lock_give();
}

/* ---- gate handlers (kernel/hvc.c): decode the registers, wasm/ does the work ---- */

/* A refusal (negative status) of these self-witnessing entries is witnessed by the gate: one
 * DENIED record of the entry's kind, payload = error | function id << 32. */

/* x1 = pointer, x2 = length; x1 out = bytes printed. */
int32_t agent_hc_log(struct gate_ctx *ctx)
{
        uint64_t *x = ctx->call->x;
        int32_t st = agent_log(ctx->call->caller, x[1], x[2], &x[1]);

        return st;
}

/* x1 = edge, x2 = pointer, x3 = length (<= 64, zero-padded): one message into the caller's
 * outgoing ring, as a guest writes its mapped ring. Only a refusal is witnessed: only the
 * caller's own ring changes (the doorbell that follows a burst is witnessed). */
int32_t agent_hc_put(struct gate_ctx *ctx)
{
        int32_t st = agent_put(ctx->call->caller, ctx->call->x[2], ctx->call->x[3], ctx);

        return st;
}

/* put, then the doorbell (counted and witnessed as a guest's EDGE_NOTIFY is). */
int32_t agent_hc_send(struct gate_ctx *ctx)
{
        int32_t st = agent_put(ctx->call->caller, ctx->call->x[2], ctx->call->x[3], ctx);

        return st == 0 ? ipc_hc_notify(ctx) : st;
}

/* x1 = edge, x2 = pointer, x3 = buffer size, x4 = flags (bit 0: wait). x1 out = bytes
 * copied (min(size, 64); the message is consumed), 0 if the ring is empty (with the wait
 * flag the agent is then waiting for the peer's doorbell). */
int32_t agent_hc_recv(struct gate_ctx *ctx)
{
        uint64_t *x = ctx->call->x;
        int32_t st = agent_recv(ctx->call->caller, x[2], x[3], x[4], ctx, &x[1]);

        return st;
}

/* x1 = witness-log capability, x2 = tag, x3 = value: the gate's own record is the agent's
 * (WK_WASM_EMIT, actor = the agent, target = tag, payload = value). */
int32_t agent_hc_witness(struct gate_ctx *ctx)
{
        if (!agent_is(ctx->call->caller)) {
                return GATE_E_NOT_SUPPORTED;
        }
        ctx->target = (uint32_t)ctx->call->x[2];
        ctx->payload = ctx->call->x[3];
        return 0;
}

/* x1 = partition capability (EXECUTE), x2 = name pointer, x3 = name length: a new agent from
 * the module the configuration names, in the partition the capability names. x1 out = the
 * new agent's id. Its lifecycle records are the call's witness. */
int32_t agent_hc_spawn(struct gate_ctx *ctx)
{
        uint64_t *x = ctx->call->x;
        uint64_t part = ctx->cap.object_ref;
        int32_t st = part <= PART_MAX ? agent_spawn_named(ctx->call->caller, x[2], x[3],
                                                          (uint32_t)part, ctx->handle, &x[1])
                                      : AGENT_E_INVALID;

        return st;
}

/* ---- moves (kernel/reshape.c) ---- */

/* As the monitor's `agent` does: park the FP registers of the vCPU that was on this CPU
 * before the interpreter runs, and trap FP again afterwards, so that its next FP instruction
 * reloads them. */
int32_t agents_move(uint32_t id, uint32_t to, uint32_t actor, enum agent_move_result *why)
{
        env_fp_enter();
        int32_t r = agent_move(id, to, actor, why);

        arch_fp_trap(true);
        return r;
}

/* ---- monitor commands ---- */

static int cmd_agents(int argc, char **argv)
{
        struct agent_info in;

        (void)argc;
        (void)argv;
        con_printf(
            "id name         part state          turns     fuel used    logs  sent    "
            "recv    caps restarts\n");
        uint64_t saved = env_lock();
        for (uint32_t id = 1; agent_info(id, &in); id++) {
                con_printf(
                    "%-2u %-12s %-4u %-14s %-9llu %-12llu %-5llu %-7llu %-7llu %-4u %u%s%s\n",
                    in.id, in.name, in.partition, agent_state_name(in.state),
                    (unsigned long long)in.turns, (unsigned long long)in.fuel_used,
                    (unsigned long long)in.logs, (unsigned long long)in.sent,
                    (unsigned long long)in.received, in.caps, in.restarts,
                    in.waiting ? " (waiting)" : "", in.faulted ? " (faulted)" : "");
        }
        env_unlock(saved);
        if (agent_count() == 0) {
                con_puts("(no agents in this profile)\n");
        }
        return 0;
}
MONITOR_CMD(agents, "agents", "", "WebAssembly agents: partition, state, turns, fuel, messages",
            cmd_agents);

/* A number up to max; 0 (never a valid id) for anything else. */
static unsigned parse_small(const char *s, unsigned max)
{
        uint64_t v;

        return monitor_parse_u64(s, &v) == 0 && v <= max ? (unsigned)v : 0;
}

static int cmd_agent_spawn(int argc, char **argv)
{
        const struct agent_config *cfg = config_named(argv[2], strlen(argv[2]));
        unsigned part =
            argc == 4 ? parse_small(argv[3], PART_MAX) : (cfg != NULL ? cfg->partition : 0);
        int32_t id = AGENT_E_INVALID;

        if (cfg != NULL && argc <= 4) {
                struct agent_image img = image_of(cfg);
                uint64_t saved = env_lock();
                id = agent_spawn(&img, part, 0, 0);
                env_unlock(saved);
        }
        if (id < 0) {
                con_printf("agent: cannot spawn '%s' (%s)\n", argv[2],
                           id == AGENT_E_NO_SPACE ? "AGENT_MAX agents exist"
                                                  : "no such module or WASM partition");
                return -1;
        }
        con_printf("agent %d (%s): spawned in partition %u\n", (int)id, cfg->name, part);
        return 0;
}

#ifdef RVM_KTEST
/* `agent wait`'s condition: arg = id | what << 8 (0 checkpoints, 1 restarts) | n << 16; also
 * true once the agent has terminated. The monitor asks outside every lock. */
static bool agent_reached(uint64_t arg)
{
        struct agent_info in;
        const uint64_t n = arg >> 16;
        uint64_t saved = env_lock();
        bool ok = agent_info((uint32_t)(arg & 0xFF), &in);
        env_unlock(saved);
        return !ok || in.state == AGENT_TERMINATED ||
               ((arg >> 8 & 0xFF) == 0 ? in.checkpoints : in.restarts) >= n;
}

/* Test images only: `agent inject <id>` (its next host call traps, F1's test) and `agent
 * wait <id> checkpoints|restarts <n> <ms>` (read no more input until it has that many, or
 * has ended, at most ms), so that a test waits for what it asked for, however slow the host. */
static int cmd_agent_test(int argc, char **argv)
{
        unsigned n = argc >= 3 ? parse_small(argv[2], AGENT_MAX) : 0;
        uint64_t k = 0, ms = 0;

        if (argc == 3 && strcmp(argv[1], "inject") == 0) {
                if (n == 0 || agent_inject(n) != AGENT_OK) {
                        con_printf("agent: cannot inject a fault into agent %s\n", argv[2]);
                        return -1;
                }
                con_printf("agent %u: its next host call traps\n", n);
                return 0;
        }
        const bool restarts = argc == 6 && strcmp(argv[3], "restarts") == 0;
        if (argc != 6 || n == 0 || (!restarts && strcmp(argv[3], "checkpoints") != 0) ||
            monitor_parse_u64(argv[4], &k) != 0 || k > 0xFFFF ||
            monitor_parse_u64(argv[5], &ms) != 0 || ms > 600000) {
                con_puts("usage: agent wait <id> checkpoints|restarts <n> <at most ms>\n");
                return -1;
        }
        monitor_hold_while(hal_time_ns() + ms * 1000000ULL, agent_reached,
                           n | (restarts ? 1u : 0u) << 8 | k << 16);
        return 0;
}
#endif

static int cmd_agent_op(int argc, char **argv)
{
        static const struct {
                const char *name;
                enum agent_op op;
        } ops[] = {{"suspend", AGENT_OP_SUSPEND},     {"resume", AGENT_OP_RESUME},
                   {"hibernate", AGENT_OP_HIBERNATE}, {"reconstruct", AGENT_OP_RECONSTRUCT},
                   {"kill", AGENT_OP_KILL},           {"migrate", AGENT_OP_MIGRATE}};
        struct agent_info in;

        if (argc >= 3 && strcmp(argv[1], "spawn") == 0) {
                return cmd_agent_spawn(argc, argv);
        }
#ifdef RVM_KTEST
        if ((argc == 3 && strcmp(argv[1], "inject") == 0) ||
            (argc >= 2 && strcmp(argv[1], "wait") == 0)) {
                return cmd_agent_test(argc, argv);
        }
#endif
        bool mig = argc == 4 && strcmp(argv[1], "migrate") == 0;
        unsigned id = argc == 3 || mig ? parse_small(argv[2], AGENT_MAX) : 0;
        if (id == 0 || id > agent_count()) {
                con_puts(
                    "usage: agent suspend|resume|hibernate|reconstruct|kill <id>\n"
                    "       agent migrate <id> <partition>   agent spawn <module> "
                    "[partition]\n");
                return -1;
        }
        int32_t r = AGENT_E_INVALID;
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
                if (strcmp(argv[1], ops[i].name) == 0 && (ops[i].op == AGENT_OP_MIGRATE) == mig) {
                        r = agent_control(id, ops[i].op, mig ? parse_small(argv[3], PART_MAX) : 0);
                }
        }
        uint64_t saved = env_lock();
        agent_info(id, &in);
        env_unlock(saved);
        if (r != 0) {
                con_printf("agent: cannot %s agent %u (it is %s in partition %u)\n", argv[1], id,
                           agent_state_name(in.state), in.partition);
                return -1;
        }
        con_printf("agent %u (%s): %s in partition %u\n", id, in.name, agent_state_name(in.state),
                   in.partition);
        return 0;
}

/*
 * The monitor runs on CPU 0 between two turns of whatever vCPU was there. Park its FP
 * registers first (every operation, whether it enters the interpreter or not), then trap
 * FP again, so that its next FP instruction reloads them rather than finding what the
 * interpreter left. (Re-arming the trap without parking would make that reload read a
 * stale copy while the live registers are lost; parking with the trap armed would take an
 * FP trap at EL2: CI caught that after `agent suspend` then `agent hibernate`.)
 */
static int cmd_agent(int argc, char **argv)
{
        env_fp_enter();
        int r = cmd_agent_op(argc, argv);

        arch_fp_trap(true);
        return r;
}
MONITOR_CMD(agent, "agent", "<op> <id> | migrate <id> <part> | spawn <module> [part]",
            "suspend/resume/hibernate/reconstruct/kill/migrate/spawn an agent", cmd_agent);
