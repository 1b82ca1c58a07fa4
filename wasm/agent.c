/*
 * wasm/agent.c: the WebAssembly agents' lifecycle (see agent.h): creation at boot and by
 * spawn, their capabilities, their turns in their WASM partition, waiting and waking, and
 * suspend, hibernate, reconstruct, migrate and kill. The host module "rvm" is agent_calls.c.
 *
 * Spawning only reserves an agent (its id, its capabilities: initializing) under the lock;
 * its module is decoded and instantiated outside it, on its first turn (or by agent_load), so
 * that no spawn holds the lock every CPU's tick needs for as long as a module takes to load.
 *
 * Memory: each agent has a module arena and an instance arena from env->alloc, taken when it
 * loads and when it migrates; never while it runs. The page allocator is the lock's: a load
 * takes the lock for each allocation alone and zeroes the pages outside it, and an agent
 * that ends on its own CPU is wiped there before the lock is taken to free its pages.
 */
#include "wasm/agent.h"

#include <string.h>

#include "proof/proof.h"
#include "wasm/agent_priv.h"
#include "witness/witness.h"

#define AGENT_MODULE_ARENA (256u << 10)
#define AGENT_MEM_PAGES    2            /* linear memory reserved per agent (128 KiB) */
#define AGENT_SNAPSHOT     (512u << 10) /* hibernation / migration buffer per agent */
#define AGENT_INST_MAX     (8u << 20)   /* an agent's instance is bounded */

const struct agent_env *agent_env;
static struct agent agents[AGENT_MAX];
static uint32_t agents_made;
static uint32_t cursor[AGENT_PRINCIPAL_BASE + 1]; /* per partition: where its round robin is */

static const struct wasm_config agent_wasm_cfg = {
    .mem_cap_pages = AGENT_MEM_PAGES, .stack_slots = 4096, .max_frames = 256};

void agent_init(const struct agent_env *env)
{
        agent_env = env;
        memset(agents, 0, sizeof(agents));
        memset(cursor, 0, sizeof(cursor));
        agents_made = 0;
}

uint32_t agent_count(void)
{
        return agents_made;
}

const char *agent_state_name(enum agent_state s)
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
        uint32_t id = principal - AGENT_PRINCIPAL_BASE;

        return principal > AGENT_PRINCIPAL_BASE && id <= agents_made ? &agents[id - 1] : NULL;
}

bool agent_is(uint32_t principal)
{
        return agent_by_principal(principal) != NULL;
}

bool agent_info(uint32_t id, struct agent_info *out)
{
        if (id == 0 || id > agents_made) {
                return false;
        }
        const struct agent *a = &agents[id - 1];
        *out = (struct agent_info){
            .id = a->id,
            .name = a->img.name,
            .partition = a->partition,
            .state = a->state,
            .waiting = a->waiting,
            .turns = a->turns,
            .fuel_used = a->fuel_used,
            .logs = a->logs,
            .sent = a->sent,
            .received = a->received,
            .migrations = a->migrations,
            .trap = a->trap,
            .caps = cap_table_used(AGENT_PRINCIPAL(a->id)),
            .arena_bytes = a->inst_size,
        };
        return true;
}

/* Zeroed pages (env->alloc does not zero them). Lock held. */
static void *alloc_bytes(size_t bytes)
{
        void *p = agent_env->alloc(bytes);

        if (p != NULL) {
                memset(p, 0, bytes);
        }
        return p;
}

/* The same without the lock: it is taken for the allocation alone, the zeroing is outside. */
static void *alloc_unlocked(size_t bytes)
{
        uint64_t saved = agent_env->lock();
        void *p = agent_env->alloc(bytes);

        agent_env->unlock(saved);
        if (p != NULL) {
                memset(p, 0, bytes);
        }
        return p;
}

/* Wipe and give back. Lock held. */
static void free_bytes(void *p, size_t bytes)
{
        if (p != NULL) {
                memset(p, 0, bytes);
                agent_env->free(p, bytes);
        }
}

/* Wipe what an agent's memory holds: lock held, or the agent on this CPU (on_cpu: nothing else
 * touches it then, so its CPU does this outside the lock). */
static void wipe(const struct agent *a, size_t inst_size)
{
        if (a->inst_mem != NULL) {
                memset(a->inst_mem, 0, inst_size);
        }
        if (a->module_mem != NULL) {
                memset(a->module_mem, 0, AGENT_MODULE_ARENA);
        }
        if (a->snapshot != NULL) {
                memset(a->snapshot, 0, AGENT_SNAPSHOT);
        }
}

static void give_back(void *p, size_t bytes)
{
        if (p != NULL) {
                agent_env->free(p, bytes);
        }
}

void agent_doorbell(uint32_t principal)
{
        struct agent *a = agent_by_principal(principal);

        if (a != NULL && a->waiting) {
                a->waiting = false;
                agent_env->wake_partition(a->partition);
        }
}

/* A terminated agent loses its capabilities (its edges, its rights) and its memory, wiped
 * (`wiped`: already, by its own CPU). Lock held. */
static void terminate(struct agent *a, uint32_t actor, bool wiped)
{
        set_state(a, AGENT_TERMINATED, actor, 0);
        cap_table_destroy(AGENT_PRINCIPAL(a->id));
        if (!wiped) {
                wipe(a, a->inst_size);
        }
        give_back(a->inst_mem, a->inst_size);
        give_back(a->module_mem, AGENT_MODULE_ARENA);
        give_back(a->snapshot, AGENT_SNAPSHOT);
        a->inst_mem = a->module_mem = a->snapshot = NULL;
        a->inst = NULL;
        a->waiting = false;
}

/* Decode, instantiate and begin `run`: without the lock, the agent on this CPU (on_cpu) and
 * FP/SIMD usable. *inst_size = the instance arena's size, 0 if none was taken (the lock
 * guards the agent's own field: the caller sets it). */
static bool load(struct agent *a, size_t *inst_size)
{
        struct wasm_arena arena;
        struct wasm_extern ex;

        *inst_size = 0;
        a->module_mem = alloc_unlocked(AGENT_MODULE_ARENA);
        if (a->module_mem == NULL) {
                return false;
        }
        wasm_arena_init(&arena, a->module_mem, AGENT_MODULE_ARENA);
        if (wasm_module_decode(a->img.wasm, a->img.wasm_size, &arena, &a->module) != WASM_OK) {
                return false;
        }
        size_t need = wasm_instance_arena_size(a->module, &agent_wasm_cfg);
        if (need > AGENT_INST_MAX || (a->inst_mem = alloc_unlocked(need)) == NULL) {
                return false;
        }
        *inst_size = need;
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
        uint32_t at = 0;
        struct cap_info info;

        for (cap_handle_t h; (h = cap_table_next(partition, &at)) != 0;) {
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
        uint32_t at = 0;
        struct cap_info info;

        for (cap_handle_t h; (h = cap_table_next(0, &at)) != 0;) {
                if (cap_info_of(0, h, &info) == CAP_OK && info.type == t && info.depth == 0) {
                        return h;
                }
        }
        return 0;
}

/* The capabilities the image gives the agent, derived (cap_grant, witnessed) from their
 * holders' own: RVM's witness log, its partition's capability to itself. */
static bool give_caps(struct agent *a)
{
        uint32_t me = AGENT_PRINCIPAL(a->id);
        cap_handle_t h;

        if (cap_table_create(me) != CAP_OK) {
                return false;
        }
        if (a->img.may_witness) {
                struct cap_derive_req req = {.caller = 0,
                                             .parent = rvm_root_cap(CAP_T_WITNESS_LOG),
                                             .target = me,
                                             .rights = CAP_R_WRITE,
                                             .tier = PROOF_TIER_P1};
                if (cap_grant(&req, &h) != CAP_OK) {
                        return false;
                }
        }
        if (a->img.may_spawn) {
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

int32_t agent_spawn(const struct agent_image *img, uint32_t partition, uint32_t actor,
                    cap_handle_t cap)
{
        if (partition == 0 || partition > AGENT_PRINCIPAL_BASE ||
            !agent_env->partition_ok(partition)) {
                return AGENT_E_INVALID;
        }
        if (agents_made == AGENT_MAX) {
                witness_emit(&(struct witness_event){.kind = WK_WASM_AGENT,
                                                     .flags = WITNESS_F_DENIED,
                                                     .actor = actor,
                                                     .cap = cap,
                                                     .payload = (uint64_t)-AGENT_E_NO_SPACE});
                return AGENT_E_NO_SPACE;
        }
        struct agent *a = &agents[agents_made];
        memset(a, 0, sizeof(*a));
        a->img = *img;
        a->id = agents_made + 1;
        a->partition = partition;
        a->state = AGENT_INITIALIZING;
        a->spawner = actor;
        a->spawn_cap = cap;
        agents_made++;
        witness_emit(&(struct witness_event){.kind = WK_WASM_AGENT,
                                             .actor = actor,
                                             .target = a->id,
                                             .cap = cap,
                                             .payload = (uint64_t)partition << 16});
        if (!give_caps(a)) {
                terminate(a, actor, false);
                return AGENT_E_INVALID;
        }
        agent_env->wake_partition(partition); /* its first turn loads it */
        return (int32_t)a->id;
}

/*
 * An initializing agent's first turn, on this CPU (on_cpu) without the lock: its module is
 * decoded and instantiated and its `run` begun (FP/SIMD usable). Then, under the lock, it is
 * running or, if that failed, terminated, its arenas wiped here first; either record names
 * the spawn's actor, as when a spawn loaded the module itself. Returns true if it runs.
 */
static bool start(struct agent *a)
{
        size_t inst_size = 0;
        const bool ok = load(a, &inst_size);

        if (!ok) {
                wipe(a, inst_size);
        }
        uint64_t saved = agent_env->lock();
        a->on_cpu = false;
        a->inst_size = inst_size;
        a->loaded = ok;
        if (ok) {
                set_state(a, AGENT_RUNNING, a->spawner, a->spawn_cap);
        } else {
                terminate(a, a->spawner, true);
        }
        agent_env->unlock(saved);
        return ok;
}

/* Running, or initializing: its turn is its load. */
static bool runnable(const struct agent *a, uint32_t partition)
{
        return a->partition == partition &&
               (a->state == AGENT_RUNNING || a->state == AGENT_INITIALIZING) && !a->waiting &&
               !a->on_cpu;
}

bool agent_runnable(uint32_t partition)
{
        for (uint32_t i = 0; i < agents_made; i++) {
                if (runnable(&agents[i], partition)) {
                        return true;
                }
        }
        return false;
}

/* The next of the partition's agents that can run, round robin, marked on this CPU. Lock
 * held. */
static struct agent *pick(uint32_t partition)
{
        uint32_t *at = &cursor[partition <= AGENT_PRINCIPAL_BASE ? partition : 0];

        for (uint32_t n = 0; n < agents_made; n++) {
                struct agent *a = &agents[(*at)++ % agents_made];
                if (runnable(a, partition)) {
                        a->on_cpu = true;
                        return a;
                }
        }
        return NULL;
}

bool agent_run_turn(uint32_t partition)
{
        uint64_t saved = agent_env->lock();
        struct agent *a = pick(partition);
        const bool first = a != NULL && a->state == AGENT_INITIALIZING;
        agent_env->unlock(saved);
        if (a == NULL) {
                return false;
        }
        if (first) {
                (void)start(a); /* the whole turn: no bytecode runs in it */
                return true;
        }
        const enum wasm_status st = wasm_run(a->inst, AGENT_FUEL);
        const bool ends = st != WASM_YIELD; /* returned from run, or trapped */
        const uint64_t used = (uint64_t)(AGENT_FUEL - wasm_fuel_left(a->inst));
        const enum wasm_trap trap = st == WASM_TRAP ? wasm_trap_code(a->inst) : WASM_TRAP_NONE;
        if (ends) {
                wipe(a, a->inst_size); /* still on this CPU: before the lock, not under it */
        }
        saved = agent_env->lock();
        a->on_cpu = false;
        a->turns++;
        a->fuel_used += used;
        if (st == WASM_TRAP) {
                a->trap = trap;
        }
        if (ends) {
                terminate(a, AGENT_PRINCIPAL(a->id), true);
        }
        agent_env->unlock(saved);
        return true;
}

/* Serialise the whole instance (memory, globals, table, stacks, frames, pc) and wipe its
 * arena, so that what comes back is rebuilt from the snapshot alone. */
static bool checkpoint(struct agent *a)
{
        size_t len = 0;

        if (a->snapshot == NULL && (a->snapshot = alloc_bytes(AGENT_SNAPSHOT)) == NULL) {
                return false;
        }
        agent_env->fp_enter();
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

        agent_env->fp_enter();
        wasm_arena_init(&arena, a->inst_mem, a->inst_size);
        a->waiting = false; /* a pending rvm.recv is retried and waits again if it must */
        return wasm_instantiate(a->module, &agent_wasm_cfg, agent_resolve, a, &arena, &a->inst) ==
                   WASM_OK &&
               wasm_snapshot_restore(a->inst, a->snapshot, a->snapshot_len) == WASM_OK;
}

static int32_t hibernate(struct agent *a)
{
        if (a->state != AGENT_RUNNING && a->state != AGENT_SUSPENDED) {
                return AGENT_E_INVALID;
        }
        if (!checkpoint(a)) {
                return AGENT_E_INVALID;
        }
        set_state(a, AGENT_HIBERNATED, 0, 0);
        return AGENT_OK;
}

static int32_t reconstruct(struct agent *a)
{
        if (a->state != AGENT_HIBERNATED) {
                return AGENT_E_INVALID;
        }
        set_state(a, AGENT_RECONSTRUCTING, 0, 0);
        if (!rebuild(a)) {
                terminate(a, 0, false);
                return AGENT_E_INVALID;
        }
        set_state(a, AGENT_RUNNING, 0, 0);
        agent_env->wake_partition(a->partition);
        return AGENT_OK;
}

/* One move of agent a, witnessed (WK_WASM_MOVE): actor = who moved it, target = agent id,
 * payload = from | to << 16 | result << 32 (0 moved; a refusal, flagged denied, says why). */
static void witness_move(const struct agent *a, uint32_t from, uint32_t to, uint32_t actor,
                         enum agent_move_result why)
{
        witness_emit(&(struct witness_event){
            .kind = WK_WASM_MOVE,
            .flags = why == AGENT_MOVE_OK ? 0 : WITNESS_F_DENIED,
            .actor = actor,
            .target = a->id,
            .payload = (uint64_t)from | (uint64_t)to << 16 | (uint64_t)why << 32});
}

static uint64_t now_ns(void)
{
        return agent_env->now_ns != NULL ? agent_env->now_ns() : 0;
}

/*
 * Migration to WASM partition `to` (DC-7, DC-8), lock held, the agent off its CPU: the
 * instance is serialised, rebuilt from the snapshot alone in a new arena (migrating, then
 * reconstructing) and only then does the agent change hands: the old arena is wiped and
 * freed, its partition becomes `to`, and it goes on in the state it had. Until then nothing
 * has changed, so a move that cannot complete (no memory, a snapshot that does not fit or
 * does not restore, past its deadline) gives the half-built copy back and leaves the agent
 * running where it was, witnessed as a refusal with its reason. Its principal, its
 * capabilities (and the tree they were derived in) and its CommEdge ends are unchanged: they
 * name the agent, not the partition, and the rings stay where they are, so no message is
 * lost or reordered.
 */
static enum agent_move_result migrate(struct agent *a, uint32_t to, uint32_t actor,
                                      uint64_t deadline)
{
        const enum agent_state was = a->state;
        const uint32_t from = a->partition;
        struct wasm_instance *moved = NULL;
        struct wasm_arena arena;
        size_t len = 0;

        if (to == a->partition || to == 0 || to > AGENT_PRINCIPAL_BASE ||
            !agent_env->partition_ok(to)) {
                return AGENT_MOVE_BAD_PARTITION;
        }
        if (was != AGENT_RUNNING && was != AGENT_SUSPENDED) {
                return AGENT_MOVE_STATE;
        }
        set_state(a, AGENT_MIGRATING, actor, 0);
        void *dest = alloc_bytes(a->inst_size);
        if (dest == NULL ||
            (a->snapshot == NULL && (a->snapshot = alloc_bytes(AGENT_SNAPSHOT)) == NULL)) {
                free_bytes(dest, a->inst_size);
                set_state(a, was, actor, 0); /* nothing moved */
                return AGENT_MOVE_NO_MEMORY;
        }
        agent_env->fp_enter();
        enum agent_move_result why = AGENT_MOVE_OK;
        if (wasm_snapshot_save(a->inst, a->snapshot, AGENT_SNAPSHOT, &len) != WASM_OK) {
                why = AGENT_MOVE_SNAPSHOT;
        } else {
                a->partition = to; /* rebuilt there (its record says so), not yet moved */
                set_state(a, AGENT_RECONSTRUCTING, actor, 0);
                wasm_arena_init(&arena, dest, a->inst_size);
                if (wasm_instantiate(a->module, &agent_wasm_cfg, agent_resolve, a, &arena,
                                     &moved) != WASM_OK ||
                    wasm_snapshot_restore(moved, a->snapshot, len) != WASM_OK) {
                        why = AGENT_MOVE_SNAPSHOT;
                } else if (deadline != 0 && now_ns() > deadline) {
                        why = AGENT_MOVE_TIMEOUT;
                }
        }
        if (why != AGENT_MOVE_OK) {
                free_bytes(dest, a->inst_size); /* the copy goes; the original is untouched */
                a->partition = from;
                set_state(a, was, actor, 0);
                return why;
        }
        free_bytes(a->inst_mem, a->inst_size);
        a->inst_mem = dest;
        a->inst = moved;
        a->snapshot_len = len;
        a->migrations++;
        a->waiting = false; /* a pending rvm.recv is retried and waits again if it must */
        witness_move(a, from, to, actor, AGENT_MOVE_OK);
        if (agent_env->moved != NULL) {
                agent_env->moved(a->id, from, to);
        }
        set_state(a, was, actor, 0);
        agent_env->wake_partition(to);
        return AGENT_MOVE_OK;
}

const char *agent_move_result_name(enum agent_move_result r)
{
        static const char *const names[] = {"moved",     "no-such-agent", "bad-partition", "state",
                                            "no-memory", "snapshot",      "timeout"};

        return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

int32_t agent_move(uint32_t id, uint32_t to, uint32_t actor, enum agent_move_result *result)
{
        enum agent_move_result why = AGENT_MOVE_NO_AGENT;
        const uint64_t start = now_ns();
        const uint64_t limit =
            agent_env->move_timeout_ns != 0 ? agent_env->move_timeout_ns : AGENT_MOVE_TIMEOUT_NS;
        const uint64_t deadline = agent_env->now_ns != NULL ? start + limit : 0;
        uint64_t saved = agent_env->lock();

        if (id != 0 && id <= agents_made) {
                struct agent *a = &agents[id - 1];
                /* The agent must be off its CPU: at most one turn of fuel (or its load), far
                 * below the deadline; past it the move is given up with nothing changed. */
                while (a->on_cpu && (deadline == 0 || now_ns() <= deadline)) {
                        agent_env->unlock(saved);
                        saved = agent_env->lock();
                }
                const uint32_t from = a->partition;
                why = a->on_cpu ? AGENT_MOVE_TIMEOUT : migrate(a, to, actor, deadline);
                if (why != AGENT_MOVE_OK) {
                        witness_move(a, from, to, actor, why);
                }
        }
        agent_env->unlock(saved);
        if (result != NULL) {
                *result = why;
        }
        return why == AGENT_MOVE_OK ? AGENT_OK : AGENT_E_INVALID;
}

/* Lifecycle changes wait for the agent to leave its CPU (at most one turn of fuel, or its
 * load). Returns with the lock held (the saved state in *saved). */
static void lock_idle(const struct agent *a, uint64_t *saved)
{
        for (;;) {
                *saved = agent_env->lock();
                if (!a->on_cpu) {
                        return;
                }
                agent_env->unlock(*saved);
        }
}

int32_t agent_control(uint32_t id, enum agent_op op, uint32_t to)
{
        if (op == AGENT_OP_MIGRATE) {
                return agent_move(id, to, 0, NULL);
        }
        if (id == 0 || id > agents_made) {
                return AGENT_E_INVALID;
        }
        struct agent *a = &agents[id - 1];
        int32_t r = AGENT_E_INVALID;
        uint64_t saved;
        lock_idle(a, &saved);
        switch (op) {
        case AGENT_OP_SUSPEND:
                if (a->state == AGENT_RUNNING) {
                        set_state(a, AGENT_SUSPENDED, 0, 0);
                        r = AGENT_OK;
                }
                break;
        case AGENT_OP_RESUME:
                if (a->state == AGENT_SUSPENDED) {
                        set_state(a, AGENT_RUNNING, 0, 0);
                        agent_env->wake_partition(a->partition);
                        r = AGENT_OK;
                }
                break;
        case AGENT_OP_HIBERNATE:
                r = hibernate(a);
                break;
        case AGENT_OP_RECONSTRUCT:
                r = reconstruct(a);
                break;
        case AGENT_OP_MIGRATE:
                break; /* agent_move, below */
        case AGENT_OP_KILL:
                if (a->state != AGENT_TERMINATED) {
                        terminate(a, 0, false);
                        r = AGENT_OK;
                }
                break;
        }
        agent_env->unlock(saved);
        return r;
}

int32_t agent_load(uint32_t id)
{
        if (id == 0 || id > agents_made) {
                return AGENT_E_INVALID;
        }
        struct agent *a = &agents[id - 1];
        uint64_t saved;
        lock_idle(a, &saved);
        const bool here = a->state == AGENT_INITIALIZING;
        if (here) {
                a->on_cpu = true; /* its turn, taken here: no CPU picks it meanwhile */
        }
        bool loaded = a->loaded;
        agent_env->unlock(saved);
        if (here) {
                agent_env->fp_enter();
                loaded = start(a);
        }
        if (here && loaded) {
                /* Its partition may have gone to sleep meanwhile, finding nothing to run. */
                saved = agent_env->lock();
                agent_env->wake_partition(a->partition);
                agent_env->unlock(saved);
        }
        return loaded ? AGENT_OK : AGENT_E_INVALID;
}
