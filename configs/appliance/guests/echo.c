/*
 * configs/appliance/guests/echo.c: an EL1 guest whose CommEdge peer is a WebAssembly agent
 * (`bridge`). It answers every message with word 1 inverted, rings the doorbell after each
 * burst, and waits on the edge when there is nothing to read.
 */
#include <stdint.h>

#include "arch/aarch64/guest/guest_io.h"

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_edge edge;
        if (rvm_edge_open(&edge) != 0) {
                rvm_puts("echo: no CommEdge capability\n");
                rvm_exit(1);
        }
        rvm_puts("echo: answering the bridge agent over a CommEdge\n");
        uint64_t answered = 0;
        for (;;) {
                uint64_t msg[8];
                unsigned burst = 0;
                while (rvm_recv(&edge, msg)) {
                        msg[1] = ~msg[1];
                        msg[2] = ++answered;
                        while (!rvm_send(&edge, msg)) {
                                rvm_notify(&edge); /* full: let the agent drain it */
                                rvm_yield();
                        }
                        burst++;
                }
                if (burst != 0) {
                        rvm_notify(&edge);
                }
                rvm_wait(&edge);
        }
}
