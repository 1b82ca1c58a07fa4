/*
 * configs/appliance/guests/consumer.c: receives the producer's messages, checks that none
 * is lost, repeated, reordered or damaged, and reports every two seconds. With nothing to
 * read it waits on the edge (its vCPU blocks until the producer's doorbell).
 */
#include <stdint.h>

#include "arch/aarch64/guest/guest_io.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_edge edge;
        if (rvm_edge_open(&edge) != 0) {
                rvm_puts("consumer: no CommEdge capability\n");
                rvm_exit(1);
        }
        uint64_t expect = 0;
        uint64_t errors = 0;
        uint64_t next = rvm_time_ns() + 2000000000ULL;
        for (;;) {
                uint64_t msg[8];
                if (!rvm_recv(&edge, msg)) {
                        if (rvm_time_ns() >= next) {
                                gprintf("consumer: %llu messages received in order, %llu errors\n",
                                        expect, errors);
                                next += 2000000000ULL;
                        }
                        rvm_wait(&edge);
                        continue;
                }
                if (msg[0] != expect || msg[1] != msg[0] * 2654435761u ||
                    msg[7] != (msg[0] ^ msg[1])) {
                        errors++;
                }
                expect = msg[0] + 1;
        }
}
