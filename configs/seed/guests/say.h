/*
 * configs/seed/guests/say.h: the Seed guests' one output routine, a line of text and
 * unsigned decimals put together by hand. kernel/fmt.c (guest_io.h's gprintf) would add
 * 1.4 KiB to each guest, and both are linked into the Seed's 64 KiB image; in the sensor it
 * would also push the 2 KiB-aligned vector table a page further.
 */
#ifndef RVM_CONFIGS_SEED_GUESTS_SAY_H
#define RVM_CONFIGS_SEED_GUESTS_SAY_H

#include <stdint.h>

#include "arch/aarch64/guest/rvm_guest.h"

/* Print text[0] num[0] text[1] ... num[n - 1] text[n] and a newline (at most 159 bytes). */
static void say(const char *const text[], const uint64_t num[], unsigned n)
{
        char line[160], *p = line, *end = line + sizeof(line) - 22; /* room for a number */

        for (unsigned i = 0;; i++) {
                for (const char *s = text[i]; *s && p < end; s++) {
                        *p++ = *s;
                }
                if (i == n) {
                        break;
                }
                char digits[20];
                unsigned d = 0;
                uint64_t v = num[i];
                do {
                        digits[d++] = (char)('0' + v % 10u);
                        v /= 10u;
                } while (v);
                while (d) {
                        *p++ = digits[--d];
                }
        }
        *p++ = '\n';
        *p = 0;
        rvm_puts(line);
}

#endif
