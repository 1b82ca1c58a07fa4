/*
 * configs/seed/guests/sensor.c: the Seed's sampling node. It sleeps in WFI on its own
 * virtual timer (10 samples a second), reads its sensor at each interrupt (the generic
 * timer's counter, folded into a slowly varying "temperature" in centi-degrees) and sends
 * each reading as a numbered 64-byte message over its CommEdge to the aggregator, ringing
 * the doorbell. It reports what it sent every two seconds (say.h: no kernel/fmt.c).
 */
#include <stdint.h>

#include "arch/aarch64/guest/rvm_guest.h"
#include "arch/aarch64/guest/rvm_irq.h"
#include "configs/seed/guests/say.h"

#define SAMPLE_HZ 10u

RVM_GUEST_IRQ_VECTORS(on_irq);

static volatile uint32_t samples_due;
static uint64_t period_ticks;

void on_irq(void)
{
        uint32_t intid = rvm_irq_ack();

        if (intid == RVM_IRQ_SPURIOUS) {
                return;
        }
        if (intid == RVM_VIRQ_VTIMER) {
                samples_due++;
                rvm_vtimer_arm(period_ticks);
        }
        rvm_irq_eoi(intid);
}

/* The reading: a triangle wave between 20.00 and 29.99 degrees, one period a minute. */
static uint64_t read_sensor(uint64_t now, uint64_t hz)
{
        uint64_t centis = now / (hz / 100u) % 6000u; /* hundredths of the minute */
        return 2000u + (centis < 3000u ? centis : 6000u - centis) / 3u;
}

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_edge edge;
        if (rvm_edge_open(&edge) != 0) {
                rvm_puts("sensor: no CommEdge capability\n");
                rvm_exit(1);
        }
        uint64_t hz = rvm_read_cntfrq();
        period_ticks = hz / SAMPLE_HZ;
        say((const char *const[]){"sensor: sampling at ",
                                  " Hz, sending to the aggregator (counter ", " Hz)"},
            (const uint64_t[]){SAMPLE_HZ, hz}, 2);
        rvm_gic_init();
        rvm_vtimer_arm(period_ticks);
        rvm_irqs_on();
        uint64_t seq = 0, dropped = 0, taken = 0;
        for (;;) {
                uint32_t seen = samples_due;
                rvm_wait_irq(&samples_due, seen);
                for (; taken < samples_due; taken++) {
                        uint64_t now = rvm_read_cntvct();
                        uint64_t msg[8] = {seq, now, read_sensor(now, hz), 0, 0, 0, 0, 0};
                        msg[7] = msg[0] ^ msg[1] ^ msg[2];
                        if (!rvm_send(&edge, msg)) {
                                dropped++; /* the aggregator is behind: a reading lost */
                                continue;
                        }
                        seq++;
                        rvm_notify(&edge);
                        if (seq % (2 * SAMPLE_HZ) == 0) {
                                say((const char *const[]){"sensor: ", " readings sent, ",
                                                          " dropped"},
                                    (const uint64_t[]){seq, dropped}, 2);
                        }
                }
        }
}
