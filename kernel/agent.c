/*
 * kernel/agent.c: WebAssembly agents (see agent.h) and the `agents` monitor command.
 * Each agent has two arenas from the page allocator: one for its decoded module, one for
 * its instance (linear memory, stacks, frames); nothing is allocated while it runs. The
 * host module "rvm" gives it log, time and yield, which act on the agent alone.
 */
#include "kernel/agent.h"

#include <stdbool.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "configs/partitions.h"
#include "hal/timer.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "memory/memory.h"
#include "wasm/wasm.h"
#include "witness/witness.h"

#define AGENT_MAX          8
#define AGENT_FUEL         20000 /* per turn: a few hundred microseconds of bytecode */
#define AGENT_MODULE_ARENA (256u << 10)
#define AGENT_MEM_PAGES    2            /* linear memory reserved per agent (128 KiB) */
#define AGENT_TURNS        8            /* turns per partition turn before others get the CPU */
#define AGENT_SNAPSHOT     (512u << 10) /* hibernation buffer per agent */

struct agent {
        const struct agent_config *cfg;
        uint32_t id;
        enum agent_state state;
        const struct wasm_module *module;
        struct wasm_instance *inst;
        struct wasm_func host_log, host_time, host_yield;
        struct wasm_func *entry;
        bool yield_pending; /* rvm.yield: the first call yields, the retry returns */
        uint8_t *snapshot;  /* hibernation: the serialised instance */
        size_t snapshot_len;
        void *inst_mem; /* the instance arena (wiped while hibernated) */
        size_t inst_size;
        uint64_t turns, fuel_used, logs, calls;
        enum wasm_trap trap;
};

static void agent_fp_enter(void);

static struct agent agents[AGENT_MAX];
static unsigned agent_count;
static unsigned agent_cursor;

static const char *state_name(enum agent_state s)
{
        static const char *const names[] = {"initializing", "running",    "suspended",
                                            "migrating",    "hibernated", "reconstructing",
                                            "terminated"};

        return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void set_state(struct agent *a, enum agent_state s)
{
        witness_emit(&(struct witness_event){.kind = WK_WASM_AGENT,
                                             .actor = a->cfg->partition,
                                             .target = a->id,
                                             .payload = (uint64_t)s | (uint64_t)a->state << 32});
        a->state = s;
}

/* rvm.log(ptr, len): text from the agent's own memory, bounds-checked. */
static enum wasm_host_status host_log(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        struct agent *a = ctx;
        struct wasm_memory *mem = wasm_instance_memory(caller);
        uint64_t ptr = (uint32_t)slots[0];
        uint64_t len = (uint32_t)slots[1];
        char line[160];

        if (mem == NULL || len > sizeof(line) - 1 ||
            ptr + len > (uint64_t)mem->pages * WASM_PAGE_SIZE) {
                return WASM_HOST_TRAP; /* an agent that lies about its buffer is stopped */
        }
        for (uint64_t i = 0; i < len; i++) {
                char ch = (char)mem->data[ptr + i];
                line[i] = (ch == '\n' || (ch >= 0x20 && ch <= 0x7e)) ? ch : '?';
        }
        line[len] = '\0';
        a->logs++;
        con_printf("[agent %s] %s", a->cfg->name, line);
        return WASM_HOST_OK;
}

static enum wasm_host_status host_time(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        (void)ctx;
        (void)caller;
        slots[0] = hal_time_ns();
        return WASM_HOST_OK;
}

static enum wasm_host_status host_yield(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        struct agent *a = ctx;

        (void)caller;
        (void)slots;
        /* wasm_run() retries a yielding host call when resumed: yield once, then return. */
        a->yield_pending = !a->yield_pending;
        return a->yield_pending ? WASM_HOST_YIELD : WASM_HOST_OK;
}

static bool resolve(void *ctx, const char *module, uint32_t module_len, const char *name,
                    uint32_t name_len, uint8_t kind, struct wasm_extern *out)
{
        struct agent *a = ctx;
        struct wasm_func *f = NULL;

        if (module_len != 3 || memcmp(module, "rvm", 3) != 0 || kind != 0 /* function */) {
                return false;
        }
        if (name_len == 3 && memcmp(name, "log", 3) == 0) {
                f = &a->host_log;
        } else if (name_len == 4 && memcmp(name, "time", 4) == 0) {
                f = &a->host_time;
        } else if (name_len == 5 && memcmp(name, "yield", 5) == 0) {
                f = &a->host_yield;
        }
        if (f == NULL) {
                return false;
        }
        out->kind = 0;
        out->u.func = f;
        return true;
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

static const struct wasm_config agent_wasm_cfg = {
    .mem_cap_pages = AGENT_MEM_PAGES, .stack_slots = 4096, .max_frames = 256};

static bool agent_start(struct agent *a)
{
        const struct wasm_config cfg = agent_wasm_cfg;
        struct wasm_arena arena;
        struct wasm_extern ex;

        void *mod_mem = alloc_bytes(AGENT_MODULE_ARENA);
        if (mod_mem == NULL) {
                return false;
        }
        wasm_arena_init(&arena, mod_mem, AGENT_MODULE_ARENA);
        if (wasm_module_decode(a->cfg->wasm, *a->cfg->wasm_size, &arena, &a->module) != WASM_OK) {
                return false;
        }
        size_t need = wasm_instance_arena_size(a->module, &cfg);
        if (need > (8u << 20)) {
                return false; /* an agent's instance is bounded */
        }
        void *inst_mem = alloc_bytes(need);
        if (inst_mem == NULL) {
                return false;
        }
        a->inst_mem = inst_mem;
        a->inst_size = need;
        wasm_arena_init(&arena, inst_mem, need);
        if (wasm_host_func_init(&a->host_log, "ii", host_log, a) != WASM_OK ||
            wasm_host_func_init(&a->host_time, ":I", host_time, a) != WASM_OK ||
            wasm_host_func_init(&a->host_yield, "", host_yield, a) != WASM_OK ||
            wasm_instantiate(a->module, &cfg, resolve, a, &arena, &a->inst) != WASM_OK ||
            wasm_export(a->inst, "run", 3, &ex) != WASM_OK || ex.kind != 0 ||
            wasm_call_begin(a->inst, ex.u.func, NULL, 0) != WASM_OK) {
                return false;
        }
        a->entry = ex.u.func;
        return true;
}

unsigned agent_boot(void)
{
        unsigned started = 0;

        agent_fp_enter();
        for (size_t i = 0; i < rvm_agent_count && agent_count < AGENT_MAX; i++) {
                struct partition *p = part_get(rvm_agents[i].partition);
                if (p == NULL || p->cfg->kind != PART_KIND_WASM) {
                        continue; /* its WASM partition is not in this boot (a test scenario) */
                }
                struct agent *a = &agents[agent_count];
                a->cfg = &rvm_agents[i];
                a->id = agent_count + 1;
                a->state = AGENT_INITIALIZING;
                agent_count++;
                witness_emit(&(struct witness_event){
                    .kind = WK_WASM_AGENT, .actor = a->cfg->partition, .target = a->id});
                if (agent_start(a)) {
                        set_state(a, AGENT_RUNNING);
                        started++;
                } else {
                        set_state(a, AGENT_TERMINATED);
                }
        }
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

        if (c->fp_owner != NULL) {
                arch_fp_save(&c->fp_owner->fp);
                c->fp_owner = NULL;
        }
        arch_fp_trap(false);
        arch_fp_reset(); /* round to nearest even, no flush to zero */
}

void agent_run_partition(struct partition *p)
{
        struct percpu *c = this_cpu();

        agent_fp_enter();
        arch_irqs_on(); /* the tick must be able to end this partition's turn */
        unsigned idle_rounds = 0;
        unsigned turns = 0;
        while (!__atomic_load_n(&c->need_resched, __ATOMIC_RELAXED) && idle_rounds < AGENT_MAX &&
               turns < AGENT_TURNS) {
                struct agent *a = &agents[agent_cursor++ % (agent_count ? agent_count : 1)];
                if (agent_count == 0 || a->cfg->partition != p->id || a->state != AGENT_RUNNING) {
                        idle_rounds++;
                        continue;
                }
                idle_rounds = 0;
                turns++;
                enum wasm_status st = wasm_run(a->inst, AGENT_FUEL);
                a->turns++;
                a->fuel_used += (uint64_t)(AGENT_FUEL - wasm_fuel_left(a->inst));
                if (st == WASM_DONE) {
                        set_state(a, AGENT_TERMINATED);
                } else if (st == WASM_TRAP) {
                        a->trap = wasm_trap_code(a->inst);
                        set_state(a, AGENT_TERMINATED);
                }
        }
        arch_irqs_off();
        if (idle_rounds >= AGENT_MAX || turns >= AGENT_TURNS) {
                /* Nothing of p's can run, or it had its turns: let the other partitions in. */
                spin_lock(&run_lock);
                run_yield();
                c->need_resched = true;
                spin_unlock(&run_lock);
        }
}

/*
 * Hibernate: serialise the whole instance (memory, globals, table, stacks, frames, pc) and
 * wipe the arena, so reconstruction really rebuilds it. Reconstruct: restore it in place;
 * the agent resumes exactly where it was.
 */
static int hibernate(struct agent *a)
{
        if (a->state != AGENT_RUNNING && a->state != AGENT_SUSPENDED) {
                return -1;
        }
        if (a->snapshot == NULL && (a->snapshot = alloc_bytes(AGENT_SNAPSHOT)) == NULL) {
                return -1;
        }
        agent_fp_enter();
        size_t len = 0;
        if (wasm_snapshot_save(a->inst, a->snapshot, AGENT_SNAPSHOT, &len) != WASM_OK) {
                return -1;
        }
        a->snapshot_len = len;
        memset(a->inst_mem, 0, a->inst_size); /* memory, stacks, frames: really gone */
        a->inst = NULL;
        set_state(a, AGENT_HIBERNATED);
        return 0;
}

static int reconstruct(struct agent *a)
{
        if (a->state != AGENT_HIBERNATED) {
                return -1;
        }
        set_state(a, AGENT_RECONSTRUCTING);
        agent_fp_enter();
        /* A fresh instance of the same module in the same arena, then its saved state. */
        struct wasm_arena arena;
        wasm_arena_init(&arena, a->inst_mem, a->inst_size);
        if (wasm_instantiate(a->module, &agent_wasm_cfg, resolve, a, &arena, &a->inst) != WASM_OK ||
            wasm_snapshot_restore(a->inst, a->snapshot, a->snapshot_len) != WASM_OK) {
                set_state(a, AGENT_TERMINATED);
                return -1;
        }
        set_state(a, AGENT_RUNNING);
        return 0;
}

static int cmd_agents(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        con_printf("id name         partition state          turns     fuel used    logs\n");
        for (unsigned i = 0; i < agent_count; i++) {
                const struct agent *a = &agents[i];
                con_printf("%-2u %-12s %-9u %-14s %-9llu %-12llu %llu\n", a->id, a->cfg->name,
                           a->cfg->partition, state_name(a->state), (unsigned long long)a->turns,
                           (unsigned long long)a->fuel_used, (unsigned long long)a->logs);
        }
        if (agent_count == 0) {
                con_puts("(no agents in this profile)\n");
        }
        return 0;
}
MONITOR_CMD(agents, "agents", "", "WebAssembly agents: state, turns, fuel", cmd_agents);

static int cmd_agent(int argc, char **argv)
{
        unsigned id = 0;

        if (argc == 3 && argv[2][0] >= '1' && argv[2][0] <= '9' && argv[2][1] == '\0') {
                id = (unsigned)(argv[2][0] - '0');
        }
        if (id == 0 || id > agent_count) {
                con_puts("usage: agent suspend|resume|hibernate|reconstruct|kill <id>\n");
                return -1;
        }
        struct agent *a = &agents[id - 1];
        int r = -1;
        spin_lock(&run_lock);
        if (strcmp(argv[1], "suspend") == 0 && a->state == AGENT_RUNNING) {
                set_state(a, AGENT_SUSPENDED);
                r = 0;
        } else if (strcmp(argv[1], "resume") == 0 && a->state == AGENT_SUSPENDED) {
                set_state(a, AGENT_RUNNING);
                r = 0;
        } else if (strcmp(argv[1], "hibernate") == 0) {
                r = hibernate(a);
        } else if (strcmp(argv[1], "reconstruct") == 0) {
                r = reconstruct(a);
        } else if (strcmp(argv[1], "kill") == 0 && a->state != AGENT_TERMINATED) {
                set_state(a, AGENT_TERMINATED);
                r = 0;
        }
        spin_unlock(&run_lock);
        if (r != 0) {
                con_printf("agent: cannot %s agent %u (it is %s)\n", argv[1], id,
                           state_name(a->state));
                return -1;
        }
        con_printf("agent %u (%s): %s\n", id, a->cfg->name, state_name(a->state));
        return 0;
}
MONITOR_CMD(agent, "agent", "<op> <id>", "suspend/resume/hibernate/reconstruct/kill an agent",
            cmd_agent);
