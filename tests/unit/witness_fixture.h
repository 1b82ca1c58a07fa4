/*
 * tests/unit/witness_fixture.h: the flash fake, the log's clock, lock and memory, and the
 * record helpers the witness_*_test.c files share (tests/unit/witness_fixture.c).
 */
#ifndef RVM_TESTS_WITNESS_FIXTURE_H
#define RVM_TESTS_WITNESS_FIXTURE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/witness/witness_tool.h"
#include "witness/witness.h"

/* A NOR flash in RAM that can lose power in the middle of a program (a power cut after
 * budget 64-byte program steps). */
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
/* blocks blocks of bs bytes, zero-filled like a fresh image file; no power cut pending. */
void fake_init(struct fake *fk, struct witness_flash *fl, uint32_t bs, uint32_t blocks);

/* The log's clock (1 us a reading), its RAM and its lock (nesting depth, and the deepest). */
extern uint64_t now_ns;
uint64_t clock_fn(void *ctx);
extern uint8_t ring_mem[2048][WITNESS_RECORD_SIZE];
extern uint8_t mark_mem[2048 / 64][WITNESS_HEAD_SIZE];
extern int lock_depth, lock_max;

/* A log over ring_mem with cap records in RAM and batches of batch, keyed with the
 * development key. */
void log_make(struct witness_log *log, uint32_t cap, uint32_t batch);
/* n WK_PART_STATE records from actor. */
void emit_n(struct witness_log *log, int n, uint32_t actor);

/* Collect the records of a RAM log (ring large enough) as a raw dump. */
extern uint8_t dump_buf[2048][WITNESS_RECORD_SIZE];
extern size_t dump_n;
void dump_cb(void *ctx, const uint8_t rec[WITNESS_RECORD_SIZE]);
/* A RAM log of records records (every seal_every-th a seal), dumped into dump_buf. */
void make_dump(int records, int seal_every);

/* tools/witness's verifier over a buffer: with key, or with extra's options. */
int verify_mem(const void *data, size_t len, const uint8_t *key, struct wt_result *r,
               const struct wt_verify_opts *extra);
/* How many records of kind the flash holds; the last of them into last. */
uint64_t count_kind(struct fake *fk, struct witness_flash *fl, uint16_t kind,
                    struct witness_record *last);

/* Run `witness ARGS...` (argc of them): its status; its standard output in tool_out. */
extern char tool_out[16384];
int tool_run(int argc, ...);
int tool_vrun(int argc, va_list ap);
/* Does tool_out hold s? (If not, it is printed, for the failing test's log.) */
bool tool_out_has(const char *s);

#endif
