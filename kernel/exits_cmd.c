/*
 * kernel/exits_cmd.c: the monitor's `exits <id>`: a guest partition's traps to EL2 by kind
 * and vCPU (enum vcpu_exit, counted by kernel/trap.c and partition/virq.c without a lock, each
 * vCPU's by the CPU running it), with the stage-2 table pages its address space takes and
 * the share of this CPU's instructions retired at EL2 since its first `exits` (the PMU, exact
 * under QEMU -icount).
 */
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "partition/partition.h"

static const char *const exit_names[VCPU_EXIT_KINDS] = {
    [VCPU_EXIT_HVC_RVM] = "hvc-rvm",
    [VCPU_EXIT_HVC_PSCI] = "hvc-psci",
    [VCPU_EXIT_HVC_OTHER] = "hvc-other",
    [VCPU_EXIT_SMC] = "smc",
    [VCPU_EXIT_GICD] = "dabt-gicd",
    [VCPU_EXIT_GICR] = "dabt-gicr",
    [VCPU_EXIT_PL011] = "dabt-pl011",
    [VCPU_EXIT_VDEV_OTHER] = "dabt-vdev",
    [VCPU_EXIT_ABORT_RAM] = "abort-ram",
    [VCPU_EXIT_ABORT] = "abort-fault",
    [VCPU_EXIT_SGI] = "sysreg-sgi",
    [VCPU_EXIT_SYSREG] = "sysreg-other",
    [VCPU_EXIT_WFI] = "wfi",
    [VCPU_EXIT_WFE] = "wfe",
    [VCPU_EXIT_FP] = "fp-lazy",
    [VCPU_EXIT_IRQ] = "irq",
    [VCPU_EXIT_IRQ_VTIMER] = "(irq-vtimer)",
    [VCPU_EXIT_SERROR] = "serror",
    [VCPU_EXIT_OTHER] = "other",
};
_Static_assert(VCPU_EXIT_OTHER + 1 == VCPU_EXIT_KINDS, "a name for every exit kind");

/*
 * The share of this CPU's instructions retired at EL2 since the first `exits` on it, which
 * starts the PMU's counters (not at boot: under QEMU's TCG an enabled counter costs on every
 * exception entry and return, and the other CPUs are left alone).
 */
static void print_el2_share(void)
{
        static bool counting[RVM_MAX_CPUS];
        unsigned cpu = this_cpu()->index;
        uint32_t el2 = 0, every = 0;

        if (!counting[cpu]) {
                arch_pmu_el2_share_start();
                counting[cpu] = true;
                con_printf("CPU %u: counting instructions at EL2 from now on (the next `exits`)\n",
                           cpu);
                return;
        }
        arch_pmu_el2_share_read(&el2, &every);
        if (every == 0) {
                con_printf(
                    "CPU %u: the PMU counts no instructions (QEMU counts them under "
                    "-icount only)\n",
                    cpu);
                return;
        }
        con_printf(
            "CPU %u since the first exits: %u of %u instructions at EL2 (%u.%02u%%; "
            "32-bit counters)\n",
            cpu, el2, every, (unsigned)((uint64_t)el2 * 100 / every),
            (unsigned)((uint64_t)el2 * 10000 / every % 100));
}

static int cmd_exits(int argc, char **argv)
{
        uint64_t id = 0;
        struct partition *p = NULL;

        if (argc != 2 || monitor_parse_u64(argv[1], &id) != 0 || id > PART_MAX ||
            (p = part_get((uint32_t)id)) == NULL || p->s2_root == NULL) {
                con_puts("usage: exits <guest partition id>\n");
                return -1;
        }
        uint64_t count[VCPU_EXIT_KINDS][PART_MAX_VCPUS];
        uint64_t all = 0;
        unsigned blocks = 0;
        run_lock_take(); /* the tables change under it; the counters are read as they are */
        unsigned tables = arch_s2_table_pages(p->s2_root, &blocks);
        for (unsigned k = 0; k < VCPU_EXIT_KINDS; k++) {
                for (unsigned i = 0; i < p->nr_vcpus; i++) {
                        count[k][i] = __atomic_load_n(&p->vcpus[i].exits[k], __ATOMIC_RELAXED);
                        all += k == VCPU_EXIT_IRQ_VTIMER ? 0 : count[k][i];
                }
        }
        run_lock_give();
        con_printf(
            "exits %u (%s): %llu traps to EL2; stage-2: %u table pages, %u blocks of 2 MiB\n",
            p->id, p->name, (unsigned long long)all, tables, blocks);
        con_printf("kind          ");
        for (unsigned i = 0; i < p->nr_vcpus; i++) {
                con_printf(" vcpu%-7u", i);
        }
        con_printf(" total\n");
        for (unsigned k = 0; k < VCPU_EXIT_KINDS; k++) {
                uint64_t sum = 0;
                con_printf("%-14s", exit_names[k]);
                for (unsigned i = 0; i < p->nr_vcpus; i++) {
                        con_printf(" %-11llu", (unsigned long long)count[k][i]);
                        sum += count[k][i];
                }
                con_printf(" %llu\n", (unsigned long long)sum);
        }
        print_el2_share();
        return 0;
}

MONITOR_CMD(exits, "exits", "<id>",
            "a guest partition's traps to EL2 by kind and vCPU, and its stage-2 table pages",
            cmd_exits);
