/*
 * arch/aarch64/guest/guest_io.h: formatted console output for the guests a profile or a test
 * embeds (they link kernel/fmt.c; the text goes out through the console hypercall).
 */
#ifndef RVM_CONFIGS_GUEST_IO_H
#define RVM_CONFIGS_GUEST_IO_H

#include <stdint.h>

#include "arch/aarch64/guest/rvm_guest.h"
#include "kernel/fmt.h"

/* printf with up to two unsigned 64-bit arguments (%llu / %llx / %lld). */
static inline void gprintf(const char *fmt, unsigned long long a, unsigned long long b)
{
        char line[160];

        fmt_format(line, sizeof(line), fmt, a, b);
        rvm_puts(line);
}

#endif
