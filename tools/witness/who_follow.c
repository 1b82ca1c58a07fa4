/*
 * tools/witness/who_follow.c — which records act on the region `witness who` asks about
 * (docs/WITNESS.md 8.2). Per boot, from nothing: the question seeds a physical range (or an
 * IPA window); a WK_MEM_MAP of those pages adds the IPA window they are mapped at in that
 * partition, a map at those IPAs adds its pages, an unmap drops the window; then each kind
 * that names an address, a partition or an offer is matched against them.
 */
#include "tools/witness/who.h"

static bool overlaps(uint64_t alo, uint64_t ahi, uint64_t blo, uint64_t bhi)
{
        return alo < bhi && blo < ahi;
}

static uint64_t end_of(uint64_t lo, uint64_t len)
{
        return len > UINT64_MAX - lo ? UINT64_MAX : lo + len;
}

static bool pa_match(const struct who *w, uint64_t lo, uint64_t hi)
{
        for (size_t i = 0; i < w->npa; i++)
                if (overlaps(lo, hi, w->pa[i].lo, w->pa[i].hi))
                        return true;
        return false;
}

static bool ipa_match(const struct who *w, uint32_t part, uint64_t lo, uint64_t hi)
{
        for (size_t i = 0; i < w->nipa; i++)
                if ((w->ipa[i].part == 0 || w->ipa[i].part == part) &&
                    overlaps(lo, hi, w->ipa[i].lo, w->ipa[i].hi))
                        return true;
        return false;
}

static bool part_holds(const struct who *w, uint32_t part)
{
        for (size_t i = 0; i < w->nipa; i++)
                if (w->ipa[i].part == 0 || w->ipa[i].part == part)
                        return true;
        return false;
}

static void add_range(struct who *w, struct who_range *v, size_t *n, struct who_range r)
{
        for (size_t i = 0; i < *n; i++)
                if ((v[i].part == 0 || v[i].part == r.part) && v[i].lo <= r.lo && r.hi <= v[i].hi)
                        return; /* already followed */
        if (*n == WHO_RANGES) {
                w->overflow = true;
                return;
        }
        v[(*n)++] = r;
}

/* A mapping ended: its IPA window (not the question's own) is no longer the region. */
static void drop_ipa(struct who *w, uint32_t part, uint64_t ipa)
{
        for (size_t i = 0; i < w->nipa; i++)
                if (!w->ipa[i].seed && w->ipa[i].part == part && w->ipa[i].lo == ipa) {
                        w->ipa[i] = w->ipa[--w->nipa];
                        return;
                }
}

static void new_boot(struct who *w, uint32_t boot)
{
        w->sz.n = 0;
        w->cur_boot = boot;
        w->in_boot = true;
        w->npa = w->nipa = 0;
        w->run_valid = false;
        if (w->by_region)
                w->pa[w->npa++] = (struct who_range){
                    .lo = w->region, .hi = end_of(w->region, WHO_PAGE), .seed = true};
        else
                w->ipa[w->nipa++] = (struct who_range){.part = w->have_part ? (uint32_t)w->part : 0,
                                                       .lo = w->ipa_lo,
                                                       .hi = w->ipa_hi,
                                                       .seed = true};
}

/* The size of the region starting at pa this boot (its WK_MEM_REGION), else one page. */
static uint64_t map_len(const struct who *w, uint64_t pa, const uint64_t *sizes, size_t nsizes)
{
        (void)w;
        for (size_t i = 0; i < nsizes; i++)
                if (sizes[2 * i] == pa)
                        return sizes[2 * i + 1];
        return WHO_PAGE;
}

static void note_size(struct who_sizes *s, uint64_t pa, uint64_t size)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->v[2 * i] == pa) {
                        s->v[2 * i + 1] = size;
                        return;
                }
        if (s->n < WHO_RANGES) {
                s->v[2 * s->n] = pa;
                s->v[2 * s->n + 1] = size;
                s->n++;
        }
}

bool who_offer_known(const struct who *w, uint32_t boot, uint64_t id)
{
        for (size_t i = 0; i < w->noffers; i++)
                if (w->offers[i].boot == boot && w->offers[i].id == id)
                        return true;
        return false;
}

/* Follows one record; true when it acted on the region (whole: on its whole partition). */
bool who_step(struct who *w, const struct witness_record *r, bool *whole)
{
        const bool denied = (r->flags & WITNESS_F_DENIED) != 0;
        const bool pa_map = r->kind == WK_MEM_MAP || r->kind == WK_MEM_UNMAP;
        bool hit = false;

        *whole = false;
        if (!w->in_boot || r->boot != w->cur_boot)
                new_boot(w, r->boot);
        switch (r->kind) {
        case WK_MEM_REGION:
                if (denied)
                        break;
                if (w->by_region && r->target == w->region) {
                        w->region_seen = true;
                        w->pa[0].hi = end_of(w->region, r->payload ? r->payload : WHO_PAGE);
                }
                note_size(&w->sz, r->target, r->payload);
                hit = pa_match(w, r->target, end_of(r->target, r->payload ? r->payload : 1));
                break;
        case WK_MEM_MAP:
        case WK_MEM_UNMAP: {
                const uint64_t len = map_len(w, r->target, w->sz.v, w->sz.n);
                const bool by_pa = r->target != 0 && pa_match(w, r->target, end_of(r->target, len));
                const bool by_ipa = ipa_match(w, r->actor, r->payload, end_of(r->payload, len));

                hit = by_pa || by_ipa;
                if (hit && !denied && r->kind == WK_MEM_MAP) {
                        if (by_pa)
                                add_range(w, w->ipa, &w->nipa,
                                          (struct who_range){.part = r->actor,
                                                             .lo = r->payload,
                                                             .hi = end_of(r->payload, len)});
                        if (by_ipa && r->target != 0)
                                add_range(w, w->pa, &w->npa,
                                          (struct who_range){.lo = r->target,
                                                             .hi = end_of(r->target, len)});
                } else if (hit && !denied) {
                        drop_ipa(w, r->actor, r->payload);
                }
                break;
        }
        case WK_MEM_TRANSFER:
                hit = pa_match(w, r->target,
                               end_of(r->target, map_len(w, r->target, w->sz.v, w->sz.n)));
                break;
        case WK_MEM_TIER:
                hit = (r->target != 0 && pa_match(w, r->target, end_of(r->target, WHO_PAGE))) ||
                      ipa_match(w, r->actor, r->cap, end_of(r->cap, WHO_PAGE));
                break;
        case WK_REC_ROLLBACK: {
                const uint64_t pages = r->payload >> 32 ? r->payload >> 32 : 1;
                hit = r->target >= 1 && r->target <= WHO_PART_HI &&
                      ipa_match(w, (uint32_t)r->target, r->cap,
                                end_of(r->cap, pages > UINT64_MAX / WHO_PAGE ? UINT64_MAX
                                                                             : pages * WHO_PAGE));
                break;
        }
        case WK_REC_INJECT:
                hit = r->target >= 1 && r->target <= WHO_PART_HI &&
                      ipa_match(w, (uint32_t)r->target, r->cap, end_of(r->cap, 1));
                break;
        case WK_MEM_CHECKPOINT:
        case WK_REC_RECONSTRUCT:
                hit = *whole = r->target >= 1 && r->target <= WHO_PART_HI &&
                               part_holds(w, (uint32_t)r->target);
                break;
        case WK_COMM_LEND:
                /* The call's own MAP/UNMAP records come just before it, by the same actor. */
                if (denied) /* refused before it named an offer (target 0) */
                        break;
                hit = (w->run_valid && w->run_actor == r->actor && w->run_matched) ||
                      who_offer_known(w, r->boot, r->target);
                if (hit && !who_offer_known(w, r->boot, r->target)) {
                        if (w->noffers < WHO_OFFERS) {
                                w->offers[w->noffers].boot = r->boot;
                                w->offers[w->noffers++].id = r->target;
                        } else {
                                w->overflow = true;
                        }
                }
                break;
        default:
                break;
        }
        if (pa_map) {
                if (!w->run_valid || w->run_actor != r->actor)
                        w->run_matched = false;
                w->run_valid = true;
                w->run_actor = r->actor;
                w->run_matched |= hit;
        } else if (r->kind != WK_CAP_CREATE && r->kind != WK_CAP_REVOKE) {
                w->run_valid = false;
        }
        return hit;
}
