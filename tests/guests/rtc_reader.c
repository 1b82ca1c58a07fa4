/*
 * tests/guests/rtc_reader.c: waits until it holds a device capability (the monitor leases
 * it the PL031 RTC), reads the RTC through the lease, and keeps reading: when the lease
 * ends, its next access must fault (stage-2: the mapping is gone).
 */
#include "tests/guests/glib.h"

#define RTC_DR 0x09010000ULL /* PL031 data register: seconds */

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        rvm_puts("rtc_reader: waiting for a device lease\n");
        while (!holds_device()) {
                rvm_wfi();
        }
        uint32_t t = *(volatile uint32_t *)RTC_DR;
        gprintf("rtc_reader: read the RTC through the lease: %llu s since 1970\n", t, 0);
        for (uint64_t reads = 1;; reads++) {
                t = *(volatile uint32_t *)RTC_DR;
                if (reads % 1000 == 0) {
                        rvm_wfi();
                }
        }
}
