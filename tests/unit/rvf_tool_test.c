/*
 * tests/unit/rvf_tool_test.c: tools/rvf run in-process: keygen, build from a spec, inspect
 * (text and JSON), verify (keys, minimum version, --boot), extract and re-sign; a flipped
 * payload bit, a flipped image byte and an unsigned file each get their own exit status;
 * the seed's layout is refused for booting; the flash layout, and a lying flash header
 * refused; spec errors name the line.
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

#include "tests/unit/rvf_fixture.h"

static char dir[] = "/tmp/rvf_tool_test_XXXXXX";
static char out_buf[65536], err_buf[65536];

static int tool(const char *a0, ...)
{
        char *argv[16] = {"rvf", (char *)a0};
        int argc = 2;
        va_list ap;
        va_start(ap, a0);
        for (char *s; argc < 15 && (s = va_arg(ap, char *)) != NULL;) {
                argv[argc++] = s;
        }
        va_end(ap);
        FILE *o = fmemopen(out_buf, sizeof(out_buf), "w"),
             *e = fmemopen(err_buf, sizeof(err_buf), "w");
        int st = rvf_tool_run(argc, argv, o, e);
        fclose(o);
        fclose(e);
        return st;
}

static const char *path(const char *name)
{
        static char p[8][256];
        static unsigned n;
        char *s = p[n++ % 8];
        snprintf(s, 256, "%s/%s", dir, name);
        return s;
}

static void put_file(const char *name, const void *d, size_t n)
{
        FILE *f = fopen(path(name), "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(d, 1, n, f), n);
        fclose(f);
}

static void test_tool_build_inspect_verify_extract_sign(void **state)
{
        (void)state;
        char spec[1024];
        assert_non_null(mkdtemp(dir));
        put_file("k.bin", kimage, sizeof(kimage));
        put_file("a.wasm", wasm_mod, sizeof(wasm_mod));
        snprintf(spec, sizeof(spec),
                 "# test\nimage_version 5\nkernel prod %s cmdline=\"console=ttyAMA0 a=b\"\n"
                 "wasm counter %s priority=3\n"
                 "partition producer guest kernel=prod mem=1M fault=restart restarts=3 "
                 "pl011=0x09000000\npartition agents wasm\n"
                 "agent counter wasm=counter partition=agents caps=witness\n"
                 "edge producer agent:counter\nlease uart1 producer 50\n",
                 path("k.bin"), path("a.wasm"));
        put_file("spec", spec, strlen(spec));

        assert_int_equal(tool("--help", NULL), RVF_EXIT_OK);
        assert_non_null(strstr(out_buf, "exit status"));
        assert_int_equal(tool("keygen", path("dev.key"), NULL), RVF_EXIT_OK);
        assert_int_equal(tool("keygen", path("dev.key"), NULL), RVF_EXIT_USAGE); /* exists */
        assert_int_equal(tool("keygen", path("other.key"), NULL), RVF_EXIT_OK);
        assert_int_equal(
            tool("build", "-o", path("a.rvf"), path("spec"), "--key", path("dev.key"), NULL),
            RVF_EXIT_OK);
        assert_int_equal(tool("inspect", path("a.rvf"), NULL), RVF_EXIT_OK);
        assert_non_null(strstr(out_buf, "partition 1 producer"));
        assert_non_null(strstr(out_buf, "image version 5"));
        assert_int_equal(tool("inspect", path("a.rvf"), "--json", NULL), RVF_EXIT_OK);
        assert_non_null(strstr(out_buf, "\"cmdline\":\"console=ttyAMA0 a=b\""));
        assert_int_equal(
            tool("verify", path("a.rvf"), "--key", path("dev.key.pub"), "--boot", NULL),
            RVF_EXIT_OK);
        assert_int_equal(tool("verify", path("a.rvf"), "--key", path("other.key.pub"), NULL),
                         RVF_EXIT_KEY);
        assert_int_equal(
            tool("verify", path("a.rvf"), "--key", path("dev.key"), "--min-version", "6", NULL),
            RVF_EXIT_DOWNGRADE);
        assert_int_equal(tool("extract", path("a.rvf"), "1", path("k.out"), "--image", NULL),
                         RVF_EXIT_OK);
        FILE *f = fopen(path("k.out"), "rb");
        uint8_t back[200];
        assert_int_equal(fread(back, 1, sizeof(back), f), sizeof(kimage));
        fclose(f);
        assert_memory_equal(back, kimage, sizeof(kimage));

        /* Re-sign with the other key and a new version; the first key no longer fits. */
        assert_int_equal(tool("sign", path("a.rvf"), "--key", path("other.key"), "--image-version",
                              "9", "-o", path("b.rvf"), NULL),
                         RVF_EXIT_OK);
        assert_int_equal(tool("verify", path("b.rvf"), "--key", path("other.key.pub"),
                              "--min-version", "9", NULL),
                         RVF_EXIT_OK);
        assert_int_equal(tool("verify", path("b.rvf"), "--key", path("dev.key.pub"), NULL),
                         RVF_EXIT_KEY);

        /* A flipped payload bit, a flipped image byte with a fixed-up content hash, and an
         * unsigned file: each its own exit status. */
        size_t n = 0;
        FILE *g = fopen(path("a.rvf"), "rb");
        static uint8_t img[1 << 16];
        n = fread(img, 1, sizeof(img), g);
        fclose(g);
        img[RVF_SEG_HDR_SIZE + RVF_KERNEL_HDR_SIZE + 5] ^= 0x10;
        put_file("flip.rvf", img, n);
        assert_int_equal(tool("verify", path("flip.rvf"), NULL), RVF_EXIT_HASH);
        assert_non_null(strstr(err_buf, "segment 0 (KERNEL): content_hash"));
        rehash(img, n);
        put_file("flip2.rvf", img, n);
        assert_int_equal(tool("verify", path("flip2.rvf"), NULL), RVF_EXIT_IMAGE_HASH);
        assert_int_equal(tool("build", "-o", path("u.rvf"), "--kernel", path("k.bin"), NULL),
                         RVF_EXIT_OK);
        assert_int_equal(tool("verify", path("u.rvf"), "--key", path("dev.key.pub"), NULL),
                         RVF_EXIT_UNSIGNED);
        put_file("junk.rvf", "SFVRjunk", 8);
        assert_int_equal(tool("inspect", path("junk.rvf"), NULL), RVF_EXIT_FORMAT);

        /* The seed's layout inspects cleanly; verify --boot refuses it as x86_64. */
        struct rvfw w = build_seed_layout();
        put_file("seed.rvf", w.buf, w.len);
        rvfw_free(&w);
        assert_int_equal(tool("inspect", path("seed.rvf"), NULL), RVF_EXIT_OK);
        assert_non_null(strstr(out_buf, "x86_64 kernel"));
        assert_non_null(strstr(out_buf, "the seed's 128"));
        assert_int_equal(tool("verify", path("seed.rvf"), NULL), RVF_EXIT_OK);
        assert_int_equal(tool("verify", path("seed.rvf"), "--boot", NULL), RVF_EXIT_UNBOOTABLE);
        assert_non_null(strstr(err_buf, "x86_64 kernel"));

        /* The flash layout: RVM at 0, header, slot A; a lying header is refused. */
        put_file("rvm.bin", "RVM-IMAGE", 9);
        assert_int_equal(tool("flash", "-o", path("f.img"), "--rvm", path("rvm.bin"), "--slot-a",
                              path("a.rvf"), NULL),
                         RVF_EXIT_OK);
        FILE *fi = fopen(path("f.img"), "rb");
        uint8_t *flash = malloc(RVF_FLASH_SIZE);
        assert_int_equal(fread(flash, 1, RVF_FLASH_SIZE, fi), RVF_FLASH_SIZE);
        fclose(fi);
        struct rvf_flash fl;
        struct rvf_error er;
        assert_int_equal(rvf_flash_parse(flash, RVF_FLASH_SIZE, &fl, &er), RVF_OK);
        assert_int_equal(fl.active, 0);
        assert_int_equal(fl.rvm_length, 9);
        assert_int_equal(fl.slot[0].image_version, 5);
        assert_int_equal(fl.slot[1].length, 0);
        assert_int_equal(rvf_parse(flash + fl.slot[0].offset, fl.slot[0].length, &F, &er), RVF_OK);
        assert_int_equal(rvf_verify(&F, pub, 0, NULL, &er), RVF_E_KEY);       /* dev.key, not pub */
        assert_int_equal(flash[fl.slot[0].offset + fl.slot[0].length], 0xFF); /* erased */
        assert_int_equal(rvf_flash_parse(flash, RVF_FLASH_HDR_OFFSET, &fl, &er), RVF_E_TRUNCATED);
        put64(flash + RVF_FLASH_HDR_OFFSET + 0x48, RVF_FLASH_SLOT_MAX + 1);
        assert_int_equal(rvf_flash_parse(flash, RVF_FLASH_SIZE, &fl, &er), RVF_E_RANGE);
        put64(flash + RVF_FLASH_HDR_OFFSET + 0x48, 64);
        put64(flash + RVF_FLASH_HDR_OFFSET + 0x40, 0);
        assert_int_equal(rvf_flash_parse(flash, RVF_FLASH_SIZE, &fl, &er), RVF_E_RANGE);
        flash[RVF_FLASH_HDR_OFFSET] = 'X';
        assert_int_equal(rvf_flash_parse(flash, RVF_FLASH_SIZE, &fl, &er), RVF_E_MAGIC);

        /* Without slots (a profile without RVF boot): RVM and the header, no slot to boot; a
         * slot B alone is refused. */
        assert_int_equal(tool("flash", "-o", path("r.img"), "--rvm", path("rvm.bin"), NULL),
                         RVF_EXIT_OK);
        assert_non_null(strstr(out_buf, "no RVF slot"));
        fi = fopen(path("r.img"), "rb");
        assert_int_equal(fread(flash, 1, RVF_FLASH_SIZE, fi), RVF_FLASH_SIZE);
        fclose(fi);
        assert_int_equal(rvf_flash_parse(flash, RVF_FLASH_SIZE, &fl, &er), RVF_OK);
        assert_int_equal(fl.active, -1);
        assert_int_equal(fl.rvm_length, 9);
        assert_int_equal(fl.slot[0].length, 0);
        assert_int_equal(fl.slot[1].length, 0);
        assert_memory_equal(flash, "RVM-IMAGE", 9);
        assert_int_equal(flash[RVF_FLASH_SLOT_A], 0xFF);
        assert_int_equal(tool("flash", "-o", path("b.img"), "--rvm", path("rvm.bin"), "--slot-b",
                              path("a.rvf"), NULL),
                         RVF_EXIT_USAGE);
        free(flash);

        /* Spec errors name the line. */
        put_file("bad.spec", "kernel k nope.bin\npartition p guest kernel=zz mem=1M\n", 50);
        assert_int_equal(tool("build", "-o", path("x.rvf"), path("bad.spec"), NULL),
                         RVF_EXIT_USAGE);
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_tool_build_inspect_verify_extract_sign),
        };
        return cmocka_run_group_tests(tests, setup_keys, NULL);
}
