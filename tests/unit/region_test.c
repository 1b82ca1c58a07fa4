/*
 * tests/unit/region_test.c: typed regions and the share/lend/donate state machine
 * (memory/region.c) against a fake stage-2 (tests/unit/region_fixture.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/region_fixture.h"

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
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
