/*
 * configs/appliance/agents/crunch.c: a deterministic worker (spawned, not started at boot).
 * It stirs a 32 KiB table in its linear memory round after round and logs a hash of it, so
 * two instances must log the same hash for the same round whatever happens to them in
 * between: preemption by fuel, hibernation, migration to another partition.
 */
#include "arch/aarch64/guest/agent_io.h"

#define WORDS 4096

static unsigned long long table[WORDS];

__attribute__((export_name("run"))) void run(void)
{
        unsigned long long h = 0x243F6A8885A308D3ull;
        char line[96];

        for (unsigned i = 0; i < WORDS; i++) {
                table[i] = i * 0x9E3779B97F4A7C15ull;
        }
        for (unsigned long long round = 1;; round++) {
                for (unsigned i = 0; i < WORDS; i++) {
                        unsigned long long v = table[(i * 7 + round) % WORDS];
                        table[i] = table[i] * 6364136223846793005ull + (v ^ h);
                        h = (h << 13 | h >> 51) ^ table[i];
                }
                if (round % 32 == 0) { /* about once a second: the console stays usable */
                        int k = agent_puts(line, 0, "crunch: round ");
                        k = agent_putu(line, k, round);
                        k = agent_puts(line, k, " hash ");
                        k = agent_putx(line, k, h);
                        k = agent_puts(line, k, "\n");
                        rvm_log(line, k);
                }
        }
}
