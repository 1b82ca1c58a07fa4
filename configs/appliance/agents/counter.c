/*
 * configs/appliance/agents/counter.c: a well-behaved WebAssembly agent (clang
 * --target=wasm32). It counts, and every two seconds logs how far it got and yields.
 */
#include "arch/aarch64/guest/agent_io.h"

__attribute__((export_name("run"))) void run(void)
{
        unsigned long long steps = 0;
        long long next = rvm_time() + 2000000000LL;

        for (;;) {
                steps++;
                if ((steps & 0xffff) == 0 && rvm_time() >= next) {
                        char line[96];
                        int n = agent_puts(line, 0, "counter: ");
                        n = agent_putu(line, n, steps);
                        n = agent_puts(line, n, " steps, a well-behaved agent\n");
                        rvm_log(line, n);
                        next += 2000000000LL;
                        rvm_yield();
                }
        }
}
