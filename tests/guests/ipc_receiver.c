/*
 * tests/guests/ipc_receiver.c: receives the sender's 100,000 messages and checks that
 * none is lost, duplicated, reordered or damaged; waits on the edge when it is empty.
 */
#include "tests/guests/glib.h"

#define TOTAL 100000u

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_edge edge;
        uint64_t expect = 0, lost = 0, dup = 0, damaged = 0;

        if (rvm_edge_open(&edge) != 0) {
                rvm_puts("receiver: no CommEdge\n");
                rvm_exit(1);
        }
        while (expect < TOTAL) {
                uint64_t msg[8];
                if (!rvm_recv(&edge, msg)) {
                        rvm_wait(&edge);
                        continue;
                }
                if (msg[1] != ~msg[0] || msg[2] != msg[0] * 3 || msg[7] != 0xfeedULL) {
                        damaged++;
                }
                if (msg[0] > expect) {
                        lost += msg[0] - expect;
                } else if (msg[0] < expect) {
                        dup++;
                        continue;
                }
                expect = msg[0] + 1;
        }
        gprintf("receiver: %llu messages in order; %llu lost,", expect, lost);
        gprintf(" %llu duplicated or reordered, %llu damaged\n", dup, damaged);
        rvm_exit(0);
}
