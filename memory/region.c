/*
 * memory/region.c: typed regions with an owner, and the share/lend/donate state machine
 * (see region.h). Every argument that came from a partition (IPAs, sizes, offer ids) is
 * range-checked here and answered with an error code; nothing is trusted.
 */
#include "memory/region.h"

#include <string.h>

#define PAGE REGION_PAGE

static bool overlaps(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
        return a < b + b_size && b < a + a_size;
}

/* Page aligned, not empty, not larger than one offer may be, no wrap-around. */
static bool range_ok(uint64_t ipa, uint64_t size)
{
        return size != 0 && ((ipa | size) & (PAGE - 1)) == 0 && size / PAGE <= REGION_MAX_PAGES &&
               ipa + size > ipa;
}

void region_space_init(struct region_space *s)
{
        memset(s, 0, sizeof(*s));
        for (unsigned i = 0; i < REGION_OFFERS; i++) {
                s->gen[i] = 1;
        }
}

enum region_err region_add(struct region_space *s, enum region_type type, uint32_t owner, pa_t at,
                           uint64_t pages, ipa_t seen_at)
{
        uint64_t pa = pa_addr(at);
        uint64_t ipa = ipa_addr(seen_at);
        uint64_t size = pages * PAGE;
        struct mem_region *slot = NULL;

        if (type == REGION_T_FREE || type > REGION_T_RVM || pages == 0 ||
            pages > UINT64_MAX / PAGE || ((pa | ipa) & (PAGE - 1)) != 0 || pa + size < pa ||
            ipa + size < ipa) {
                return REGION_E_INVAL;
        }
        for (unsigned i = 0; i < REGION_MAX; i++) {
                struct mem_region *r = &s->region[i];
                if (r->type == REGION_T_FREE) {
                        slot = slot != NULL ? slot : r;
                } else if (overlaps(r->pa, r->pages * PAGE, pa, size)) {
                        return REGION_E_OVERLAP;
                }
        }
        if (slot == NULL) {
                return REGION_E_FULL;
        }
        *slot = (struct mem_region){.pa = pa,
                                    .pages = pages,
                                    .ipa = ipa,
                                    .home_ipa = ipa,
                                    .owner = owner,
                                    .home = owner,
                                    .tag = REGION_NO_TAG,
                                    .type = (uint8_t)type};
        return REGION_OK;
}

const struct mem_region *region_of_pa(const struct region_space *s, pa_t at)
{
        uint64_t pa = pa_addr(at);

        for (unsigned i = 0; i < REGION_MAX; i++) {
                const struct mem_region *r = &s->region[i];
                if (r->type != REGION_T_FREE && pa >= r->pa && pa - r->pa < r->pages * PAGE) {
                        return r;
                }
        }
        return NULL;
}

bool region_page_owned(const struct region_space *s, uint32_t part, pa_t pa)
{
        const struct mem_region *r = region_of_pa(s, pa);

        return r != NULL && r->owner == part;
}

/* The caller's RAM region whose IPA span holds all of [ipa, ipa + size). */
static struct mem_region *owned_ram(struct region_space *s, uint32_t owner, uint64_t ipa,
                                    uint64_t size)
{
        for (unsigned i = 0; i < REGION_MAX; i++) {
                struct mem_region *r = &s->region[i];
                if (r->type == REGION_T_RAM && r->owner == owner && ipa >= r->ipa &&
                    ipa - r->ipa < r->pages * PAGE && size <= r->pages * PAGE - (ipa - r->ipa)) {
                        return r;
                }
        }
        return NULL;
}

enum region_err region_owned_range(const struct region_space *s, uint32_t owner, ipa_t at,
                                   uint64_t size, pa_t *pa_out)
{
        uint64_t ipa = ipa_addr(at);

        if (!range_ok(ipa, size)) {
                return REGION_E_INVAL;
        }
        const struct mem_region *r = owned_ram((struct region_space *)s, owner, ipa, size);
        if (r == NULL) {
                return REGION_E_NOT_OWNER;
        }
        *pa_out = pa_init(r->pa + (ipa - r->ipa));
        return REGION_OK;
}

static struct region_offer *offer_lookup(struct region_space *s, uint64_t id)
{
        uint64_t slot = id & 0xFFFF;

        if (slot >= REGION_OFFERS || (id >> 16) != s->gen[slot]) {
                return NULL;
        }
        struct region_offer *o = &s->offer[slot];
        return o->state != OFFER_FREE ? o : NULL;
}

const struct region_offer *region_offer_get(const struct region_space *s, uint64_t id)
{
        return offer_lookup((struct region_space *)s, id);
}

enum region_err region_offer_set_tag(struct region_space *s, uint64_t id, uint32_t tag)
{
        struct region_offer *o = offer_lookup(s, id);

        if (o == NULL) {
                return REGION_E_NOT_FOUND;
        }
        o->tag = tag;
        return REGION_OK;
}

/* The offer is over: its capabilities go and the slot's generation moves on, so the id is
 * never valid again. */
static void offer_end(struct region_space *s, const struct region_ops *ops, struct region_offer *o)
{
        unsigned slot = (unsigned)(o - s->offer);

        ops->offer_ended(ops->ctx, o);
        s->gen[slot] = s->gen[slot] + 1 == 0 ? 1 : s->gen[slot] + 1;
        memset(o, 0, sizeof(*o));
}

enum region_err region_offer(struct region_space *s, const struct region_ops *ops, uint32_t owner,
                             uint32_t peer, enum region_kind kind, ipa_t at, uint64_t size,
                             bool read_only, struct region_offer *out)
{
        uint64_t ipa = ipa_addr(at);
        pa_t first = pa_init(0);

        if (kind < REGION_SHARE || kind > REGION_DONATE || owner == peer ||
            (read_only && kind == REGION_DONATE)) {
                return REGION_E_INVAL;
        }
        enum region_err e = region_owned_range(s, owner, at, size, &first);
        if (e != REGION_OK) {
                return e;
        }
        uint64_t pa = pa_addr(first);
        struct region_offer *free_slot = NULL;
        unsigned mine = 0;
        for (unsigned i = 0; i < REGION_OFFERS; i++) {
                struct region_offer *o = &s->offer[i];
                if (o->state == OFFER_FREE) {
                        free_slot = free_slot != NULL ? free_slot : o;
                } else if (o->owner == owner) {
                        if (overlaps(o->pa, o->pages * PAGE, pa, size)) {
                                return REGION_E_BUSY; /* a page is in at most one offer */
                        }
                        mine++;
                }
        }
        if (free_slot == NULL || mine >= REGION_OFFERS_EACH) {
                return REGION_E_FULL;
        }
        unsigned slot = (unsigned)(free_slot - s->offer);
        *free_slot = (struct region_offer){
            .id = (uint64_t)s->gen[slot] << 16 | slot,
            .pa = pa,
            .pages = size / PAGE,
            .owner_ipa = ipa,
            .owner = owner,
            .peer = peer,
            .tag = REGION_NO_TAG,
            .kind = (uint8_t)kind,
            .state = OFFER_OFFERED,
            .read_only = read_only,
        };
        if (kind != REGION_SHARE) {
                ops->unmap(ops->ctx, owner, ipa_init(ipa),
                           size / PAGE); /* the lender loses access now */
        }
        *out = *free_slot;
        return REGION_OK;
}

static struct mem_region *free_region(struct region_space *s)
{
        for (unsigned i = 0; i < REGION_MAX; i++) {
                if (s->region[i].type == REGION_T_FREE) {
                        return &s->region[i];
                }
        }
        return NULL;
}

static unsigned free_regions(const struct region_space *s)
{
        unsigned n = 0;

        for (unsigned i = 0; i < REGION_MAX; i++) {
                n += s->region[i].type == REGION_T_FREE;
        }
        return n;
}

/* RAM regions `part` holds now. */
static unsigned pieces_of(const struct region_space *s, uint32_t part)
{
        unsigned n = 0;

        for (unsigned i = 0; i < REGION_MAX; i++) {
                n += s->region[i].type == REGION_T_RAM && s->region[i].owner == part;
        }
        return n;
}

/* A donation of o's pages, cut out of r: room in the table, and neither partition over
 * REGION_PIECES_EACH once done (the donor keeps what is left of r before and after them). */
static bool donation_fits(const struct region_space *s, const struct mem_region *r,
                          const struct region_offer *o, uint32_t caller)
{
        const uint64_t before = (o->pa - r->pa) / PAGE;
        const uint64_t after = r->pages - before - o->pages;
        const unsigned donor = pieces_of(s, o->owner) - 1 + (before != 0) + (after != 0);

        return free_regions(s) >= 2 && donor <= REGION_PIECES_EACH &&
               pieces_of(s, caller) + 1 <= REGION_PIECES_EACH;
}

/* Cut r so that [pa, pa + pages) is a region of its own; returns it. The caller made sure
 * two free slots exist. */
static struct mem_region *split(struct region_space *s, struct mem_region *r, uint64_t pa,
                                uint64_t pages)
{
        uint64_t before = (pa - r->pa) / PAGE;
        uint64_t after = r->pages - before - pages;

        if (before != 0) {
                struct mem_region *head = free_region(s);
                *head = *r;
                head->pages = before;
                r->pa += before * PAGE;
                r->ipa += before * PAGE;
                r->home_ipa += before * PAGE;
                r->pages -= before;
        }
        if (after != 0) {
                struct mem_region *tail = free_region(s);
                *tail = *r;
                tail->pa += pages * PAGE;
                tail->ipa += pages * PAGE;
                tail->home_ipa += pages * PAGE;
                tail->pages = after;
                r->pages = pages;
        }
        return r;
}

/* Merge neighbours that differ in nothing but their position, so that repeated donations
 * do not use up the table. Only the slots in use are paired (a handful of the REGION_MAX):
 * this runs on every partition restart, and pairing all slots cost the hypercall fuzzer
 * two fifths of its time. */
static void coalesce(struct region_space *s)
{
        uint8_t used[REGION_MAX];
        unsigned n = 0;

        for (unsigned i = 0; i < REGION_MAX; i++) {
                if (s->region[i].type != REGION_T_FREE) {
                        used[n++] = (uint8_t)i;
                }
        }
        for (bool merged = true; merged;) {
                merged = false;
                for (unsigned i = 0; i < n; i++) {
                        struct mem_region *a = &s->region[used[i]];
                        for (unsigned j = 0; a->type != REGION_T_FREE && j < n; j++) {
                                struct mem_region *b = &s->region[used[j]];
                                uint64_t size = a->pages * PAGE;
                                if (i == j || b->type != a->type || b->owner != a->owner ||
                                    b->home != a->home || b->tag != a->tag ||
                                    b->pa != a->pa + size || b->ipa != a->ipa + size ||
                                    b->home_ipa != a->home_ipa + size) {
                                        continue;
                                }
                                a->pages += b->pages;
                                memset(b, 0, sizeof(*b));
                                merged = true;
                        }
                }
        }
}

enum region_err region_retrieve(struct region_space *s, const struct region_ops *ops,
                                uint32_t caller, uint64_t id, ipa_t at, struct region_offer *out)
{
        uint64_t ipa = ipa_addr(at);
        struct region_offer *o = offer_lookup(s, id);

        if (o == NULL) {
                return REGION_E_NOT_FOUND;
        }
        if (o->peer != caller) {
                return REGION_E_PEER;
        }
        if (o->state != OFFER_OFFERED) {
                return REGION_E_BUSY;
        }
        uint64_t size = o->pages * PAGE;
        if ((ipa & (PAGE - 1)) != 0) {
                return REGION_E_INVAL;
        }
        if (ipa + size < ipa) {
                return REGION_E_RANGE;
        }
        /* Not over anything the caller already sees: its regions or what it borrowed. */
        for (unsigned i = 0; i < REGION_MAX; i++) {
                const struct mem_region *r = &s->region[i];
                if (r->type != REGION_T_FREE && r->owner == caller &&
                    overlaps(r->ipa, r->pages * PAGE, ipa, size)) {
                        return REGION_E_RANGE;
                }
        }
        for (unsigned i = 0; i < REGION_OFFERS; i++) {
                const struct region_offer *q = &s->offer[i];
                if (q->state == OFFER_RETRIEVED && q->peer == caller &&
                    overlaps(q->peer_ipa, q->pages * PAGE, ipa, size)) {
                        return REGION_E_RANGE;
                }
        }
        struct mem_region *r = owned_ram(s, o->owner, o->owner_ipa, size);
        if (r == NULL) {
                return REGION_E_NOT_OWNER; /* cannot happen: the offer pins its pages */
        }
        if (o->kind == REGION_DONATE && !donation_fits(s, r, o, caller)) {
                return REGION_E_FULL;
        }
        if (ops->map(ops->ctx, caller, ipa_init(ipa), pa_init(o->pa), o->pages, !o->read_only) !=
            0) {
                return REGION_E_FULL;
        }
        o->state = OFFER_RETRIEVED;
        o->peer_ipa = ipa;
        *out = *o;
        if (o->kind == REGION_DONATE) {
                /* Ownership moves: the pages become a RAM region of the caller, at ipa. */
                struct mem_region *mine = split(s, r, o->pa, o->pages);
                uint32_t from = mine->owner;
                uint32_t old_tag = mine->tag;
                mine->owner = caller;
                mine->ipa = ipa;
                mine->tag = REGION_NO_TAG;
                mine->tag = ops->owner_changed(ops->ctx, mine, from, old_tag);
                offer_end(s, ops, o);
        }
        return REGION_OK;
}

enum region_err region_relinquish(struct region_space *s, const struct region_ops *ops,
                                  uint32_t caller, uint64_t id, struct region_offer *out)
{
        struct region_offer *o = offer_lookup(s, id);

        if (o == NULL) {
                return REGION_E_NOT_FOUND;
        }
        if (o->peer != caller) {
                return REGION_E_PEER;
        }
        if (o->state != OFFER_RETRIEVED) {
                return REGION_E_STATE;
        }
        ops->unmap(ops->ctx, caller, ipa_init(o->peer_ipa), o->pages);
        o->state = OFFER_OFFERED;
        *out = *o;
        return REGION_OK;
}

enum region_err region_reclaim(struct region_space *s, const struct region_ops *ops,
                               uint32_t caller, uint64_t id, struct region_offer *out)
{
        struct region_offer *o = offer_lookup(s, id);

        if (o == NULL) {
                return REGION_E_NOT_FOUND;
        }
        if (o->owner != caller) {
                return REGION_E_PEER;
        }
        if (o->state == OFFER_RETRIEVED) {
                return REGION_E_BUSY; /* the peer must relinquish first */
        }
        if (o->kind != REGION_SHARE && ops->map(ops->ctx, caller, ipa_init(o->owner_ipa),
                                                pa_init(o->pa), o->pages, true) != 0) {
                return REGION_E_FULL;
        }
        *out = *o;
        offer_end(s, ops, o);
        return REGION_OK;
}

void region_release(struct region_space *s, const struct region_ops *ops, uint32_t part)
{
        /* 1. Offers it made end: the borrower loses the pages, lent pages come back. */
        for (unsigned i = 0; i < REGION_OFFERS; i++) {
                struct region_offer *o = &s->offer[i];
                if (o->state == OFFER_FREE || o->owner != part) {
                        continue;
                }
                if (o->state == OFFER_RETRIEVED) {
                        ops->unmap(ops->ctx, o->peer, ipa_init(o->peer_ipa), o->pages);
                }
                if (o->kind != REGION_SHARE) {
                        /* Its tables already hold these entries: this map allocates nothing. */
                        (void)ops->map(ops->ctx, part, ipa_init(o->owner_ipa), pa_init(o->pa),
                                       o->pages, true);
                }
                offer_end(s, ops, o);
        }
        /* 2. Offers it holds are relinquished (the owner may reclaim them). */
        for (unsigned i = 0; i < REGION_OFFERS; i++) {
                struct region_offer *o = &s->offer[i];
                if (o->state == OFFER_RETRIEVED && o->peer == part) {
                        ops->unmap(ops->ctx, part, ipa_init(o->peer_ipa), o->pages);
                        o->state = OFFER_OFFERED;
                }
        }
        /* 3. Regions donated to it go home, wiped: its data must not reach the home. (Its
         * own pages that came back to it by donation, at another IPA, go back in place.) */
        for (unsigned i = 0; i < REGION_MAX; i++) {
                struct mem_region *r = &s->region[i];
                if (r->type != REGION_T_RAM || r->owner != part ||
                    (r->home == part && r->ipa == r->home_ipa)) {
                        continue;
                }
                uint32_t old_tag = r->tag;
                ops->unmap(ops->ctx, part, ipa_init(r->ipa), r->pages);
                ops->zero(ops->ctx, pa_init(r->pa), r->pages);
                r->owner = r->home;
                r->ipa = r->home_ipa;
                r->tag = REGION_NO_TAG;
                (void)ops->map(ops->ctx, r->owner, ipa_init(r->ipa), pa_init(r->pa), r->pages,
                               true);
                r->tag = ops->owner_changed(ops->ctx, r, part, old_tag);
        }
        coalesce(s);
}

const char *region_kind_name(enum region_kind k)
{
        switch (k) {
        case REGION_SHARE:
                return "share";
        case REGION_LEND:
                return "lend";
        case REGION_DONATE:
                return "donate";
        }
        return "?";
}

const char *region_type_name(enum region_type t)
{
        static const char *const names[] = {"free", "ram", "edge", "device", "rvm"};

        return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

const char *region_err_name(enum region_err e)
{
        static const char *const names[] = {"ok",   "invalid", "not owner", "busy",      "state",
                                            "peer", "range",   "full",      "not found", "overlap"};

        return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}
