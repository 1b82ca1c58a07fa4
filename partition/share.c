/*
 * partition/share.c: zero-copy memory transactions between partitions (share, lend, donate;
 * docs/ABI.md "Memory regions"). memory/region.c owns the page ownership and the state
 * machine; this file applies its decisions to the stage-2 tables (with TLB invalidation),
 * keeps each offer behind a capability minted to the peer and witnesses every step. The
 * kernel decodes the hypercalls (kernel/mem_calls.c) and holds run_lock around every call.
 */
#include "partition/share.h"

#include <string.h>

#include "cap/cap.h"
#include "configs/features.h"
#include "memory/memory.h"
#include "memory/region.h"
#include "partition/edge.h"
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
        (void)ctx;
        return pa_addr(part_alloc_page());
}

static bool in_ram(const struct partition *p, ipa_t at)
{
        return ipa_addr(at) >= PART_IPA_BASE && ipa_addr(at) - PART_IPA_BASE < p->mem_size;
}

static int op_map(void *ctx, uint32_t part, ipa_t ipa, pa_t pa, uint64_t pages, bool write)
{
        struct partition *p = part_get(part);

        (void)ctx;
        if (p == NULL || p->s2_root == NULL) {
                return -1;
        }
        /* Back in its own RAM window it gets its RAM's permissions; elsewhere (borrowed or
         * donated pages) data only, never executable. */
        unsigned prot = in_ram(p, ipa) ? ARCH_S2_WRITE | ARCH_S2_EXEC : write ? ARCH_S2_WRITE : 0;
        if (arch_s2_map(p->s2_root, ipa, pa, pages * PAGE, prot, p->vmid, table_page, NULL) != 0) {
                return -1;
        }
        witness_emit(&(struct witness_event){
            .kind = WK_MEM_MAP, .actor = part, .target = pa_addr(pa), .payload = ipa_addr(ipa)});
        return 0;
}

static void op_unmap(void *ctx, uint32_t part, ipa_t ipa, uint64_t pages)
{
        struct partition *p = part_get(part);
        pa_t pa = pa_init(0);

        (void)ctx;
        if (p == NULL || p->s2_root == NULL) {
                return;
        }
        (void)arch_s2_translate(p->s2_root, ipa, false, &pa);
        /* Clears the entries (splitting a 2 MiB block of its RAM first; without a page for
         * that, the whole block goes), then TLBI VMALLS12E1IS for its VMID: no CPU keeps a
         * stale translation once this returns. */
        (void)arch_s2_unmap(p->s2_root, ipa, pages * PAGE, p->vmid, table_page, NULL);
        witness_emit(&(struct witness_event){
            .kind = WK_MEM_UNMAP, .actor = part, .target = pa_addr(pa), .payload = ipa_addr(ipa)});
}

static void op_zero(void *ctx, pa_t pa, uint64_t pages)
{
        (void)ctx;
        memset(mem_ptr(pa), 0, pages * PAGE);
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

/* Without the mem_* calls (the Seed) no page changes hands and nothing reads the table (the
 * `regions` view, coherence and the tiers are out too): it is not kept, and every page of a
 * partition's RAM is its own. */
void share_init(pa_t image_start, pa_t image_end)
{
#ifdef RVM_WITH_SHARE
        uint64_t start = pa_addr(image_start) & ~(PAGE - 1);
        uint64_t end = (pa_addr(image_end) + PAGE - 1) & ~(PAGE - 1);

        region_space_init(&regions);
        (void)region_add(&regions, REGION_T_RVM, 0, pa_init(start), (end - start) / PAGE,
                         ipa_init(start));
#else
        (void)image_start;
        (void)image_end;
#endif
}

void share_add_partition(const struct partition *p)
{
#ifdef RVM_WITH_SHARE
        if (p->s2_root != NULL) {
                (void)region_add(&regions, REGION_T_RAM, p->id, p->mem_pa, p->mem_size / PAGE,
                                 ipa_init(PART_IPA_BASE));
        }
#else
        (void)p;
#endif
}

void share_add_edge(pa_t pa)
{
#ifdef RVM_WITH_SHARE
        /* RVM's (owner 0), which sees its pages at their physical addresses (as its image) */
        (void)region_add(&regions, REGION_T_EDGE, 0, pa, 1, ipa_init(pa_addr(pa)));
#else
        (void)pa;
#endif
}

void share_release(void *ctx, struct partition *p)
{
        (void)ctx;
#ifdef RVM_WITH_SHARE
        if (p->s2_root != NULL) {
                region_release(&regions, &share_ops, p->id);
        }
#else
        (void)p; /* without the mem_* calls there is no offer or donation to undo */
#endif
}

bool share_page_owned(void *ctx, const struct partition *p, pa_t pa)
{
        (void)ctx;
#ifdef RVM_WITH_SHARE
        return region_page_owned(&regions, p->id, pa);
#else
        (void)p;
        (void)pa;
        return true; /* nothing donated */
#endif
}

/* ---- the calls (registers: docs/ABI.md) ---- */

static enum part_err err_of(enum region_err e)
{
        switch (e) {
        case REGION_OK:
                return PART_OK;
        case REGION_E_INVAL:
                return PART_E_INVALID;
        case REGION_E_NOT_OWNER:
                return PART_E_NOT_OWNER;
        case REGION_E_BUSY:
                return PART_E_BUSY;
        case REGION_E_STATE:
                return PART_E_NOT_HELD;
        case REGION_E_PEER:
                return PART_E_FOREIGN;
        case REGION_E_RANGE:
                return PART_E_RANGE;
        case REGION_E_FULL:
                return PART_E_NO_SPACE;
        case REGION_E_NOT_FOUND:
                return PART_E_STALE;
        case REGION_E_OVERLAP:
                break;
        }
        return PART_E_INVALID;
}

static uint64_t step_payload(enum share_step step, const struct region_offer *o, uint32_t other)
{
        return (uint64_t)step | (uint64_t)o->kind << 8 | (o->pages & 0xFFFF) << 16 |
               (uint64_t)other << 32;
}

/* The offer the presented capability names (P1 has checked type, rights and holder). */
static enum part_err offer_of(const struct cap_info *cap, uint64_t *id)
{
        if ((cap->object_ref & SHARE_REF_TAG) == 0) {
                return PART_E_TYPE; /* a memory capability, but not an offer */
        }
        *id = cap->object_ref & ~SHARE_REF_TAG;
        return PART_OK;
}

enum part_err share_offer(uint32_t caller, const struct cap_info *cap, uint32_t peer_id, ipa_t ipa,
                          uint64_t size, uint64_t flags, struct share_result *out)
{
        uint64_t pa = 0;

        if ((flags & ~(OFFER_KIND_MASK | OFFER_READ_ONLY)) != 0) {
                return PART_E_INVALID;
        }
        struct partition *peer = peer_id <= PART_MAX ? part_get(peer_id) : NULL;
        if (peer == NULL || peer->s2_root == NULL) {
                return PART_E_NO_PARTITION;
        }
        pa_t first = pa_init(0);
        enum region_err e = region_owned_range(&regions, caller, ipa, size, &first);
        pa = pa_addr(first);
        if (e != REGION_OK) {
                return err_of(e);
        }
        /* The capability is the authority: a memory object of the caller whose window holds
         * the pages (a derived capability with a smaller window offers less). */
        uint64_t win = cap->object_ref + cap->base;
        if (cap->owner != caller || (cap->object_ref & SHARE_REF_TAG) != 0 || pa < win ||
            pa - win > cap->size || size > cap->size - (pa - win)) {
                return PART_E_RANGE;
        }
        struct region_offer o;
        e = region_offer(&regions, &share_ops, caller, peer->id, (enum region_kind)(flags & 0xFF),
                         ipa, size, (flags & OFFER_READ_ONLY) != 0, &o);
        if (e != REGION_OK) {
                return err_of(e);
        }
        cap_obj_t obj;
        cap_handle_t peer_h = 0;
        cap_handle_t owner_h = 0;
        uint32_t peer_rights = o.read_only ? CAP_R_READ : CAP_R_READ | CAP_R_WRITE;
        if (cap_object_create(CAP_T_MEMORY, caller, size, SHARE_REF_TAG | o.id, &obj) != CAP_OK) {
                region_reclaim(&regions, &share_ops, caller, o.id, &o); /* undo */
                return PART_E_NO_SPACE;
        }
        region_offer_set_tag(&regions, o.id, obj);
        if (cap_mint_root(obj, peer->id, peer_rights, &peer_h) != CAP_OK ||
            cap_mint_root(obj, caller, CAP_R_REVOKE, &owner_h) != CAP_OK) {
                region_reclaim(&regions, &share_ops, caller, o.id, &o); /* destroys obj */
                return PART_E_NO_SPACE;
        }
        out->x1 = peer_h;
        out->x2 = owner_h;
        out->offer = o.id;
        out->payload = step_payload(STEP_OFFER, &o, peer->id);
        return PART_OK;
}

enum part_err share_retrieve(uint32_t caller, const struct cap_info *cap, ipa_t ipa,
                             struct share_result *out)
{
        uint64_t at = ipa_addr(ipa);
        uint64_t id = 0;
        enum part_err st = offer_of(cap, &id);
        struct partition *p = part_get(caller);

        if (st != PART_OK) {
                return st;
        }
        const struct region_offer *live = region_offer_get(&regions, id);
        if (live == NULL || p == NULL || p->s2_root == NULL) {
                return PART_E_STALE;
        }
        if (live->peer != p->id) {
                return PART_E_FOREIGN;
        }
        if (live->state != OFFER_OFFERED) {
                return PART_E_BUSY; /* retrieved already */
        }
        if ((at & (PAGE - 1)) != 0) {
                return PART_E_INVALID;
        }
        /* Where the caller may put it: above the device window (devices, leases and virtual
         * devices live below its RAM), inside its IPA space, clear of the CommEdge window
         * and its doorbell page, and over nothing it has mapped (memory/ checks what it owns and
         * borrowed). */
        uint64_t size = live->pages * PAGE;
        uint64_t edges = p->edge_ipa, edges_end = edges + EDGE_SPAN;
        if (at < PART_IPA_BASE || at + size < at || at + size > part_ipa_limit(p) ||
            (edges != 0 && at < edges_end && edges < at + size)) {
                return PART_E_RANGE;
        }
        for (uint64_t off = 0; off < size; off += PAGE) {
                pa_t pa;
                if (arch_s2_translate(p->s2_root, ipa_add(ipa, off), false, &pa)) {
                        return PART_E_RANGE;
                }
        }
        struct region_offer o;
        enum region_err e = region_retrieve(&regions, &share_ops, p->id, id, ipa, &o);
        if (e != REGION_OK) {
                return err_of(e);
        }
        out->x1 = size;
        out->x2 = o.kind;
        out->offer = o.id;
        out->payload = step_payload(STEP_RETRIEVE, &o, o.owner);
        return PART_OK;
}

enum part_err share_relinquish(uint32_t caller, const struct cap_info *cap,
                               struct share_result *out)
{
        uint64_t id = 0;
        enum part_err st = offer_of(cap, &id);
        struct region_offer o;

        if (st != PART_OK) {
                return st;
        }
        enum region_err e = region_relinquish(&regions, &share_ops, caller, id, &o);
        if (e != REGION_OK) {
                return err_of(e);
        }
        out->offer = o.id;
        out->payload = step_payload(STEP_RELINQUISH, &o, o.owner);
        return PART_OK;
}

enum part_err share_reclaim(uint32_t caller, const struct cap_info *cap, struct share_result *out)
{
        uint64_t id = 0;
        enum part_err st = offer_of(cap, &id);
        struct region_offer o;

        if (st != PART_OK) {
                return st;
        }
        enum region_err e = region_reclaim(&regions, &share_ops, caller, id, &o);
        if (e != REGION_OK) {
                return err_of(e);
        }
        out->offer = o.id;
        out->payload = step_payload(STEP_RECLAIM, &o, o.peer);
        return PART_OK;
}

const struct region_space *share_regions(void)
{
        return &regions;
}

bool share_in_transaction(const struct partition *p)
{
        const struct region_space *s = share_regions();

        for (unsigned i = 0; i < REGION_OFFERS; i++) {
                const struct region_offer *o = &s->offer[i];
                if (o->state != OFFER_FREE && (o->owner == p->id || o->peer == p->id)) {
                        return true;
                }
        }
        for (unsigned i = 0; i < REGION_MAX; i++) {
                const struct mem_region *r = &s->region[i];
                if (r->type == REGION_T_RAM && (r->owner == p->id) != (r->home == p->id)) {
                        return true;
                }
        }
        return false;
}
