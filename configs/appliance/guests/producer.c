/*
 * configs/appliance/guests/producer.c: sends numbered 64-byte messages to its peer over
 * a CommEdge as fast as the ring lets it, ringing the doorbell after each burst, and
 * reports its rate every two seconds.
 */
#include <stdint.h>

#include "arch/aarch64/guest/guest_io.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_edge edge;
        if (rvm_edge_open(&edge) != 0) {
                rvm_puts("producer: no CommEdge capability\n");
                rvm_exit(1);
        }
        rvm_puts("producer: sending over CommEdge\n");
        uint64_t seq = 0;
        uint64_t next = rvm_time_ns() + 2000000000ULL;
        for (;;) {
                uint64_t msg[8] = {seq, seq * 2654435761u, 0, 0, 0, 0, 0, 0};
                msg[7] = msg[0] ^ msg[1];
                if (rvm_send(&edge, msg)) {
                        seq++;
                        continue;
                }
                rvm_notify(&edge); /* ring full: wake the consumer, let it run */
                rvm_yield();
                if (rvm_time_ns() >= next) {
                        gprintf("producer: %llu messages sent, %llu s up\n", seq,
                                rvm_time_ns() / 1000000000ULL);
                        next += 2000000000ULL;
                }
        }
}
