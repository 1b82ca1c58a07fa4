/*
 * Model-based property test of cap/ (plain program; exit status 0 = pass, 1 = divergence or
 * broken invariant). Runs N random sequences (default 100000) of derive / grant / revoke /
 * drop / use / inspect / forge / kernel operations across several partitions against the real
 * module and the reference model (cap_model.c), deterministically from a seed, and after every
 * step compares results, the complete live capability set, and the invariants:
 *   - every live capability's rights are within its parent's and its root's minted rights;
 *   - depth <= CAP_MAX_DEPTH and depth = parent depth + 1;
 *   - a handle that was revoked, dropped or never issued never resolves;
 *   - exactly one witness record per operation, flagged DENIED exactly when it failed.
 * Usage: cap_model_test [sequences] [seed]. Prints one summary line.
 *
 * Build: this file is the whole program (cc ... tests/model/cap_model_test.c -o ...). It uses
 * small capacities, so that full tables and a full arena are reached often, and therefore
 * compiles cap/, proof/ and the model into this one translation unit: objects built with the
 * default capacities would disagree with it on every struct size.
 */
#define CAP_ARENA_SIZE  32
#define CAP_TABLE_SLOTS 10
#define CAP_MAX_TABLES  6
#define CAP_MAX_OBJECTS 8

#include "tests/model/cap_model.c"
#include "cap/cap.c"
#include "cap/tree.c"
#include "proof/nonce.c"
#include "proof/proof.c"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap/cap.h"
#include "cap/cap_node.h"
#include "proof/proof.h"
#include "tests/model/cap_model.h"
#include "witness/witness.h"

#define NPART 4 /* partitions 0..3 have tables; partition 4 never does */
#define NOBJ  4

static uint64_t rng_state;
static uint64_t rnd(void)
{
        /* splitmix64: deterministic, good enough to cover the space. */
        uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
}
static uint32_t rn(uint32_t n)
{
        return (uint32_t)(rnd() % n);
}

/* Witness fake: count records and remember the last one. */
static uint64_t wit_count;
static struct witness_event wit_last;
void witness_emit(const struct witness_event *ev)
{
        wit_count++;
        wit_last = *ev;
}

static struct model M;
static uint64_t steps, divergences, ops_ok, ops_denied;
static uint64_t seq_no;
static uint32_t max_depth_seen;

#define FAIL(...)                                                                     \
        do {                                                                          \
                fprintf(stderr, "seq %" PRIu64 " step %" PRIu64 ": ", seq_no, steps); \
                fprintf(stderr, __VA_ARGS__);                                         \
                fprintf(stderr, "\n");                                                \
                divergences++;                                                        \
        } while (0)

static void expect_err(const char *op, enum cap_err real, enum cap_err model)
{
        if (real != model) {
                FAIL("%s: real %s, model %s", op, cap_err_name(real), cap_err_name(model));
        }
}

/* One witness record per operation; DENIED iff it failed; the record names the operation. */
static void expect_witness(uint64_t before, enum cap_err e, uint16_t ok_kind)
{
        if (wit_count != before + 1) {
                FAIL("expected 1 witness record, got %" PRIu64, wit_count - before);
                return;
        }
        bool denied = (wit_last.flags & WITNESS_F_DENIED) != 0;
        uint16_t kind = e == CAP_OK ? ok_kind : WK_CAP_DENY;
        if (denied != (e != CAP_OK) || wit_last.kind != kind ||
            (e != CAP_OK && (wit_last.payload & 0xFFFF) != (uint64_t)e)) {
                FAIL("witness kind %#x flags %u payload %#" PRIx64 " for %s", wit_last.kind,
                     wit_last.flags, wit_last.payload, cap_err_name(e));
        }
        if (e == CAP_OK) {
                ops_ok++;
        } else {
                ops_denied++;
        }
}

/* A handle for partition p to present: mostly its own live ones, sometimes anything. */
static uint64_t pick_handle(uint32_t p)
{
        int cand[M_MAX_CAPS];
        int n = 0;
        uint32_t r = rn(100);
        if (r < 75) {
                for (int i = 0; i < M.ncaps; i++) {
                        if (M.caps[i].live && M.caps[i].part == p) {
                                cand[n++] = i;
                        }
                }
                if (n > 0) {
                        /* Prefer deep capabilities now and then, to reach depth 8. */
                        if (rn(2) == 0) {
                                int best = cand[0];
                                for (int k = 1; k < n; k++) {
                                        if (M.caps[cand[k]].depth > M.caps[best].depth) {
                                                best = cand[k];
                                        }
                                }
                                return M.caps[best].handle;
                        }
                        return M.caps[cand[rn((uint32_t)n)]].handle;
                }
        }
        if (r < 90 && M.ncaps > 0) {
                /* Any handle ever issued: dead ones and other partitions' ones. */
                return M.caps[rn((uint32_t)M.ncaps)].handle;
        }
        /* Forged: random bits, or a live handle with one field changed. */
        uint64_t h = M.ncaps > 0 ? M.caps[rn((uint32_t)M.ncaps)].handle : rnd();
        switch (rn(6)) {
        case 0:
                return rnd();
        case 1:
                return h ^ (1ull << rn(64));
        case 2:
                return h + 1; /* next generation */
        case 3:
                return CAP_HANDLE(rn(CAP_MAX_TABLES + 2), CAP_HANDLE_SLOT(h), CAP_HANDLE_GEN(h));
        case 4:
                return CAP_HANDLE(CAP_HANDLE_TABLE(h), rn(CAP_TABLE_SLOTS + 2), CAP_HANDLE_GEN(h));
        default:
                return 0;
        }
}

static uint32_t pick_rights(uint64_t parent_handle, uint32_t p)
{
        int idx;
        uint32_t r = rn(100);
        if (r < 3) {
                return (uint32_t)rnd(); /* unknown bits */
        }
        if (r < 75 && m_resolve(&M, p, parent_handle, true, &idx) == CAP_OK) {
                /* The parent's rights (keeps chains growing) or a random subset. */
                return r < 40 ? M.caps[idx].rights : M.caps[idx].rights & (uint32_t)rnd();
        }
        return (uint32_t)rnd() & CAP_R_ALL;
}

static void pick_window(uint64_t parent_handle, uint32_t p, uint64_t *off, uint64_t *size)
{
        int idx;
        *off = 0;
        *size = 0;
        if (rn(2) == 0) {
                return;
        }
        if (m_resolve(&M, p, parent_handle, true, &idx) == CAP_OK && rn(4) != 0) {
                const struct m_cap *c = &M.caps[idx];
                uint64_t a = c->size ? rnd() % c->size : 0;
                *off = c->base + a;
                *size = 1 + (c->size - a > 1 ? rnd() % (c->size - a) : 0);
                if (rn(8) == 0) {
                        *size += 1; /* one past the end */
                }
                return;
        }
        *off = rnd() % 0x10000;
        *size = rn(3) == 0 ? UINT64_MAX - rn(4) : rnd() % 0x10000;
}

/* Partition p's deepest live capability (0 if it has none). */
static uint64_t deepest(uint32_t p)
{
        int best = -1;
        for (int i = 0; i < M.ncaps; i++) {
                if (M.caps[i].live && M.caps[i].part == p &&
                    (best < 0 || M.caps[i].depth > M.caps[best].depth)) {
                        best = i;
                }
        }
        return best < 0 ? 0 : M.caps[best].handle;
}

/* deep: extend p's deepest chain with the parent's full rights (reaches depth 8 and over). */
static void op_derive(bool grant, bool deep, uint32_t p)
{
        struct cap_derive_req req = {.caller = p, .tier = 2};
        req.parent = deep ? deepest(p) : pick_handle(p);
        req.target = grant ? rn(NPART + 1) : p;
        if (!grant && rn(50) == 0) {
                req.target = rn(NPART); /* derive into another table is refused */
        }
        req.rights = pick_rights(req.parent, p);
        pick_window(req.parent, p, &req.offset, &req.size);
        req.expiry = rn(3) == 0 ? 1000 + rn(1000) : 0;
        int pidx;
        if (deep && m_resolve(&M, p, req.parent, true, &pidx) == CAP_OK) {
                req.target = p;
                req.rights = M.caps[pidx].rights;
                req.size = 0;
                req.expiry = 0;
        }
        int mi = -1;
        enum cap_err me = m_derive(&M, &req, grant, &mi);
        cap_handle_t h = 0;
        uint64_t before = wit_count;
        enum cap_err re = grant ? cap_grant(&req, &h) : cap_derive(&req, &h);
        expect_err(grant ? "grant" : "derive", re, me);
        expect_witness(before, re, grant ? WK_CAP_GRANT : WK_CAP_DERIVE);
        if (re == CAP_OK && me == CAP_OK) {
                M.caps[mi].handle = h;
                if (CAP_HANDLE_TABLE(h) != req.target + 1) {
                        FAIL("child handle %#" PRIx64 " not in target table %u", h, req.target);
                }
                for (int i = 0; i < M.ncaps - 1; i++) {
                        if (M.caps[i].handle == h) {
                                FAIL("handle %#" PRIx64 " reissued", h);
                        }
                }
        } else if (me == CAP_OK) {
                M.ncaps--; /* the model's speculative child never existed */
        }
}

static void op_revoke(void)
{
        uint32_t p = rn(NPART);
        uint64_t h = pick_handle(p);
        uint32_t flags = rn(10) < 7 ? 0 : (rn(10) < 8 ? CAP_REVOKE_EPOCH : 1u << rn(32));
        uint32_t mf, rf = 0;
        enum cap_err me = m_revoke(&M, p, h, flags, &mf);
        uint64_t before = wit_count;
        enum cap_err re = cap_revoke(p, h, flags, 2, &rf);
        expect_err("revoke", re, me);
        expect_witness(before, re, WK_CAP_REVOKE);
        if (re == CAP_OK && rf != mf) {
                FAIL("revoke freed %u, model %u", rf, mf);
        }
}

static void op_drop(void)
{
        uint32_t p = rn(NPART);
        uint64_t h = pick_handle(p);
        uint32_t mf, rf = 0;
        enum cap_err me = m_drop(&M, p, h, &mf);
        uint64_t before = wit_count;
        enum cap_err re = cap_drop(p, h, 1, &rf);
        expect_err("drop", re, me);
        expect_witness(before, re, WK_CAP_DROP);
        if (re == CAP_OK && rf != mf) {
                FAIL("drop freed %u, model %u", rf, mf);
        }
}

static void op_use(void)
{
        uint32_t p = rn(NPART);
        uint64_t h = pick_handle(p);
        struct proof_p1_req req = {
            .caller = p,
            .handle = h,
            .type = (enum cap_type)rn(CAP_T_COUNT),
            .rights = (uint32_t)rnd() & CAP_R_ALL & (uint32_t)rnd(),
            .rights_any = rn(4) == 0,
            .allow_stale_epoch = rn(8) == 0,
        };
        enum cap_err me =
            m_use(&M, p, h, req.type, req.rights, req.rights_any, req.allow_stale_epoch);
        uint16_t node = CAP_NODE_NONE;
        enum cap_err re = proof_p1(&req, &node);
        expect_err("use", re, me);
        if (re == CAP_OK) {
                /* Granted: it must be a live capability the model knows, held by p. */
                int idx;
                if (m_resolve(&M, p, h, true, &idx) != CAP_OK || M.caps[idx].part != p) {
                        FAIL("use granted an unknown handle %#" PRIx64, h);
                }
        }
}

static void op_inspect(void)
{
        uint32_t p = rn(NPART);
        uint64_t h = pick_handle(p);
        int idx = -1;
        enum cap_err me = m_resolve(&M, p, h, true, &idx);
        struct cap_info info;
        uint64_t before = wit_count;
        enum cap_err re = cap_inspect(p, h, 1, &info);
        expect_err("inspect", re, me);
        expect_witness(before, re, WK_CAP_INSPECT);
}

static void op_kernel(void)
{
        switch (rn(4)) {
        case 0: {
                int o = (int)rn(NOBJ);
                m_bump_epoch(&M, o);
                if (cap_object_bump_epoch((cap_obj_t)o) != CAP_OK) {
                        FAIL("bump epoch refused");
                }
                break;
        }
        case 1: {
                uint32_t mf = m_reclaim_stale(&M);
                uint32_t rf = cap_reclaim_stale(UINT32_MAX);
                if (mf != rf) {
                        FAIL("reclaim freed %u, model %u", rf, mf);
                }
                break;
        }
        default: {
                /* A partition restarts: its table goes away (with every subtree
                 * rooted in it) and comes back empty. */
                uint32_t p = rn(NPART);
                m_table_destroy(&M, p);
                if (cap_table_destroy(p) != CAP_OK) {
                        FAIL("table destroy refused");
                }
                M.table_live[p] = true;
                if (cap_table_create(p) != CAP_OK) {
                        FAIL("table create refused");
                }
                break;
        }
        }
}

/* The whole live state must match, and the invariants must hold. */
static void check_state(void)
{
        if (cap_arena_used() != m_arena_used(&M)) {
                FAIL("arena used %u, model %u", cap_arena_used(), m_arena_used(&M));
        }
        for (uint32_t p = 0; p < NPART; p++) {
                if (cap_table_used(p) != m_table_used(&M, p)) {
                        FAIL("table %u used %u, model %u", p, cap_table_used(p),
                             m_table_used(&M, p));
                }
        }
        for (int i = 0; i < M.ncaps; i++) {
                const struct m_cap *c = &M.caps[i];
                uint16_t node;
                enum cap_err e = cap_resolve(c->part, c->handle, true, &node);
                if (!c->live) {
                        /* Revoked, dropped or reclaimed: never resolves again, for anyone. */
                        if (e != CAP_E_STALE) {
                                FAIL("dead handle %#" PRIx64 " resolves as %s", c->handle,
                                     cap_err_name(e));
                        }
                        continue;
                }
                if (e != CAP_OK) {
                        FAIL("live handle %#" PRIx64 " fails: %s", c->handle, cap_err_name(e));
                        continue;
                }
                const struct cap_node *n = cap_node_get(node);
                const struct cap_object *o = cap_object_get(n->obj);
                if (n->rights != c->rights || n->depth != c->depth || n->base != c->base ||
                    n->size != c->size || n->expiry != c->expiry || (int)n->obj != c->obj ||
                    (n->epoch == o->epoch) != (c->epoch == M.objs[c->obj].epoch)) {
                        FAIL("cap %#" PRIx64 " differs: rights %#x/%#x depth %u/%u", c->handle,
                             n->rights, c->rights, n->depth, c->depth);
                }
                /* Invariants, on the real structure. */
                if (n->depth > CAP_MAX_DEPTH) {
                        FAIL("depth %u", n->depth);
                }
                if (n->depth > max_depth_seen) {
                        max_depth_seen = n->depth;
                }
                if ((n->rights & ~c->minted_rights) != 0) {
                        FAIL("right %#x appeared that the root never had", n->rights);
                }
                if (n->parent != CAP_NODE_NONE) {
                        const struct cap_node *pn = cap_node_get(n->parent);
                        if (!pn->live || (n->rights & ~pn->rights) != 0 ||
                            pn->depth + 1u != n->depth) {
                                FAIL("attenuation/depth broken below parent");
                        }
                } else if (n->depth != 0) {
                        FAIL("root with depth %u", n->depth);
                }
        }
}

static void run_sequence(void)
{
        cap_init();
        m_init(&M);
        for (uint32_t p = 0; p < NPART; p++) {
                cap_table_create(p);
                M.table_live[p] = true;
        }
        for (int o = 0; o < NOBJ; o++) {
                enum cap_type type = (enum cap_type)(1 + rn(CAP_T_COUNT - 1));
                uint32_t owner = rn(NPART);
                uint64_t size = 0x1000ull * (1 + rn(16));
                cap_obj_t obj;
                if (cap_object_create(type, owner, size, 100 + (uint64_t)o, &obj) != CAP_OK ||
                    obj != (cap_obj_t)o) {
                        FAIL("object create");
                        return;
                }
                M.objs[o] = (struct m_obj){true, type, owner, cap_object_get(obj)->epoch, size};
                uint32_t nroots = 1 + rn(2);
                for (uint32_t r = 0; r < nroots; r++) {
                        uint32_t holder = r == 0 ? owner : rn(NPART);
                        uint32_t rights = rn(4) == 0 ? (uint32_t)rnd() & CAP_R_ALL : CAP_R_ALL;
                        cap_handle_t h;
                        if (cap_mint_root(obj, holder, rights, &h) != CAP_OK) {
                                FAIL("mint");
                                return;
                        }
                        M.caps[m_mint(&M, o, holder, rights)].handle = h;
                }
        }
        uint32_t len = 8 + rn(64);
        for (uint32_t s = 0; s < len && M.ncaps < M_MAX_CAPS - 2; s++) {
                uint32_t r = rn(100);
                if (r < 25) {
                        op_derive(false, false, rn(NPART));
                } else if (r < 30) {
                        /* A burst that extends one partition's deepest chain. */
                        uint32_t p = rn(NPART);
                        for (uint32_t k = rn(10); k > 0; k--) {
                                op_derive(false, true, p);
                                steps++;
                                check_state();
                        }
                } else if (r < 50) {
                        op_derive(true, false, rn(NPART));
                } else if (r < 60) {
                        op_revoke();
                } else if (r < 68) {
                        op_drop();
                } else if (r < 88) {
                        op_use();
                } else if (r < 95) {
                        op_inspect();
                } else {
                        op_kernel();
                }
                steps++;
                check_state();
        }
}

int main(int argc, char **argv)
{
        uint64_t sequences = argc > 1 ? strtoull(argv[1], NULL, 0) : 100000;
        uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x52564D0004ull;
        rng_state = seed;
        for (seq_no = 0; seq_no < sequences && divergences < 20; seq_no++) {
                run_sequence();
        }
        printf("cap_model: %" PRIu64 " sequences, %" PRIu64 " steps (%" PRIu64 " allowed, %" PRIu64
               " denied), max depth %u, %" PRIu64 " divergences, seed %#" PRIx64 "\n",
               seq_no, steps, ops_ok, ops_denied, max_depth_seen, divergences, seed);
        return divergences == 0 ? 0 : 1;
}
