/*
 * kernel/tier_cmds.c: the kernel's side of dormant guest memory (partition/tiers.c applies it,
 * memory/tier.c compresses). `dormant <id> [<ipa> <pages>]` makes a range of a guest
 * partition's RAM dormant (its whole RAM by default, at most 1 MiB): unmapped, compressed with
 * lz4, its pages returned to RVM's allocator; the partition's next touch of a page takes a
 * stage-2 abort that brings that page back (trap.c calls tiers_fault). This file lends
 * partition/tiers.c the allocator, the board and the instruction counter (struct tiers_env),
 * says on the console what could not come back, and prints the tier lines of `mem`.
 */
#include "kernel/tier.h"

#include <string.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "kernel/console.h"
#include "kernel/fmt.h"
#include "kernel/monitor.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "memory/tier.h"
#include "partition/tiers.h"

#define PAGE 4096ULL

static void not_restored(const struct partition *p, const char *what, ipa_t ipa, const char *why)
{
        con_printf("rvm: partition %u (%s): %s at 0x%llx not restored: %s\n", p->id, p->name, what,
                   (unsigned long long)ipa_addr(ipa), why);
}

const struct tiers_env tiers_env = {
    .pool = &boot_state.mem,
    .board = &boot_state.board,
    .insns = mem_insns,
    .not_restored = not_restored,
};

uint64_t mem_insns(void)
{
#ifndef RVM_LOCK_STATS /* there the lock statistics start the counter (starting resets it) */
        static bool pmu_on[RVM_MAX_CPUS];
        if (!pmu_on[this_cpu()->index]) {
                arch_pmu_insn_start(); /* counting instructions from now on, on this CPU */
                pmu_on[this_cpu()->index] = true;
        }
#endif
        return arch_pmu_insn_read();
}

const char *mem_insns_text(char *buf, unsigned size, bool any, const char *what, uint64_t n)
{
        if (!any) {
                return "";
        }
        fmt_format(buf, size,
                   n != 0 ? "%s in %llu instructions"
                          : "%s's instructions not counted (QEMU counts them only under -icount)",
                   what, (unsigned long long)n);
        return buf;
}

void mem_tier_show(bool summary_only)
{
        char insns[96];
        const struct tier_space *tiers = tiers_dormant();

        if (!summary_only) {
                con_printf("tier     part IPA                 pages dormant stored-KiB\n");
                for (unsigned i = 0; i < TIER_MAX_RANGES; i++) {
                        const struct tier_range *r = &tiers->range[i];
                        if (!r->used) {
                                continue;
                        }
                        con_printf("%-8s %-4u 0x%016llx  %-5u %-7u %llu\n",
                                   tier_name(r->dormant != 0 ? TIER_DORMANT : TIER_HOT), r->part,
                                   (unsigned long long)ipa_addr(r->ipa), r->pages, r->dormant,
                                   (unsigned long long)(r->compressed_bytes + 1023) / 1024);
                }
        }
        mem_cold_show(summary_only);
        mem_tier_use_show();
        con_printf(
            "dormant: %llu pages returned (%llu KiB), stores hold %llu pages; %llu pages "
            "faulted back in (%llu into another frame)%s\n",
            (unsigned long long)tiers->pages_returned,
            (unsigned long long)(tiers->pages_returned * 4), (unsigned long long)tiers->store_pages,
            (unsigned long long)tiers->fault_ins, (unsigned long long)tiers->relocated,
            mem_insns_text(insns, sizeof(insns), tiers->fault_ins != 0, ", the last",
                           tiers_figures()->fault_insns));
}

static int cmd_dormant(int argc, char **argv)
{
        uint64_t id = 0, ipa = PART_IPA_BASE, pages = 0;

        if (argc >= 2 && strcmp(argv[1], "idle") == 0) {
                return mem_tier_idle_cmd(argc - 1, argv + 1);
        }
        if ((argc != 2 && argc != 4) || monitor_parse_u64(argv[1], &id) != 0 || id > PART_MAX ||
            part_get((uint32_t)id) == NULL ||
            (argc == 4 &&
             (monitor_parse_u64(argv[2], &ipa) != 0 || monitor_parse_u64(argv[3], &pages) != 0))) {
                con_puts(
                    "usage: dormant <partition id> [<ipa> <pages>] (default: all its RAM)\n"
                    "       dormant idle [<ms>|off] (the idle policy)\n");
                return -1;
        }
        run_lock_take();
        struct partition *p = part_get((uint32_t)id);
        if (argc == 2) {
                pages = p->mem_size / PAGE;
        }
        unsigned idx = 0;
        const char *why = tiers_make_dormant(p, ipa_init(ipa), pages, 0, &idx);
        if (why != NULL) {
                run_lock_give();
                con_printf("dormant: partition %llu: refused: %s\n", (unsigned long long)id, why);
                return -1;
        }
        const struct tier_range *r = tiers_range(idx);
        uint64_t raw = (uint64_t)r->pages * PAGE, packed = r->compressed_bytes;
        uint64_t store = r->store_pages;
        run_lock_give();
        con_printf(
            "dormant %llu (%s): %llu pages at IPA 0x%llx compressed %llu -> %llu bytes "
            "(ratio %llu.%02llu) in %llu pages; %llu pages returned\n",
            (unsigned long long)id, p->name, (unsigned long long)pages, (unsigned long long)ipa,
            (unsigned long long)raw, (unsigned long long)packed,
            (unsigned long long)(raw / (packed ? packed : 1)),
            (unsigned long long)(raw * 100 / (packed ? packed : 1) % 100),
            (unsigned long long)store, (unsigned long long)pages);
        return 0;
}
MONITOR_CMD(dormant, "dormant", "<id> [<ipa> <pages>] | idle [<ms>|off]",
            "make guest RAM dormant: unmapped, lz4-compressed, its pages freed; a touch brings "
            "a page back. `idle`: guests idle that long go dormant by themselves",
            cmd_dormant);
