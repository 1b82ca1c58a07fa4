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
        struct seq_check c = {0};

        if (rvm_edge_open(&edge) != 0) {
                rvm_puts("receiver: no CommEdge\n");
                rvm_exit(1);
        }
        while (c.expect < TOTAL) {
                uint64_t msg[8];
                if (!rvm_recv(&edge, msg)) {
                        rvm_wait(&edge);
                        continue;
                }
                seq_check(&c, msg);
        }
        gprintf("receiver: %llu messages in order; %llu lost,", c.expect, c.lost);
        gprintf(" %llu duplicated or reordered, %llu damaged\n", c.dup, c.damaged);
        rvm_exit(0);
}
