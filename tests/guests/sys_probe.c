/*
 * tests/guests/sys_probe.c: things a guest may not do to the machine: an SMC that is not
 * PSCI (refused), set/way cache maintenance (made harmless), and finally a write to
 * ACTLR_EL1, which RVM traps and does not allow (the partition is stopped).
 */
#include "tests/guests/glib.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        int64_t r = rvm_smc(0x82000000u, 0, 0, 0); /* SiP service call */
        gprintf("sys_probe: smc to firmware answered %lld\n", (unsigned long long)r, 0);
        r = rvm_smc(PSCI_VERSION, 0, 0, 0);
        gprintf("sys_probe: psci version 0x%llx\n", (unsigned long long)r, 0);
        rvm_dc_isw(0);
        rvm_puts("sys_probe: set/way maintenance survived\n");
        rvm_write_actlr(1);
        rvm_puts("sys_probe: ESCAPED\n");
        gspin();
}
