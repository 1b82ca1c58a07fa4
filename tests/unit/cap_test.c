/*
 * cap/ unit tests: handles (forged, foreign, stale), attenuation, depth, GRANT_ONCE,
 * subtree and epoch revocation, capacity limits, and one witness record per operation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cap/cap.h"
#include "cap/cap_node.h"
#include "tests/fake/wit_log.h"
#include "witness/witness.h"

static const struct witness_event *wit_lastp(void)
{
        return &wit[wit_n - 1];
}

static cap_obj_t mem_obj;
static cap_handle_t root1; /* partition 1's root capability to mem_obj */

static int setup(void **state)
{
        (void)state;
        cap_init();
        wit_n = 0;
        for (uint32_t p = 0; p < 4; p++) {
                assert_int_equal(cap_table_create(p), CAP_OK);
        }
        assert_int_equal(cap_object_create(CAP_T_MEMORY, 1, 0x10000, 42, &mem_obj), CAP_OK);
        assert_int_equal(cap_mint_root(mem_obj, 1, CAP_R_ALL, &root1), CAP_OK);
        assert_int_equal(wit_lastp()->kind, WK_CAP_CREATE);
        wit_n = 0;
        return 0;
}

static cap_handle_t derive(uint32_t p, cap_handle_t parent, uint32_t rights, enum cap_err want)
{
        struct cap_derive_req req = {.caller = p, .parent = parent, .target = p, .rights = rights};
        cap_handle_t h = 0;
        assert_int_equal(cap_derive(&req, &h), want);
        return h;
}

static cap_handle_t grant(uint32_t p, cap_handle_t parent, uint32_t to, uint32_t rights,
                          enum cap_err want)
{
        struct cap_derive_req req = {.caller = p, .parent = parent, .target = to, .rights = rights};
        cap_handle_t h = 0;
        assert_int_equal(cap_grant(&req, &h), want);
        return h;
}

static void assert_denied(enum cap_err why)
{
        assert_int_equal(wit_lastp()->kind, WK_CAP_DENY);
        assert_true(wit_lastp()->flags & WITNESS_F_DENIED);
        assert_int_equal(wit_lastp()->payload & 0xFFFF, why);
}

/* cap_resolve_view (the gate's P1 input) agrees with cap_resolve and cap_info_of on every
 * outcome, and writes nothing when it refuses. */
static void test_resolve_view_matches_resolve_and_info(void **state)
{
        (void)state;
        cap_handle_t child = derive(1, root1, CAP_R_READ | CAP_R_GRANT, CAP_OK);
        const cap_handle_t cases[] = {
            root1,    child, 0, root1 ^ 1, root1 + (1ULL << 48), CAP_HANDLE(2u, CAP_TABLE_SLOTS, 1),
            child + 1};
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint16_t node = 0xBEEF;
                struct cap_view v;
                memset(&v, 0xA5, sizeof(v));
                struct cap_view untouched = v;
                enum cap_err a = cap_resolve(1, cases[i], false, &node);
                enum cap_err b = cap_resolve_view(1, cases[i], false, &v);
                assert_int_equal(a, b);
                if (a != CAP_OK) {
                        assert_memory_equal(&v, &untouched, sizeof(v));
                        continue;
                }
                struct cap_info info, at;
                memset(&info, 0, sizeof(info)); /* padding compared below */
                memset(&at, 0, sizeof(at));
                assert_int_equal(cap_info_of(1, cases[i], &info), CAP_OK);
                assert_int_equal(v.node, node);
                assert_int_equal(v.type, info.type);
                assert_int_equal(v.rights, info.rights);
                assert_int_equal(v.object_ref, info.object_ref);
                cap_info_at(v.node, &at);
                assert_memory_equal(&at, &info, sizeof(at));
        }
        assert_int_equal(cap_resolve_view(2, root1, false, &(struct cap_view){0}), CAP_E_FOREIGN);
}

static void test_handle_layout(void **state)
{
        (void)state;
        assert_int_equal(CAP_HANDLE_TABLE(root1), 2); /* partition 1 -> table id 2 */
        assert_int_equal(CAP_HANDLE_SLOT(root1), 0);
        assert_int_not_equal(CAP_HANDLE_GEN(root1), 0);
        struct cap_info info;
        assert_int_equal(cap_inspect(1, root1, 1, &info), CAP_OK);
        assert_int_equal(info.type, CAP_T_MEMORY);
        assert_int_equal(info.rights, CAP_R_ALL);
        assert_int_equal(info.depth, 0);
        assert_int_equal(info.object_ref, 42);
        assert_int_equal(info.size, 0x10000);
        assert_true(info.epoch_current);
        assert_int_equal(wit_lastp()->kind, WK_CAP_INSPECT);
}

static void test_forged_handles_denied_and_witnessed(void **state)
{
        (void)state;
        const cap_handle_t forged[] = {
            0,
            CAP_HANDLE(0, 0, CAP_HANDLE_GEN(root1)),                  /* table id 0 */
            CAP_HANDLE(CAP_MAX_TABLES + 1, 0, CAP_HANDLE_GEN(root1)), /* no such table */
            CAP_HANDLE(2, CAP_TABLE_SLOTS, CAP_HANDLE_GEN(root1)),    /* slot out of range */
            CAP_HANDLE(2, 0, 0),                                      /* generation 0 */
        };
        struct cap_info info;
        for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
                size_t before = wit_n;
                assert_int_equal(cap_inspect(1, forged[i], 1, &info), CAP_E_FORGED);
                assert_int_equal(wit_n, before + 1);
                assert_denied(CAP_E_FORGED);
                derive(1, forged[i], CAP_R_READ, CAP_E_FORGED);
                assert_denied(CAP_E_FORGED);
        }
        /* Guessing a generation in one's own table is stale, never valid. */
        derive(1, root1 + 1, CAP_R_READ, CAP_E_STALE);
        assert_denied(CAP_E_STALE);
        derive(1, CAP_HANDLE(2, 5, 1), CAP_R_READ, CAP_E_STALE);
}

static void test_foreign_handle_never_resolves(void **state)
{
        (void)state;
        for (uint32_t p = 0; p < 4; p++) {
                if (p == 1) {
                        continue;
                }
                derive(p, root1, CAP_R_READ, CAP_E_FOREIGN);
                assert_denied(CAP_E_FOREIGN);
                assert_int_equal(cap_revoke(p, root1, 0, 2, NULL), CAP_E_FOREIGN);
                assert_int_equal(cap_drop(p, root1, 1, NULL), CAP_E_FOREIGN);
        }
        /* A handle granted to partition 2 is useless to the granter. */
        cap_handle_t h2 = grant(1, root1, 2, CAP_R_READ | CAP_R_GRANT, CAP_OK);
        assert_int_equal(CAP_HANDLE_TABLE(h2), 3);
        derive(1, h2, CAP_R_READ, CAP_E_FOREIGN);
        derive(2, h2, CAP_R_READ, CAP_OK);
}

static void test_stale_after_revoke_and_drop(void **state)
{
        (void)state;
        cap_handle_t a = derive(1, root1, CAP_R_READ | CAP_R_GRANT, CAP_OK);
        cap_handle_t b = grant(1, a, 2, CAP_R_READ, CAP_OK);
        assert_int_equal(cap_revoke(1, root1, 0, 2, NULL), CAP_OK);
        assert_int_equal(wit_lastp()->kind, WK_CAP_REVOKE);
        struct cap_info info;
        assert_int_equal(cap_inspect(1, a, 1, &info), CAP_E_STALE);
        assert_int_equal(cap_inspect(2, b, 1, &info), CAP_E_STALE);
        /* The slot is reused, with a new generation: the old handle stays dead. */
        cap_handle_t c = derive(1, root1, CAP_R_READ, CAP_OK);
        assert_int_equal(CAP_HANDLE_SLOT(c), CAP_HANDLE_SLOT(a));
        assert_int_not_equal(c, a);
        assert_int_equal(cap_inspect(1, a, 1, &info), CAP_E_STALE);
        assert_int_equal(cap_drop(1, c, 1, NULL), CAP_OK);
        assert_int_equal(wit_lastp()->kind, WK_CAP_DROP);
        assert_int_equal(cap_drop(1, c, 1, NULL), CAP_E_STALE);
        assert_denied(CAP_E_STALE);
}

static void test_stale_after_table_recreated(void **state)
{
        (void)state;
        cap_handle_t h = grant(1, root1, 3, CAP_R_READ, CAP_OK);
        assert_int_equal(cap_table_destroy(3), CAP_OK);
        assert_int_equal(cap_table_create(3), CAP_OK);
        struct cap_info info;
        assert_int_equal(cap_inspect(3, h, 1, &info), CAP_E_STALE);
        cap_handle_t h2 = grant(1, root1, 3, CAP_R_READ, CAP_OK);
        assert_int_not_equal(h, h2);
}

static void test_attenuation(void **state)
{
        (void)state;
        cap_handle_t ro = derive(1, root1, CAP_R_READ | CAP_R_GRANT, CAP_OK);
        derive(1, ro, CAP_R_READ | CAP_R_WRITE, CAP_E_ESCALATE);
        assert_denied(CAP_E_ESCALATE);
        derive(1, ro, 0x80, CAP_E_INVAL);
        cap_handle_t nogrant = derive(1, root1, CAP_R_READ | CAP_R_WRITE, CAP_OK);
        derive(1, nogrant, CAP_R_READ, CAP_E_RIGHTS);

        /* Windows narrow, never widen; leases shorten, never lengthen. */
        struct cap_derive_req req = {.caller = 1,
                                     .parent = root1,
                                     .target = 1,
                                     .rights = CAP_R_READ | CAP_R_GRANT,
                                     .offset = 0x1000,
                                     .size = 0x2000,
                                     .expiry = 500};
        cap_handle_t win;
        assert_int_equal(cap_derive(&req, &win), CAP_OK);
        req.parent = win;
        req.offset = 0x800;
        req.size = 0x100;
        assert_int_equal(cap_derive(&req, &(cap_handle_t){0}), CAP_E_RANGE);
        req.offset = 0x2F00;
        req.size = 0x200;
        assert_int_equal(cap_derive(&req, &(cap_handle_t){0}), CAP_E_RANGE);
        req.offset = 0x1000;
        req.size = UINT64_MAX; /* overflow */
        assert_int_equal(cap_derive(&req, &(cap_handle_t){0}), CAP_E_RANGE);
        req.size = 0x1000;
        req.expiry = 501;
        assert_int_equal(cap_derive(&req, &(cap_handle_t){0}), CAP_E_ESCALATE);
        req.expiry = 0; /* inherit */
        cap_handle_t inner;
        assert_int_equal(cap_derive(&req, &inner), CAP_OK);
        struct cap_info info;
        assert_int_equal(cap_info_of(1, inner, &info), CAP_OK);
        assert_int_equal(info.base, 0x1000);
        assert_int_equal(info.size, 0x1000);
        assert_int_equal(info.expiry, 500);
        assert_int_equal(info.depth, 2);
}

static void test_depth_limit(void **state)
{
        (void)state;
        cap_handle_t h = root1;
        for (uint32_t d = 1; d <= CAP_MAX_DEPTH; d++) {
                h = derive(1, h, CAP_R_ALL, CAP_OK);
        }
        struct cap_info info;
        assert_int_equal(cap_info_of(1, h, &info), CAP_OK);
        assert_int_equal(info.depth, CAP_MAX_DEPTH);
        derive(1, h, CAP_R_READ, CAP_E_DEPTH);
        assert_denied(CAP_E_DEPTH);
}

static void test_grant_once_consumes_the_delegator(void **state)
{
        (void)state;
        /* Partition 2 gets READ|GRANT_ONCE: one delegation, and it cannot be passed on. */
        cap_handle_t once = grant(1, root1, 2, CAP_R_READ | CAP_R_GRANT_ONCE, CAP_OK);
        /* Asking for delegation rights in a once-only delegation: refused, nothing spent. */
        grant(2, once, 3, CAP_R_READ | CAP_R_GRANT_ONCE, CAP_E_ESCALATE);
        grant(2, once, 3, CAP_R_READ | CAP_R_GRANT, CAP_E_ESCALATE);
        struct cap_info info;
        assert_int_equal(cap_info_of(2, once, &info), CAP_OK);
        assert_int_equal(info.rights, CAP_R_READ | CAP_R_GRANT_ONCE);
        cap_handle_t child = grant(2, once, 3, CAP_R_READ, CAP_OK);
        /* The parent (delegator) side is consumed; the child keeps what it was given. */
        assert_int_equal(cap_info_of(2, once, &info), CAP_OK);
        assert_int_equal(info.rights, CAP_R_READ);
        assert_int_equal(cap_info_of(3, child, &info), CAP_OK);
        assert_int_equal(info.rights, CAP_R_READ);
        grant(2, once, 3, CAP_R_READ, CAP_E_RIGHTS);
        assert_denied(CAP_E_RIGHTS);
        derive(3, child, CAP_R_READ, CAP_E_RIGHTS);

        /* With GRANT as well, GRANT_ONCE is not consumed and may be handed down. */
        cap_handle_t both = derive(1, root1, CAP_R_READ | CAP_R_GRANT | CAP_R_GRANT_ONCE, CAP_OK);
        cap_handle_t g1 = grant(1, both, 2, CAP_R_READ | CAP_R_GRANT_ONCE, CAP_OK);
        grant(1, both, 2, CAP_R_READ, CAP_OK);
        assert_int_equal(cap_info_of(1, both, &info), CAP_OK);
        assert_int_equal(info.rights, CAP_R_READ | CAP_R_GRANT | CAP_R_GRANT_ONCE);
        cap_handle_t g2 = grant(2, g1, 3, CAP_R_READ, CAP_OK);
        grant(2, g1, 3, CAP_R_READ, CAP_E_RIGHTS);
        grant(3, g2, 0, CAP_R_READ, CAP_E_RIGHTS);
}

static void test_revoke_subtree_across_partitions(void **state)
{
        (void)state;
        cap_handle_t a = derive(1, root1, CAP_R_ALL, CAP_OK);
        cap_handle_t b = grant(1, a, 2, CAP_R_ALL, CAP_OK);
        cap_handle_t c = grant(2, b, 3, CAP_R_READ | CAP_R_GRANT, CAP_OK);
        cap_handle_t d = grant(3, c, 0, CAP_R_READ, CAP_OK);
        cap_handle_t side = derive(1, root1, CAP_R_READ, CAP_OK);
        uint32_t freed = 0;
        /* Needs REVOKE. */
        assert_int_equal(cap_revoke(3, c, 0, 2, &freed), CAP_E_RIGHTS);
        assert_denied(CAP_E_RIGHTS);
        assert_int_equal(cap_revoke(2, b, 0, 2, &freed), CAP_OK);
        assert_int_equal(freed, 2); /* c and d; b itself stays */
        assert_int_equal(wit_lastp()->payload & 0xFFFFFFFF, 2);
        struct cap_info info;
        assert_int_equal(cap_info_of(2, b, &info), CAP_OK);
        assert_int_equal(cap_info_of(3, c, &info), CAP_E_STALE);
        assert_int_equal(cap_info_of(0, d, &info), CAP_E_STALE);
        /* Drop takes the capability and what was derived from it. */
        assert_int_equal(cap_drop(1, a, 1, &freed), CAP_OK);
        assert_int_equal(freed, 2);
        assert_int_equal(cap_info_of(2, b, &info), CAP_E_STALE);
        assert_int_equal(cap_info_of(1, side, &info), CAP_OK);
        assert_int_equal(cap_arena_used(), 2);
}

static void test_revoke_large_tree_is_iterative(void **state)
{
        (void)state;
        /* Chains of depth 8 hopping between partitions, restarted from the root until the
         * tables are full: a tree both deep and wide, revoked in one call. */
        uint32_t made = 0;
        uint32_t holder = 1;
        cap_handle_t h = root1;
        for (uint32_t i = 0;; i++) {
                uint32_t to = 1 + i % 3;
                struct cap_derive_req req = {
                    .caller = holder, .parent = h, .target = to, .rights = CAP_R_ALL};
                cap_handle_t c;
                enum cap_err e = cap_grant(&req, &c);
                if (e == CAP_E_TABLE_FULL || e == CAP_E_ARENA_FULL) {
                        break;
                }
                if (e == CAP_E_DEPTH) {
                        h = root1;
                        holder = 1;
                        continue;
                }
                assert_int_equal(e, CAP_OK);
                made++;
                h = c;
                holder = to;
        }
        assert_true(made > 3 * CAP_MAX_DEPTH);
        assert_int_equal(cap_arena_used(), made + 1);
        uint32_t freed = 0;
        assert_int_equal(cap_revoke(1, root1, 0, 2, &freed), CAP_OK);
        assert_int_equal(freed, made);
        assert_int_equal(cap_arena_used(), 1);
        assert_int_equal(cap_table_used(1), 1);
        assert_int_equal(cap_table_used(2) + cap_table_used(3), 0);
}

static void test_epoch_bulk_revocation(void **state)
{
        (void)state;
        cap_handle_t rvm_root;
        assert_int_equal(cap_mint_root(mem_obj, 0, CAP_R_READ | CAP_R_GRANT, &rvm_root), CAP_OK);
        cap_handle_t a = derive(1, root1, CAP_R_ALL, CAP_OK);
        cap_handle_t b = grant(0, rvm_root, 2, CAP_R_READ, CAP_OK);
        /* Only a root may bump the epoch. */
        assert_int_equal(cap_revoke(1, a, CAP_REVOKE_EPOCH, 2, NULL), CAP_E_NOT_ROOT);
        assert_denied(CAP_E_NOT_ROOT);
        assert_int_equal(cap_revoke(1, root1, 1u << 5, 2, NULL), CAP_E_INVAL);
        assert_int_equal(cap_revoke(1, root1, CAP_REVOKE_EPOCH, 2, NULL), CAP_OK);
        struct cap_info info;
        assert_int_equal(cap_info_of(1, root1, &info), CAP_OK);
        assert_true(info.epoch_current);
        /* Every other capability of the object, in every tree, is dead for use... */
        derive(1, a, CAP_R_READ, CAP_E_EPOCH);
        assert_denied(CAP_E_EPOCH);
        derive(0, rvm_root, CAP_R_READ, CAP_E_EPOCH);
        uint16_t node;
        assert_int_equal(cap_resolve(2, b, false, &node), CAP_E_EPOCH);
        /* ...but can still be inspected (to learn it is dead) and dropped. */
        assert_int_equal(cap_inspect(2, b, 1, &info), CAP_OK);
        assert_false(info.epoch_current);
        assert_int_equal(cap_drop(2, b, 1, NULL), CAP_OK);
        derive(1, root1, CAP_R_READ, CAP_OK);
        assert_int_equal(cap_reclaim_stale(100), 2); /* a and rvm_root */
        assert_int_equal(cap_arena_used(), 2);
        /* The kernel can bump too: then the root dies as well. */
        assert_int_equal(cap_object_bump_epoch(mem_obj), CAP_OK);
        derive(1, root1, CAP_R_READ, CAP_E_EPOCH);
}

static void test_capacity_limits(void **state)
{
        (void)state;
        uint32_t n = 1;
        enum cap_err e;
        do {
                struct cap_derive_req req = {
                    .caller = 1, .parent = root1, .target = 1, .rights = CAP_R_READ};
                e = cap_derive(&req, &(cap_handle_t){0});
                n += e == CAP_OK;
        } while (e == CAP_OK);
        assert_int_equal(e, CAP_E_TABLE_FULL);
        assert_denied(CAP_E_TABLE_FULL);
        assert_int_equal(n, CAP_TABLE_SLOTS);
        grant(1, root1, 9, CAP_R_READ, CAP_E_NO_TABLE);
        grant(1, root1, CAP_MAX_TABLES + 3, CAP_R_READ, CAP_E_NO_TABLE);
        cap_handle_t self;
        assert_int_equal(cap_mint_root(mem_obj, 7, CAP_R_ALL, &self), CAP_E_NO_TABLE);
        assert_int_equal(cap_table_create(1), CAP_E_EXISTS);
}

/*
 * Grants cannot fill another's table: partition 1 granting over and over into partition 2's
 * gets CAP_GRANTED_MAX of them in, then CAP_E_TABLE_FULL (witnessed); partition 2 still
 * derives into the rest of its table from a capability of its own, and receives one more
 * once it drops one it was granted. Partition 3's grants share the same allowance.
 */
static void test_grants_cannot_fill_another_table(void **state)
{
        (void)state;
        cap_handle_t first = 0;
        for (uint32_t i = 0; i < CAP_GRANTED_MAX; i++) {
                cap_handle_t h = grant(1, root1, 2, CAP_R_READ, CAP_OK);
                first = first != 0 ? first : h;
        }
        grant(1, root1, 2, CAP_R_READ, CAP_E_TABLE_FULL);
        assert_denied(CAP_E_TABLE_FULL);
        cap_handle_t via3 = grant(1, root1, 3, CAP_R_READ | CAP_R_GRANT, CAP_OK);
        grant(3, via3, 2, CAP_R_READ, CAP_E_TABLE_FULL);
        /* Partition 2's own capability, and derivations from it, fill the rest. */
        cap_obj_t own;
        cap_handle_t root2;
        assert_int_equal(cap_object_create(CAP_T_MEMORY, 2, 0x1000, 43, &own), CAP_OK);
        assert_int_equal(cap_mint_root(own, 2, CAP_R_ALL, &root2), CAP_OK);
        uint32_t mine = 1;
        while (mine + CAP_GRANTED_MAX < CAP_TABLE_SLOTS) {
                derive(2, root2, CAP_R_READ, CAP_OK);
                mine++;
        }
        derive(2, root2, CAP_R_READ, CAP_E_TABLE_FULL);        /* every slot taken now */
        assert_int_equal(cap_drop(2, root2, 0, NULL), CAP_OK); /* its own subtree, freed */
        /* Room in the table is not room for grants: the granted share is still full. */
        grant(1, root1, 2, CAP_R_READ, CAP_E_TABLE_FULL);
        /* The holder drops one it was granted: room for one grant again. */
        assert_int_equal(cap_drop(2, first, 0, NULL), CAP_OK);
        grant(1, root1, 2, CAP_R_READ, CAP_OK);
        grant(1, root1, 2, CAP_R_READ, CAP_E_TABLE_FULL);
}

static void test_object_destroy_frees_everything(void **state)
{
        (void)state;
        cap_handle_t a = grant(1, root1, 2, CAP_R_ALL, CAP_OK);
        grant(2, a, 3, CAP_R_READ, CAP_OK);
        assert_int_equal(cap_object_destroy(mem_obj), CAP_OK);
        assert_int_equal(cap_arena_used(), 0);
        struct cap_info info;
        assert_int_equal(cap_info_of(1, root1, &info), CAP_E_STALE);
        /* The registry entry is reused with a fresh epoch. */
        cap_obj_t again;
        assert_int_equal(cap_object_create(CAP_T_DEVICE, 2, 16, 7, &again), CAP_OK);
        assert_int_equal(again, mem_obj);
        assert_int_equal(cap_object_create(CAP_T_NONE, 2, 16, 7, &again), CAP_E_INVAL);
}

static void test_every_operation_witnessed_once(void **state)
{
        (void)state;
        size_t before = wit_n;
        cap_handle_t a = derive(1, root1, CAP_R_ALL, CAP_OK);
        cap_handle_t b = grant(1, a, 2, CAP_R_READ, CAP_OK);
        assert_int_equal(wit[wit_n - 1].kind, WK_CAP_GRANT);
        assert_int_equal(wit[wit_n - 1].payload, b);
        assert_int_equal(wit[wit_n - 1].target, 42);
        assert_int_equal(wit[wit_n - 1].actor, 1);
        derive(2, b, CAP_R_READ, CAP_E_RIGHTS);
        assert_int_equal(cap_revoke(1, a, 0, 2, NULL), CAP_OK);
        assert_int_equal(cap_drop(1, a, 1, NULL), CAP_OK);
        assert_int_equal(cap_drop(1, a, 1, NULL), CAP_E_STALE);
        assert_int_equal(wit_n - before, 6);
        size_t denied = 0;
        for (size_t i = before; i < wit_n; i++) {
                denied += (wit[i].flags & WITNESS_F_DENIED) != 0;
        }
        assert_int_equal(denied, 2);
}

static void test_table_enumeration(void **state)
{
        (void)state;
        derive(1, root1, CAP_R_READ, CAP_OK);
        derive(1, root1, CAP_R_WRITE, CAP_OK);
        uint32_t cursor = 0;
        uint32_t n = 0;
        cap_handle_t h;
        while ((h = cap_table_next(1, &cursor)) != 0) {
                struct cap_info info, at;
                memset(&info, 0, sizeof(info)); /* padding compared below */
                memset(&at, 0, sizeof(at));
                assert_int_equal(cap_info_of(1, h, &info), CAP_OK);
                n++;
        }
        assert_int_equal(n, 3);
        cursor = 0;
        assert_int_equal(cap_table_next(9, &cursor), 0);
}

static void test_kernel_revocations_witnessed(void **state)
{
        (void)state;
        grant(1, root1, 2, CAP_R_READ, CAP_OK);
        assert_int_equal(cap_object_bump_epoch(mem_obj), CAP_OK);
        assert_int_equal(wit_lastp()->kind, WK_CAP_REVOKE);
        assert_int_equal(wit_lastp()->actor, 0);
        assert_int_equal(wit_lastp()->payload, (uint64_t)CAP_REVOKE_EPOCH << 32);
        size_t before = wit_n;
        assert_int_equal(cap_reclaim_stale(100), 2);
        assert_int_equal(wit_n, before + 1);
        assert_int_equal(wit_lastp()->kind, WK_CAP_DROP);
        assert_int_equal(wit_lastp()->payload, 2);
        assert_int_equal(cap_reclaim_stale(100), 0);
        assert_int_equal(wit_n, before + 1); /* nothing freed, nothing to say */
        assert_int_equal(cap_table_destroy(2), CAP_OK);
        assert_int_equal(wit_lastp()->kind, WK_CAP_REVOKE);
        assert_int_equal(wit_lastp()->target, 2);
        assert_int_equal(cap_table_destroy(2), CAP_E_NO_TABLE);
}

static void test_rights_format(void **state)
{
        (void)state;
        char buf[8];
        cap_rights_format(CAP_R_ALL, buf);
        assert_string_equal(buf, "RWGVXPO");
        cap_rights_format(CAP_R_READ | CAP_R_GRANT_ONCE, buf);
        assert_string_equal(buf, "R-----O");
        assert_string_equal(cap_type_name(CAP_T_COMM_EDGE), "comm_edge");
        assert_string_equal(cap_err_name(CAP_E_FOREIGN), "foreign");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_handle_layout, setup),
            cmocka_unit_test_setup(test_forged_handles_denied_and_witnessed, setup),
            cmocka_unit_test_setup(test_foreign_handle_never_resolves, setup),
            cmocka_unit_test_setup(test_stale_after_revoke_and_drop, setup),
            cmocka_unit_test_setup(test_stale_after_table_recreated, setup),
            cmocka_unit_test_setup(test_attenuation, setup),
            cmocka_unit_test_setup(test_depth_limit, setup),
            cmocka_unit_test_setup(test_grant_once_consumes_the_delegator, setup),
            cmocka_unit_test_setup(test_revoke_subtree_across_partitions, setup),
            cmocka_unit_test_setup(test_revoke_large_tree_is_iterative, setup),
            cmocka_unit_test_setup(test_epoch_bulk_revocation, setup),
            cmocka_unit_test_setup(test_capacity_limits, setup),
            cmocka_unit_test_setup(test_grants_cannot_fill_another_table, setup),
            cmocka_unit_test_setup(test_object_destroy_frees_everything, setup),
            cmocka_unit_test_setup(test_every_operation_witnessed_once, setup),
            cmocka_unit_test_setup(test_table_enumeration, setup),
            cmocka_unit_test_setup(test_kernel_revocations_witnessed, setup),
            cmocka_unit_test_setup(test_rights_format, setup),
            cmocka_unit_test_setup(test_resolve_view_matches_resolve_and_info, setup),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
