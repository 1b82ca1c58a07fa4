/*
 * tests/unit/rvf_kernel_test.c: RVF kernel segments and whether RVM would boot them: a file
 * in the seed's layout (unaligned, gzip'd x86_64 kernel, cmdline_offset = 128, JSON
 * META/PROFILE) inspects cleanly and is refused for booting as an "x86_64 kernel"; an
 * aarch64 Linux kernel in one LZ4 block with its initramfs is bootable, and its lying sizes
 * are refused by name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/rvf_fixture.h"

static void test_seed_layout_inspects_and_is_refused_for_boot(void **state)
{
        (void)state;
        struct rvfw w = build_seed_layout();
        struct rvf_error er;
        struct rvf_kernel k;

        assert_int_equal(rvf_parse(w.buf, w.len, &F, &er), RVF_OK);
        assert_int_equal(F.seg_count, 6);
        assert_int_equal(F.profile_id, 0x42);
        assert_int_equal(F.crypto, -1);
        assert_int_not_equal(F.seg[1].offset % RVF_SEG_ALIGN, 0); /* packed */
        assert_int_equal(rvf_verify_hashes(&F, rvf_inflate_hash, &er), RVF_OK);
        /* Without an inflater (as in RVM) the gzip image hash cannot be checked. */
        assert_int_equal(rvf_verify_hashes(&F, NULL, &er), RVF_E_UNSUPPORTED);
        assert_int_equal(rvf_kernel_parse(&F, 0, &k, &er), RVF_OK);
        assert_int_equal(k.cmdline_offset_field, 128);
        assert_memory_equal(k.cmdline, "console=ttyS0", 13);
        assert_int_equal(k.image_size, 4096);
        assert_int_equal(k.compression, RVF_COMPRESS_GZIP);
        assert_int_equal(rvf_kernel_bootable(&k, 0, &er), RVF_E_UNSUPPORTED);
        char msg[200];
        rvf_error_format(&er, msg, sizeof(msg));
        assert_non_null(strstr(msg, "x86_64 kernel"));
        /* An aarch64 kernel that is gzip'd is refused for that reason. */
        k.arch = RVF_ARCH_AARCH64;
        assert_int_equal(rvf_kernel_bootable(&k, 0, &er), RVF_E_UNSUPPORTED);
        assert_string_equal(er.field, "compression");
        /* A gzip stream that inflates to the wrong size fails the image check. */
        put64(w.buf + RVF_SEG_HDR_SIZE + 0x18, 4095);
        rehash(w.buf, w.len);
        assert_int_equal(rvf_parse(w.buf, w.len, &F, &er), RVF_OK);
        assert_int_equal(rvf_verify_hashes(&F, rvf_inflate_hash, &er), RVF_E_IMAGE_HASH);
        rvfw_free(&w);
}

/* A Linux kernel for RVM: aarch64, one LZ4 block, its initramfs after the command line. */
static void test_lz4_linux_kernel_with_initrd_is_bootable_and_checked(void **state)
{
        (void)state;
        static uint8_t img[65536];
        static const uint8_t rd[] = "070701 an initramfs";
        struct rvfw_kernel kc = {.arch = RVF_ARCH_AARCH64,
                                 .kernel_type = RVF_KTYPE_MICROLINUX,
                                 .vcpus = 2,
                                 .entry_point = 0x40000000,
                                 .cmdline = "console=ttyAMA0",
                                 .initrd = rd,
                                 .initrd_size = sizeof(rd),
                                 .compression = RVF_COMPRESS_LZ4};
        struct rvf_error er;
        struct rvf_kernel k;
        struct rvfw w;

        for (size_t i = 0; i < sizeof(img); i++) {
                img[i] = (uint8_t)(i < 4096 ? i * 13 : i >> 9); /* compressible, not trivially */
        }
        rvfw_init(&w, true);
        assert_int_not_equal(rvfw_add_kernel(&w, &kc, img, sizeof(img)), 0);
        assert_int_not_equal(rvfw_add_manifest(&w, 1, 0), 0);
        assert_int_equal(rvf_parse(w.buf, w.len, &F, &er), RVF_OK);
        assert_int_equal(rvf_kernel_parse(&F, 0, &k, &er), RVF_OK);
        assert_int_equal(k.compression, RVF_COMPRESS_LZ4);
        assert_true(k.stored_size < k.image_size);
        assert_int_equal(k.image_size, sizeof(img));
        assert_int_equal(k.initrd_length, sizeof(rd));
        assert_memory_equal(k.initrd, rd, sizeof(rd));
        assert_memory_equal(k.cmdline, "console=ttyAMA0", k.cmdline_length);
        assert_string_equal(rvf_compression_name(k.compression), "lz4");
        assert_int_equal(rvf_kernel_bootable(&k, 0, &er), RVF_OK);
        assert_int_equal(rvf_verify_hashes(&F, rvf_inflate_hash, &er), RVF_OK);
        assert_int_equal(rvf_verify_hashes(&F, NULL, &er), RVF_E_UNSUPPORTED);
        /* An initrd is only for Linux. */
        k.kernel_type = RVF_KTYPE_FLAT;
        assert_int_equal(rvf_kernel_bootable(&k, 0, &er), RVF_E_UNSUPPORTED);
        assert_string_equal(er.field, "initrd_length");
        /* An initrd_length past the payload, or short of it, is refused by name. */
        const size_t hdr = (size_t)F.seg[0].offset + RVF_SEG_HDR_SIZE;
        put32(w.buf + hdr + 0x74, sizeof(rd) + 1);
        rehash(w.buf, w.len);
        assert_int_equal(rvf_parse(w.buf, w.len, &F, &er), RVF_OK);
        assert_int_equal(rvf_kernel_parse(&F, 0, &k, &er), RVF_E_RANGE);
        assert_string_equal(er.field, "initrd_length");
        put32(w.buf + hdr + 0x74, sizeof(rd) - 1);
        rehash(w.buf, w.len);
        assert_int_equal(rvf_parse(w.buf, w.len, &F, &er), RVF_OK);
        assert_int_equal(rvf_kernel_parse(&F, 0, &k, &er), RVF_E_FIELD);
        assert_string_equal(er.field, "payload_length");
        /* An image_size the block does not inflate to fails the image check. */
        put32(w.buf + hdr + 0x74, sizeof(rd));
        put64(w.buf + hdr + 0x18, sizeof(img) - 1);
        rehash(w.buf, w.len);
        assert_int_equal(rvf_parse(w.buf, w.len, &F, &er), RVF_OK);
        assert_int_equal(rvf_verify_hashes(&F, rvf_inflate_hash, &er), RVF_E_IMAGE_HASH);
        /* A lying image_size far beyond what the block can hold takes no memory. */
        put64(w.buf + hdr + 0x18, 1ULL << 40);
        rehash(w.buf, w.len);
        assert_int_equal(rvf_parse(w.buf, w.len, &F, &er), RVF_OK);
        assert_int_equal(rvf_verify_hashes(&F, rvf_inflate_hash, &er), RVF_E_IMAGE_HASH);
        rvfw_free(&w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_seed_layout_inspects_and_is_refused_for_boot),
            cmocka_unit_test(test_lz4_linux_kernel_with_initrd_is_bootable_and_checked),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
