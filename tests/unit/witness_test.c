/*
 * tests/unit/witness_test.c — host tests of witness/ and of tools/witness's core: record
 * layout, chain and seals, the tamper sweep (every bit of every record, deletion,
 * insertion, reordering, duplication, splicing, truncation), power cuts at every program
 * step of a batch on a RAM NOR-flash fake, the store-full policy, boot continuation,
 * serial framing, and the command-line tool run in-process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tools/witness/witness_tool.h"
#include "witness/budget.h"
#include "witness/internal.h"
#include "witness/witness.h"

/* ---- a NOR flash in RAM that can lose power in the middle of a program ---- */
struct fake {
        uint8_t *mem;
        size_t size;
        uint32_t bs;
        long budget; /* 64-byte program steps left before the power cut; -1 = none */
        int partial; /* cut program: 0 = first half of the bytes land, 1 = none */
        bool dead;
        int erase_fail;      /* the next erase(s) fail: the power went before them */
        unsigned violations; /* attempts to set a bit by programming */
};

static int f_read(void *ctx, uint64_t off, void *buf, size_t len)
{
        struct fake *f = ctx;

        if (off > f->size || len > f->size - off)
                return -1;
        memcpy(buf, f->mem + off, len);
        return 0;
}

/*
 * NOR programs bytes in order: a program of several 64-byte slots is modelled as that many
 * steps, each spending one unit of budget, so a power cut can land after any slot of a
 * multi-slot program (the store writes a batch's records with one program call).
 */
static int f_prog(void *ctx, uint64_t off, const void *buf, size_t len)
{
        struct fake *f = ctx;
        const uint8_t *b = buf;

        if (f->dead || off > f->size || len > f->size - off)
                return -1;
        for (size_t at = 0; at < len; at += 64) {
                size_t n = len - at < 64 ? len - at : 64;

                if (f->budget == 0) {
                        f->dead = true;
                        for (size_t i = 0; f->partial == 0 && i < n / 2; i++)
                                f->mem[off + at + i] &= b[at + i];
                        return -1;
                }
                if (f->budget > 0)
                        f->budget--;
                for (size_t i = 0; i < n; i++) {
                        if ((f->mem[off + at + i] & b[at + i]) != b[at + i])
                                f->violations++;
                        f->mem[off + at + i] &= b[at + i];
                }
        }
        return 0;
}

static int f_erase(void *ctx, uint64_t off)
{
        struct fake *f = ctx;

        if (f->dead || off % f->bs)
                return -1;
        if (f->erase_fail > 0) {
                f->erase_fail--;
                return -1;
        }
        memset(f->mem + off, 0xFF, f->bs);
        return 0;
}

static void fake_init(struct fake *fk, struct witness_flash *fl, uint32_t bs, uint32_t blocks)
{
        memset(fk, 0, sizeof(*fk));
        fk->size = (size_t)bs * blocks;
        fk->mem = malloc(fk->size);
        assert_non_null(fk->mem);
        memset(fk->mem, 0, fk->size); /* like a fresh zero-filled image file */
        fk->bs = bs;
        fk->budget = -1;
        *fl = (struct witness_flash){.ctx = fk,
                                     .read = f_read,
                                     .program = f_prog,
                                     .erase_block = f_erase,
                                     .block_size = bs,
                                     .size = fk->size};
}

static uint64_t now_ns;
static uint64_t clock_fn(void *ctx)
{
        (void)ctx;
        return now_ns += 1000;
}

static uint8_t ring_mem[2048][WITNESS_RECORD_SIZE];
static uint8_t mark_mem[2048 / 64][WITNESS_HEAD_SIZE];
static int lock_depth, lock_max;
static void t_lock(void *c)
{
        (void)c;
        lock_max = ++lock_depth > lock_max ? lock_depth : lock_max;
}
static void t_unlock(void *c)
{
        (void)c;
        lock_depth--;
}

static void log_make(struct witness_log *log, uint32_t cap, uint32_t batch)
{
        struct witness_log_config c = {.ring = ring_mem,
                                       .marks = mark_mem,
                                       .ring_cap = cap,
                                       .batch_max = batch,
                                       .clock_ns = clock_fn,
                                       .key = witness_dev_key,
                                       .key_len = 32,
                                       .lock = t_lock,
                                       .unlock = t_unlock};

        assert_int_equal(witness_log_init(log, &c), WITNESS_OK);
}

static void emit_n(struct witness_log *log, int n, uint32_t actor)
{
        for (int i = 0; i < n; i++) {
                struct witness_event ev = {.kind = WK_PART_STATE,
                                           .tier = 1,
                                           .actor = actor,
                                           .target = (uint64_t)i,
                                           .payload = (uint64_t)i * 3};

                assert_int_equal(witness_log_append(log, &ev), WITNESS_OK);
        }
}

/* Collect the records of a RAM log (ring large enough) as a raw dump. */
static uint8_t dump_buf[2048][WITNESS_RECORD_SIZE];
static size_t dump_n;
static void dump_cb(void *ctx, const uint8_t rec[WITNESS_RECORD_SIZE])
{
        (void)ctx;
        memcpy(dump_buf[dump_n++], rec, WITNESS_RECORD_SIZE);
}

static void make_dump(int records, int seal_every)
{
        struct witness_log log;

        log_make(&log, 2048, 64);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        for (int i = 1; i < records - 1; i++) {
                if (i % seal_every == 0)
                        assert_int_equal(witness_log_seal(&log), WITNESS_OK);
                else
                        emit_n(&log, 1, (uint32_t)i);
        }
        assert_int_equal(witness_log_seal(&log), WITNESS_OK);
        dump_n = 0;
        witness_log_tail(&log, 2048, NULL, NULL, dump_cb, NULL);
        assert_int_equal(dump_n, (size_t)records);
}

static int verify_mem(const void *data, size_t len, const uint8_t *key, struct wt_result *r,
                      const struct wt_verify_opts *extra)
{
        struct wt_input in;
        struct wt_verify_opts o = {.key = key, .key_len = key ? 32 : 0};
        int rc;

        if (extra)
                o = *extra;
        assert_int_equal(wt_load(&in, data, len), 0);
        rc = wt_verify(&in, &o, r);
        wt_free(&in);
        return rc;
}

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

static int run_tool(const char *out_expect, int argc, ...)
{
        char *argv[16], buf[8192];
        va_list ap;
        FILE *out = tmpfile(), *err = tmpfile();
        int rc;
        size_t n;

        va_start(ap, argc);
        argv[0] = "witness";
        for (int i = 1; i <= argc; i++)
                argv[i] = va_arg(ap, char *);
        va_end(ap);
        rc = witness_tool_run(argc + 1, argv, out, err);
        rewind(out);
        n = fread(buf, 1, sizeof(buf) - 1, out);
        buf[n] = '\0';
        if (out_expect && out_expect[0] == '!' && strstr(buf, out_expect + 1) != NULL) {
                fprintf(stderr, "tool output has '%s':\n%s\n", out_expect + 1, buf);
                rc = 100;
        } else if (out_expect && out_expect[0] != '!' && strstr(buf, out_expect) == NULL) {
                fprintf(stderr, "tool output lacks '%s':\n%s\n", out_expect, buf);
                rc = 100;
        }
        fclose(out);
        fclose(err);
        return rc;
}

static void write_file(const char *path, const void *d, size_t n)
{
        FILE *f = fopen(path, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(d, 1, n, f), n);
        fclose(f);
}

static void test_tool_cli(void **st)
{
        char dir[] = "/tmp/witness_test_XXXXXX", img[64], dmp[64], bad[64];
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_event evs[] = {
            {.kind = WK_PART_CREATE, .target = 1},
            {.kind = WK_PART_STATE, .target = 1, .payload = 1},
            {.kind = WK_MEM_REGION, .actor = 1, .target = 0x10, .payload = 4096},
            {.kind = WK_CAP_CREATE, .actor = 1, .target = 0x10, .cap = 0x100, .payload = 3},
            {.kind = WK_PART_CREATE, .target = 2},
            {.kind = WK_MEM_TRANSFER, .actor = 1, .target = 0x10, .payload = 2},
            {.kind = WK_CAP_DERIVE, .actor = 2, .target = 0x101, .cap = 0x100, .payload = 1},
            {.kind = WK_CAP_REVOKE, .actor = 0, .target = 0x100},
        };

        char keyf[64];
        uint8_t blob[WITNESS_KEY_BLOB];

        (void)st;
        assert_non_null(mkdtemp(dir));
        /* The log's root key, as a key file the tool finds through the environment. */
        snprintf(keyf, sizeof(keyf), "%s/w.key", dir);
        witness_key_blob_make(witness_dev_key, 32, blob);
        write_file(keyf, blob, sizeof(blob));
        setenv("RVM_WITNESS_KEY_FILE", keyf, 1);
        snprintf(img, sizeof(img), "%s/w.img", dir);
        snprintf(dmp, sizeof(dmp), "%s/w.bin", dir);
        snprintf(bad, sizeof(bad), "%s/bad", dir);
        fake_init(&fk, &fl, 1024, 16);
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
                assert_int_equal(witness_log_append(&log, &evs[i]), WITNESS_OK);
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        write_file(img, fk.mem, fk.size);
        assert_int_equal(run_tool("intact: 10 records", 2, "verify", img), 0);
        assert_int_equal(run_tool("anchors: 1 in the journal, 1 authenticated", 2, "verify", img),
                         0);
        /* Without the key the chain verifies but nothing is authenticated: exit 4. */
        assert_int_equal(run_tool("NOT AUTHENTICATED", 3, "verify", img, "--no-key"), 4);
        /* --expect and --start are checked on flash images too. */
        {
                char pt[100], hx[65];
                uint8_t h[32];

                witness_genesis(h);
                for (int i = 0; i < 32; i++)
                        snprintf(hx + 2 * i, 3, "%02x", h[i]);
                snprintf(pt, sizeof(pt), "0:%s", hx);
                assert_int_equal(run_tool("intact", 4, "verify", img, "--start", pt), 0);
                snprintf(pt, sizeof(pt), "3:%s", hx);
                assert_int_equal(run_tool("differs", 4, "verify", img, "--expect", pt), 1);
                snprintf(pt, sizeof(pt), "11:%s", hx);
                assert_int_equal(run_tool("was lost", 4, "verify", img, "--expect", pt), 1);
        }
        /* seq: 0 attest, 1..8 events, 9 seal */
        assert_int_equal(run_tool("cap 0x101 held by 2", 4, "replay", img, "--at", "7"), 0);
        assert_int_equal(run_tool("!cap 0x101", 4, "replay", img, "--at", "8"), 0);
        assert_int_equal(run_tool("!cap 0x100", 4, "replay", img, "--at", "8"), 0);
        assert_int_equal(run_tool("region 0x10 owner 1 size 4096", 4, "replay", img, "--at", "4"),
                         0);
        assert_int_equal(run_tool("cap 0x100 held by 1", 4, "replay", img, "--at", "4"), 0);
        assert_int_equal(run_tool("region 0x10 owner 2", 4, "replay", img, "--at", "7"), 0);
        assert_int_equal(run_tool("seq=6 ", 4, "show", img, "--kind", "MEM_TRANSFER"), 0);
        assert_int_equal(run_tool("family MEMORY: 2", 2, "stats", img), 0);
        assert_int_equal(
            run_tool("\"kind\": \"WK_CAP_REVOKE\"", 5, "export", img, "--json", "--kind", "CAP"),
            0);
        fk.mem[3 * 1024 + 64 * 4 + 33] ^= 0x80; /* slot 4 = seq 3 (slot 0 is the header) */
        write_file(bad, fk.mem, fk.size);
        assert_int_equal(run_tool("first bad record: seq 3", 2, "verify", bad), 1);
        write_file(bad, fk.mem, fk.size / 2);
        assert_int_equal(run_tool("TAMPERED", 2, "verify", bad), 1);
        write_file(bad, "", 0);
        assert_int_equal(run_tool(NULL, 2, "verify", bad), 2);
        write_file(bad, "garbage\n", 8);
        assert_int_not_equal(run_tool(NULL, 2, "verify", bad), 0);
        /* Every command refuses input that is not a witness log. */
        {
                uint8_t rnd[4096];

                for (size_t i = 0; i < sizeof(rnd); i++)
                        rnd[i] = (uint8_t)(i * 7919u >> 3);
                rnd[0] = 3, rnd[1] = rnd[2] = rnd[3] = rnd[4] = rnd[5] = rnd[6] = rnd[7] = 0;
                write_file(bad, rnd, sizeof(rnd));
                assert_int_equal(run_tool(NULL, 2, "show", bad), 2);
                assert_int_equal(run_tool(NULL, 2, "stats", bad), 2);
                assert_int_equal(run_tool(NULL, 3, "export", bad, "--json"), 2);
                assert_int_equal(run_tool(NULL, 4, "replay", bad, "--at", "3"), 2);
                rnd[0] = 0;
                write_file(bad, rnd, sizeof(rnd));
                assert_int_equal(run_tool(NULL, 2, "show", bad), 2);
                assert_int_equal(run_tool(NULL, 2, "stats", bad), 2);
        }
        assert_int_equal(run_tool(NULL, 2, "verify", "/nonexistent/x"), 2);
        assert_int_equal(run_tool(NULL, 3, "verify", img, "--key"), 2);
        assert_int_equal(run_tool(NULL, 2, "replay", img), 2);
        /* A power cut in the middle of the next batch: 3 (lost range), then after a
         * reboot 0 with the recovery noted. */
        fk.mem[3 * 1024 + 64 * 4 + 33] ^= 0x80;
        emit_n(&log, 6, 4);
        fk.budget = 4;
        assert_int_not_equal(witness_log_flush(&log), WITNESS_OK);
        fk.budget = -1;
        fk.dead = false;
        write_file(bad, fk.mem, fk.size);
        assert_int_equal(run_tool("records 13..16 lost", 2, "verify", bad), 3);
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_attach_store(&log, &fl, false), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        write_file(bad, fk.mem, fk.size);
        assert_int_equal(
            run_tool("records 13..16 of the previous boot were lost", 2, "verify", bad), 0);
        assert_int_equal(run_tool("boots: 1..2", 2, "stats", bad), 0);
        /* A serial capture of a tail listing, inside console noise. */
        {
                FILE *f = fopen(dmp, "w");
                char line[WITNESS_SERIAL_LINE_MAX], hl[WITNESS_SERIAL_HEAD_MAX];
                uint8_t h[32];
                uint64_t first;

                assert_non_null(f);
                dump_n = 0;
                witness_log_tail(&log, 5, h, &first, dump_cb, NULL);
                witness_serial_format_head(first, h, hl);
                fprintf(f, "rvm> witness tail 5\r\n%s\r\n", hl);
                for (size_t i = 0; i < dump_n; i++) {
                        witness_serial_format(dump_buf[i], line);
                        fprintf(f, "%s\r\n", line);
                }
                fprintf(f, "rvm> \n");
                fclose(f);
                assert_int_equal(run_tool("serial capture, 4 records", 2, "verify", dmp), 0);
                assert_int_equal(run_tool("kind=WK_WIT_SEAL", 2, "show", dmp), 0);
        }
        make_dump(50, 10);
        write_file(dmp, dump_buf, 50 * 64);
        assert_int_equal(run_tool("raw dump", 2, "verify", dmp), 0);
        assert_int_equal(
            run_tool("bad seal", 4, "verify", dmp, "--key", "00112233445566778899aabbccddeeff"), 1);
        unsetenv("RVM_WITNESS_KEY_FILE");
        unlink(keyf);
        unlink(img);
        unlink(dmp);
        unlink(bad);
        rmdir(dir);
        free(fk.mem);
}

/* The in-memory key after seal T cannot re-seal anything sealed before T; development
 * seals verify only as "not authenticated"; shutdown and unclean ends; the scrub. */
static uint64_t count_kind(struct fake *fk, struct witness_flash *fl, uint16_t kind,
                           struct witness_record *last)
{
        struct wt_input in;
        uint64_t n = 0;

        (void)fl;
        assert_int_equal(wt_load(&in, fk->mem, fk->size), 0);
        for (size_t i = 0; i < in.n; i++) {
                struct witness_record r;

                witness_record_decode(in.items[i].raw, &r);
                if (r.kind == kind) {
                        n++;
                        if (last)
                                *last = r;
                }
        }
        wt_free(&in);
        return n;
}

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
            cmocka_unit_test(test_record_layout),
            cmocka_unit_test(test_chain_and_seals),
            cmocka_unit_test(test_bitflip_sweep),
            cmocka_unit_test(test_delete_insert_reorder),
            cmocka_unit_test(test_boot_continuation),
            cmocka_unit_test(test_power_cut_sweep),
            cmocka_unit_test(test_scan_back_reads_the_newest_records_first_across_boots),
            cmocka_unit_test(test_store_full),
            cmocka_unit_test(test_ring_tail_verify_emit),
            cmocka_unit_test(test_serial_roundtrip),
            cmocka_unit_test(test_attest),
            cmocka_unit_test(test_flash_image_bit_sweep),
            cmocka_unit_test(test_tool_cli),
            cmocka_unit_test(test_forward_secure_seals),
            cmocka_unit_test(test_dev_seals_unclean_scrub),
            cmocka_unit_test(test_denial_budget),
            cmocka_unit_test(test_rotation),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
