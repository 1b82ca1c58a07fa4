/*
 * tests/guests/lat_receiver.c: blocks on its CommEdge; for each message, the time from
 * the sender's stamp to this partition running again is its wake-up latency. Reports the
 * worst of 200 in virtual-counter ticks (16 instructions each under QEMU -icount shift=0).
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_edge edge;
        uint64_t worst = 0;

        if (rvm_edge_open(&edge) != 0) {
                rvm_exit(1);
        }
        for (unsigned got = 0; got < 200;) {
                uint64_t msg[8];
                if (!rvm_recv(&edge, msg)) {
                        rvm_wait(&edge);
                        continue;
                }
                uint64_t lat = rvm_read_cntvct() - msg[1];
                if (lat > worst) {
                        worst = lat;
                }
                got++;
        }
        gprintf("lat_receiver: worst wake-up latency %llu ticks over %llu messages\n", worst, 200);
        rvm_exit(0);
}
