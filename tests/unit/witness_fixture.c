/*
 * tests/unit/witness_fixture.c: what the witness tests share: a NOR flash in RAM that can
 * lose power in the middle of a program, the clock, lock and RAM (ring and marks) a log is
 * made over, helpers that append records and dump a RAM log, and the tool's verifier and a
 * record count over a buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/witness_fixture.h"

/* ---- a NOR flash in RAM that can lose power in the middle of a program ---- */

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

void fake_init(struct fake *fk, struct witness_flash *fl, uint32_t bs, uint32_t blocks)
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

uint64_t now_ns;
uint64_t clock_fn(void *ctx)
{
        (void)ctx;
        return now_ns += 1000;
}

uint8_t ring_mem[2048][WITNESS_RECORD_SIZE];
uint8_t mark_mem[2048 / 64][WITNESS_HEAD_SIZE];
int lock_depth, lock_max;
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

void log_make(struct witness_log *log, uint32_t cap, uint32_t batch)
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

void emit_n(struct witness_log *log, int n, uint32_t actor)
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

uint8_t dump_buf[2048][WITNESS_RECORD_SIZE];
size_t dump_n;
void dump_cb(void *ctx, const uint8_t rec[WITNESS_RECORD_SIZE])
{
        (void)ctx;
        memcpy(dump_buf[dump_n++], rec, WITNESS_RECORD_SIZE);
}

void make_dump(int records, int seal_every)
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

int verify_mem(const void *data, size_t len, const uint8_t *key, struct wt_result *r,
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

uint64_t count_kind(struct fake *fk, struct witness_flash *fl, uint16_t kind,
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

char tool_out[16384];

int tool_vrun(int argc, va_list ap)
{
        char *argv[16];
        FILE *out = tmpfile(), *err = tmpfile();
        int rc;
        size_t n;

        argv[0] = "witness";
        for (int i = 1; i <= argc && i < 16; i++)
                argv[i] = va_arg(ap, char *);
        rc = witness_tool_run(argc + 1, argv, out, err);
        rewind(out);
        n = fread(tool_out, 1, sizeof(tool_out) - 1, out);
        tool_out[n] = '\0';
        fclose(out);
        fclose(err);
        return rc;
}

int tool_run(int argc, ...)
{
        va_list ap;
        int rc;

        va_start(ap, argc);
        rc = tool_vrun(argc, ap);
        va_end(ap);
        return rc;
}

bool tool_out_has(const char *s)
{
        if (strstr(tool_out, s) != NULL)
                return true;
        fprintf(stderr, "output lacks '%s':\n%s\n", s, tool_out);
        return false;
}
