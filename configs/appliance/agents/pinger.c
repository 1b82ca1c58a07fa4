/*
 * configs/appliance/agents/pinger.c: plays ping-pong with `ponger` (an agent written in WAT,
 * in the other WASM partition) over a CommEdge: one numbered message out, wait for the answer
 * (the agent gives up its turns until the doorbell), check it, repeat. Every 1,000 round
 * trips it leaves a witness record of its own; every two seconds it reports.
 */
#include "arch/aarch64/guest/agent_io.h"

#define GOLDEN 0x9E3779B97F4A7C15ull

__attribute__((export_name("run"))) void run(void)
{
        long long edge = rvm_cap(RVM_CAP_COMM_EDGE, 0);
        long long wlog = rvm_cap(RVM_CAP_WITNESS_LOG, 0);
        unsigned long long seq = 0, errors = 0, served = 0;
        long long next = rvm_time() + 2000000000LL;
        char line[128];

        for (;;) {
                unsigned long long msg[8] = {seq, seq * GOLDEN};
                unsigned long long reply[8];
                while (rvm_send(edge, msg, sizeof(msg)) == RVM_E_NO_SPACE) {
                        rvm_yield();
                }
                int n = rvm_recv(edge, reply, sizeof(reply), RVM_RECV_WAIT);
                if (n != (int)sizeof(reply) || reply[0] != seq || reply[1] != msg[1] + 1) {
                        errors++;
                }
                served = reply[2];
                seq++;
                if (seq % 1000 == 0) {
                        rvm_witness(wlog, 1, (long long)seq);
                }
                if (rvm_time() >= next) {
                        int k = agent_puts(line, 0, "pinger: ");
                        k = agent_putu(line, k, seq);
                        k = agent_puts(line, k, " round trips with ponger (WAT), ");
                        k = agent_putu(line, k, errors);
                        k = agent_puts(line, k, " errors; ponger served ");
                        k = agent_putu(line, k, served);
                        k = agent_puts(line, k, "\n");
                        rvm_log(line, k);
                        next += 2000000000LL;
                }
        }
}
