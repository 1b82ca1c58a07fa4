/*
 * tests/unit/witness_lock_test.c — host tests of what the witness log does with its lock
 * while it writes the store: with release/reacquire given (as the kernel gives them), no
 * flash program or erase runs with the lock held once the log has started, including the
 * tombstones, rotation entries and erases of a store that rotates, and records appended by
 * "another CPU" while the flash is busy are persisted in the next batch, the store still
 * verifying whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "witness/internal.h"
#include "witness/witness.h"

#define BLOCK   1024u /* 16 slots a block */
#define BLOCKS  12u   /* superblock, two anchor blocks, nine log blocks */
#define BATCH   6u
#define RINGCAP 128u

static uint8_t flash[BLOCK * BLOCKS];
static uint8_t ring[RINGCAP][WITNESS_RECORD_SIZE];
static uint8_t marks[RINGCAP / 64][WITNESS_HEAD_SIZE];

static struct {
        struct witness_log *log;
        bool started;    /* counts only flash work after witness_log_start */
        bool others;     /* other CPUs append while the flash is busy */
        bool held;       /* the log's lock */
        unsigned erases; /* erases after start */
        unsigned programs;
        unsigned locked_ops; /* programs or erases after start with the lock held */
        unsigned injected;   /* records "another CPU" appended while the flash was busy */
} t;

static void t_lock(void *c)
{
        (void)c;
        assert_false(t.held); /* single-threaded: never taken twice */
        t.held = true;
}

static void t_unlock(void *c)
{
        (void)c;
        assert_true(t.held);
        t.held = false;
}

/* Another CPU emits while this one programs or erases: a couple of records, never enough
 * to make it flush (it would wait for the writer, which is this very call). */
static void other_cpu_appends(void)
{
        struct witness_log *log = t.log;

        if (!t.others || t.held || log->next_seq - log->flushed_seq + 2 >= BATCH)
                return;
        for (int i = 0; i < 2; i++) {
                struct witness_event ev = {.kind = WK_COMM_SEND, .actor = 9, .target = t.injected};

                assert_int_equal(witness_log_append(log, &ev), WITNESS_OK);
                t.injected++;
        }
}

static int f_read(void *ctx, uint64_t off, void *buf, size_t len)
{
        (void)ctx;
        if (off > sizeof(flash) || len > sizeof(flash) - off)
                return -1;
        memcpy(buf, flash + off, len);
        return 0;
}

static int f_prog(void *ctx, uint64_t off, const void *buf, size_t len)
{
        const uint8_t *b = buf;

        (void)ctx;
        if (off > sizeof(flash) || len > sizeof(flash) - off)
                return -1;
        if (t.started) {
                t.programs++;
                t.locked_ops += t.held;
        }
        for (size_t i = 0; i < len; i++)
                flash[off + i] &= b[i];
        other_cpu_appends();
        return 0;
}

static int f_erase(void *ctx, uint64_t off)
{
        (void)ctx;
        if (off % BLOCK != 0 || off >= sizeof(flash))
                return -1;
        if (t.started) {
                t.erases++;
                t.locked_ops += t.held;
        }
        memset(flash + off, 0xFF, BLOCK);
        other_cpu_appends();
        return 0;
}

static uint64_t now;
static uint64_t clock_fn(void *ctx)
{
        (void)ctx;
        return now += 1000;
}

/*
 * Fill a rotating store several times over (1,000 records, 9 blocks of 16 slots), with the
 * kernel's release/reacquire (release) or the lock held throughout. With release, an epoch
 * ends every third record (room for what other CPUs append) and other CPUs append while the
 * flash is busy, until one last flush takes everything pending. Leaves the log's stats in *ws
 * and checks the store verifies to the last record.
 */
static void fill_rotating(bool release, struct witness_stats *ws)
{
        struct witness_log log;
        struct witness_flash fl = {.read = f_read,
                                   .program = f_prog,
                                   .erase_block = f_erase,
                                   .block_size = BLOCK,
                                   .size = sizeof(flash)};
        struct witness_log_config c = {.ring = ring,
                                       .marks = marks,
                                       .ring_cap = RINGCAP,
                                       .batch_max = BATCH,
                                       .clock_ns = clock_fn,
                                       .key = witness_dev_key,
                                       .key_len = 32,
                                       .lock = t_lock,
                                       .unlock = t_unlock,
                                       .release = release ? t_unlock : NULL,
                                       .reacquire = release ? t_lock : NULL,
                                       .rotate = true};
        struct witness_store_report rep;

        memset(&t, 0, sizeof(t));
        memset(flash, 0, sizeof(flash));
        t.log = &log;
        assert_int_equal(witness_log_init(&log, &c), WITNESS_OK);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        t.started = true;
        t.others = release;
        for (uint32_t i = 0; i < 1000; i++) {
                struct witness_event ev = {.kind = WK_PART_STATE, .actor = 1, .target = i};

                assert_int_equal(witness_log_append(&log, &ev), WITNESS_OK);
                if (release && i % 3 == 2)
                        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        }
        t.others = false; /* then one flush takes everything pending */
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        assert_false(t.held);
        witness_log_stats(&log, ws);
        assert_int_equal(ws->store_state, WITNESS_STORE_OK);
        assert_int_equal(ws->unpersisted, 0);
        assert_true(ws->rotations >= 3);
        assert_int_equal(witness_store_verify(&fl, witness_dev_key, 32, &rep, NULL, NULL),
                         WITNESS_OK);
        assert_int_equal(rep.verdict, WV_OK);
        assert_true(rep.rotated);
        assert_int_equal(rep.next_seq, ws->next_seq);
}

/* With the kernel's locking every program and erase runs with the lock given up, and the
 * records other CPUs appended meanwhile are all persisted. */
static void test_rotation_erases_without_the_lock(void **st)
{
        struct witness_stats ws;

        (void)st;
        fill_rotating(true, &ws);
        assert_true(t.erases >= ws.rotations);
        assert_true(t.programs > 0);
        assert_int_equal(t.locked_ops, 0);
        assert_true(t.injected > 0);
}

/* Without release/reacquire (a log that has no other CPU to let in) the same store is
 * written with the lock held throughout, and rotates the same way. */
static void test_rotation_without_release_keeps_the_lock(void **st)
{
        struct witness_stats ws;

        (void)st;
        fill_rotating(false, &ws);
        assert_int_equal(t.injected, 0);
        assert_int_equal(t.locked_ops, t.programs + t.erases);
        assert_true(t.locked_ops > 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_rotation_erases_without_the_lock),
            cmocka_unit_test(test_rotation_without_release_keeps_the_lock),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
