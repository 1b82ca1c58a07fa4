/*
 * tests/guests/spinner.c: never yields, never calls RVM: only the tick takes the CPU back.
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        rvm_puts("spinner: spinning forever\n");
        for (volatile uint64_t n = 0;; n++) {
        }
}
