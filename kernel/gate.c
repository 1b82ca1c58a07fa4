/*
 * The security gate (see gate.h): table validation, the P1 -> P2 -> P3 -> perform -> witness
 * pipeline, the one mapping from module errors to hypercall status, and the handlers of the
 * capability hypercalls. Plain C over cap/ and proof/: no hal/ or arch/ include, so the host
 * tests run exactly this code.
 */
#include "kernel/gate.h"

#include <stdbool.h>

struct gate_index gate_index;

static struct {
        const struct gate_entry *table;
        size_t count;
        uint64_t (*clock)(void);
        uint64_t max_age;
} gate;

/* The rules of gate.h (GATE_RULE_*), each with its reason. */
static enum gate_check check_entry(const struct gate_entry *e)
{
        if (!GATE_RULE_FID(GATE_ENTRY_FID(e))) {
                return GATE_CHECK_FID;
        }
        if (e->handler == NULL) {
                return GATE_CHECK_HANDLER;
        }
        if (!GATE_RULE_RIGHTS(e->rights, e->flags)) {
                return GATE_CHECK_RIGHTS;
        }
        if (!GATE_RULE_TIER(e->tier, e->flags)) {
                return GATE_CHECK_TIER;
        }
        if (!GATE_RULE_WITNESS(e->witness_kind, e->flags)) {
                return GATE_CHECK_WITNESS;
        }
        if (!GATE_RULE_TYPE(e->type, e->flags)) {
                return GATE_CHECK_TYPE;
        }
        if (!GATE_RULE_RANGE(e->range_off, e->range_len, e->tier)) {
                return GATE_CHECK_RANGE;
        }
        return GATE_CHECK_OK;
}

enum gate_check gate_table_check(const struct gate_entry *table, size_t count, size_t *bad_index)
{
        for (size_t i = 0; i < count; i++) {
                enum gate_check c = check_entry(&table[i]);
                for (size_t j = 0; c == GATE_CHECK_OK && j < i; j++) {
                        if (GATE_ENTRY_FID(&table[j]) == GATE_ENTRY_FID(&table[i])) {
                                c = GATE_CHECK_DUPLICATE;
                        }
                }
                if (c != GATE_CHECK_OK) {
                        *bad_index = i;
                        return c;
                }
        }
        return GATE_CHECK_OK;
}

enum gate_check gate_init(const struct gate_entry *table, size_t count, uint64_t (*clock)(void),
                          uint64_t max_age)
{
        size_t bad = 0;
        enum gate_check c =
            clock == NULL ? GATE_CHECK_HANDLER : gate_table_check(table, count, &bad);
        if (c != GATE_CHECK_OK) {
                gate_install(NULL, 0, gate.clock, gate.max_age); /* nothing installed */
                return c;
        }
        gate_install(table, count, clock, max_age);
        return GATE_CHECK_OK;
}

void gate_install(const struct gate_entry *table, size_t count, uint64_t (*clock)(void),
                  uint64_t max_age)
{
        for (size_t i = 0; i < GATE_SLOTS; i++) {
                gate_index.slot[i] = NULL;
                gate_index.local[i] = NULL;
        }
        gate.table = table;
        gate.count = count;
        for (size_t i = 0; i < count; i++) {
                uint32_t n = GATE_ENTRY_FID(&table[i]) - GATE_FID_BASE;
                if (n < GATE_SLOTS) {
                        gate_index.slot[n] = &table[i];
                        gate_index.local[n] =
                            (table[i].flags & GATE_F_LOCAL) != 0 ? table[i].handler : NULL;
                }
        }
        gate.clock = clock;
        gate.max_age = max_age;
}

#ifdef __OPTIMIZE_SIZE__
const struct gate_entry *gate_lookup(uint32_t fid)
{
        return gate_lookup_inline(fid);
}
#endif

const struct gate_entry *gate_lookup_far(uint32_t fid)
{
        if (!GATE_FID_IS_VENDOR_HYP(fid) && !GATE_FID_IS_PSCI(fid)) {
                return NULL;
        }
        for (size_t i = 0; i < gate.count; i++) {
                if (GATE_ENTRY_FID(&gate.table[i]) == fid) {
                        return &gate.table[i];
                }
        }
        return NULL;
}

/* A byte, out of line: the statuses fit one, so the switch compiles to a table of bytes
 * (inlined into its int32_t caller, clang made it a table of 32-bit words). */
__attribute__((noinline)) static int8_t status_from_cap(enum cap_err e)
{
        switch (e) {
        case CAP_OK:
                return GATE_OK;
        case CAP_E_FORGED:
                return GATE_E_FORGED;
        case CAP_E_FOREIGN:
                return GATE_E_FOREIGN;
        case CAP_E_STALE:
                return GATE_E_STALE;
        case CAP_E_EPOCH:
                return GATE_E_EPOCH;
        case CAP_E_TYPE:
                return GATE_E_TYPE;
        case CAP_E_RIGHTS:
                return GATE_E_RIGHTS;
        case CAP_E_ESCALATE:
                return GATE_E_ESCALATE;
        case CAP_E_DEPTH:
                return GATE_E_DEPTH;
        case CAP_E_RANGE:
                return GATE_E_RANGE;
        case CAP_E_TABLE_FULL:
        case CAP_E_ARENA_FULL:
        case CAP_E_NO_OBJECT:
                return GATE_E_NO_SPACE;
        case CAP_E_NO_TABLE:
                return GATE_E_NO_PARTITION;
        case CAP_E_INVAL:
                return GATE_E_INVALID;
        case CAP_E_NOT_ROOT:
                return GATE_E_NOT_ROOT;
        case CAP_E_EXISTS:
                break;
        }
        return GATE_E_INTERNAL;
}

int32_t gate_status_from_cap(enum cap_err e)
{
        return status_from_cap(e);
}

/* Denial record payload: reason in bits 0..15, detail in 16..31 (for WK_CAP_DENY the witness
 * kind of the refused operation, as cap/ writes it; for P2 the failed-rule mask, for P3 the
 * chain fault), the function id in 32..63 (docs/ABI.md). */
/* Denials on a budget (witness/budget.h), when the kernel gives one: the first of each kind
 * by each caller in an epoch in full, the rest counted into the epoch's WK_WIT_FOLDED. */
static struct witness_budget *budget;

void gate_set_budget(struct witness_budget *b)
{
        budget = b;
}

/* Actions on a quota (witness/budget.h), when the kernel gives one. */
static struct witness_quota *quota;

void gate_set_quota(struct witness_quota *q)
{
        quota = q;
}

/*
 * The epoch's end: one WK_WIT_FOLDED record for each caller and kind whose denials were
 * folded (actor = the caller, target = the denial kind, cap = the epoch, payload = how many),
 * so each caller's count survives; denials of pairs the table could not hold go into one
 * record with actor 0. Then the budget's next epoch.
 */
void gate_epoch(void)
{
        struct witness_event ev;
        uint64_t attributed = 0;

        if (quota != NULL) {
                witness_quota_epoch_end(quota);
        }
        if (budget == NULL) {
                return;
        }
        for (uint32_t i = 0; i < budget->cap; i++) {
                const struct witness_budget_slot *s = &budget->slots[i];
                if (s->gen == budget->gen && s->folded != 0) {
                        witness_emit(&(struct witness_event){.kind = WK_WIT_FOLDED,
                                                             .actor = s->caller,
                                                             .target = s->kind,
                                                             .cap = budget->epoch,
                                                             .payload = s->folded});
                        attributed += s->folded;
                }
        }
        if (witness_budget_epoch_end(budget, &ev) && ev.payload > attributed) {
                ev.payload -= attributed; /* the pairs the table could not hold */
                ev.target = 0;
                witness_emit(&ev);
        }
}

uint64_t gate_ticket(uint32_t caller)
{
        return proof_ticket_issue(caller, gate.clock());
}

bool gate_denial_admit(uint32_t caller, uint16_t kind)
{
        return budget == NULL || witness_budget_admit(budget, caller, kind);
}

uint64_t gate_denials_folded(void)
{
        return budget != NULL ? budget->total_folded : 0;
}

static void deny(const struct gate_call *call, uint16_t kind, uint8_t tier, uint64_t cap,
                 uint32_t reason, uint32_t detail, uint32_t fid)
{
        if (budget != NULL && !witness_budget_admit(budget, call->caller, kind)) {
                return; /* counted: the epoch's WK_WIT_FOLDED carries it */
        }
        struct witness_event ev = {
            .kind = kind,
            .tier = tier,
            .flags = WITNESS_F_DENIED,
            .actor = call->caller,
            .target = 0,
            .cap = cap,
            .payload = (uint64_t)(reason & 0xFFFFu) | ((uint64_t)(detail & 0xFFFFu) << 16) |
                       ((uint64_t)fid << 32),
        };
        witness_emit(&ev);
}

static int32_t finish(struct gate_call *call, int32_t status)
{
        call->x[0] = (uint64_t)(int64_t)status;
        return status;
}

/* Denial reasons for WK_PROOF_DENY records (payload bits 0..15). */
enum gate_deny_reason {
        GATE_DENY_UNKNOWN_FID = 0x100,
        GATE_DENY_P2 = 0x200,
        GATE_DENY_P3 = 0x300,
        GATE_DENY_QUOTA = 0x400, /* the caller's actions this epoch are spent */
};

#define PSCI_DENIED (-3) /* PSCI's own DENIED (Arm DEN 0022), for a PSCI call refused so */

/* An action (GATE_F_ACTION) past its caller's quota: the refusal witnessed on the denial
 * budget, the call's status set, true returned. Out of line: the calls that are not actions
 * (the CommEdges' doorbells among them) pay only the flag's test. */
static __attribute__((noinline)) bool action_refused(struct gate_call *call,
                                                     const struct gate_entry *e, uint8_t tier,
                                                     uint64_t cap)
{
        if (quota == NULL || witness_quota_left(quota, call->caller)) {
                return false;
        }
        uint32_t fid = (uint32_t)call->x[0];
        deny(call, WK_PROOF_DENY, tier, cap, GATE_DENY_QUOTA, e->witness_kind, fid);
        finish(call, GATE_FID_IS_PSCI(fid) ? PSCI_DENIED : GATE_E_THROTTLED);
        return true;
}

/* An action done: one of its caller's for this epoch. */
static __attribute__((noinline)) void action_done(const struct gate_call *call)
{
        if (quota != NULL) {
                witness_quota_spend(quota, call->caller);
        }
}

int32_t gate_dispatch(struct gate_call *call)
{
        /* SMCCC: the function id is W0; the upper half of X0 is ignored. */
        return gate_dispatch_entry(call, gate_lookup((uint32_t)call->x[0]));
}

/* P1 -> P2 -> P3 -> perform -> witness (gate.h). */
int32_t gate_dispatch_checked(struct gate_call *call, const struct gate_entry *e)
{
        uint32_t fid = (uint32_t)call->x[0];
        if (e == NULL) {
                deny(call, WK_PROOF_DENY, 0, 0, GATE_DENY_UNKNOWN_FID, 0, fid);
                return finish(call, GATE_E_NOT_SUPPORTED);
        }
        /*
         * Fields set one by one: only privileged calls read ctx.cap (P1 fills it below), so
         * the hot unprivileged path skips zeroing it.
         */
        struct gate_ctx ctx;
        ctx.call = call;
        ctx.entry = e;
        ctx.handle = call->x[1];
        ctx.cap.node = CAP_NODE_NONE;
        ctx.tier = e->tier;
        /* read only where P2/P3 need it: the clock is not free */
        ctx.now = e->tier >= PROOF_TIER_P2 ? gate.clock() : 0;
        ctx.target = 0;
        ctx.payload = 0;
        if ((e->flags & GATE_F_UNPRIVILEGED) == 0) {
                struct proof_p1_req p1 = {
                    .caller = call->caller,
                    .handle = call->x[1],
                    .type = e->type,
                    .rights = e->rights == GATE_RIGHTS_NONE ? 0 : e->rights,
                    .rights_any = (e->flags & GATE_F_RIGHTS_ANY) != 0,
                    .allow_stale_epoch = (e->flags & GATE_F_STALE_EPOCH_OK) != 0,
                };
                enum cap_err ce = proof_p1_view(&p1, &ctx.cap);
                if (ce != CAP_OK) {
                        deny(call, WK_CAP_DENY, PROOF_TIER_P1, call->x[1], ce, e->witness_kind,
                             fid);
                        call->x[1] = 0;
                        return finish(call, gate_status_from_cap(ce));
                }
        }
        if (e->tier >= PROOF_TIER_P2) {
                struct proof_p2_req p2 = {
                    .caller = call->caller,
                    .node = ctx.cap.node,
                    .offset = e->range_off != 0 ? call->x[e->range_off] : 0,
                    .length = e->range_len != 0 ? call->x[e->range_len] : 0,
                    .nonce = call->x[6],
                    .now = ctx.now,
                    .max_depth = CAP_MAX_DEPTH,
                    .max_age = gate.max_age,
                };
                uint32_t failed = proof_p2(&p2);
                if (failed != 0) {
                        deny(call, WK_PROOF_DENY, PROOF_TIER_P2, call->x[1], GATE_DENY_P2, failed,
                             fid);
                        call->x[1] = failed;
                        return finish(call, GATE_E_POLICY);
                }
        }
        if (e->tier >= PROOF_TIER_P3) {
                enum proof_chain_fault f = proof_p3(ctx.cap.node, ctx.now);
                if (f != PROOF_CHAIN_OK) {
                        deny(call, WK_PROOF_DENY, PROOF_TIER_P3, call->x[1], GATE_DENY_P3,
                             (uint32_t)f, fid);
                        call->x[1] = (uint64_t)f;
                        return finish(call, GATE_E_CHAIN);
                }
        }
        bool action = (e->flags & GATE_F_ACTION) != 0;
        if (action && action_refused(call, e, ctx.tier, ctx.handle)) {
                return (int32_t)call->x[0];
        }
        ctx.witnessed = false;
        int32_t status = e->handler(&ctx);
        if (action && status >= 0) {
                action_done(call);
        }
        if ((e->flags & GATE_F_SELF_WITNESS) != 0 && status < 0 && !ctx.witnessed) {
                /* Its module records what it changes; a refusal changes nothing, and every
                 * refusal is witnessed. */
                deny(call, e->witness_kind, e->tier, ctx.handle, (uint32_t)-status, 0, fid);
        } else if ((e->flags & GATE_F_SELF_WITNESS) == 0 && e->witness_kind != 0) {
                struct witness_event ev = {
                    .kind = e->witness_kind,
                    .tier = e->tier,
                    .flags = status < 0 ? WITNESS_F_DENIED : 0,
                    .actor = call->caller,
                    .target = ctx.target,
                    .cap = ctx.handle,
                    .payload = status < 0 ? (uint64_t)(uint32_t)(-status) : ctx.payload,
                };
                witness_emit(&ev);
        }
        return finish(call, status);
}

/* An entry with no capability to prove whose handler's module witnesses what it changes:
 * the whole gate is the table entry, and a record if it refused. */
int32_t gate_dispatch_plain(struct gate_call *call, const struct gate_entry *e)
{
        uint32_t fid = (uint32_t)call->x[0];
        uint64_t x1 = call->x[1];
        struct gate_ctx ctx = {.call = call,
                               .entry = e,
                               .handle = x1,
                               .cap.node = CAP_NODE_NONE,
                               .tier = PROOF_TIER_NONE};
        bool action = (e->flags & GATE_F_ACTION) != 0;
        if (action && action_refused(call, e, PROOF_TIER_NONE, 0)) {
                return (int32_t)call->x[0];
        }
        int32_t status = e->handler(&ctx);
        if (action && status >= 0) {
                action_done(call);
        }
        if (status < 0 && !ctx.witnessed) {
                deny(call, e->witness_kind, 0, 0, (uint32_t)-status, 0, fid);
        }
        return finish(call, status);
}

/* ---- capability hypercalls (registers: docs/ABI.md) ---- */

/* cap_derive (a child for the caller itself) or cap_grant (for the partition x2 names, rights
 * above it): the request from the registers, the new handle in x1. */
static int32_t derive_or_grant(struct gate_ctx *ctx, bool grant)
{
        ctx->witnessed = true; /* cap/ writes one record, allowed or refused */
        const uint64_t *x = ctx->call->x;
        struct cap_derive_req req = {
            .caller = ctx->call->caller,
            .parent = ctx->handle,
            .target = grant ? (uint32_t)x[2] : ctx->call->caller,
            /* derive: bits above 31 would be lost in the conversion: fold them into an
             * invalid right so cap_derive refuses (and witnesses) the request. */
            .rights = grant ? (uint32_t)(x[2] >> 32)
                            : (uint32_t)x[2] | ((x[2] >> 32) != 0 ? 0x80000000u : 0u),
            .offset = x[3],
            .size = x[4],
            .expiry = x[5],
            .tier = ctx->tier,
        };
        cap_handle_t child = 0;
        enum cap_err e = grant ? cap_grant(&req, &child) : cap_derive(&req, &child);
        ctx->call->x[1] = child;
        return gate_status_from_cap(e);
}

int32_t gate_hvc_cap_derive(struct gate_ctx *ctx)
{
        return derive_or_grant(ctx, false);
}

int32_t gate_hvc_cap_grant(struct gate_ctx *ctx)
{
        return derive_or_grant(ctx, true);
}

/* cap_revoke (flags in x2) or cap_drop: how many capabilities went, in x1. Out of line: gcc
 * would otherwise copy it, with cap/'s shared tail of both, into each of the two calls. */
static __attribute__((noinline)) int32_t revoke_or_drop(struct gate_ctx *ctx, bool revoke)
{
        ctx->witnessed = true; /* cap/ writes one record, allowed or refused */
        const uint64_t *x = ctx->call->x;
        uint32_t freed = 0;
        uint32_t flags = (x[2] >> 32) != 0 ? 0x80000000u : (uint32_t)x[2];
        enum cap_err e = revoke
                             ? cap_revoke(ctx->call->caller, ctx->handle, flags, ctx->tier, &freed)
                             : cap_drop(ctx->call->caller, ctx->handle, ctx->tier, &freed);
        ctx->call->x[1] = freed;
        return gate_status_from_cap(e);
}

int32_t gate_hvc_cap_revoke(struct gate_ctx *ctx)
{
        return revoke_or_drop(ctx, true);
}

int32_t gate_hvc_cap_inspect(struct gate_ctx *ctx)
{
        ctx->witnessed = true; /* cap/ writes one record, allowed or refused */
        struct cap_info info;
        uint64_t *x = ctx->call->x;
        enum cap_err e = cap_inspect(ctx->call->caller, ctx->handle, ctx->tier, &info);
        if (e != CAP_OK) {
                x[1] = 0;
                return gate_status_from_cap(e);
        }
        x[1] = (uint64_t)info.type | ((uint64_t)info.rights << 8) | ((uint64_t)info.depth << 16) |
               ((uint64_t)info.epoch_current << 24) | ((uint64_t)info.owner << 32);
        x[2] = info.base;
        x[3] = info.size;
        x[4] = info.expiry;
        x[5] = info.object_ref;
        x[6] = info.epoch;
        return GATE_OK;
}

int32_t gate_hvc_cap_drop(struct gate_ctx *ctx)
{
        return revoke_or_drop(ctx, false);
}
