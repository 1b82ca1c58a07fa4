/*
 * tests/guests/pressure_sleeper.c: blocks on its CommEdge until the waker's message, then
 * says that it runs (the order of these lines is the order the scheduler chose) and spins
 * for a while so the other sleeper can only run after it or after a tick.
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_edge edge;
        uint64_t msg[8];
        uint64_t self = rvm_call(RVM_HC_SELF, 0, 0, 0).x1;

        if (rvm_edge_open(&edge) != 0) {
                rvm_puts("sleeper: no CommEdge\n");
                rvm_exit(1);
        }
        while (!rvm_recv(&edge, msg)) {
                rvm_wait(&edge);
        }
        gprintf("sleeper: partition %llu runs\n", self, 0);
        rvm_exit(0);
}
