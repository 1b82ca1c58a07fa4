/*
 * kernel/agent.c: WebAssembly agents (see agent.h): creation at boot and by spawn, their
 * capabilities, running them in their WASM partition's turns, waiting and waking, the
 * lifecycle (suspend, hibernate, reconstruct, migrate, kill) and the `agents` / `agent`
 * monitor commands. The host module "rvm" is kernel/agent_calls.c.
 *
 * Memory: each agent has a module arena and an instance arena from the page allocator,
 * taken when it is created (boot or spawn) and when it migrates; never while it runs.
 */
#include "kernel/agent.h"

#include <stdbool.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "kernel/agent_priv.h"
#include "kernel/console.h"
#include "kernel/ipc.h"
#include "kernel/monitor.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "memory/memory.h"
#include "witness/witness.h"

#define AGENT_FUEL         20000 /* per turn: a few hundred microseconds of bytecode */
#define AGENT_MODULE_ARENA (256u << 10)
#define AGENT_MEM_PAGES    2            /* linear memory reserved per agent (128 KiB) */
#define AGENT_TURNS        8            /* turns per partition turn before others get the CPU */
#define AGENT_SNAPSHOT     (512u << 10) /* hibernation / migration buffer per agent */
#define AGENT_INST_MAX     (8u << 20)   /* an agent's instance is bounded */

static struct agent agents[AGENT_MAX];
static unsigned agent_count;
static unsigned agent_cursor[PART_MAX + 1]; /* per partition: where its round robin is */

static const struct wasm_config agent_wasm_cfg = {
    .mem_cap_pages = AGENT_MEM_PAGES, .stack_slots = 4096, .max_frames = 256};

static void agent_fp_enter(void);

uint64_t agent_lock(void)
{
        uint64_t saved = arch_irq_save();
        run_lock_take();
        return saved;
}

void agent_unlock(uint64_t saved)
{
        run_lock_give();
        arch_irq_restore(saved);
}

static const char *state_name(enum agent_state s)
{
        static const char *const names[] = {"initializing", "running",    "suspended",
                                            "migrating",    "hibernated", "reconstructing",
                                            "terminated"};

        return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* Every transition: WK_WASM_AGENT, target = agent id, payload = new state | partition << 16
 * | old state << 32, actor = who caused it (0 = RVM or the operator), cap = what it used. */
static void set_state(struct agent *a, enum agent_state s, uint32_t actor, cap_handle_t cap)
{
        witness_emit(&(struct witness_event){
            .kind = WK_WASM_AGENT,
            .actor = actor,
            .target = a->id,
            .cap = cap,
            .payload = (uint64_t)s | (uint64_t)a->partition << 16 | (uint64_t)a->state << 32});
        a->state = s;
}

struct agent *agent_by_principal(uint32_t principal)
{
        uint32_t id = principal - PART_MAX;

        return principal > PART_MAX && id <= agent_count ? &agents[id - 1] : NULL;
}

bool agent_partition_ok(uint32_t partition)
{
        struct partition *p = part_get(partition);

        return p != NULL && p->cfg->kind == PART_KIND_WASM && p->state == PART_RUNNING;
}

const struct agent_config *agent_config_named(const char *name, size_t len)
{
        for (size_t i = 0; i < rvm_agent_count; i++) {
                if (strlen(rvm_agents[i].name) == len &&
                    memcmp(rvm_agents[i].name, name, len) == 0) {
                        return &rvm_agents[i];
                }
        }
        return NULL;
}

static void *alloc_bytes(size_t bytes)
{
        uint64_t pa = 0;
        uint64_t pages = (bytes + PALLOC_PAGE_SIZE - 1) / PALLOC_PAGE_SIZE;

        if (mem_alloc_pages(&boot_state.mem, pages, 1, &pa) != PALLOC_OK) {
                return NULL;
        }
        memset((void *)(uintptr_t)pa, 0, pages * PALLOC_PAGE_SIZE);
        return (void *)(uintptr_t)pa;
}

static void free_bytes(void *p, size_t bytes)
{
        if (p != NULL) {
                memset(p, 0, bytes);
                mem_free_pages(&boot_state.mem, (uint64_t)(uintptr_t)p,
                               (bytes + PALLOC_PAGE_SIZE - 1) / PALLOC_PAGE_SIZE);
        }
}

/* Wake WASM partition `partition` if it sleeps because none of its agents could run. */
static void wake_partition(uint32_t partition)
{
        struct partition *p = part_get(partition);

        if (p != NULL && p->vcpus[0].state == VCPU_BLOCKED) {
                p->vcpus[0].state = VCPU_RUNNABLE;
                run_vcpu_woken(&p->vcpus[0]);
        }
}

/* ipc.c: a doorbell rang on an edge this agent waits on (run_lock held). */
static void agent_end_wake(uint32_t principal)
{
        struct agent *a = agent_by_principal(principal);

        if (a != NULL && a->waiting) {
                a->waiting = false;
                wake_partition(a->partition);
        }
}

/* A terminated agent loses its capabilities (its edges, its rights) and its memory. */
static void terminate(struct agent *a, uint32_t actor)
{
        set_state(a, AGENT_TERMINATED, actor, 0);
        cap_table_destroy(AGENT_PRINCIPAL(a->id));
        free_bytes(a->inst_mem, a->inst_size);
        free_bytes(a->module_mem, AGENT_MODULE_ARENA);
        free_bytes(a->snapshot, AGENT_SNAPSHOT);
        a->inst_mem = a->module_mem = a->snapshot = NULL;
        a->inst = NULL;
        a->waiting = false;
}

/* Decode, instantiate and begin `run`. */
static bool load(struct agent *a)
{
        struct wasm_arena arena;
        struct wasm_extern ex;

        a->module_mem = alloc_bytes(AGENT_MODULE_ARENA);
        if (a->module_mem == NULL) {
                return false;
        }
        wasm_arena_init(&arena, a->module_mem, AGENT_MODULE_ARENA);
        if (wasm_module_decode(a->cfg->wasm, *a->cfg->wasm_size, &arena, &a->module) != WASM_OK) {
                return false;
        }
        size_t need = wasm_instance_arena_size(a->module, &agent_wasm_cfg);
        if (need > AGENT_INST_MAX || (a->inst_mem = alloc_bytes(need)) == NULL) {
                return false;
        }
        a->inst_size = need;
        wasm_arena_init(&arena, a->inst_mem, need);
        return agent_host_init(a) &&
               wasm_instantiate(a->module, &agent_wasm_cfg, agent_resolve, a, &arena, &a->inst) ==
                   WASM_OK &&
               wasm_export(a->inst, "run", 3, &ex) == WASM_OK && ex.kind == WASM_KIND_FUNC &&
               wasm_call_begin(a->inst, ex.u.func, NULL, 0) == WASM_OK;
}

/* The capability a WASM partition holds to itself (EXECUTE: agents run in it); minted the
 * first time an agent needs to derive from it. */
static cap_handle_t partition_self_cap(uint32_t partition)
{
        uint32_t cursor = 0;
        struct cap_info info;

        for (cap_handle_t h; (h = cap_table_next(partition, &cursor)) != 0;) {
                if (cap_info_of(partition, h, &info) == CAP_OK && info.type == CAP_T_PARTITION &&
                    info.object_ref == partition) {
                        return h;
                }
        }
        cap_obj_t obj;
        cap_handle_t h = 0;
        if (cap_object_create(CAP_T_PARTITION, partition, 0, partition, &obj) != CAP_OK ||
            cap_mint_root(obj, partition,
                          CAP_R_READ | CAP_R_WRITE | CAP_R_GRANT | CAP_R_REVOKE | CAP_R_EXECUTE,
                          &h) != CAP_OK) {
                return 0;
        }
        return h;
}

/* RVM's root capability of type t (partition 0's table). */
static cap_handle_t rvm_root_cap(enum cap_type t)
{
        uint32_t cursor = 0;
        struct cap_info info;

        for (cap_handle_t h; (h = cap_table_next(0, &cursor)) != 0;) {
                if (cap_info_of(0, h, &info) == CAP_OK && info.type == t && info.depth == 0) {
                        return h;
                }
        }
        return 0;
}

/* The capabilities the configuration gives the agent, derived (cap_grant, witnessed) from
 * their holders' own: RVM's witness log, its partition's capability to itself. */
static bool give_caps(struct agent *a)
{
        uint32_t me = AGENT_PRINCIPAL(a->id);
        cap_handle_t h;

        if (cap_table_create(me) != CAP_OK) {
                return false;
        }
        if ((a->cfg->caps & AGENT_CAP_WITNESS) != 0) {
                struct cap_derive_req req = {.caller = 0,
                                             .parent = rvm_root_cap(CAP_T_WITNESS_LOG),
                                             .target = me,
                                             .rights = CAP_R_WRITE,
                                             .tier = PROOF_TIER_P1};
                if (cap_grant(&req, &h) != CAP_OK) {
                        return false;
                }
        }
        if ((a->cfg->caps & AGENT_CAP_SPAWN) != 0) {
                struct cap_derive_req req = {.caller = a->partition,
                                             .parent = partition_self_cap(a->partition),
                                             .target = me,
                                             .rights = CAP_R_EXECUTE,
                                             .tier = PROOF_TIER_P1};
                if (cap_grant(&req, &h) != CAP_OK) {
                        return false;
                }
        }
        return true;
}

int32_t agent_spawn(const struct agent_config *cfg, uint32_t partition, uint32_t actor,
                    cap_handle_t cap)
{
        if (agent_count == AGENT_MAX) {
                witness_emit(&(struct witness_event){.kind = WK_WASM_AGENT,
                                                     .flags = WITNESS_F_DENIED,
                                                     .actor = actor,
                                                     .cap = cap,
                                                     .payload = (uint64_t)-GATE_E_NO_SPACE});
                return GATE_E_NO_SPACE;
        }
        struct agent *a = &agents[agent_count];
        memset(a, 0, sizeof(*a));
        a->cfg = cfg;
        a->id = agent_count + 1;
        a->partition = partition;
        a->state = AGENT_INITIALIZING;
        agent_count++;
        witness_emit(&(struct witness_event){.kind = WK_WASM_AGENT,
                                             .actor = actor,
                                             .target = a->id,
                                             .cap = cap,
                                             .payload = (uint64_t)partition << 16});
        agent_fp_enter(); /* decoding and instantiating run wasm/ code */
        if (!give_caps(a) || !load(a)) {
                terminate(a, actor);
                return GATE_E_INVALID;
        }
        set_state(a, AGENT_RUNNING, actor, cap);
        wake_partition(partition);
        return (int32_t)a->id;
}

/* An edge end of the configuration: a partition, or EDGE_AGENT(position of the agent in
 * rvm_agents; ids[] maps it to the agent started from it); 0 if it is not in this boot. */
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

unsigned agent_boot(void)
{
        unsigned started = 0;
        uint32_t ids[AGENT_MAX] = {0}; /* configuration position -> agent id */

        ipc_set_end_waker(agent_end_wake);
        run_lock_take();
        for (size_t i = 0; i < rvm_agent_count; i++) {
                struct partition *p = part_get(rvm_agents[i].partition);
                if (rvm_agents[i].on_demand || p == NULL || p->cfg->kind != PART_KIND_WASM) {
                        continue; /* spawned later, or not in this boot (a test scenario) */
                }
                int32_t id = agent_spawn(&rvm_agents[i], p->id, 0, 0);
                if (id > 0 && i < AGENT_MAX) {
                        ids[i] = (uint32_t)id;
                        started++;
                }
        }
        /* CommEdges with an agent end: now that the agents have their principals. */
        for (size_t i = 0; i < rvm_edge_count; i++) {
                const struct edge_config *e = &rvm_edges[i];
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
        return started;
}

/*
 * The interpreter (any wasm_* call) uses FP/SIMD at EL2: park the FP state of the vCPU that
 * last used it here, stop trapping FP, and set exact WebAssembly numerics. Every entry into
 * wasm/ goes through this first (with IRQs masked, so this CPU stays the same).
 */
static void agent_fp_enter(void)
{
        struct percpu *c = this_cpu();

        arch_fp_trap(false); /* first: saving the registers is an FP access too */
        if (c->fp_owner != NULL) {
                arch_fp_save(&c->fp_owner->fp);
                c->fp_owner = NULL;
        }
        arch_fp_reset(); /* round to nearest even, no flush to zero */
}

static bool runnable(const struct agent *a, uint32_t partition)
{
        return a->partition == partition && a->state == AGENT_RUNNING && !a->waiting && !a->on_cpu;
}

/* The next of p's agents that can run, round robin, marked on this CPU (run_lock held). */
static struct agent *pick(const struct partition *p)
{
        unsigned *cursor = &agent_cursor[p->id <= PART_MAX ? p->id : 0];

        for (unsigned n = 0; n < agent_count; n++) {
                struct agent *a = &agents[(*cursor)++ % agent_count];
                if (runnable(a, p->id)) {
                        a->on_cpu = true;
                        return a;
                }
        }
        return NULL;
}

void agent_run_partition(struct partition *p)
{
        struct percpu *c = this_cpu();
        unsigned turns = 0;
        bool idle = false;

        agent_fp_enter();
        arch_irqs_on(); /* the tick must be able to end this partition's turn */
        while (!__atomic_load_n(&c->need_resched, __ATOMIC_RELAXED) && turns < AGENT_TURNS) {
                uint64_t saved = agent_lock();
                struct agent *a = pick(p);
                agent_unlock(saved);
                if (a == NULL) {
                        idle = true;
                        break;
                }
                turns++;
                enum wasm_status st = wasm_run(a->inst, AGENT_FUEL);
                saved = agent_lock();
                a->on_cpu = false;
                a->turns++;
                a->fuel_used += (uint64_t)(AGENT_FUEL - wasm_fuel_left(a->inst));
                if (st == WASM_TRAP) {
                        a->trap = wasm_trap_code(a->inst);
                }
                if (st != WASM_YIELD) {
                        terminate(a, AGENT_PRINCIPAL(a->id)); /* returned from run, or trapped */
                }
                agent_unlock(saved);
        }
        arch_irqs_off();
        run_lock_take();
        if (idle) {
                /* None of p's agents can run: p sleeps until one can (doorbell, resume,
                 * spawn, migration), so waiting agents cost neither fuel nor CPU. */
                p->vcpus[0].state = VCPU_BLOCKED;
                run_vcpu_blocked(&p->vcpus[0]);
        } else if (turns >= AGENT_TURNS) {
                run_yield(); /* it had its turns: let the other partitions in */
                c->need_resched = true;
        }
        run_lock_give();
}

/* Lifecycle changes wait for the agent to leave its CPU (at most one turn of fuel). Returns
 * with run_lock held and IRQs masked (the saved state in *saved). */
static void lock_idle(struct agent *a, uint64_t *saved)
{
        for (;;) {
                *saved = agent_lock();
                if (!a->on_cpu) {
                        return;
                }
                agent_unlock(*saved);
        }
}

/* Serialise the whole instance (memory, globals, table, stacks, frames, pc) and wipe its
 * arena, so that what comes back is rebuilt from the snapshot alone. */
static bool checkpoint(struct agent *a)
{
        size_t len = 0;

        if (a->snapshot == NULL && (a->snapshot = alloc_bytes(AGENT_SNAPSHOT)) == NULL) {
                return false;
        }
        agent_fp_enter();
        if (wasm_snapshot_save(a->inst, a->snapshot, AGENT_SNAPSHOT, &len) != WASM_OK) {
                return false;
        }
        a->snapshot_len = len;
        memset(a->inst_mem, 0, a->inst_size);
        a->inst = NULL;
        return true;
}

/* A fresh instance of the same module in a->inst_mem, then its saved state. */
static bool rebuild(struct agent *a)
{
        struct wasm_arena arena;

        agent_fp_enter();
        wasm_arena_init(&arena, a->inst_mem, a->inst_size);
        a->waiting = false; /* a pending rvm.recv is retried and waits again if it must */
        return wasm_instantiate(a->module, &agent_wasm_cfg, agent_resolve, a, &arena, &a->inst) ==
                   WASM_OK &&
               wasm_snapshot_restore(a->inst, a->snapshot, a->snapshot_len) == WASM_OK;
}

static int hibernate(struct agent *a)
{
        if (a->state != AGENT_RUNNING && a->state != AGENT_SUSPENDED) {
                return -1;
        }
        if (!checkpoint(a)) {
                return -1;
        }
        set_state(a, AGENT_HIBERNATED, 0, 0);
        return 0;
}

static int reconstruct(struct agent *a)
{
        if (a->state != AGENT_HIBERNATED) {
                return -1;
        }
        set_state(a, AGENT_RECONSTRUCTING, 0, 0);
        if (!rebuild(a)) {
                terminate(a, 0);
                return -1;
        }
        set_state(a, AGENT_RUNNING, 0, 0);
        wake_partition(a->partition);
        return 0;
}

/*
 * Migration to WASM partition `to`: checkpoint (migrating), give up the instance arena,
 * take a new one for the destination, rebuild the instance there from the snapshot alone
 * (reconstructing), and go on in the state it had. Its principal, capabilities and edges
 * are unchanged: they name the agent, not the partition.
 */
static int migrate(struct agent *a, uint32_t to)
{
        enum agent_state was = a->state;

        if ((was != AGENT_RUNNING && was != AGENT_SUSPENDED) || to == a->partition ||
            !agent_partition_ok(to)) {
                return -1;
        }
        set_state(a, AGENT_MIGRATING, 0, 0);
        void *dest = alloc_bytes(a->inst_size);
        if (dest == NULL || !checkpoint(a)) {
                free_bytes(dest, a->inst_size);
                set_state(a, was, 0, 0); /* nothing moved (an unsaved instance is intact) */
                return -1;
        }
        free_bytes(a->inst_mem, a->inst_size);
        a->inst_mem = dest;
        a->partition = to;
        a->migrations++;
        set_state(a, AGENT_RECONSTRUCTING, 0, 0);
        if (!rebuild(a)) {
                terminate(a, 0);
                return -1;
        }
        set_state(a, was, 0, 0);
        wake_partition(to);
        return 0;
}

static int cmd_agents(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        con_printf(
            "id name         part state          turns     fuel used    logs  sent    "
            "recv    caps\n");
        uint64_t saved = agent_lock();
        for (unsigned i = 0; i < agent_count; i++) {
                const struct agent *a = &agents[i];
                con_printf("%-2u %-12s %-4u %-14s %-9llu %-12llu %-5llu %-7llu %-7llu %u%s\n",
                           a->id, a->cfg->name, a->partition, state_name(a->state),
                           (unsigned long long)a->turns, (unsigned long long)a->fuel_used,
                           (unsigned long long)a->logs, (unsigned long long)a->sent,
                           (unsigned long long)a->received, cap_table_used(AGENT_PRINCIPAL(a->id)),
                           a->waiting ? " (waiting)" : "");
        }
        agent_unlock(saved);
        if (agent_count == 0) {
                con_puts("(no agents in this profile)\n");
        }
        return 0;
}
MONITOR_CMD(agents, "agents", "", "WebAssembly agents: partition, state, turns, fuel, messages",
            cmd_agents);

static unsigned parse_small(const char *s, unsigned max)
{
        unsigned v = 0;

        for (; s != NULL && *s >= '0' && *s <= '9' && v <= max; s++) {
                v = v * 10 + (unsigned)(*s - '0');
        }
        return s != NULL && *s == '\0' && v <= max ? v : 0;
}

/*
 * The monitor runs on CPU 0 between two turns of whatever vCPU was there. Park its FP
 * registers first (every operation, whether it enters the interpreter or not), then trap
 * FP again, so that its next FP instruction reloads them rather than finding what the
 * interpreter left. (Re-arming the trap without parking would make that reload read a
 * stale copy while the live registers are lost; parking with the trap armed would take an
 * FP trap at EL2: CI caught that after `agent suspend` then `agent hibernate`.)
 */
static int cmd_agent_op(int argc, char **argv);

static int cmd_agent(int argc, char **argv)
{
        agent_fp_enter();
        int r = cmd_agent_op(argc, argv);

        arch_fp_trap(true);
        return r;
}

static int cmd_agent_op(int argc, char **argv)
{
        if (argc >= 3 && strcmp(argv[1], "spawn") == 0) {
                const struct agent_config *cfg = agent_config_named(argv[2], strlen(argv[2]));
                unsigned part =
                    argc == 4 ? parse_small(argv[3], PART_MAX) : (cfg != NULL ? cfg->partition : 0);
                uint64_t saved = agent_lock();
                int32_t id = cfg != NULL && agent_partition_ok(part) && argc <= 4
                                 ? agent_spawn(cfg, part, 0, 0)
                                 : GATE_E_INVALID;
                agent_unlock(saved);
                if (id < 0) {
                        con_printf("agent: cannot spawn '%s' (%s)\n", argv[2],
                                   id == GATE_E_NO_SPACE ? "AGENT_MAX agents exist"
                                                         : "no such module or WASM partition");
                        return -1;
                }
                con_printf("agent %d (%s): spawned in partition %u\n", (int)id, cfg->name, part);
                return 0;
        }
        bool mig = argc == 4 && strcmp(argv[1], "migrate") == 0;
        unsigned id = argc == 3 || mig ? parse_small(argv[2], AGENT_MAX) : 0;
        if (id == 0 || id > agent_count) {
                con_puts(
                    "usage: agent suspend|resume|hibernate|reconstruct|kill <id>\n"
                    "       agent migrate <id> <partition>   agent spawn <module> "
                    "[partition]\n");
                return -1;
        }
        struct agent *a = &agents[id - 1];
        int r = -1;
        uint64_t saved;
        lock_idle(a, &saved);
        if (strcmp(argv[1], "suspend") == 0 && a->state == AGENT_RUNNING) {
                set_state(a, AGENT_SUSPENDED, 0, 0);
                r = 0;
        } else if (strcmp(argv[1], "resume") == 0 && a->state == AGENT_SUSPENDED) {
                set_state(a, AGENT_RUNNING, 0, 0);
                wake_partition(a->partition);
                r = 0;
        } else if (strcmp(argv[1], "hibernate") == 0) {
                r = hibernate(a);
        } else if (strcmp(argv[1], "reconstruct") == 0) {
                r = reconstruct(a);
        } else if (mig) {
                r = migrate(a, parse_small(argv[3], PART_MAX));
        } else if (strcmp(argv[1], "kill") == 0 && a->state != AGENT_TERMINATED) {
                terminate(a, 0);
                r = 0;
        }
        agent_unlock(saved);
        if (r != 0) {
                con_printf("agent: cannot %s agent %u (it is %s in partition %u)\n", argv[1], id,
                           state_name(a->state), a->partition);
                return -1;
        }
        con_printf("agent %u (%s): %s in partition %u\n", id, a->cfg->name, state_name(a->state),
                   a->partition);
        return 0;
}
MONITOR_CMD(agent, "agent", "<op> <id> | migrate <id> <part> | spawn <module> [part]",
            "suspend/resume/hibernate/reconstruct/kill/migrate/spawn an agent", cmd_agent);
