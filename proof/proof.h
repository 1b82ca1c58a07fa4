/*
 * The three proof tiers that gate mutations (seeds/003, ADR-135). proof/ owns the checks and
 * the per-partition replay state (nonce rings); it never changes a capability.
 *
 * P1 (proof_p1): the handle resolves in the caller's own table, its generation and the
 *   object's epoch are current, the object type matches and the rights suffice. The rights
 *   comparison is branch-free: how many or which rights are missing does not change the
 *   instructions executed.
 *
 * P2 (proof_p2): six distinct policy rules, all evaluated on every call and combined with
 *   bitwise ORs (no short circuit, so the time taken does not say which rule failed):
 *     OWNERSHIP  the caller holds the capability, and its derivation chain is rooted in a
 *                capability held by the object's current owner (or by RVM, partition 0);
 *     BOUNDS     the requested range [offset, offset+length) lies in the capability's window,
 *                and the window lies in the object (length 0: no range, window check only);
 *     LEASE      the capability's lease has not expired (expiry 0 = no lease);
 *     DEPTH      the delegation depth, counted by walking the real derivation tree, equals the
 *                recorded depth and does not exceed the call's max_depth;
 *     NONCE      the request nonce is non-zero, above the partition's watermark and not in its
 *                ring of recently used nonces (replay); it is recorded only when all six pass;
 *     WINDOW     the nonce is a ticket RVM issued to the caller (proof_ticket_issue, the
 *                guests' TICKET call) no more than max_age ago by RVM's clock: how old a
 *                request is never rests on a time the caller states.
 *   The result is the mask of failed rules (0 = allowed).
 *
 * P3 (proof_p3): walk the derivation chain from the capability to its root and check every
 *   link: each ancestor is live and still referenced by its table slot, names the same
 *   object, has the current epoch and an unexpired lease, depths decrease by exactly one per
 *   step to a depth-0 root, epochs never increase toward the root, and each child's rights,
 *   window and lease are within its parent's. Required for the most dangerous mutations.
 */
#ifndef RVM_PROOF_PROOF_H
#define RVM_PROOF_PROOF_H

#include <stdbool.h>
#include <stdint.h>

#include "cap/cap.h"
#include "configs/limits.h" /* the profile's sizes, if it sets them */

#ifndef PROOF_NONCE_RING
#define PROOF_NONCE_RING 256 /* per partition; the Rust original uses 4096 (Seed: lower it) */
#endif
#ifndef PROOF_TICKETS
#define PROOF_TICKETS 8 /* per partition: the latest tickets issued, each usable once */
#endif

enum proof_tier {
        PROOF_TIER_NONE = 0,
        PROOF_TIER_P1 = 1,
        PROOF_TIER_P2 = 2,
        PROOF_TIER_P3 = 3,
};

enum proof_err {
        PROOF_OK = 0,
        PROOF_E_CAP = 1,    /* P1 failed: see the enum cap_err */
        PROOF_E_POLICY = 2, /* P2 failed: see the rule mask */
        PROOF_E_CHAIN = 3,  /* P3 failed: see enum proof_chain_fault */
};

enum proof_rule {
        PROOF_RULE_OWNERSHIP = 1u << 0,
        PROOF_RULE_BOUNDS = 1u << 1,
        PROOF_RULE_LEASE = 1u << 2,
        PROOF_RULE_DEPTH = 1u << 3,
        PROOF_RULE_NONCE = 1u << 4,
        PROOF_RULE_WINDOW = 1u << 5,
};
#define PROOF_RULE_COUNT 6

enum proof_chain_fault {
        PROOF_CHAIN_OK = 0,
        PROOF_CHAIN_DEAD = 1,     /* an ancestor is free or its slot no longer names it */
        PROOF_CHAIN_OBJECT = 2,   /* an ancestor names another object */
        PROOF_CHAIN_EPOCH = 3,    /* stale ancestor epoch, or epochs increase toward the root */
        PROOF_CHAIN_DEPTH = 4,    /* depths do not decrease by one, or the root is not depth 0 */
        PROOF_CHAIN_RIGHTS = 5,   /* a child holds a right its parent lacks */
        PROOF_CHAIN_WINDOW = 6,   /* a child's window is outside its parent's */
        PROOF_CHAIN_LEASE = 7,    /* an ancestor expired, or a child outlives its parent */
        PROOF_CHAIN_TOO_LONG = 8, /* more than CAP_MAX_DEPTH links (a cycle) */
};

struct proof_p1_req {
        uint32_t caller;
        cap_handle_t handle;
        enum cap_type type;     /* CAP_T_NONE: any type */
        uint32_t rights;        /* required rights */
        bool rights_any;        /* true: any one of `rights` suffices; false: all of them */
        bool allow_stale_epoch; /* only for calls that give authority away (drop, inspect) */
};

struct proof_p2_req {
        uint32_t caller;
        uint16_t node; /* from proof_p1 */
        uint64_t offset, length;
        uint64_t nonce;     /* a ticket from proof_ticket_issue */
        uint64_t now;       /* RVM's clock */
        uint32_t max_depth; /* policy: deepest delegation this call accepts */
        uint64_t max_age;   /* policy: oldest acceptable request, in clock ticks */
};

/* Reset every partition's replay state. */
void proof_init(void);
/* Forget one partition's replay state (partition destroyed / re-created). */
void proof_reset_partition(uint32_t partition);

enum cap_err proof_p1(const struct proof_p1_req *req, uint16_t *node_out);

/*
 * P1 handing back what it resolved (the gate's context: no second lookup); *out is its
 * whole answer only when it returns CAP_OK. Inline: it is the check of every privileged
 * hypercall, and its request is built by the caller.
 */
static inline enum cap_err proof_p1_view(const struct proof_p1_req *req, struct cap_view *out)
{
        /* Handle structure, table, generation and epoch: these say nothing about rights. */
        enum cap_err e = cap_resolve_view(req->caller, req->handle, req->allow_stale_epoch, out);
        if (e != CAP_OK) {
                return e;
        }
        /* Type and rights are folded into flags (comparisons, not branches) and decided once
         * at the end, so the work done does not depend on which rights the capability holds
         * or lacks. */
        uint32_t want = req->rights;
        uint32_t hit = want & out->rights;
        uint32_t all_bad = (want ^ hit) != 0;          /* a wanted right is missing */
        uint32_t any_bad = (want != 0) & (hit == 0);   /* none of the wanted ones is held */
        uint32_t any = 0u - (uint32_t)req->rights_any; /* all ones: any one right suffices */
        uint32_t rights_bad = (all_bad & ~any) | (any_bad & any);
        uint32_t type_bad = (req->type != CAP_T_NONE) & (req->type != out->type);
        if ((type_bad | rights_bad) != 0) {
                return type_bad != 0 ? CAP_E_TYPE : CAP_E_RIGHTS;
        }
        return CAP_OK;
}
uint32_t proof_p2(const struct proof_p2_req *req); /* mask of enum proof_rule that failed */
enum proof_chain_fault proof_p3(uint16_t node, uint64_t now);

/* The individual P2 rules, exposed for tests; each returns true when the rule is satisfied. */
bool proof_rule_ownership(const struct proof_p2_req *req);
bool proof_rule_bounds(const struct proof_p2_req *req);
bool proof_rule_lease(const struct proof_p2_req *req);
bool proof_rule_depth(const struct proof_p2_req *req);
bool proof_rule_nonce(const struct proof_p2_req *req); /* does not record */
bool proof_rule_window(const struct proof_p2_req *req);

/* Nonce ring (nonce.c). */
/* A new ticket for the partition at RVM's time `now`: the nonce of its next P2 request (0
 * for a partition out of range). Tickets increase; the latest PROOF_TICKETS are kept. */
uint64_t proof_ticket_issue(uint32_t partition, uint64_t now);
/* Was `nonce` issued to the partition as a ticket, at most max_age before now? */
bool proof_ticket_fresh(uint32_t partition, uint64_t nonce, uint64_t now, uint64_t max_age);
bool proof_nonce_fresh(uint32_t partition, uint64_t nonce);
void proof_nonce_record(uint32_t partition, uint64_t nonce);
uint64_t proof_nonce_watermark(uint32_t partition);

const char *proof_rule_name(uint32_t rule_bit);
const char *proof_chain_fault_name(enum proof_chain_fault f);

#endif
