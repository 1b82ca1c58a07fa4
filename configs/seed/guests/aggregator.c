/*
 * configs/seed/guests/aggregator.c: the Seed's reporting node. It waits on its CommEdge
 * (its vCPU blocks until the sensor's doorbell), checks every reading (none lost, repeated,
 * reordered or damaged) and reports the minimum, maximum and mean of each twenty readings
 * (two seconds of samples).
 */
#include <stdint.h>

#include "arch/aarch64/guest/guest_io.h"

#define WINDOW 20u

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_edge edge;
        if (rvm_edge_open(&edge) != 0) {
                rvm_puts("aggregator: no CommEdge capability\n");
                rvm_exit(1);
        }
        rvm_puts("aggregator: waiting for readings\n");
        unsigned long long expect = 0, errors = 0;
        unsigned long long lo = UINT64_MAX, hi = 0, sum = 0, n = 0;
        for (;;) {
                uint64_t msg[8];
                if (!rvm_recv(&edge, msg)) {
                        rvm_wait(&edge);
                        continue;
                }
                if (msg[0] != expect || msg[7] != (msg[0] ^ msg[1] ^ msg[2])) {
                        errors++;
                }
                expect = msg[0] + 1;
                lo = msg[2] < lo ? msg[2] : lo;
                hi = msg[2] > hi ? msg[2] : hi;
                sum += msg[2];
                if (++n == WINDOW) {
                        char line[160];
                        fmt_format(line, sizeof(line),
                                   "aggregator: %llu readings in order, %llu errors; min %llu "
                                   "max %llu mean %llu (centi-degrees)\n",
                                   expect, errors, lo, hi, sum / n);
                        rvm_puts(line);
                        lo = UINT64_MAX, hi = 0, sum = 0, n = 0;
                }
        }
}
