/*
 * tests/guests/pressure_sleeper.c: blocks on its CommEdge until the waker's message, then
 * says that it runs and when (RVM's clock, in ns). The times give the order the scheduler
 * chose; the order of the lines does not, since each partition's console output is buffered
 * on its own and drained later.
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
        gprintf("sleeper: partition %llu runs at %llu ns\n", self, rvm_time_ns());
        rvm_exit(0);
}
