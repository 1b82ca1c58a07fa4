/*
 * tests/guests/ckpt_counter.c: counts, one step each 10 ms of its virtual timer (an
 * interrupt through its virtual GIC; it sleeps in WFI meanwhile), and prints each count. The
 * count lives in RAM and its previous value in FP register d8, so a checkpoint restored
 * with either out of step prints MISMATCH. Partition 2 of the ckpt scenario faults at count
 * 60, every time it gets there (F2: rebuilt from its checkpoint, not from its image).
 */
#include "tests/guests/glib.h"

#define STEP_TICKS 625000u /* 10 ms of QEMU virt's 62.5 MHz counter */

RVM_GUEST_IRQ_VECTORS(on_irq);

static volatile uint64_t count;
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

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        uint64_t self = rvm_call(RVM_HC_SELF, 0, 0, 0).x1;

        rvm_gic_init();
        rvm_irqs_on();
        for (;;) {
                uint64_t c = count + 1;
                count = c;
                uint64_t prev = rvm_fp_d8_swap(c);
                if (prev == c - 1) {
                        gprintf("ckpt_counter %llu: count %llu ok\n", self, c);
                } else {
                        gprintf("ckpt_counter %llu: count %llu MISMATCH\n", self, c);
                }
                if (self == 2 && c == 60) {
                        *(volatile uint64_t *)0x7fff0000ULL = c; /* outside its memory */
                }
                uint32_t seen = wakes;
                rvm_vtimer_arm(STEP_TICKS);
                rvm_wait_irq(&wakes, seen);
        }
}
