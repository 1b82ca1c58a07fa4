/*
 * tests/unit/witness_who_test.c: `witness who` on synthetic flash stores: a region's actions
 * attributed to the partition, the agent and RVM that did them (its RAM mapped, a page lent
 * and mapped by a peer, a tier move and an injected fault named only by IPA, a checkpoint of
 * the partition as a whole), a second boot followed from nothing, the time window's edges
 * ([from, to): from included, to excluded) and --boot; and bad input (a truncated image, an
 * empty or wall-clock window, an unknown region, a bad range) refused with status 2.
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

static char img[64], trunc_img[64], dir[40];

static void write_file(const char *path, const void *d, size_t n)
{
        FILE *f = fopen(path, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(d, 1, n, f), n);
        fclose(f);
}

static int setup(void **st)
{
        static const struct at boot1[] = {
            {1 * SEC, {.kind = WK_PART_CREATE, .target = 1}},
            {1 * SEC + 1000,
             {.kind = WK_MEM_REGION, .actor = 1, .target = PA, .payload = 0x200000}},
            {1 * SEC + 2000, {.kind = WK_MEM_MAP, .actor = 1, .target = PA, .payload = BASE}},
            {1 * SEC + 3000, {.kind = WK_PART_CREATE, .target = 2}},
            {1 * SEC + 4000,
             {.kind = WK_MEM_REGION, .actor = 2, .target = PA2, .payload = 0x100000}},
            {1 * SEC + 5000, {.kind = WK_MEM_MAP, .actor = 2, .target = PA2, .payload = BASE}},
            /* partition 1 lends one page to partition 2, which maps it at 0x60000000 */
            {2 * SEC,
             {.kind = WK_MEM_UNMAP, .actor = 1, .target = PA + 0x40000, .payload = BASE + 0x40000}},
            {2 * SEC + 1000, {.kind = WK_CAP_CREATE, .actor = 2, .target = 1ull << 63}},
            {2 * SEC + 2000,
             {.kind = WK_COMM_LEND, .actor = 1, .target = 0x10000, .payload = 0x200010201}},
            {3 * SEC,
             {.kind = WK_MEM_MAP, .actor = 2, .target = PA + 0x40000, .payload = 0x60000000}},
            {3 * SEC + 1000,
             {.kind = WK_COMM_LEND, .actor = 2, .target = 0x10000, .payload = 0x100010202}},
            /* a refused lend names no offer: not attributed */
            {3 * SEC + 2000, {.kind = WK_COMM_LEND, .flags = WITNESS_F_DENIED, .actor = 2}},
            /* the tier move names only the IPA; the injected fault only partition and IPA */
            {4 * SEC,
             {.kind = WK_MEM_TIER, .actor = 1, .target = 0, .cap = BASE + 0x80000, .payload = 2}},
            {5 * SEC, {.kind = WK_REC_INJECT, .target = 1, .cap = BASE + 0x10}},
            {6 * SEC, {.kind = WK_MEM_CHECKPOINT, .target = 1, .payload = 512 | 1ull << 32}},
            /* an agent (principal 13) acts on partition 2's RAM only */
            {7 * SEC, {.kind = WK_MEM_TIER, .actor = 13, .target = PA2, .cap = BASE}},
            /* partition 2 in its own RAM: not the region */
            {7 * SEC + 1000, {.kind = WK_MEM_TIER, .actor = 2, .target = 0, .cap = BASE + 0x1000}},
            {8 * SEC, {.kind = WK_PART_STATE, .target = 1, .payload = 3}},
        };
        /* Boot 2 starts from nothing: partition 2's RAM is where partition 1's was. */
        static const struct at boot2[] = {
            {1 * SEC, {.kind = WK_MEM_REGION, .actor = 2, .target = PA, .payload = 0x200000}},
            {1 * SEC + 1000, {.kind = WK_MEM_MAP, .actor = 2, .target = PA, .payload = BASE}},
            {2 * SEC,
             {.kind = WK_MEM_TIER,
              .actor = 2,
              .target = PA + 0x1000,
              .cap = BASE + 0x1000,
              .payload = 2}},
        };
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;

        (void)st;
        snprintf(dir, sizeof(dir), "/tmp/witness_who_XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(img, sizeof(img), "%s/w.img", dir);
        snprintf(trunc_img, sizeof(trunc_img), "%s/t.img", dir);
        fake_init(&fk, &fl, 1024, 64);
        log_make(&log, 256, 64);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        boot_emit(&log, boot1, sizeof(boot1) / sizeof(boot1[0]));
        assert_int_equal(witness_log_shutdown(&log), WITNESS_OK);
        log_make(&log, 256, 64);
        assert_int_equal(witness_log_attach_store(&log, &fl, false), WITNESS_OK);
        now_ns = 0;
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        boot_emit(&log, boot2, sizeof(boot2) / sizeof(boot2[0]));
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        write_file(img, fk.mem, fk.size);
        write_file(trunc_img, fk.mem, 1000); /* not even its superblock's block */
        free(fk.mem);
        return 0;
}

static int teardown(void **st)
{
        (void)st;
        unlink(img);
        unlink(trunc_img);
        rmdir(dir);
        return 0;
}

static void test_attribution(void **st)
{
        (void)st;
        assert_int_equal(tool_run(4, "who", img, "--region", "0x42000000"), 0);
        assert_true(tool_out_has("partition 1: 5 actions"));
        assert_true(tool_out_has("WK_MEM_REGION: region at 0x42000000, 2097152 bytes, owner 1"));
        assert_true(tool_out_has("WK_MEM_UNMAP: PA 0x42040000 at IPA 0x40040000 of partition 1"));
        assert_true(tool_out_has("offer 0x10000 step 1"));
        assert_true(tool_out_has("WK_MEM_TIER: IPA 0x40080000 (PA 0x0) to tier 2"));
        /* the peer that borrowed a page of it, and RVM's injected fault and checkpoint */
        assert_true(tool_out_has("partition 2: 5 actions"));
        assert_true(tool_out_has("WK_MEM_MAP: PA 0x42040000 at IPA 0x60000000 of partition 2"));
        assert_true(tool_out_has("offer 0x10000 step 2"));
        assert_true(tool_out_has("RVM (actor 0: RVM itself or the monitor): 2 actions"));
        assert_true(tool_out_has("WK_REC_INJECT: partition 1 IPA 0x40000010"));
        assert_true(tool_out_has("WK_MEM_CHECKPOINT: partition 1 as a whole (it maps the region)"));
        /* boot 2: partition 2 owns those pages now */
        assert_true(tool_out_has("seq 24 boot 2 t 2.000000000 s  WK_MEM_TIER: IPA 0x40001000"));
        assert_true(tool_out_has("12 actions by 3 principals"));
        assert_null(strstr(tool_out, "agent"));
        assert_null(strstr(tool_out, "(denied)"));
        assert_null(strstr(tool_out, "IPA 0x40001000 (PA 0x0)")); /* partition 2's, boot 1 */

        /* partition 2's RAM: the agent's action on it, and no lend of partition 1's page */
        assert_int_equal(tool_run(4, "who", img, "--region", "0x43000000"), 0);
        assert_true(tool_out_has("agent 5 (principal 13): 1 action"));
        assert_true(tool_out_has("partition 2: 3 actions"));
        assert_null(strstr(tool_out, "offer"));

        /* an IPA range of one partition */
        assert_int_equal(tool_run(6, "who", img, "--ipa", "0x60000000-0x60001000", "--part", "2"),
                         0);
        assert_true(tool_out_has("partition 2: 2 actions"));
        assert_true(tool_out_has("offer 0x10000 step 2"));
        assert_true(tool_out_has("partition 1: 1 action\n"));
        assert_int_equal(tool_run(6, "who", img, "--ipa", "0x40000000-0x40001000", "--part", "1"),
                         0);
        assert_true(tool_out_has("WK_REC_INJECT"));
        assert_null(strstr(tool_out, "boot 2"));
}

static void test_window(void **st)
{
        (void)st;
        /* [from, to): a record exactly at --from is in, one exactly at --to is out */
        assert_int_equal(tool_run(8, "who", img, "--region", "0x42000000", "--from", "4", "--to",
                                  "5", "--boot", "1"),
                         0);
        assert_true(tool_out_has("WK_MEM_TIER"));
        assert_true(tool_out_has("1 action by 1 principal"));
        assert_null(strstr(tool_out, "WK_REC_INJECT"));
        assert_int_equal(tool_run(8, "who", img, "--region", "0x42000000", "--from", "4000000001ns",
                                  "--to", "5000000001ns", "--boot", "1"),
                         0);
        assert_true(tool_out_has("WK_REC_INJECT"));
        assert_null(strstr(tool_out, "WK_MEM_TIER"));
        /* units and fractions; every boot without --boot */
        assert_int_equal(
            tool_run(8, "who", img, "--region", "0x42000000", "--from", "1.999", "--to", "2500ms"),
            0);
        assert_true(tool_out_has("seq 24 boot 2"));
        assert_true(tool_out_has("offer 0x10000 step 1"));
        assert_true(tool_out_has("3 actions by 2 principals"));
        assert_int_equal(tool_run(6, "who", img, "--region", "0x42000000", "--from", "9"), 0);
        assert_true(tool_out_has("no witnessed action on it in that window"));
}

static void test_bad_input(void **st)
{
        (void)st;
        assert_int_equal(tool_run(4, "who", trunc_img, "--region", "0x42000000"), 2);
        assert_int_equal(tool_run(4, "who", "/nonexistent/w.img", "--region", "0x42000000"), 2);
        assert_int_equal(tool_run(4, "who", img, "--region", "0x42001000"), 2); /* no such region */
        assert_int_equal(
            tool_run(8, "who", img, "--region", "0x42000000", "--from", "5", "--to", "5"), 2);
        assert_int_equal(
            tool_run(8, "who", img, "--region", "0x42000000", "--from", "6", "--to", "5"), 2);
        /* no wall-clock anchor in the records */
        assert_int_equal(
            tool_run(8, "who", img, "--region", "0x42000000", "--from", "14:00", "--to", "14:05"),
            2);
        const char *bad_times[] = {"",
                                   "x",
                                   "1.5.2",
                                   "-1",
                                   "1h",
                                   "0.0000000001",
                                   "99999999999",
                                   "1e3",
                                   "18446744073709551616ns"};
        for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++)
                assert_int_equal(
                    tool_run(6, "who", img, "--region", "0x42000000", "--from", bad_times[i]), 2);
        assert_int_equal(tool_run(4, "who", img, "--ipa", "0x5000-0x4000"), 2);
        assert_int_equal(tool_run(4, "who", img, "--ipa", "0x5000"), 2);
        assert_int_equal(tool_run(6, "who", img, "--ipa", "0x5000-0x6000", "--part", "9"), 2);
        assert_int_equal(tool_run(6, "who", img, "--region", "0x42000000", "--part", "1"), 2);
        assert_int_equal(tool_run(6, "who", img, "--region", "0x42000000", "--ipa", "1-2"), 2);
        assert_int_equal(tool_run(2, "who", img), 2);
        assert_int_equal(tool_run(3, "who", img, "--region"), 2);
        assert_int_equal(tool_run(4, "who", img, "--bogus", "1"), 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_attribution),
            cmocka_unit_test(test_window),
            cmocka_unit_test(test_bad_input),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
