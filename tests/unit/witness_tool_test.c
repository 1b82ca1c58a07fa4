/*
 * tests/unit/witness_tool_test.c: the witness command-line tool run in-process on a flash
 * image, raw dumps and a serial capture: verify (the key file, --no-key, --start, --expect,
 * tampering, truncation, a lost range and its recovery), replay, show, stats and export,
 * and every command refusing input that is not a witness log.
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

static int run_tool(const char *out_expect, int argc, ...)
{
        va_list ap;
        int rc;

        va_start(ap, argc);
        rc = tool_vrun(argc, ap);
        va_end(ap);
        if (out_expect && out_expect[0] == '!' && strstr(tool_out, out_expect + 1) != NULL) {
                fprintf(stderr, "tool output has '%s':\n%s\n", out_expect + 1, tool_out);
                rc = 100;
        } else if (out_expect && out_expect[0] != '!' && strstr(tool_out, out_expect) == NULL) {
                fprintf(stderr, "tool output lacks '%s':\n%s\n", out_expect, tool_out);
                rc = 100;
        }
        return rc;
}

static void write_file(const char *path, const void *d, size_t n)
{
        FILE *f = fopen(path, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(d, 1, n, f), n);
        fclose(f);
}

static void test_tool_cli(void **st)
{
        char dir[] = "/tmp/witness_tool_test_XXXXXX", img[64], dmp[64], bad[64];
        struct fake fk;
        struct witness_flash fl;
        struct witness_log log;
        struct witness_event evs[] = {
            {.kind = WK_PART_CREATE, .target = 1},
            {.kind = WK_PART_STATE, .target = 1, .payload = 1},
            {.kind = WK_MEM_REGION, .actor = 1, .target = 0x10, .payload = 4096},
            {.kind = WK_CAP_CREATE, .actor = 1, .target = 0x10, .cap = 0x100, .payload = 3},
            {.kind = WK_PART_CREATE, .target = 2},
            {.kind = WK_MEM_TRANSFER, .actor = 1, .target = 0x10, .payload = 2},
            {.kind = WK_CAP_DERIVE, .actor = 2, .target = 0x101, .cap = 0x100, .payload = 1},
            {.kind = WK_CAP_REVOKE, .actor = 0, .target = 0x100},
        };

        char keyf[64];
        uint8_t blob[WITNESS_KEY_BLOB];

        (void)st;
        assert_non_null(mkdtemp(dir));
        /* The log's root key, as a key file the tool finds through the environment. */
        snprintf(keyf, sizeof(keyf), "%s/w.key", dir);
        witness_key_blob_make(witness_dev_key, 32, blob);
        write_file(keyf, blob, sizeof(blob));
        setenv("RVM_WITNESS_KEY_FILE", keyf, 1);
        snprintf(img, sizeof(img), "%s/w.img", dir);
        snprintf(dmp, sizeof(dmp), "%s/w.bin", dir);
        snprintf(bad, sizeof(bad), "%s/bad", dir);
        fake_init(&fk, &fl, 1024, 16);
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_attach_store(&log, &fl, true), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
                assert_int_equal(witness_log_append(&log, &evs[i]), WITNESS_OK);
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        write_file(img, fk.mem, fk.size);
        assert_int_equal(run_tool("intact: 10 records", 2, "verify", img), 0);
        assert_int_equal(run_tool("anchors: 1 in the journal, 1 authenticated", 2, "verify", img),
                         0);
        /* Without the key the chain verifies but nothing is authenticated: exit 4. */
        assert_int_equal(run_tool("NOT AUTHENTICATED", 3, "verify", img, "--no-key"), 4);
        /* --expect and --start are checked on flash images too. */
        {
                char pt[100], hx[65];
                uint8_t h[32];

                witness_genesis(h);
                for (int i = 0; i < 32; i++)
                        snprintf(hx + 2 * i, 3, "%02x", h[i]);
                snprintf(pt, sizeof(pt), "0:%s", hx);
                assert_int_equal(run_tool("intact", 4, "verify", img, "--start", pt), 0);
                snprintf(pt, sizeof(pt), "3:%s", hx);
                assert_int_equal(run_tool("differs", 4, "verify", img, "--expect", pt), 1);
                snprintf(pt, sizeof(pt), "11:%s", hx);
                assert_int_equal(run_tool("was lost", 4, "verify", img, "--expect", pt), 1);
        }
        /* seq: 0 attest, 1..8 events, 9 seal */
        assert_int_equal(run_tool("cap 0x101 held by 2", 4, "replay", img, "--at", "7"), 0);
        assert_int_equal(run_tool("!cap 0x101", 4, "replay", img, "--at", "8"), 0);
        assert_int_equal(run_tool("!cap 0x100", 4, "replay", img, "--at", "8"), 0);
        assert_int_equal(run_tool("region 0x10 owner 1 size 4096", 4, "replay", img, "--at", "4"),
                         0);
        assert_int_equal(run_tool("cap 0x100 held by 1", 4, "replay", img, "--at", "4"), 0);
        assert_int_equal(run_tool("region 0x10 owner 2", 4, "replay", img, "--at", "7"), 0);
        assert_int_equal(run_tool("seq=6 ", 4, "show", img, "--kind", "MEM_TRANSFER"), 0);
        assert_int_equal(run_tool("family MEMORY: 2", 2, "stats", img), 0);
        assert_int_equal(
            run_tool("\"kind\": \"WK_CAP_REVOKE\"", 5, "export", img, "--json", "--kind", "CAP"),
            0);
        fk.mem[3 * 1024 + 64 * 4 + 33] ^= 0x80; /* slot 4 = seq 3 (slot 0 is the header) */
        write_file(bad, fk.mem, fk.size);
        assert_int_equal(run_tool("first bad record: seq 3", 2, "verify", bad), 1);
        write_file(bad, fk.mem, fk.size / 2);
        assert_int_equal(run_tool("TAMPERED", 2, "verify", bad), 1);
        write_file(bad, "", 0);
        assert_int_equal(run_tool(NULL, 2, "verify", bad), 2);
        write_file(bad, "garbage\n", 8);
        assert_int_not_equal(run_tool(NULL, 2, "verify", bad), 0);
        /* Every command refuses input that is not a witness log. */
        {
                uint8_t rnd[4096];

                for (size_t i = 0; i < sizeof(rnd); i++)
                        rnd[i] = (uint8_t)(i * 7919u >> 3);
                rnd[0] = 3, rnd[1] = rnd[2] = rnd[3] = rnd[4] = rnd[5] = rnd[6] = rnd[7] = 0;
                write_file(bad, rnd, sizeof(rnd));
                assert_int_equal(run_tool(NULL, 2, "show", bad), 2);
                assert_int_equal(run_tool(NULL, 2, "stats", bad), 2);
                assert_int_equal(run_tool(NULL, 3, "export", bad, "--json"), 2);
                assert_int_equal(run_tool(NULL, 4, "replay", bad, "--at", "3"), 2);
                rnd[0] = 0;
                write_file(bad, rnd, sizeof(rnd));
                assert_int_equal(run_tool(NULL, 2, "show", bad), 2);
                assert_int_equal(run_tool(NULL, 2, "stats", bad), 2);
        }
        assert_int_equal(run_tool(NULL, 2, "verify", "/nonexistent/x"), 2);
        assert_int_equal(run_tool(NULL, 3, "verify", img, "--key"), 2);
        assert_int_equal(run_tool(NULL, 2, "replay", img), 2);
        /* A power cut in the middle of the next batch: 3 (lost range), then after a
         * reboot 0 with the recovery noted. */
        fk.mem[3 * 1024 + 64 * 4 + 33] ^= 0x80;
        emit_n(&log, 6, 4);
        fk.budget = 4;
        assert_int_not_equal(witness_log_flush(&log), WITNESS_OK);
        fk.budget = -1;
        fk.dead = false;
        write_file(bad, fk.mem, fk.size);
        assert_int_equal(run_tool("records 13..16 lost", 2, "verify", bad), 3);
        log_make(&log, 256, 16);
        assert_int_equal(witness_log_attach_store(&log, &fl, false), WITNESS_OK);
        assert_int_equal(witness_log_start(&log, NULL), WITNESS_OK);
        assert_int_equal(witness_log_flush(&log), WITNESS_OK);
        write_file(bad, fk.mem, fk.size);
        assert_int_equal(
            run_tool("records 13..16 of the previous boot were lost", 2, "verify", bad), 0);
        assert_int_equal(run_tool("boots: 1..2", 2, "stats", bad), 0);
        /* A serial capture of a tail listing, inside console noise. */
        {
                FILE *f = fopen(dmp, "w");
                char line[WITNESS_SERIAL_LINE_MAX], hl[WITNESS_SERIAL_HEAD_MAX];
                uint8_t h[32];
                uint64_t first;

                assert_non_null(f);
                dump_n = 0;
                witness_log_tail(&log, 5, h, &first, dump_cb, NULL);
                witness_serial_format_head(first, h, hl);
                fprintf(f, "rvm> witness tail 5\r\n%s\r\n", hl);
                for (size_t i = 0; i < dump_n; i++) {
                        witness_serial_format(dump_buf[i], line);
                        fprintf(f, "%s\r\n", line);
                }
                fprintf(f, "rvm> \n");
                fclose(f);
                assert_int_equal(run_tool("serial capture, 4 records", 2, "verify", dmp), 0);
                assert_int_equal(run_tool("kind=WK_WIT_SEAL", 2, "show", dmp), 0);
        }
        make_dump(50, 10);
        write_file(dmp, dump_buf, 50 * 64);
        assert_int_equal(run_tool("raw dump", 2, "verify", dmp), 0);
        assert_int_equal(
            run_tool("bad seal", 4, "verify", dmp, "--key", "00112233445566778899aabbccddeeff"), 1);
        unsetenv("RVM_WITNESS_KEY_FILE");
        unlink(keyf);
        unlink(img);
        unlink(dmp);
        unlink(bad);
        rmdir(dir);
        free(fk.mem);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_tool_cli),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
