/*
 * kernel/cold_cmds.c: the kernel's side of the cold tier (partition/tiers_cold.c applies it,
 * memory/cold.c writes and checks the segments): `cold <id> [<ipa> <pages>]` writes guest RAM
 * to the cold area in flash and frees its frames, `warm <id>` brings its cold and dormant
 * ranges back, each page verified (a stage-2 abort on a cold page does too: tiers_fault), and
 * the cold lines of `mem`. `checkpoint <id> flash` (kernel/ckpt_cmds.c) writes a checkpoint's
 * RAM there. All under run_lock.
 */
#include <string.h>

#include "kernel/console.h"
#include "kernel/monitor.h"
#include "kernel/run.h"
#include "kernel/tier.h"
#include "memory/cold.h"
#include "partition/tiers.h"

#define PAGE 4096ULL

static uint64_t first8(const uint8_t h[32])
{
        uint64_t v = 0;

        memcpy(&v, h, sizeof(v));
        return v;
}

void mem_cold_show(bool summary_only)
{
        const struct cold_space *cold = tiers_cold();
        const struct tiers_figures *fig = tiers_figures();
        int area = tiers_cold_area();
        char wrote[96], restored[96];

        for (unsigned i = 0; !summary_only && i < COLD_MAX_RANGES; i++) {
                const struct cold_range *r = &cold->range[i];
                if (r->used && r->cold) {
                        con_printf("%-8s %-4u 0x%016llx  %-5u slot %u seq %llu root %016llx\n",
                                   tier_name(TIER_COLD), r->part,
                                   (unsigned long long)ipa_addr(r->ipa), r->pages, r->slot,
                                   (unsigned long long)r->seq,
                                   (unsigned long long)__builtin_bswap64(first8(r->root)));
                }
        }
        con_printf(
            "cold: %llu pages returned (%llu KiB), %llu segments written to flash, %llu "
            "ranges restored, %llu refused as damaged; area %s%s%s\n",
            (unsigned long long)cold->pages_returned,
            (unsigned long long)(cold->pages_returned * 4), (unsigned long long)cold->writes,
            (unsigned long long)cold->restores, (unsigned long long)cold->damaged,
            area == 1   ? "flash bank 0 at 0xa00000 (5 MiB, 4 slots)"
            : area == 0 ? "not used yet"
                        : "none (no flash bank 0 of 64 MiB)",
            mem_insns_text(wrote, sizeof(wrote), cold->writes != 0, "; the last write",
                           fig->cold_write_insns),
            mem_insns_text(restored, sizeof(restored), cold->restores != 0, "; the last restore",
                           fig->cold_restore_insns));
}

static int cmd_cold(int argc, char **argv)
{
        uint64_t id = 0, ipa = PART_IPA_BASE, pages = 0;

        if ((argc != 2 && argc != 4) || monitor_parse_u64(argv[1], &id) != 0 || id > PART_MAX ||
            part_get((uint32_t)id) == NULL ||
            (argc == 4 &&
             (monitor_parse_u64(argv[2], &ipa) != 0 || monitor_parse_u64(argv[3], &pages) != 0))) {
                con_puts("usage: cold <partition id> [<ipa> <pages>] (default: all its RAM)\n");
                return -1;
        }
        run_lock_take();
        struct partition *p = part_get((uint32_t)id);
        if (argc == 2) {
                pages = p->mem_size / PAGE;
        }
        unsigned idx = 0;
        const char *why = tiers_make_cold(p, ipa_init(ipa), pages, &idx);
        if (why != NULL) {
                run_lock_give();
                con_printf("cold: partition %llu: refused: %s\n", (unsigned long long)id, why);
                return -1;
        }
        const struct cold_range *r = tiers_cold_range(idx);
        uint64_t seq = r->seq, root = __builtin_bswap64(first8(r->root));
        unsigned slot = r->slot;
        run_lock_give();
        con_printf(
            "cold %llu (%s): %llu pages at IPA 0x%llx written to flash (slot %u, seq %llu, "
            "root %016llx); %llu pages returned\n",
            (unsigned long long)id, p->name, (unsigned long long)pages, (unsigned long long)ipa,
            slot, (unsigned long long)seq, (unsigned long long)root, (unsigned long long)pages);
        return 0;
}
MONITOR_CMD(cold, "cold", "<id> [<ipa> <pages>]",
            "make guest RAM cold: written to flash (hashed, witnessed), its pages freed; a touch "
            "or 'warm' brings it back",
            cmd_cold);

static int cmd_warm(int argc, char **argv)
{
        uint64_t id = 0;

        if (argc != 2 || monitor_parse_u64(argv[1], &id) != 0 || id > PART_MAX ||
            part_get((uint32_t)id) == NULL) {
                con_puts("usage: warm <partition id> (its cold and dormant pages back)\n");
                return -1;
        }
        run_lock_take();
        struct partition *p = part_get((uint32_t)id);
        uint64_t back = 0;
        bool damaged = false;
        int bad = tiers_warm(p, &back, &damaged);
        run_lock_give();
        if (bad != 0) {
                con_printf("warm %llu (%s): refused: %s (%llu pages back)\n",
                           (unsigned long long)id, p->name,
                           damaged ? "a cold copy's hash does not match (F3)"
                                   : "no memory, or a flash or mapping error",
                           (unsigned long long)back);
                return -1;
        }
        con_printf("warm %llu (%s): %llu pages back in RAM, verified\n", (unsigned long long)id,
                   p->name, (unsigned long long)back);
        return 0;
}
MONITOR_CMD(warm, "warm", "<id>", "bring a partition's cold and dormant pages back", cmd_warm);
