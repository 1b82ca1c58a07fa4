/*
 * witness/budget.h — denial records on a budget (issue 12, item 3). A caller that floods
 * refused or unknown requests must not fill the witness store: the first denial of each
 * kind by each caller in an epoch is recorded in full; the rest are counted, and one
 * record per epoch (WK_WIT_FOLDED) carries the count. Nothing is lost from the count.
 *
 * Plain C, no allocation: the caller gives the table. Not synchronised: the gate calls it
 * under its own lock (or give lock callbacks).
 *
 *   if (witness_budget_admit(&b, caller, kind)) witness_emit(&full_denial_record);
 *   at each epoch:  if (witness_budget_epoch_end(&b, &ev)) witness_emit(&ev);
 */
#ifndef RVM_WITNESS_BUDGET_H
#define RVM_WITNESS_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include "witness/witness.h"

struct witness_budget_slot {
        uint32_t caller;
        uint16_t kind;
        uint16_t pad;
        uint32_t gen; /* valid when equal to the budget's gen (an epoch resets in O(1)) */
        uint32_t folded;
};

struct witness_budget {
        struct witness_budget_slot *slots;
        uint32_t cap;  /* power of two */
        uint32_t gen;  /* current epoch's generation (never 0) */
        uint32_t used; /* distinct (caller, kind) pairs seen this epoch */
        uint64_t epoch;
        uint64_t admitted, folded; /* this epoch */
        uint32_t folded_pairs;     /* pairs with at least one folded denial */
        uint64_t total_admitted, total_folded;
        void (*lock)(void *ctx);
        void (*unlock)(void *ctx);
        void *lock_ctx;
};

/* cap: a power of two >= 16 (pairs tracked per epoch; past it every denial is folded). */
enum witness_err witness_budget_init(struct witness_budget *b, struct witness_budget_slot *slots,
                                     uint32_t cap);
/* A denial of kind by caller: true = record it in full, false = folded into the count. */
bool witness_budget_admit(struct witness_budget *b, uint32_t caller, uint16_t kind);
/* End the epoch: when denials were folded, fill *ev with the WK_WIT_FOLDED record to emit
 * (target = epoch, cap = pairs folded, payload = denials folded) and return true. Starts
 * the next epoch either way. */
bool witness_budget_epoch_end(struct witness_budget *b, struct witness_event *ev);

/*
 * Actions on a quota. A successful privileged action leaves its own record, so a caller that
 * repeats one (inspecting a capability a million times, say) would fill the store just the
 * same, and its rotation would erase the oldest history (and wear the flash out). Each
 * principal may have at most per_epoch actions recorded an epoch; past that the gate refuses
 * the action before it is done, and the refusal goes on the denial budget above. The caller
 * gives one slot per principal (principals 0..principals-1; any other is refused).
 *
 *   if (!witness_quota_left(&q, caller)) refuse;  ...act...  if ok: witness_quota_spend(&q,
 * caller); at each epoch:  witness_quota_epoch_end(&q);
 */
struct witness_quota_slot {
        uint32_t gen; /* spent is this epoch's when equal to the quota's gen */
        uint32_t spent;
};

struct witness_quota {
        struct witness_quota_slot *slots;
        uint32_t principals;
        uint32_t per_epoch;
        uint32_t gen;                    /* never 0 */
        uint64_t refused, total_refused; /* this epoch; since boot */
};

/* principals >= 1, per_epoch >= 1. */
enum witness_err witness_quota_init(struct witness_quota *q, struct witness_quota_slot *slots,
                                    uint32_t principals, uint32_t per_epoch);
/* May principal act this epoch? false is counted as refused. */
bool witness_quota_left(struct witness_quota *q, uint32_t principal);
/* principal acted: one of its actions this epoch spent. */
void witness_quota_spend(struct witness_quota *q, uint32_t principal);
void witness_quota_epoch_end(struct witness_quota *q);

#endif
