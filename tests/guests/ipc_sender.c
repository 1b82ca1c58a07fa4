/*
 * tests/guests/ipc_sender.c: sends 100,000 numbered messages over its CommEdge, ringing
 * the doorbell whenever the ring fills and once at the end.
 */
#include "tests/guests/glib.h"

#define TOTAL 100000u

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_edge edge;

        if (rvm_edge_open(&edge) != 0) {
                rvm_puts("sender: no CommEdge\n");
                rvm_exit(1);
        }
        for (uint64_t seq = 0; seq < TOTAL;) {
                uint64_t msg[8] = {seq, ~seq, seq * 3, 0, 0, 0, 0, 0xfeedULL};
                if (rvm_send(&edge, msg)) {
                        seq++;
                        continue;
                }
                rvm_notify(&edge);
                rvm_yield();
        }
        rvm_notify(&edge);
        gprintf("sender: %llu messages sent\n", TOTAL, 0);
        rvm_exit(0);
}
