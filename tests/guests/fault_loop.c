/*
 * tests/guests/fault_loop.c: faults as soon as it starts, every time; its partition's
 * policy restarts it a bounded number of times, then leaves it faulted.
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        rvm_puts("fault_loop: faulting\n");
        *(volatile uint64_t *)0x7fff0000ULL = 1;
        gspin();
}
