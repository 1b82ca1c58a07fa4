/*
 * tests/unit/witness_rotate_test.c: a witness store that never stops: filled several times
 * over it rotates (the oldest block erased, history beginning later, still authenticated),
 * verifies after every boot and the scrub agrees; power cuts in the middle of a batch and
 * between a rotation entry and its erase are recovered; erasing one block more than
 * rotation did is caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/witness_fixture.h"

/* A store that never stops: a small store filled several times over rotates (the oldest
 * block erased, history begins later, authenticated); it verifies after every boot, the
 * scrub agrees, and erasing one block more than rotation did is caught. */
static void test_rotation(void **st)
{
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_store_report rep;
        struct witness_stats ws;
        struct wt_result r;
        uint64_t total = 0;
        struct witness_log_config c = {.ring = ring_mem,
                                       .marks = mark_mem,
                                       .ring_cap = 256,
                                       .batch_max = 8,
                                       .clock_ns = clock_fn,
                                       .key = witness_dev_key,
                                       .key_len = 32,
                                       .rotate = true};

        (void)st;
        fake_init(&fk, &fl, 1024, 12); /* 9 log blocks of 16 slots: 144 slots */
        for (int boot = 0; boot < 4; boot++) {
                assert_int_equal(witness_log_init(&log, &c), WITNESS_OK);
                assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
                assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
                for (int i = 0; i < 300; i++) {
                        emit_n(&log, 1, 5);
                        if (i % 5 == 4)
                                assert_int_equal(witness_log_flush(&log), WITNESS_OK);
                }
                if (boot % 2 == 0)
                        assert_int_equal(witness_log_shutdown(&log), WITNESS_OK);
                else
                        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
                witness_log_stats(&log, &ws);
                assert_int_equal(ws.store_state, WITNESS_STORE_OK);
                assert_int_equal(ws.unpersisted, 0);
                assert_true(ws.rotations > 0);
                total = ws.next_seq;
                assert_int_equal(witness_store_verify(&fl, witness_dev_key, 32, &rep, NULL, NULL),
                                 WITNESS_OK);
                assert_int_equal(rep.verdict, WV_OK);
                assert_true(rep.rotated);
                assert_int_equal(rep.next_seq, total);
                assert_int_equal(rep.first_seq, rep.base_seq);
                assert_true(rep.base_seq > 0);
                assert_int_equal(verify_mem(fk.mem, fk.size, witness_dev_key, &r, NULL), 0);
                assert_int_equal(r.first_seq, rep.base_seq);
                /* the scrub walks the ring from where history begins */
                while (witness_log_scrub_step(&log, 5, 0) == WITNESS_SCRUB_WORKED)
                        ;
                witness_log_stats(&log, &ws);
                assert_false(ws.scrub_alarm);
                assert_true(ws.scrub_passes >= 1);
        }
        assert_true(total > 8 * 144); /* the store was filled several times over */
        assert_int_equal(count_kind(&fk, &fl, WK_WIT_ROTATED, NULL) > 0, 1);
        /* A power cut in the middle of a batch on a rotated store: recovered. */
        assert_int_equal(witness_log_init(&log, &c), WITNESS_OK);
        assert_int_equal(witness_log_attach_store(&log, &fl, false), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        emit_n(&log, 3, 1); /* with ATTEST and UNCLEAN: 5 pending, below the batch */
        fk.budget = 3;
        assert_int_not_equal(witness_log_flush(&log), WITNESS_OK);
        fk.budget = -1;
        fk.dead = false;
        assert_int_equal(witness_log_init(&log, &c), WITNESS_OK);
        assert_int_equal(witness_log_attach_store(&log, &fl, false), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        emit_n(&log, 40, 1);
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        assert_int_equal(witness_store_verify(&fl, witness_dev_key, 32, &rep, NULL, NULL),
                         WITNESS_OK);
        assert_int_equal(rep.verdict, WV_OK);
        /* The power goes after a rotation entry, before its erase: verify says so (exit 3),
         * the next boot finishes the rotation. */
        assert_int_equal(witness_log_init(&log, &c), WITNESS_OK);
        assert_int_equal(witness_log_attach_store(&log, &fl, false), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        fk.erase_fail = 1;
        for (int i = 0; i < 200 && fk.erase_fail; i++) {
                emit_n(&log, 1, 1);
                (void)witness_log_flush(&log);
        }
        assert_int_equal(fk.erase_fail, 0);
        assert_int_equal(witness_store_verify(&fl, witness_dev_key, 32, &rep, NULL, NULL),
                         WITNESS_OK);
        assert_int_equal(rep.verdict, WV_TORN);
        assert_true(rep.rot_interrupted);
        assert_int_equal(verify_mem(fk.mem, fk.size, witness_dev_key, &r, NULL), 3);
        assert_int_equal(witness_log_init(&log, &c), WITNESS_OK);
        assert_int_equal(witness_log_attach_store(&log, &fl, false), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        emit_n(&log, 40, 1);
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        assert_int_equal(witness_store_verify(&fl, witness_dev_key, 32, &rep, NULL, NULL),
                         WITNESS_OK);
        assert_int_equal(rep.verdict, WV_OK);
        /* Erase the oldest block the rotation left: more history gone than it explains. */
        {
                uint64_t per = 16, blk = rep.base_slot / per;

                memset(fk.mem + 3 * 1024 + blk * per * 64, 0xFF, per * 64);
                assert_int_equal(verify_mem(fk.mem, fk.size, witness_dev_key, &r, NULL), 1);
        }
        assert_int_equal(fk.violations, 0);
        free(fk.mem);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_rotation),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
