/*
 * configs/appliance/agents/looper.c: a WebAssembly agent that never yields: an infinite
 * loop. Fuel metering takes the CPU back from it, and because its state lives in the
 * instance it resumes where it stopped: the count it logs keeps growing.
 */
#include "arch/aarch64/guest/agent_io.h"

__attribute__((export_name("run"))) void run(void)
{
        for (volatile unsigned long long i = 0;; i++) {
                if ((i & 0xfffff) == 0) {
                        char line[96];
                        int n = agent_puts(line, 0, "looper: still in its first call, iteration ");
                        n = agent_putu(line, n, i);
                        n = agent_puts(line, n, "\n");
                        rvm_log(line, n);
                }
        }
}
