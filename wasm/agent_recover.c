/*
 * wasm/agent_recover.c: F1, an agent that traps (agent.h). Its checkpoints, taken at the end of
 * a turn that ended in rvm.yield into a slot of the pool the kernel reserved at boot, and the
 * restart that follows a trap: from its last checkpoint, or its start, at most
 * AGENT_MAX_RESTARTS times, then it ends faulted. Both run on the agent's own CPU; the lock
 * only around the records and the agent's fields. Also the checkpoints the monitor takes and
 * restores on command (agent_hold_*), under the lock, the agent off every CPU.
 */
#include <string.h>

#include "wasm/agent.h"
#include "wasm/agent_priv.h"
#include "witness/witness.h"

static uint32_t slot_owner[AGENT_CKPT_SLOTS]; /* checkpoint slot -> agent id (0: free) */

void agent_ckpt_init(void)
{
        memset(slot_owner, 0, sizeof(slot_owner));
}

/* ---- the policy: host-tested through agent.h ---- */

enum agent_recovery agent_recovery_for(uint32_t restarts, bool have_checkpoint)
{
        if (restarts >= AGENT_MAX_RESTARTS) {
                return AGENT_RECOVER_FAULT;
        }
        return have_checkpoint ? AGENT_RECOVER_CHECKPOINT : AGENT_RECOVER_START;
}

bool agent_checkpoint_due(uint64_t turn, uint64_t last, bool have_checkpoint)
{
        return !have_checkpoint || turn < last || turn - last >= AGENT_CKPT_TURNS;
}

/* Agent a's checkpoint slot (it has one). */
static uint8_t *slot_buf(const struct agent *a)
{
        return agent_env->ckpt_pool + (size_t)(a->ckpt_slot - 1) * AGENT_CKPT_BYTES;
}

/* A free checkpoint slot for a, if it has none and the pool has one. Lock held. */
bool agent_ckpt_claim(struct agent *a)
{
        const uint32_t n = agent_env->ckpt_pool == NULL ? 0 : agent_env->ckpt_slots;

        for (uint32_t i = 0; a->ckpt_slot == 0 && i < n && i < AGENT_CKPT_SLOTS; i++) {
                if (slot_owner[i] == 0) {
                        slot_owner[i] = a->id;
                        a->ckpt_slot = i + 1;
                }
        }
        return a->ckpt_slot != 0;
}

/* Give a's slot back, wiped, and its checkpoint taken on command. Lock held. */
void agent_ckpt_release(struct agent *a)
{
        agent_free_wiped(a->held, AGENT_SNAPSHOT);
        a->held = NULL;
        a->held_len = 0;
        a->held_edges = 0;
        if (a->ckpt_slot != 0) {
                memset(slot_buf(a), 0, AGENT_CKPT_BYTES);
                slot_owner[a->ckpt_slot - 1] = 0;
                a->ckpt_slot = 0;
        }
        a->ckpt_len = 0;
}

/*
 * A checkpoint of a (agent.h), due at the end of its turn `turn` that ended in rvm.yield, into
 * its slot: on a's CPU without the lock (only this CPU touches the instance and the slot);
 * the record and the agent's fields under it, where it leaves its CPU.
 */
/* A digest of a 4 KiB page (not a hash for integrity: a measure of whether it was written). */
static uint64_t page_digest(const uint8_t *page)
{
        uint64_t h = 0x9e3779b97f4a7c15ull, w;

        for (unsigned i = 0; i < 4096; i += 8) {
                memcpy(&w, page + i, 8);
                h = (h ^ w) * 0x100000001b3ull;
        }
        return h;
}

/* Which pages of a's linear memory changed since its last checkpoint (hot), which did not. */
static void measure_use(struct agent *a)
{
        const struct wasm_memory *m = wasm_instance_memory(a->inst);
        uint32_t pages = m != NULL ? m->pages * 16u : 0, hot = 0;

        if (pages > AGENT_USE_PAGES) {
                pages = AGENT_USE_PAGES;
        }
        for (uint32_t i = 0; i < pages; i++) {
                uint64_t d = page_digest(m->data + (size_t)i * 4096);
                hot += i >= a->use_pages || d != a->page_digest[i];
                a->page_digest[i] = d;
        }
        a->use_hot = hot;
        a->use_pages = pages;
}

void agent_checkpoint_at_yield(struct agent *a, uint64_t turn)
{
        size_t len = 0;
        const enum wasm_err e = wasm_snapshot_save(a->inst, slot_buf(a), AGENT_CKPT_BYTES, &len);
        if (e == WASM_OK) {
                measure_use(a); /* on its CPU, outside the lock, as the copy */
        }
        const uint64_t saved = agent_env->lock();
        if (e == WASM_OK) {
                a->ckpt_len = len;
                a->checkpoints++;
                a->ckpt_turn = turn;
        } else {
                a->ckpt_len = 0; /* the slot was partly overwritten: no checkpoint now */
        }
        /* target = the agent's principal (never a partition), cap = the checkpoint's number,
         * payload = bytes | op 1 (a save) << 32; denied: the bytes it would need. */
        witness_emit(&(struct witness_event){.kind = WK_MEM_CHECKPOINT,
                                             .flags = e == WASM_OK ? 0 : WITNESS_F_DENIED,
                                             .target = AGENT_PRINCIPAL(a->id),
                                             .cap = e == WASM_OK ? a->checkpoints : 0,
                                             .payload = (uint64_t)len | 1ull << 32});
        a->on_cpu = false;
        agent_env->unlock(saved);
}

/* Rebuild a's instance in its own arena after a trap: from its checkpoint, or `run` from the
 * start. On a's CPU, without the lock (the agent is reconstructing, nothing else touches it). */
static bool restart(struct agent *a, enum agent_recovery how)
{
        struct wasm_arena arena;
        struct wasm_extern ex;

        memset(a->inst_mem, 0, a->inst_size);
        a->inst = NULL;
        wasm_arena_init(&arena, a->inst_mem, a->inst_size);
        if (!agent_host_init(a) || wasm_instantiate(a->module, &agent_wasm_cfg, agent_resolve, a,
                                                    &arena, &a->inst) != WASM_OK) {
                return false;
        }
        if (how == AGENT_RECOVER_CHECKPOINT) {
                a->yield_pending = true; /* it was saved inside rvm.yield: the retry returns */
                return wasm_snapshot_restore(a->inst, slot_buf(a), a->ckpt_len) == WASM_OK;
        }
        a->yield_pending = false;
        return wasm_export(a->inst, "run", 3, &ex) == WASM_OK && ex.kind == WASM_KIND_FUNC &&
               wasm_call_begin(a->inst, ex.u.func, NULL, 0) == WASM_OK;
}

/*
 * A trap in a's turn (`trap`; its turn already counted), on a's CPU without the lock: the
 * policy (agent_recovery_for) says whether it is rebuilt, from its checkpoint or from the
 * start, or ends for good. Every step is witnessed: WK_REC_RESTART (target = its principal,
 * cap = the checkpoint used, 0 for the start, payload AGENT_RESTART_PAYLOAD), running ->
 * reconstructing -> running; or a denied WK_REC_RESTART and its termination.
 */
void agent_recover(struct agent *a, enum wasm_trap trap)
{
        uint64_t saved = agent_env->lock();
        const enum agent_recovery how = agent_recovery_for(a->restarts, a->ckpt_len != 0);
        const uint32_t ckpt = how == AGENT_RECOVER_CHECKPOINT ? a->checkpoints : 0;
        if (how != AGENT_RECOVER_FAULT) {
                a->restarts++;
        }
        witness_emit(
            &(struct witness_event){.kind = WK_REC_RESTART,
                                    .flags = how == AGENT_RECOVER_FAULT ? WITNESS_F_DENIED : 0,
                                    .target = AGENT_PRINCIPAL(a->id),
                                    .cap = ckpt,
                                    .payload = AGENT_RESTART_PAYLOAD(a->restarts, trap, how)});
        if (agent_env->recovered != NULL) {
                agent_env->recovered(a->id, a->img.name, trap, how, a->restarts, ckpt,
                                     how == AGENT_RECOVER_CHECKPOINT ? a->ckpt_turn : 0);
        }
        if (how == AGENT_RECOVER_FAULT) {
                a->faulted = true;
                agent_env->unlock(saved);
                agent_wipe(a, a->inst_size); /* still on this CPU: before the lock, not under it */
                saved = agent_env->lock();
                a->on_cpu = false;
                agent_terminate(a, AGENT_PRINCIPAL(a->id), true);
                agent_env->unlock(saved);
                return;
        }
        agent_set_state(a, AGENT_RECONSTRUCTING, 0, 0);
        a->waiting = false; /* a pending rvm.recv is begun again or retried */
        agent_env->unlock(saved);
        const bool ok = restart(a, how);
        if (!ok) {
                agent_wipe(a, a->inst_size);
        }
        saved = agent_env->lock();
        a->on_cpu = false;
        if (ok) {
                agent_set_state(a, AGENT_RUNNING, 0, 0);
        } else {
                agent_terminate(a, 0, true);
        }
        agent_env->unlock(saved);
}

/* ---- checkpoints on command (agent.h, agent_hold_*) ---- */

enum agent_hold_result agent_hold_check(bool exists, enum agent_state s, bool on_cpu, bool restore,
                                        bool held)
{
        if (!exists) {
                return AGENT_HOLD_NO_AGENT;
        }
        if (s != AGENT_RUNNING && s != AGENT_SUSPENDED) {
                return AGENT_HOLD_STATE;
        }
        if (on_cpu) {
                return AGENT_HOLD_BUSY;
        }
        return restore && !held ? AGENT_HOLD_NONE : AGENT_HOLD_OK;
}

const char *agent_hold_result_text(enum agent_hold_result r)
{
        static const char *const text[] = {
            "done",
            "no such agent",
            "it is not running or suspended (loading, hibernated, migrating or terminated)",
            "it is running a turn on another CPU (busy for 100 ms): try again",
            "it has no checkpoint (take one with checkpoint agent <id>)",
            "no memory for the checkpoint or for the copy",
            "its instance did not save, or did not restore exactly",
            "the checkpoint's digest does not match: it is damaged, not used",
            "its CommEdges do not fit beside its instance in the checkpoint",
        };

        return (unsigned)r < sizeof(text) / sizeof(text[0]) ? text[r] : "refused";
}

/* FNV-1a over the checkpoint (an integrity check of RVM's own copy, not a MAC). */
static uint64_t digest(const uint8_t *p, size_t n)
{
        uint64_t h = 0xcbf29ce484222325ull;

        for (size_t i = 0; i < n; i++) {
                h = (h ^ p[i]) * 0x100000001b3ull;
        }
        return h;
}

/* Agent id, lock held, off its CPU (or the wait ran out: *saved is the lock's). */
static struct agent *hold_lock(uint32_t id, uint64_t *saved)
{
        const uint64_t until =
            agent_env->now_ns != NULL ? agent_env->now_ns() + AGENT_HOLD_WAIT_NS : 0;
        struct agent *a = agent_by_id(id);

        *saved = agent_env->lock();
        while (a != NULL && a->on_cpu && until != 0 && agent_env->now_ns() <= until) {
                agent_env->unlock(*saved);
                *saved = agent_env->lock();
        }
        return a;
}

static void hold_witness(const struct agent *a, uint32_t id, uint32_t actor, unsigned op,
                         enum agent_hold_result r)
{
        const bool ok = r == AGENT_HOLD_OK;

        witness_emit(&(struct witness_event){
            .kind = WK_MEM_CHECKPOINT,
            .flags = ok ? 0 : WITNESS_F_DENIED,
            .actor = actor,
            .target = AGENT_PRINCIPAL(id),
            .cap = ok ? a->held_digest : 0,
            .payload = (ok ? (uint64_t)a->held_len : (uint64_t)r) | (uint64_t)op << 32});
}

static void hold_out(const struct agent *a, struct agent_hold_info *out)
{
        if (out != NULL && a != NULL) {
                *out = (struct agent_hold_info){.bytes = a->held_len,
                                                .edge_bytes = a->held_edges,
                                                .digest = a->held_digest,
                                                .turn = a->held_turn,
                                                .number = a->held_number,
                                                .restores = a->held_restores};
        }
}

/* The scratch buffer (a->snapshot, used otherwise only by hibernation and moves, which the
 * agent is not in) and the held one. Lock held. */
static bool hold_buffers(struct agent *a)
{
        if (a->snapshot == NULL) {
                a->snapshot = agent_alloc_zeroed(AGENT_SNAPSHOT);
        }
        if (a->held == NULL) {
                a->held = agent_alloc_zeroed(AGENT_SNAPSHOT);
        }
        return a->snapshot != NULL && a->held != NULL;
}

/* Saved into the scratch first: a save that fails leaves the last checkpoint whole. */
static enum agent_hold_result hold_save(struct agent *a)
{
        size_t len = 0;

        if (!hold_buffers(a)) {
                return AGENT_HOLD_NO_MEMORY;
        }
        agent_env->fp_enter();
        if (wasm_snapshot_save(a->inst, a->snapshot, AGENT_SNAPSHOT, &len) != WASM_OK) {
                return AGENT_HOLD_SNAPSHOT;
        }
        int32_t edges = 0;
        if (agent_env->edges_save != NULL) {
                /* Into the scratch, after the instance: a refusal leaves the last checkpoint. */
                edges = agent_env->edges_save(AGENT_PRINCIPAL(a->id), a->snapshot + len,
                                              AGENT_SNAPSHOT - len);
                if (edges < 0) {
                        return AGENT_HOLD_EDGES;
                }
        }
        const size_t total = len + (size_t)edges, was = a->held_len + a->held_edges;
        memcpy(a->held, a->snapshot, total);
        if (total < was) {
                memset(a->held + total, 0, was - total);
        }
        a->held_len = len;
        a->held_edges = (size_t)edges;
        a->held_digest = digest(a->held, total);
        a->held_turn = a->turns;
        a->held_yield = a->yield_pending;
        a->held_number++;
        a->held_restores = 0;
        return AGENT_HOLD_OK;
}

/* Rebuilt in a new arena, saved again and compared byte for byte; only then swapped in. */
static enum agent_hold_result hold_restore(struct agent *a)
{
        struct wasm_instance *inst = NULL;
        struct wasm_arena arena;
        size_t len = 0;

        if (digest(a->held, a->held_len + a->held_edges) != a->held_digest) {
                return AGENT_HOLD_DAMAGED;
        }
        void *dest = agent_alloc_zeroed(a->inst_size);
        if (dest == NULL || !hold_buffers(a)) {
                agent_free_wiped(dest, a->inst_size);
                return AGENT_HOLD_NO_MEMORY;
        }
        agent_env->fp_enter();
        wasm_arena_init(&arena, dest, a->inst_size);
        const bool exact = wasm_instantiate(a->module, &agent_wasm_cfg, agent_resolve, a, &arena,
                                            &inst) == WASM_OK &&
                           wasm_snapshot_restore(inst, a->held, a->held_len) == WASM_OK &&
                           wasm_snapshot_save(inst, a->snapshot, AGENT_SNAPSHOT, &len) == WASM_OK &&
                           len == a->held_len && memcmp(a->snapshot, a->held, len) == 0;
        if (!exact) {
                agent_free_wiped(dest, a->inst_size); /* the running instance is untouched */
                return AGENT_HOLD_SNAPSHOT;
        }
        agent_free_wiped(a->inst_mem, a->inst_size);
        a->inst_mem = dest;
        a->inst = inst;
        /* F1's checkpoint is of a later state: a trap from here goes back to this one. */
        if (a->ckpt_slot != 0 && a->held_len <= AGENT_CKPT_BYTES) {
                memcpy(slot_buf(a), a->held, a->held_len);
                a->ckpt_len = a->held_len;
                a->ckpt_turn = a->turns;
        } else {
                a->ckpt_len = 0;
        }
        if (agent_env->edges_restore != NULL && a->held_edges != 0) {
                agent_env->edges_restore(AGENT_PRINCIPAL(a->id), a->held + a->held_len,
                                         a->held_edges);
        }
        a->yield_pending = a->held_yield; /* saved inside rvm.yield: the retry returns */
        a->waiting = false;               /* a pending rvm.recv is retried, waits again */
        a->held_restores++;
        if (a->state == AGENT_RUNNING) {
                agent_env->wake_partition(a->partition);
        }
        return AGENT_HOLD_OK;
}

static enum agent_hold_result hold_op(uint32_t id, uint32_t actor, bool restore,
                                      struct agent_hold_info *out)
{
        uint64_t saved;

        if (agent_env == NULL) { /* no agents in this profile */
                hold_witness(NULL, id, actor, restore ? AGENT_HOLD_OP_RESTORE : AGENT_HOLD_OP_SAVE,
                             AGENT_HOLD_NO_AGENT);
                return AGENT_HOLD_NO_AGENT;
        }
        struct agent *a = hold_lock(id, &saved);
        enum agent_hold_result r =
            agent_hold_check(a != NULL, a != NULL ? a->state : AGENT_TERMINATED,
                             a != NULL && a->on_cpu, restore, a != NULL && a->held_len != 0);

        if (r == AGENT_HOLD_OK) {
                r = restore ? hold_restore(a) : hold_save(a);
        }
        hold_witness(a, id, actor, restore ? AGENT_HOLD_OP_RESTORE : AGENT_HOLD_OP_SAVE, r);
        hold_out(a, out);
        agent_env->unlock(saved);
        return r;
}

enum agent_hold_result agent_hold_save(uint32_t id, uint32_t actor, struct agent_hold_info *out)
{
        return hold_op(id, actor, false, out);
}

enum agent_hold_result agent_hold_restore(uint32_t id, uint32_t actor, struct agent_hold_info *out)
{
        return hold_op(id, actor, true, out);
}
