/*
 * tests/guests/vtimer.c: the EL1 virtual timer as a real interrupt. The guest enables its
 * virtual GIC interface, arms CNTV for 2,000 ticks fifty times and sleeps in WFI; each
 * interrupt must be INTID 27 (virtual timer) and arrive no earlier than its deadline. Then
 * it ends one interrupt without re-arming: the timer's level is still high, so it must fire
 * again (RVM unmasks it once the guest's EOI empties the list register). It reports how late
 * the latest interrupt came after its deadline: a vCPU asleep in WFI is woken by a timer
 * event of its own, not at the next scheduler tick (tests/run checks it under -icount).
 */
#include "tests/guests/glib.h"

#define SHOTS 50u
#define TICKS 2000u

RVM_GUEST_IRQ_VECTORS(on_irq);

static volatile uint32_t fired, early, other, refires;
static volatile uint64_t deadline, worst_late;
static volatile int mode; /* 0: re-arm each time; 1: leave the level high; 2: done */

void on_irq(void)
{
        uint32_t intid = rvm_irq_ack();

        if (intid == RVM_IRQ_SPURIOUS) {
                return;
        }
        if (intid != RVM_VIRQ_VTIMER) {
                other++;
        } else if (mode == 0) {
                uint64_t now = rvm_read_cntvct();
                if (now < deadline) {
                        early++;
                } else if (now - deadline > worst_late) {
                        worst_late = now - deadline;
                }
                if (++fired < SHOTS) {
                        deadline = rvm_read_cntvct() + TICKS;
                        rvm_vtimer_arm(TICKS);
                } else {
                        rvm_vtimer_stop();
                }
        } else if (++refires == 3) {
                rvm_vtimer_stop(); /* the level drops: no more interrupts */
                mode = 2;
        }
        rvm_irq_eoi(intid);
}

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        rvm_gic_init();
        deadline = rvm_read_cntvct() + TICKS;
        rvm_vtimer_arm(TICKS);
        rvm_irqs_on();
        for (uint32_t seen; (seen = fired) < SHOTS;) {
                rvm_wait_irq(&fired, seen);
        }
        gprintf("vtimer: %llu interrupts at their deadline, %llu early\n", fired, early);
        gprintf("vtimer: %llu other interrupts\n", other, 0);
        gprintf("vtimer: latest interrupt %llu ticks after its deadline\n", worst_late, 0);
        mode = 1;
        rvm_vtimer_arm(TICKS);
        for (uint32_t seen = refires; mode != 2; seen = refires) {
                rvm_wait_irq(&refires, seen);
        }
        gprintf("vtimer: level re-fired %llu times after EOI without re-arm\n", refires, 0);
        rvm_exit(fired == SHOTS && early == 0 && other == 0 ? 0 : 1);
}
