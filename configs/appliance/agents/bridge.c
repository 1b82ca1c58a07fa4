/*
 * configs/appliance/agents/bridge.c: an agent that talks to a guest partition. It keeps up
 * to 16 numbered messages in flight over a CommEdge to the EL1 guest `echo` (put in a burst,
 * one doorbell each), waits for the answers, takes all that have arrived, and checks that
 * each comes back transformed, once, in order.
 */
#include "arch/aarch64/guest/agent_io.h"

#define WINDOW 16
#define MIX    0x5DEECE66Dull

static unsigned long long received, errors;

static void check(const unsigned long long reply[8], int n)
{
        if (n != 64 || reply[0] != received || reply[1] != ~(received * MIX)) {
                errors++;
        }
        received++;
}

__attribute__((export_name("run"))) void run(void)
{
        long long edge = rvm_cap(RVM_CAP_COMM_EDGE, 0);
        unsigned long long sent = 0;
        long long next = rvm_time() + 2000000000LL;
        char line[128];

        for (;;) {
                unsigned long long burst = sent;
                while (sent - received < WINDOW) {
                        unsigned long long msg[8] = {sent, sent * MIX};
                        if (rvm_put(edge, msg, sizeof(msg)) != 0) {
                                break;
                        }
                        sent++;
                }
                if (sent != burst) {
                        rvm_notify(edge); /* one doorbell (and witness record) per burst */
                }
                unsigned long long reply[8];
                check(reply, rvm_recv(edge, reply, sizeof(reply), RVM_RECV_WAIT));
                int n;
                while ((n = rvm_recv(edge, reply, sizeof(reply), 0)) > 0) {
                        check(reply, n);
                }
                if (rvm_time() >= next) {
                        int k = agent_puts(line, 0, "bridge: ");
                        k = agent_putu(line, k, received);
                        k = agent_puts(line, k, " messages echoed by guest partition echo, ");
                        k = agent_putu(line, k, errors);
                        k = agent_puts(line, k, " lost, reordered or damaged\n");
                        rvm_log(line, k);
                        next += 2000000000LL;
                }
        }
}
