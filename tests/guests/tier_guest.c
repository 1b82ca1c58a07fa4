/*
 * tests/guests/tier_guest.c: fills 512 KiB of its RAM (IPA 0x40080000, 128 pages) with a
 * known pattern, part repetitive and part pseudo-random, then checks every word of it once
 * a second. The test makes that range dormant between two checks: the next check touches
 * every page, each touch brings one back, and every word must still be what was written.
 */
#include "tests/guests/glib.h"

#define AREA       ((volatile uint64_t *)0x40080000ULL)
#define AREA_WORDS (128u * 4096u / 8u)
#define STEP_TICKS 62500000u /* one second of QEMU virt's 62.5 MHz counter */

RVM_GUEST_IRQ_VECTORS(on_irq);

static volatile uint32_t wakes;

void on_irq(void)
{
        uint32_t intid = rvm_irq_ack();

        if (intid == RVM_IRQ_SPURIOUS) {
                return;
        }
        if (intid == RVM_VIRQ_VTIMER) {
                rvm_vtimer_stop();
                wakes++;
        }
        rvm_irq_eoi(intid);
}

/* Word i: zero on every fourth page, a counter on the next, then a text-like repeat, then
 * xorshift noise. */
static uint64_t pattern(uint64_t i)
{
        uint64_t page = i / 512;

        switch (page % 4) {
        case 0:
                return 0;
        case 1:
                return i;
        case 2:
                return 0x2072656e69746e6fULL; /* "ontainer " */
        default: {
                uint64_t x = i * 0x9e3779b97f4a7c15ULL + 1;
                x ^= x >> 31;
                x *= 0xbf58476d1ce4e5b9ULL;
                return x ^ (x >> 29);
        }
        }
}

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        rvm_gic_init();
        rvm_irqs_on();
        for (uint64_t i = 0; i < AREA_WORDS; i++) {
                AREA[i] = pattern(i);
        }
        gprintf("tier_guest: filled %llu pages at 0x%llx\n", AREA_WORDS / 512, 0x40080000ULL);
        for (uint64_t round = 1;; round++) {
                uint32_t seen = wakes;
                rvm_vtimer_arm(STEP_TICKS);
                rvm_wait_irq(&wakes, seen);
                uint64_t bad = 0;
                for (uint64_t i = 0; i < AREA_WORDS; i++) {
                        bad += AREA[i] != pattern(i);
                }
                gprintf("tier_guest: check %llu: %llu bad words\n", round, bad);
        }
}
