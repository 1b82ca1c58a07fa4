/*
 * tests/guests/glib.h: small helpers the test guests share (header-only: each guest is
 * one .c file).
 */
#ifndef RVM_TESTS_GUESTS_GLIB_H
#define RVM_TESTS_GUESTS_GLIB_H

#include <stdint.h>

#include "arch/aarch64/guest/guest_io.h"

static inline uint64_t grand(uint64_t *state)
{
        /* xorshift64*: a deterministic stream for fuzzing */
        uint64_t x = *state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        return x * 0x2545F4914F6CDD1DULL;
}

/* A receiver's account of ipc_sender's numbered messages ({seq, ~seq, seq * 3, .., 0xfeed}). */
struct seq_check {
        uint64_t expect, lost, dup, damaged;
};

static inline void seq_check(struct seq_check *c, const uint64_t msg[8])
{
        if (msg[1] != ~msg[0] || msg[2] != msg[0] * 3 || msg[7] != 0xfeedULL) {
                c->damaged++;
        }
        if (msg[0] > c->expect) {
                c->lost += msg[0] - c->expect;
        } else if (msg[0] < c->expect) {
                c->dup++;
                return;
        }
        c->expect = msg[0] + 1;
}

/* Does the caller hold a device capability (type 4: a lease)? */
static inline int holds_device(void)
{
        for (uint64_t cursor = 0;;) {
                struct rvm_ret r = rvm_call(RVM_HC_CAP_LIST, cursor, 0, 0);
                if (r.x1 == 0) {
                        return 0;
                }
                if ((r.x3 & 0xff) == 4) {
                        return 1;
                }
                cursor = r.x2;
        }
}

static inline __attribute__((noreturn)) void gspin(void)
{
        for (;;) {
                rvm_wfi();
        }
}

#endif
