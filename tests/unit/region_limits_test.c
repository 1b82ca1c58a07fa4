/*
 * tests/unit/region_limits_test.c: memory/region.c's limits, which keep one partition (or two
 * together) from using up what the others are owed (offers, the region table's pieces), and
 * random sequences that keep its invariants, against the fake stage-2 of
 * tests/unit/region_fixture.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/region_fixture.h"

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
            cmocka_unit_test_setup(offers_each_owner_limited, setup),
            cmocka_unit_test_setup(donations_cut_each_partition_in_few_pieces, setup),
            cmocka_unit_test_setup(random_sequences_keep_the_invariants, setup),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
