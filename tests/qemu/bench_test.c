/*
 * tests/qemu/bench_test.c: benchmarks that run inside RVM (run by `make bench` under
 * QEMU -icount shift=0,sleep=off, where instruction counts repeat exactly). Each prints
 * a BENCH line; none of them fails on a number.
 */
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "cap/cap.h"
#ifdef RVM_HAVE_COHERENCE
#include "coherence/coherence.h"
#endif
#include "hal/timer.h"
#include "kernel/console.h"
#include "kernel/wlog.h"
#include "memory/memory.h"
#include "proof/proof.h"
#include "tests/qemu/ktest.h"
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
        uint32_t t0 = arch_pmu_insn_read();
        for (unsigned i = 0; i < ROUNDS; i++) {
                fn();
        }
        return (uint32_t)(arch_pmu_insn_read() - t0) / ROUNDS;
}

#ifdef RVM_HAVE_COHERENCE
/*
 * What DC-2's budget unit costs in RVM: the exact min-cut of a seeded dense graph of 64 nodes
 * (every pair, weights 1..64), solved to the end, in instructions and per cell (mincut.h's
 * work unit; kernel/cohere.c sizes its per-epoch budget from this).
 */
static void bench_mincut(void)
{
        const uint64_t pages = (sizeof(struct coherence_mincut) + 4095) / 4096;
        uint64_t pa = 0, x = 0x9e3779b97f4a7c15ULL, used = 0;

        if (mem_alloc_pages(&boot_state.mem, pages, 1, &pa) != PALLOC_OK) {
                KT_EXPECT(false);
                return;
        }
        struct coherence_mincut *mc = mem_ptr(pa_init(pa));
        KT_EXPECT(coherence_mincut_init(mc, 64) == COHERENCE_OK);
        for (uint32_t u = 0; u < 64; u++) {
                for (uint32_t v = u + 1; v < 64; v++) {
                        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                        KT_EXPECT(coherence_mincut_add(mc, u, v, 1 + (x >> 58)) == COHERENCE_OK);
                }
        }
        arch_pmu_insn_start();
        uint32_t t0 = arch_pmu_insn_read();
        KT_EXPECT(coherence_mincut_run(mc, COHERENCE_BUDGET_UNLIMITED, &used) == COHERENCE_OK);
        uint32_t insns = arch_pmu_insn_read() - t0;
        con_printf("BENCH mincut_n64_kernel %llu instructions\n", (unsigned long long)insns);
        con_printf("BENCH mincut_cell_kernel %llu.%02llu instructions\n",
                   (unsigned long long)(insns / (used ? used : 1)),
                   (unsigned long long)(insns * 100ULL / (used ? used : 1) % 100));
        (void)mem_free_pages(&boot_state.mem, pa, pages);
}
#endif

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
        uint32_t t0 = arch_pmu_insn_read();
        for (unsigned i = 0; i < ROUNDS; i++) {
                uint64_t pa;
                if (mem_alloc_pages(&boot_state.mem, 1, 1, &pa) == PALLOC_OK) {
                        mem_free_pages(&boot_state.mem, pa, 1);
                }
        }
        con_printf("BENCH page_alloc_free %llu instructions\n",
                   (unsigned long long)((uint32_t)(arch_pmu_insn_read() - t0) / ROUNDS));

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
                   (unsigned long long)((uint32_t)(arch_pmu_insn_read() - t0) / 200));
        arch_pmu_insn_start();
        t0 = arch_pmu_insn_read();
        for (unsigned i = 0; i < 1024; i++) {
                witness_emit(&(struct witness_event){.kind = WK_SCHED_EPOCH, .target = i});
        }
        wlog_flush();
        con_printf("BENCH witness_emit_persisted_kernel %llu instructions\n",
                   (unsigned long long)((uint32_t)(arch_pmu_insn_read() - t0) / 1024));

        /* The background scrub's rate over the whole store, in the clock it runs on. */
        uint64_t scrub0 = wlog_scrub_run(), ns0 = hal_time_ns();
        uint64_t scrubbed = wlog_scrub_run() - scrub0, ns = hal_time_ns() - ns0;
        KT_EXPECT(scrubbed > 0 && ns > 0);
        con_printf("BENCH witness_scrub_records_per_s %llu records/s\n",
                   (unsigned long long)(ns ? scrubbed * 1000000000ULL / ns : 0));

        /*
         * Proofs in the kernel: P1 on a root capability of partition 0, and P2 and P3 on
         * a capability derived eight levels deep from it.
         */
        uint32_t cursor = 0;
        cap_handle_t root = cap_table_next(0, &cursor);
        cap_handle_t h = root;
        for (unsigned d = 0; d < CAP_MAX_DEPTH; d++) {
                struct cap_derive_req req = {
                    .caller = 0, .parent = h, .target = 0, .rights = CAP_R_READ | CAP_R_GRANT};
                KT_EXPECT(cap_derive(&req, &h) == CAP_OK);
        }
        uint16_t node = 0;
        struct proof_p1_req p1 = {.caller = 0, .handle = root, .rights = CAP_R_READ};
        /* The request read through a pointer the compiler cannot see into, each round: with
         * link-time optimisation P1 is inlined here, and its lookups, the same each round,
         * would otherwise leave the loop (the figure then counted next to nothing). */
        struct proof_p1_req *volatile p1_each = &p1;
        arch_pmu_insn_start();
        t0 = arch_pmu_insn_read();
        for (unsigned i = 0; i < ROUNDS; i++) {
                KT_EXPECT(proof_p1(p1_each, &node) == CAP_OK);
        }
        con_printf("BENCH cap_p1_kernel %llu instructions\n",
                   (unsigned long long)((uint32_t)(arch_pmu_insn_read() - t0) / ROUNDS));
        p1.handle = h;
        KT_EXPECT(proof_p1(&p1, &node) == CAP_OK);
        arch_pmu_insn_start();
        t0 = arch_pmu_insn_read();
        for (unsigned i = 0; i < ROUNDS; i++) {
                /* the ticket is part of the figure: every P2 request takes one */
                struct proof_p2_req p2 = {.caller = 0,
                                          .node = node,
                                          .nonce = proof_ticket_issue(0, hal_time_ns()),
                                          .now = hal_time_ns(),
                                          .max_depth = CAP_MAX_DEPTH,
                                          .max_age = 1000000000ULL};
                KT_EXPECT(proof_p2(&p2) == 0);
        }
        con_printf("BENCH cap_p2_depth8_kernel %llu instructions\n",
                   (unsigned long long)((uint32_t)(arch_pmu_insn_read() - t0) / ROUNDS));
        arch_pmu_insn_start();
        t0 = arch_pmu_insn_read();
        for (unsigned i = 0; i < ROUNDS; i++) {
                KT_EXPECT(proof_p3(node, hal_time_ns()) == PROOF_CHAIN_OK);
        }
        con_printf("BENCH cap_p3_depth8_kernel %llu instructions\n",
                   (unsigned long long)((uint32_t)(arch_pmu_insn_read() - t0) / ROUNDS));
#ifdef RVM_HAVE_COHERENCE
        bench_mincut();
#endif
}
