/*
 * tests/guests/pressure_waker.c: wakes two sleepers at the same instant. The test boots it
 * suspended ("held=1") and resumes it after the monitor commands that set cut pressure; at
 * the start of a fresh slice it sends one message and rings the doorbell on its edge to the
 * first sleeper and then on its edge to the second, and exits. Both wake with a fresh deadline, the
 * first a few microseconds earlier: without pressure it runs first; the cut-pressure boost of the
 * second is what can put it ahead.
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_edge first, second;

        if (rvm_edge_open_nth(&first, 0) != 0 || rvm_edge_open_nth(&second, 1) != 0) {
                rvm_puts("waker: needs two CommEdges\n");
                rvm_exit(1);
        }
        uint64_t msg[8] = {1, 0, 0, 0, 0, 0, 0, 0};
        rvm_yield(); /* a fresh slice: no tick between the two doorbells */
        rvm_send(&first, msg);
        rvm_notify(&first);
        rvm_send(&second, msg);
        rvm_notify(&second);
        rvm_puts("waker: both sleepers woken\n");
        rvm_exit(0);
}
