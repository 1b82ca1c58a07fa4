/*
 * tests/guests/bad_read.c: reads outside its own memory: where RVM's image sits in
 * physical memory (0x40200000, beyond this partition's 1 MiB of IPA space).
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        rvm_puts("bad_read: reading RVM's memory at 0x40200000\n");
        uint64_t v = *(volatile uint64_t *)0x40200000ULL;
        gprintf("bad_read: ESCAPED, read 0x%llx\n", v, 0);
        gspin();
}
