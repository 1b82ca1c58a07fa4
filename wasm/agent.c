/*
 * wasm/agent.c: the WebAssembly agents' lifecycle (see agent.h): creation at boot and by
 * spawn, loading, their capabilities, their turns in their WASM partition, waiting and waking.
 * Suspend, hibernate, reconstruct, migrate and kill are agent_ops.c; the host module "rvm" is
 * agent_calls.c; recovery from a trap (checkpoints, restarts) is agent_recover.c.
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
#define AGENT_MEM_PAGES    2          /* linear memory reserved per agent (128 KiB) */
#define AGENT_INST_MAX     (8u << 20) /* an agent's instance is bounded */

const struct agent_env *agent_env;
static struct agent agents[AGENT_MAX];
static uint32_t agents_made;
static uint32_t cursor[AGENT_PRINCIPAL_BASE + 1]; /* per partition: where its round robin is */

const struct wasm_config agent_wasm_cfg = {
    .mem_cap_pages = AGENT_MEM_PAGES, .stack_slots = 4096, .max_frames = 256};

void agent_init(const struct agent_env *env)
{
        agent_env = env;
        memset(agents, 0, sizeof(agents));
        memset(cursor, 0, sizeof(cursor));
        agent_ckpt_init();
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
void agent_set_state(struct agent *a, enum agent_state s, uint32_t actor, cap_handle_t cap)
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

struct agent *agent_by_id(uint32_t id)
{
        return id != 0 && id <= agents_made ? &agents[id - 1] : NULL;
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
            .restarts = a->restarts,
            .checkpoints = a->checkpoints,
            .ckpt_turn = a->ckpt_turn,
            .use_pages = a->use_pages,
            .use_hot = a->use_hot,
            .faulted = a->faulted,
        };
        return true;
}

/* Zeroed pages (env->alloc does not zero them). Lock held. */
void *agent_alloc_zeroed(size_t bytes)
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
void agent_free_wiped(void *p, size_t bytes)
{
        if (p != NULL) {
                memset(p, 0, bytes);
                agent_env->free(p, bytes);
        }
}

/* Wipe what an agent's memory holds: lock held, or the agent on this CPU (on_cpu: nothing else
 * touches it then, so its CPU does this outside the lock). */
void agent_wipe(const struct agent *a, size_t inst_size)
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
 * (`wiped`: already, by its own CPU), and its checkpoint. Lock held. */
void agent_terminate(struct agent *a, uint32_t actor, bool wiped)
{
        agent_set_state(a, AGENT_TERMINATED, actor, 0);
        agent_ckpt_release(a);
        cap_table_destroy(AGENT_PRINCIPAL(a->id));
        if (!wiped) {
                agent_wipe(a, a->inst_size);
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
        uint32_t spawned = 0;
        for (uint32_t i = 0; actor != 0 && i < agents_made; i++) {
                spawned += agents[i].spawner == actor;
        }
        if (agents_made == AGENT_MAX || spawned >= AGENT_SPAWN_EACH) {
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
                agent_terminate(a, actor, false);
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
                agent_wipe(a, inst_size);
        }
        uint64_t saved = agent_env->lock();
        a->on_cpu = false;
        a->inst_size = inst_size;
        a->loaded = ok;
        if (ok) {
                agent_set_state(a, AGENT_RUNNING, a->spawner, a->spawn_cap);
        } else {
                agent_terminate(a, a->spawner, true);
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
        if (agent_env == NULL) {
                /* The boot has made the agents' partition but not reached agent_init yet: a
                 * CPU already online picked it. Nothing runs; the first spawn wakes it. */
                return false;
        }
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
        const bool ends = st == WASM_DONE; /* returned from run */
        /* Inside rvm.yield (its first call yields, the retry returns): only this CPU sets
         * yield_pending, and never while the agent waits in rvm.recv. */
        const bool yielded = st == WASM_YIELD && a->yield_pending;
        const uint64_t used = (uint64_t)(AGENT_FUEL - wasm_fuel_left(a->inst));
        const enum wasm_trap trap = st == WASM_TRAP ? wasm_trap_code(a->inst) : WASM_TRAP_NONE;
        if (ends) {
                agent_wipe(a, a->inst_size); /* still on this CPU: before the lock, not under it */
        }
        saved = agent_env->lock();
        a->turns++;
        a->fuel_used += used;
        const uint64_t turn = a->turns;
        /* A turn boundary: checkpointed if one is due and a slot is (or becomes) its own. */
        const bool ckpt = yielded && agent_checkpoint_due(turn, a->ckpt_turn, a->ckpt_len != 0) &&
                          (a->ckpt_slot != 0 || agent_ckpt_claim(a));
        if (st == WASM_TRAP) {
                a->trap = trap; /* recover() takes it off this CPU */
        } else if (!ckpt) {
                a->on_cpu = false;
        }
        if (ends) {
                agent_terminate(a, AGENT_PRINCIPAL(a->id), true);
        }
        agent_env->unlock(saved);
        if (st == WASM_TRAP) {
                agent_recover(a, trap);
        } else if (ckpt) {
                agent_checkpoint_at_yield(a, turn); /* takes it off this CPU */
        }
        return true;
}

/* Lifecycle changes wait for the agent to leave its CPU (at most one turn of fuel, or its
 * load). Returns with the lock held (the saved state in *saved). */
void agent_lock_idle(const struct agent *a, uint64_t *saved)
{
        for (;;) {
                *saved = agent_env->lock();
                if (!a->on_cpu) {
                        return;
                }
                agent_env->unlock(*saved);
        }
}

int32_t agent_load(uint32_t id)
{
        if (id == 0 || id > agents_made) {
                return AGENT_E_INVALID;
        }
        struct agent *a = &agents[id - 1];
        uint64_t saved;
        agent_lock_idle(a, &saved);
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
