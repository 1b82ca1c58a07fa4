/*
 * tests/guests/irq_receiver.c: receives the sender's 100,000 messages driven by the
 * doorbell interrupt instead of the wait hypercall: it drains the ring, then sleeps in WFI
 * until RVM_VIRQ_EDGE(n) says more arrived. Checks that none is lost, duplicated,
 * reordered or damaged, and that every interrupt it took was the doorbell.
 */
#include "tests/guests/glib.h"

#define TOTAL 100000u

RVM_GUEST_IRQ_VECTORS(on_irq);

static volatile uint32_t doorbell_intid, doorbells, other;

void on_irq(void)
{
        uint32_t intid = rvm_irq_ack();

        if (intid == RVM_IRQ_SPURIOUS) {
                return;
        }
        if (intid == doorbell_intid) {
                doorbells++;
        } else {
                other++;
        }
        rvm_irq_eoi(intid);
}

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_edge edge;
        struct seq_check c = {0};

        if (rvm_edge_open(&edge) != 0) {
                rvm_puts("irq receiver: no CommEdge\n");
                rvm_exit(1);
        }
        doorbell_intid = RVM_VIRQ_EDGE(edge.id);
        rvm_gic_init();
        while (c.expect < TOTAL) {
                uint64_t msg[8];
                uint32_t seen = doorbells;
                if (!rvm_recv(&edge, msg)) {
                        /* Empty: sleep until the doorbell. A doorbell that rang after the
                         * ring was read changed the count already, and the wait returns. */
                        rvm_wait_irq(&doorbells, seen);
                        continue;
                }
                seq_check(&c, msg);
        }
        gprintf("irq receiver: %llu messages in order; %llu lost\n", c.expect, c.lost);
        gprintf("irq receiver: %llu duplicated or reordered, %llu damaged\n", c.dup, c.damaged);
        gprintf("irq receiver: %llu doorbell interrupts, %llu other\n", doorbells, other);
        rvm_exit(c.lost == 0 && c.dup == 0 && c.damaged == 0 && doorbells > 0 && other == 0 ? 0
                                                                                            : 1);
}
