/*
 * tests/guests/hvc_fuzz.c: 10,000 hypercalls with random x0..x7 (half of them in RVM's
 * own function range, so the real entries see garbage arguments). Calls that would end
 * this partition (exit, PSCI off/reset) are left out so it can report.
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        uint64_t seed = 0x5eed1234abcdULL;
        uint64_t ok = 0;
        uint64_t refused = 0;

        rvm_puts("hvc_fuzz: 10000 random hypercalls\n");
        for (unsigned i = 0; i < 10000; i++) {
                uint64_t x[8];
                for (int k = 0; k < 8; k++) {
                        x[k] = grand(&seed);
                }
                if (i % 2 == 0) {
                        x[0] = 0xC6000000u | (x[0] & 0x1ff);
                }
                uint32_t fid = (uint32_t)x[0];
                if (fid == RVM_HC_EXIT || fid == RVM_HC_CONSOLE_WRITE || fid == RVM_HC_YIELD ||
                    (fid & 0xbfffffe0u) == 0x84000000u) {
                        continue;
                }
                struct rvm_ret r = rvm_call8(x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]);
                if (r.status < 0) {
                        refused++;
                } else {
                        ok++;
                }
        }
        gprintf("hvc_fuzz: done, %llu accepted, %llu refused\n", ok, refused);
        gspin();
}
