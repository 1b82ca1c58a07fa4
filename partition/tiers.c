/*
 * partition/tiers.c: dormant guest memory, applied (see tiers.h). A range of a small guest
 * partition's RAM (at most 1 MiB) is unmapped, compressed with lz4 (memory/tier.c) and its
 * pages returned to RVM's allocator; the partition's next touch of a page takes a stage-2
 * abort that brings that page back (tiers_fault). The tier's operations are applied here:
 * stage-2 maps and unmaps, the page allocator; partition/tiers_cold.c uses them too.
 */
#include "partition/tiers.h"

#include "arch/aarch64/arch.h"
#include "memory/memory.h"
#include "memory/tier.h"
#include "partition/share.h"
#include "partition/tiers_priv.h"
#include "witness/witness.h"

#define PAGE 4096ULL

static struct tier_space tiers;
struct tiers_figures tiers_fig;

/* Measured use, per partition (tiers_age). */
#define USE_PAGES TIER_MAX_PAGES
static struct {
        bool tracked;
        uint32_t hot, warm;       /* pages, at the last count */
        uint16_t idle[USE_PAGES]; /* counts since each page was last touched */
} use[PART_MAX + 1];

/* RVM's page allocator (memory/memory.h's pool) takes and gives the raw number. */
static pa_t op_alloc(void *ctx, uint64_t pages)
{
        uint64_t pa = 0;

        (void)ctx;
        return pa_init(mem_alloc_pages(tiers_env.pool, pages, 1, &pa) == PALLOC_OK ? pa : 0);
}

/* A stage-2 table page (arch_s2_map's and arch_s2_unmap's allocator takes the number). */
static uint64_t table_page(void *ctx)
{
        return pa_addr(op_alloc(ctx, 1));
}

static void op_free(void *ctx, pa_t pa, uint64_t pages)
{
        (void)ctx;
        (void)mem_free_pages(tiers_env.pool, pa_addr(pa), pages);
}

static bool op_reclaim(void *ctx, pa_t frame)
{
        struct mem_pool *pool = tiers_env.pool;
        const uint64_t pa = pa_addr(frame);

        (void)ctx;
        for (unsigned i = 0; i < pool->range_count; i++) {
                struct palloc *r = &pool->range[i];
                if (pa >= r->base && pa < r->base + r->page_count * PAGE) {
                        if (palloc_page_used(r, pa)) {
                                return false;
                        }
                        palloc_reserve(r, pa, PAGE);
                        return true;
                }
        }
        return false;
}

static int op_unmap(void *ctx, uint32_t part, ipa_t ipa, uint64_t pages)
{
        struct partition *p = part_get(part);

        /* Flushes the partition's TLB entries on every CPU (broadcast): no vCPU keeps a
         * translation to a page about to be freed. A 2 MiB block of its RAM is split first. */
        return p == NULL ? -1
                         : arch_s2_unmap(p->s2_root, ipa, pages * PAGE, p->vmid, table_page, ctx);
}

static int op_map(void *ctx, uint32_t part, ipa_t ipa, pa_t pa)
{
        struct partition *p = part_get(part);

        if (p != NULL) { /* the page was just written back: it may hold code */
                arch_icache_sync_range(mem_ptr(pa), PAGE);
                arch_icache_sync_finish();
        }
        if (p == NULL || arch_s2_map(p->s2_root, ipa, pa, PAGE, ARCH_S2_WRITE | ARCH_S2_EXEC,
                                     p->vmid, table_page, ctx) != 0) {
                return -1;
        }
        witness_emit(&(struct witness_event){
            .kind = WK_MEM_MAP, .actor = part, .target = pa_addr(pa), .payload = ipa_addr(ipa)});
        return 0;
}

static void *op_ptr(void *ctx, pa_t pa)
{
        (void)ctx;
        return mem_ptr(pa);
}

const struct tier_ops tiers_ops = {
    .alloc = op_alloc,
    .free = op_free,
    .reclaim = op_reclaim,
    .unmap = op_unmap,
    .map = op_map,
    .ptr = op_ptr,
};

void tiers_witness(uint32_t part, pa_t pa, ipa_t ipa, uint64_t t, bool denied, uint64_t err)
{
        witness_emit(&(struct witness_event){
            .kind = WK_MEM_TIER,
            .flags = denied ? WITNESS_F_DENIED : 0,
            .actor = part,
            .target = pa_addr(pa),
            .cap = ipa_addr(ipa),
            .payload = t | err << 32,
        });
}

/* The range of part that holds ipa (dormant or not), or NULL. */
static const struct tier_range *range_at(uint32_t part, ipa_t ipa)
{
        const uint64_t at = ipa_addr(ipa);

        for (unsigned i = 0; i < TIER_MAX_RANGES; i++) {
                const struct tier_range *r = &tiers.range[i];
                const uint64_t first = ipa_addr(r->ipa);
                if (r->used && r->part == part && at >= first &&
                    at - first < (uint64_t)r->pages * PAGE) {
                        return r;
                }
        }
        return NULL;
}

const struct tier_space *tiers_dormant(void)
{
        return &tiers;
}

const struct tier_range *tiers_range(unsigned idx)
{
        return idx < TIER_MAX_RANGES ? &tiers.range[idx] : &tiers.range[0];
}

const struct tiers_figures *tiers_figures(void)
{
        return &tiers_fig;
}

bool tiers_fault(struct partition *p, ipa_t ipa)
{
        uint64_t t0 = tiers_env.insns();
        int c = tiers_cold_fault(p, ipa);
        if (c >= 0) { /* a cold page: its whole range back (0), or refused (F3) */
                tiers_fig.fault_insns = tiers_env.insns() - t0;
                return c == 0;
        }
        if (!tier_is_dormant(&tiers, p->id, ipa)) {
                return false;
        }
        const struct tier_range *r = range_at(p->id, ipa);
        const pa_t first_pa = r->pa;
        const ipa_t first_ipa = r->ipa;
        pa_t frame = pa_init(0);
        t0 = tiers_env.insns();
        enum tier_err e = tier_fault_in(&tiers, &tiers_ops, p->id, ipa, &frame);
        tiers_fig.fault_insns = tiers_env.insns() - t0;
        if (e != TIER_OK) {
                /* No page to bring it back into, or its store is damaged: a fault. */
                tiers_witness(p->id, first_pa, ipa, TIER_DORMANT, true, e);
                tiers_env.not_restored(p, "dormant page", ipa, tier_err_name(e));
                return false;
        }
        if (range_at(p->id, first_ipa) == NULL || range_at(p->id, first_ipa)->dormant == 0) {
                tiers_witness(p->id, first_pa, first_ipa, TIER_HOT, false, 0);
        }
        return true;
}

void tiers_touch(struct partition *p, ipa_t ipa, uint64_t len)
{
        uint64_t at = ipa_addr(ipa);

        if (len == 0 || at + (len - 1) < at) {
                return;
        }
        /* From the first page to the last one, that included: counted up to an end page
         * (ipa + len, rounded up) would wrap to 0 for a range in the address space's last page,
         * and the loop would never end. */
        const uint64_t last = (at + (len - 1)) & ~(PAGE - 1);
        for (uint64_t page = at & ~(PAGE - 1);; page += PAGE) {
                (void)tiers_fault(p, ipa_init(page));
                if (page == last) {
                        break;
                }
        }
}

void tiers_wake(struct partition *p)
{
        uint64_t back = 0;

        tiers_cold_wake(p);
        (void)tiers_wake_dormant(p, &back);
}

int tiers_wake_dormant(struct partition *p, uint64_t *back)
{
        int bad = 0;
        uint64_t before = tiers.pages_returned;

        for (unsigned i = 0; i < TIER_MAX_RANGES; i++) {
                const struct tier_range *r = &tiers.range[i];
                if (r->used && r->part == p->id && r->dormant != 0) {
                        const pa_t pa = r->pa;
                        const ipa_t ipa = r->ipa;
                        enum tier_err e = tier_wake(&tiers, &tiers_ops, p->id);
                        tiers_witness(p->id, pa, ipa, TIER_HOT, e != TIER_OK, e);
                        bad += e != TIER_OK;
                }
        }
        *back += before - tiers.pages_returned;
        return bad;
}

bool tiers_claims(uint32_t part)
{
        if (tiers_cold_claims(part)) {
                return true;
        }
        for (unsigned i = 0; i < TIER_MAX_RANGES; i++) {
                if (tiers.range[i].used && tiers.range[i].part == part) {
                        return true;
                }
        }
        return false;
}

void tiers_age(struct partition *p)
{
        uint64_t pages = p->mem_size / PAGE, touched[USE_PAGES / 64] = {0};

        if (p->id > PART_MAX) {
                return;
        }
        if (pages > USE_PAGES) {
                pages = USE_PAGES;
        }
        (void)arch_s2_age(p->s2_root, ipa_init(PART_IPA_BASE), pages * PAGE, p->vmid, touched);
        use[p->id].tracked = true;
        use[p->id].hot = use[p->id].warm = 0;
        for (uint64_t i = 0; i < pages; i++) {
                if ((touched[i / 64] >> (i % 64)) & 1) {
                        use[p->id].idle[i] = 0;
                        use[p->id].hot++;
                        continue;
                }
                if (use[p->id].idle[i] < UINT16_MAX) {
                        use[p->id].idle[i]++;
                }
                pa_t pa;
                if (arch_s2_translate(p->s2_root, ipa_init(PART_IPA_BASE + i * PAGE), false, &pa)) {
                        use[p->id].warm++; /* mapped (a dormant page is neither) */
                }
        }
}

bool tiers_use(uint32_t part, struct tiers_use *out)
{
        if (part > PART_MAX || !use[part].tracked) {
                return false;
        }
        out->hot = use[part].hot;
        out->warm = use[part].warm;
        out->coldest = 0;
        for (unsigned i = 0; i < USE_PAGES; i++) {
                out->coldest = use[part].idle[i] > out->coldest ? use[part].idle[i] : out->coldest;
        }
        return true;
}

const char *tiers_make_dormant(struct partition *p, ipa_t ipa, uint64_t pages, uint64_t cause,
                               unsigned *idx)
{
        const uint64_t at = ipa_addr(ipa);
        const char *why = NULL;
        enum tier_err e = TIER_OK;

        if (p->cfg->kind != PART_KIND_GUEST || p->cfg->linux_boot || p->reloading ||
            p->state == PART_DESTROYED) {
                why = "not a small guest partition that is up (Linux guests are not supported)";
        } else if (share_in_transaction(p)) {
                why = "it shares, lends or was donated memory";
        } else if (tiers_cold_claims(p->id)) {
                why = "it has a cold range (warm it first)";
        } else if (at < PART_IPA_BASE || at % PAGE != 0 || pages == 0 || pages > TIER_MAX_PAGES ||
                   at - PART_IPA_BASE > p->mem_size ||
                   pages * PAGE > p->mem_size - (at - PART_IPA_BASE)) {
                why = "the range is not page-aligned RAM of the partition (at most 256 pages)";
        } else {
                e = tier_make_dormant(&tiers, &tiers_ops, p->id, ipa,
                                      pa_add(p->mem_pa, at - PART_IPA_BASE), (uint32_t)pages, idx);
                why = e == TIER_OK ? NULL : tier_err_name(e);
        }
        if (why != NULL) {
                tiers_witness(p->id, pa_init(0), ipa, TIER_DORMANT | cause, true,
                              e == TIER_OK ? TIER_E_INVAL : e);
                return why;
        }
        const struct tier_range *r = &tiers.range[*idx];
        tiers_witness(p->id, r->pa, r->ipa, TIER_DORMANT | cause, false, 0);
        return NULL;
}
