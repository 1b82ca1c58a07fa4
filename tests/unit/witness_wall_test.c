/*
 * tests/unit/witness_wall_test.c: wall-clock times in `witness who` and `witness show`
 * (tools/witness/wall.c): a boot anchored by its WK_BOOT_CLOCK (the PL031 read at boot) is
 * searched by UTC date and time or by time of day, its records show their UTC time, and a
 * boot without an anchor is left out of such a window; the calendar (leap years, the ends of
 * months) both ways; bad dates and times, mixed forms and a log with no anchor refused with
 * status 2, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/witness_fixture.h"
#include "tools/witness/wall.h"

#define PA   0x42000000ull /* partition 1's RAM */
#define PA2  0x43000000ull /* partition 2's RAM */
#define BASE 0x40000000ull
#define SEC  1000000000ull

struct at {
        uint64_t t; /* time of the record, ns since the boot's reset */
        struct witness_event ev;
};

/* One boot's records, each at its time (the fixture's clock adds 1 us a reading). */
static void boot_emit(struct witness_log *log, const struct at *a, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                now_ns = a[i].t - 1000;
                assert_int_equal(witness_log_append(log, &a[i].ev), WITNESS_OK);
        }
}

static char img[64], noanchor_img[64], dir[40];

static void write_file(const char *path, const void *d, size_t n)
{
        FILE *f = fopen(path, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(d, 1, n, f), n);
        fclose(f);
}

#define Y2024 1704067200ull /* 2024-01-01T00:00:00 UTC */

static int setup(void **st)
{
        /* Boot 1 read no RTC; boot 2 read 2024-01-01T00:00:00 at 0.5 s since its reset. */
        static const struct at boot1[] = {
            {1 * SEC, {.kind = WK_MEM_REGION, .actor = 1, .target = PA, .payload = 0x200000}},
            {1 * SEC + 1000, {.kind = WK_MEM_MAP, .actor = 1, .target = PA, .payload = BASE}},
            {1 * SEC + 2000,
             {.kind = WK_BOOT_CLOCK, .flags = WITNESS_F_DENIED, .payload = 1}}, /* no RTC */
            {4 * SEC + SEC / 2,
             {.kind = WK_MEM_TIER,
              .actor = 1,
              .target = PA + 0x1000,
              .cap = BASE + 0x1000,
              .payload = 2}},
        };
        static const struct at boot2[] = {
            {SEC / 2,
             {.kind = WK_BOOT_CLOCK, .target = Y2024, .cap = SEC / 2 - 500, .payload = 0x9010000}},
            {1 * SEC, {.kind = WK_MEM_REGION, .actor = 2, .target = PA, .payload = 0x200000}},
            {1 * SEC + 1000, {.kind = WK_MEM_MAP, .actor = 2, .target = PA, .payload = BASE}},
            {5 * SEC,
             {.kind = WK_MEM_TIER,
              .actor = 2,
              .target = PA + 0x2000,
              .cap = BASE + 0x2000,
              .payload = 2}},
        };
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;

        (void)st;
        snprintf(dir, sizeof(dir), "/tmp/witness_wall_XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(img, sizeof(img), "%s/w.img", dir);
        snprintf(noanchor_img, sizeof(noanchor_img), "%s/n.img", dir);
        fake_init(&fk, &fl, 1024, 64);
        log_make(&log, 256, 64);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        boot_emit(&log, boot1, sizeof(boot1) / sizeof(boot1[0]));
        assert_int_equal(witness_log_shutdown(&log), WITNESS_OK);
        write_file(noanchor_img, fk.mem, fk.size);
        log_make(&log, 256, 64);
        assert_int_equal(witness_log_attach_store(&log, &fl, false), WITNESS_OK);
        now_ns = 0;
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        boot_emit(&log, boot2, sizeof(boot2) / sizeof(boot2[0]));
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        write_file(img, fk.mem, fk.size);
        free(fk.mem);
        return 0;
}

static int teardown(void **st)
{
        (void)st;
        unlink(img);
        unlink(noanchor_img);
        rmdir(dir);
        return 0;
}

static void test_calendar(void **st)
{
        char buf[40];
        uint64_t ns = 0;

        (void)st;
        assert_int_equal(wt_wall_parse("1970-01-01T00:00:00", &ns), WT_TIME_UTC);
        assert_int_equal(ns, 0);
        assert_int_equal(wt_wall_parse("2024-01-01T00:00:00Z", &ns), WT_TIME_UTC);
        assert_int_equal(ns, Y2024 * SEC);
        assert_int_equal(wt_wall_parse("2024-02-29T23:59:59.25", &ns), WT_TIME_UTC);
        assert_int_equal(ns, (Y2024 + 59 * 86400 + 86399) * SEC + SEC / 4);
        wt_wall_format(ns, buf, sizeof(buf));
        assert_string_equal(buf, "2024-02-29T23:59:59.250");
        assert_int_equal(wt_wall_parse("2000-03-01 00:00", &ns), WT_TIME_UTC);
        assert_int_equal(ns, 951868800ull * SEC);
        wt_wall_format(4107542399ull * SEC, buf, sizeof(buf)); /* 2100 is no leap year */
        assert_string_equal(buf, "2100-02-28T23:59:59.000");
        wt_wall_format(4107542400ull * SEC, buf, sizeof(buf));
        assert_string_equal(buf, "2100-03-01T00:00:00.000");
        assert_int_equal(wt_wall_parse("14:00", &ns), WT_TIME_OF_DAY);
        assert_int_equal(ns, 14 * 3600 * SEC);
        assert_int_equal(wt_wall_parse("23:59:59.999999999", &ns), WT_TIME_OF_DAY);
        assert_int_equal(ns, 86400 * SEC - 1);
        const char *bad[] = {"",
                             "14",
                             "14:",
                             "1:00",
                             "24:00",
                             "12:60",
                             "12:00:60",
                             "12:00:00.",
                             "12:00:00.0000000001",
                             "12:00x",
                             "2024-02-30T00:00:00",
                             "2023-02-29T00:00",
                             "1969-12-31T23:59:59",
                             "2024-01-01",
                             "2024-01-01T",
                             "2024-13-01T00:00",
                             "2024-00-01T00:00",
                             "2024-01-00T00:00",
                             "2024-01-01T00:00:00ZZ",
                             "2501-01-01T00:00",
                             "9999-12-31T23:59:59",
                             "2024-1-01T00:00",
                             "+024-01-01T00:00"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(wt_wall_parse(bad[i], &ns), -1);
        assert_int_equal(wt_wall_parse(NULL, &ns), -1);
}

static void test_who_by_wall_clock(void **st)
{
        (void)st;
        /* boot 2's tier move at 5 s since reset, 4.5 s after its anchor: 00:00:04.5 UTC */
        assert_int_equal(tool_run(8, "who", img, "--region", "0x42000000", "--from",
                                  "2024-01-01T00:00:04", "--to", "2024-01-01T00:00:05"),
                         0);
        assert_true(tool_out_has("UTC in [2024-01-01T00:00:04.000, 2024-01-01T00:00:05.000)"));
        assert_true(tool_out_has("partition 2: 1 action"));
        assert_true(tool_out_has("2024-01-01T00:00:04.500 UTC  WK_MEM_TIER: IPA 0x40002000"));
        assert_true(tool_out_has("1 action by 1 principal"));
        assert_null(strstr(tool_out, "partition 1")); /* boot 1 has no anchor: not in it */
        /* the same as times of day */
        assert_int_equal(tool_run(8, "who", img, "--region", "0x42000000", "--from", "00:00:04",
                                  "--to", "00:00:05"),
                         0);
        assert_true(tool_out_has("partition 2: 1 action"));
        assert_true(tool_out_has("1 action by 1 principal"));
        /* [from, to): the move at 04.5 is out of [00:00:00, 00:00:04.5), in from 04.5 */
        assert_int_equal(tool_run(8, "who", img, "--region", "0x42000000", "--from", "00:00",
                                  "--to", "00:00:04.5"),
                         0);
        assert_null(strstr(tool_out, "WK_MEM_TIER"));
        assert_true(tool_out_has("partition 2: 2 actions")); /* its region and map, at 00:00:00.5 */
        assert_int_equal(tool_run(6, "who", img, "--region", "0x42000000", "--from", "00:00:04.5"),
                         0);
        assert_true(tool_out_has("WK_MEM_TIER"));
        assert_int_equal(
            tool_run(6, "who", img, "--region", "0x42000000", "--to", "2023-12-31T23:59:59"), 0);
        assert_true(tool_out_has("no witnessed action on it in that window"));
        /* since-reset windows still see both boots, with UTC where there is one */
        assert_int_equal(tool_run(4, "who", img, "--region", "0x42000000"), 0);
        assert_true(tool_out_has("partition 1: 3 actions"));
        assert_true(tool_out_has("partition 2: 3 actions"));
}

static void test_show_prints_utc(void **st)
{
        (void)st;
        assert_int_equal(tool_run(4, "show", img, "--kind", "MEM_TIER"), 0);
        assert_true(tool_out_has("boot=1 t=4500000000 kind=WK_MEM_TIER"));
        assert_true(
            tool_out_has("boot=2 t=5000000000 utc=2024-01-01T00:00:04.500 kind=WK_MEM_TIER"));
        assert_int_equal(tool_run(4, "show", img, "--kind", "BOOT_CLOCK"), 0);
        assert_true(tool_out_has("kind=WK_BOOT_CLOCK tier=0 flags=0x01(denied)"));
        assert_true(
            tool_out_has("utc=2024-01-01T00:00:00.000 kind=WK_BOOT_CLOCK tier=0 flags=0x00"));
}

static void test_refused(void **st)
{
        (void)st;
        /* a log whose boots read no RTC */
        assert_int_equal(tool_run(8, "who", noanchor_img, "--region", "0x42000000", "--from",
                                  "14:00", "--to", "14:05"),
                         2);
        assert_int_equal(tool_run(6, "who", noanchor_img, "--region", "0x42000000", "--from",
                                  "2024-01-01T00:00:00"),
                         2);
        assert_int_equal(tool_run(6, "who", noanchor_img, "--region", "0x42000000", "--from", "4"),
                         0);
        /* mixed forms, empty windows, bad values */
        assert_int_equal(
            tool_run(8, "who", img, "--region", "0x42000000", "--from", "4", "--to", "00:00:05"),
            2);
        assert_int_equal(tool_run(8, "who", img, "--region", "0x42000000", "--from",
                                  "2024-01-01T00:00:05", "--to", "00:00:06"),
                         2);
        assert_int_equal(tool_run(8, "who", img, "--region", "0x42000000", "--from", "00:00:05",
                                  "--to", "00:00:05"),
                         2);
        const char *bad[] = {"25:00", "2024-02-30T00:00", "12:00:00.", ":", "::", "2024-01-01T"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(tool_run(6, "who", img, "--region", "0x42000000", "--to", bad[i]),
                                 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_calendar),
            cmocka_unit_test(test_who_by_wall_clock),
            cmocka_unit_test(test_show_prints_utc),
            cmocka_unit_test(test_refused),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
