/*
 * proof/ unit tests. P2: one test per rule, each building a request that satisfies every other
 * rule and asserting that exactly that rule's bit is reported, so removing (or weakening into
 * "always true") any single rule makes its test fail. P1: type, rights, epoch. P3: a valid
 * depth-8 chain passes, and each kind of corruption of an ancestor is caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cap/cap.h"
#include "cap/cap_node.h"
#include "proof/proof.h"
#include "witness/witness.h"

void witness_emit(const struct witness_event *ev)
{
        (void)ev;
}

static cap_obj_t mem;
static cap_handle_t root1, a2; /* a2: partition 2's depth-1 capability, window 0x1000+0x2000 */

static int setup(void **state)
{
        (void)state;
        cap_init();
        proof_init();
        for (uint32_t p = 0; p < 4; p++) {
                assert_int_equal(cap_table_create(p), CAP_OK);
        }
        assert_int_equal(cap_object_create(CAP_T_MEMORY, 1, 0x10000, 9, &mem), CAP_OK);
        assert_int_equal(cap_mint_root(mem, 1, CAP_R_ALL, &root1), CAP_OK);
        struct cap_derive_req req = {.caller = 1,
                                     .parent = root1,
                                     .target = 2,
                                     .rights = CAP_R_READ | CAP_R_WRITE | CAP_R_GRANT,
                                     .offset = 0x1000,
                                     .size = 0x2000,
                                     .expiry = 1000};
        assert_int_equal(cap_grant(&req, &a2), CAP_OK);
        return 0;
}

static uint16_t node_of(uint32_t p, cap_handle_t h)
{
        struct proof_p1_req r = {.caller = p, .handle = h, .type = CAP_T_NONE};
        uint16_t node = CAP_NODE_NONE;
        assert_int_equal(proof_p1(&r, &node), CAP_OK);
        return node;
}

/* A request that satisfies all six rules. */
static struct proof_p2_req good_req(void)
{
        struct proof_p2_req r = {
            .caller = 2,
            .node = node_of(2, a2),
            .offset = 0x1000,
            .length = 0x100,
            .nonce = proof_ticket_issue(2, 90),
            .now = 100,
            .max_depth = CAP_MAX_DEPTH,
            .max_age = 50,
        };
        return r;
}

static void test_p2_baseline_passes(void **state)
{
        (void)state;
        struct proof_p2_req r = good_req();
        assert_int_equal(proof_p2(&r), 0);
        r.nonce = proof_ticket_issue(2, 90);
        r.length = 0; /* no range: window check only */
        r.offset = 0xDEAD0000;
        assert_int_equal(proof_p2(&r), 0);
}

static void test_p2_all_rules_evaluated_together(void **state)
{
        (void)state;
        struct proof_p2_req r = good_req();
        assert_int_equal(proof_p2(&r), 0);
        /* Same nonce again, everything else wrong too: every rule reports. */
        assert_int_equal(cap_object_set_owner(mem, 3), CAP_OK);
        r.offset = 0x8000;
        r.now = 2000; /* the ticket, issued at 90, is 1,910 ticks old */
        r.max_depth = 0;
        assert_int_equal(proof_p2(&r), PROOF_RULE_OWNERSHIP | PROOF_RULE_BOUNDS | PROOF_RULE_LEASE |
                                           PROOF_RULE_DEPTH | PROOF_RULE_NONCE | PROOF_RULE_WINDOW);
}

static void test_p2_rule_ownership(void **state)
{
        (void)state;
        /* The object moved to partition 3 (e.g. a split) without an epoch bump: the chain of
         * a2 is rooted in partition 1's capability, which no longer speaks for the owner. */
        assert_int_equal(cap_object_set_owner(mem, 3), CAP_OK);
        struct proof_p2_req r = good_req();
        assert_int_equal(proof_p2(&r), PROOF_RULE_OWNERSHIP);
        /* A chain rooted in RVM's own table (partition 0) always speaks for the owner. */
        cap_handle_t rvm_root, b;
        assert_int_equal(cap_mint_root(mem, 0, CAP_R_ALL, &rvm_root), CAP_OK);
        struct cap_derive_req d = {
            .caller = 0, .parent = rvm_root, .target = 2, .rights = CAP_R_READ};
        assert_int_equal(cap_grant(&d, &b), CAP_OK);
        r = good_req();
        r.node = node_of(2, b);
        r.offset = 0;
        assert_int_equal(proof_p2(&r), 0);
        /* The presenter must be the holder. */
        r = good_req();
        r.caller = 3;
        r.nonce = proof_ticket_issue(3, 90); /* its own ticket: partition 2's is not */
        assert_int_equal(proof_p2(&r), PROOF_RULE_OWNERSHIP);
}

static void test_p2_rule_bounds(void **state)
{
        (void)state;
        struct proof_p2_req r = good_req();
        r.offset = 0x2F80; /* runs past the window end 0x3000 */
        assert_int_equal(proof_p2(&r), PROOF_RULE_BOUNDS);
        r = good_req();
        r.offset = 0x0F00; /* starts before the window */
        assert_int_equal(proof_p2(&r), PROOF_RULE_BOUNDS);
        r = good_req();
        r.length = UINT64_MAX; /* wraps */
        assert_int_equal(proof_p2(&r), PROOF_RULE_BOUNDS);
        r = good_req();
        r.offset = 0x2F00; /* exactly up to the end is fine */
        assert_int_equal(proof_p2(&r), 0);
}

static void test_p2_rule_lease(void **state)
{
        (void)state;
        struct proof_p2_req r = good_req();
        r.now = 1000; /* a2 expires at 1000 */
        r.nonce = proof_ticket_issue(2, 990);
        assert_int_equal(proof_p2(&r), PROOF_RULE_LEASE);
        r.now = 999;
        r.nonce = proof_ticket_issue(2, 990);
        assert_int_equal(proof_p2(&r), 0);
}

static void test_p2_rule_depth(void **state)
{
        (void)state;
        struct proof_p2_req r = good_req();
        r.max_depth = 0; /* the call accepts only root capabilities; a2 is depth 1 */
        assert_int_equal(proof_p2(&r), PROOF_RULE_DEPTH);
        /* The depth is counted on the tree, not read from the node: a node that claims a
         * different depth than its chain has fails. */
        r = good_req();
        cap_node_mut(r.node)->depth = 0;
        assert_int_equal(proof_p2(&r), PROOF_RULE_DEPTH);
}

static void test_p2_rule_nonce(void **state)
{
        (void)state;
        struct proof_p2_req r = good_req();
        assert_int_equal(proof_p2(&r), 0);
        assert_int_equal(proof_p2(&r), PROOF_RULE_NONCE); /* replay */
        r.nonce = 0;                                      /* never fresh, and never a ticket */
        assert_int_equal(proof_p2(&r), PROOF_RULE_NONCE | PROOF_RULE_WINDOW);
        /* A failed request does not spend its nonce. */
        r = good_req();
        r.max_depth = 0;
        assert_int_equal(proof_p2(&r), PROOF_RULE_DEPTH);
        r.max_depth = CAP_MAX_DEPTH;
        assert_int_equal(proof_p2(&r), 0);
        /* Rings are per partition. */
        assert_true(proof_nonce_fresh(3, r.nonce));
        assert_false(proof_nonce_fresh(2, r.nonce));
}

static void test_p2_nonce_watermark(void **state)
{
        (void)state;
        /* Fill the ring, then one more: the oldest is evicted and becomes the watermark. */
        for (uint64_t n = 1; n <= PROOF_NONCE_RING + 1; n++) {
                assert_true(proof_nonce_fresh(2, n * 10));
                proof_nonce_record(2, n * 10);
        }
        assert_int_equal(proof_nonce_watermark(2), 10);
        assert_false(proof_nonce_fresh(2, 10)); /* evicted, still refused */
        assert_false(proof_nonce_fresh(2, 5));  /* below the watermark */
        assert_false(proof_nonce_fresh(2, 20)); /* still in the ring */
        assert_true(proof_nonce_fresh(2, 15));  /* above the watermark, never used */
        proof_reset_partition(2);
        assert_true(proof_nonce_fresh(2, 10));
}

static void test_p2_rule_window(void **state)
{
        (void)state;
        struct proof_p2_req r = good_req();
        r.nonce = proof_ticket_issue(2, 101); /* stamped after now: refused */
        assert_int_equal(proof_p2(&r), PROOF_RULE_WINDOW);
        r.nonce = proof_ticket_issue(2, 49); /* 51 ticks old, max_age 50 */
        assert_int_equal(proof_p2(&r), PROOF_RULE_WINDOW);
        r.nonce += 5; /* fresh, but never issued */
        assert_int_equal(proof_p2(&r), PROOF_RULE_WINDOW);
        /* Tickets are kept per partition, the latest PROOF_TICKETS: an older one is gone. */
        uint64_t first = proof_ticket_issue(2, 90);
        for (int i = 0; i < PROOF_TICKETS; i++)
                (void)proof_ticket_issue(2, 90);
        r.nonce = first;
        assert_int_equal(proof_p2(&r), PROOF_RULE_WINDOW);
        assert_true(proof_ticket_fresh(2, first + 1, 100, 50));
        assert_false(proof_ticket_fresh(3, first + 1, 100, 50)); /* partition 3 has none */
        r.nonce = proof_ticket_issue(2, 50);                     /* exactly max_age old */
        assert_int_equal(proof_p2(&r), 0);
        assert_int_equal(proof_p2(&r), PROOF_RULE_NONCE); /* a ticket is good once */
}

static void test_p1_type_rights_epoch(void **state)
{
        (void)state;
        uint16_t node;
        struct proof_p1_req r = {
            .caller = 2, .handle = a2, .type = CAP_T_MEMORY, .rights = CAP_R_READ | CAP_R_WRITE};
        assert_int_equal(proof_p1(&r, &node), CAP_OK);
        r.type = CAP_T_DEVICE;
        assert_int_equal(proof_p1(&r, &node), CAP_E_TYPE);
        r.type = CAP_T_MEMORY;
        r.rights = CAP_R_READ | CAP_R_EXECUTE;
        assert_int_equal(proof_p1(&r, &node), CAP_E_RIGHTS);
        r.rights = CAP_R_EXECUTE;
        assert_int_equal(proof_p1(&r, &node), CAP_E_RIGHTS);
        r.rights_any = true;
        r.rights = CAP_R_EXECUTE | CAP_R_PROVE;
        assert_int_equal(proof_p1(&r, &node), CAP_E_RIGHTS);
        r.rights = CAP_R_EXECUTE | CAP_R_WRITE;
        assert_int_equal(proof_p1(&r, &node), CAP_OK);
        r.rights = 0;
        assert_int_equal(proof_p1(&r, &node), CAP_OK);
        r.handle = a2 + 1; /* next generation of the same slot */
        assert_int_equal(proof_p1(&r, &node), CAP_E_STALE);
        r.handle = a2;
        r.caller = 1;
        assert_int_equal(proof_p1(&r, &node), CAP_E_FOREIGN);
        r.caller = 2;
        assert_int_equal(cap_object_bump_epoch(mem), CAP_OK);
        assert_int_equal(proof_p1(&r, &node), CAP_E_EPOCH);
        r.allow_stale_epoch = true;
        assert_int_equal(proof_p1(&r, &node), CAP_OK);
}

/* A depth-8 chain in partition 1; returns the deepest node and fills nodes[0..8]. */
static uint16_t chain8(uint16_t nodes[CAP_MAX_DEPTH + 1])
{
        cap_handle_t h = root1;
        nodes[0] = node_of(1, root1);
        for (uint32_t d = 1; d <= CAP_MAX_DEPTH; d++) {
                struct cap_derive_req req = {
                    .caller = 1, .parent = h, .target = 1, .rights = CAP_R_ALL, .expiry = 5000 - d};
                assert_int_equal(cap_derive(&req, &h), CAP_OK);
                nodes[d] = node_of(1, h);
        }
        return nodes[CAP_MAX_DEPTH];
}

static void test_p3_valid_chain(void **state)
{
        (void)state;
        uint16_t nodes[CAP_MAX_DEPTH + 1];
        uint16_t leaf = chain8(nodes);
        assert_int_equal(proof_p3(leaf, 100), PROOF_CHAIN_OK);
        assert_int_equal(proof_p3(nodes[0], 100), PROOF_CHAIN_OK);
        assert_int_equal(proof_p3(node_of(2, a2), 100), PROOF_CHAIN_OK);
}

static void test_p3_detects_corrupt_ancestors(void **state)
{
        (void)state;
        uint16_t nodes[CAP_MAX_DEPTH + 1];
        uint16_t leaf = chain8(nodes);
        struct cap_node *mid = cap_node_mut(nodes[4]);
        struct cap_node saved = *mid;

        mid->rights &= ~(uint32_t)CAP_R_WRITE; /* a descendant now has more than it */
        assert_int_equal(proof_p3(leaf, 100), PROOF_CHAIN_RIGHTS);
        *mid = saved;
        mid->depth = 7; /* depths no longer decrease by one */
        assert_int_equal(proof_p3(leaf, 100), PROOF_CHAIN_DEPTH);
        *mid = saved;
        mid->epoch--; /* ancestor from an old epoch */
        assert_int_equal(proof_p3(leaf, 100), PROOF_CHAIN_EPOCH);
        *mid = saved;
        mid->slot = (uint16_t)(mid->slot + 1); /* its slot no longer names it */
        assert_int_equal(proof_p3(leaf, 100), PROOF_CHAIN_DEAD);
        *mid = saved;
        mid->base = 0x100; /* the child's window sticks out */
        assert_int_equal(proof_p3(leaf, 100), PROOF_CHAIN_WINDOW);
        *mid = saved;
        mid->expiry = 10; /* the ancestor's lease ran out */
        assert_int_equal(proof_p3(leaf, 100), PROOF_CHAIN_LEASE);
        *mid = saved;
        mid->parent = nodes[6]; /* a cycle */
        enum proof_chain_fault f = proof_p3(leaf, 100);
        assert_true(f == PROOF_CHAIN_DEPTH || f == PROOF_CHAIN_TOO_LONG);
        *mid = saved;
        assert_int_equal(proof_p3(leaf, 100), PROOF_CHAIN_OK);
        /* A root that claims a depth. */
        cap_node_mut(nodes[0])->depth = 1;
        assert_int_equal(proof_p3(nodes[0], 100), PROOF_CHAIN_DEPTH);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_p2_baseline_passes, setup),
            cmocka_unit_test_setup(test_p2_all_rules_evaluated_together, setup),
            cmocka_unit_test_setup(test_p2_rule_ownership, setup),
            cmocka_unit_test_setup(test_p2_rule_bounds, setup),
            cmocka_unit_test_setup(test_p2_rule_lease, setup),
            cmocka_unit_test_setup(test_p2_rule_depth, setup),
            cmocka_unit_test_setup(test_p2_rule_nonce, setup),
            cmocka_unit_test_setup(test_p2_nonce_watermark, setup),
            cmocka_unit_test_setup(test_p2_rule_window, setup),
            cmocka_unit_test_setup(test_p1_type_rights_epoch, setup),
            cmocka_unit_test_setup(test_p3_valid_chain, setup),
            cmocka_unit_test_setup(test_p3_detects_corrupt_ancestors, setup),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
