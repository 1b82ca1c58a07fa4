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

#endif
