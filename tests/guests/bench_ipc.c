/*
 * tests/guests/bench_ipc.c: the `ipc_send_recv` benchmark (QEMU -icount shift=0, virtual
 * counter = instructions / 16). Two partitions on one CPU ping-pong one message over their
 * CommEdge: send + doorbell, the peer wakes from wait, receives, and answers the same way.
 * Half a round trip is one message from one partition to the other. Then the same with the
 * doorbell and the wait in one call (EDGE_NOTIFY_WAIT) on both sides: `ipc_call`. msg[1]
 * tells the echo side which way to answer.
 */
#include "tests/guests/glib.h"

#define ROUNDS 1000

static void recv_one(struct rvm_edge *e, uint64_t msg[8])
{
        while (!rvm_recv(e, msg)) {
                rvm_wait(e);
        }
}

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_edge edge;
        uint64_t msg[8] = {0};
        uint64_t self = rvm_call(RVM_HC_SELF, 0, 0, 0).x1;

        if (rvm_edge_open(&edge) != 0) {
                rvm_exit(1);
        }
        if (self != 1) {
                recv_one(&edge, msg);
                for (;;) { /* the echo side */
                        rvm_send(&edge, msg);
                        if (msg[1] != 0) {
                                rvm_notify_wait(&edge);
                        } else {
                                rvm_notify(&edge);
                        }
                        recv_one(&edge, msg);
                }
        }
        uint64_t t0 = rvm_read_cntvct();
        for (uint64_t i = 0; i < ROUNDS; i++) {
                msg[0] = i;
                rvm_send(&edge, msg);
                rvm_notify(&edge);
                recv_one(&edge, msg);
        }
        uint64_t ticks = rvm_read_cntvct() - t0;
        gprintf("BENCH ipc_send_recv %llu instructions\n", ticks * 16 / ROUNDS / 2, 0);
        msg[1] = 1;
        t0 = rvm_read_cntvct();
        for (uint64_t i = 0; i < ROUNDS; i++) {
                msg[0] = i;
                rvm_send(&edge, msg);
                rvm_notify_wait(&edge);
                recv_one(&edge, msg);
        }
        ticks = rvm_read_cntvct() - t0;
        gprintf("BENCH ipc_call %llu instructions\n", ticks * 16 / ROUNDS / 2, 0);
        rvm_smc(PSCI_SYSTEM_OFF, 0, 0, 0);
        gspin();
}
