/*
 * configs/seed/guests/aggregator.c: the Seed's reporting node. It waits on its CommEdge
 * (its vCPU blocks until the sensor's doorbell), checks every reading (none lost, repeated,
 * reordered or damaged) and reports the minimum, maximum and mean of each twenty readings
 * (two seconds of samples; say.h: no kernel/fmt.c).
 */
#include <stdint.h>

#include "arch/aarch64/guest/rvm_guest.h"
#include "configs/seed/guests/say.h"

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
        uint64_t expect = 0, errors = 0;
        uint64_t lo = UINT64_MAX, hi = 0, sum = 0, n = 0;
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
                        say((const char *const[]){"aggregator: ", " readings in order, ",
                                                  " errors; min ", " max ", " mean ",
                                                  " (centi-degrees)"},
                            (const uint64_t[]){expect, errors, lo, hi, sum / n}, 5);
                        lo = UINT64_MAX, hi = 0, sum = 0, n = 0;
                }
        }
}
