/*
 * kernel/lockstat.c: how long run_lock is held, and where (see run.h). Each CPU keeps the
 * longest hold it has seen, in instructions counted by the PMU (exact under QEMU -icount;
 * QEMU counts none without it), with the code address that took the lock then, and the
 * longest in counter time (meaningful on hardware and in real-time QEMU runs such as
 * make soak, where a host preempting QEMU inside a hold lengthens it). Built into every image: the
 * counting itself only in images with RVM_LOCK_STATS, where `locks` shows the figures; elsewhere
 * `locks` says how to get them.
 */
#include <stdint.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "configs/features.h"
#include "kernel/console.h"
#include "kernel/fmt.h"
#include "kernel/monitor.h"
#include "kernel/percpu.h"
#include "kernel/run.h"

#ifdef RVM_LOCK_STATS
struct hold {
        uint32_t start; /* PMU instruction count when this CPU took the lock (32 bits) */
        uintptr_t site; /* who took it */
        uint64_t max;   /* the longest hold */
        uintptr_t max_site;
        uint64_t holds;
        uint64_t start_tick; /* the counter then */
        uint64_t max_ticks;  /* the longest hold in counter ticks */
        uintptr_t max_ticks_site;
};

static struct hold holds[RVM_MAX_CPUS];
static bool counting[RVM_MAX_CPUS];

void run_lock_take(void)
{
        uintptr_t site = (uintptr_t)__builtin_return_address(0);

        spin_lock(&run_lock);
        unsigned cpu = this_cpu()->index;
        if (!counting[cpu]) {
                arch_pmu_insn_start(); /* first use on this CPU: count its instructions */
                counting[cpu] = true;
        }
        holds[cpu].site = site;
        holds[cpu].start = arch_pmu_insn_read();
        holds[cpu].start_tick = arch_counter();
}

void run_lock_give(void)
{
        unsigned cpu = this_cpu()->index;
        struct hold *h = &holds[cpu];
        uint64_t held = (uint32_t)(arch_pmu_insn_read() - h->start);
        uint64_t ticks = arch_counter() - h->start_tick;

        h->holds++;
        if (ticks > h->max_ticks) {
                h->max_ticks = ticks;
                h->max_ticks_site = h->site;
        }
        if (held > h->max) {
                h->max = held;
                h->max_site = h->site;
        }
        spin_unlock(&run_lock);
}
#endif

#ifdef RVM_WITH_INSPECT /* otherwise refused: kernel/absent_cmds.c */
static int cmd_locks(int argc, char **argv)
{
#ifdef RVM_LOCK_STATS
        struct hold copy[RVM_MAX_CPUS];
        bool reset = argc == 2 && strcmp(argv[1], "reset") == 0;
        uint64_t max = 0, max_ticks = 0;

        run_lock_take();
        memcpy(copy, holds, sizeof(copy));
        if (reset) {
                for (unsigned i = 0; i < RVM_MAX_CPUS; i++) {
                        holds[i].max = 0;
                        holds[i].max_ticks = 0;
                        holds[i].holds = 0;
                }
        }
        run_lock_give();
        /* Printed outside the lock: the console never holds it. */
        con_printf(
            "cpu  holds       longest (instructions)  taken at            "
            "longest (ns)  taken at\n");
        for (unsigned i = 0; i < percpu_count && i < RVM_MAX_CPUS; i++) {
                con_printf("%-4u %-11llu %-23llu 0x%-16llx  %-13llu 0x%llx\n", i,
                           (unsigned long long)copy[i].holds, (unsigned long long)copy[i].max,
                           (unsigned long long)copy[i].max_site,
                           (unsigned long long)arch_counter_to_ns(copy[i].max_ticks),
                           (unsigned long long)copy[i].max_ticks_site);
                max = copy[i].max > max ? copy[i].max : max;
                max_ticks = copy[i].max_ticks > max_ticks ? copy[i].max_ticks : max_ticks;
        }
        con_printf("run_lock longest hold: %llu instructions%s\n", (unsigned long long)max,
                   reset ? " (reset)" : "");
        con_printf("run_lock longest hold in time: %llu ns%s\n",
                   (unsigned long long)arch_counter_to_ns(max_ticks), reset ? " (reset)" : "");
#else
        (void)argc;
        (void)argv;
        con_puts(
            "locks: hold times are measured in the lock-statistics test image "
            "(build/<toolchain>-<profile>-lockstat, built by make test)\n");
#endif
        return 0;
}
MONITOR_CMD(locks, "locks", "[reset]", "run_lock's longest hold per CPU, and where", cmd_locks);
#endif
