/*
 * partition/tiers_cold.c: cold guest memory, applied (see tiers.h; memory/cold.c writes and
 * checks the segments). The cold area is flash bank 0 from COLD_FLASH_OFFSET, used through
 * hal/pflash.h: a range of a small guest's RAM is written there and its frames freed; a
 * stage-2 abort on it (tiers_fault), `warm` or a wake before RVM copies or reloads the RAM
 * brings the whole range back, each page verified; a checkpoint's RAM can be written there
 * too (tiers_cold_write_ckpt). Witnessed as WK_MEM_COLD (and WK_MEM_TIER for the tier
 * changes).
 */
#include <string.h>

#include "hal/pflash.h"
#include "hal/timer.h"
#include "memory/cold.h"
#include "partition/share.h"
#include "partition/tiers.h"
#include "partition/tiers_priv.h"
#include "witness/witness.h"

#define PAGE 4096ULL

static struct cold_space cold;

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
        const struct board_info *b = tiers_env.board;

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
        uint64_t seq = r->seq, root = first8(r->root);
        const pa_t pa = r->pa;
        const ipa_t ipa = r->ipa;
        unsigned slot = r->slot;
        uint32_t pages = r->pages;
        uint64_t t0 = tiers_env.insns();
        enum cold_err e =
            f == NULL ? COLD_E_FLASH : cold_restore(&cold, &tiers_ops, f, (unsigned)idx);
        tiers_fig.cold_restore_insns = tiers_env.insns() - t0;

        witness_cold(COLD_OP_RESTORE, p->id, seq, root, slot, pages, e);
        if (e == COLD_OK) {
                tiers_witness(p->id, pa, ipa, TIER_HOT, false, 0);
        } else {
                tiers_env.not_restored(p, "cold range", ipa, cold_err_name(e));
        }
        return e;
}

int tiers_cold_fault(struct partition *p, ipa_t ipa)
{
        int ci = cold_find(&cold, p->id, ipa_init(ipa_addr(ipa) & ~(PAGE - 1)));

        /* The whole range comes back, each page verified; a mismatch is F3: nothing is
         * mapped, the abort stays a fault (the partition's fault policy, or a restore). */
        return ci < 0 ? -1 : cold_back(p, ci) == COLD_OK ? 0 : 1;
}

void tiers_cold_wake(struct partition *p)
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
                        enum cold_err e = cold_drop(&cold, &tiers_ops, i);
                        witness_cold(COLD_OP_DROP, p->id, seq, root, slot, pages,
                                     e == COLD_OK ? COLD_E_DAMAGED : e);
                }
        }
}

bool tiers_cold_claims(uint32_t part)
{
        return cold_claims(&cold, part);
}

const struct cold_space *tiers_cold(void)
{
        return &cold;
}

const struct cold_range *tiers_cold_range(unsigned idx)
{
        return idx < COLD_MAX_RANGES ? &cold.range[idx] : &cold.range[0];
}

int tiers_cold_area(void)
{
        return cold_state;
}

const char *tiers_make_cold(struct partition *p, ipa_t ipa, uint64_t pages, unsigned *idx)
{
        const uint64_t at = ipa_addr(ipa);
        const struct cold_flash *f = cold_area();
        const char *why = NULL;
        enum cold_err e = COLD_E_INVAL;

        if (p->cfg->kind != PART_KIND_GUEST || p->cfg->linux_boot || p->reloading ||
            p->state == PART_DESTROYED) {
                why = "not a small guest partition that is up (Linux guests are not supported)";
        } else if (share_in_transaction(p)) {
                why = "it shares, lends or was donated memory";
        } else if (tiers_claims(p->id)) {
                why = "it has dormant pages (or pages moved by them)";
        } else if (at < PART_IPA_BASE || at % PAGE != 0 || pages == 0 || pages > COLD_MAX_PAGES ||
                   at - PART_IPA_BASE > p->mem_size ||
                   pages * PAGE > p->mem_size - (at - PART_IPA_BASE)) {
                why = "the range is not page-aligned RAM of the partition (at most 256 pages)";
        } else if (f == NULL) {
                e = COLD_E_FLASH;
                why = "no cold area (no flash bank 0 of 64 MiB)";
        } else {
                uint64_t t0 = tiers_env.insns();
                e = cold_make(&cold, &tiers_ops, f, p->id, ipa,
                              pa_add(p->mem_pa, at - PART_IPA_BASE), (uint32_t)pages, hal_time_ns(),
                              idx);
                tiers_fig.cold_write_insns = tiers_env.insns() - t0;
                why = e == COLD_OK ? NULL : cold_err_name(e);
        }
        if (why != NULL) {
                witness_cold(COLD_OP_WRITE, p->id, 0, 0, 0, (uint32_t)pages, e);
                tiers_witness(p->id, pa_init(0), ipa, TIER_COLD, true, TIER_E_INVAL);
                return why;
        }
        const struct cold_range *r = &cold.range[*idx];
        witness_cold(COLD_OP_WRITE, p->id, r->seq, first8(r->root), r->slot, r->pages, COLD_OK);
        tiers_witness(p->id, r->pa, r->ipa, TIER_COLD, false, 0);
        return NULL;
}

int tiers_warm(struct partition *p, uint64_t *back, bool *damaged)
{
        uint64_t before = cold.pages_returned, refused = cold.damaged;
        int bad = 0;

        for (unsigned i = 0; i < COLD_MAX_RANGES; i++) {
                if (cold.range[i].used && cold.range[i].cold && cold.range[i].part == p->id) {
                        bad += cold_back(p, (int)i) != COLD_OK;
                }
        }
        *back = before - cold.pages_returned;
        if (bad == 0) {
                bad += tiers_wake_dormant(p, back);
        }
        *damaged = cold.damaged != refused;
        return bad;
}

int tiers_cold_write_ckpt(uint32_t part, const void *ram, uint64_t bytes, uint64_t now_ns,
                          unsigned *slot, uint64_t *seq, uint64_t *root8)
{
        const struct cold_flash *f = cold_area();
        uint8_t root[32] = {0};
        enum cold_err e =
            f == NULL ? COLD_E_FLASH
            : bytes % PAGE != 0 || bytes / PAGE > COLD_MAX_PAGES
                ? COLD_E_INVAL
                : cold_write(&cold, f, COLD_K_CHECKPOINT, part, ipa_init(PART_IPA_BASE), ram,
                             (uint32_t)(bytes / PAGE), now_ns, slot, seq, root);
        *root8 = first8(root);
        witness_cold(COLD_OP_CKPT, part, e == COLD_OK ? *seq : 0, *root8, e == COLD_OK ? *slot : 0,
                     (uint32_t)(bytes / PAGE), e);
        return (int)e;
}

#ifdef RVM_KTEST
int tiers_cold_inject(uint32_t part, ipa_t *ipa, uint32_t *now)
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
                                        *ipa = ipa_add(r->ipa, (uint64_t)page * COLD_PAGE + 4 * k);
                                        *now = w;
                                        return f->program(f->ctx, off + 4 * k, &w, 4);
                                }
                        }
                }
        }
        return -1;
}
#endif
