/*
 * tests/guests/victim.c: a well-behaved partition that reports steady progress; the
 * hostile scenario checks that it keeps advancing whatever its neighbours do.
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        uint64_t n = 0;
        uint64_t next = rvm_time_ns() + 500000000ULL;

        rvm_puts("victim: alive\n");
        for (;;) {
                for (volatile unsigned i = 0; i < 5000; i++) {
                }
                n++;
                if (rvm_time_ns() >= next) {
                        gprintf("victim: progress %llu\n", n, 0);
                        next += 500000000ULL;
                }
                rvm_wfi();
        }
}
