/*
 * configs/appliance/agents/supervisor.c: starts two `crunch` workers with rvm.spawn (it holds
 * an EXECUTE capability on its WASM partition), shows that a module the configuration does
 * not name is refused, and ends (its state becomes terminated).
 */
#include "arch/aarch64/guest/agent_io.h"

__attribute__((export_name("run"))) void run(void)
{
        long long part = rvm_cap(RVM_CAP_PARTITION, 0);
        char line[128];

        int a = rvm_spawn(part, "crunch", 6);
        int b = rvm_spawn(part, "crunch", 6);
        int bad = rvm_spawn(part, "nosuch", 6);
        int k = agent_puts(line, 0, "supervisor: spawned crunch as agents ");
        k = agent_puti(line, k, a);
        k = agent_puts(line, k, " and ");
        k = agent_puti(line, k, b);
        k = agent_puts(line, k, "; module 'nosuch' refused (");
        k = agent_puti(line, k, bad);
        k = agent_puts(line, k, "); done\n");
        rvm_log(line, k);
}
