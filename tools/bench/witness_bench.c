/*
 * tools/bench/witness_bench.c — host cost of the witness log: append (RAM ring, and with a
 * RAM-backed NOR store and epoch batching), verify throughput, and the raw mbedTLS SHA-256
 * cost of the bytes each record hashes (previous head || 52 content bytes), so the ratio
 * shows the log's own overhead. Prints only "BENCH <name> <value> <unit>" lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbedtls/sha256.h"
#include "witness/witness.h"

#define N_APPEND 400000
#define N_VERIFY 200000
#define RING     4096

static uint8_t ring[RING][WITNESS_RECORD_SIZE];
static uint8_t marks[RING / 64][WITNESS_HEAD_SIZE];
static uint8_t dump[N_VERIFY][WITNESS_RECORD_SIZE];

static double now(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static uint64_t fake_clock(void *ctx)
{
        return ++*(uint64_t *)ctx;
}

static uint8_t *flash_mem;
static int fr(void *c, uint64_t o, void *b, size_t n)
{
        (void)c;
        memcpy(b, flash_mem + o, n);
        return 0;
}
static int fp(void *c, uint64_t o, const void *b, size_t n)
{
        (void)c;
        for (size_t i = 0; i < n; i++)
                flash_mem[o + i] &= ((const uint8_t *)b)[i];
        return 0;
}
static int fe(void *c, uint64_t o)
{
        (void)c;
        memset(flash_mem + o, 0xFF, 65536);
        return 0;
}

static void make_log(struct witness_log *log, uint64_t *clk, uint32_t batch)
{
        struct witness_log_config cfg = {.ring = ring,
                                         .marks = marks,
                                         .ring_cap = RING,
                                         .batch_max = batch,
                                         .clock_ns = fake_clock,
                                         .clock_ctx = clk,
                                         .key = witness_dev_key,
                                         .key_len = 32};

        if (witness_log_init(log, &cfg) != WITNESS_OK)
                exit(1);
}

static double best_of(int runs, double (*fn)(void))
{
        double best = 1e30;

        for (int i = 0; i < runs; i++) {
                double v = fn();

                best = v < best ? v : best;
        }
        return best;
}

static double run_append(void)
{
        static struct witness_log log;
        uint64_t clk = 0;
        struct witness_event ev = {.kind = WK_COMM_SEND, .actor = 3, .target = 7};
        double t0;

        make_log(&log, &clk, 1024);
        t0 = now();
        for (int i = 0; i < N_APPEND; i++) {
                ev.payload = (uint64_t)i;
                witness_log_append(&log, &ev);
        }
        return (now() - t0) / N_APPEND;
}

static double run_sha(void)
{
        uint8_t buf[WITNESS_HEAD_SIZE + WITNESS_CONTENT_SIZE], out[32];
        double t0;

        memset(buf, 0x5A, sizeof(buf));
        t0 = now();
        for (int i = 0; i < N_APPEND; i++) {
                buf[0] = (uint8_t)i;
                mbedtls_sha256_ret(buf, sizeof(buf), out, 0);
                buf[1] ^= out[0];
        }
        return (now() - t0) / N_APPEND;
}

static double run_store_append(void)
{
        static struct witness_log log;
        uint64_t clk = 0;
        struct witness_flash f = {
            .read = fr, .program = fp, .erase_block = fe, .block_size = 65536, .size = 64u << 20};
        struct witness_event ev = {.kind = WK_COMM_SEND, .actor = 3, .target = 7};
        double t0;
        int n = 200000;

        make_log(&log, &clk, 256);
        memset(flash_mem, 0xFF, 64u << 20);
        if (witness_log_attach_store(&log, &f, true) != WITNESS_OK)
                exit(1);
        t0 = now();
        for (int i = 0; i < n; i++) {
                ev.payload = (uint64_t)i;
                witness_log_append(&log, &ev);
        }
        witness_log_flush(&log);
        return (now() - t0) / n;
}

static void collect(void *ctx, const uint8_t rec[WITNESS_RECORD_SIZE])
{
        size_t *n = ctx;

        memcpy(dump[(*n)++], rec, WITNESS_RECORD_SIZE);
}

static size_t dump_n;
static double run_verify(void)
{
        struct witness_verifier v;
        double t0 = now();

        witness_verify_init(&v, NULL, 0, witness_dev_key, 32);
        for (size_t i = 0; i < dump_n; i++)
                if (witness_verify_record(&v, dump[i]) != WV_OK)
                        exit(1);
        return (double)dump_n / ((now() - t0) / 1e9);
}

int main(void)
{
        static struct witness_log log;
        uint64_t clk = 0;
        struct witness_event ev = {.kind = WK_PART_STATE};
        double append, sha, verify = 0, store;

        witness_crypto_init();
        flash_mem = malloc(64u << 20);
        if (flash_mem == NULL)
                return 1;
        /* A 200k-record log sealed every 1000 records, for the verifier. */
        make_log(&log, &clk, 1024);
        for (int i = 0; i < N_VERIFY; i++) {
                if (i % 1000 == 999)
                        witness_log_seal(&log);
                else
                        witness_log_append(&log, &ev);
                if (log.next_seq % RING == 0) {
                        size_t before = dump_n;

                        witness_log_tail(&log, RING, NULL, NULL, collect, &dump_n);
                        if (dump_n - before != RING)
                                return 1;
                }
        }
        for (int i = 0; i < 3; i++) {
                double v = run_verify();

                verify = v > verify ? v : verify;
        }
        /* Interleaved, best of 7 each: both see the same machine load. */
        append = sha = 1e30;
        for (int i = 0; i < 7; i++) {
                double a = run_append(), h = run_sha();

                append = a < append ? a : append;
                sha = h < sha ? h : sha;
        }
        store = best_of(3, run_store_append);
        printf("BENCH witness_append_host %.1f ns/record\n", append);
        printf("BENCH witness_append_store_host %.1f ns/record\n", store);
        printf("BENCH witness_sha256_raw_host %.1f ns/record\n", sha);
        printf("BENCH witness_append_over_sha256 %.2f ratio\n", append / sha);
        printf("BENCH witness_verify_host %.0f records/s\n", verify);
        free(flash_mem);
        return 0;
}
