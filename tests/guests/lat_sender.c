/*
 * tests/guests/lat_sender.c: 200 times, does a stretch of work, then sends a message
 * stamped with the virtual counter and rings the doorbell. The receiver measures how long
 * its wake-up took while a CPU hog competes for the same CPU.
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_edge edge;

        if (rvm_edge_open(&edge) != 0) {
                rvm_exit(1);
        }
        for (unsigned i = 0; i < 200; i++) {
                for (volatile unsigned k = 0; k < 20000; k++) {
                }
                uint64_t msg[8] = {i, rvm_read_cntvct(), 0, 0, 0, 0, 0, 0};
                while (!rvm_send(&edge, msg)) {
                        rvm_yield();
                }
                rvm_notify(&edge);
        }
        rvm_puts("lat_sender: done\n");
        rvm_exit(0);
}
