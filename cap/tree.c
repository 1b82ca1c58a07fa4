/*
 * The derivation tree operations partitions ask for: derive (into the caller's own table),
 * grant (into another partition's table), revoke (a subtree, or the whole object by epoch) and
 * drop. The rules and the order in which they are checked are stated in cap/cap.h; the model
 * test (tests/model/) holds this file to exactly that order.
 */
#include <stddef.h>

#include "cap/cap_priv.h"
#include "witness/witness.h"

/* Everything derive and grant check before allocating, in the documented order. */
static enum cap_err derive_check(const struct cap_derive_req *req, uint16_t *parent_out)
{
        if ((req->rights & ~CAP_R_ALL) != 0) {
                return CAP_E_INVAL;
        }
        if (!cap_table_exists(req->target)) {
                return CAP_E_NO_TABLE;
        }
        uint16_t pidx;
        enum cap_err e = cap_resolve(req->caller, req->parent, false, &pidx);
        if (e != CAP_OK) {
                return e;
        }
        const struct cap_node *p = &cap_g.arena[pidx];
        bool may_grant = (p->rights & CAP_R_GRANT) != 0;
        bool once_only = !may_grant && (p->rights & CAP_R_GRANT_ONCE) != 0;
        if (!may_grant && !once_only) {
                return CAP_E_RIGHTS;
        }
        if ((req->rights & ~p->rights) != 0) {
                return CAP_E_ESCALATE;
        }
        /* Non-transitive: what a once-only delegation hands out can never be passed on. */
        if (once_only && (req->rights & (CAP_R_GRANT | CAP_R_GRANT_ONCE)) != 0) {
                return CAP_E_ESCALATE;
        }
        if (req->expiry != 0 && p->expiry != 0 && req->expiry > p->expiry) {
                return CAP_E_ESCALATE;
        }
        if (p->depth + 1u > CAP_MAX_DEPTH) {
                return CAP_E_DEPTH;
        }
        if (req->size != 0) {
                uint64_t end = req->offset + req->size;
                if (end < req->offset || req->offset < p->base || end > p->base + p->size) {
                        return CAP_E_RANGE;
                }
        }
        *parent_out = pidx;
        return CAP_OK;
}

/* How many of table's capabilities were granted by other principals (a parent elsewhere). */
static uint32_t granted_in(uint32_t table)
{
        const struct cap_table *t = &cap_g.tables[table];
        uint32_t n = 0;

        for (uint32_t s = 0; s < CAP_TABLE_SLOTS; s++) {
                uint16_t idx = t->slots[s].node;
                if (idx != CAP_NODE_NONE) {
                        uint16_t parent = cap_g.arena[idx].parent;
                        n += parent != CAP_NODE_NONE && cap_g.arena[parent].table != table;
                }
        }
        return n;
}

static enum cap_err derive_into(const struct cap_derive_req *req, uint16_t op_kind,
                                cap_handle_t *out)
{
        uint16_t pidx = CAP_NODE_NONE;
        uint16_t cidx = CAP_NODE_NONE;
        cap_handle_t child_handle = 0;
        enum cap_err e = derive_check(req, &pidx);
        if (e == CAP_OK && cap_g.arena[pidx].table != req->target &&
            granted_in(req->target) >= CAP_GRANTED_MAX) {
                e = CAP_E_TABLE_FULL; /* its share for others' grants is taken */
        }
        if (e == CAP_OK) {
                e = cap_node_alloc(req->target, &cidx, &child_handle);
        }
        if (e != CAP_OK) {
                cap_witness_deny(op_kind, req->tier, req->caller, req->parent, e);
                return e;
        }
        struct cap_node *p = &cap_g.arena[pidx];
        struct cap_node *c = &cap_g.arena[cidx];
        c->obj = p->obj;
        c->rights = req->rights;
        c->depth = (uint8_t)(p->depth + 1u);
        c->epoch = p->epoch;
        c->base = req->size != 0 ? req->offset : p->base;
        c->size = req->size != 0 ? req->size : p->size;
        c->expiry = req->expiry != 0 ? req->expiry : p->expiry;
        cap_link_child(pidx, cidx);
        /* The delegator's one delegation is spent (see cap.h: the parent side is consumed). */
        if ((p->rights & CAP_R_GRANT) == 0) {
                p->rights &= ~(uint32_t)CAP_R_GRANT_ONCE;
        }
        cap_witness(op_kind, req->tier, req->caller, cap_g.objects[p->obj].ref, req->parent,
                    child_handle);
        *out = child_handle;
        return CAP_OK;
}

enum cap_err cap_derive(const struct cap_derive_req *req, cap_handle_t *out)
{
        if (req->target != req->caller) {
                cap_witness_deny(WK_CAP_DERIVE, req->tier, req->caller, req->parent, CAP_E_INVAL);
                return CAP_E_INVAL;
        }
        return derive_into(req, WK_CAP_DERIVE, out);
}

enum cap_err cap_grant(const struct cap_derive_req *req, cap_handle_t *out)
{
        return derive_into(req, WK_CAP_GRANT, out);
}

enum cap_err cap_revoke(uint32_t caller, cap_handle_t h, uint32_t flags, uint8_t tier,
                        uint32_t *freed_out)
{
        uint16_t idx = CAP_NODE_NONE;
        enum cap_err e = CAP_OK;
        if ((flags & ~CAP_REVOKE_EPOCH) != 0) {
                e = CAP_E_INVAL;
        } else {
                e = cap_resolve(caller, h, false, &idx);
        }
        if (e == CAP_OK && (cap_g.arena[idx].rights & CAP_R_REVOKE) == 0) {
                e = CAP_E_RIGHTS;
        }
        if (e == CAP_OK && (flags & CAP_REVOKE_EPOCH) != 0 && cap_g.arena[idx].depth != 0) {
                e = CAP_E_NOT_ROOT;
        }
        if (e != CAP_OK) {
                cap_witness_deny(WK_CAP_REVOKE, tier, caller, h, e);
                return e;
        }
        struct cap_node *n = &cap_g.arena[idx];
        struct cap_object *o = &cap_g.objects[n->obj];
        uint32_t freed = 0;
        if ((flags & CAP_REVOKE_EPOCH) != 0) {
                /* O(1): every capability to the object, in every tree, is now stale except
                 * the root that asked; the dead ones are reclaimed lazily. */
                o->epoch++;
                n->epoch = o->epoch;
        } else {
                freed = cap_free_subtree(idx, false);
        }
        cap_witness(WK_CAP_REVOKE, tier, caller, o->ref, h,
                    (uint64_t)freed | ((uint64_t)(flags & CAP_REVOKE_EPOCH) << 32));
        if (freed_out != NULL) {
                *freed_out = freed;
        }
        return CAP_OK;
}

enum cap_err cap_drop(uint32_t caller, cap_handle_t h, uint8_t tier, uint32_t *freed_out)
{
        uint16_t idx;
        /* Dropping needs no right and works on a stale-epoch capability: it only ever gives
         * authority away, and it is how a holder frees the slot of a dead capability. */
        enum cap_err e = cap_resolve(caller, h, true, &idx);
        if (e != CAP_OK) {
                cap_witness_deny(WK_CAP_DROP, tier, caller, h, e);
                return e;
        }
        uint64_t ref = cap_g.objects[cap_g.arena[idx].obj].ref;
        uint32_t freed = cap_free_subtree(idx, true);
        cap_witness(WK_CAP_DROP, tier, caller, ref, h, freed);
        if (freed_out != NULL) {
                *freed_out = freed;
        }
        return CAP_OK;
}
