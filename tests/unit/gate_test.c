/*
 * Security gate tests: the table walk, the capability hypercalls end to end, every denial
 * (forged / stale / foreign / wrong type / rights / P2 / P3 / unknown call) witnessed exactly
 * once, and a register fuzz in which every call leaves exactly one record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cap/cap.h"
#include "cap/cap_node.h"
#include "kernel/gate.h"
#include "proof/proof.h"
#include "tests/unit/gate_fixture.h"
#include "witness/witness.h"

static void test_table_walk(void **state)
{
        (void)state;
        size_t bad = 99;
        assert_int_equal(gate_table_check(table, table_n, &bad), GATE_CHECK_OK);
        /* The capability entries declare what docs/ABI.md says. */
        static const struct gate_entry caps[] = {GATE_CAP_ENTRIES};
        assert_int_equal(sizeof(caps) / sizeof(caps[0]), GATE_CAP_ENTRY_COUNT);
        for (size_t i = 0; i < GATE_CAP_ENTRY_COUNT; i++) {
                assert_int_equal(caps[i].fid, GATE_FID(0x0100 + i));
                assert_true(caps[i].rights != 0 && caps[i].tier >= PROOF_TIER_P1 &&
                            caps[i].witness_kind >> 8 == 0x03);
        }
        assert_int_equal(caps[1].tier, PROOF_TIER_P3); /* grant crosses partitions */

        /* Each way of leaving something undeclared or wrong is refused, by index. */
        struct gate_entry t[table_n];
#define MUTATE(idx, stmt, expect)                                                 \
        do {                                                                      \
                memcpy(t, table, sizeof(t));                                      \
                struct gate_entry *e = &t[idx];                                   \
                stmt;                                                             \
                assert_int_equal(gate_table_check(t, table_n, &bad), expect);     \
                assert_int_equal(bad, idx);                                       \
                assert_int_equal(gate_init(t, table_n, fake_clock, 100), expect); \
        } while (0)
        MUTATE(2, e->rights = 0, GATE_CHECK_RIGHTS);
        MUTATE(5, e->rights = 0, GATE_CHECK_RIGHTS);
        MUTATE(5, e->rights = 0x100, GATE_CHECK_RIGHTS);
        MUTATE(0, e->tier = 0, GATE_CHECK_TIER);
        MUTATE(5, e->tier = 4, GATE_CHECK_TIER);
        MUTATE(6, e->tier = 1, GATE_CHECK_TIER);
        MUTATE(6, e->rights = CAP_R_READ, GATE_CHECK_RIGHTS);
        MUTATE(3, e->witness_kind = 0, GATE_CHECK_WITNESS);
        /* Each success the gate records itself is an action, on its caller's quota. */
        MUTATE(5, e->flags &= (uint8_t)~GATE_F_ACTION, GATE_CHECK_WITNESS);
        MUTATE(7, e->flags &= (uint8_t)~GATE_F_ACTION, GATE_CHECK_WITNESS);
        MUTATE(5, e->fid = 0x84000100u, GATE_CHECK_FID); /* owner 4, past PSCI */
        MUTATE(5, e->fid = 0x82000000u, GATE_CHECK_FID); /* a SiP call */
        MUTATE(5, e->fid = RVM_HC_CAP_DROP, GATE_CHECK_DUPLICATE);
        MUTATE(4, e->handler = NULL, GATE_CHECK_HANDLER);
        MUTATE(5, e->type = CAP_T_NONE, GATE_CHECK_TYPE);
        MUTATE(5, e->type = CAP_T_COUNT, GATE_CHECK_TYPE);
        MUTATE(0, e->type = CAP_T_MEMORY, GATE_CHECK_TYPE);
        MUTATE(5, e->range_off = 1, GATE_CHECK_RANGE);
        MUTATE(5, e->range_len = 6, GATE_CHECK_RANGE);
        MUTATE(5, (e->tier = 1), GATE_CHECK_RANGE);
        /* Local (no run lock): only a guest call that needs no capability and witnesses for
         * itself. */
        MUTATE(6, e->flags |= GATE_F_LOCAL, GATE_CHECK_TIER);
        MUTATE(5, e->flags |= GATE_F_LOCAL | GATE_F_SELF_WITNESS, GATE_CHECK_TIER);
        MUTATE(7, e->flags |= GATE_F_LOCAL | GATE_F_SELF_WITNESS, GATE_CHECK_TIER);
        MUTATE(6, e->flags |= GATE_F_LOCAL | GATE_F_SELF_WITNESS | GATE_F_ACTION, GATE_CHECK_TIER);
        memcpy(t, table, sizeof(t));
        t[6].flags |= GATE_F_LOCAL | GATE_F_SELF_WITNESS;
        assert_int_equal(gate_table_check(t, table_n, &bad), GATE_CHECK_OK);
#undef MUTATE
        /* A refused table leaves nothing installed: every call is unknown. */
        struct gate_call c = call(1, RVM_HC_CAP_INSPECT, root1, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_NOT_SUPPORTED);
}

/* The hypercall fast path's index (gate_lookup_local) holds the handler of each GATE_F_LOCAL
 * entry and nothing else; a refused table empties it; gate_dispatch_local puts the handler's
 * status in x0 and leaves what it wrote in the other registers. */
static void test_local_index_holds_only_local_handlers(void **state)
{
        (void)state;
        assert_null(gate_lookup_local(FID_VERSION)); /* installed, but not local */
        assert_null(gate_lookup_local(FID_MEM_MAP));
        struct gate_entry t[table_n];
        memcpy(t, table, sizeof(t));
        t[6].flags |= GATE_F_LOCAL | GATE_F_SELF_WITNESS;
        assert_int_equal(t[6].fid, FID_VERSION);
        assert_int_equal(gate_init(t, table_n, fake_clock, 100), GATE_CHECK_OK);
        assert_ptr_equal(gate_lookup_local(FID_VERSION), version_handler);
        for (size_t i = 0; i < table_n; i++) {
                if (i != 6) {
                        assert_null(gate_lookup_local(t[i].fid));
                }
        }
        assert_null(gate_lookup_local(GATE_FID_BASE - 1)); /* wraps: out of the index */
        assert_null(gate_lookup_local(0x84000000u));       /* PSCI */
        assert_null(gate_lookup_local(GATE_FID(GATE_SLOTS)));
        uint64_t x[8] = {FID_VERSION, 5, 6, 7, 0, 0, 0, 0};
        struct gate_call c = {.caller = 1, .x = x};
        gate_dispatch_local(&(struct gate_ctx){.call = &c}, x, gate_lookup_local(FID_VERSION));
        assert_int_equal(x[0], GATE_OK);
        assert_int_equal(x[1], 0x10000);
        assert_int_equal(x[2], 6);
        /* A table refused after it leaves no local handler behind. */
        t[6].handler = NULL;
        assert_int_equal(gate_init(t, table_n, fake_clock, 100), GATE_CHECK_HANDLER);
        assert_null(gate_lookup_local(FID_VERSION));
}

static void test_derive_inspect_drop(void **state)
{
        (void)state;
        struct gate_call c =
            call(1, RVM_HC_CAP_DERIVE, root1, CAP_R_READ | CAP_R_GRANT, 0x2000, 0x1000, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        assert_int_equal(last()->kind, WK_CAP_DERIVE);
        assert_int_equal(last()->tier, PROOF_TIER_P2);
        cap_handle_t child = c.x[1];
        assert_int_equal(last()->payload, child);

        c = call(1, RVM_HC_CAP_INSPECT, child, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        assert_int_equal(last()->kind, WK_CAP_INSPECT);
        assert_int_equal(c.x[1] & 0xFF, CAP_T_MEMORY);
        assert_int_equal((c.x[1] >> 8) & 0xFF, CAP_R_READ | CAP_R_GRANT);
        assert_int_equal((c.x[1] >> 16) & 0xFF, 1);
        assert_int_equal((c.x[1] >> 24) & 0xFF, 1);
        assert_int_equal(c.x[1] >> 32, 1);
        assert_int_equal(c.x[2], 0x2000);
        assert_int_equal(c.x[3], 0x1000);
        assert_int_equal(c.x[5], 77);

        c = call(1, RVM_HC_CAP_DROP, child, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        assert_int_equal(last()->kind, WK_CAP_DROP);
        assert_int_equal(c.x[1], 1);
        c = call(1, RVM_HC_CAP_INSPECT, child, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_STALE);

        /* Rights bits above 31 are refused, not truncated. */
        c = call(1, RVM_HC_CAP_DERIVE, root1, (1ull << 40) | CAP_R_READ, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_INVALID);
        assert_int_equal(last()->kind, WK_CAP_DENY);
}

static void test_bad_handles_denied_everywhere(void **state)
{
        (void)state;
        struct gate_call c = call(1, RVM_HC_CAP_DERIVE, root1, CAP_R_ALL, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        cap_handle_t stale = c.x[1];
        c = call(1, RVM_HC_CAP_REVOKE, root1, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        assert_int_equal(c.x[1], 1);

        const struct {
                uint32_t caller;
                cap_handle_t h;
                int32_t status;
                enum cap_err why;
        } bad[] = {
            {1, 0, GATE_E_FORGED, CAP_E_FORGED},
            {1, 0xFFFFFFFFFFFFFFFFull, GATE_E_FORGED, CAP_E_FORGED},
            {1, CAP_HANDLE(2, 3, 0), GATE_E_FORGED, CAP_E_FORGED},
            {2, root1, GATE_E_FOREIGN, CAP_E_FOREIGN},
            {0, root1, GATE_E_FOREIGN, CAP_E_FOREIGN},
            {1, stale, GATE_E_STALE, CAP_E_STALE},
            {1, root1 + 7, GATE_E_STALE, CAP_E_STALE},
        };
        const uint32_t fids[] = {RVM_HC_CAP_DERIVE,  RVM_HC_CAP_GRANT, RVM_HC_CAP_REVOKE,
                                 RVM_HC_CAP_INSPECT, RVM_HC_CAP_DROP,  FID_MEM_MAP};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                for (size_t f = 0; f < sizeof(fids) / sizeof(fids[0]); f++) {
                        c = call(bad[i].caller, fids[f], bad[i].h, CAP_R_READ, 0, 0x10, 0);
                        assert_int_equal(dispatch(&c), bad[i].status);
                        assert_int_equal(last()->kind, WK_CAP_DENY);
                        assert_int_equal(last()->tier, PROOF_TIER_P1);
                        assert_int_equal(last()->cap, bad[i].h);
                        assert_int_equal(last()->payload & 0xFFFF, bad[i].why);
                        assert_int_equal(last()->payload >> 32, fids[f]);
                        assert_int_equal((last()->payload >> 16) & 0xFFFF,
                                         gate_lookup(fids[f])->witness_kind);
                }
        }
        assert_int_equal(handler_calls, 0);
}

static void test_unknown_call(void **state)
{
        (void)state;
        struct gate_call c = call(2, GATE_FID(0x7777), root1, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_NOT_SUPPORTED);
        assert_int_equal(last()->kind, WK_PROOF_DENY);
        c = call(2, 0x84000000u, 0, 0, 0, 0, 0); /* PSCI id: not ours */
        assert_int_equal(dispatch(&c), GATE_E_NOT_SUPPORTED);
}

/* An agent-only entry: a guest's HVC with its id is an unknown call; an agent's host call
 * with the same registers passes P1 and reaches the handler. Both leave one record. */
static void test_agent_only_entry(void **state)
{
        (void)state;
        agent_calls = 0;
        struct gate_call c = call(1, FID_AGENT_SEND, root1, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_NOT_SUPPORTED);
        assert_int_equal(last()->kind, WK_PROOF_DENY);
        assert_int_equal(agent_calls, 0);
        c = call(1, FID_AGENT_SEND, root1, 0, 0, 0, 0);
        c.agent = true;
        assert_int_equal(dispatch(&c), GATE_OK);
        assert_int_equal(last()->kind, WK_COMM_SEND);
        assert_int_equal(agent_calls, 1);
        /* ... and still needs the capability. */
        c = call(2, FID_AGENT_SEND, root1, 0, 0, 0, 0);
        c.agent = true;
        assert_int_equal(dispatch(&c), GATE_E_FOREIGN);
        assert_int_equal(last()->kind, WK_CAP_DENY);
        assert_int_equal(agent_calls, 1);
}

static void test_p2_denial(void **state)
{
        (void)state;
        struct gate_call c = call(1, RVM_HC_CAP_REVOKE, root1, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        /* Replaying the very same registers: the nonce is spent. */
        c.x[0] = RVM_HC_CAP_REVOKE;
        c.x[1] = root1;
        assert_int_equal(dispatch(&c), GATE_E_POLICY);
        assert_int_equal(c.x[1], PROOF_RULE_NONCE);
        assert_int_equal(last()->kind, WK_PROOF_DENY);
        assert_int_equal(last()->tier, PROOF_TIER_P2);
        assert_int_equal((last()->payload >> 16) & 0xFFFF, PROOF_RULE_NONCE);
        /* Stale request (time window) and out-of-object range (bounds). */
        c = call(1, RVM_HC_CAP_REVOKE, root1, 0, 0, 0, 0);
        now_ticks += 101; /* the ticket is now past the window, whatever x7 says */
        c.x[7] = now_ticks;
        assert_int_equal(dispatch(&c), GATE_E_POLICY);
        now_ticks -= 101;
        assert_int_equal(c.x[1], PROOF_RULE_WINDOW);
        /* A nonce the gate never issued, however current x7 is. */
        c = call(1, RVM_HC_CAP_REVOKE, root1, 0, 0, 0, 0);
        c.x[6] += 3;
        assert_int_equal(dispatch(&c), GATE_E_POLICY);
        assert_int_equal(c.x[1], PROOF_RULE_WINDOW);
        c = call(1, RVM_HC_CAP_DERIVE, root1, CAP_R_READ, 0xF000, 0x2000, 0);
        assert_int_equal(dispatch(&c), GATE_E_POLICY);
        assert_int_equal(c.x[1], PROOF_RULE_BOUNDS);
}

static void test_p3_denial(void **state)
{
        (void)state;
        struct gate_call c = call(1, RVM_HC_CAP_DERIVE, root1, CAP_R_ALL, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        cap_handle_t mid = c.x[1];
        c = call(1, RVM_HC_CAP_DERIVE, mid, CAP_R_ALL, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        cap_handle_t leaf = c.x[1];
        /* Corrupt the middle link: P1 and P2 on the leaf still pass, P3 must not. */
        uint16_t n;
        assert_int_equal(cap_resolve(1, mid, false, &n), CAP_OK);
        cap_node_mut(n)->rights &= ~(uint32_t)CAP_R_EXECUTE;
        c = call(1, RVM_HC_CAP_GRANT, leaf, 2 | ((uint64_t)CAP_R_READ << 32), 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_CHAIN);
        assert_int_equal(c.x[1], PROOF_CHAIN_RIGHTS);
        assert_int_equal(last()->kind, WK_PROOF_DENY);
        assert_int_equal(last()->tier, PROOF_TIER_P3);
        /* Derive is only P2: it goes through. */
        c = call(1, RVM_HC_CAP_DERIVE, leaf, CAP_R_READ, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
}

static void test_two_partitions_cross_attempts(void **state)
{
        (void)state;
        struct gate_call c = call(1, RVM_HC_CAP_GRANT, root1,
                                  2 | ((uint64_t)(CAP_R_READ | CAP_R_GRANT_ONCE) << 32), 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        assert_int_equal(last()->kind, WK_CAP_GRANT);
        assert_int_equal(last()->tier, PROOF_TIER_P3);
        cap_handle_t h2 = c.x[1];
        /* Partition 3 steals the handle value; partition 1 tries to use it too. */
        c = call(3, RVM_HC_CAP_INSPECT, h2, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_FOREIGN);
        c = call(1, RVM_HC_CAP_DROP, h2, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_FOREIGN);
        /* Over-attenuated (escalating) grant: denied by cap/, witnessed as a CAP_DENY. */
        c = call(2, RVM_HC_CAP_GRANT, h2, 3 | ((uint64_t)(CAP_R_READ | CAP_R_WRITE) << 32), 0, 0,
                 0);
        assert_int_equal(dispatch(&c), GATE_E_ESCALATE);
        assert_int_equal(last()->kind, WK_CAP_DENY);
        assert_int_equal(last()->payload & 0xFFFF, CAP_E_ESCALATE);
        /* No revoke right. */
        c = call(2, RVM_HC_CAP_REVOKE, h2, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_RIGHTS);
        /* Its one delegation, then no more. */
        c = call(2, RVM_HC_CAP_GRANT, h2, 3 | ((uint64_t)CAP_R_READ << 32), 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        cap_handle_t h3 = c.x[1];
        c = call(2, RVM_HC_CAP_GRANT, h2, 3 | ((uint64_t)CAP_R_READ << 32), 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_RIGHTS);
        /* Grant to a partition without a table. */
        c = call(1, RVM_HC_CAP_GRANT, root1, 9 | ((uint64_t)CAP_R_READ << 32), 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_NO_PARTITION);
        /* The owner revokes: everything downstream is stale. */
        c = call(1, RVM_HC_CAP_REVOKE, root1, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        assert_int_equal(c.x[1], 2);
        c = call(2, RVM_HC_CAP_INSPECT, h2, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_STALE);
        c = call(3, RVM_HC_CAP_INSPECT, h3, 0, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_STALE);
}

static void test_kernel_entry(void **state)
{
        (void)state;
        /* Wrong object type. */
        struct gate_call c = call(1, FID_MEM_MAP, dev1, 0, 0x10, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_TYPE);
        assert_int_equal(last()->payload & 0xFFFF, CAP_E_TYPE);
        /* Missing right. */
        c = call(1, RVM_HC_CAP_DERIVE, root1, CAP_R_READ | CAP_R_GRANT, 0, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        cap_handle_t ro = c.x[1];
        c = call(1, FID_MEM_MAP, ro, 0, 0x10, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_RIGHTS);
        assert_int_equal(handler_calls, 0);
        /* Allowed: the gate emits the entry's kind with the handler's target and payload. */
        c = call(1, FID_MEM_MAP, root1, 0x100, 0x10, 0, 0);
        assert_int_equal(dispatch(&c), GATE_OK);
        assert_int_equal(handler_calls, 1);
        assert_int_equal(last()->kind, WK_PROOF_ALLOW);
        assert_int_equal(last()->tier, PROOF_TIER_P3);
        assert_int_equal(last()->target, 0xAB);
        assert_int_equal(last()->payload, 0x100);
        /* Handler failure after the proofs: still one record, flagged. */
        handler_result = GATE_E_INVALID;
        c = call(1, FID_MEM_MAP, root1, 0x100, 0x10, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_INVALID);
        assert_int_equal(last()->kind, WK_PROOF_ALLOW);
        /* Range outside the object (P2 bounds). */
        handler_result = GATE_OK;
        c = call(1, FID_MEM_MAP, root1, 0xFFF0, 0x20, 0, 0);
        assert_int_equal(dispatch(&c), GATE_E_POLICY);
        assert_int_equal(c.x[1], PROOF_RULE_BOUNDS);
        /* Unprivileged entry: no handle needed, no record. */
        c = call(3, FID_VERSION, 0, 0, 0, 0, 0);
        size_t before = wit_n;
        assert_int_equal(gate_dispatch(&c), GATE_OK);
        assert_int_equal(c.x[1], 0x10000);
        assert_int_equal(wit_n, before);
}

static void test_status_mapping(void **state)
{
        (void)state;
        assert_int_equal(gate_status_from_cap(CAP_OK), GATE_OK);
        for (int e = CAP_E_FORGED; e <= CAP_E_EXISTS; e++) {
                int32_t st = gate_status_from_cap((enum cap_err)e);
                assert_true(st < 0);
                assert_true(st != GATE_E_NOT_SUPPORTED);
        }
        assert_int_not_equal(gate_status_from_cap(CAP_E_FORGED), gate_status_from_cap(CAP_E_STALE));
        assert_int_not_equal(gate_status_from_cap(CAP_E_FOREIGN),
                             gate_status_from_cap(CAP_E_STALE));
}

static void test_register_fuzz(void **state)
{
        (void)state;
        /* Random registers (and sometimes real handles) into every call: no crash, exactly
         * one record per privileged call, DENIED iff the status is negative. */
        uint64_t s = 0x1234;
        int allowed = 0, denied = 0;
        const uint32_t fids[] = {RVM_HC_CAP_DERIVE,  RVM_HC_CAP_GRANT, RVM_HC_CAP_REVOKE,
                                 RVM_HC_CAP_INSPECT, RVM_HC_CAP_DROP,  FID_MEM_MAP,
                                 GATE_FID(0x0200)};
        for (int i = 0; i < 20000; i++) {
                uint64_t r[8];
                for (int k = 0; k < 8; k++) {
                        s ^= s << 13;
                        s ^= s >> 7;
                        s ^= s << 17;
                        r[k] = s;
                }
                /* Keep partition 1's roots alive: drops and revokes in the fuzz kill them. */
                uint16_t n;
                if (cap_resolve(1, root1, false, &n) != CAP_OK) {
                        cap_drop(1, root1, 1, NULL);
                        assert_int_equal(cap_mint_root(mem, 1, CAP_R_ALL, &root1), CAP_OK);
                }
                if (cap_resolve(1, dev1, false, &n) != CAP_OK) {
                        cap_drop(1, dev1, 1, NULL);
                        assert_int_equal(cap_mint_root(dev, 1, CAP_R_ALL, &dev1), CAP_OK);
                }
                struct gate_call c = {.caller = (r[0] & 3) != 0 ? 1 : (uint32_t)((r[0] >> 2) % 5),
                                      .x = regfile()};
                c.x[0] = fids[r[1] % 7];
                c.x[1] = (r[2] & 3) != 0 ? ((r[2] & 4) ? root1 : dev1) : r[2];
                c.x[2] = (r[3] & 7) != 0 ? (r[3] & CAP_R_ALL) : r[3];
                c.x[3] = (r[4] & 1) ? r[4] % 0x800 : r[4];
                c.x[4] = (r[5] & 3) != 0 ? r[5] % 0x800 : r[5];
                c.x[5] = (r[6] & 1) ? 0 : r[6];
                c.x[6] = (r[7] & 3) != 0 ? gate_ticket(c.caller) : r[7];
                c.x[7] = (r[7] & 12) != 0 ? now_ticks : r[0]; /* unused */
                if ((uint32_t)c.x[0] == RVM_HC_CAP_GRANT) {
                        c.x[2] = (r[3] % 5) | ((r[3] >> 32 & 0x7F) << 32);
                }
                if (dispatch(&c) == GATE_OK) {
                        allowed++;
                } else {
                        denied++;
                }
        }
        /* The fuzz must have exercised both outcomes to mean anything. */
        print_message("fuzz: %d allowed, %d denied\n", allowed, denied);
        assert_true(allowed > 100);
        assert_true(denied > 100);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_table_walk, setup),
            cmocka_unit_test_setup(test_local_index_holds_only_local_handlers, setup),
            cmocka_unit_test_setup(test_derive_inspect_drop, setup),
            cmocka_unit_test_setup(test_bad_handles_denied_everywhere, setup),
            cmocka_unit_test_setup(test_unknown_call, setup),
            cmocka_unit_test_setup(test_agent_only_entry, setup),
            cmocka_unit_test_setup(test_p2_denial, setup),
            cmocka_unit_test_setup(test_p3_denial, setup),
            cmocka_unit_test_setup(test_two_partitions_cross_attempts, setup),
            cmocka_unit_test_setup(test_kernel_entry, setup),
            cmocka_unit_test_setup(test_status_mapping, setup),
            cmocka_unit_test_setup(test_register_fuzz, setup),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
