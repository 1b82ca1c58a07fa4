/*
 * tests/unit/witness_chain_test.c: the witness log's records, chain and seals (witness/,
 * and tools/witness's verifier): the record layout; the chain and its seals under the
 * right and a wrong key; the tamper sweep (every bit of every record, deletion, insertion,
 * reordering, duplication, splicing, truncation); forward-secure seals: the in-memory key
 * after seal T cannot re-seal anything sealed before T.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/witness_fixture.h"
#include "witness/internal.h"

static void test_record_layout(void **st)
{
        struct witness_record r = {.seq = 0x0102030405060708ull,
                                   .time_ns = 9,
                                   .target = 10,
                                   .cap = 11,
                                   .payload = 12,
                                   .boot = 0xA0B0C0D0u,
                                   .actor = 14,
                                   .kind = WK_CAP_GRANT,
                                   .tier = 2,
                                   .flags = WITNESS_F_DENIED};
        struct witness_record d;
        uint8_t b[WITNESS_RECORD_SIZE];

        (void)st;
        assert_int_equal(sizeof(struct witness_record), 64);
        memset(r.link, 0xAB, sizeof(r.link));
        witness_record_encode(&r, b);
        assert_int_equal(b[0], 0x08);
        assert_int_equal(b[7], 0x01);
        assert_int_equal(b[40], 0xD0);
        assert_int_equal(b[48], 0x02);
        assert_int_equal(b[49], 0x03);
        assert_int_equal(b[50], 2);
        assert_int_equal(b[51], 1);
        assert_int_equal(b[52], 0xAB);
        witness_record_decode(b, &d);
        assert_memory_equal(&d, &r, sizeof(r));
        assert_int_equal(WK_COH_CUT, 0x0A01);
        assert_int_equal(WK_WIT_RECOVERED, 0x0C03);
        assert_int_equal(WK_MEM_CHECKPOINT, 0x0406);
}

static void test_chain_and_seals(void **st)
{
        static const uint8_t other[32] = "another-key-another-key-another!";
        struct wt_result r;

        (void)st;
        make_dump(1000, 100);
        assert_int_equal(verify_mem(dump_buf, dump_n * 64, witness_dev_key, &r, NULL), 0);
        assert_int_equal(r.records, 1000);
        assert_int_equal(r.seals_ok, 10);
        /* Wrong key: the chain is intact but the first seal fails. */
        assert_int_equal(verify_mem(dump_buf, dump_n * 64, other, &r, NULL), 1);
        assert_int_equal(r.verdict, WV_BAD_SEAL);
        assert_int_equal(r.bad_seq, 100);
        /* A seal re-MACed under the wrong key with its chain recomputed still fails. */
        {
                uint8_t h[32], mac[WITNESS_MAC_SIZE];

                witness_genesis(h);
                for (int i = 0; i < 100; i++)
                        witness_chain_step(h, dump_buf[i]);
                assert_int_equal(witness_seal_mac(other, 32, h, dump_buf[100], mac), WITNESS_OK);
                memcpy(dump_buf[100] + 16, mac, sizeof(mac));
                for (size_t i = 100; i < dump_n; i++)
                        witness_chain_step(h, dump_buf[i]);
                assert_int_equal(verify_mem(dump_buf, dump_n * 64, witness_dev_key, &r, NULL), 1);
                assert_int_equal(r.verdict, WV_BAD_SEAL);
                assert_int_equal(r.bad_seq, 100);
        }
}

static void test_bitflip_sweep(void **st)
{
        static uint8_t heads[1000][32];
        uint8_t h[32];

        (void)st;
        make_dump(1000, 100);
        witness_genesis(h);
        for (int i = 0; i < 1000; i++) {
                memcpy(heads[i], h, 32);
                assert_true(witness_chain_check(h, dump_buf[i]));
        }
        for (int i = 0; i < 1000; i++)
                for (int bit = 0; bit < 512; bit++) {
                        struct witness_verifier v;
                        uint8_t rec[64];

                        memcpy(rec, dump_buf[i], 64);
                        rec[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                        witness_verify_init(&v, heads[i], (uint64_t)i, witness_dev_key, 32);
                        assert_int_not_equal(witness_verify_record(&v, rec), WV_OK);
                        assert_int_equal(v.fault_expected_seq, (uint64_t)i);
                }
}

static void test_delete_insert_reorder(void **st)
{
        static uint8_t b[1002][64], other[1000][64];
        struct wt_result r;
        struct wt_verify_opts o = {.key = witness_dev_key, .key_len = 32};
        uint8_t h[32];

        (void)st;
        make_dump(1000, 100);
        for (int i = 0; i < 1000; i += 37) {
                /* deletion */
                memcpy(b, dump_buf, (size_t)i * 64);
                memcpy(b[i], dump_buf[i + 1], (size_t)(999 - i) * 64);
                /* (Deleting the final record of a dump is a tail cut: see the --expect case.) */
                assert_int_equal(verify_mem(b, 999 * 64, witness_dev_key, &r, NULL),
                                 i == 999 ? 0 : 1);
                if (i != 999) {
                        assert_int_equal(r.verdict, WV_MISSING);
                        assert_int_equal(r.bad_seq, (uint64_t)i);
                }
                /* duplication */
                memcpy(b, dump_buf, (size_t)(i + 1) * 64);
                memcpy(b[i + 1], dump_buf[i], (size_t)(1000 - i) * 64);
                assert_int_equal(verify_mem(b, 1001 * 64, witness_dev_key, &r, NULL), 1);
                assert_int_equal(r.verdict, WV_ORDER);
                assert_int_equal(r.bad_seq, (uint64_t)i + 1);
                /* insertion of a forged record with the right sequence number */
                memcpy(b, dump_buf, (size_t)i * 64);
                memcpy(b[i], dump_buf[i], 64);
                b[i][32] ^= 1;
                memcpy(b[i + 1], dump_buf[i], (size_t)(1000 - i) * 64);
                assert_int_equal(verify_mem(b, 1001 * 64, witness_dev_key, &r, NULL), 1);
                assert_int_equal(r.bad_seq, (uint64_t)i);
                /* reorder */
                if (i < 999) {
                        memcpy(b, dump_buf, 1000 * 64);
                        memcpy(b[i], dump_buf[i + 1], 64);
                        memcpy(b[i + 1], dump_buf[i], 64);
                        assert_int_equal(verify_mem(b, 1000 * 64, witness_dev_key, &r, NULL), 1);
                        assert_int_equal(r.verdict, WV_ORDER);
                        assert_int_equal(r.bad_seq, (uint64_t)i);
                }
        }
        /* splice: the first half of one log, the second half of another */
        memcpy(other, dump_buf, sizeof(other));
        now_ns += 12345;
        make_dump(1000, 100);
        memcpy(b, other, 500 * 64);
        memcpy(b[500], dump_buf[500], 500 * 64);
        assert_int_equal(verify_mem(b, 1000 * 64, witness_dev_key, &r, NULL), 1);
        assert_int_equal(r.verdict, WV_CONTENT);
        assert_int_equal(r.bad_seq, 500);
        /* truncation: mid-record, and at a record boundary against the expected head */
        assert_int_equal(verify_mem(dump_buf, 1000 * 64 - 10, witness_dev_key, &r, NULL), 1);
        assert_int_equal(r.verdict, WV_TAIL_CUT);
        witness_genesis(h);
        for (int i = 0; i < 1000; i++)
                witness_chain_step(h, dump_buf[i]);
        o.have_expect = true;
        o.expect_seq = 1000;
        memcpy(o.expect_head, h, 32);
        assert_int_equal(verify_mem(dump_buf, 1000 * 64, NULL, &r, &o), 0);
        assert_int_equal(verify_mem(dump_buf, 900 * 64, NULL, &r, &o), 1);
        assert_int_equal(r.verdict, WV_TAIL_CUT);
        assert_int_equal(r.bad_seq, 900);
}

/* The in-memory key after seal T cannot re-seal anything sealed before T. */
static void test_forward_secure_seals(void **st)
{
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_keys held, ks;
        struct wt_result r;
        struct wt_verify_opts o = {.key = witness_dev_key, .key_len = 32};
        uint8_t h[32];
        uint64_t t_seq = 0;

        (void)st;
        fake_init(&fk, &fl, 1024, 32);
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        assert_int_equal(log.cfg.key_len, 0); /* the root is gone once the boot started */
        for (int e = 0; e < 6; e++) {
                emit_n(&log, 5, 1);
                assert_int_equal(witness_log_flush(&log), WITNESS_OK);
                if (e == 2) {
                        held = log.keys; /* the attacker reads RVM's memory here (T) */
                        t_seq = log.next_seq;
                }
        }
        /* What RVM held is exactly K(1, 3) and the group root after it. */
        assert_int_equal(witness_keys_seek(&ks, witness_dev_key, 32, 1, 3), WITNESS_OK);
        assert_memory_equal(ks.key, held.key, 32);
        assert_int_equal(held.index, 3);
        assert_int_equal(verify_mem(fk.mem, fk.size, witness_dev_key, &r, NULL), 0);
        /* Rewrite a record before T and re-seal everything from there with every key the
         * attacker can derive (K(1,3) on), the earlier seals with the best it has. */
        fk.mem[3 * 1024 + 3 * 64 + 20] ^= 1;
        witness_genesis(h);
        for (uint64_t i = 0; i < 100; i++) {
                uint8_t *rec = fk.mem + 3 * 1024 + i * 64;
                struct witness_record x;

                if (witness_ws_is_fill(rec, 64, 0xFF))
                        break;
                if (witness_ws_slot_check(rec, witness_ws_magic_batch))
                        continue;
                witness_record_decode(rec, &x);
                if (x.kind == WK_WIT_SEAL) {
                        uint8_t mac[WITNESS_MAC_SIZE];

                        ks = held;
                        while (ks.index < x.actor)
                                witness_keys_evolve(&ks);
                        witness_seal_mac(ks.key, 32, h, rec, mac);
                        memcpy(rec + 16, mac, sizeof(mac));
                }
                witness_chain_step(h, rec);
        }
        assert_int_equal(verify_mem(fk.mem, fk.size, NULL, &r, &o), 1);
        assert_int_equal(r.verdict, WV_BAD_SEAL);
        assert_true(r.bad_seq < t_seq);
        free(fk.mem);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_record_layout),
            cmocka_unit_test(test_chain_and_seals),
            cmocka_unit_test(test_bitflip_sweep),
            cmocka_unit_test(test_delete_insert_reorder),
            cmocka_unit_test(test_forward_secure_seals),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
