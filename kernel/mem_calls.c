/*
 * kernel/mem_calls.c: the memory-region hypercalls (mem_offer, mem_retrieve,
 * mem_relinquish, mem_reclaim; docs/ABI.md "Memory regions"), decoded here and carried out
 * by partition/share.c, and the monitor's `regions` command. A profile without the share
 * feature (the Seed) refuses the four calls (GATE_E_NOT_SUPPORTED, witnessed denied by the
 * gate as WK_COMM_LEND); its regions are still tracked (RAM, CommEdge pages).
 */
#include "configs/features.h"
#include "kernel/console.h"
#include "kernel/hvc.h"
#include "kernel/monitor.h"
#include "kernel/run.h"
#include "kernel/tier.h"
#include "memory/region.h"
#include "partition/edge.h"
#include "partition/share.h"
#include "partition/tiers.h"

/* Every partition can have its REGION_OFFERS_EACH live offers at once: one cannot take the
 * offers the others are owed (memory/region.c refuses an owner past its own). */
_Static_assert(REGION_OFFERS >= PART_MAX * REGION_OFFERS_EACH,
               "the offer table must hold every partition's offers");
#ifdef RVM_WITH_SHARE
/* ... and every partition's RAM in REGION_PIECES_EACH pieces, each CommEdge's page and RVM's
 * image (partition/share.c), so no two partitions can cut the table up for the others. */
_Static_assert(REGION_MAX >= 1 + EDGE_MAX + PART_MAX * REGION_PIECES_EACH,
               "the region table must hold every partition's pieces");
#endif

#ifdef RVM_WITH_SHARE
static int32_t done(struct gate_ctx *ctx, enum part_err e, const struct share_result *r, bool regs)
{
        if (e != PART_OK) {
                return gate_status_from_part(e);
        }
        if (regs) {
                ctx->call->x[1] = r->x1;
                ctx->call->x[2] = r->x2;
        }
        ctx->target = r->offer;
        ctx->payload = r->payload;
        return GATE_OK;
}

/* x1 the caller's memory capability, x2 IPA, x3 size, x4 peer, x5 kind | read-only. */
int32_t share_hc_offer(struct gate_ctx *ctx)
{
        const uint64_t *x = ctx->call->x;
        struct share_result r = {0};
        uint32_t peer = x[4] <= PART_MAX ? (uint32_t)x[4] : 0;

        if (tiers_claims(ctx->call->caller)) {
                /* Its RAM has dormant pages, or pages in other frames than the regions say. */
                return gate_status_from_part(PART_E_BUSY);
        }
        struct cap_info cap;

        cap_info_at(ctx->cap.node, &cap); /* its window: the memory offered */
        return done(ctx, share_offer(ctx->call->caller, &cap, peer, ipa_init(x[2]), x[3], x[5], &r),
                    &r, true);
}

/* x1 the offer's capability, x2 where the caller wants it. */
int32_t share_hc_retrieve(struct gate_ctx *ctx)
{
        struct share_result r = {0};
        struct cap_info cap;

        cap_info_at(ctx->cap.node, &cap);
        return done(ctx, share_retrieve(ctx->call->caller, &cap, ipa_init(ctx->call->x[2]), &r), &r,
                    true);
}

int32_t share_hc_relinquish(struct gate_ctx *ctx)
{
        struct share_result r = {0};
        struct cap_info cap;

        cap_info_at(ctx->cap.node, &cap);
        return done(ctx, share_relinquish(ctx->call->caller, &cap, &r), &r, false);
}

int32_t share_hc_reclaim(struct gate_ctx *ctx)
{
        struct share_result r = {0};
        struct cap_info cap;

        cap_info_at(ctx->cap.node, &cap);
        return done(ctx, share_reclaim(ctx->call->caller, &cap, &r), &r, false);
}
#else
static int32_t not_in_profile(struct gate_ctx *ctx)
{
        (void)ctx;
        return GATE_E_NOT_SUPPORTED;
}
int32_t share_hc_offer(struct gate_ctx *ctx)
{
        return not_in_profile(ctx);
}
int32_t share_hc_retrieve(struct gate_ctx *ctx)
{
        return not_in_profile(ctx);
}
int32_t share_hc_relinquish(struct gate_ctx *ctx)
{
        return not_in_profile(ctx);
}
int32_t share_hc_reclaim(struct gate_ctx *ctx)
{
        return not_in_profile(ctx);
}
#endif

#ifdef RVM_WITH_INSPECT /* otherwise refused: kernel/absent_cmds.c */
static const char *state_name(uint8_t s)
{
        return s == OFFER_OFFERED ? "offered" : s == OFFER_RETRIEVED ? "retrieved" : "-";
}

static int cmd_regions(int argc, char **argv)
{
        const struct region_space *regions = share_regions();
        unsigned offers = 0;

        (void)argc;
        (void)argv;
        run_lock_take();
        for (unsigned id = 1; id <= part_count(); id++) {
                const struct partition *p = part_get(id);
                if (p->s2_root != NULL) {
                        con_printf(
                            "partition %u (%s): IPA space 2^%u, RAM at IPA 0x%llx, %llu KiB\n",
                            p->id, p->name, p->ipa_bits, (unsigned long long)PART_IPA_BASE,
                            (unsigned long long)(p->mem_size >> 10));
                }
        }
        con_printf("type    owner home  physical            IPA (owner)         pages\n");
        for (unsigned i = 0; i < REGION_MAX; i++) {
                const struct mem_region *r = &regions->region[i];
                if (r->type == REGION_T_FREE) {
                        continue;
                }
                con_printf("%-7s %-5u %-5u 0x%016llx  0x%016llx  %llu\n",
                           region_type_name((enum region_type)r->type), r->owner, r->home,
                           (unsigned long long)r->pa, (unsigned long long)r->ipa,
                           (unsigned long long)r->pages);
        }
        con_printf("offer     kind    state      owner -> peer  pages  owner IPA   peer IPA\n");
        for (unsigned i = 0; i < REGION_OFFERS; i++) {
                const struct region_offer *o = &regions->offer[i];
                if (o->state == OFFER_FREE) {
                        continue;
                }
                offers++;
                con_printf("0x%-7llx %-7s %-10s %-5u -> %-4u %-6llu 0x%-9llx ",
                           (unsigned long long)o->id, region_kind_name((enum region_kind)o->kind),
                           state_name(o->state), o->owner, o->peer, (unsigned long long)o->pages,
                           (unsigned long long)o->owner_ipa);
                if (o->state == OFFER_RETRIEVED) {
                        con_printf("0x%llx%s\n", (unsigned long long)o->peer_ipa,
                                   o->read_only ? " (read-only)" : "");
                } else {
                        con_printf("-\n");
                }
        }
        if (offers == 0) {
                con_puts("(no offers)\n");
        }
        mem_tier_show(false);
        run_lock_give();
        return 0;
}
MONITOR_CMD(regions, "regions", "", "memory regions and share/lend/donate offers", cmd_regions);
#endif
