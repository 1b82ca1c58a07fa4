/*
 * The reference model (see cap_model.h). Written to be obviously right, not fast. Compiled
 * as part of cap_model_test.c (same capacities as the module under test).
 */
#include "tests/model/cap_model.h"

#include <string.h>

void m_init(struct model *m)
{
        memset(m, 0, sizeof(*m));
}

/* Live capabilities of part whose parent another partition holds (what cap/ counts). */
static uint32_t m_granted(const struct model *m, uint32_t part)
{
        uint32_t n = 0;
        for (int i = 0; i < m->ncaps; i++) {
                const struct m_cap *c = &m->caps[i];
                n +=
                    c->live && c->part == part && c->parent >= 0 && m->caps[c->parent].part != part;
        }
        return n;
}

uint32_t m_table_used(const struct model *m, uint32_t part)
{
        uint32_t n = 0;
        for (int i = 0; i < m->ncaps; i++) {
                n += m->caps[i].live && m->caps[i].part == part;
        }
        return n;
}

uint32_t m_arena_used(const struct model *m)
{
        uint32_t n = 0;
        for (int i = 0; i < m->ncaps; i++) {
                n += m->caps[i].live;
        }
        return n;
}

enum cap_err m_resolve(const struct model *m, uint32_t caller, uint64_t h, bool allow_stale,
                       int *idx_out)
{
        uint32_t tid = CAP_HANDLE_TABLE(h);
        if (h == 0 || tid == 0 || tid > CAP_MAX_TABLES || CAP_HANDLE_SLOT(h) >= CAP_TABLE_SLOTS ||
            CAP_HANDLE_GEN(h) == 0) {
                return CAP_E_FORGED;
        }
        if (tid != caller + 1) {
                return CAP_E_FOREIGN;
        }
        for (int i = 0; i < m->ncaps; i++) {
                const struct m_cap *c = &m->caps[i];
                if (c->live && c->handle == h) {
                        if (!allow_stale && c->epoch != m->objs[c->obj].epoch) {
                                return CAP_E_EPOCH;
                        }
                        *idx_out = i;
                        return CAP_OK;
                }
        }
        return CAP_E_STALE;
}

static bool is_descendant(const struct model *m, int i, int ancestor)
{
        for (int p = m->caps[i].parent; p >= 0; p = m->caps[p].parent) {
                if (p == ancestor) {
                        return true;
                }
        }
        return false;
}

/* Kill every live descendant of idx (and idx itself if asked); returns how many died. */
static uint32_t kill_tree(struct model *m, int idx, bool include_self)
{
        uint32_t n = 0;
        for (int i = 0; i < m->ncaps; i++) {
                if (m->caps[i].live && is_descendant(m, i, idx)) {
                        m->caps[i].live = false;
                        n++;
                }
        }
        if (include_self && m->caps[idx].live) {
                m->caps[idx].live = false;
                n++;
        }
        return n;
}

enum cap_err m_derive(struct model *m, const struct cap_derive_req *req, bool is_grant,
                      int *idx_out)
{
        if (!is_grant && req->target != req->caller) {
                return CAP_E_INVAL;
        }
        if ((req->rights & ~CAP_R_ALL) != 0) {
                return CAP_E_INVAL;
        }
        if (req->target >= CAP_MAX_TABLES || !m->table_live[req->target]) {
                return CAP_E_NO_TABLE;
        }
        int pi;
        enum cap_err e = m_resolve(m, req->caller, req->parent, false, &pi);
        if (e != CAP_OK) {
                return e;
        }
        struct m_cap *p = &m->caps[pi];
        bool grant = (p->rights & CAP_R_GRANT) != 0;
        bool once = (p->rights & CAP_R_GRANT_ONCE) != 0;
        if (!grant && !once) {
                return CAP_E_RIGHTS;
        }
        if ((req->rights & ~p->rights) != 0) {
                return CAP_E_ESCALATE;
        }
        if (!grant && (req->rights & (CAP_R_GRANT | CAP_R_GRANT_ONCE)) != 0) {
                return CAP_E_ESCALATE;
        }
        if (req->expiry != 0 && p->expiry != 0 && req->expiry > p->expiry) {
                return CAP_E_ESCALATE;
        }
        if (p->depth + 1 > CAP_MAX_DEPTH) {
                return CAP_E_DEPTH;
        }
        if (req->size != 0) {
                /* Done in 128-bit-free arithmetic the long way: no overflow possible. */
                bool starts_inside = req->offset >= p->base;
                bool fits = starts_inside && req->offset - p->base <= p->size &&
                            req->size <= p->size - (req->offset - p->base);
                if (!fits) {
                        return CAP_E_RANGE;
                }
        }
        if (m_table_used(m, req->target) >= CAP_TABLE_SLOTS) {
                return CAP_E_TABLE_FULL;
        }
        if (p->part != req->target && m_granted(m, req->target) >= CAP_GRANTED_MAX) {
                return CAP_E_TABLE_FULL;
        }
        if (m_arena_used(m) >= CAP_ARENA_SIZE) {
                return CAP_E_ARENA_FULL;
        }
        int ci = m->ncaps++;
        struct m_cap *c = &m->caps[ci];
        memset(c, 0, sizeof(*c));
        c->live = true;
        c->part = req->target;
        c->obj = p->obj;
        c->parent = pi;
        c->rights = req->rights;
        c->minted_rights = p->minted_rights;
        c->depth = p->depth + 1;
        c->epoch = p->epoch;
        c->base = req->size != 0 ? req->offset : p->base;
        c->size = req->size != 0 ? req->size : p->size;
        c->expiry = req->expiry != 0 ? req->expiry : p->expiry;
        if (!grant) {
                p->rights &= ~(uint32_t)CAP_R_GRANT_ONCE;
        }
        *idx_out = ci;
        return CAP_OK;
}

enum cap_err m_revoke(struct model *m, uint32_t caller, uint64_t h, uint32_t flags, uint32_t *freed)
{
        *freed = 0;
        if ((flags & ~CAP_REVOKE_EPOCH) != 0) {
                return CAP_E_INVAL;
        }
        int i;
        enum cap_err e = m_resolve(m, caller, h, false, &i);
        if (e != CAP_OK) {
                return e;
        }
        if ((m->caps[i].rights & CAP_R_REVOKE) == 0) {
                return CAP_E_RIGHTS;
        }
        if ((flags & CAP_REVOKE_EPOCH) != 0) {
                if (m->caps[i].depth != 0) {
                        return CAP_E_NOT_ROOT;
                }
                m->objs[m->caps[i].obj].epoch++;
                m->caps[i].epoch = m->objs[m->caps[i].obj].epoch;
                return CAP_OK;
        }
        *freed = kill_tree(m, i, false);
        return CAP_OK;
}

enum cap_err m_drop(struct model *m, uint32_t caller, uint64_t h, uint32_t *freed)
{
        *freed = 0;
        int i;
        enum cap_err e = m_resolve(m, caller, h, true, &i);
        if (e != CAP_OK) {
                return e;
        }
        *freed = kill_tree(m, i, true);
        return CAP_OK;
}

enum cap_err m_use(const struct model *m, uint32_t caller, uint64_t h, enum cap_type type,
                   uint32_t rights, bool any, bool allow_stale)
{
        int i;
        enum cap_err e = m_resolve(m, caller, h, allow_stale, &i);
        if (e != CAP_OK) {
                return e;
        }
        const struct m_cap *c = &m->caps[i];
        if (type != CAP_T_NONE && type != m->objs[c->obj].type) {
                return CAP_E_TYPE;
        }
        bool ok = any ? (rights == 0 || (rights & c->rights) != 0) : (rights & ~c->rights) == 0;
        return ok ? CAP_OK : CAP_E_RIGHTS;
}

int m_mint(struct model *m, int obj, uint32_t part, uint32_t rights)
{
        int ci = m->ncaps++;
        struct m_cap *c = &m->caps[ci];
        memset(c, 0, sizeof(*c));
        c->live = true;
        c->part = part;
        c->obj = obj;
        c->parent = -1;
        c->rights = rights;
        c->minted_rights = rights;
        c->epoch = m->objs[obj].epoch;
        c->size = m->objs[obj].size;
        return ci;
}

void m_bump_epoch(struct model *m, int obj)
{
        m->objs[obj].epoch++;
}

uint32_t m_table_destroy(struct model *m, uint32_t part)
{
        uint32_t n = 0;
        for (int i = 0; i < m->ncaps; i++) {
                if (m->caps[i].live && m->caps[i].part == part) {
                        n += kill_tree(m, i, true);
                }
        }
        m->table_live[part] = false;
        return n;
}

uint32_t m_reclaim_stale(struct model *m)
{
        uint32_t n = 0;
        for (int i = 0; i < m->ncaps; i++) {
                struct m_cap *c = &m->caps[i];
                if (c->live && c->epoch != m->objs[c->obj].epoch) {
                        c->live = false;
                        n++;
                }
        }
        return n;
}
