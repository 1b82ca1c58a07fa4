/*
 * kernel/share.c: zero-copy share / lend / donate of memory between partitions (see share.h).
 *
 * An offer is a capability object (type memory, owner = the offering partition) with two
 * root capabilities: the peer's (READ|WRITE, or READ for a read-only share) to retrieve and
 * relinquish, and the owner's (REVOKE) to reclaim. Neither carries GRANT, so the peer cannot
 * pass the offer on; a third partition presenting the peer's handle is refused by P1 as
 * FOREIGN; once the offer ends the object is destroyed, so a kept handle is STALE forever.
 * The object's id carries SHARE_REF_TAG, so a capability to anything else (e.g. a
 * partition's RAM) is never taken for an offer.
 */
#include "kernel/share.h"

#include <string.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "cap/cap.h"
#include "kernel/console.h"
#include "kernel/ipc.h"
#include "kernel/monitor.h"
#include "kernel/run.h"
#include "memory/memory.h"
#include "memory/region.h"
#include "witness/witness.h"

#define PAGE          REGION_PAGE
#define SHARE_REF_TAG (1ULL << 63) /* object ids of offers; no physical address has it */

/* x5 of MEM_OFFER: the kind in bits 7:0, read-only in bit 8. */
#define OFFER_KIND_MASK 0xFFull
#define OFFER_READ_ONLY 0x100ull

/* WK_COMM_LEND payload, bits 7:0: which step. */
enum share_step {
        STEP_OFFER = 1,
        STEP_RETRIEVE = 2,
        STEP_RELINQUISH = 3,
        STEP_RECLAIM = 4,
};

static struct region_space regions;

/* ---- applying the state machine's decisions ---- */

static uint64_t table_page(void *ctx)
{
        uint64_t pa = 0;

        (void)ctx;
        return mem_alloc_pages(&boot_state.mem, 1, 1, &pa) == PALLOC_OK ? pa : 0;
}

static bool in_ram(const struct partition *p, uint64_t ipa)
{
        return ipa >= PART_IPA_BASE && ipa - PART_IPA_BASE < p->mem_size;
}

static int op_map(void *ctx, uint32_t part, uint64_t ipa, uint64_t pa, uint64_t pages, bool write)
{
        struct partition *p = part_get(part);

        (void)ctx;
        if (p == NULL || p->s2_root == NULL) {
                return -1;
        }
        /* Back in its own RAM window it gets its RAM's permissions; elsewhere (borrowed or
         * donated pages) data only, never executable. */
        unsigned prot = in_ram(p, ipa) ? ARCH_S2_WRITE | ARCH_S2_EXEC : write ? ARCH_S2_WRITE : 0;
        if (arch_s2_map(p->s2_root, ipa, pa, pages * PAGE, prot, table_page, NULL) != 0) {
                return -1;
        }
        witness_emit(&(struct witness_event){
            .kind = WK_MEM_MAP, .actor = part, .target = pa, .payload = ipa});
        return 0;
}

static void op_unmap(void *ctx, uint32_t part, uint64_t ipa, uint64_t pages)
{
        struct partition *p = part_get(part);
        uint64_t pa = 0;

        (void)ctx;
        if (p == NULL || p->s2_root == NULL) {
                return;
        }
        (void)arch_s2_translate(p->s2_root, ipa, false, &pa);
        /* Clears the entries, then TLBI VMALLS12E1IS for its VMID: no CPU keeps a stale
         * translation once this returns. */
        arch_s2_unmap(p->s2_root, ipa, pages * PAGE, p->vmid);
        witness_emit(&(struct witness_event){
            .kind = WK_MEM_UNMAP, .actor = part, .target = pa, .payload = ipa});
}

static void op_zero(void *ctx, uint64_t pa, uint64_t pages)
{
        (void)ctx;
        memset((void *)(uintptr_t)pa, 0, pages * PAGE);
}

static void op_offer_ended(void *ctx, const struct region_offer *o)
{
        (void)ctx;
        if (o->tag != REGION_NO_TAG) {
                cap_object_destroy((cap_obj_t)o->tag); /* both handles die (witnessed) */
        }
}

static uint32_t op_owner_changed(void *ctx, const struct mem_region *r, uint32_t from,
                                 uint32_t old_tag)
{
        (void)ctx;
        if (old_tag != REGION_NO_TAG) {
                /* The object may still name other pieces of the same donation. */
                bool used = false;
                for (unsigned i = 0; i < REGION_MAX; i++) {
                        used |= regions.region[i].type != REGION_T_FREE &&
                                regions.region[i].tag == old_tag && &regions.region[i] != r;
                }
                if (!used) {
                        cap_object_destroy((cap_obj_t)old_tag);
                }
        }
        uint64_t size = r->pages * PAGE;
        if (r->owner == r->home) {
                witness_emit(&(struct witness_event){
                    .kind = WK_MEM_TRANSFER, .actor = from, .target = r->pa, .payload = r->owner});
                return REGION_NO_TAG; /* its RAM capability covers it again */
        }
        /* Donated pages are a memory object of the new owner, with a root capability. */
        witness_emit(&(struct witness_event){
            .kind = WK_MEM_REGION, .actor = r->owner, .target = r->pa, .payload = size});
        cap_obj_t obj;
        cap_handle_t h;
        if (cap_object_create(CAP_T_MEMORY, r->owner, size, r->pa, &obj) != CAP_OK) {
                return REGION_NO_TAG;
        }
        if (cap_mint_root(obj, r->owner, CAP_R_READ | CAP_R_WRITE | CAP_R_GRANT | CAP_R_REVOKE,
                          &h) != CAP_OK) {
                cap_object_destroy(obj);
                return REGION_NO_TAG;
        }
        return obj;
}

static const struct region_ops share_ops = {
    .map = op_map,
    .unmap = op_unmap,
    .zero = op_zero,
    .offer_ended = op_offer_ended,
    .owner_changed = op_owner_changed,
};

/* ---- registration and lifecycle ---- */

void share_init(void)
{
        uint64_t start = boot_state.image_start & ~(PAGE - 1);
        uint64_t end = (boot_state.image_end + PAGE - 1) & ~(PAGE - 1);

        region_space_init(&regions);
        (void)region_add(&regions, REGION_T_RVM, 0, start, (end - start) / PAGE, start);
}

void share_add_partition(const struct partition *p)
{
        if (p->s2_root != NULL) {
                (void)region_add(&regions, REGION_T_RAM, p->id, p->mem_pa, p->mem_size / PAGE,
                                 PART_IPA_BASE);
        }
}

void share_add_edge(uint64_t pa)
{
        (void)region_add(&regions, REGION_T_EDGE, 0, pa, 1, pa);
}

void share_release(void *ctx, struct partition *p)
{
        (void)ctx;
        if (p->s2_root != NULL) {
                region_release(&regions, &share_ops, p->id);
        }
}

bool share_page_owned(void *ctx, const struct partition *p, uint64_t pa)
{
        (void)ctx;
        return region_page_owned(&regions, p->id, pa);
}

/* ---- hypercalls (registers: docs/ABI.md) ---- */

static int32_t status_of(enum region_err e)
{
        switch (e) {
        case REGION_OK:
                return GATE_OK;
        case REGION_E_INVAL:
                return GATE_E_INVALID;
        case REGION_E_NOT_OWNER:
                return GATE_E_NOT_OWNER;
        case REGION_E_BUSY:
                return GATE_E_BUSY;
        case REGION_E_STATE:
                return GATE_E_NOT_HELD;
        case REGION_E_PEER:
                return GATE_E_FOREIGN;
        case REGION_E_RANGE:
                return GATE_E_RANGE;
        case REGION_E_FULL:
                return GATE_E_NO_SPACE;
        case REGION_E_NOT_FOUND:
                return GATE_E_STALE;
        case REGION_E_OVERLAP:
                break;
        }
        return GATE_E_INTERNAL;
}

static uint64_t step_payload(enum share_step step, const struct region_offer *o, uint32_t other)
{
        return (uint64_t)step | (uint64_t)o->kind << 8 | (o->pages & 0xFFFF) << 16 |
               (uint64_t)other << 32;
}

/* The offer the presented capability names (P1 has checked type, rights and holder). */
static int32_t offer_of(const struct gate_ctx *ctx, uint64_t *id)
{
        if ((ctx->cap.object_ref & SHARE_REF_TAG) == 0) {
                return GATE_E_TYPE; /* a memory capability, but not an offer */
        }
        *id = ctx->cap.object_ref & ~SHARE_REF_TAG;
        return GATE_OK;
}

int32_t share_hc_offer(struct gate_ctx *ctx)
{
        uint64_t *x = ctx->call->x;
        uint32_t caller = ctx->call->caller;
        uint64_t ipa = x[2];
        uint64_t size = x[3];
        uint64_t flags = x[5];
        uint64_t pa = 0;

        if ((flags & ~(OFFER_KIND_MASK | OFFER_READ_ONLY)) != 0) {
                return GATE_E_INVALID;
        }
        struct partition *peer = x[4] <= PART_MAX ? part_get((uint32_t)x[4]) : NULL;
        if (peer == NULL || peer->s2_root == NULL) {
                return GATE_E_NO_PARTITION;
        }
        enum region_err e = region_owned_range(&regions, caller, ipa, size, &pa);
        if (e != REGION_OK) {
                return status_of(e);
        }
        /* The capability in x1 is the authority: a memory object of the caller whose window
         * holds the pages (a derived capability with a smaller window offers less). */
        uint64_t win = ctx->cap.object_ref + ctx->cap.base;
        if (ctx->cap.owner != caller || (ctx->cap.object_ref & SHARE_REF_TAG) != 0 || pa < win ||
            pa - win > ctx->cap.size || size > ctx->cap.size - (pa - win)) {
                return GATE_E_RANGE;
        }
        struct region_offer o;
        e = region_offer(&regions, &share_ops, caller, peer->id, (enum region_kind)(flags & 0xFF),
                         ipa, size, (flags & OFFER_READ_ONLY) != 0, &o);
        if (e != REGION_OK) {
                return status_of(e);
        }
        cap_obj_t obj;
        cap_handle_t peer_h = 0;
        cap_handle_t owner_h = 0;
        uint32_t peer_rights = o.read_only ? CAP_R_READ : CAP_R_READ | CAP_R_WRITE;
        if (cap_object_create(CAP_T_MEMORY, caller, size, SHARE_REF_TAG | o.id, &obj) != CAP_OK) {
                region_reclaim(&regions, &share_ops, caller, o.id, &o); /* undo */
                return GATE_E_NO_SPACE;
        }
        region_offer_set_tag(&regions, o.id, obj);
        if (cap_mint_root(obj, peer->id, peer_rights, &peer_h) != CAP_OK ||
            cap_mint_root(obj, caller, CAP_R_REVOKE, &owner_h) != CAP_OK) {
                region_reclaim(&regions, &share_ops, caller, o.id, &o); /* destroys obj */
                return GATE_E_NO_SPACE;
        }
        x[1] = peer_h;
        x[2] = owner_h;
        ctx->target = o.id;
        ctx->payload = step_payload(STEP_OFFER, &o, peer->id);
        return GATE_OK;
}

int32_t share_hc_retrieve(struct gate_ctx *ctx)
{
        uint64_t *x = ctx->call->x;
        uint64_t ipa = x[2];
        uint64_t id = 0;
        int32_t st = offer_of(ctx, &id);
        const struct region_offer *live = region_offer_get(&regions, id);
        struct partition *p = part_get(ctx->call->caller);

        if (st != GATE_OK) {
                return st;
        }
        if (live == NULL || p == NULL || p->s2_root == NULL) {
                return GATE_E_STALE;
        }
        if (live->peer != p->id) {
                return GATE_E_FOREIGN;
        }
        if (live->state != OFFER_OFFERED) {
                return GATE_E_BUSY; /* retrieved already */
        }
        if ((ipa & (PAGE - 1)) != 0) {
                return GATE_E_INVALID;
        }
        /* Where the caller may put it: above the device window (devices, leases and virtual
         * devices live below its RAM), inside its IPA space, clear of the CommEdge window,
         * and over nothing it has mapped (memory/ checks what it owns and borrowed). */
        uint64_t size = live->pages * PAGE;
        uint64_t edges_end = IPC_EDGE_IPA + IPC_MAX_EDGES * PAGE;
        if (ipa < PART_IPA_BASE || ipa + size < ipa || ipa + size > part_ipa_limit(p) ||
            (ipa < edges_end && IPC_EDGE_IPA < ipa + size)) {
                return GATE_E_RANGE;
        }
        for (uint64_t off = 0; off < size; off += PAGE) {
                uint64_t pa;
                if (arch_s2_translate(p->s2_root, ipa + off, false, &pa)) {
                        return GATE_E_RANGE;
                }
        }
        struct region_offer o;
        enum region_err e = region_retrieve(&regions, &share_ops, p->id, id, ipa, &o);
        if (e != REGION_OK) {
                return status_of(e);
        }
        x[1] = size;
        x[2] = o.kind;
        ctx->target = o.id;
        ctx->payload = step_payload(STEP_RETRIEVE, &o, o.owner);
        return GATE_OK;
}

int32_t share_hc_relinquish(struct gate_ctx *ctx)
{
        uint64_t id = 0;
        int32_t st = offer_of(ctx, &id);
        struct region_offer o;

        if (st != GATE_OK) {
                return st;
        }
        enum region_err e = region_relinquish(&regions, &share_ops, ctx->call->caller, id, &o);
        if (e != REGION_OK) {
                return status_of(e);
        }
        ctx->target = o.id;
        ctx->payload = step_payload(STEP_RELINQUISH, &o, o.owner);
        return GATE_OK;
}

int32_t share_hc_reclaim(struct gate_ctx *ctx)
{
        uint64_t id = 0;
        int32_t st = offer_of(ctx, &id);
        struct region_offer o;

        if (st != GATE_OK) {
                return st;
        }
        enum region_err e = region_reclaim(&regions, &share_ops, ctx->call->caller, id, &o);
        if (e != REGION_OK) {
                return status_of(e);
        }
        ctx->target = o.id;
        ctx->payload = step_payload(STEP_RECLAIM, &o, o.peer);
        return GATE_OK;
}

/* ---- monitor ---- */

static const char *state_name(uint8_t s)
{
        return s == OFFER_OFFERED ? "offered" : s == OFFER_RETRIEVED ? "retrieved" : "-";
}

static int cmd_regions(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        unsigned offers = 0;

        spin_lock(&run_lock);
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
                const struct mem_region *r = &regions.region[i];
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
                const struct region_offer *o = &regions.offer[i];
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
        spin_unlock(&run_lock);
        if (offers == 0) {
                con_puts("(no offers)\n");
        }
        return 0;
}
MONITOR_CMD(regions, "regions", "", "memory regions and share/lend/donate offers", cmd_regions);
