/*
 * tests/unit/witness_store_test.c: the witness log on flash (the RAM NOR-flash fake):
 * boot continuation and the anchor; power cuts at every program step of a batch, the lost
 * range reported and recovered; damage that is not a power cut left as it is; records read
 * back newest first across boots; the store-full policy; every bit of a flash image through
 * the tool's verifier; development seals, shutdown and unclean ends, and the scrub; the
 * anchor journal read with the flash's in-place erased test.
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

/* Boot: attach (format if blank), start with a digest, n records, flush. */
static void boot_once(struct witness_log *log, struct witness_flash *fl, int n, int flush_every)
{
        struct witness_attest a;
        enum witness_err e;

        log_make(log, 256, 16);
        e = witness_log_attach_store(log, fl, true);
        assert_true(e == WITNESS_OK);
        witness_attest_init(&a);
        witness_attest_measure(&a, "image", "kernel", 6, NULL);
        assert_int_equal(witness_log_start(log, a.digest), WITNESS_OK);
        for (int i = 0; i < n; i++) {
                emit_n(log, 1, 7);
                if (flush_every && i % flush_every == flush_every - 1)
                        assert_int_equal(witness_log_flush(log), WITNESS_OK);
        }
        assert_int_equal(witness_log_flush(log), WITNESS_OK);
        assert_int_equal(lock_depth, 0);
}

/* The newest WK_BOOT_RVF or WK_BOOT_RVF_ALLOW that is not denied, as a scan_back visitor. */
static bool newest_verdict(void *ctx, const struct witness_record *r)
{
        struct witness_record *out = ctx;

        if ((r->kind != WK_BOOT_RVF && r->kind != WK_BOOT_RVF_ALLOW) ||
            (r->flags & WITNESS_F_DENIED) != 0)
                return false;
        *out = *r;
        return true;
}

/* Downgrade protection reads records back from the end of the store, newest first, across
 * boots and batches (a visitor picks what it needs). */
static void test_scan_back_reads_the_newest_records_first_across_boots(void **st)
{
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_record r;

        (void)st;
        fake_init(&fk, &fl, 1024, 16);
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_scan_back(&log, newest_verdict, &r), WITNESS_E_NOENT);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        emit_n(&log, 5, 1);
        assert_int_equal(
            witness_log_append(&log, &(struct witness_event){.kind = WK_BOOT_RVF, .target = 7}),
            WITNESS_OK);
        emit_n(&log, 40, 1); /* more batches after it */
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        /* The next boot: the version-7 record, 40 records and two batches back. */
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_scan_back(&log, newest_verdict, &r), WITNESS_OK);
        assert_int_equal(r.kind, WK_BOOT_RVF);
        assert_int_equal(r.target, 7);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        /* A refused (denied) verdict after it is not a boot of that version; an allowance is. */
        assert_int_equal(witness_log_append(
                             &log, &(struct witness_event){.kind = WK_BOOT_RVF_ALLOW, .target = 3}),
                         WITNESS_OK);
        assert_int_equal(witness_log_append(&log, &(struct witness_event){.kind = WK_BOOT_RVF,
                                                                          .flags = WITNESS_F_DENIED,
                                                                          .target = 2}),
                         WITNESS_OK);
        emit_n(&log, 3, 1);
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_scan_back(&log, newest_verdict, &r), WITNESS_OK);
        assert_int_equal(r.kind, WK_BOOT_RVF_ALLOW);
        assert_int_equal(r.target, 3);
        /* Without a store there is nothing to read. */
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_scan_back(&log, newest_verdict, &r), WITNESS_E_NOSTORE);
        free(fk.mem);
}

static uint32_t seen_boots[8];
static size_t seen_n;
static uint64_t seen_last[4][2];
static void seen_cb(void *ctx, uint64_t slot, const uint8_t rec[64])
{
        struct witness_record r;

        (void)ctx, (void)slot;
        witness_record_decode(rec, &r);
        if (r.kind == WK_BOOT_ATTEST && seen_n < 8)
                seen_boots[seen_n++] = r.boot;
        memmove(seen_last[0], seen_last[1], sizeof(seen_last) - sizeof(seen_last[0]));
        seen_last[3][0] = r.kind;
        seen_last[3][1] = r.flags;
}

static void test_boot_continuation(void **st)
{
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_store_report rep;

        (void)st;
        fake_init(&fk, &fl, 1024, 32);
        for (int b = 0; b < 3; b++)
                boot_once(&log, &fl, 40, 3); /* ~14 flushes a boot: anchor blocks rotate */
        seen_n = 0;
        assert_int_equal(witness_store_verify(&fl, witness_dev_key, 32, &rep, seen_cb, NULL),
                         WITNESS_OK);
        assert_int_equal(rep.verdict, WV_OK);
        assert_int_equal(rep.last_boot, 3);
        assert_int_equal(rep.records, rep.next_seq);
        assert_int_equal(rep.records, 3 * (1 + 40 + 14) + 2); /* + WK_WIT_UNCLEAN in boots 2, 3 */
        assert_true(rep.anchored && rep.anchor_ok);
        assert_int_equal(seen_n, 3);
        assert_int_equal(seen_boots[0], 1);
        assert_int_equal(seen_boots[2], 3);
        assert_int_equal(fk.violations, 0);
        /* Cutting sealed batches off the tail is caught by the anchor. */
        memset(fk.mem + fk.size - 0, 0, 0);
        {
                uint64_t end = 3 * 1024 + rep.used_slots * 64;

                memset(fk.mem + end - 5 * 64, 0xFF, 5 * 64);
                assert_int_equal(witness_store_verify(&fl, witness_dev_key, 32, &rep, NULL, NULL),
                                 WITNESS_OK);
                assert_int_equal(rep.verdict, WV_TAIL_CUT);
        }
        free(fk.mem);
}

static void test_power_cut_sweep(void **st)
{
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_store_report rep;
        uint8_t *snap;

        (void)st;
        fake_init(&fk, &fl, 1024, 16);
        log_make(&log, 256, 64);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        emit_n(&log, 20, 1);
        assert_int_equal(witness_log_flush(&log), WITNESS_OK); /* seq 0..21 sealed */
        snap = malloc(fk.size);
        memcpy(snap, fk.mem, fk.size);
        /* The next batch: header (step 0), seq 22..30 + seal 31 (steps 1..10), anchor (11,
         * 12: two slots; a cut there leaves a torn anchor entry, zeroed by the next boot). */
        for (int partial = 0; partial < 2; partial++)
                for (long k = 0; k <= 13; k++) {
                        struct witness_log l2;
                        uint64_t lf = 0, ll = 0;
                        bool lost = false;

                        memcpy(fk.mem, snap, fk.size);
                        fk.dead = false;
                        fk.partial = partial;
                        log = (struct witness_log){0};
                        log_make(&log, 256, 64);
                        assert_int_equal(witness_log_attach_store(&log, &fl, false), WITNESS_OK);
                        assert_int_equal(log.next_seq, 22);
                        emit_n(&log, 9, 2);
                        fk.budget = k;
                        assert_int_equal(witness_log_flush(&log) == WITNESS_OK, k == 13);
                        fk.budget = -1;
                        fk.dead = false;
                        if (k == 0 && partial == 0) {
                                lost = true, lf = 22, ll = UINT64_MAX;
                        } else if (k >= 1 && k <= 10) {
                                lost = true, lf = 22 + (uint64_t)k - 1, ll = 31;
                        }
                        /* The verifier reports the lost range before any recovery. */
                        assert_int_equal(
                            witness_store_verify(&fl, witness_dev_key, 32, &rep, NULL, NULL),
                            WITNESS_OK);
                        assert_int_equal(rep.verdict, lost ? WV_TORN : WV_OK);
                        if (lost) {
                                assert_int_equal(rep.lost_first, lf);
                                assert_int_equal(rep.lost_last, ll);
                        }
                        /* Reboot. */
                        log_make(&l2, 256, 64);
                        assert_int_equal(witness_log_attach_store(&l2, &fl, false), WITNESS_OK);
                        assert_int_equal(l2.st.lost, lost);
                        assert_int_equal(l2.next_seq, lost ? lf : (k == 0 ? 22 : 32));
                        assert_int_equal(l2.boot, k >= 2 ? 3 : 2); /* last persisted boot + 1 */
                        if (lost) {
                                assert_int_equal(l2.st.lost_first, lf);
                                assert_int_equal(l2.st.lost_last, ll);
                                assert_true(l2.st.recovered);
                        }
                        assert_int_equal(witness_log_start(&l2, NULL), WITNESS_OK);
                        emit_n(&l2, 5, 3);
                        assert_int_equal(witness_log_flush(&l2), WITNESS_OK);
                        assert_int_equal(
                            witness_store_verify(&fl, witness_dev_key, 32, &rep, NULL, NULL),
                            WITNESS_OK);
                        assert_int_equal(rep.verdict, WV_OK);
                        assert_int_equal(rep.records, rep.next_seq); /* 0.. all present */
                        assert_true(rep.next_seq >= 22 + 7);
                        assert_int_equal(fk.violations, 0);
                }
        /* Damage that is not a power cut (here: the anchored seal, slot 22, which boot
         * checks): open refuses to write over it. */
        memcpy(fk.mem, snap, fk.size);
        fk.mem[3 * 1024 + 22 * 64 + 20] ^= 4;
        memcpy(snap, fk.mem, fk.size);
        log_make(&log, 256, 64);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_E_CORRUPT);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        emit_n(&log, 40, 1);
        assert_memory_equal(fk.mem, snap, fk.size);
        /* A superblock that is neither valid nor blank: not formatted over, and witnessed. */
        memset(fk.mem, 0x55, 64);
        memcpy(snap, fk.mem, fk.size);
        log_make(&log, 256, 64);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_E_CORRUPT);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        dump_n = 0;
        witness_log_tail(&log, 1, NULL, NULL, dump_cb, NULL);
        assert_int_equal(dump_buf[0][48] | dump_buf[0][49] << 8, WK_WIT_STORE_FULL);
        assert_int_equal(dump_buf[0][32], WITNESS_STOP_CORRUPT);
        assert_memory_equal(fk.mem, snap, fk.size);
        free(snap);
        free(fk.mem);
}

static void test_store_full(void **st)
{
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_store_report rep;
        struct witness_stats s;
        uint8_t *snap;
        int i;

        (void)st;
        fake_init(&fk, &fl, 1024, 8); /* 80 log slots */
        log_make(&log, 128, 8);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        for (i = 0; i < 500 && log.store_state == WITNESS_STORE_OK; i++)
                emit_n(&log, 1, 1);
        assert_int_equal(log.store_state, WITNESS_STORE_FULL);
        assert_true(log.wslot <= 80);
        seen_n = 0;
        assert_int_equal(witness_store_verify(&fl, witness_dev_key, 32, &rep, seen_cb, NULL),
                         WITNESS_OK);
        assert_int_equal(rep.verdict, WV_OK);
        assert_int_equal(seen_last[2][0], WK_WIT_STORE_FULL);
        assert_int_equal(seen_last[3][0], WK_WIT_SEAL);
        snap = malloc(fk.size);
        memcpy(snap, fk.mem, fk.size);
        emit_n(&log, 300, 1); /* RAM only now: counted, never silently */
        assert_int_equal(witness_log_flush(&log), WITNESS_E_NOSTORE);
        witness_log_stats(&log, &s);
        assert_true(s.unpersisted >= 300);
        assert_int_equal(s.store_state, WITNESS_STORE_FULL);
        assert_int_equal(witness_log_verify_ring(&log, NULL), WV_OK);
        assert_memory_equal(fk.mem, snap, fk.size);
        /* Next boot: still full, says so in its own (RAM) chain, writes nothing. */
        log_make(&log, 128, 8);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_E_FULL);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        {
                uint8_t h[32];
                uint64_t first;

                dump_n = 0;
                assert_int_equal(witness_log_tail(&log, 2, h, &first, dump_cb, NULL), 2);
                assert_int_equal(dump_buf[1][48] | dump_buf[1][49] << 8, WK_WIT_STORE_FULL);
                assert_int_equal(dump_buf[1][51] & WITNESS_F_NOSTORE, WITNESS_F_NOSTORE);
        }
        assert_memory_equal(fk.mem, snap, fk.size);
        free(snap);
        free(fk.mem);
}

/* End to end through the tool's core on a flash image: every bit of every record slot. */
static void test_flash_image_bit_sweep(void **st)
{
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_store_report rep;
        uint64_t base = 3 * 1024;

        (void)st;
        fake_init(&fk, &fl, 1024, 8);
        log_make(&log, 128, 8);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        emit_n(&log, 20, 5); /* auto-flushes every 8: headers, seals and anchors */
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        assert_int_equal(witness_store_verify(&fl, witness_dev_key, 32, &rep, NULL, NULL),
                         WITNESS_OK);
        assert_int_equal(rep.verdict, WV_OK);
        for (uint64_t slot = 0; slot < rep.used_slots; slot++) {
                uint8_t *p = fk.mem + base + slot * 64;
                uint8_t magic[8];
                uint64_t seq;

                memcpy(magic, p, 8);
                if (memcmp(magic, "RVMWBAT1", 8) == 0)
                        continue; /* batch headers are not records */
                seq = (uint64_t)p[0] | (uint64_t)p[1] << 8;
                for (int bit = 0; bit < 512; bit++) {
                        struct wt_result r;

                        p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                        assert_int_equal(verify_mem(fk.mem, fk.size, witness_dev_key, &r, NULL), 1);
                        assert_int_equal(r.bad_seq, seq);
                        p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                }
        }
        free(fk.mem);
}

/* The flash's optional in-place erased test (hal_pflash_erased in RVM). */
static int erased_in_place(void *ctx, uint64_t off, size_t len)
{
        struct fake *f = ctx;

        if (off > f->size || len > f->size - off)
                return -1;
        for (size_t i = 0; i < len; i++)
                if (f->mem[off + i] != 0xFF)
                        return 0;
        return 1;
}

static int erased_fails(void *ctx, uint64_t off, size_t len)
{
        (void)ctx;
        (void)off;
        (void)len;
        return -1;
}

static void journal_read(struct witness_flash *fl, struct witness_ws_journal *j)
{
        assert_int_equal(witness_ws_read_journal(fl, j, NULL, NULL), WITNESS_OK);
}

static void journals_agree(const struct witness_ws_journal *a, const struct witness_ws_journal *b)
{
        assert_int_equal(a->found, b->found);
        assert_int_equal(a->best.seal_seq, b->best.seal_seq);
        assert_int_equal(a->rot_found, b->rot_found);
        assert_int_equal(a->active_block, b->active_block);
        assert_int_equal(a->next_free, b->next_free);
        assert_int_equal(a->entries, b->entries);
        assert_int_equal(a->bad, b->bad);
        assert_int_equal(a->first_bad, b->first_bad);
        assert_int_equal(a->torn, b->torn);
        assert_int_equal(a->torn_off, b->torn_off);
}

/* The anchor journal read with the flash's erased test (runs of 32 erased entries skipped
 * whole) finds exactly what reading every entry finds: the same best anchor and counts,
 * and an entry damaged in the middle of an erased run is still found, at the same index.
 * A flash that cannot answer is a flash error, not an erased run. 8 KiB blocks: 64 entries
 * a journal block, so runs are used. */
static void test_journal_erased_runs_skip_nothing_that_counts(void **st)
{
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_ws_journal plain, fast;
        const uint32_t bs = 8192;

        (void)st;
        fake_init(&fk, &fl, bs, 8);
        for (int b = 0; b < 3; b++)
                boot_once(&log, &fl, 20, 8);
        journal_read(&fl, &plain);
        assert_true(plain.found);
        assert_true(plain.entries >= 3);
        fl.erased = erased_in_place;
        journal_read(&fl, &fast);
        journals_agree(&plain, &fast);

        /* Garbage in an erased entry: the first after an erased run of the other block
         * (a skip one entry too far would miss it), then inside a run of the active one. */
        const uint32_t per = bs / WS_ANCHOR_SIZE;
        const uint32_t blocks[2] = {1 - plain.active_block, plain.active_block};
        const uint32_t at[2] = {32, 40};
        for (int k = 0; k < 2; k++) {
                uint64_t off =
                    (uint64_t)(WS_ANCHOR_BLOCK0 + blocks[k]) * bs + at[k] * WS_ANCHOR_SIZE;
                assert_int_equal(fk.mem[off + 9], 0xFF);
                fk.mem[off + 9] = 0x5A;
                fl.erased = NULL;
                journal_read(&fl, &plain);
                fl.erased = erased_in_place;
                journal_read(&fl, &fast);
                assert_int_equal(plain.bad, 1);
                assert_int_equal(plain.first_bad, (uint64_t)blocks[k] * per + at[k]);
                journals_agree(&plain, &fast);
                fk.mem[off + 9] = 0xFF; /* back to erased (as if the block were erased again) */
        }

        fl.erased = erased_fails;
        assert_int_equal(witness_ws_read_journal(&fl, &fast, NULL, NULL), WITNESS_E_FLASH);
        free(fk.mem);
}

/* Development seals verify only as "not authenticated"; shutdown and unclean ends; the
 * scrub. */
/* witness_ws_is_fill: word-wise on aligned buffers, bytewise at odd offsets and tails. */
static void test_is_fill_every_byte(void **st)
{
        _Alignas(8) uint8_t buf[136];

        (void)st;
        for (size_t start = 0; start < 8; start++) {
                for (size_t n = 0; n + start <= 128; n += 13) {
                        for (unsigned v = 0; v < 256; v += 255) {
                                memset(buf, (int)v, sizeof(buf));
                                assert_true(witness_ws_is_fill(buf + start, n, (uint8_t)v));
                                for (size_t i = 0; i < n; i++) {
                                        buf[start + i] ^= 0x10;
                                        assert_false(
                                            witness_ws_is_fill(buf + start, n, (uint8_t)v));
                                        buf[start + i] ^= 0x10;
                                }
                        }
                }
        }
}

static void test_dev_seals_unclean_scrub(void **st)
{
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_log_config c = {.ring = ring_mem,
                                       .marks = mark_mem,
                                       .ring_cap = 256,
                                       .batch_max = 16,
                                       .clock_ns = clock_fn,
                                       .key = NULL};
        struct witness_record last;
        struct wt_result r;
        struct witness_stats ws;

        (void)st;
        fake_init(&fk, &fl, 1024, 32);
        /* boot 1 without a key: development seals; a clean shutdown */
        assert_int_equal(witness_log_init(&log, &c), WITNESS_OK);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        emit_n(&log, 20, 1);
        assert_int_equal(witness_log_shutdown(&log), WITNESS_OK);
        assert_int_equal(verify_mem(fk.mem, fk.size, NULL, &r, NULL), 0);
        assert_true(r.seals_dev >= 2 && r.seals_ok == 0);
        assert_int_equal(count_kind(&fk, &fl, WK_WIT_SHUTDOWN, NULL), 1);
        /* boot 2 (keyed): clean start, no UNCLEAN; it ends without a shutdown */
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_attach_store(&log, &fl, false), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        assert_false(log.st.unclean);
        emit_n(&log, 20, 1);
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        emit_n(&log, 3, 1); /* RAM only when the power goes */
        uint64_t persisted = log.flushed_seq - 1;
        /* boot 3: names the last persisted record of boot 2 */
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_attach_store(&log, &fl, false), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        assert_true(log.st.unclean);
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        assert_int_equal(count_kind(&fk, &fl, WK_WIT_UNCLEAN, &last), 1);
        assert_int_equal(last.target, persisted);
        assert_int_equal(last.payload, 2);
        /* the scrub: a whole clean pass, then damage before the anchor is found */
        while (witness_log_scrub_step(&log, 7, 0) == WITNESS_SCRUB_WORKED)
                ;
        witness_log_stats(&log, &ws);
        assert_int_equal(ws.scrub_passes, 1);
        assert_false(ws.scrub_alarm);
        assert_true(ws.scrub_records >= log.flushed_seq);
        fk.mem[3 * 1024 + 6 * 64 + 24] ^= 2; /* seq 5 */
        while (witness_log_scrub_step(&log, 7, 0) == WITNESS_SCRUB_WORKED)
                ;
        witness_log_stats(&log, &ws);
        assert_true(ws.scrub_alarm);
        assert_int_equal(ws.scrub_bad_seq, 5);
        assert_int_equal(ws.scrub_verdict, WV_CONTENT);
        assert_int_equal(witness_log_scrub_step(&log, 7, 0), WITNESS_SCRUB_IDLE);
        dump_n = 0;
        witness_log_tail(&log, 1, NULL, NULL, dump_cb, NULL);
        assert_int_equal(dump_buf[0][48] | dump_buf[0][49] << 8, WK_WIT_ALARM);
        assert_int_equal(verify_mem(fk.mem, fk.size, witness_dev_key, &r, NULL), 1);
        assert_int_equal(r.bad_seq, 5);
        free(fk.mem);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_boot_continuation),
            cmocka_unit_test(test_power_cut_sweep),
            cmocka_unit_test(test_scan_back_reads_the_newest_records_first_across_boots),
            cmocka_unit_test(test_store_full),
            cmocka_unit_test(test_flash_image_bit_sweep),
            cmocka_unit_test(test_dev_seals_unclean_scrub),
            cmocka_unit_test(test_is_fill_every_byte),
            cmocka_unit_test(test_journal_erased_runs_skip_nothing_that_counts),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
