/*
 * tests/guests/glib.h: small helpers the test guests share (header-only: each guest is
 * one .c file).
 */
#ifndef RVM_TESTS_GUESTS_GLIB_H
#define RVM_TESTS_GUESTS_GLIB_H

#include <stdint.h>

#include "configs/guest_io.h"

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

static inline __attribute__((noreturn)) void gspin(void)
{
        for (;;) {
                rvm_wfi();
        }
}

#endif
