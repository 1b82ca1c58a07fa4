/*
 * cap/ storage: the object registry, the capability arena, per-partition tables, handle
 * resolution, root minting and the tree-freeing primitive. The derivation operations that
 * partitions ask for live in tree.c.
 */
#include <stddef.h>
#include <string.h>

#include "cap/cap_priv.h"
#include "witness/witness.h"

struct cap_state cap_g;

void cap_witness(uint16_t kind, uint8_t tier, uint32_t actor, uint64_t target, cap_handle_t cap,
                 uint64_t payload)
{
        struct witness_event ev = {
            .kind = kind,
            .tier = tier,
            .flags = 0,
            .actor = actor,
            .target = target,
            .cap = cap,
            .payload = payload,
        };
        witness_emit(&ev);
}

void cap_witness_deny(uint16_t op_kind, uint8_t tier, uint32_t actor, cap_handle_t cap,
                      enum cap_err why)
{
        struct witness_event ev = {
            .kind = WK_CAP_DENY,
            .tier = tier,
            .flags = WITNESS_F_DENIED,
            .actor = actor,
            .target = 0,
            .cap = cap,
            .payload = (uint64_t)why | ((uint64_t)op_kind << 16),
        };
        witness_emit(&ev);
}

void cap_init(void)
{
        memset(&cap_g, 0, sizeof(cap_g));
        for (uint32_t i = 0; i < CAP_ARENA_SIZE; i++) {
                struct cap_node *n = &cap_g.arena[i];
                n->parent = n->first_child = n->prev_sibling = CAP_NODE_NONE;
                n->obj = CAP_OBJ_NONE;
                n->next_sibling = (i + 1 < CAP_ARENA_SIZE) ? (uint16_t)(i + 1) : CAP_NODE_NONE;
        }
        cap_g.free_head = 0;
        for (uint32_t t = 0; t < CAP_MAX_TABLES; t++) {
                for (uint32_t s = 0; s < CAP_TABLE_SLOTS; s++) {
                        cap_g.tables[t].slots[s].node = CAP_NODE_NONE;
                        cap_g.tables[t].slots[s].gen = 1;
                }
        }
}

const struct cap_node *cap_node_get(uint16_t idx)
{
        return idx < CAP_ARENA_SIZE ? &cap_g.arena[idx] : NULL;
}

struct cap_node *cap_node_mut(uint16_t idx)
{
        return idx < CAP_ARENA_SIZE ? &cap_g.arena[idx] : NULL;
}

const struct cap_object *cap_object_get(cap_obj_t obj)
{
        return obj < CAP_MAX_OBJECTS ? &cap_g.objects[obj] : NULL;
}

const struct cap_slot *cap_slot_get(uint32_t table, uint32_t slot)
{
        if (table >= CAP_MAX_TABLES || slot >= CAP_TABLE_SLOTS || !cap_g.tables[table].live) {
                return NULL;
        }
        return &cap_g.tables[table].slots[slot];
}

/* ---- object registry ---- */

enum cap_err cap_object_create(enum cap_type type, uint32_t owner, uint64_t size, uint64_t ref,
                               cap_obj_t *out)
{
        if (type <= CAP_T_NONE || type >= CAP_T_COUNT || owner >= CAP_MAX_TABLES) {
                return CAP_E_INVAL;
        }
        for (uint32_t i = 0; i < CAP_MAX_OBJECTS; i++) {
                struct cap_object *o = &cap_g.objects[i];
                if (o->type == CAP_T_NONE) {
                        /* Epochs keep counting across reuse of the entry so that a capability
                         * to a destroyed object can never match the new one. */
                        o->type = (uint8_t)type;
                        o->owner = owner;
                        o->size = size;
                        o->ref = ref;
                        o->epoch++;
                        *out = (cap_obj_t)i;
                        return CAP_OK;
                }
        }
        return CAP_E_NO_OBJECT;
}

static struct cap_object *object_live(cap_obj_t obj)
{
        if (obj >= CAP_MAX_OBJECTS || cap_g.objects[obj].type == CAP_T_NONE) {
                return NULL;
        }
        return &cap_g.objects[obj];
}

enum cap_err cap_object_set_owner(cap_obj_t obj, uint32_t owner)
{
        struct cap_object *o = object_live(obj);
        if (o == NULL || owner >= CAP_MAX_TABLES) {
                return o == NULL ? CAP_E_NO_OBJECT : CAP_E_INVAL;
        }
        o->owner = owner;
        return CAP_OK;
}

enum cap_err cap_object_bump_epoch(cap_obj_t obj)
{
        struct cap_object *o = object_live(obj);
        if (o == NULL) {
                return CAP_E_NO_OBJECT;
        }
        o->epoch++;
        cap_witness(WK_CAP_REVOKE, 0, 0, o->ref, 0, (uint64_t)CAP_REVOKE_EPOCH << 32);
        return CAP_OK;
}

enum cap_err cap_object_destroy(cap_obj_t obj)
{
        struct cap_object *o = object_live(obj);
        if (o == NULL) {
                return CAP_E_NO_OBJECT;
        }
        /* Free every tree of the object, root by root (a bounded scan of the arena). */
        uint32_t freed = 0;
        for (uint32_t i = 0; i < CAP_ARENA_SIZE; i++) {
                struct cap_node *n = &cap_g.arena[i];
                if (n->live && n->obj == obj && n->parent == CAP_NODE_NONE) {
                        freed += cap_free_subtree((uint16_t)i, true);
                }
        }
        o->epoch++;
        o->type = CAP_T_NONE;
        cap_witness(WK_CAP_REVOKE, 0, 0, o->ref, 0, freed | ((uint64_t)CAP_REVOKE_EPOCH << 32));
        return CAP_OK;
}

/* ---- tables ---- */

enum cap_err cap_table_create(uint32_t partition)
{
        if (partition >= CAP_MAX_TABLES) {
                return CAP_E_NO_TABLE;
        }
        struct cap_table *t = &cap_g.tables[partition];
        if (t->live) {
                return CAP_E_EXISTS;
        }
        t->live = true;
        t->used = 0;
        return CAP_OK;
}

enum cap_err cap_table_destroy(uint32_t partition)
{
        if (partition >= CAP_MAX_TABLES || !cap_g.tables[partition].live) {
                return CAP_E_NO_TABLE;
        }
        struct cap_table *t = &cap_g.tables[partition];
        uint32_t freed = 0;
        for (uint32_t s = 0; s < CAP_TABLE_SLOTS; s++) {
                if (t->slots[s].node != CAP_NODE_NONE) {
                        freed += cap_free_subtree(t->slots[s].node, true);
                }
        }
        t->live = false;
        /* target = the partition whose table went away. */
        cap_witness(WK_CAP_REVOKE, 0, 0, partition, 0, freed);
        return CAP_OK;
}

bool cap_table_exists(uint32_t partition)
{
        return partition < CAP_MAX_TABLES && cap_g.tables[partition].live;
}

uint32_t cap_table_used(uint32_t partition)
{
        return cap_table_exists(partition) ? cap_g.tables[partition].used : 0;
}

uint32_t cap_arena_used(void)
{
        return cap_g.arena_used;
}

cap_handle_t cap_handle_of(uint16_t idx)
{
        const struct cap_node *n = &cap_g.arena[idx];
        return CAP_HANDLE(n->table + 1u, n->slot, cap_g.tables[n->table].slots[n->slot].gen);
}

enum cap_err cap_node_alloc(uint32_t table, uint16_t *node_out, cap_handle_t *handle_out)
{
        struct cap_table *t = &cap_g.tables[table];
        uint32_t s = 0;
        while (s < CAP_TABLE_SLOTS && t->slots[s].node != CAP_NODE_NONE) {
                s++;
        }
        if (s == CAP_TABLE_SLOTS) {
                return CAP_E_TABLE_FULL;
        }
        if (cap_g.free_head == CAP_NODE_NONE) {
                return CAP_E_ARENA_FULL;
        }
        uint16_t idx = cap_g.free_head;
        struct cap_node *n = &cap_g.arena[idx];
        cap_g.free_head = n->next_sibling;
        memset(n, 0, sizeof(*n));
        n->parent = n->first_child = n->next_sibling = n->prev_sibling = CAP_NODE_NONE;
        n->table = (uint16_t)table;
        n->slot = (uint16_t)s;
        n->live = 1;
        t->slots[s].node = idx;
        t->used++;
        cap_g.arena_used++;
        *node_out = idx;
        *handle_out = CAP_HANDLE(table + 1u, s, t->slots[s].gen);
        return CAP_OK;
}

void cap_link_child(uint16_t parent, uint16_t child)
{
        struct cap_node *p = &cap_g.arena[parent];
        struct cap_node *c = &cap_g.arena[child];
        c->parent = parent;
        c->prev_sibling = CAP_NODE_NONE;
        c->next_sibling = p->first_child;
        if (p->first_child != CAP_NODE_NONE) {
                cap_g.arena[p->first_child].prev_sibling = child;
        }
        p->first_child = child;
}

static void unlink_node(uint16_t idx)
{
        struct cap_node *n = &cap_g.arena[idx];
        if (n->prev_sibling != CAP_NODE_NONE) {
                cap_g.arena[n->prev_sibling].next_sibling = n->next_sibling;
        } else if (n->parent != CAP_NODE_NONE) {
                cap_g.arena[n->parent].first_child = n->next_sibling;
        }
        if (n->next_sibling != CAP_NODE_NONE) {
                cap_g.arena[n->next_sibling].prev_sibling = n->prev_sibling;
        }
        n->parent = n->next_sibling = n->prev_sibling = CAP_NODE_NONE;
}

/* Free one childless, unlinked node: its slot's generation moves on so every handle that
 * named it is stale from now on (0 is skipped: generation 0 would make handle 0 valid). */
static void free_node(uint16_t idx)
{
        struct cap_node *n = &cap_g.arena[idx];
        struct cap_table *t = &cap_g.tables[n->table];
        struct cap_slot *s = &t->slots[n->slot];
        s->node = CAP_NODE_NONE;
        s->gen++;
        if (s->gen == 0) {
                s->gen = 1;
        }
        t->used--;
        n->live = 0;
        n->obj = CAP_OBJ_NONE;
        n->next_sibling = cap_g.free_head;
        cap_g.free_head = idx;
        cap_g.arena_used--;
}

uint32_t cap_free_subtree(uint16_t root, bool include_root)
{
        uint32_t freed = 0;
        uint16_t cur = root;
        /* Post-order without a stack: descend through first children; a node with no
         * children is freed and we climb back to its parent, whose next first child is
         * visited next. Each node is descended into once and freed once. */
        for (;;) {
                struct cap_node *n = &cap_g.arena[cur];
                if (n->first_child != CAP_NODE_NONE) {
                        cur = n->first_child;
                        continue;
                }
                if (cur == root) {
                        break;
                }
                uint16_t parent = n->parent;
                unlink_node(cur);
                free_node(cur);
                freed++;
                cur = parent;
        }
        if (include_root) {
                unlink_node(root);
                free_node(root);
                freed++;
        }
        return freed;
}

/* ---- resolution and minting ---- */

static inline enum cap_err lookup(uint32_t caller, cap_handle_t h, bool allow_stale_epoch,
                                  uint16_t *node_out)
{
        uint32_t table_id = CAP_HANDLE_TABLE(h);
        uint32_t slot = CAP_HANDLE_SLOT(h);
        if (h == 0 || table_id == 0 || table_id > CAP_MAX_TABLES || slot >= CAP_TABLE_SLOTS ||
            CAP_HANDLE_GEN(h) == 0) {
                return CAP_E_FORGED;
        }
        if (caller >= CAP_MAX_TABLES || table_id != caller + 1u) {
                return CAP_E_FOREIGN;
        }
        const struct cap_table *t = &cap_g.tables[caller];
        if (!t->live || t->slots[slot].node == CAP_NODE_NONE ||
            t->slots[slot].gen != CAP_HANDLE_GEN(h)) {
                return CAP_E_STALE;
        }
        uint16_t idx = t->slots[slot].node;
        const struct cap_node *n = &cap_g.arena[idx];
        if (!allow_stale_epoch && n->epoch != cap_g.objects[n->obj].epoch) {
                return CAP_E_EPOCH;
        }
        *node_out = idx;
        return CAP_OK;
}

enum cap_err cap_resolve(uint32_t caller, cap_handle_t h, bool allow_stale_epoch,
                         uint16_t *node_out)
{
        return lookup(caller, h, allow_stale_epoch, node_out);
}

enum cap_err cap_resolve_view(uint32_t caller, cap_handle_t h, bool allow_stale_epoch,
                              struct cap_view *out)
{
        uint16_t idx;
        enum cap_err e = lookup(caller, h, allow_stale_epoch, &idx);
        if (e == CAP_OK) {
                const struct cap_node *n = &cap_g.arena[idx];
                const struct cap_object *o = &cap_g.objects[n->obj];
                out->node = idx;
                out->type = o->type;
                out->rights = n->rights;
                out->object_ref = o->ref;
        }
        return e;
}

enum cap_err cap_mint_root(cap_obj_t obj, uint32_t partition, uint32_t rights, cap_handle_t *out)
{
        enum cap_err e = CAP_OK;
        struct cap_object *o = object_live(obj);
        uint16_t idx = CAP_NODE_NONE;
        if (o == NULL) {
                e = CAP_E_NO_OBJECT;
        } else if ((rights & ~CAP_R_ALL) != 0) {
                e = CAP_E_INVAL;
        } else if (!cap_table_exists(partition)) {
                e = CAP_E_NO_TABLE;
        } else {
                e = cap_node_alloc(partition, &idx, out);
        }
        if (e != CAP_OK) {
                cap_witness_deny(WK_CAP_CREATE, 0, 0, 0, e);
                return e;
        }
        struct cap_node *n = &cap_g.arena[idx];
        n->obj = obj;
        n->rights = rights;
        n->depth = 0;
        n->epoch = o->epoch;
        n->base = 0;
        n->size = o->size;
        n->expiry = 0;
        cap_witness(WK_CAP_CREATE, 0, partition, o->ref, *out, rights); /* holder = actor */
        return CAP_OK;
}

uint32_t cap_reclaim_stale(uint32_t max_nodes)
{
        uint32_t freed = 0;
        for (uint32_t i = 0; i < CAP_ARENA_SIZE && freed < max_nodes; i++) {
                struct cap_node *n = &cap_g.arena[i];
                if (!n->live || n->epoch == cap_g.objects[n->obj].epoch) {
                        continue;
                }
                /* Climb to the topmost stale ancestor so the whole stale subtree goes at
                 * once; a live (re-stamped) ancestor stops the climb. */
                uint16_t top = (uint16_t)i;
                while (cap_g.arena[top].parent != CAP_NODE_NONE) {
                        const struct cap_node *p = &cap_g.arena[cap_g.arena[top].parent];
                        if (p->epoch == cap_g.objects[p->obj].epoch) {
                                break;
                        }
                        top = cap_g.arena[top].parent;
                }
                freed += cap_free_subtree(top, true);
        }
        if (freed != 0) {
                cap_witness(WK_CAP_DROP, 0, 0, 0, 0, freed);
        }
        return freed;
}

static void fill_info(const struct cap_node *n, struct cap_info *out)
{
        const struct cap_object *o = &cap_g.objects[n->obj];
        out->type = (enum cap_type)o->type;
        out->rights = n->rights;
        out->depth = n->depth;
        out->owner = o->owner;
        out->object_ref = o->ref;
        out->base = n->base;
        out->size = n->size;
        out->expiry = n->expiry;
        out->epoch = n->epoch;
        out->epoch_current = n->epoch == o->epoch;
}

enum cap_err cap_info_of(uint32_t partition, cap_handle_t h, struct cap_info *out)
{
        uint16_t idx;
        enum cap_err e = cap_resolve(partition, h, true, &idx);
        if (e == CAP_OK) {
                fill_info(&cap_g.arena[idx], out);
        }
        return e;
}

void cap_info_at(uint16_t node, struct cap_info *out)
{
        fill_info(&cap_g.arena[node], out);
}

enum cap_err cap_inspect(uint32_t caller, cap_handle_t h, uint8_t tier, struct cap_info *out)
{
        uint16_t idx;
        /* A holder may inspect a stale-epoch capability: that is how it learns it is dead. */
        enum cap_err e = cap_resolve(caller, h, true, &idx);
        if (e != CAP_OK) {
                cap_witness_deny(WK_CAP_INSPECT, tier, caller, h, e);
                return e;
        }
        fill_info(&cap_g.arena[idx], out);
        cap_witness(WK_CAP_INSPECT, tier, caller, out->object_ref, h,
                    (uint64_t)out->rights | ((uint64_t)out->depth << 8));
        return CAP_OK;
}

cap_handle_t cap_table_next(uint32_t partition, uint32_t *cursor)
{
        if (!cap_table_exists(partition)) {
                return 0;
        }
        const struct cap_table *t = &cap_g.tables[partition];
        for (uint32_t s = *cursor; s < CAP_TABLE_SLOTS; s++) {
                if (t->slots[s].node != CAP_NODE_NONE) {
                        *cursor = s + 1;
                        return CAP_HANDLE(partition + 1u, s, t->slots[s].gen);
                }
        }
        *cursor = CAP_TABLE_SLOTS;
        return 0;
}

const char *cap_err_name(enum cap_err e)
{
        static const char *const names[] = {
            "ok",       "forged",   "foreign",  "stale",     "epoch",      "type",
            "rights",   "escalate", "depth",    "range",     "table_full", "arena_full",
            "no_table", "inval",    "not_root", "no_object", "exists",
        };
        return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

void cap_rights_format(uint32_t rights, char out[8])
{
        static const char letters[7] = {'R', 'W', 'G', 'V', 'X', 'P', 'O'};
        for (uint32_t i = 0; i < 7; i++) {
                out[i] = (rights & (1u << i)) != 0 ? letters[i] : '-';
        }
        out[7] = '\0';
}

const char *cap_type_name(enum cap_type t)
{
        static const char *const names[] = {
            "none", "partition",   "memory",    "comm_edge", "device",
            "vcpu", "witness_log", "scheduler", "coherence",
        };
        return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}
