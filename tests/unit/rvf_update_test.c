/*
 * tests/unit/rvf_update_test.c: A/B updates and downgrade protection (boot/rvf_update.c):
 * which slot boots for each state of the update words, the words' own parse, and the
 * version floor read back from the witness store, newest first (the last image that really
 * booted, or the monitor's allowance).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/rvf_update.h"
#include "tests/unit/rvf_fixture.h"

/* A/B updates: which slot boots for each update state, and the update words' parse. */
static void test_boot_choice_follows_the_update_words(void **state)
{
        (void)state;
        struct rvf_flash fh = {.active = 0};
        struct rvf_upd_state st[2] = {{0}, {0}};
        struct rvf_boot_choice c;

        fh.slot[0].length = fh.slot[1].length = 4096;
        rvf_boot_choose(&fh, st, &c); /* nothing pending: the active slot */
        assert_int_equal(c.slot, 0);
        assert_int_equal(c.step, RVF_STEP_NONE);
        st[1].pending = true; /* the host wrote an update: try it */
        rvf_boot_choose(&fh, st, &c);
        assert_int_equal(c.slot, 1);
        assert_int_equal(c.other, 1);
        assert_int_equal(c.step, RVF_STEP_TRY);
        st[1].trying = true; /* tried, never confirmed: roll back */
        rvf_boot_choose(&fh, st, &c);
        assert_int_equal(c.slot, 0);
        assert_int_equal(c.step, RVF_STEP_ROLLBACK);
        st[1].confirmed = true; /* it passed its self-test: it boots */
        rvf_boot_choose(&fh, st, &c);
        assert_int_equal(c.slot, 1);
        assert_int_equal(c.step, RVF_STEP_NONE);
        st[1].rejected = true; /* rejected wins over everything */
        rvf_boot_choose(&fh, st, &c);
        assert_int_equal(c.slot, 0);
        fh.slot[1].length = 0; /* an empty slot is never tried */
        st[1] = (struct rvf_upd_state){.pending = true};
        rvf_boot_choose(&fh, st, &c);
        assert_int_equal(c.slot, 0);
        assert_int_equal(c.step, RVF_STEP_NONE);

        uint8_t hdr[RVF_FLASH_HDR_SIZE];
        struct rvf_upd_state u;
        struct rvf_error er;
        memset(hdr, 0xFF, sizeof(hdr));
        assert_int_equal(rvf_update_state(hdr, 1, &u, &er), RVF_OK);
        assert_false(u.pending || u.trying || u.confirmed || u.rejected);
        put32(hdr + RVF_UPD_WORD_OFF(1, RVF_UPD_W_TRYING), RVF_UPD_TRYING);
        assert_int_equal(rvf_update_state(hdr, 1, &u, &er), RVF_OK);
        assert_true(u.trying && !u.pending);
        put32(hdr + RVF_UPD_WORD_OFF(1, RVF_UPD_W_CONFIRMED), 0x12345678); /* damaged */
        assert_int_equal(rvf_update_state(hdr, 1, &u, &er), RVF_E_FIELD);
        assert_string_equal(er.field, "update CONFIRMED word");
}

/* Downgrade protection's floor from the witness store, read newest first. */
static void test_floor_is_the_last_image_that_really_booted(void **state)
{
        (void)state;
        struct rvf_floor f;
        /* boot 3: tried v3 and refused it after it verified; boot 2: v2 verified; boot 1: v1 */
        const struct witness_record boot3[] = {
            {.seq = 30, .boot = 3, .kind = WK_BOOT_RVF, .flags = WITNESS_F_DENIED, .target = 3},
            {.seq = 29, .boot = 3, .kind = WK_BOOT_RVF_SLOT, .cap = RVF_SLOT_EV_TRY, .target = 0},
            {.seq = 28, .boot = 3, .kind = WK_BOOT_RVF, .target = 3},
            {.seq = 20, .boot = 2, .kind = WK_PART_STATE},
            {.seq = 19, .boot = 2, .kind = WK_BOOT_RVF, .target = 2},
            {.seq = 10, .boot = 1, .kind = WK_BOOT_RVF, .target = 1},
        };
        size_t i;

        memset(&f, 0, sizeof(f));
        for (i = 0; i < sizeof(boot3) / sizeof(boot3[0]) && !rvf_floor_visit(&f, &boot3[i]); i++) {
        }
        assert_true(f.found);
        assert_int_equal(f.version, 2);
        assert_int_equal(f.seq, 19);
        /* A try that confirmed counts; one that never did (a crash) does not. */
        const struct witness_record confirmed[] = {
            {.seq = 9, .boot = 5, .kind = WK_BOOT_RVF_SLOT, .cap = RVF_SLOT_EV_CONFIRM},
            {.seq = 8, .boot = 5, .kind = WK_BOOT_RVF_SLOT, .cap = RVF_SLOT_EV_TRY},
            {.seq = 7, .boot = 5, .kind = WK_BOOT_RVF, .target = 5},
        };
        memset(&f, 0, sizeof(f));
        for (i = 0; i < 3 && !rvf_floor_visit(&f, &confirmed[i]); i++) {
        }
        assert_true(f.found);
        assert_int_equal(f.version, 5);
        memset(&f, 0, sizeof(f));
        for (i = 1; i < 3 && !rvf_floor_visit(&f, &confirmed[i]); i++) {
        }
        assert_false(f.found);
        /* The monitor's allowance, when newest, sets it. */
        const struct witness_record allow = {
            .seq = 40, .boot = 4, .kind = WK_BOOT_RVF_ALLOW, .target = 1};
        memset(&f, 0, sizeof(f));
        assert_true(rvf_floor_visit(&f, &allow));
        assert_true(f.allowed);
        assert_int_equal(f.version, 1);
}

/* F4, a boot loop: confirmed update v2 failed boot after boot and was rejected (step 5): the
 * floor is v1, the last image that booted well, so slot A's v1 is no downgrade. */
static void test_boot_loop_floor_is_the_last_good_image(void **state)
{
        (void)state;
        struct rvf_floor f;
        const struct witness_record recs[] = {
            {.seq = 70,
             .boot = 7,
             .kind = WK_BOOT_RVF_SLOT,
             .flags = WITNESS_F_DENIED,
             .cap = RVF_SLOT_EV_LOOP,
             .target = 1,
             .payload = 2},
            {.seq = 69, .boot = 7, .kind = WK_BOOT_RVF, .target = 2},
            {.seq = 60, .boot = 6, .kind = WK_REC_RVM_FAIL},
            {.seq = 59, .boot = 6, .kind = WK_BOOT_RVF, .target = 2},
            {.seq = 50, .boot = 5, .kind = WK_BOOT_RVF, .target = 2},
            {.seq = 42, .boot = 4, .kind = WK_BOOT_RVF_SLOT, .cap = RVF_SLOT_EV_CONFIRM},
            {.seq = 41, .boot = 4, .kind = WK_BOOT_RVF_SLOT, .cap = RVF_SLOT_EV_TRY},
            {.seq = 40, .boot = 4, .kind = WK_BOOT_RVF, .target = 2},
            {.seq = 30, .boot = 3, .kind = WK_BOOT_RVF, .target = 1},
        };
        size_t i;

        memset(&f, 0, sizeof(f));
        for (i = 0; i < sizeof(recs) / sizeof(recs[0]) && !rvf_floor_visit(&f, &recs[i]); i++) {
        }
        assert_true(f.found);
        assert_int_equal(f.version, 1);
        assert_int_equal(f.seq, 30);
        /* without the rejection, v2 is the floor */
        memset(&f, 0, sizeof(f));
        for (i = 2; i < sizeof(recs) / sizeof(recs[0]) && !rvf_floor_visit(&f, &recs[i]); i++) {
        }
        assert_int_equal(f.version, 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_boot_choice_follows_the_update_words),
            cmocka_unit_test(test_floor_is_the_last_image_that_really_booted),
            cmocka_unit_test(test_boot_loop_floor_is_the_last_good_image),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
