/*
 * The security gate: the one path every hypercall takes (plain C, host-tested).
 *
 *   find the entry for x0 -> P1 (handle in x1, the entry's type and rights)
 *                         -> P2 if the entry's tier >= 2 (nonce in x6, issue time in x7)
 *                         -> P3 if the entry's tier == 3
 *                         -> the entry's handler ("perform")
 *                         -> one witness record
 *
 * Witnessing: a P1 failure emits WK_CAP_DENY, a P2/P3 failure WK_PROOF_DENY (flag DENIED,
 * payload = reason | detail << 16 | function id << 32, see docs/ABI.md). When the checks pass
 * the gate emits the entry's own witness kind (DENIED set if the handler failed), unless the
 * entry says GATE_F_SELF_WITNESS: then the handler calls a module that emits its own record
 * (the cap/ operations do), so there is still exactly one record per call.
 *
 * Actions on a quota: an entry flagged GATE_F_ACTION leaves a record of its own each time it
 * succeeds; past its caller's quota for the epoch (witness/budget.h) it is refused before it
 * acts (GATE_E_THROTTLED, or PSCI's DENIED), and that refusal is a denial like the others.
 *
 * Function ids are SMCCC SMC64 fast calls owned by the vendor-specific hypervisor service:
 * bit 31 = 1 (fast), bit 30 = 1 (SMC64), bits 29:24 = 6 (owner), bits 15:0 = call number,
 * i.e. 0xC6000000 | n. Numbers 0x0000-0x00FF are the kernel's, 0x0100-0x01FF capabilities,
 * 0x0200-0x02FF the host functions of WebAssembly agents (GATE_F_AGENT: the caller is an
 * agent; its registers are the arguments of its host call).
 *
 * The table is the kernel's (kernel/hvc.c), made from the rows of
 * arch/aarch64/guest/rvm_calls.h. An entry must declare its rights, tier and witness kind
 * (GATE_RULE_*): the kernel's rows are checked where they are compiled, and gate_init refuses
 * any other table in which an entry does not (gate_table_check).
 */
#ifndef RVM_KERNEL_GATE_H
#define RVM_KERNEL_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/aarch64/guest/rvm_calls.h"
#include "cap/cap.h"
#include "proof/proof.h"
#include "witness/budget.h"
#include "witness/witness.h"

#define GATE_FID_BASE               0xC6000000u
#define GATE_FID(n)                 (GATE_FID_BASE | (uint32_t)(n))
#define GATE_FID_IS_VENDOR_HYP(fid) (((fid)&0xFFFF0000u) == GATE_FID_BASE)
/* PSCI's function ids (standard secure service, 0x8400_00xx and 0xC400_00xx): a partition's
 * PSCI calls pass the gate too. */
#define GATE_FID_IS_PSCI(fid) (((fid)&0xBFFFFFE0u) == 0x84000000u)

/* Hypercall status (x0 on return). -1..-3 are SMCCC's own values. */
enum gate_status {
        GATE_OK = 0,
        GATE_E_NOT_SUPPORTED = -1, /* unknown function id */
        GATE_E_NOT_REQUIRED = -2,  /* (SMCCC; unused) */
        GATE_E_INVALID = -3,       /* bad argument */
        GATE_E_FORGED = -4,
        GATE_E_FOREIGN = -5,
        GATE_E_STALE = -6,
        GATE_E_EPOCH = -7,
        GATE_E_TYPE = -8,
        GATE_E_RIGHTS = -9,
        GATE_E_ESCALATE = -10,
        GATE_E_DEPTH = -11,
        GATE_E_RANGE = -12,
        GATE_E_NO_SPACE = -13,     /* table, arena or registry full */
        GATE_E_NO_PARTITION = -14, /* target partition has no capability table */
        GATE_E_NOT_ROOT = -15,
        GATE_E_POLICY = -16, /* P2 failed; x1 = mask of failed enum proof_rule */
        GATE_E_CHAIN = -17,  /* P3 failed; x1 = enum proof_chain_fault */
        GATE_E_INTERNAL = -18,
        GATE_E_BUSY = -19,      /* memory regions: already offered / retrieved / still held */
        GATE_E_NOT_OWNER = -20, /* memory regions: the range is not RAM the caller owns */
        GATE_E_NOT_HELD = -21,  /* memory regions: relinquish of an offer not retrieved */
        GATE_E_THROTTLED = -22, /* the caller's actions this epoch are spent: ask again later */
};

/*
 * The caller and its eight argument registers, read and updated in place (for a guest, the
 * saved frame itself: nothing is copied): x0 = function id in, status out; x1.. results.
 */
struct gate_call {
        uint32_t caller; /* principal: partition id (0 = RVM itself), or an agent's (agent.h) */
        bool agent;      /* made by a WebAssembly agent's host function, not by a guest's HVC */
        uint64_t *x;     /* x[0..7] */
};

#define GATE_RIGHTS_NONE 0x80u /* declared: the call needs a valid handle, no right */

enum gate_flags {
        GATE_F_RIGHTS_ANY = 1u << 0,     /* any one of .rights suffices (default: all) */
        GATE_F_ANY_TYPE = 1u << 1,       /* any object type (then .type is CAP_T_NONE) */
        GATE_F_STALE_EPOCH_OK = 1u << 2, /* P1 accepts a stale-epoch capability */
        GATE_F_SELF_WITNESS = 1u << 3,   /* the handler's module emits the record */
        GATE_F_UNPRIVILEGED = 1u << 4,   /* no capability at all: tier 0, rights NONE */
        /* Unprivileged and touching nothing but the caller's own registers and its CPU's
         * flags: the kernel may dispatch it without its run lock (the hypercall fast path). */
        GATE_F_LOCAL = 1u << 5,
        GATE_F_AGENT =
            1u << 6, /* only agents' host functions reach it; a guest gets NOT_SUPPORTED */
        /* each success leaves a record of its own: on the caller's action quota (every entry
         * whose success the gate itself records has it, gate_table_check) */
        GATE_F_ACTION = 1u << 7,
};

struct gate_ctx {
        struct gate_call *call;
        const struct gate_entry *entry;
        cap_handle_t handle; /* x1 */
        /* What P1 resolved x1 to (cap.node: its arena index, CAP_NODE_NONE for an
         * unprivileged call on the gate's pipeline; the rest of it: cap_info_at). */
        struct cap_view cap;
        uint8_t tier;
        uint64_t now;
        uint64_t target;  /* handler: object id for the success record */
        uint64_t payload; /* handler: payload for the success record */
        /* handler of a GATE_F_SELF_WITNESS entry: it (or its module) wrote the record of its
         * refusal; otherwise the gate writes one for any negative status */
        bool witnessed;
};

typedef int32_t (*gate_handler_fn)(struct gate_ctx *ctx);

/* The handler first, then the fields by size, without padding. The call's name is in
 * rvm_calls.h (and docs/ABI.md), where kernel/hvc.c checks it at compile time: the table
 * does not carry it. A proof's depth limit is CAP_MAX_DEPTH for every call. */
#if defined(RVM_PROFILE_SEED)
/* The Seed's, in 16 bytes (its image budget): the function id without its bits 16..23,
 * which are 0 in every id the gate takes (GATE_RULE_FID), and the small fields as bits;
 * kernel/hvc.c checks at compile time that each row fits. Read the id with GATE_ENTRY_FID. */
struct gate_entry {
        gate_handler_fn handler;
        uint16_t fid_low;           /* the function id's bits 0..15 */
        uint8_t fid_high;           /* ... and 24..31 */
        uint8_t rights;             /* as below */
        uint8_t flags;              /* enum gate_flags */
        uint32_t witness_kind : 12; /* WK_* (0x0GNN, G and N below 16) */
        uint32_t type : 4;          /* enum cap_type */
        uint32_t tier : 2;          /* enum proof_tier */
        uint32_t range_off : 3;     /* as below */
        uint32_t range_len : 3;
};
_Static_assert(sizeof(struct gate_entry) == 16, "the Seed's gate entry packs into 16 bytes");
#define GATE_ENTRY_FID(e) ((uint32_t)(e)->fid_high << 24 | (e)->fid_low)
#define GATE_FID_INIT_(f) .fid_low = (uint16_t)(f), .fid_high = (uint8_t)((f) >> 24)
/* Does a row's every field fit the bits above? */
#define GATE_ROW_FITS_(f, rt, wk) \
        (((f)&0x00FF0000u) == 0 && (rt) <= 0xFF && (wk) < (1u << 12) && CAP_T_COUNT <= 16)
#else
/* 24 bytes. */
struct gate_entry {
        gate_handler_fn handler;
        uint32_t fid;
        uint32_t rights;   /* CAP_R_* mask, or GATE_RIGHTS_NONE; 0 = undeclared (refused) */
        uint8_t type;      /* enum cap_type: required object type of the capability in x1 */
        uint8_t tier;      /* enum proof_tier; 0 only with GATE_F_UNPRIVILEGED */
        uint8_t range_off; /* P2 bounds: register holding the offset (2..5), 0 = none */
        uint8_t range_len; /* ... and the length */
        uint8_t flags;     /* enum gate_flags */
        uint16_t witness_kind;
};
_Static_assert(sizeof(struct gate_entry) == 24, "a gate entry packs into 24 bytes");
#define GATE_ENTRY_FID(e)         ((e)->fid)
#define GATE_FID_INIT_(f)         .fid = (f)
#define GATE_ROW_FITS_(f, rt, wk) 1
#endif
_Static_assert(GATE_F_ACTION <= 0x80 && CAP_T_COUNT <= 0xFF, "flags and types fit a byte");

/* Set an entry's function id (tests: an id the gate must refuse, a duplicate). The Seed's
 * entry keeps bits 0..15 and 24..31 of it. */
static inline void gate_entry_set_fid(struct gate_entry *e, uint32_t fid)
{
#if defined(RVM_PROFILE_SEED)
        e->fid_low = (uint16_t)fid;
        e->fid_high = (uint8_t)(fid >> 24);
#else
        e->fid = fid;
#endif
}

/* Capability hypercall handlers (gate.c), rows of arch/aarch64/guest/rvm_calls.h. */
int32_t gate_hvc_cap_derive(struct gate_ctx *ctx);
int32_t gate_hvc_cap_grant(struct gate_ctx *ctx);
int32_t gate_hvc_cap_revoke(struct gate_ctx *ctx);
int32_t gate_hvc_cap_inspect(struct gate_ctx *ctx);
int32_t gate_hvc_cap_drop(struct gate_ctx *ctx);

/*
 * A gate entry from a row of arch/aarch64/guest/rvm_calls.h (GATE_PSCI_ENTRY: the number is
 * PSCI's whole function id). RVM_UNPRIV: no capability, tier 0, the module witnesses.
 */
#define RVM_UNPRIV (GATE_F_UNPRIVILEGED | GATE_F_ANY_TYPE | GATE_F_SELF_WITNESS)
#define WK_NONE    0 /* a call that writes no record declares no kind (unprivileged only) */
#define GATE_ENTRY_FID_(f_, nm, ty, rt, tr, ro, rl, wk, fl, fn) \
        {.type = ty,                                            \
         .rights = rt,                                          \
         .tier = tr,                                            \
         .range_off = ro,                                       \
         .range_len = rl,                                       \
         .witness_kind = wk,                                    \
         .flags = fl,                                           \
         .handler = fn,                                         \
         GATE_FID_INIT_(f_)},
#define GATE_ENTRY(n, id, ...)      GATE_ENTRY_FID_(RVM_FID(n), __VA_ARGS__)
#define GATE_PSCI_ENTRY(n, id, ...) GATE_ENTRY_FID_(n, __VA_ARGS__)
#define GATE_COUNT_(...)            +1

/* The capability entries (a table for tests and benchmarks: { GATE_CAP_ENTRIES }). */
#define GATE_CAP_ENTRIES     RVM_CAP_CALLS(GATE_ENTRY)
#define GATE_CAP_ENTRY_COUNT (0 RVM_CAP_CALLS(GATE_COUNT_))

/* Why gate_table_check refused a table. */
enum gate_check {
        GATE_CHECK_OK = 0,
        GATE_CHECK_FID,       /* neither a vendor-hypervisor SMC64 fast call nor PSCI */
        GATE_CHECK_DUPLICATE, /* two entries share a function id */
        GATE_CHECK_HANDLER,
        GATE_CHECK_RIGHTS,  /* rights undeclared (0) or unknown bits */
        GATE_CHECK_TIER,    /* tier undeclared / out of range / inconsistent with flags */
        GATE_CHECK_WITNESS, /* witness kind undeclared */
        GATE_CHECK_TYPE,    /* no type and no GATE_F_ANY_TYPE, or an unknown type */
        GATE_CHECK_RANGE,   /* range registers not in x2..x5, or given below tier P2 */
};

/*
 * The rules an entry must keep, as constant expressions over its fields, so that they are
 * checked where a table is compiled (kernel/hvc.c asserts them for each row of rvm_calls.h)
 * as well as by gate_table_check. Each is true when the entry keeps it.
 */
#define GATE_UNPRIV_(fl)   (((fl)&GATE_F_UNPRIVILEGED) != 0)
#define GATE_RULE_FID(fid) (GATE_FID_IS_VENDOR_HYP(fid) || GATE_FID_IS_PSCI(fid))
#define GATE_RULE_RIGHTS(rt, fl)                                                          \
        ((rt) != 0 && ((rt) == GATE_RIGHTS_NONE || ((rt) & ~(uint32_t)CAP_R_ALL) == 0) && \
         (!GATE_UNPRIV_(fl) || (rt) == GATE_RIGHTS_NONE))
/* Local (no run lock): only a guest call needing no capability, witnessing for itself and
 * leaving no record when it succeeds. */
#define GATE_RULE_TIER(tr, fl)                                                    \
        ((GATE_UNPRIV_(fl) ? (tr) == PROOF_TIER_NONE                              \
                           : ((tr) >= PROOF_TIER_P1 && (tr) <= PROOF_TIER_P3)) && \
         (((fl)&GATE_F_LOCAL) == 0 ||                                             \
          (GATE_UNPRIV_(fl) &&                                                    \
           ((fl) & (GATE_F_AGENT | GATE_F_SELF_WITNESS | GATE_F_ACTION)) == GATE_F_SELF_WITNESS)))
/* A privileged call declares its record's kind; one the gate records on success is an
 * action, on its caller's quota. */
#define GATE_RULE_WITNESS(wk, fl)           \
        ((GATE_UNPRIV_(fl) || (wk) != 0) && \
         (((fl) & (GATE_F_SELF_WITNESS | GATE_F_ACTION)) != 0 || (wk) == 0))
#define GATE_RULE_TYPE(ty, fl)                             \
        (GATE_UNPRIV_(fl) ||                               \
         (((fl)&GATE_F_ANY_TYPE) != 0 ? (ty) == CAP_T_NONE \
                                      : ((ty) > CAP_T_NONE && (ty) < CAP_T_COUNT)))
/* P2 bounds: x1 is the handle and x6/x7 the nonce and issue time, so a range is in x2..x5. */
#define GATE_REG_OK_(r) ((r) >= 2 && (r) <= 5)
#define GATE_RULE_RANGE(ro, rl, tr)  \
        (((ro) == 0 && (rl) == 0) || \
         (GATE_REG_OK_(ro) && GATE_REG_OK_(rl) && (ro) != (rl) && (tr) >= PROOF_TIER_P2))

/* Check every entry; on failure *bad_index names the first offending entry. */
enum gate_check gate_table_check(const struct gate_entry *table, size_t count, size_t *bad_index);

/* Install the table (refused, and nothing installed, if gate_table_check fails), the clock
 * P2 reads and the P2 request window in clock ticks. cap_init and proof_init come first. */
enum gate_check gate_init(const struct gate_entry *table, size_t count, uint64_t (*clock)(void),
                          uint64_t max_age);
/* gate_init without the check, for a table checked where it was compiled (the kernel's:
 * kernel/hvc.c asserts GATE_RULE_* of each row and that no two share a function id). */
void gate_install(const struct gate_entry *table, size_t count, uint64_t (*clock)(void),
                  uint64_t max_age);

/*
 * Denials on a budget (witness/budget.h): with one given, the first denial of each kind by each
 * caller in an epoch is recorded in full and the rest are counted; gate_epoch (at each epoch's
 * end and at shutdown) emits a WK_WIT_FOLDED record per caller and kind with its count. Nothing is
 * lost from the count: gate_denials_folded says how many were folded since boot.
 */
void gate_set_budget(struct witness_budget *b);
/* Actions on a quota (witness/budget.h): with one given, a GATE_F_ACTION entry past its
 * caller's quota for the epoch is refused; gate_epoch renews every quota. */
void gate_set_quota(struct witness_quota *q);
void gate_epoch(void);
/* A refusal made outside the gate (a doorbell-page access, kernel/ipc.c) on the same budget:
 * true when it is to be witnessed in full now, false when it is counted into the epoch's
 * WK_WIT_FOLDED instead. */
bool gate_denial_admit(uint32_t caller, uint16_t kind);
uint64_t gate_denials_folded(void);

/* A ticket for the caller's next P2 request (its nonce, x6), stamped with the gate's clock:
 * the P2 window is measured from here (proof/nonce.c). */
uint64_t gate_ticket(uint32_t caller);

/* Dispatch one hypercall; returns the status also left in call->x[0]. */
int32_t gate_dispatch(struct gate_call *call);

/* The single mapping from module errors to hypercall status. */
int32_t gate_status_from_cap(enum cap_err e);

/*
 * The entry for fid, or NULL. Function numbers below GATE_SLOTS are found through an index
 * gate_init builds, inline because every hypercall starts here; others by a search of the
 * table.
 */
#define GATE_SLOTS 0x200
struct gate_index {
        /* first: the null call's lookup is one load from the symbol */
        gate_handler_fn local[GATE_SLOTS];         /* a GATE_F_LOCAL entry's handler, else NULL */
        const struct gate_entry *slot[GATE_SLOTS]; /* all NULL until a table is installed */
};
extern struct gate_index gate_index;
const struct gate_entry *gate_lookup_far(uint32_t fid);

static inline const struct gate_entry *gate_lookup_inline(uint32_t fid)
{
        uint32_t n = fid - GATE_FID_BASE; /* wraps to a large number below the base */

        return n < GATE_SLOTS ? gate_index.slot[n] : gate_lookup_far(fid);
}

/* The entry for function id fid, or NULL. A build for size (the Seed) calls one copy in
 * kernel/gate.c: gcc kept one in each file that looked up. */
#ifdef __OPTIMIZE_SIZE__
const struct gate_entry *gate_lookup(uint32_t fid);
#else
static inline const struct gate_entry *gate_lookup(uint32_t fid)
{
        return gate_lookup_inline(fid);
}
#endif

/* The gate's two pipelines (kernel/gate.c): an entry with no capability to prove whose
 * module witnesses what it changes (the handler, and a record if it refused), and the rest
 * (P1 -> P2 -> P3 -> perform -> witness; also a NULL entry: refused). Called through
 * gate_dispatch_entry. */
int32_t gate_dispatch_plain(struct gate_call *call, const struct gate_entry *e);
int32_t gate_dispatch_checked(struct gate_call *call, const struct gate_entry *e);

/* Dispatch to an entry gate_lookup returned for call->x[0]; inline on the hypercall path. */
static inline int32_t gate_dispatch_entry(struct gate_call *call, const struct gate_entry *e)
{
        const uint32_t plain = GATE_F_UNPRIVILEGED | GATE_F_SELF_WITNESS;

        if (e != NULL && (e->flags & GATE_F_AGENT) != 0 && !call->agent) {
                e = NULL; /* an agent's host call: to a guest it does not exist */
        }
        if (e != NULL && (e->flags & plain) == plain) {
                return gate_dispatch_plain(call, e);
        }
        return gate_dispatch_checked(call, e);
}

/*
 * A GATE_F_LOCAL entry (unprivileged and self-witnessing, gate_table_check) touches only the
 * caller and never fails, so nothing is proved or witnessed for it and the gate is the
 * handler call, inline on the hypercall fast path: gate_lookup_local finds its handler (NULL
 * for any other call, which takes gate_lookup and the gate's pipeline), gate_dispatch_local
 * calls it. A local handler (null, yield, time, self: kernel/guest.c) reads only ctx->call;
 * the context's other fields are left unset on this path, the null call's whole cost beyond
 * the trap.
 */
static inline gate_handler_fn gate_lookup_local(uint32_t fid)
{
        uint32_t n = fid - GATE_FID_BASE;

        return n < GATE_SLOTS ? gate_index.local[n] : NULL;
}

static inline void gate_dispatch_local(struct gate_ctx *ctx, uint64_t *x, gate_handler_fn handler)
{
        x[0] = (uint64_t)(int64_t)handler(ctx); /* x: ctx->call->x, kept in a register */
}

#endif
