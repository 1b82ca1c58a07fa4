/*
 * tests/guests/rtc_alarm.c: a leased device's interrupt. Once the monitor leases it the
 * PL031 RTC, the guest sets the RTC's match register one second ahead, unmasks the alarm
 * and sleeps in WFI; the RTC's SPI (INTID 34 on QEMU virt) must reach it as a virtual
 * interrupt. It clears the alarm in the device before ending the interrupt (the line is
 * level-triggered), twice, then exits.
 */
#include "tests/guests/glib.h"

#define RTC      0x09010000ULL
#define RTC_DR   0x00 /* seconds */
#define RTC_MR   0x04 /* match */
#define RTC_IMSC 0x10 /* interrupt mask set/clear: 1 = enabled */
#define RTC_ICR  0x1c /* interrupt clear */
#define RTC_IRQ  34u
#define ALARMS   2u

RVM_GUEST_IRQ_VECTORS(on_irq);

static volatile uint32_t alarms, other;

static inline volatile uint32_t *rtc(unsigned off)
{
        return (volatile uint32_t *)(uintptr_t)(RTC + off);
}

void on_irq(void)
{
        uint32_t intid = rvm_irq_ack();

        if (intid == RVM_IRQ_SPURIOUS) {
                return;
        }
        if (intid == RTC_IRQ) {
                *rtc(RTC_ICR) = 1; /* drop the level first */
                alarms++;
        } else {
                other++;
        }
        rvm_irq_eoi(intid);
}

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        rvm_puts("rtc_alarm: waiting for a device lease\n");
        while (!holds_device()) {
                rvm_yield();
        }
        rvm_gic_init();
        rvm_irqs_on();
        for (uint32_t n = 0; n < ALARMS; n++) {
                *rtc(RTC_MR) = *rtc(RTC_DR) + 1;
                *rtc(RTC_IMSC) = 1;
                rvm_wait_irq(&alarms, n);
        }
        *rtc(RTC_IMSC) = 0;
        gprintf("rtc_alarm: %llu alarm interrupts from the leased RTC, %llu other\n", alarms,
                other);
        rvm_exit(other == 0 ? 0 : 1);
}
