/*
 * P1, P2 and P3 over the capability arena (cap/cap_node.h). Read-only: the only state this
 * file changes is the nonce ring (nonce.c), and only when a P2 request passes every rule.
 */
#include <stddef.h>

#include "cap/cap_node.h"
#include "proof/proof.h"

enum cap_err proof_p1(const struct proof_p1_req *req, uint16_t *node_out)
{
        struct cap_view v;
        enum cap_err e = proof_p1_view(req, &v);
        if (e == CAP_OK) {
                *node_out = v.node;
        }
        return e;
}

/* Walk parent links from node to its root; counts the links. false if the walk leaves the
 * arena, meets a free node or needs more than CAP_MAX_DEPTH links. */
static bool walk_to_root(uint16_t node, uint16_t *root_out, uint32_t *links_out)
{
        uint16_t cur = node;
        uint32_t links = 0;
        for (;;) {
                const struct cap_node *n = cap_node_get(cur);
                if (n == NULL || !n->live) {
                        return false;
                }
                if (n->parent == CAP_NODE_NONE) {
                        break;
                }
                if (++links > CAP_MAX_DEPTH) {
                        return false;
                }
                cur = n->parent;
        }
        *root_out = cur;
        *links_out = links;
        return true;
}

bool proof_rule_ownership(const struct proof_p2_req *req)
{
        const struct cap_node *n = cap_node_get(req->node);
        uint16_t root;
        uint32_t links;
        if (n == NULL || !n->live || !walk_to_root(req->node, &root, &links)) {
                return false;
        }
        const struct cap_node *r = cap_node_get(root);
        const struct cap_object *o = cap_object_get(n->obj);
        bool holder = n->table == req->caller;
        bool rooted = r->obj == n->obj && (r->table == o->owner || r->table == 0);
        return holder & rooted;
}

bool proof_rule_bounds(const struct proof_p2_req *req)
{
        const struct cap_node *n = cap_node_get(req->node);
        if (n == NULL || !n->live) {
                return false;
        }
        const struct cap_object *o = cap_object_get(n->obj);
        uint64_t win_end = n->base + n->size;
        bool window_ok = (win_end >= n->base) & (win_end <= o->size);
        uint64_t end = req->offset + req->length;
        bool range_ok = (req->length == 0) |
                        ((end >= req->offset) & (req->offset >= n->base) & (end <= win_end));
        return window_ok & range_ok;
}

bool proof_rule_lease(const struct proof_p2_req *req)
{
        const struct cap_node *n = cap_node_get(req->node);
        if (n == NULL || !n->live) {
                return false;
        }
        return (n->expiry == 0) | (req->now < n->expiry);
}

bool proof_rule_depth(const struct proof_p2_req *req)
{
        const struct cap_node *n = cap_node_get(req->node);
        uint16_t root;
        uint32_t links;
        if (n == NULL || !n->live || !walk_to_root(req->node, &root, &links)) {
                return false;
        }
        return (links == n->depth) & (links <= req->max_depth);
}

bool proof_rule_nonce(const struct proof_p2_req *req)
{
        return proof_nonce_fresh(req->caller, req->nonce);
}

bool proof_rule_window(const struct proof_p2_req *req)
{
        return proof_ticket_fresh(req->caller, req->nonce, req->now, req->max_age);
}

uint32_t proof_p2(const struct proof_p2_req *req)
{
        /* Every rule runs; the results are combined without short-circuit operators. */
        uint32_t fail = 0;
        fail |= (uint32_t)!proof_rule_ownership(req) * PROOF_RULE_OWNERSHIP;
        fail |= (uint32_t)!proof_rule_bounds(req) * PROOF_RULE_BOUNDS;
        fail |= (uint32_t)!proof_rule_lease(req) * PROOF_RULE_LEASE;
        fail |= (uint32_t)!proof_rule_depth(req) * PROOF_RULE_DEPTH;
        fail |= (uint32_t)!proof_rule_nonce(req) * PROOF_RULE_NONCE;
        fail |= (uint32_t)!proof_rule_window(req) * PROOF_RULE_WINDOW;
        if (fail == 0) {
                proof_nonce_record(req->caller, req->nonce);
        }
        return fail;
}

/* One link of the chain: the node itself must still be valid. */
static enum proof_chain_fault check_node(uint16_t idx, cap_obj_t obj, uint64_t now)
{
        const struct cap_node *n = cap_node_get(idx);
        if (n == NULL || !n->live) {
                return PROOF_CHAIN_DEAD;
        }
        const struct cap_slot *s = cap_slot_get(n->table, n->slot);
        if (s == NULL || s->node != idx) {
                return PROOF_CHAIN_DEAD;
        }
        if (n->obj != obj) {
                return PROOF_CHAIN_OBJECT;
        }
        if (n->epoch != cap_object_get(obj)->epoch) {
                return PROOF_CHAIN_EPOCH;
        }
        if (n->expiry != 0 && now >= n->expiry) {
                return PROOF_CHAIN_LEASE;
        }
        return PROOF_CHAIN_OK;
}

/* The parent-child relation: attenuation and ordering must hold on every edge. */
static enum proof_chain_fault check_edge(const struct cap_node *p, const struct cap_node *c)
{
        if (p->depth + 1u != c->depth) {
                return PROOF_CHAIN_DEPTH;
        }
        if (p->epoch > c->epoch) {
                return PROOF_CHAIN_EPOCH;
        }
        if ((c->rights & ~p->rights) != 0) {
                return PROOF_CHAIN_RIGHTS;
        }
        uint64_t p_end = p->base + p->size;
        uint64_t c_end = c->base + c->size;
        if (c->base < p->base || c_end < c->base || c_end > p_end) {
                return PROOF_CHAIN_WINDOW;
        }
        if (p->expiry != 0 && (c->expiry == 0 || c->expiry > p->expiry)) {
                return PROOF_CHAIN_LEASE;
        }
        return PROOF_CHAIN_OK;
}

enum proof_chain_fault proof_p3(uint16_t node, uint64_t now)
{
        const struct cap_node *start = cap_node_get(node);
        if (start == NULL || !start->live) {
                return PROOF_CHAIN_DEAD;
        }
        cap_obj_t obj = start->obj;
        uint16_t cur = node;
        for (uint32_t links = 0;; links++) {
                enum proof_chain_fault f = check_node(cur, obj, now);
                if (f != PROOF_CHAIN_OK) {
                        return f;
                }
                const struct cap_node *c = cap_node_get(cur);
                if (c->parent == CAP_NODE_NONE) {
                        return c->depth == 0 ? PROOF_CHAIN_OK : PROOF_CHAIN_DEPTH;
                }
                if (links >= CAP_MAX_DEPTH) {
                        return PROOF_CHAIN_TOO_LONG;
                }
                const struct cap_node *p = cap_node_get(c->parent);
                if (p == NULL || !p->live) {
                        return PROOF_CHAIN_DEAD;
                }
                f = check_edge(p, c);
                if (f != PROOF_CHAIN_OK) {
                        return f;
                }
                cur = c->parent;
        }
}

const char *proof_rule_name(uint32_t rule_bit)
{
        switch (rule_bit) {
        case PROOF_RULE_OWNERSHIP:
                return "ownership";
        case PROOF_RULE_BOUNDS:
                return "bounds";
        case PROOF_RULE_LEASE:
                return "lease";
        case PROOF_RULE_DEPTH:
                return "depth";
        case PROOF_RULE_NONCE:
                return "nonce";
        case PROOF_RULE_WINDOW:
                return "window";
        default:
                return "?";
        }
}

const char *proof_chain_fault_name(enum proof_chain_fault f)
{
        static const char *const names[] = {
            "ok", "dead", "object", "epoch", "depth", "rights", "window", "lease", "too_long",
        };
        return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "?";
}
