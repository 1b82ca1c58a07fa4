/*
 * tests/guests/bad_write.c: writes to an address no partition owns: the physical UART
 * (0x09000000), which is not in its stage-2 tables.
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        rvm_puts("bad_write: writing to the machine's UART at 0x09000000\n");
        *(volatile uint32_t *)0x09000000ULL = 'X';
        rvm_puts("bad_write: ESCAPED\n");
        gspin();
}
