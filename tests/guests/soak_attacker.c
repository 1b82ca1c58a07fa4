/*
 * tests/guests/soak_attacker.c: the hostile partition of `make soak`, attacking for as long
 * as it runs, in rounds: 1,000 hypercalls with random x0..x7 (half in RVM's own function
 * range), 1,000 doorbells on its CommEdge at a peer that never reads, a console burst larger
 * than its buffer, and capability calls with forged handles. Calls that would end it (exit,
 * PSCI off/reset) are left out.
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        static char burst[1024];
        uint64_t seed = 0x50a4ULL, msg[8] = {0};
        struct rvm_edge edge = {0};
        int has_edge = rvm_edge_open(&edge) == 0;

        for (unsigned i = 0; i < sizeof(burst); i++) {
                burst[i] = (char)('a' + i % 26);
        }
        for (uint64_t round = 0;; round++) {
                for (unsigned i = 0; i < 1000; i++) {
                        uint64_t x[8];
                        for (int k = 0; k < 8; k++) {
                                x[k] = grand(&seed);
                        }
                        if (i % 2 == 0) {
                                x[0] = 0xC6000000u | (x[0] & 0x1ff);
                        }
                        uint32_t fid = (uint32_t)x[0];
                        if (fid == RVM_HC_EXIT || fid == RVM_HC_CONSOLE_WRITE ||
                            (fid & 0xbfffffe0u) == 0x84000000u) {
                                continue;
                        }
                        (void)rvm_call8(x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]);
                }
                for (unsigned i = 0; has_edge && i < 1000; i++) {
                        msg[0] = round << 16 | i;
                        (void)rvm_send(&edge, msg);
                        (void)rvm_notify(&edge);
                }
                for (unsigned i = 0; i < 8; i++) {
                        (void)rvm_call(RVM_HC_CONSOLE_WRITE, (uint64_t)(uintptr_t)burst,
                                       sizeof(burst), 0);
                }
                for (unsigned i = 0; i < 100; i++) {
                        (void)rvm_call(RVM_HC_CAP_INSPECT, grand(&seed) | 1, 0, 0);
                }
                rvm_yield();
        }
}
