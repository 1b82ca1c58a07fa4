/*
 * tests/guests/fp_keeper.c: checks that RVM keeps each partition's FP/SIMD registers its
 * own. Two of these run on one CPU; each fills V0-V31 with its own values, yields to the
 * other, and counts corrupted registers, 2,000 times.
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        uint64_t self = rvm_call(RVM_HC_SELF, 0, 0, 0).x1;
        uint64_t bad = 0;

        for (uint64_t round = 0; round < 2000; round++) {
                bad += rvm_fp_yield_check(self << 40 | round << 8);
        }
        gprintf("fp_keeper: partition %llu: 2000 rounds, %llu corrupted registers\n", self, bad);
        rvm_exit(0);
}
