/*
 * tests/unit/witness_escalate_test.c: F4's look back (witness/escalate.c). A boot that wrote
 * WK_REC_RVM_FAIL on its way down, after recovery steps, is read back by the next boot,
 * which records the chain; a boot that ended with no failure record (a power cut) says
 * so; the look back stops at the boot before and at its bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tests/unit/witness_fixture.h"

static void emit(struct witness_log *log, uint16_t kind, uint64_t target, uint64_t cap,
                 uint64_t payload)
{
        struct witness_event ev = {.kind = kind, .target = target, .cap = cap, .payload = payload};

        assert_int_equal(witness_log_append(log, &ev), WITNESS_OK);
}

/* The next boot of the store behind fl: attach, look back, start. */
static void next_boot(struct witness_log *log, struct witness_flash *fl,
                      struct witness_escalation *e)
{
        log_make(log, 256, 16);
        assert_int_equal(witness_log_attach_store(log, fl, true), WITNESS_OK);
        *e = (struct witness_escalation){0};
        enum witness_err r = witness_log_scan_back(log, witness_escalation_visit, e);
        assert_true(r == WITNESS_OK || r == WITNESS_E_NOENT); /* NOENT: the store's start */
        assert_int_equal(witness_log_start(log, NULL), WITNESS_OK);
}

/* Boot 1: some work, F3 and F2 steps, then RVM's failure record, flushed, and no
 * shutdown. Boot 2 finds the failure and the steps before it; a clean boot 2 leaves
 * boot 3 nothing to escalate. */
static void test_failure_and_its_chain_are_found(void **st)
{
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_escalation e;
        struct witness_event ev;
        struct witness_stats ws;

        (void)st;
        fake_init(&fk, &fl, 4096, 64);
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        emit_n(&log, 40, 1);
        emit(&log, WK_PART_FAULT, 2, 0, 7);  /* step 1 */
        emit(&log, WK_REC_RESTART, 2, 0, 1); /* step 2 */
        emit_n(&log, 5, 1);
        emit(&log, WK_REC_ROLLBACK, 1, 0x40000000, 1); /* step 3 */
        emit(&log, WK_REC_RVM_FAIL, 0x40205f88, 0x96000045, 2 | 1 << 8);
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        witness_log_stats(&log, &ws);
        uint64_t fail_seq = ws.next_seq - 2; /* the failure, then its batch's seal */

        next_boot(&log, &fl, &e);
        assert_true(e.failed);
        assert_int_equal(e.boot, 1);
        assert_int_equal(e.steps, 3);
        assert_int_equal(e.fail_seq, fail_seq);
        assert_int_equal(e.where, 0x40205f88);
        assert_int_equal(e.why, 0x96000045);
        witness_escalation_event(&e, &ev);
        assert_int_equal(ev.kind, WK_REC_ESCALATE);
        assert_int_equal(ev.target, fail_seq);
        /* The fault: 8 records before the failure, and a seal or two between them. */
        assert_int_equal(ev.cap, e.first_step_seq);
        assert_true(e.first_step_seq + 8 <= fail_seq && e.first_step_seq + 10 >= fail_seq);
        assert_int_equal(ev.payload, 3 | 2u << 24 | 1ULL << 32);
        witness_log_stats(&log, &ws);
        assert_true(ws.unclean);
        assert_int_equal(witness_log_shutdown(&log), WITNESS_OK);

        next_boot(&log, &fl, &e); /* boot 3 after a clean boot 2 */
        assert_false(e.failed);
        assert_int_equal(e.boot, 2);
        assert_int_equal(e.steps, 0);
        witness_log_stats(&log, &ws);
        assert_false(ws.unclean);
        free(fk.mem);
}

/* A boot that ends with no failure record (power cut): nothing failed, the steps still
 * counted; the look back reads one boot, at most WITNESS_ESCALATION_LOOKBACK records. */
static void test_power_cut_and_lookback_bound(void **st)
{
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_escalation e;
        struct witness_event ev;

        (void)st;
        fake_init(&fk, &fl, 4096, 256);
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        emit(&log, WK_REC_INJECT, 1, 0x40000010, 1); /* boot 1's only step */
        assert_int_equal(witness_log_shutdown(&log), WITNESS_OK);

        next_boot(&log, &fl, &e); /* boot 2: many records, one step, then the power goes */
        assert_int_equal(e.boot, 1);
        assert_int_equal(e.steps, 1);
        emit(&log, WK_REC_RECONSTRUCT, 3, 0, 1);
        emit_n(&log, (int)WITNESS_ESCALATION_LOOKBACK + 100, 1);
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);

        next_boot(&log, &fl, &e);
        assert_int_equal(e.boot, 2);
        assert_false(e.failed);
        assert_int_equal(e.visited, WITNESS_ESCALATION_LOOKBACK);
        assert_int_equal(e.steps, 0); /* its step lies beyond the bound */
        witness_escalation_event(&e, &ev);
        assert_int_equal(ev.target, UINT64_MAX);
        assert_int_equal(ev.cap, UINT64_MAX);
        assert_int_equal(ev.payload, 2ULL << 32);
        free(fk.mem);
}

/* Boots that fail in a row are counted (a boot loop, F4): boot 1 ends cleanly, boots 2..4
 * each fail, after more records than the tail read of an older boot; boot 5 counts 3. A
 * power cut (no failure record) ends the streak; a clean boot resets it. */
static void test_failed_boots_in_a_row(void **st)
{
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_escalation e;

        (void)st;
        fake_init(&fk, &fl, 4096, 256);
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        emit_n(&log, 10, 1);
        assert_int_equal(witness_log_shutdown(&log), WITNESS_OK);
        next_boot(&log, &fl, &e); /* boot 2 */
        assert_int_equal(e.failed_boots, 0);
        for (uint32_t b = 2; b <= 4; b++) {
                emit_n(&log, 30, 1);
                emit(&log, WK_REC_RVM_FAIL, 0x40205f88, 0, 1);
                assert_int_equal(witness_log_flush(&log), WITNESS_OK);
                next_boot(&log, &fl, &e); /* boot b + 1 */
                assert_true(e.failed);
                assert_int_equal(e.boot, b);
                assert_int_equal(e.failed_boots, b - 1);
        }
        /* boot 5 ends in a power cut (its records flushed, no failure): the streak ends */
        emit_n(&log, 3, 1);
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        next_boot(&log, &fl, &e); /* boot 6 */
        assert_false(e.failed);
        assert_int_equal(e.failed_boots, 0);
        emit(&log, WK_REC_RVM_FAIL, 0x40205f88, 0, 1);
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        next_boot(&log, &fl, &e); /* boot 7: boot 6 failed, boot 5 did not */
        assert_int_equal(e.failed_boots, 1);
        assert_int_equal(witness_log_shutdown(&log), WITNESS_OK);
        next_boot(&log, &fl, &e); /* boot 8 after a clean boot 7 */
        assert_int_equal(e.failed_boots, 0);
        free(fk.mem);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_failure_and_its_chain_are_found),
            cmocka_unit_test(test_power_cut_and_lookback_bound),
            cmocka_unit_test(test_failed_boots_in_a_row),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
