/*
 * tests/guests/con_flood.c: a partition that abuses the console. First it points the console
 * hypercall at memory RVM must not read for it: its virtual UART's window, an unmapped IPA, a
 * range that wraps, one in the address space's last page, a range that runs off the end of
 * its RAM, and the RTC's registers (the operator leases the RTC to it meanwhile: mapped as
 * Device memory then); every one must be refused with RANGE. Then it floods: 4,000 console writes
 * of 256 bytes and 8,000 bytes through its virtual UART, faster than any UART drains them; RVM must
 * drop its excess, not anyone else's time.
 */
#include "tests/guests/glib.h"

#define RAM_TOP   (0x40000000ULL + (1ULL << 20))
#define VUART     0x09000000ULL
#define RTC       0x09010000ULL
#define E_RANGE   (-12)
#define LINE_SIZE 256

/* A report that must get out: written again, yielding, until its buffer takes it. */
static void report(const char *fmt, unsigned long long a)
{
        char text[160];
        size_t n = fmt_format(text, sizeof(text), fmt, a, 0ULL);

        while (rvm_call(RVM_HC_CONSOLE_WRITE, (uint64_t)(uintptr_t)text, n, 0).x1 == 0) {
                rvm_yield();
        }
}

static int64_t write_at(uint64_t ipa, uint64_t len)
{
        return rvm_call(RVM_HC_CONSOLE_WRITE, ipa, len, 0).status;
}

RVM_GUEST_ENTRY(guest_start)
{
        static char line[LINE_SIZE];
        uint64_t unexpected = 0;

        (void)dtb;
        const uint64_t bad[][2] = {
            {VUART, 16},                      /* a virtual device: emulated, never read by RVM */
            {0x10000000ULL, 16},              /* nothing mapped */
            {~0ULL - 7, 32},                  /* wraps */
            {~0ULL - 0xfff, 16},              /* the address space's last page: no wrap */
            {RAM_TOP - 8, 64},                /* runs off the end of its RAM */
            {RTC, 16},                        /* a device, leased to it or not */
            {rvm_edge_window() + 0x1ff8, 16}, /* its edge window: it has no edge there */
        };
        for (unsigned round = 0; round < 200; round++) {
                if (round % 50 == 49) {
                        rvm_yield(); /* the lease comes and goes meanwhile */
                }
                for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                        unexpected += write_at(bad[i][0], bad[i][1]) != E_RANGE;
                }
        }
        report("con_flood: 1400 console writes at memory RVM must not read, %llu not refused\n",
               unexpected);
        for (unsigned i = 0; i < LINE_SIZE - 1; i++) {
                line[i] = (char)('a' + i % 26);
        }
        line[LINE_SIZE - 1] = '\n';
        uint64_t written = 0;
        for (unsigned i = 0; i < 4000; i++) {
                struct rvm_ret r =
                    rvm_call(RVM_HC_CONSOLE_WRITE, (uint64_t)(uintptr_t)line, LINE_SIZE, 0);
                unexpected += r.status != 0 || (r.x1 != 0 && r.x1 != LINE_SIZE);
                written += r.x1;
        }
        report("con_flood: 4000 writes of 256 bytes, %llu bytes kept\n", written);
        for (unsigned i = 0; i < 8000; i++) {
                *(volatile uint32_t *)VUART = i % 64 == 63 ? '\n' : 'x';
        }
        report("con_flood: done, %llu unexpected results\n", unexpected);
        gspin();
}
