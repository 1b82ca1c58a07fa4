/*
 * kernel/agent_calls.c: the host module "rvm" that WebAssembly agents import, and the gate
 * handlers behind it. Every import but yield is a call through the security gate with the
 * agent as the caller (its own principal, struct gate_call.agent set): the same table, P1
 * capability check and witness record a guest's hypercall gets (docs/ABI.md, "Agent host
 * calls"). Arguments are untrusted: pointers and lengths are checked against the agent's
 * linear memory, and a refusal is a negative status returned to the agent, never a trap.
 */
#include <string.h>

#include "kernel/agent_priv.h"
#include "kernel/console.h"
#include "kernel/ipc.h"
#include "witness/witness.h"

#define LOG_MAX  159 /* bytes per rvm.log line */
#define MSG_SIZE 64  /* one CommEdge slot */
#define NAME_MAX 31  /* module name in rvm.spawn */

/* Agent host call numbers (GATE_FID(n)); time and cap reuse the guests' TIME and CAP_LIST. */
enum {
        HC_CAP_LIST = 0x04,
        HC_TIME = 0x05,
        HC_LOG = 0x200,
        HC_SEND = 0x201,
        HC_RECV = 0x202,
        HC_WITNESS = 0x203,
        HC_SPAWN = 0x204,
        HC_PUT = 0x205,
        HC_NOTIFY = 0x10, /* the guests' EDGE_NOTIFY */
};

/* One gate call as agent a; run_lock held. Returns the status, x1 in *x1 if asked. */
static int32_t call_locked(struct agent *a, uint32_t n, const uint64_t args[5], uint64_t *x1)
{
        uint64_t regs[8] = {0};
        struct gate_call call = {.caller = AGENT_PRINCIPAL(a->id), .agent = true, .x = regs};

        call.x[0] = GATE_FID(n);
        for (unsigned i = 0; i < 5; i++) {
                call.x[1 + i] = args[i];
        }
        int32_t st = gate_dispatch(&call);
        if (x1 != NULL) {
                *x1 = call.x[1];
        }
        return st;
}

static int32_t call(struct agent *a, uint32_t n, const uint64_t args[5], uint64_t *x1)
{
        uint64_t saved = agent_lock();
        int32_t st = call_locked(a, n, args, x1);
        agent_unlock(saved);
        return st;
}

/* [ptr, ptr + len) inside a's linear memory: its address, or NULL. */
static uint8_t *mem_at(struct agent *a, uint64_t ptr, uint64_t len)
{
        struct wasm_memory *mem = a->inst != NULL ? wasm_instance_memory(a->inst) : NULL;

        if (mem == NULL || ptr > UINT32_MAX || len > UINT32_MAX ||
            ptr + len > (uint64_t)mem->pages * WASM_PAGE_SIZE) {
                return NULL;
        }
        return mem->data + ptr;
}

/* A refusal by a handler of an entry that witnesses for itself: one DENIED record. */
static int32_t refused(struct gate_ctx *ctx, int32_t status)
{
        witness_emit(&(struct witness_event){
            .kind = ctx->entry->witness_kind,
            .tier = ctx->tier,
            .flags = WITNESS_F_DENIED,
            .actor = ctx->call->caller,
            .cap = (ctx->entry->flags & GATE_F_UNPRIVILEGED) != 0 ? 0 : ctx->handle,
            .payload = (uint64_t)(uint32_t)(-status) | (uint64_t)ctx->entry->fid << 32,
        });
        ctx->witnessed = true;
        return status;
}

/* ---- gate handlers (kernel/hvc.c) ---- */

/* x1 = pointer, x2 = length; x1 out = bytes printed. */
int32_t agent_hc_log(struct gate_ctx *ctx)
{
        struct agent *a = agent_by_principal(ctx->call->caller);
        uint64_t len = ctx->call->x[2];
        char line[LOG_MAX + 1];

        if (a == NULL) {
                return refused(ctx, GATE_E_NOT_SUPPORTED);
        }
        const uint8_t *src = mem_at(a, ctx->call->x[1], len);
        if (len > LOG_MAX || src == NULL) {
                return refused(ctx, len > LOG_MAX ? GATE_E_INVALID : GATE_E_RANGE);
        }
        for (uint64_t i = 0; i < len; i++) {
                char ch = (char)src[i];
                line[i] = (ch == '\n' || (ch >= 0x20 && ch <= 0x7e)) ? ch : '?';
        }
        line[len] = '\0';
        a->logs++;
        (void)con_source_printf(AGENT_PRINCIPAL(a->id), "[agent %u %s] %s", a->id, a->cfg->name,
                                line);
        ctx->call->x[1] = len;
        return 0;
}

/* x1 = edge, x2 = pointer, x3 = length (<= 64, zero-padded): one message into the caller's
 * outgoing ring, as a guest writes its mapped ring. */
static int32_t put(struct gate_ctx *ctx)
{
        struct agent *a = agent_by_principal(ctx->call->caller);
        uint64_t len = ctx->call->x[3];
        uint8_t msg[MSG_SIZE] = {0};

        if (a == NULL) {
                return GATE_E_NOT_SUPPORTED;
        }
        const uint8_t *src = mem_at(a, ctx->call->x[2], len);
        if (len > MSG_SIZE) {
                return GATE_E_INVALID;
        }
        if (src == NULL) {
                return GATE_E_RANGE;
        }
        memcpy(msg, src, len);
        int32_t st = ipc_end_put(ctx, msg);
        if (st == 0) {
                a->sent++;
        }
        return st;
}

/* put, without the doorbell: only the caller's own ring changes, so only a refusal is
 * witnessed (the doorbell that follows a burst is). */
int32_t agent_hc_put(struct gate_ctx *ctx)
{
        int32_t st = put(ctx);

        return st == 0 ? 0 : refused(ctx, st);
}

/* put, then the doorbell (counted and witnessed as a guest's EDGE_NOTIFY is). */
int32_t agent_hc_send(struct gate_ctx *ctx)
{
        int32_t st = put(ctx);

        return st == 0 ? ipc_hc_notify(ctx) : st;
}

/* x1 = edge, x2 = pointer, x3 = buffer size, x4 = flags (bit 0: wait). x1 out = bytes
 * copied (min(size, 64); the message is consumed), 0 if the ring is empty (with the wait
 * flag the agent is then waiting for the peer's doorbell). */
int32_t agent_hc_recv(struct gate_ctx *ctx)
{
        struct agent *a = agent_by_principal(ctx->call->caller);
        uint64_t size = ctx->call->x[3];
        uint64_t flags = ctx->call->x[4];
        uint8_t msg[MSG_SIZE];

        if (a == NULL) {
                return refused(ctx, GATE_E_NOT_SUPPORTED);
        }
        uint64_t n = size < MSG_SIZE ? size : MSG_SIZE;
        uint8_t *dst = mem_at(a, ctx->call->x[2], n);
        if ((flags & ~1ull) != 0 || n == 0) {
                return refused(ctx, GATE_E_INVALID);
        }
        if (dst == NULL) {
                return refused(ctx, GATE_E_RANGE);
        }
        int32_t got = ipc_end_take(ctx, msg, (flags & 1) != 0);
        if (got < 0) {
                return refused(ctx, got);
        }
        ctx->call->x[1] = 0;
        if (got == 0) {
                a->waiting = (flags & 1) != 0;
                return 0;
        }
        memcpy(dst, msg, n);
        a->received++;
        ctx->call->x[1] = n;
        return 0;
}

/* x1 = witness-log capability, x2 = tag, x3 = value: the gate's own record is the agent's
 * (WK_WASM_EMIT, actor = the agent, target = tag, payload = value). */
int32_t agent_hc_witness(struct gate_ctx *ctx)
{
        if (agent_by_principal(ctx->call->caller) == NULL) {
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
        struct agent *a = agent_by_principal(ctx->call->caller);
        uint64_t len = ctx->call->x[3];

        if (a == NULL) {
                return refused(ctx, GATE_E_NOT_SUPPORTED);
        }
        const char *name = (const char *)mem_at(a, ctx->call->x[2], len);
        if (name == NULL) {
                return refused(ctx, GATE_E_RANGE);
        }
        const struct agent_config *cfg = len <= NAME_MAX ? agent_config_named(name, len) : NULL;
        uint32_t part = (uint32_t)ctx->cap.object_ref;
        if (cfg == NULL || !agent_partition_ok(part)) {
                return refused(ctx, GATE_E_INVALID);
        }
        int32_t id = agent_spawn(cfg, part, ctx->call->caller, ctx->handle);
        if (id < 0) {
                return refused(ctx, id);
        }
        ctx->call->x[1] = (uint64_t)id;
        return 0;
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
        uint64_t saved = agent_lock();
        uint64_t regs[8] = {0};
        struct gate_call c = {.caller = AGENT_PRINCIPAL(a->id), .agent = true, .x = regs};
        for (uint64_t cursor = 0, n = 0; n < CAP_TABLE_SLOTS; n++) {
                c.x[0] = GATE_FID(HC_CAP_LIST);
                c.x[1] = cursor;
                if (gate_dispatch(&c) != 0 || c.x[1] == 0) {
                        break;
                }
                cursor = c.x[2];
                if ((c.x[3] & 0xff) == type && index-- == 0) {
                        found = c.x[1];
                        break;
                }
        }
        agent_unlock(saved);
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
        uint64_t saved = agent_lock();
        int32_t st = call_locked(
            a, HC_RECV,
            (uint64_t[5]){slots[0], (uint32_t)slots[1], (uint32_t)slots[2], (uint32_t)slots[3]},
            &x1);
        bool wait = st == 0 && x1 == 0 && a->waiting;
        agent_unlock(saved);
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
