/*
 * tests/unit/region_test.c: typed regions and the share/lend/donate state machine
 * (memory/region.c) against a fake stage-2: every map and unmap the module asks for is
 * applied to a per-partition page list, so the tests can say exactly who sees which page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "memory/region.h"

#define PG      REGION_PAGE
#define IPA     0x40000000ULL /* every partition's RAM starts here */
#define RAM_PGS 64
#define PA(p)   (0x80000000ULL + (uint64_t)(p)*0x1000000ULL) /* partition p's RAM */
#define BORROW  0x60000000ULL
#define PARTS   4

/* ---- the fake stage-2: (partition, ipa) -> pa, plus what the callbacks saw ---- */
struct mapping {
        uint32_t part;
        uint64_t ipa, pa;
        bool write, live;
};
static struct mapping maps[4096];
static unsigned ended, owner_changes, zeroed_pages, map_failures_left, tags_issued;
static bool fail_map;

static struct mapping *find_map(uint32_t part, uint64_t ipa)
{
        for (unsigned i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
                if (maps[i].live && maps[i].part == part && maps[i].ipa == ipa) {
                        return &maps[i];
                }
        }
        return NULL;
}

/* The PA that part sees at ipa, 0 if unmapped. */
static uint64_t seen(uint32_t part, uint64_t ipa)
{
        struct mapping *m = find_map(part, ipa);
        return m != NULL ? m->pa : 0;
}

static int fake_map(void *ctx, uint32_t part, ipa_t at, pa_t to, uint64_t pages, bool write)
{
        uint64_t ipa = ipa_addr(at);
        uint64_t pa = pa_addr(to);

        (void)ctx;
        if (fail_map) {
                map_failures_left++;
                return -1;
        }
        for (uint64_t i = 0; i < pages; i++) {
                /* The module never maps over a live mapping. */
                assert_null(find_map(part, ipa + i * PG));
                unsigned k = 0;
                while (maps[k].live) {
                        k++;
                }
                maps[k] = (struct mapping){part, ipa + i * PG, pa + i * PG, write, true};
        }
        return 0;
}

static void fake_unmap(void *ctx, uint32_t part, ipa_t at, uint64_t pages)
{
        uint64_t ipa = ipa_addr(at);

        (void)ctx;
        for (uint64_t i = 0; i < pages; i++) {
                struct mapping *m = find_map(part, ipa + i * PG);
                assert_non_null(m); /* it only unmaps what it mapped */
                m->live = false;
        }
}

static void fake_zero(void *ctx, pa_t pa, uint64_t pages)
{
        (void)ctx;
        (void)pa;
        zeroed_pages += (unsigned)pages;
}

static void fake_ended(void *ctx, const struct region_offer *o)
{
        (void)ctx;
        (void)o;
        ended++;
}

static uint32_t fake_owner_changed(void *ctx, const struct mem_region *r, uint32_t from,
                                   uint32_t old_tag)
{
        (void)ctx;
        (void)from;
        (void)old_tag;
        owner_changes++;
        return r->owner != r->home ? 100 + tags_issued++ : REGION_NO_TAG;
}

static const struct region_ops ops = {
    .map = fake_map,
    .unmap = fake_unmap,
    .zero = fake_zero,
    .offer_ended = fake_ended,
    .owner_changed = fake_owner_changed,
};

static struct region_space rs;

/* Partitions 1..3 with 64 pages of RAM each, mapped at IPA; an edge page; RVM's image. */
static int setup(void **state)
{
        (void)state;
        memset(maps, 0, sizeof(maps));
        ended = owner_changes = zeroed_pages = map_failures_left = tags_issued = 0;
        fail_map = false;
        region_space_init(&rs);
        for (uint32_t p = 1; p < PARTS; p++) {
                assert_int_equal(
                    region_add(&rs, REGION_T_RAM, p, pa_init(PA(p)), RAM_PGS, ipa_init(IPA)),
                    REGION_OK);
                assert_int_equal(fake_map(NULL, p, ipa_init(IPA), pa_init(PA(p)), RAM_PGS, true),
                                 0);
        }
        assert_int_equal(
            region_add(&rs, REGION_T_EDGE, 0, pa_init(0x70000000ULL), 1, ipa_init(0x50000000ULL)),
            REGION_OK);
        assert_int_equal(
            region_add(&rs, REGION_T_RVM, 0, pa_init(0x40200000ULL), 16, ipa_init(0x40200000ULL)),
            REGION_OK);
        return 0;
}

static unsigned live_regions(void)
{
        unsigned n = 0;
        for (unsigned i = 0; i < REGION_MAX; i++) {
                n += rs.region[i].type != REGION_T_FREE;
        }
        return n;
}

static void add_refuses_overlap_and_bad_ranges(void **state)
{
        (void)state;
        /* Any page already registered: refused, whatever the type. */
        assert_int_equal(
            region_add(&rs, REGION_T_RAM, 4, pa_init(PA(1) + 63 * PG), 2, ipa_init(IPA)),
            REGION_E_OVERLAP);
        assert_int_equal(
            region_add(&rs, REGION_T_DEVICE, 0, pa_init(0x70000000ULL), 1, ipa_init(0)),
            REGION_E_OVERLAP);
        assert_int_equal(region_add(&rs, REGION_T_RAM, 4, pa_init(PA(4) + 1), 1, ipa_init(IPA)),
                         REGION_E_INVAL);
        assert_int_equal(region_add(&rs, REGION_T_RAM, 4, pa_init(PA(4)), 0, ipa_init(IPA)),
                         REGION_E_INVAL);
        assert_int_equal(region_add(&rs, REGION_T_FREE, 4, pa_init(PA(4)), 1, ipa_init(IPA)),
                         REGION_E_INVAL);
        assert_int_equal(
            region_add(&rs, REGION_T_RAM, 4, pa_init(UINT64_MAX & ~(PG - 1)), 2, ipa_init(IPA)),
            REGION_E_INVAL);
        assert_int_equal(region_add(&rs, REGION_T_RAM, 4, pa_init(PA(4)), 1, ipa_init(IPA)),
                         REGION_OK);
        assert_true(region_page_owned(&rs, 4, pa_init(PA(4))));
        assert_false(region_page_owned(&rs, 4, pa_init(PA(1))));
        assert_int_equal(region_of_pa(&rs, pa_init(0x70000000ULL))->type, REGION_T_EDGE);
}

static void offer_refuses_what_the_caller_does_not_own(void **state)
{
        struct region_offer o;
        (void)state;

        /* unaligned, empty, too large, wrapping */
        assert_int_equal(
            region_offer(&rs, &ops, 1, 2, REGION_LEND, ipa_init(IPA + 1), PG, false, &o),
            REGION_E_INVAL);
        assert_int_equal(
            region_offer(&rs, &ops, 1, 2, REGION_LEND, ipa_init(IPA), PG + 8, false, &o),
            REGION_E_INVAL);
        assert_int_equal(region_offer(&rs, &ops, 1, 2, REGION_LEND, ipa_init(IPA), 0, false, &o),
                         REGION_E_INVAL);
        assert_int_equal(region_offer(&rs, &ops, 1, 2, REGION_LEND, ipa_init(IPA),
                                      (REGION_MAX_PAGES + 1) * PG, false, &o),
                         REGION_E_INVAL);
        assert_int_equal(region_offer(&rs, &ops, 1, 2, REGION_LEND,
                                      ipa_init(UINT64_MAX & ~(PG - 1)), 2 * PG, false, &o),
                         REGION_E_INVAL);
        /* to itself, unknown kind, a read-only donation */
        assert_int_equal(region_offer(&rs, &ops, 1, 1, REGION_SHARE, ipa_init(IPA), PG, false, &o),
                         REGION_E_INVAL);
        assert_int_equal(region_offer(&rs, &ops, 1, 2, 0, ipa_init(IPA), PG, false, &o),
                         REGION_E_INVAL);
        assert_int_equal(region_offer(&rs, &ops, 1, 2, 4, ipa_init(IPA), PG, false, &o),
                         REGION_E_INVAL);
        assert_int_equal(region_offer(&rs, &ops, 1, 2, REGION_DONATE, ipa_init(IPA), PG, true, &o),
                         REGION_E_INVAL);
        /* past the end of its RAM, straddling it, the edge page, RVM's image, nothing */
        assert_int_equal(region_offer(&rs, &ops, 1, 2, REGION_SHARE, ipa_init(IPA + RAM_PGS * PG),
                                      PG, false, &o),
                         REGION_E_NOT_OWNER);
        assert_int_equal(region_offer(&rs, &ops, 1, 2, REGION_SHARE,
                                      ipa_init(IPA + (RAM_PGS - 1) * PG), 2 * PG, false, &o),
                         REGION_E_NOT_OWNER);
        assert_int_equal(
            region_offer(&rs, &ops, 1, 2, REGION_SHARE, ipa_init(0x50000000ULL), PG, false, &o),
            REGION_E_NOT_OWNER);
        assert_int_equal(
            region_offer(&rs, &ops, 0, 2, REGION_SHARE, ipa_init(0x50000000ULL), PG, false, &o),
            REGION_E_NOT_OWNER);
        assert_int_equal(
            region_offer(&rs, &ops, 0, 2, REGION_SHARE, ipa_init(0x40200000ULL), PG, false, &o),
            REGION_E_NOT_OWNER);
        assert_int_equal(
            region_offer(&rs, &ops, 1, 2, REGION_SHARE, ipa_init(0x09000000ULL), PG, false, &o),
            REGION_E_NOT_OWNER);
        /* nothing changed */
        assert_int_equal(seen(1, IPA), PA(1));
        assert_int_equal(ended, 0);
}

static void share_is_zero_copy_and_reclaim_waits_for_relinquish(void **state)
{
        struct region_offer o, r;
        (void)state;

        assert_int_equal(
            region_offer(&rs, &ops, 1, 2, REGION_SHARE, ipa_init(IPA + 4 * PG), 2 * PG, false, &o),
            REGION_OK);
        assert_int_equal(o.state, OFFER_OFFERED);
        assert_int_equal(o.pa, PA(1) + 4 * PG);
        assert_int_equal(seen(1, IPA + 4 * PG), PA(1) + 4 * PG); /* a sharer keeps access */
        assert_int_equal(region_retrieve(&rs, &ops, 2, o.id, ipa_init(BORROW), &r), REGION_OK);
        /* The same physical pages in both. */
        assert_int_equal(seen(2, BORROW), PA(1) + 4 * PG);
        assert_int_equal(seen(2, BORROW + PG), PA(1) + 5 * PG);
        assert_true(find_map(2, BORROW)->write);
        assert_int_equal(region_reclaim(&rs, &ops, 1, o.id, &r), REGION_E_BUSY);
        assert_int_equal(region_relinquish(&rs, &ops, 2, o.id, &r), REGION_OK);
        assert_int_equal(seen(2, BORROW), 0);
        assert_int_equal(region_relinquish(&rs, &ops, 2, o.id, &r), REGION_E_STATE);
        assert_int_equal(region_reclaim(&rs, &ops, 1, o.id, &r), REGION_OK);
        assert_int_equal(ended, 1);
        assert_int_equal(seen(1, IPA + 4 * PG), PA(1) + 4 * PG);
        /* The id is dead for good: no replay. */
        assert_int_equal(region_retrieve(&rs, &ops, 2, o.id, ipa_init(BORROW), &r),
                         REGION_E_NOT_FOUND);
        assert_int_equal(region_reclaim(&rs, &ops, 1, o.id, &r), REGION_E_NOT_FOUND);
        assert_null(region_offer_get(&rs, o.id));
}

static void read_only_share_maps_without_write(void **state)
{
        struct region_offer o, r;
        (void)state;

        assert_int_equal(region_offer(&rs, &ops, 1, 2, REGION_SHARE, ipa_init(IPA), PG, true, &o),
                         REGION_OK);
        assert_int_equal(region_retrieve(&rs, &ops, 2, o.id, ipa_init(BORROW), &r), REGION_OK);
        assert_false(find_map(2, BORROW)->write);
}

static void lend_takes_access_from_the_lender(void **state)
{
        struct region_offer o, r;
        (void)state;

        assert_int_equal(
            region_offer(&rs, &ops, 1, 2, REGION_LEND, ipa_init(IPA + 8 * PG), PG, false, &o),
            REGION_OK);
        assert_int_equal(seen(1, IPA + 8 * PG), 0); /* gone at once */
        /* The same page again, in any kind, or overlapping: refused. */
        assert_int_equal(
            region_offer(&rs, &ops, 1, 3, REGION_SHARE, ipa_init(IPA + 8 * PG), PG, false, &r),
            REGION_E_BUSY);
        assert_int_equal(
            region_offer(&rs, &ops, 1, 3, REGION_LEND, ipa_init(IPA + 7 * PG), 2 * PG, false, &r),
            REGION_E_BUSY);
        /* Someone else's offer, a forged id, the owner itself */
        assert_int_equal(region_retrieve(&rs, &ops, 3, o.id, ipa_init(BORROW), &r), REGION_E_PEER);
        assert_int_equal(region_retrieve(&rs, &ops, 2, o.id + 1, ipa_init(BORROW), &r),
                         REGION_E_NOT_FOUND);
        assert_int_equal(region_retrieve(&rs, &ops, 2, o.id ^ (1ULL << 20), ipa_init(BORROW), &r),
                         REGION_E_NOT_FOUND);
        assert_int_equal(region_retrieve(&rs, &ops, 2, 0xFFFF, ipa_init(BORROW), &r),
                         REGION_E_NOT_FOUND);
        assert_int_equal(region_retrieve(&rs, &ops, 1, o.id, ipa_init(BORROW), &r), REGION_E_PEER);
        assert_int_equal(region_retrieve(&rs, &ops, 2, o.id, ipa_init(BORROW), &r), REGION_OK);
        assert_int_equal(seen(2, BORROW), PA(1) + 8 * PG);
        assert_int_equal(region_retrieve(&rs, &ops, 2, o.id, ipa_init(BORROW + PG), &r),
                         REGION_E_BUSY);
        assert_int_equal(region_reclaim(&rs, &ops, 1, o.id, &r), REGION_E_BUSY);
        assert_int_equal(region_reclaim(&rs, &ops, 2, o.id, &r), REGION_E_PEER);
        assert_int_equal(region_relinquish(&rs, &ops, 3, o.id, &r), REGION_E_PEER);
        assert_int_equal(region_relinquish(&rs, &ops, 2, o.id, &r), REGION_OK);
        /* relinquished: the peer may retrieve it again, elsewhere */
        assert_int_equal(region_retrieve(&rs, &ops, 2, o.id, ipa_init(BORROW + 16 * PG), &r),
                         REGION_OK);
        assert_int_equal(region_relinquish(&rs, &ops, 2, o.id, &r), REGION_OK);
        assert_int_equal(region_reclaim(&rs, &ops, 1, o.id, &r), REGION_OK);
        assert_int_equal(seen(1, IPA + 8 * PG), PA(1) + 8 * PG);
        assert_int_equal(seen(2, BORROW), 0);
        assert_int_equal(seen(2, BORROW + 16 * PG), 0);
}

static void retrieve_ipa_must_be_free_in_the_peer(void **state)
{
        struct region_offer a, b, r;
        (void)state;

        assert_int_equal(
            region_offer(&rs, &ops, 1, 2, REGION_LEND, ipa_init(IPA), 2 * PG, false, &a),
            REGION_OK);
        assert_int_equal(region_offer(&rs, &ops, 3, 2, REGION_SHARE, ipa_init(IPA), PG, false, &b),
                         REGION_OK);
        assert_int_equal(region_retrieve(&rs, &ops, 2, a.id, ipa_init(IPA + 63 * PG), &r),
                         REGION_E_RANGE);
        assert_int_equal(region_retrieve(&rs, &ops, 2, a.id, ipa_init(IPA - PG), &r),
                         REGION_E_RANGE);
        assert_int_equal(region_retrieve(&rs, &ops, 2, a.id, ipa_init(BORROW + 1), &r),
                         REGION_E_INVAL);
        assert_int_equal(region_retrieve(&rs, &ops, 2, a.id, ipa_init(UINT64_MAX & ~(PG - 1)), &r),
                         REGION_E_RANGE);
        assert_int_equal(region_retrieve(&rs, &ops, 2, a.id, ipa_init(BORROW), &r), REGION_OK);
        /* over what it already borrowed */
        assert_int_equal(region_retrieve(&rs, &ops, 2, b.id, ipa_init(BORROW + PG), &r),
                         REGION_E_RANGE);
        assert_int_equal(region_retrieve(&rs, &ops, 2, b.id, ipa_init(BORROW + 2 * PG), &r),
                         REGION_OK);
        /* a failed mapping leaves the offer as it was */
        assert_int_equal(region_relinquish(&rs, &ops, 2, a.id, &r), REGION_OK);
        fail_map = true;
        assert_int_equal(region_retrieve(&rs, &ops, 2, a.id, ipa_init(BORROW), &r), REGION_E_FULL);
        fail_map = false;
        assert_int_equal(region_offer_get(&rs, a.id)->state, OFFER_OFFERED);
        assert_int_equal(seen(2, BORROW), 0);
}

static void borrowed_pages_cannot_be_offered_on(void **state)
{
        struct region_offer o, r;
        (void)state;

        assert_int_equal(region_offer(&rs, &ops, 1, 2, REGION_LEND, ipa_init(IPA), PG, false, &o),
                         REGION_OK);
        assert_int_equal(region_retrieve(&rs, &ops, 2, o.id, ipa_init(BORROW), &r), REGION_OK);
        for (enum region_kind k = REGION_SHARE; k <= REGION_DONATE; k++) {
                assert_int_equal(region_offer(&rs, &ops, 2, 3, k, ipa_init(BORROW), PG, false, &r),
                                 REGION_E_NOT_OWNER);
        }
}

static void donate_moves_ownership_and_comes_home_wiped(void **state)
{
        struct region_offer o, r, l;
        (void)state;
        unsigned regions = live_regions();

        assert_int_equal(region_offer(&rs, &ops, 1, 2, REGION_DONATE, ipa_init(IPA + 10 * PG),
                                      2 * PG, false, &o),
                         REGION_OK);
        assert_int_equal(seen(1, IPA + 10 * PG), 0);
        assert_int_equal(region_retrieve(&rs, &ops, 2, o.id, ipa_init(BORROW), &r), REGION_OK);
        assert_int_equal(ended, 1); /* a donation is complete once retrieved */
        assert_null(region_offer_get(&rs, o.id));
        assert_int_equal(region_reclaim(&rs, &ops, 1, o.id, &r), REGION_E_NOT_FOUND);
        assert_int_equal(region_relinquish(&rs, &ops, 2, o.id, &r), REGION_E_NOT_FOUND);
        assert_true(region_page_owned(&rs, 2, pa_init(PA(1) + 10 * PG)));
        assert_true(region_page_owned(&rs, 2, pa_init(PA(1) + 11 * PG)));
        assert_true(region_page_owned(&rs, 1, pa_init(PA(1) + 9 * PG)));
        assert_true(region_page_owned(&rs, 1, pa_init(PA(1) + 12 * PG)));
        assert_int_equal(live_regions(), regions + 2); /* split in three */
        assert_int_equal(owner_changes, 1);
        /* The first owner can no longer offer them; the new owner can, at its IPA. */
        assert_int_equal(
            region_offer(&rs, &ops, 1, 3, REGION_SHARE, ipa_init(IPA + 10 * PG), PG, false, &l),
            REGION_E_NOT_OWNER);
        assert_int_equal(
            region_offer(&rs, &ops, 2, 3, REGION_LEND, ipa_init(BORROW + PG), PG, false, &l),
            REGION_OK);
        assert_int_equal(region_retrieve(&rs, &ops, 3, l.id, ipa_init(BORROW), &r), REGION_OK);
        assert_int_equal(seen(3, BORROW), PA(1) + 11 * PG);
        /* The new owner goes away: its lend ends, the pages go home, wiped, mapped again. */
        region_release(&rs, &ops, 2);
        assert_int_equal(seen(3, BORROW), 0);
        assert_int_equal(seen(2, BORROW), 0);
        assert_int_equal(seen(2, BORROW + PG), 0);
        assert_int_equal(seen(1, IPA + 10 * PG), PA(1) + 10 * PG);
        assert_int_equal(seen(1, IPA + 11 * PG), PA(1) + 11 * PG);
        assert_int_equal(zeroed_pages, 2);
        assert_true(region_page_owned(&rs, 1, pa_init(PA(1) + 11 * PG)));
        assert_int_equal(live_regions(), regions); /* merged back into one */
        assert_null(region_offer_get(&rs, l.id));
}

static void release_of_the_owner_ends_its_offers(void **state)
{
        struct region_offer a, b, c, r;
        (void)state;

        assert_int_equal(region_offer(&rs, &ops, 1, 2, REGION_LEND, ipa_init(IPA), PG, false, &a),
                         REGION_OK);
        assert_int_equal(
            region_offer(&rs, &ops, 1, 3, REGION_SHARE, ipa_init(IPA + PG), PG, false, &b),
            REGION_OK);
        assert_int_equal(
            region_offer(&rs, &ops, 1, 3, REGION_DONATE, ipa_init(IPA + 2 * PG), PG, false, &c),
            REGION_OK);
        assert_int_equal(region_retrieve(&rs, &ops, 2, a.id, ipa_init(BORROW), &r), REGION_OK);
        assert_int_equal(region_retrieve(&rs, &ops, 3, b.id, ipa_init(BORROW), &r), REGION_OK);
        region_release(&rs, &ops, 1);
        assert_int_equal(ended, 3);
        assert_int_equal(seen(2, BORROW), 0);
        assert_int_equal(seen(3, BORROW), 0);
        for (unsigned i = 0; i < 3; i++) {
                assert_int_equal(seen(1, IPA + i * PG), PA(1) + i * PG);
        }
        assert_null(region_offer_get(&rs, a.id));
        assert_null(region_offer_get(&rs, c.id));
}

static void release_of_the_borrower_relinquishes(void **state)
{
        struct region_offer a, r;
        (void)state;

        assert_int_equal(region_offer(&rs, &ops, 1, 2, REGION_LEND, ipa_init(IPA), PG, false, &a),
                         REGION_OK);
        assert_int_equal(region_retrieve(&rs, &ops, 2, a.id, ipa_init(BORROW), &r), REGION_OK);
        region_release(&rs, &ops, 2);
        assert_int_equal(seen(2, BORROW), 0);
        assert_int_equal(region_offer_get(&rs, a.id)->state, OFFER_OFFERED);
        assert_int_equal(seen(1, IPA), 0); /* still lent until the owner reclaims */
        assert_int_equal(region_reclaim(&rs, &ops, 1, a.id, &r), REGION_OK);
        assert_int_equal(seen(1, IPA), PA(1));
}

/* One owner has at most REGION_OFFERS_EACH live offers: then REGION_E_FULL, while another
 * owner still offers; ending one of its offers gives the first room for one more. */
static void offers_each_owner_limited(void **state)
{
        struct region_offer o, first;
        struct region_offer r;
        (void)state;

        for (unsigned i = 0; i < REGION_OFFERS_EACH; i++) {
                assert_int_equal(region_offer(&rs, &ops, 1, 2, REGION_SHARE, ipa_init(IPA + i * PG),
                                              PG, false, i == 0 ? &first : &o),
                                 REGION_OK);
        }
        assert_int_equal(
            region_offer(&rs, &ops, 1, 2, REGION_SHARE, ipa_init(IPA + 40 * PG), PG, false, &o),
            REGION_E_FULL);
        assert_int_equal(region_offer(&rs, &ops, 2, 1, REGION_SHARE, ipa_init(IPA), PG, false, &o),
                         REGION_OK);
        assert_int_equal(region_reclaim(&rs, &ops, 1, first.id, &r), REGION_OK);
        assert_int_equal(
            region_offer(&rs, &ops, 1, 2, REGION_SHARE, ipa_init(IPA + 40 * PG), PG, false, &o),
            REGION_OK);
}

static unsigned pieces(uint32_t part)
{
        unsigned n = 0;

        for (unsigned i = 0; i < REGION_MAX; i++) {
                n += rs.region[i].type == REGION_T_RAM && rs.region[i].owner == part;
        }
        return n;
}

/* Donate one page of `from`'s at IPA + page * PG to `to`, retrieved at BORROW + page * PG. */
static enum region_err donate_page(uint32_t from, uint32_t to, uint64_t page,
                                   struct region_offer *o)
{
        struct region_offer r;

        assert_int_equal(region_offer(&rs, &ops, from, to, REGION_DONATE, ipa_init(IPA + page * PG),
                                      PG, false, o),
                         REGION_OK);
        return region_retrieve(&rs, &ops, to, o->id, ipa_init(BORROW + page * PG), &r);
}

/* Two partitions passing pages one at a time cannot cut the region table up: each holds its
 * RAM in at most REGION_PIECES_EACH pieces; a donation past that, for the donor or for the
 * receiver, is refused (REGION_E_FULL) and leaves the offer as it was; a donation that cuts
 * no new piece off still goes through. */
static void donations_cut_each_partition_in_few_pieces(void **state)
{
        struct region_offer o, r;
        (void)state;

        assert_int_equal(REGION_PIECES_EACH, 5);
        for (uint64_t k = 0; k < 4; k++) { /* pages 0, 2, 4, 6 of 1's to 2, each apart */
                assert_int_equal(donate_page(1, 2, 2 * k, &o), REGION_OK);
        }
        assert_int_equal(pieces(2), 5); /* its RAM and four pages */
        assert_int_equal(pieces(1), 4); /* pages 1, 3, 5 and 7..63 */
        assert_int_equal(donate_page(1, 2, 8, &o), REGION_E_FULL);
        assert_int_equal(region_offer_get(&rs, o.id)->state, OFFER_OFFERED);
        assert_int_equal(seen(2, BORROW + 8 * PG), 0);
        assert_int_equal(seen(1, IPA + 8 * PG), 0); /* offered: 1 gave up its access */
        assert_int_equal(region_reclaim(&rs, &ops, 1, o.id, &r), REGION_OK);
        assert_int_equal(seen(1, IPA + 8 * PG), PA(1) + 8 * PG);

        /* The donor's side: page 9 cuts 7..63 in two (5 pieces), page 11 would make 6. */
        assert_int_equal(donate_page(1, 3, 9, &o), REGION_OK);
        assert_int_equal(pieces(1), 5);
        assert_int_equal(donate_page(1, 3, 11, &o), REGION_E_FULL);
        assert_int_equal(region_reclaim(&rs, &ops, 1, o.id, &r), REGION_OK);
        assert_int_equal(donate_page(1, 3, 10, &o), REGION_OK); /* the head of 10..63 */
        assert_int_equal(pieces(1), 5);
        assert_int_equal(pieces(3), 3);
        /* The table still has room: 3 and 2 (full) are not in each other's way. */
        assert_int_equal(donate_page(3, 1, 20, &o), REGION_E_FULL); /* 1 is at 5 */
        assert_int_equal(region_reclaim(&rs, &ops, 3, o.id, &r), REGION_OK);
        assert_int_equal(
            region_offer(&rs, &ops, 3, 2, REGION_SHARE, ipa_init(IPA + 30 * PG), PG, false, &o),
            REGION_OK);
        assert_int_equal(region_retrieve(&rs, &ops, 2, o.id, ipa_init(BORROW + 40 * PG), &r),
                         REGION_OK); /* sharing cuts nothing */
}

/*
 * Random sequences: after every step, each mapping is justified (the partition owns the page
 * and has not lent it, or holds a retrieved offer of it), lent and donated pages are mapped
 * in nobody but the borrower, and no page is owned twice.
 */
static void check_invariants(void)
{
        for (unsigned i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
                const struct mapping *m = &maps[i];
                if (!m->live) {
                        continue;
                }
                bool borrowed = false;
                bool lent = false;
                for (unsigned k = 0; k < REGION_OFFERS; k++) {
                        const struct region_offer *o = &rs.offer[k];
                        bool has = o->state != OFFER_FREE && m->pa >= o->pa &&
                                   m->pa < o->pa + o->pages * PG;
                        if (has && o->state == OFFER_RETRIEVED && o->peer == m->part &&
                            m->ipa - o->peer_ipa == m->pa - o->pa) {
                                borrowed = true;
                        }
                        if (has && o->kind != REGION_SHARE) {
                                lent = true;
                        }
                }
                const struct mem_region *r = region_of_pa(&rs, pa_init(m->pa));
                assert_non_null(r);
                bool owns = r->owner == m->part && m->ipa - r->ipa == m->pa - r->pa;
                assert_true(borrowed || (owns && !lent));
        }
        for (uint32_t p = 1; p < PARTS; p++) {
                for (uint64_t pg = 0; pg < RAM_PGS; pg++) {
                        const struct mem_region *r = region_of_pa(&rs, pa_init(PA(p) + pg * PG));
                        assert_non_null(r);
                        assert_int_equal(r->home, p);
                }
        }
}

static void random_sequences_keep_the_invariants(void **state)
{
        uint64_t seed = 0x5eed;
        struct region_offer o;
        uint64_t ids[64] = {0};
        unsigned retrieved = 0, reclaimed = 0;
        (void)state;

        for (unsigned step = 0; step < 20000; step++) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                uint32_t a = 1 + (uint32_t)(seed % 3);
                uint32_t b = 1 + (uint32_t)((seed >> 8) % 3);
                uint64_t ipa = ((seed >> 16) % 2 ? IPA : BORROW) + ((seed >> 20) % 70) * PG;
                uint64_t size = (1 + (seed >> 28) % 4) * PG;
                uint64_t id = ids[(seed >> 32) % 64];
                const struct region_offer *live = region_offer_get(&rs, id);
                if (live != NULL && (seed >> 60) % 4 != 0) {
                        a = (seed >> 40) % 6 == 4 ? live->owner : live->peer; /* mostly legal */
                }
                switch ((seed >> 40) % 6) {
                case 0:
                case 1:
                        if (region_offer(&rs, &ops, a, b, (enum region_kind)(1 + (seed >> 44) % 3),
                                         ipa_init(ipa), size, false, &o) == REGION_OK) {
                                ids[(seed >> 48) % 64] = o.id;
                        }
                        break;
                case 2:
                        retrieved +=
                            region_retrieve(&rs, &ops, a, id, ipa_init(ipa), &o) == REGION_OK;
                        break;
                case 3:
                        (void)region_relinquish(&rs, &ops, a, id, &o);
                        break;
                case 4:
                        reclaimed += region_reclaim(&rs, &ops, a, id, &o) == REGION_OK;
                        break;
                default:
                        if ((seed >> 50) % 8 == 0) {
                                region_release(&rs, &ops, a);
                        }
                        break;
                }
                check_invariants();
        }
        /* The sequence really exercised the machine (donations included). */
        assert_true(retrieved > 100 && reclaimed > 100 && owner_changes > 20);
        /* Everyone goes: every page is back home and mapped where it started. */
        for (uint32_t p = 1; p < PARTS; p++) {
                region_release(&rs, &ops, p);
        }
        check_invariants();
        for (uint32_t p = 1; p < PARTS; p++) {
                for (uint64_t pg = 0; pg < RAM_PGS; pg++) {
                        assert_int_equal(seen(p, IPA + pg * PG), PA(p) + pg * PG);
                }
                assert_int_equal(seen(p, BORROW), 0);
        }
        assert_int_equal(live_regions(), PARTS - 1 + 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(add_refuses_overlap_and_bad_ranges, setup),
            cmocka_unit_test_setup(offer_refuses_what_the_caller_does_not_own, setup),
            cmocka_unit_test_setup(share_is_zero_copy_and_reclaim_waits_for_relinquish, setup),
            cmocka_unit_test_setup(read_only_share_maps_without_write, setup),
            cmocka_unit_test_setup(lend_takes_access_from_the_lender, setup),
            cmocka_unit_test_setup(retrieve_ipa_must_be_free_in_the_peer, setup),
            cmocka_unit_test_setup(borrowed_pages_cannot_be_offered_on, setup),
            cmocka_unit_test_setup(donate_moves_ownership_and_comes_home_wiped, setup),
            cmocka_unit_test_setup(release_of_the_owner_ends_its_offers, setup),
            cmocka_unit_test_setup(release_of_the_borrower_relinquishes, setup),
            cmocka_unit_test_setup(offers_each_owner_limited, setup),
            cmocka_unit_test_setup(donations_cut_each_partition_in_few_pieces, setup),
            cmocka_unit_test_setup(random_sequences_keep_the_invariants, setup),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
