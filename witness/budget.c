/*
 * witness/budget.c — the denial budget (see budget.h): an open-addressed table of the
 * (caller, kind) pairs denied this epoch, reset by bumping a generation number; and the
 * action quota, one slot per principal, reset the same way.
 */
#include "witness/budget.h"

#include <string.h>

static void lock(struct witness_budget *b)
{
        if (b->lock)
                b->lock(b->lock_ctx);
}

static void unlock(struct witness_budget *b)
{
        if (b->unlock)
                b->unlock(b->lock_ctx);
}

enum witness_err witness_budget_init(struct witness_budget *b, struct witness_budget_slot *slots,
                                     uint32_t cap)
{
        if (b == NULL || slots == NULL || cap < 16 || (cap & (cap - 1)) != 0)
                return WITNESS_E_INVAL;
        memset(b, 0, sizeof(*b));
        memset(slots, 0, (size_t)cap * sizeof(*slots));
        b->slots = slots;
        b->cap = cap;
        b->gen = 1;
        return WITNESS_OK;
}

static uint32_t hash(uint32_t caller, uint16_t kind)
{
        uint32_t h = caller * 0x9e3779b1u ^ (uint32_t)kind * 0x85ebca6bu;

        return h ^ (h >> 15);
}

bool witness_budget_admit(struct witness_budget *b, uint32_t caller, uint16_t kind)
{
        bool admit = false;

        lock(b);
        /* Probe at most a quarter of the table: a full table folds, it never spins. */
        for (uint32_t i = 0, at = hash(caller, kind) & (b->cap - 1); i < b->cap / 4;
             i++, at = (at + 1) & (b->cap - 1)) {
                struct witness_budget_slot *s = &b->slots[at];

                if (s->gen != b->gen) {
                        if (b->used >= b->cap / 2)
                                break; /* keep the table sparse: fold */
                        s->gen = b->gen;
                        s->caller = caller;
                        s->kind = kind;
                        s->folded = 0;
                        b->used++;
                        admit = true;
                        break;
                }
                if (s->caller == caller && s->kind == kind) {
                        if (s->folded++ == 0)
                                b->folded_pairs++;
                        goto folded;
                }
        }
        if (admit) {
                b->admitted++;
                b->total_admitted++;
                unlock(b);
                return true;
        }
        b->folded_pairs++; /* a pair the table could not hold: counted on its own */
folded:
        b->folded++;
        b->total_folded++;
        unlock(b);
        return false;
}

bool witness_budget_epoch_end(struct witness_budget *b, struct witness_event *ev)
{
        bool any;

        lock(b);
        any = b->folded > 0;
        if (any && ev) {
                memset(ev, 0, sizeof(*ev));
                ev->kind = WK_WIT_FOLDED;
                ev->target = b->epoch;
                ev->cap = b->folded_pairs;
                ev->payload = b->folded;
        }
        b->epoch++;
        b->admitted = b->folded = 0;
        b->folded_pairs = 0;
        b->used = 0;
        if (++b->gen == 0) {
                /* 2^32 epochs: clear for real so no stale slot matches the new gen. */
                memset(b->slots, 0, (size_t)b->cap * sizeof(*b->slots));
                b->gen = 1;
        }
        unlock(b);
        return any;
}

enum witness_err witness_quota_init(struct witness_quota *q, struct witness_quota_slot *slots,
                                    uint32_t principals, uint32_t per_epoch)
{
        if (q == NULL || slots == NULL || principals == 0 || per_epoch == 0)
                return WITNESS_E_INVAL;
        memset(q, 0, sizeof(*q));
        memset(slots, 0, (size_t)principals * sizeof(*slots));
        q->slots = slots;
        q->principals = principals;
        q->per_epoch = per_epoch;
        q->gen = 1;
        return WITNESS_OK;
}

bool witness_quota_left(struct witness_quota *q, uint32_t principal)
{
        if (principal < q->principals) {
                const struct witness_quota_slot *s = &q->slots[principal];

                if (s->gen != q->gen || s->spent < q->per_epoch)
                        return true;
        }
        q->refused++;
        q->total_refused++;
        return false;
}

void witness_quota_spend(struct witness_quota *q, uint32_t principal)
{
        if (principal >= q->principals)
                return;
        struct witness_quota_slot *s = &q->slots[principal];

        if (s->gen != q->gen) {
                s->gen = q->gen;
                s->spent = 0;
        }
        s->spent++;
}

void witness_quota_epoch_end(struct witness_quota *q)
{
        q->refused = 0;
        if (++q->gen == 0) {
                /* 2^32 epochs: clear for real so no stale slot matches the new gen. */
                memset(q->slots, 0, (size_t)q->principals * sizeof(*q->slots));
                q->gen = 1;
        }
}
