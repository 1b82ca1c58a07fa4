/*
 * tests/unit/witness_budget_test.c: denials on a budget (witness/budget.c) in front of a log
 * on flash: a few callers' refused calls leave a handful of full records and one count per
 * epoch with nothing lost from the count, and privileged actions after them are all
 * persisted; a table that fills folds the rest, still counted. Actions on a quota: each
 * principal's allowance an epoch, refused past it and counted, its own, renewed each epoch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tests/unit/witness_fixture.h"
#include "witness/budget.h"

/* Denials on a budget: two million refused calls from a few callers leave a handful of
 * full records and one count per epoch; privileged actions after them are all persisted. */
static void test_denial_budget(void **st)
{
        static struct witness_budget_slot slots[64];
        struct witness_budget b;
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_event fold;
        struct wt_result r;
        struct witness_stats ws;
        uint64_t full = 0, folded = 0, n = 2000000;

        (void)st;
        assert_int_equal(witness_budget_init(&b, slots, 60), WITNESS_E_INVAL);
        assert_int_equal(witness_budget_init(&b, slots, 64), WITNESS_OK);
        fake_init(&fk, &fl, 1024, 64); /* 61 KiB of log: under a thousand records */
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        for (uint64_t i = 0; i < n; i++) {
                uint32_t caller = 1 + (uint32_t)(i % 3);
                uint16_t kind = (i % 7) ? WK_CAP_DENY : WK_PROOF_DENY;

                if (witness_budget_admit(&b, caller, kind)) {
                        struct witness_event ev = {
                            .kind = kind, .flags = WITNESS_F_DENIED, .actor = caller, .target = i};

                        assert_int_equal(witness_log_append(&log, &ev), WITNESS_OK);
                        full++;
                }
                if (i % 100000 == 99999 && witness_budget_epoch_end(&b, &fold)) {
                        assert_int_equal(witness_log_append(&log, &fold), WITNESS_OK);
                        folded += fold.payload;
                        assert_true(fold.cap <= 6);
                }
        }
        assert_int_equal(full, 20 * 6);     /* 20 epochs, 3 callers x 2 kinds */
        assert_int_equal(full + folded, n); /* nothing lost from the count */
        assert_int_equal(b.total_admitted + b.total_folded, n);
        for (int i = 0; i < 40; i++) {
                struct witness_event ev = {.kind = WK_PART_STATE, .target = 1, .payload = i};

                assert_int_equal(witness_log_append(&log, &ev), WITNESS_OK);
        }
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        witness_log_stats(&log, &ws);
        assert_int_equal(ws.store_state, WITNESS_STORE_OK);
        assert_int_equal(ws.unpersisted, 0);
        assert_int_equal(verify_mem(fk.mem, fk.size, witness_dev_key, &r, NULL), 0);
        assert_int_equal(r.next_seq, ws.next_seq);
        /* A table that fills (more pairs than it holds) folds the rest, still counted. */
        witness_budget_init(&b, slots, 16);
        for (uint32_t c = 0; c < 100; c++)
                (void)witness_budget_admit(&b, c, WK_CAP_DENY);
        assert_int_equal(b.admitted, 8);
        assert_int_equal(b.admitted + b.folded, 100);
        assert_true(witness_budget_epoch_end(&b, &fold));
        assert_int_equal(fold.payload, 92);
        assert_true(witness_budget_admit(&b, 5, WK_CAP_DENY)); /* a new epoch */
        free(fk.mem);
}

/* Actions on a quota: a principal that repeats an action gets per_epoch of them an epoch and
 * no more, each refusal counted; another principal keeps its own allowance; an unknown
 * principal is refused; the next epoch renews every allowance. */
static void test_action_quota(void **st)
{
        static struct witness_quota_slot slots[4];
        struct witness_quota q;
        uint32_t done = 0;

        (void)st;
        assert_int_equal(witness_quota_init(&q, slots, 0, 8), WITNESS_E_INVAL);
        assert_int_equal(witness_quota_init(&q, slots, 4, 0), WITNESS_E_INVAL);
        assert_int_equal(witness_quota_init(&q, slots, 4, 8), WITNESS_OK);
        for (uint32_t i = 0; i < 1000000; i++) {
                if (witness_quota_left(&q, 1)) {
                        witness_quota_spend(&q, 1);
                        done++;
                }
        }
        assert_int_equal(done, 8);
        assert_int_equal(q.refused, 1000000 - 8);
        /* Another principal's allowance is its own; a refused call spends none. */
        for (uint32_t i = 0; i < 8; i++) {
                assert_true(witness_quota_left(&q, 2));
                if (i % 2 == 0)
                        witness_quota_spend(&q, 2);
        }
        assert_true(witness_quota_left(&q, 2));
        assert_false(witness_quota_left(&q, 4)); /* no slot: refused */
        assert_false(witness_quota_left(&q, UINT32_MAX));
        witness_quota_spend(&q, 4); /* ignored */
        witness_quota_epoch_end(&q);
        assert_int_equal(q.refused, 0);
        assert_int_equal(q.total_refused, 1000000 - 8 + 2);
        done = 0;
        for (uint32_t i = 0; i < 20; i++) {
                if (witness_quota_left(&q, 1)) {
                        witness_quota_spend(&q, 1);
                        done++;
                }
        }
        assert_int_equal(done, 8); /* renewed */
        /* The generation wraps after 2^32 epochs: no allowance carries over. */
        q.gen = UINT32_MAX;
        for (uint32_t i = 0; i < 8; i++)
                witness_quota_spend(&q, 3);
        assert_false(witness_quota_left(&q, 3));
        witness_quota_epoch_end(&q);
        assert_int_equal(q.gen, 1);
        assert_true(witness_quota_left(&q, 3));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_denial_budget),
            cmocka_unit_test(test_action_quota),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
