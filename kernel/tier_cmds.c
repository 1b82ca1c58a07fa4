/*
 * kernel/tier_cmds.c: dormant guest memory. `dormant <id> [<ipa> <pages>]` unmaps a range of
 * a guest partition's RAM (its whole RAM by default, at most 1 MiB), compresses it with lz4
 * (memory/tier.c) and returns its pages to RVM's allocator; the partition's next touch of a
 * page takes a stage-2 abort that brings that page back (trap.c calls mem_tier_fault). The
 * tier's operations are applied here: stage-2 maps and unmaps, the page allocator.
 */
#include "kernel/tier.h"

#include <string.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "kernel/tier_priv.h"
#include "memory/memory.h"
#include "memory/tier.h"
#include "partition/share.h"
#include "witness/witness.h"

#define PAGE 4096ULL

static struct tier_space tiers;
static uint64_t last_fault_insns; /* instructions the last fault-in took (PMU) */

static uint64_t op_alloc(void *ctx, uint64_t pages)
{
        uint64_t pa = 0;

        (void)ctx;
        return mem_alloc_pages(&boot_state.mem, pages, 1, &pa) == PALLOC_OK ? pa : 0;
}

static uint64_t table_page(void *ctx)
{
        return op_alloc(ctx, 1);
}

static void op_free(void *ctx, uint64_t pa, uint64_t pages)
{
        (void)ctx;
        (void)mem_free_pages(&boot_state.mem, pa, pages);
}

static bool op_reclaim(void *ctx, uint64_t pa)
{
        (void)ctx;
        for (unsigned i = 0; i < boot_state.mem.range_count; i++) {
                struct palloc *r = &boot_state.mem.range[i];
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

static int op_unmap(void *ctx, uint32_t part, uint64_t ipa, uint64_t pages)
{
        struct partition *p = part_get(part);

        /* Flushes the partition's TLB entries on every CPU (broadcast): no vCPU keeps a
         * translation to a page about to be freed. A 2 MiB block of its RAM is split first. */
        return p == NULL ? -1
                         : arch_s2_unmap(p->s2_root, ipa_init(ipa), pages * PAGE, p->vmid,
                                         table_page, ctx);
}

static int op_map(void *ctx, uint32_t part, uint64_t ipa, uint64_t pa)
{
        struct partition *p = part_get(part);

        if (p != NULL) { /* the page was just written back: it may hold code */
                arch_icache_sync_range(mem_ptr(pa_init(pa)), PAGE);
                arch_icache_sync_finish();
        }
        if (p == NULL || arch_s2_map(p->s2_root, ipa_init(ipa), pa_init(pa), PAGE,
                                     ARCH_S2_WRITE | ARCH_S2_EXEC, p->vmid, table_page, ctx) != 0) {
                return -1;
        }
        witness_emit(&(struct witness_event){
            .kind = WK_MEM_MAP, .actor = part, .target = pa, .payload = ipa});
        return 0;
}

static void *op_ptr(void *ctx, uint64_t pa)
{
        (void)ctx;
        return mem_ptr(pa_init(pa));
}

static const struct tier_ops ops = {
    .alloc = op_alloc,
    .free = op_free,
    .reclaim = op_reclaim,
    .unmap = op_unmap,
    .map = op_map,
    .ptr = op_ptr,
};

void mem_tier_witness(uint32_t part, uint64_t pa, uint64_t ipa, uint64_t t, bool denied,
                      uint64_t err)
{
        witness_emit(&(struct witness_event){
            .kind = WK_MEM_TIER,
            .flags = denied ? WITNESS_F_DENIED : 0,
            .actor = part,
            .target = pa,
            .cap = ipa,
            .payload = t | err << 32,
        });
}

/* The range of part that holds ipa (dormant or not), or NULL. */
static const struct tier_range *range_at(uint32_t part, uint64_t ipa)
{
        for (unsigned i = 0; i < TIER_MAX_RANGES; i++) {
                const struct tier_range *r = &tiers.range[i];
                if (r->used && r->part == part && ipa >= r->ipa &&
                    ipa - r->ipa < (uint64_t)r->pages * PAGE) {
                        return r;
                }
        }
        return NULL;
}

const struct tier_range *mem_tier_range(unsigned idx)
{
        return idx < TIER_MAX_RANGES ? &tiers.range[idx] : &tiers.range[0];
}

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

bool mem_tier_fault(struct partition *p, uint64_t ipa)
{
        uint64_t t0 = mem_insns();
        int c = mem_cold_fault(p, ipa);
        if (c >= 0) { /* a cold page: its whole range back (0), or refused (F3) */
                last_fault_insns = mem_insns() - t0;
                return c == 0;
        }
        if (!tier_is_dormant(&tiers, p->id, ipa)) {
                return false;
        }
        const struct tier_range *r = range_at(p->id, ipa);
        uint64_t first_pa = r->pa, first_ipa = r->ipa, frame = 0;
        t0 = mem_insns();
        enum tier_err e = tier_fault_in(&tiers, &ops, p->id, ipa, &frame);
        last_fault_insns = mem_insns() - t0;
        if (e != TIER_OK) {
                /* No page to bring it back into, or its store is damaged: a fault. */
                mem_tier_witness(p->id, first_pa, ipa, TIER_DORMANT, true, e);
                con_printf("rvm: partition %u (%s): dormant page at 0x%llx not restored: %s\n",
                           p->id, p->name, (unsigned long long)ipa, tier_err_name(e));
                return false;
        }
        if (range_at(p->id, first_ipa) == NULL || range_at(p->id, first_ipa)->dormant == 0) {
                mem_tier_witness(p->id, first_pa, first_ipa, TIER_HOT, false, 0);
        }
        return true;
}

void mem_tier_touch(struct partition *p, uint64_t ipa, uint64_t len)
{
        if (len == 0 || ipa + (len - 1) < ipa) {
                return;
        }
        /* From the first page to the last one, that included: counted up to an end page
         * (ipa + len, rounded up) would wrap to 0 for a range in the address space's last page,
         * and the loop would never end. */
        const uint64_t last = (ipa + (len - 1)) & ~(PAGE - 1);
        for (uint64_t page = ipa & ~(PAGE - 1);; page += PAGE) {
                (void)mem_tier_fault(p, page);
                if (page == last) {
                        break;
                }
        }
}

void mem_tier_wake(struct partition *p)
{
        uint64_t back = 0;

        mem_cold_wake(p);
        (void)mem_tier_wake_dormant(p, &back);
}

int mem_tier_wake_dormant(struct partition *p, uint64_t *back)
{
        int bad = 0;
        uint64_t before = tiers.pages_returned;

        for (unsigned i = 0; i < TIER_MAX_RANGES; i++) {
                const struct tier_range *r = &tiers.range[i];
                if (r->used && r->part == p->id && r->dormant != 0) {
                        uint64_t pa = r->pa, ipa = r->ipa;
                        enum tier_err e = tier_wake(&tiers, &ops, p->id);
                        mem_tier_witness(p->id, pa, ipa, TIER_HOT, e != TIER_OK, e);
                        bad += e != TIER_OK;
                }
        }
        *back += before - tiers.pages_returned;
        return bad;
}

bool mem_tier_claims(uint32_t part)
{
        if (mem_cold_claims(part)) {
                return true;
        }
        for (unsigned i = 0; i < TIER_MAX_RANGES; i++) {
                if (tiers.range[i].used && tiers.range[i].part == part) {
                        return true;
                }
        }
        return false;
}

void mem_tier_show(bool summary_only)
{
        if (!summary_only) {
                con_printf("tier     part IPA                 pages dormant stored-KiB\n");
                for (unsigned i = 0; i < TIER_MAX_RANGES; i++) {
                        const struct tier_range *r = &tiers.range[i];
                        if (!r->used) {
                                continue;
                        }
                        con_printf("%-8s %-4u 0x%016llx  %-5u %-7u %llu\n",
                                   tier_name(r->dormant != 0 ? TIER_DORMANT : TIER_HOT), r->part,
                                   (unsigned long long)r->ipa, r->pages, r->dormant,
                                   (unsigned long long)(r->compressed_bytes + 1023) / 1024);
                }
        }
        mem_cold_show(summary_only);
        mem_tier_use_show();
        con_printf(
            "dormant: %llu pages returned (%llu KiB), stores hold %llu pages; %llu pages "
            "faulted back in (%llu into another frame), the last in %llu instructions\n",
            (unsigned long long)tiers.pages_returned,
            (unsigned long long)(tiers.pages_returned * 4), (unsigned long long)tiers.store_pages,
            (unsigned long long)tiers.fault_ins, (unsigned long long)tiers.relocated,
            (unsigned long long)last_fault_insns);
}

/*
 * Make [ipa, ipa + pages) of p's RAM dormant (run_lock held). NULL and *idx = its range, or
 * why it was refused (witnessed). `cause` goes into the record: 0 the monitor, TIER_BY_IDLE
 * the idle policy (kernel/tier_idle.c).
 */
const char *mem_tier_make_dormant(struct partition *p, uint64_t ipa, uint64_t pages, uint64_t cause,
                                  unsigned *idx)
{
        const char *why = NULL;
        enum tier_err e = TIER_OK;

        if (p->cfg->kind != PART_KIND_GUEST || p->cfg->linux_boot || p->reloading ||
            p->state == PART_DESTROYED) {
                why = "not a small guest partition that is up (Linux guests are not supported)";
        } else if (share_in_transaction(p)) {
                why = "it shares, lends or was donated memory";
        } else if (mem_cold_claims(p->id)) {
                why = "it has a cold range (warm it first)";
        } else if (ipa < PART_IPA_BASE || ipa % PAGE != 0 || pages == 0 || pages > TIER_MAX_PAGES ||
                   ipa - PART_IPA_BASE > p->mem_size ||
                   pages * PAGE > p->mem_size - (ipa - PART_IPA_BASE)) {
                why = "the range is not page-aligned RAM of the partition (at most 256 pages)";
        } else {
                e = tier_make_dormant(&tiers, &ops, p->id, ipa,
                                      pa_addr(p->mem_pa) + (ipa - PART_IPA_BASE), (uint32_t)pages,
                                      idx);
                why = e == TIER_OK ? NULL : tier_err_name(e);
        }
        if (why != NULL) {
                mem_tier_witness(p->id, 0, ipa, TIER_DORMANT | cause, true,
                                 e == TIER_OK ? TIER_E_INVAL : e);
                return why;
        }
        const struct tier_range *r = &tiers.range[*idx];
        mem_tier_witness(p->id, r->pa, r->ipa, TIER_DORMANT | cause, false, 0);
        return NULL;
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
        const char *why = mem_tier_make_dormant(p, ipa, pages, 0, &idx);
        if (why != NULL) {
                run_lock_give();
                con_printf("dormant: partition %llu: refused: %s\n", (unsigned long long)id, why);
                return -1;
        }
        const struct tier_range *r = &tiers.range[idx];
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

const struct tier_ops *mem_tier_ops(void)
{
        return &ops;
}
