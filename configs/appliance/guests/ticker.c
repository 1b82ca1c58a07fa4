/*
 * configs/appliance/guests/ticker.c: the default appliance's demo guest. It introduces
 * itself with the capabilities RVM gave it, then works in a loop and reports its progress
 * every two seconds through its virtual UART, giving the CPU back (WFI) between bursts of
 * work.
 */
#include <stdint.h>

#include "arch/aarch64/guest/guest_io.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        uint64_t self = rvm_call(RVM_HC_SELF, 0, 0, 0).x1;
        uint64_t caps = 0;
        for (uint64_t cursor = 0;;) {
                struct rvm_ret r = rvm_call(RVM_HC_CAP_LIST, cursor, 0, 0);
                if (r.x1 == 0) {
                        break;
                }
                caps++;
                cursor = r.x2;
        }
        gprintf("partition %llu up at EL1 under stage-2, holding %llu capabilities\n", self, caps);

        uint64_t work = 0;
        uint64_t next_report = rvm_time_ns() + 2000000000ULL;
        for (;;) {
                for (volatile unsigned i = 0; i < 20000; i++) {
                        work++;
                }
                if (rvm_time_ns() >= next_report) {
                        /* Through the virtual UART RVM emulates for it (partitions.c). */
                        char line[96];
                        fmt_format(line, sizeof(line), "%llu units of work done, %llu s up\n",
                                   (unsigned long long)work,
                                   (unsigned long long)(rvm_time_ns() / 1000000000ULL));
                        rvm_vuart_puts(line);
                        next_report += 2000000000ULL;
                }
                rvm_wfi(); /* give the CPU back until the next tick */
        }
}
