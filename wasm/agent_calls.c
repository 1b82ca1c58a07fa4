/*
 * wasm/agent_calls.c: the host module "rvm" that WebAssembly agents import, and the work
 * behind the gate's agent entries. Every import but yield is a call through the security gate
 * (env->gate_call) with the agent as the caller, its own principal: the same table, P1
 * capability check and witness record a guest's hypercall gets (docs/ABI.md, "Agent host
 * calls"). The kernel's handlers for those entries decode the registers and call agent_log,
 * agent_put, agent_recv and agent_spawn_named below. Arguments are untrusted: pointers and
 * lengths are checked against the agent's linear memory, and a refusal is a negative status
 * returned to the agent, never a trap.
 */
#include <string.h>

#include "wasm/agent_priv.h"

#define FID(n) (0xC6000000u | (uint32_t)(n))

/* One gate call as agent a; lock held. Returns the status, x1 in *x1 if asked. */
static int32_t call_locked(struct agent *a, uint32_t n, const uint64_t args[5], uint64_t *x1)
{
        uint64_t x[8] = {FID(n), args[0], args[1], args[2], args[3], args[4], 0, 0};

        int32_t st = agent_env->gate_call(AGENT_PRINCIPAL(a->id), x);
        if (x1 != NULL) {
                *x1 = x[1];
        }
        return st;
}

static int32_t call(struct agent *a, uint32_t n, const uint64_t args[5], uint64_t *x1)
{
        uint64_t saved = agent_env->lock();
        int32_t st = call_locked(a, n, args, x1);
        agent_env->unlock(saved);
        return st;
}

/* [ptr, ptr + len) inside a's linear memory: its address, or NULL. */
static uint8_t *mem_at(struct agent *a, uint64_t ptr, uint64_t len)
{
        struct wasm_memory *mem = a->inst != NULL ? wasm_instance_memory(a->inst) : NULL;

        if (mem == NULL || mem->data == NULL || ptr > UINT32_MAX || len > UINT32_MAX ||
            ptr + len > (uint64_t)mem->pages * WASM_PAGE_SIZE) {
                return NULL;
        }
        return mem->data + ptr;
}

/* ---- behind the gate (the kernel's agent_hc_* handlers; lock held) ---- */

int32_t agent_log(uint32_t caller, uint64_t ptr, uint64_t len, uint64_t *printed)
{
        struct agent *a = agent_by_principal(caller);
        char line[AGENT_LOG_MAX + 1];

        if (a == NULL) {
                return AGENT_E_NOT_AGENT;
        }
        const uint8_t *src = mem_at(a, ptr, len);
        if (len > AGENT_LOG_MAX) {
                return AGENT_E_INVALID;
        }
        if (src == NULL) {
                return AGENT_E_RANGE;
        }
        for (uint64_t i = 0; i < len; i++) {
                char ch = (char)src[i];
                line[i] = (ch == '\n' || (ch >= 0x20 && ch <= 0x7e)) ? ch : '?';
        }
        line[len] = '\0';
        a->logs++;
        agent_env->log_line(a->id, a->img.name, line);
        *printed = len;
        return AGENT_OK;
}

int32_t agent_put(uint32_t caller, uint64_t ptr, uint64_t len, void *gate)
{
        struct agent *a = agent_by_principal(caller);
        uint8_t msg[AGENT_MSG_SIZE] = {0};

        if (a == NULL) {
                return AGENT_E_NOT_AGENT;
        }
        const uint8_t *src = mem_at(a, ptr, len);
        if (len > AGENT_MSG_SIZE) {
                return AGENT_E_INVALID;
        }
        if (src == NULL) {
                return AGENT_E_RANGE;
        }
        memcpy(msg, src, len);
        int32_t st = agent_env->edge_put(gate, msg);
        if (st == 0) {
                a->sent++;
        }
        return st;
}

int32_t agent_recv(uint32_t caller, uint64_t ptr, uint64_t size, uint64_t flags, void *gate,
                   uint64_t *got)
{
        struct agent *a = agent_by_principal(caller);
        uint8_t msg[AGENT_MSG_SIZE];

        if (a == NULL) {
                return AGENT_E_NOT_AGENT;
        }
        uint64_t n = size < AGENT_MSG_SIZE ? size : AGENT_MSG_SIZE;
        uint8_t *dst = mem_at(a, ptr, n);
        if ((flags & ~1ull) != 0 || n == 0) {
                return AGENT_E_INVALID;
        }
        if (dst == NULL) {
                return AGENT_E_RANGE;
        }
        int32_t taken = agent_env->edge_take(gate, msg, (flags & 1) != 0);
        if (taken < 0) {
                return taken;
        }
        if (taken == 0) {
                a->waiting = (flags & 1) != 0;
                *got = 0;
                return AGENT_OK;
        }
        memcpy(dst, msg, n);
        a->received++;
        *got = n;
        return AGENT_OK;
}

int32_t agent_spawn_named(uint32_t caller, uint64_t ptr, uint64_t len, uint32_t partition,
                          cap_handle_t cap, uint64_t *id)
{
        struct agent *a = agent_by_principal(caller);
        struct agent_image img;

        if (a == NULL) {
                return AGENT_E_NOT_AGENT;
        }
        const char *name = (const char *)mem_at(a, ptr, len);
        if (name == NULL) {
                return AGENT_E_RANGE;
        }
        if (len > AGENT_NAME_MAX || !agent_env->image_named(name, len, &img)) {
                return AGENT_E_INVALID;
        }
        int32_t made = agent_spawn(&img, partition, caller, cap);
        if (made < 0) {
                return made;
        }
        *id = (uint64_t)made;
        return AGENT_OK;
}

/* ---- the imports ---- */

/* log(ptr i32, len i32) -> i32: bytes printed, or a negative status. */
static enum wasm_host_status host_log(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        (void)caller;
        uint64_t x1 = 0;
        int32_t st = call(ctx, HC_LOG, (uint64_t[5]){(uint32_t)slots[0], (uint32_t)slots[1]}, &x1);
        slots[0] = (uint32_t)(st < 0 ? st : (int32_t)x1);
        return WASM_HOST_OK;
}

/* time() -> i64: nanoseconds since boot. */
static enum wasm_host_status host_time(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        (void)caller;
        uint64_t x1 = 0;
        call(ctx, HC_TIME, (uint64_t[5]){0}, &x1);
        slots[0] = x1;
        return WASM_HOST_OK;
}

/* yield(): ends the agent's turn. It acts on nothing but the agent (like a guest's WFI). */
static enum wasm_host_status host_yield(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        struct agent *a = ctx;

        (void)caller;
        (void)slots;
        /* wasm_run() retries a yielding host call when resumed: yield once, then return. */
        a->yield_pending = !a->yield_pending;
        return a->yield_pending ? WASM_HOST_YIELD : WASM_HOST_OK;
}

/* cap(type i32, index i32) -> i64: the index-th capability of that object type the agent
 * holds (in table order), 0 if none. Walks the table with the guests' CAP_LIST call. */
static enum wasm_host_status host_cap(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        struct agent *a = ctx;
        uint32_t type = (uint32_t)slots[0];
        uint32_t index = (uint32_t)slots[1];
        uint64_t found = 0;

        (void)caller;
        uint64_t saved = agent_env->lock();
        for (uint64_t at = 0, n = 0; n < CAP_TABLE_SLOTS; n++) {
                uint64_t x[8] = {FID(HC_CAP_LIST), at};
                if (agent_env->gate_call(AGENT_PRINCIPAL(a->id), x) != 0 || x[1] == 0) {
                        break;
                }
                at = x[2];
                if ((x[3] & 0xff) == type && index-- == 0) {
                        found = x[1];
                        break;
                }
        }
        agent_env->unlock(saved);
        slots[0] = found;
        return WASM_HOST_OK;
}

/* send(edge i64, ptr i32, len i32) -> i32: 0, or a negative status (NO_SPACE: ring full). */
static enum wasm_host_status host_send(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        (void)caller;
        int32_t st = call(ctx, HC_SEND,
                          (uint64_t[5]){slots[0], (uint32_t)slots[1], (uint32_t)slots[2]}, NULL);
        slots[0] = (uint32_t)st;
        return WASM_HOST_OK;
}

/* put(edge i64, ptr i32, len i32) -> i32: like send, without the doorbell (ring it with
 * notify after a burst). */
static enum wasm_host_status host_put(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        (void)caller;
        int32_t st = call(ctx, HC_PUT,
                          (uint64_t[5]){slots[0], (uint32_t)slots[1], (uint32_t)slots[2]}, NULL);
        slots[0] = (uint32_t)st;
        return WASM_HOST_OK;
}

/* notify(edge i64) -> i32: the doorbell: RVM counts what was put since the last one and
 * wakes the peer if it waits. */
static enum wasm_host_status host_notify(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        (void)caller;
        slots[0] = (uint32_t)call(ctx, HC_NOTIFY, (uint64_t[5]){slots[0]}, NULL);
        return WASM_HOST_OK;
}

/*
 * recv(edge i64, ptr i32, size i32, flags i32) -> i32: bytes received, 0 if none, or a
 * negative status. With flags bit 0 and an empty ring the agent waits: the call yields and
 * the agent gets no turns (and burns no fuel) until the peer's doorbell, then it is retried.
 */
static enum wasm_host_status host_recv(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        struct agent *a = ctx;
        uint64_t x1 = 0;

        (void)caller;
        uint64_t saved = agent_env->lock();
        int32_t st = call_locked(
            a, HC_RECV,
            (uint64_t[5]){slots[0], (uint32_t)slots[1], (uint32_t)slots[2], (uint32_t)slots[3]},
            &x1);
        bool wait = st == 0 && x1 == 0 && a->waiting;
        agent_env->unlock(saved);
        if (wait) {
                return WASM_HOST_YIELD; /* slots untouched: the retry has the same arguments */
        }
        slots[0] = (uint32_t)(st < 0 ? st : (int32_t)x1);
        return WASM_HOST_OK;
}

/* witness(log i64, tag i32, value i64) -> i32: 0, or a negative status. */
static enum wasm_host_status host_witness(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        (void)caller;
        int32_t st =
            call(ctx, HC_WITNESS, (uint64_t[5]){slots[0], (uint32_t)slots[1], slots[2]}, NULL);
        slots[0] = (uint32_t)st;
        return WASM_HOST_OK;
}

/* spawn(partition i64, name i32, len i32) -> i32: the new agent's id, or a negative status. */
static enum wasm_host_status host_spawn(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        (void)caller;
        uint64_t x1 = 0;
        int32_t st = call(ctx, HC_SPAWN,
                          (uint64_t[5]){slots[0], (uint32_t)slots[1], (uint32_t)slots[2]}, &x1);
        slots[0] = (uint32_t)(st < 0 ? st : (int32_t)x1);
        return WASM_HOST_OK;
}

static const struct {
        const char *name;
        const char *sig;
        wasm_host_fn fn;
} imports[AGENT_IMP_COUNT] = {
    [AGENT_IMP_LOG] = {"log", "ii:i", host_log},
    [AGENT_IMP_TIME] = {"time", ":I", host_time},
    [AGENT_IMP_YIELD] = {"yield", "", host_yield},
    [AGENT_IMP_CAP] = {"cap", "ii:I", host_cap},
    [AGENT_IMP_SEND] = {"send", "Iii:i", host_send},
    [AGENT_IMP_PUT] = {"put", "Iii:i", host_put},
    [AGENT_IMP_NOTIFY] = {"notify", "I:i", host_notify},
    [AGENT_IMP_RECV] = {"recv", "Iiii:i", host_recv},
    [AGENT_IMP_WITNESS] = {"witness", "IiI:i", host_witness},
    [AGENT_IMP_SPAWN] = {"spawn", "Iii:i", host_spawn},
};

bool agent_host_init(struct agent *a)
{
        for (unsigned i = 0; i < AGENT_IMP_COUNT; i++) {
                if (wasm_host_func_init(&a->host[i], imports[i].sig, imports[i].fn, a) != WASM_OK) {
                        return false;
                }
        }
        return true;
}

/* An injected fault (agent_inject): the call traps, and the agent's host functions are
 * themselves again for whatever runs next (a restart sets them up anew as well). */
static enum wasm_host_status host_trap(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        struct agent *a = ctx;

        (void)caller;
        (void)slots;
        for (unsigned i = 0; i < AGENT_IMP_COUNT; i++) {
                a->host[i].host = imports[i].fn;
        }
        return WASM_HOST_TRAP;
}

void agent_host_arm_trap(struct agent *a)
{
        for (unsigned i = 0; i < AGENT_IMP_COUNT; i++) {
                a->host[i].host = host_trap;
        }
}

bool agent_resolve(void *ctx, const char *module, uint32_t module_len, const char *name,
                   uint32_t name_len, uint8_t kind, struct wasm_extern *out)
{
        struct agent *a = ctx;

        if (module_len != 3 || memcmp(module, "rvm", 3) != 0 || kind != WASM_KIND_FUNC) {
                return false;
        }
        for (unsigned i = 0; i < AGENT_IMP_COUNT; i++) {
                if (strlen(imports[i].name) == name_len &&
                    memcmp(imports[i].name, name, name_len) == 0) {
                        out->kind = WASM_KIND_FUNC;
                        out->u.func = &a->host[i];
                        return true;
                }
        }
        return false;
}
