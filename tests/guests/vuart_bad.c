/*
 * tests/guests/vuart_bad.c: reaches its virtual UART with an access the syndrome cannot
 * describe (a load pair: ISV = 0). RVM must not guess: the access is a stage-2 fault under
 * the partition's policy, witnessed with the ESR and the IPA.
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        rvm_vuart_puts("vuart_bad: one good line first\n");
        gprintf("vuart_bad: now a load pair from the device\n", 0, 0);
        uint64_t v = rvm_mmio_ldp(RVM_VUART_BASE);
        gprintf("vuart_bad: ESCAPED (%llx)\n", v, 0);
        gspin();
}
