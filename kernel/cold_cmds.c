/*
 * kernel/cold_cmds.c: the kernel's side of the cold tier (memory/cold.c). The cold area is
 * flash bank 0 from COLD_FLASH_OFFSET, used through hal/pflash.h; `cold <id> [<ipa> <pages>]`
 * writes guest RAM there and frees its frames, a stage-2 abort on it (mem_tier_fault) or
 * `warm <id>` brings the whole range back, each page verified; `checkpoint <id> flash`
 * (kernel/ckpt_cmds.c) writes a checkpoint's RAM there. Witnessed as WK_MEM_COLD (and
 * WK_MEM_TIER for the tier changes). All under run_lock.
 */
#include <string.h>

#include "boot/boot.h"
#include "hal/pflash.h"
#include "hal/timer.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "kernel/run.h"
#include "kernel/tier.h"
#include "kernel/tier_priv.h"
#include "memory/cold.h"
#include "memory/memory.h"
#include "partition/share.h"
#include "witness/witness.h"

#define PAGE 4096ULL

static struct cold_space cold;
static uint64_t last_write_insns, last_restore_insns; /* the last cold write and restore (PMU) */

/* ---- the cold area: flash bank 0 at COLD_FLASH_OFFSET, through hal/pflash.h ---- */
static struct pflash cold_dev;
static int cold_state; /* 0 not probed, 1 ready, -1 none */

static int fl_read(void *ctx, uint64_t off, void *buf, size_t len)
{
        return hal_pflash_read(ctx, off, buf, len) == PFLASH_OK ? 0 : -1;
}

static int fl_program(void *ctx, uint64_t off, const void *buf, size_t len)
{
        return hal_pflash_program(ctx, off, buf, len) == PFLASH_OK ? 0 : -1;
}

static int fl_erase(void *ctx, uint64_t off)
{
        return hal_pflash_erase_block(ctx, off) == PFLASH_OK ? 0 : -1;
}

static struct cold_flash cold_fl = {
    .ctx = &cold_dev,
    .read = fl_read,
    .program = fl_program,
    .erase_block = fl_erase,
    .hash = witness_sha256,
};

/* The area, set up at first use. Not probed: QEMU's pflash answers the CFI query only near
 * a bank's start, and address 0 of bank 0 stays unmapped (boot/boot.c); the geometry is
 * what hal_pflash_probe finds on QEMU virt's banks (bank 1, the witness store): 256 KiB
 * erase blocks, a 4 KiB write buffer (two 16-bit devices of 2 KiB side by side). A board
 * with another bank 0 needs its own numbers here. NULL: no bank 0 large enough. */
#define COLD_BLOCK    (256u << 10)
#define COLD_WRITEBUF 4096u

static const struct cold_flash *cold_area(void)
{
        const struct board_info *b = &boot_state.board;

        if (cold_state == 0) {
                cold_state = -1;
                if (b->flash_count > 0 && b->flash[0].size >= COLD_FLASH_OFFSET + COLD_AREA_SIZE) {
                        cold_dev = (struct pflash){.base = b->flash[0].base + COLD_FLASH_OFFSET,
                                                   .size = COLD_AREA_SIZE,
                                                   .block_size = COLD_BLOCK,
                                                   .write_buf = COLD_WRITEBUF};
                        cold_fl.block_size = COLD_BLOCK;
                        cold_space_init(&cold);
                        cold_state = 1;
                }
        }
        return cold_state == 1 ? &cold_fl : NULL;
}

enum cold_op {
        COLD_OP_WRITE = 1,   /* a range went cold */
        COLD_OP_RESTORE = 2, /* it came back (touch or command) */
        COLD_OP_CKPT = 3,    /* a checkpoint written to flash */
        COLD_OP_DROP = 4,    /* its flash copy was damaged: zeroed pages instead (F3) */
};

static uint64_t first8(const uint8_t h[32])
{
        uint64_t v = 0;

        memcpy(&v, h, sizeof(v));
        return v;
}

/* WK_MEM_COLD: target = seq, cap = first 8 bytes of the root, payload = op | slot << 8 |
 * pages << 16 | err << 40 (docs/WITNESS.md). */
static void witness_cold(enum cold_op op, uint32_t part, uint64_t seq, uint64_t root8,
                         unsigned slot, uint32_t pages, enum cold_err err)
{
        witness_emit(&(struct witness_event){
            .kind = WK_MEM_COLD,
            .flags = err != COLD_OK ? WITNESS_F_DENIED : 0,
            .actor = part,
            .target = seq,
            .cap = root8,
            .payload = (uint64_t)op | (uint64_t)(slot & 0xff) << 8 | (uint64_t)pages << 16 |
                       (uint64_t)err << 40,
        });
}

/* Bring cold range idx of p back whole: witnessed (WK_MEM_COLD op 2, WK_MEM_TIER hot). */
static enum cold_err cold_back(struct partition *p, int idx)
{
        const struct cold_flash *f = cold_area();
        const struct cold_range *r = &cold.range[idx];
        uint64_t seq = r->seq, pa = r->pa, ipa = r->ipa, root = first8(r->root);
        unsigned slot = r->slot;
        uint32_t pages = r->pages;
        uint64_t t0 = mem_insns();
        enum cold_err e =
            f == NULL ? COLD_E_FLASH : cold_restore(&cold, mem_tier_ops(), f, (unsigned)idx);
        last_restore_insns = mem_insns() - t0;

        witness_cold(COLD_OP_RESTORE, p->id, seq, root, slot, pages, e);
        if (e == COLD_OK) {
                mem_tier_witness(p->id, pa, ipa, TIER_HOT, false, 0);
        } else {
                con_printf("rvm: partition %u (%s): cold range at 0x%llx not restored: %s\n", p->id,
                           p->name, (unsigned long long)ipa, cold_err_name(e));
        }
        return e;
}

int mem_cold_fault(struct partition *p, uint64_t ipa)
{
        int ci = cold_find(&cold, p->id, ipa & ~(PAGE - 1));

        /* The whole range comes back, each page verified; a mismatch is F3: nothing is
         * mapped, the abort stays a fault (the partition's fault policy, or a restore). */
        return ci < 0 ? -1 : cold_back(p, ci) == COLD_OK ? 0 : 1;
}

void mem_cold_wake(struct partition *p)
{
        for (unsigned i = 0; i < COLD_MAX_RANGES; i++) {
                const struct cold_range *r = &cold.range[i];
                if (r->used && r->cold && r->part == p->id && cold_back(p, (int)i) != COLD_OK) {
                        /* Its RAM must be whole before it is copied or reloaded: zeroed
                         * pages stand in for a copy that is damaged or unreadable
                         * (witnessed, F3). */
                        uint64_t seq = r->seq, root = first8(r->root);
                        unsigned slot = r->slot;
                        uint32_t pages = r->pages;
                        enum cold_err e = cold_drop(&cold, mem_tier_ops(), i);
                        witness_cold(COLD_OP_DROP, p->id, seq, root, slot, pages,
                                     e == COLD_OK ? COLD_E_DAMAGED : e);
                }
        }
}

bool mem_cold_claims(uint32_t part)
{
        return cold_claims(&cold, part);
}

void mem_cold_show(bool summary_only)
{
        for (unsigned i = 0; !summary_only && i < COLD_MAX_RANGES; i++) {
                const struct cold_range *r = &cold.range[i];
                if (r->used && r->cold) {
                        con_printf("%-8s %-4u 0x%016llx  %-5u slot %u seq %llu root %016llx\n",
                                   tier_name(TIER_COLD), r->part, (unsigned long long)r->ipa,
                                   r->pages, r->slot, (unsigned long long)r->seq,
                                   (unsigned long long)__builtin_bswap64(first8(r->root)));
                }
        }
        con_printf(
            "cold: %llu pages returned (%llu KiB), %llu segments written to flash, %llu "
            "ranges restored, %llu refused as damaged; area %s; the last write took %llu "
            "instructions, the last restore %llu\n",
            (unsigned long long)cold.pages_returned, (unsigned long long)(cold.pages_returned * 4),
            (unsigned long long)cold.writes, (unsigned long long)cold.restores,
            (unsigned long long)cold.damaged,
            cold_state == 1   ? "flash bank 0 at 0xa00000 (5 MiB, 4 slots)"
            : cold_state == 0 ? "not used yet"
                              : "none (no flash bank 0 of 64 MiB)",
            (unsigned long long)last_write_insns, (unsigned long long)last_restore_insns);
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
        const struct cold_flash *f = cold_area();
        const char *why = NULL;
        enum cold_err e = COLD_E_INVAL;
        unsigned idx = 0;
        if (p->cfg->kind != PART_KIND_GUEST || p->cfg->linux_boot || p->reloading ||
            p->state == PART_DESTROYED) {
                why = "not a small guest partition that is up (Linux guests are not supported)";
        } else if (share_in_transaction(p)) {
                why = "it shares, lends or was donated memory";
        } else if (mem_tier_claims(p->id)) {
                why = "it has dormant pages (or pages moved by them)";
        } else if (ipa < PART_IPA_BASE || ipa % PAGE != 0 || pages == 0 || pages > COLD_MAX_PAGES ||
                   ipa - PART_IPA_BASE > p->mem_size ||
                   pages * PAGE > p->mem_size - (ipa - PART_IPA_BASE)) {
                why = "the range is not page-aligned RAM of the partition (at most 256 pages)";
        } else if (f == NULL) {
                e = COLD_E_FLASH;
                why = "no cold area (no flash bank 0 of 64 MiB)";
        } else {
                uint64_t t0 = mem_insns();
                e = cold_make(&cold, mem_tier_ops(), f, p->id, ipa,
                              pa_addr(p->mem_pa) + (ipa - PART_IPA_BASE), (uint32_t)pages,
                              hal_time_ns(), &idx);
                last_write_insns = mem_insns() - t0;
                why = e == COLD_OK ? NULL : cold_err_name(e);
        }
        if (why != NULL) {
                witness_cold(COLD_OP_WRITE, p->id, 0, 0, 0, (uint32_t)pages, e);
                mem_tier_witness(p->id, 0, ipa, TIER_COLD, true, TIER_E_INVAL);
                run_lock_give();
                con_printf("cold: partition %llu: refused: %s\n", (unsigned long long)id, why);
                return -1;
        }
        const struct cold_range *r = &cold.range[idx];
        witness_cold(COLD_OP_WRITE, p->id, r->seq, first8(r->root), r->slot, r->pages, COLD_OK);
        mem_tier_witness(p->id, r->pa, r->ipa, TIER_COLD, false, 0);
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
        uint64_t back = cold.pages_returned, refused = cold.damaged;
        int bad = 0;
        for (unsigned i = 0; i < COLD_MAX_RANGES; i++) {
                if (cold.range[i].used && cold.range[i].cold && cold.range[i].part == p->id) {
                        bad += cold_back(p, (int)i) != COLD_OK;
                }
        }
        back -= cold.pages_returned;
        if (bad == 0) {
                bad += mem_tier_wake_dormant(p, &back);
        }
        bool damaged = cold.damaged != refused;
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

int mem_cold_write_ckpt(uint32_t part, const void *ram, uint64_t bytes, uint64_t now_ns,
                        unsigned *slot, uint64_t *seq, uint64_t *root8)
{
        const struct cold_flash *f = cold_area();
        uint8_t root[32] = {0};
        enum cold_err e = f == NULL ? COLD_E_FLASH
                          : bytes % PAGE != 0 || bytes / PAGE > COLD_MAX_PAGES
                              ? COLD_E_INVAL
                              : cold_write(&cold, f, COLD_K_CHECKPOINT, part, PART_IPA_BASE, ram,
                                           (uint32_t)(bytes / PAGE), now_ns, slot, seq, root);
        *root8 = first8(root);
        witness_cold(COLD_OP_CKPT, part, e == COLD_OK ? *seq : 0, *root8, e == COLD_OK ? *slot : 0,
                     (uint32_t)(bytes / PAGE), e);
        return (int)e;
}

const char *mem_cold_err(int e)
{
        return cold_err_name((enum cold_err)e);
}

#ifdef RVM_KTEST
int mem_cold_inject(uint32_t part, uint64_t *ipa, uint32_t *now)
{
        const struct cold_flash *f = cold_area();

        for (unsigned i = 0; f != NULL && i < COLD_MAX_RANGES; i++) {
                const struct cold_range *r = &cold.range[i];
                if (!r->used || !r->cold || r->part != part) {
                        continue;
                }
                /* NOR programs only clear bits: the lowest set bit of the first non-zero
                 * word from its middle page on goes. */
                for (uint32_t page = r->pages / 2; page < r->pages; page++) {
                        uint64_t off = (uint64_t)r->slot * COLD_SLOT_SIZE + COLD_DATA_OFFSET +
                                       (uint64_t)page * COLD_PAGE;
                        for (unsigned k = 0; k < COLD_PAGE / 4; k++) {
                                uint32_t w = 0;
                                if (f->read(f->ctx, off + 4 * k, &w, 4) == 0 && w != 0) {
                                        w &= w - 1;
                                        *ipa = r->ipa + (uint64_t)page * COLD_PAGE + 4 * k;
                                        *now = w;
                                        return f->program(f->ctx, off + 4 * k, &w, 4);
                                }
                        }
                }
        }
        return -1;
}
#endif
