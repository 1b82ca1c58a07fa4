/*
 * wasm/agent_ops.c: the lifecycle changes made to an agent that exists (see agent.h):
 * suspend, resume, hibernate (a snapshot of the whole instance) and reconstruct, kill, and
 * the move to another WASM partition (DC-7, DC-8) that migration and the coherence engine's
 * split and merge use. Creation, loading and turns are wasm/agent.c. Every change is
 * witnessed (WK_WASM_AGENT, WK_WASM_MOVE).
 */
#include <string.h>

#include "wasm/agent_priv.h"
#include "witness/witness.h"

/* Serialise the whole instance (memory, globals, table, stacks, frames, pc) and wipe its
 * arena, so that what comes back is rebuilt from the snapshot alone. */
static bool checkpoint(struct agent *a)
{
        size_t len = 0;

        if (a->snapshot == NULL && (a->snapshot = agent_alloc_zeroed(AGENT_SNAPSHOT)) == NULL) {
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
        agent_set_state(a, AGENT_HIBERNATED, 0, 0);
        return AGENT_OK;
}

static int32_t reconstruct(struct agent *a)
{
        if (a->state != AGENT_HIBERNATED) {
                return AGENT_E_INVALID;
        }
        agent_set_state(a, AGENT_RECONSTRUCTING, 0, 0);
        if (!rebuild(a)) {
                agent_terminate(a, 0, false);
                return AGENT_E_INVALID;
        }
        agent_set_state(a, AGENT_RUNNING, 0, 0);
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
        agent_set_state(a, AGENT_MIGRATING, actor, 0);
        void *dest = agent_alloc_zeroed(a->inst_size);
        if (dest == NULL ||
            (a->snapshot == NULL && (a->snapshot = agent_alloc_zeroed(AGENT_SNAPSHOT)) == NULL)) {
                agent_free_wiped(dest, a->inst_size);
                agent_set_state(a, was, actor, 0); /* nothing moved */
                return AGENT_MOVE_NO_MEMORY;
        }
        agent_env->fp_enter();
        enum agent_move_result why = AGENT_MOVE_OK;
        if (wasm_snapshot_save(a->inst, a->snapshot, AGENT_SNAPSHOT, &len) != WASM_OK) {
                why = AGENT_MOVE_SNAPSHOT;
        } else {
                a->partition = to; /* rebuilt there (its record says so), not yet moved */
                agent_set_state(a, AGENT_RECONSTRUCTING, actor, 0);
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
                agent_free_wiped(dest, a->inst_size); /* the copy goes; the original is untouched */
                a->partition = from;
                agent_set_state(a, was, actor, 0);
                return why;
        }
        agent_free_wiped(a->inst_mem, a->inst_size);
        a->inst_mem = dest;
        a->inst = moved;
        a->snapshot_len = len;
        a->migrations++;
        a->waiting = false; /* a pending rvm.recv is retried and waits again if it must */
        witness_move(a, from, to, actor, AGENT_MOVE_OK);
        if (agent_env->moved != NULL) {
                agent_env->moved(a->id, from, to);
        }
        agent_set_state(a, was, actor, 0);
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

        struct agent *a = agent_by_id(id);
        if (a != NULL) {
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

int32_t agent_control(uint32_t id, enum agent_op op, uint32_t to)
{
        if (op == AGENT_OP_MIGRATE) {
                return agent_move(id, to, 0, NULL);
        }
        struct agent *a = agent_by_id(id);
        if (a == NULL) {
                return AGENT_E_INVALID;
        }
        int32_t r = AGENT_E_INVALID;
        uint64_t saved;
        agent_lock_idle(a, &saved);
        switch (op) {
        case AGENT_OP_SUSPEND:
                if (a->state == AGENT_RUNNING) {
                        agent_set_state(a, AGENT_SUSPENDED, 0, 0);
                        r = AGENT_OK;
                }
                break;
        case AGENT_OP_RESUME:
                if (a->state == AGENT_SUSPENDED) {
                        agent_set_state(a, AGENT_RUNNING, 0, 0);
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
                        agent_terminate(a, 0, false);
                        r = AGENT_OK;
                }
                break;
        }
        agent_env->unlock(saved);
        return r;
}

int32_t agent_inject(uint32_t id)
{
        struct agent *a = agent_by_id(id);
        if (a == NULL) {
                return AGENT_E_INVALID;
        }
        uint64_t saved;
        agent_lock_idle(a, &saved);
        const bool ok = a->state == AGENT_RUNNING || a->state == AGENT_SUSPENDED;
        if (ok) {
                agent_host_arm_trap(a);
        }
        /* target = the agent's principal; payload 1: its next host call traps. */
        witness_emit(&(struct witness_event){.kind = WK_REC_INJECT,
                                             .flags = ok ? 0 : WITNESS_F_DENIED,
                                             .target = AGENT_PRINCIPAL(id),
                                             .payload = 1});
        agent_env->unlock(saved);
        return ok ? AGENT_OK : AGENT_E_INVALID;
}
