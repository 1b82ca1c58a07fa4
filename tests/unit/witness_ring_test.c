/*
 * tests/unit/witness_ring_test.c: the witness log in RAM: witness_emit into the global log
 * under its lock (and counted when there is none), the ring's own check and its tail; the
 * serial framing of a tail listing inside console noise, read back by the tool; the boot's
 * attestation record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/witness_fixture.h"

static void test_ring_tail_verify_emit(void **st)
{
        struct witness_log log;
        struct witness_event ev = {.kind = WK_CAP_DENY, .flags = WITNESS_F_DENIED, .actor = 9};
        uint8_t h[32];
        uint64_t first, bad = 0;
        struct wt_result r;
        struct wt_verify_opts o = {.key = witness_dev_key, .key_len = 32, .have_start = true};

        (void)st;
        log_make(&log, 128, 16);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        witness_set_global(&log);
        for (int i = 0; i < 1000; i++) {
                ev.target = (uint64_t)i;
                witness_emit(&ev);
                if (i % 50 == 0)
                        witness_log_seal(&log);
        }
        witness_set_global(NULL);
        witness_emit(&ev);
        assert_true(witness_unlogged() >= 1);
        assert_int_equal(lock_depth, 0);
        assert_int_equal(lock_max, 1);
        assert_int_equal(witness_log_verify_ring(&log, NULL), WV_OK);
        dump_n = 0;
        assert_int_equal(witness_log_tail(&log, 10, h, &first, dump_cb, NULL), 10);
        assert_int_equal(first, log.next_seq - 10);
        o.start_seq = first;
        memcpy(o.start_head, h, 32);
        assert_int_equal(verify_mem(dump_buf, 10 * 64, NULL, &r, &o), 0);
        ring_mem[(log.next_seq - 40) % 128][30] ^= 0x10;
        assert_int_not_equal(witness_log_verify_ring(&log, &bad), WV_OK);
        assert_int_equal(bad, log.next_seq - 40);
}

static void test_serial_roundtrip(void **st)
{
        char *text = malloc(300 * 200);
        size_t len = 0;
        char line[WITNESS_SERIAL_LINE_MAX], hl[WITNESS_SERIAL_HEAD_MAX];
        struct wt_input in;
        struct wt_result r;
        struct wt_verify_opts o = {.key = witness_dev_key, .key_len = 32};
        uint8_t h[32];

        (void)st;
        make_dump(200, 50);
        witness_genesis(h);
        for (int i = 0; i < 100; i++)
                witness_chain_step(h, dump_buf[i]);
        len += (size_t)sprintf(text + len, "boot: hello\r\nrvm> witness tail\r\n");
        witness_serial_format_head(100, h, hl);
        len += (size_t)sprintf(text + len, "%s\r\n", hl);
        for (int i = 100; i < 200; i++) {
                witness_serial_format(dump_buf[i], line);
                assert_int_equal(strlen(line), 131);
                len += (size_t)sprintf(text + len, "%s%s\r\n", i % 7 ? "" : "rvm> ", line);
                if (i == 150) /* an overlapping second listing repeats records */
                        for (int j = 140; j <= 150; j++) {
                                witness_serial_format(dump_buf[j], line);
                                len += (size_t)sprintf(text + len, "%s\n", line);
                        }
        }
        len += (size_t)sprintf(text + len, "W1 0123abc\n");
        assert_int_equal(wt_load(&in, (uint8_t *)text, len), 0);
        assert_int_equal(in.fmt, WT_SERIAL);
        assert_int_equal(in.malformed, 1);
        assert_memory_equal(in.items[1].raw, dump_buf[100], 64);
        assert_int_equal(wt_verify(&in, &o, &r), 0);
        assert_int_equal(r.records, 100);
        wt_free(&in);
        /* A changed hex digit is a changed record. */
        text[strstr(text, "W1 ") - text + 3 + 40] ^= 1;
        assert_int_equal(wt_load(&in, (uint8_t *)text, len), 0);
        assert_int_equal(wt_verify(&in, &o, &r), 1);
        assert_int_equal(r.bad_seq, 100);
        wt_free(&in);
        free(text);
}

static void test_attest(void **st)
{
        struct witness_attest a, b;
        struct witness_log log;
        struct witness_record r;

        (void)st;
        witness_attest_init(&a);
        witness_attest_init(&b);
        witness_attest_measure(&a, "config", "x", 1, NULL);
        witness_attest_measure(&b, "config", "y", 1, NULL);
        assert_memory_not_equal(a.digest, b.digest, 32);
        log_make(&log, 128, 16);
        assert_int_equal(witness_log_start(&log, a.digest), WITNESS_OK);
        dump_n = 0;
        witness_log_tail(&log, 1, NULL, NULL, dump_cb, NULL);
        witness_record_decode(dump_buf[0], &r);
        assert_int_equal(r.kind, WK_BOOT_ATTEST);
        assert_int_equal(r.seq, 0);
        assert_memory_equal(dump_buf[0] + 16, a.digest, 24);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_ring_tail_verify_emit),
            cmocka_unit_test(test_serial_roundtrip),
            cmocka_unit_test(test_attest),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
