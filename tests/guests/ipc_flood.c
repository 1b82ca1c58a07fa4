/*
 * tests/guests/ipc_flood.c: rings its CommEdge's doorbell 20,000 times in a tight loop
 * (every ring is a capability check and a witness record) at a peer that never reads.
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_edge edge;

        if (rvm_edge_open(&edge) != 0) {
                rvm_exit(1);
        }
        uint64_t msg[8] = {0};
        for (unsigned i = 0; i < 20000; i++) {
                rvm_send(&edge, msg); /* fills the ring, then fails quietly */
                rvm_notify(&edge);
        }
        rvm_puts("ipc_flood: 20000 doorbells rung\n");
        gspin();
}
