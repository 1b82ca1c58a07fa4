/*
 * tests/qemu/bench_test.c: benchmarks that run inside RVM (run by `make bench` under
 * QEMU -icount shift=0,sleep=off, where instruction counts repeat exactly). Each prints
 * a BENCH line; none of them fails on a number.
 */
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "kernel/console.h"
#include "kernel/ktest.h"
#include "memory/memory.h"

#define ROUNDS 1000

/* The cost of the measuring loop itself, to subtract. */
static __attribute__((noinline)) void empty_call(void)
{
        static volatile unsigned sink;
        sink++;
}

static uint64_t per_round(void (*fn)(void))
{
        arch_pmu_insn_start();
        uint64_t t0 = arch_pmu_insn_read();
        for (unsigned i = 0; i < ROUNDS; i++) {
                fn();
        }
        return (arch_pmu_insn_read() - t0) / ROUNDS;
}

KTEST_ONLY(bench)
{
        /* Under -icount shift=0 virtual time advances 1 ns per instruction executed. */
        con_printf("BENCH boot_to_monitor %llu instructions\n",
                   (unsigned long long)boot_state.boot_done_ns);

        uint64_t base = per_round(empty_call);
        uint64_t trap = per_round(arch_self_trap);

        KT_EXPECT(trap > base);
        con_printf("BENCH el2_trap_roundtrip %llu instructions\n", (unsigned long long)(trap - base));

        arch_pmu_insn_start();
        uint64_t t0 = arch_pmu_insn_read();
        for (unsigned i = 0; i < ROUNDS; i++) {
                uint64_t pa;
                if (mem_alloc_pages(&boot_state.mem, 1, 1, &pa) == PALLOC_OK) {
                        mem_free_pages(&boot_state.mem, pa, 1);
                }
        }
        con_printf("BENCH page_alloc_free %llu instructions\n",
                   (unsigned long long)((arch_pmu_insn_read() - t0) / ROUNDS));
}
