/*
 * memory/tier.c: the dormant tier (see tier.h). Pages are compressed one by one with lz4's
 * block format into one contiguous store sized for the worst case (every page stored as it
 * is), whose unused tail goes back to the allocator at once. lz4 works in a state kept here
 * (no allocation, nothing on the stack): callers hold their lock, so one state serves all.
 */
#include "memory/tier.h"

#include <string.h>

#include "lz4.h"

_Static_assert(TIER_MAX_PAGES % 64 == 0, "dormant_mask holds whole words");

static LZ4_stream_t lz4_state;

void tier_space_init(struct tier_space *s)
{
        memset(s, 0, sizeof(*s));
}

static bool page_dormant(const struct tier_range *r, unsigned i)
{
        return (r->dormant_mask[i / 64] >> (i % 64)) & 1;
}

static void set_dormant(struct tier_range *r, unsigned i, bool on)
{
        if (on) {
                r->dormant_mask[i / 64] |= 1ULL << (i % 64);
        } else {
                r->dormant_mask[i / 64] &= ~(1ULL << (i % 64));
        }
}

enum tier_err tier_make_dormant(struct tier_space *s, const struct tier_ops *ops, uint32_t part,
                                ipa_t ipa, pa_t pa, uint32_t pages, unsigned *index)
{
        const uint64_t first = ipa_addr(ipa);

        if (pages == 0 || pages > TIER_MAX_PAGES || first % TIER_PAGE != 0 ||
            pa_addr(pa) % TIER_PAGE != 0 || first + pages * TIER_PAGE < first) {
                return TIER_E_INVAL;
        }
        struct tier_range *r = NULL;
        for (unsigned i = 0; i < TIER_MAX_RANGES; i++) {
                const struct tier_range *o = &s->range[i];
                if (o->used && o->part == part && first < ipa_addr(o->ipa) + o->pages * TIER_PAGE &&
                    ipa_addr(o->ipa) < first + pages * TIER_PAGE) {
                        return TIER_E_OVERLAP;
                }
                if (!o->used && r == NULL) {
                        r = &s->range[i];
                        *index = i;
                }
        }
        if (r == NULL) {
                return TIER_E_FULL;
        }
        pa_t store = ops->alloc(ops->ctx, pages);
        if (pa_addr(store) == 0) {
                return TIER_E_NOMEM;
        }
        if (ops->unmap(ops->ctx, part, ipa, pages) != 0) {
                ops->free(ops->ctx, store, pages);
                return TIER_E_MAP;
        }
        memset(r, 0, sizeof(*r));
        uint8_t *out = ops->ptr(ops->ctx, store);
        uint32_t at = 0;
        for (unsigned i = 0; i < pages; i++) {
                const pa_t frame = pa_add(pa, i * TIER_PAGE);
                const char *page = ops->ptr(ops->ctx, frame);
                /* Less than a page, or the page as it is. */
                int n = LZ4_compress_fast_extState(&lz4_state, page, (char *)out + at,
                                                   (int)TIER_PAGE, (int)TIER_PAGE - 1, 1);
                if (n <= 0) {
                        memcpy(out + at, page, TIER_PAGE);
                        n = (int)TIER_PAGE;
                }
                r->offset[i] = at;
                r->length[i] = (uint16_t)n;
                r->frame[i] = frame;
                at += (uint32_t)n;
                set_dormant(r, i, true);
        }
        uint64_t used = (at + TIER_PAGE - 1) / TIER_PAGE;
        if (used < pages) {
                ops->free(ops->ctx, pa_add(store, used * TIER_PAGE), pages - used);
        }
        ops->free(ops->ctx, pa, pages);
        r->used = true;
        r->part = part;
        r->ipa = ipa;
        r->pa = pa;
        r->pages = pages;
        r->dormant = pages;
        r->store_pa = store;
        r->store_pages = used;
        r->compressed_bytes = at;
        s->pages_returned += pages;
        s->store_pages += used;
        return TIER_OK;
}

/* The range of part holding a dormant page at ipa (anywhere in the page), and the page's
 * index. */
static struct tier_range *find(struct tier_space *s, uint32_t part, ipa_t ipa, unsigned *page)
{
        const uint64_t at = ipa_addr(ipa) & ~(TIER_PAGE - 1);

        for (unsigned i = 0; i < TIER_MAX_RANGES; i++) {
                struct tier_range *r = &s->range[i];
                const uint64_t first = ipa_addr(r->ipa);
                if (r->used && r->part == part && at >= first &&
                    at - first < (uint64_t)r->pages * TIER_PAGE) {
                        *page = (unsigned)((at - first) / TIER_PAGE);
                        return page_dormant(r, *page) ? r : NULL;
                }
        }
        return NULL;
}

/* Page i's own frame: where it was when r went dormant. */
static pa_t home_of(const struct tier_range *r, unsigned i)
{
        return pa_add(r->pa, i * TIER_PAGE);
}

static bool relocated(const struct tier_range *r)
{
        for (unsigned i = 0; i < r->pages; i++) {
                if (pa_addr(r->frame[i]) != pa_addr(home_of(r, i))) {
                        return true;
                }
        }
        return false;
}

static enum tier_err bring_back(struct tier_space *s, const struct tier_ops *ops,
                                struct tier_range *r, unsigned i, pa_t *frame)
{
        const pa_t home = home_of(r, i);
        pa_t to = home;

        if (!ops->reclaim(ops->ctx, home)) {
                /* Its frame went to someone else meanwhile: another one will do. */
                to = ops->alloc(ops->ctx, 1);
                if (pa_addr(to) == 0) {
                        return TIER_E_NOMEM;
                }
        }
        const char *in = (const char *)ops->ptr(ops->ctx, r->store_pa) + r->offset[i];
        char *dst = ops->ptr(ops->ctx, to);
        if (r->length[i] == TIER_PAGE) {
                memcpy(dst, in, TIER_PAGE);
        } else if (LZ4_decompress_safe(in, dst, r->length[i], (int)TIER_PAGE) != (int)TIER_PAGE) {
                ops->free(ops->ctx, to, 1);
                return TIER_E_DAMAGED;
        }
        if (ops->map(ops->ctx, r->part, ipa_add(r->ipa, i * TIER_PAGE), to) != 0) {
                ops->free(ops->ctx, to, 1);
                return TIER_E_MAP;
        }
        r->frame[i] = to;
        set_dormant(r, i, false);
        r->dormant--;
        s->pages_returned--;
        s->fault_ins++;
        s->relocated += pa_addr(to) != pa_addr(home);
        if (r->dormant == 0) {
                ops->free(ops->ctx, r->store_pa, r->store_pages);
                s->store_pages -= r->store_pages;
                r->store_pa = pa_init(0);
                r->store_pages = 0;
                /* A range whose pages all came home is forgotten; one with a page elsewhere
                 * is kept (hot) so that tier_relocated can say so. */
                r->used = relocated(r);
        }
        *frame = to;
        return TIER_OK;
}

enum tier_err tier_fault_in(struct tier_space *s, const struct tier_ops *ops, uint32_t part,
                            ipa_t ipa, pa_t *frame)
{
        unsigned i;
        struct tier_range *r = find(s, part, ipa, &i);

        return r == NULL ? TIER_E_NOT_FOUND : bring_back(s, ops, r, i, frame);
}

enum tier_err tier_wake(struct tier_space *s, const struct tier_ops *ops, uint32_t part)
{
        for (unsigned k = 0; k < TIER_MAX_RANGES; k++) {
                struct tier_range *r = &s->range[k];
                for (unsigned i = 0; r->used && r->part == part && i < r->pages; i++) {
                        pa_t frame;
                        if (page_dormant(r, i)) {
                                enum tier_err e = bring_back(s, ops, r, i, &frame);
                                if (e != TIER_OK) {
                                        return e;
                                }
                        }
                }
        }
        return TIER_OK;
}

bool tier_is_dormant(const struct tier_space *s, uint32_t part, ipa_t ipa)
{
        unsigned i;

        return find((struct tier_space *)s, part, ipa, &i) != NULL;
}

bool tier_relocated(const struct tier_space *s, uint32_t part)
{
        for (unsigned k = 0; k < TIER_MAX_RANGES; k++) {
                if (s->range[k].used && s->range[k].part == part && relocated(&s->range[k])) {
                        return true;
                }
        }
        return false;
}

const char *tier_name(enum tier t)
{
        static const char *const names[] = {"hot", "warm", "dormant", "cold"};

        return (unsigned)t < 4 ? names[t] : "?";
}

const char *tier_err_name(enum tier_err e)
{
        static const char *const names[] = {"ok",
                                            "invalid range",
                                            "no free range slot",
                                            "overlaps a dormant range",
                                            "out of memory",
                                            "not dormant",
                                            "stored page damaged",
                                            "mapping failed"};

        return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}
