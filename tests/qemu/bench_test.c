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
#include "kernel/wlog.h"
#include "memory/memory.h"
#include "witness/witness.h"

static uint64_t first_time_ns;
static uint32_t this_boot;

static void first_of_boot(void *ctx, const uint8_t rec[WITNESS_RECORD_SIZE])
{
        struct witness_record r;

        (void)ctx;
        witness_record_decode(rec, &r);
        if (r.boot == this_boot && first_time_ns == 0) {
                first_time_ns = r.time_ns;
        }
}

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
        con_printf("BENCH el2_trap_roundtrip %llu instructions\n",
                   (unsigned long long)(trap - base));

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

        /* The first record of this boot (WK_BOOT_ATTEST): its time stamp is an icount. */
        struct witness_stats st;
        uint8_t head[WITNESS_HEAD_SIZE];
        uint64_t first;
        witness_log_stats(witness_global(), &st);
        this_boot = st.boot;
        witness_log_tail(witness_global(), (uint32_t)st.emitted, head, &first, first_of_boot, NULL);
        con_printf("BENCH reset_to_first_witness %llu instructions\n",
                   (unsigned long long)first_time_ns);

        /* In-kernel append: the RAM ring alone, then amortised with batch flush + seal. */
        wlog_flush();
        arch_pmu_insn_start();
        t0 = arch_pmu_insn_read();
        for (unsigned i = 0; i < 200; i++) {
                witness_emit(&(struct witness_event){.kind = WK_SCHED_EPOCH, .target = i});
        }
        con_printf("BENCH witness_emit_kernel %llu instructions\n",
                   (unsigned long long)((arch_pmu_insn_read() - t0) / 200));
        arch_pmu_insn_start();
        t0 = arch_pmu_insn_read();
        for (unsigned i = 0; i < 1024; i++) {
                witness_emit(&(struct witness_event){.kind = WK_SCHED_EPOCH, .target = i});
        }
        wlog_flush();
        con_printf("BENCH witness_emit_persisted_kernel %llu instructions\n",
                   (unsigned long long)((arch_pmu_insn_read() - t0) / 1024));
}
