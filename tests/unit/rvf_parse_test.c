/*
 * tests/unit/rvf_parse_test.c: the RVF parser and verifier RVM runs (boot/rvf.c,
 * boot/rvf_verify.c) on files tools/rvf writes: a good file round-trips; a malformed corpus
 * built here (every header field out of range, overlapping and out-of-file segments, huge
 * counts, wrong magics and versions, a directory that lies) gets the error it must, named
 * by segment and field; truncation at every byte and every bit flipped in a small signed
 * file are each refused with the error they must get.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/rvf_fixture.h"

static void test_good_file_roundtrips(void **state)
{
        (void)state;
        struct rvfw w = build_good(true, 7);
        struct rvf_error er;
        struct rvf_kernel k;
        struct rvf_wasm wm;
        struct rvf_profile p;
        struct rvf_sig s;

        assert_int_equal(full(w.buf, w.len, &er), RVF_OK);
        assert_int_equal(F.seg_count, 5);
        assert_int_equal(F.manifest, 3);
        assert_int_equal(F.crypto, 4);
        for (unsigned i = 0; i < F.seg_count; i++) {
                assert_int_equal(F.seg[i].offset % RVF_SEG_ALIGN, 0); /* our writer aligns */
                assert_int_equal(F.seg[i].id, i + 1);
        }
        assert_int_equal(rvf_kernel_parse(&F, 0, &k, &er), RVF_OK);
        assert_int_equal(k.arch, RVF_ARCH_AARCH64);
        assert_int_equal(k.image_size, sizeof(kimage));
        assert_memory_equal(k.image, kimage, sizeof(kimage));
        assert_int_equal(k.cmdline_offset_field, RVF_KERNEL_HDR_SIZE + sizeof(kimage));
        assert_int_equal(k.cmdline_length, strlen("console=ttyAMA0"));
        assert_memory_equal(k.cmdline, "console=ttyAMA0", k.cmdline_length);
        assert_int_equal(rvf_kernel_bootable(&k, 0, &er), RVF_OK);
        assert_int_equal(rvf_wasm_parse(&F, 1, &wm, &er), RVF_OK);
        assert_memory_equal(wm.bytecode, wasm_mod, sizeof(wasm_mod));
        assert_int_equal(rvf_profile_parse(&F, 2, &p, &er), RVF_OK);
        assert_int_equal(p.partition_count, 2);
        struct rvf_profile_partition q;
        rvf_profile_partition(&p, 0, &q);
        assert_string_equal(q.name, "producer");
        assert_int_equal(q.mem_bytes, 1 << 20);
        assert_int_equal(q.kernel_seg_id, 1);
        assert_int_equal(q.vdev_ipa, 0x09000000);
        struct rvf_profile_agent a;
        rvf_profile_agent(&p, 0, &a);
        assert_string_equal(a.name, "counter");
        assert_int_equal(a.wasm_seg_id, 2);
        struct rvf_profile_lease l;
        rvf_profile_lease(&p, 0, &l);
        assert_string_equal(l.device, "uart1");
        assert_int_equal(rvf_verify_signature(&F, pub, 7, &s, &er), RVF_OK);
        assert_int_equal(s.image_version, 7);
        assert_int_equal(s.signed_length, F.seg[4].offset);
        /* Another key, a newer minimum, and no signature at all. */
        assert_int_equal(rvf_verify_signature(&F, pub2, 0, NULL, &er), RVF_E_KEY);
        assert_int_equal(rvf_verify_signature(&F, pub, 8, NULL, &er), RVF_E_DOWNGRADE);
        assert_string_equal(er.field, "image_version");
        rvfw_free(&w);
        w = build_good(false, 0);
        assert_int_equal(rvf_parse(w.buf, w.len, &F, &er), RVF_OK);
        assert_int_equal(rvf_verify_hashes(&F, NULL, &er), RVF_OK);
        assert_int_equal(rvf_verify_signature(&F, pub, 0, NULL, &er), RVF_E_UNSIGNED);
        rvfw_free(&w);
}

struct mut {
        const char *what;
        unsigned seg;  /* segment whose bytes change */
        int hdr;       /* 1: offset in its 64-byte header; 0: in its payload */
        unsigned off;  /* byte offset */
        unsigned size; /* 1, 2, 4 or 8 */
        uint64_t value;
        int layer; /* 0 parse, 1 kernel, 2 wasm, 3 profile, 4 signature */
        enum rvf_err want;
        int want_seg; /* -2: do not check */
        const char *want_field;
};

static void test_malformed_corpus_gets_the_right_error(void **state)
{
        (void)state;
        /* Segments: 0 KERNEL, 1 WASM, 2 PROFILE, 3 MANIFEST, 4 CRYPTO. Manifest entry j at
         * payload 22 + 25 j: id +0, offset +8, length +16, type +24. */
        const uint64_t HUGE = UINT64_MAX;
        const struct mut m[] = {
            {"seg magic", 1, 1, 0x00, 1, 0x00, 0, RVF_E_MAGIC, 1, "magic"},
            {"seg version", 1, 1, 0x04, 1, 2, 0, RVF_E_VERSION, 1, "version"},
            {"seg type 0", 1, 1, 0x05, 1, 0x00, 0, RVF_E_FIELD, 1, "type"},
            {"seg type 0x0F", 0, 1, 0x05, 1, 0x0F, 0, RVF_E_FIELD, 0, "type"},
            {"seg type 0xFF", 2, 1, 0x05, 1, 0xFF, 0, RVF_E_FIELD, 2, "type"},
            {"seg id 0", 0, 1, 0x08, 8, 0, 0, RVF_E_FIELD, 0, "segment_id"},
            {"seg id dup", 1, 1, 0x08, 8, 1, 0, RVF_E_FIELD, 1, "segment_id"},
            {"payload huge", 0, 1, 0x10, 8, HUGE, 0, RVF_E_RANGE, 0, "payload_length"},
            {"payload 2^63", 2, 1, 0x10, 8, 1ULL << 63, 0, RVF_E_RANGE, 2, "payload_length"},
            {"checksum_algo", 0, 1, 0x20, 1, 1, 0, RVF_E_FIELD, 0, "checksum_algo"},
            {"seg compression", 0, 1, 0x21, 1, 1, 0, RVF_E_FIELD, 0, "compression"},
            {"uncompressed_len", 0, 1, 0x38, 4, 5, 0, RVF_E_FIELD, 0, "compression"},
            {"reserved_0", 1, 1, 0x22, 2, 1, 0, RVF_E_FIELD, 1, "reserved"},
            {"reserved_1", 1, 1, 0x24, 4, 1, 0, RVF_E_FIELD, 1, "reserved"},
            {"pad 64", 0, 1, 0x3C, 4, 64, 0, RVF_E_FIELD, 0, "alignment_pad"},
            {"pad huge", 0, 1, 0x3C, 4, 0xFFFFFFFF, 0, RVF_E_FIELD, 0, "alignment_pad"},
            {"seg_count huge", 3, 0, 14, 4, 0xFFFFFFFF, 0, RVF_E_TOO_MANY, 3, "seg_count"},
            {"seg_count 64", 3, 0, 14, 4, 64, 0, RVF_E_TRUNCATED, 3, "seg_count"},
            {"seg_count short", 3, 0, 14, 4, 2, 0, RVF_E_FIELD, 3, "del_count"},
            {"dir offset out", 3, 0, 22 + 25 + 8, 8, HUGE - 10, 0, RVF_E_RANGE, 1,
             "directory offset/length"},
            {"dir length out", 3, 0, 22 + 16, 8, HUGE, 0, RVF_E_RANGE, 0,
             "directory offset/length"},
            {"dir overlap", 3, 0, 22 + 25 + 8, 8, 0, 0, RVF_E_OVERLAP, 1, "directory offset"},
            {"dir into payload", 3, 0, 22 + 8, 8, 64, 0, RVF_E_DIRECTORY, 0, "directory offset"},
            {"dir id lies", 3, 0, 22 + 50, 8, 9, 0, RVF_E_DIRECTORY, 2, "directory segment_id"},
            {"dir length lies", 3, 0, 22 + 25 + 16, 8, 9, 0, RVF_E_DIRECTORY, 1,
             "directory payload_length"},
            {"dir type lies", 3, 0, 22 + 24, 1, RVF_SEG_WASM, 0, RVF_E_DIRECTORY, 0,
             "directory type"},
            {"del_count", 3, 0, 22 + 75, 4, 1, 0, RVF_E_FIELD, 3, "del_count"},
            {"two manifests", 2, 1, 0x05, 1, RVF_SEG_MANIFEST, 0, RVF_E_MANIFEST, 3, "type"},
            {"no manifest", 3, 1, 0x05, 1, RVF_SEG_META, 0, RVF_E_MANIFEST, 4, "type"},
            {"sig before manifest", 2, 1, 0x05, 1, RVF_SEG_CRYPTO, 0, RVF_E_MANIFEST, 2, "type"},
            {"after manifest", 4, 1, 0x05, 1, RVF_SEG_META, 0, RVF_E_MANIFEST, 4, "type"},
            {"kernel magic", 0, 0, 0x00, 4, 0x4e4b5652, 1, RVF_E_MAGIC, 0, "kernel magic"},
            {"kernel version", 0, 0, 0x04, 2, 2, 1, RVF_E_VERSION, 0, "header_version"},
            {"kernel compression", 0, 0, 0x28, 1, 7, 1, RVF_E_FIELD, 0, "compression"},
            {"kernel flag", 0, 0, 0x08, 4, RVF_KFLAG_COMPRESSED, 1, RVF_E_FIELD, 0, "flags"},
            {"image_size 0", 0, 0, 0x18, 8, 0, 1, RVF_E_FIELD, 0, "image_size"},
            {"image_size huge", 0, 0, 0x18, 8, HUGE, 1, RVF_E_RANGE, 0, "image_size"},
            {"image_size past", 0, 0, 0x18, 8, 1000, 1, RVF_E_RANGE, 0, "image_size"},
            {"vcpus 0", 0, 0, 0x68, 1, 0, 1, RVF_E_FIELD, 0, "vcpu_count"},
            {"vcpus 65", 0, 0, 0x68, 1, 65, 1, RVF_E_FIELD, 0, "vcpu_count"},
            {"cmdline_offset", 0, 0, 0x6C, 4, 129, 1, RVF_E_FIELD, 0, "cmdline_offset"},
            {"cmdline_offset huge", 0, 0, 0x6C, 4, 0xFFFFFFFF, 1, RVF_E_FIELD, 0, "cmdline_offset"},
            {"cmdline_length huge", 0, 0, 0x70, 4, 0xFFFFFFFF, 1, RVF_E_FIELD, 0, "cmdline_length"},
            {"cmdline_length past", 0, 0, 0x70, 4, 4000, 1, RVF_E_RANGE, 0, "cmdline_length"},
            {"cmdline_length short", 0, 0, 0x70, 4, 3, 1, RVF_E_FIELD, 0, "payload_length"},
            {"cmdline NUL", 0, 0, 128 + 100 + 3, 1, 0, 1, RVF_E_FIELD, 0, "cmdline"},
            {"wasm magic", 1, 0, 0x00, 1, 0, 2, RVF_E_MAGIC, 1, "wasm magic"},
            {"wasm version", 1, 0, 0x04, 2, 0, 2, RVF_E_VERSION, 1, "header_version"},
            {"wasm size huge", 1, 0, 0x0C, 4, 0xFFFFFFFF, 2, RVF_E_RANGE, 1, "bytecode_size"},
            {"wasm size 0", 1, 0, 0x0C, 4, 0, 2, RVF_E_FIELD, 1, "bytecode_size"},
            {"wasm size short", 1, 0, 0x0C, 4, 7, 2, RVF_E_FIELD, 1, "payload_length"},
            {"wasm compressed", 1, 0, 0x14, 1, 1, 2, RVF_E_FIELD, 1, "compression"},
            {"profile magic", 2, 0, 0, 1, '{', 3, RVF_E_MAGIC, 2, "profile magic"},
            {"profile version", 2, 0, 4, 2, 9, 3, RVF_E_VERSION, 2, "version"},
            {"partitions 255", 2, 0, 6, 1, 255, 3, RVF_E_TOO_MANY, 2, "partition_count"},
            {"partitions 16", 2, 0, 6, 1, 16, 3, RVF_E_TRUNCATED, 2, "counts"},
            {"agents 65", 2, 0, 7, 1, 65, 3, RVF_E_TOO_MANY, 2, "agent_count"},
            {"edges 255", 2, 0, 8, 1, 255, 3, RVF_E_TOO_MANY, 2, "edge_count"},
            {"leases 17", 2, 0, 9, 1, 17, 3, RVF_E_TOO_MANY, 2, "lease_count"},
            {"strings lie", 2, 0, 10, 2, 0xFFFF, 3, RVF_E_TRUNCATED, 2, "counts"},
            {"strings short", 2, 0, 10, 2, 1, 3, RVF_E_FIELD, 2, "payload_length"},
            {"profile reserved", 2, 0, 12, 4, 1, 3, RVF_E_FIELD, 2, "reserved"},
            {"part kernel wasm", 2, 0, 16 + 8, 8, 2, 3, RVF_E_FIELD, 2, "kernel_seg_id"},
            {"part kernel none", 2, 0, 16 + 8, 8, 99, 3, RVF_E_FIELD, 2, "kernel_seg_id"},
            {"part name out", 2, 0, 16 + 16, 2, 0xFFF0, 3, RVF_E_FIELD, 2, "name"},
            {"part kind", 2, 0, 16 + 22, 1, 5, 3, RVF_E_FIELD, 2, "kind"},
            {"part mem 0", 2, 0, 16, 8, 0, 3, RVF_E_FIELD, 2, "mem_bytes"},
            {"part mem odd", 2, 0, 16, 8, 4097, 3, RVF_E_FIELD, 2, "mem_bytes"},
            {"part vcpus", 2, 0, 16 + 23, 1, 0, 3, RVF_E_FIELD, 2, "vcpus"},
            {"part ipa_bits", 2, 0, 16 + 26, 1, 60, 3, RVF_E_FIELD, 2, "ipa_bits"},
            {"part vdev", 2, 0, 16 + 27, 1, 9, 3, RVF_E_FIELD, 2, "vdev_type"},
            {"part fault", 2, 0, 16 + 24, 1, 2, 3, RVF_E_FIELD, 2, "fault_policy"},
            {"part cmdline", 2, 0, 16 + 20, 2, 500, 3, RVF_E_RANGE, 2, "cmdline"},
            {"wasm part kernel", 2, 0, 16 + 32 + 8, 8, 1, 3, RVF_E_FIELD, 2, "kernel_seg_id"},
            {"agent wasm id", 2, 0, 16 + 64, 8, 1, 3, RVF_E_FIELD, 2, "wasm_seg_id"},
            {"agent partition", 2, 0, 16 + 64 + 10, 1, 1, 3, RVF_E_FIELD, 2, "partition"},
            {"agent partition 0", 2, 0, 16 + 64 + 10, 1, 0, 3, RVF_E_FIELD, 2, "partition"},
            {"agent flags", 2, 0, 16 + 64 + 12, 1, 0x80, 3, RVF_E_FIELD, 2, "flags"},
            {"edge self", 2, 0, 16 + 80 + 1, 1, 1, 3, RVF_E_FIELD, 2, "b"},
            {"edge out", 2, 0, 16 + 80, 1, 9, 3, RVF_E_FIELD, 2, "a"},
            {"edge agent out", 2, 0, 16 + 80 + 1, 1, 0x85, 3, RVF_E_FIELD, 2, "b"},
            {"lease partition", 2, 0, 16 + 84 + 2, 1, 3, 3, RVF_E_FIELD, 2, "partition"},
            {"lease ms", 2, 0, 16 + 84 + 4, 4, 0, 3, RVF_E_FIELD, 2, "ms"},
            {"sig magic", 4, 0, 0, 1, 0, 4, RVF_E_MAGIC, 4, "signature magic"},
            {"sig version", 4, 0, 4, 2, 3, 4, RVF_E_VERSION, 4, "version"},
            {"sig algorithm", 4, 0, 6, 1, 2, 4, RVF_E_FIELD, 4, "algorithm"},
            {"sig signed_length", 4, 0, 0x10, 8, 64, 4, RVF_E_FIELD, 4, "signed_length"},
            {"sig key id", 4, 0, 0x18, 1, 0, 4, RVF_E_KEY, 4, "key_id"},
            {"sig version bump", 4, 0, 0x08, 8, 8, 4, RVF_E_SIGNATURE, 4, "signature"},
            {"sig r", 4, 0, 0x28, 1, 0, 4, RVF_E_SIGNATURE, 4, "signature"},
            {"sig s", 4, 0, 0x67, 1, 0, 4, RVF_E_SIGNATURE, 4, "signature"},
        };
        struct rvfw good = build_good(true, 7);
        uint8_t *d = malloc(good.len);
        struct rvf_error er;

        assert_int_equal(rvf_parse(good.buf, good.len, &F, &er), RVF_OK);
        const struct rvf_file ref = F;
        for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
                const struct mut *t = &m[i];
                memcpy(d, good.buf, good.len);
                uint8_t *p = d + ref.seg[t->seg].offset + (t->hdr ? 0 : RVF_SEG_HDR_SIZE) + t->off;
                if (t->size == 8) {
                        put64(p, t->value);
                } else if (t->size == 4) {
                        put32(p, (uint32_t)t->value);
                } else if (t->size == 2) {
                        p[0] = (uint8_t)t->value, p[1] = (uint8_t)(t->value >> 8);
                } else {
                        p[0] = (uint8_t)t->value;
                }
                if (memcmp(d, good.buf, good.len) == 0) {
                        /* The bytes held that value already (a signature's r or s byte is 0
                         * one time in 256): its bits flipped instead, so the case tests
                         * something. */
                        p[0] ^= 0xFF;
                }
                enum rvf_err e = rvf_parse(d, good.len, &F, &er);
                if (t->layer > 0 && e == RVF_OK) {
                        if (t->layer == 1) {
                                struct rvf_kernel k;
                                e = rvf_kernel_parse(&F, t->seg, &k, &er);
                        } else if (t->layer == 2) {
                                struct rvf_wasm w;
                                e = rvf_wasm_parse(&F, t->seg, &w, &er);
                        } else if (t->layer == 3) {
                                struct rvf_profile pr;
                                e = rvf_profile_parse(&F, t->seg, &pr, &er);
                        } else {
                                e = rvf_verify_signature(&F, pub, 0, NULL, &er);
                        }
                }
                char msg[256];
                rvf_error_format(&er, msg, sizeof(msg));
                if (e != t->want || (t->want_seg != -2 && er.segment != t->want_seg) ||
                    strcmp(er.field ? er.field : "", t->want_field) != 0) {
                        fail_msg("%s: got %s (%s), want %s seg %d field %s", t->what,
                                 rvf_err_name(e), msg, rvf_err_name(t->want), t->want_seg,
                                 t->want_field);
                }
                /* Whatever layer found it, the whole chain refuses the file. */
                rehash(d, good.len);
                assert_int_not_equal(full(d, good.len, &er), RVF_OK);
        }
        free(d);
        rvfw_free(&good);
}

static void test_error_message_names_segment_and_field(void **state)
{
        (void)state;
        struct rvfw w = build_good(false, 0);
        struct rvf_error er;
        char msg[128];

        put64(w.buf + 0x10, 1ULL << 40); /* segment 0's payload_length */
        assert_int_equal(rvf_parse(w.buf, w.len, &F, &er), RVF_E_RANGE);
        rvf_error_format(&er, msg, sizeof(msg));
        assert_string_equal(msg, "segment 0 (KERNEL): payload_length: past end of file");
        /* Truncated output stays NUL-terminated. */
        assert_int_equal(rvf_error_format(&er, msg, 8),
                         strlen("segment 0 (KERNEL): payload_length: "
                                "past end of file"));
        assert_string_equal(msg, "segment");
        rvfw_free(&w);
}

static void test_truncation_at_every_byte(void **state)
{
        (void)state;
        struct rvfw w = build_good(true, 1);
        struct rvf_error er;

        assert_int_equal(rvf_parse(w.buf, w.len, &F, &er), RVF_OK);
        const struct rvf_file ref = F;
        const uint64_t sig_at = F.seg[F.crypto].offset;
        for (size_t n = 0; n < w.len; n++) {
                bool boundary = false;
                for (unsigned i = 1; i < ref.seg_count; i++) {
                        boundary |= ref.seg[i].offset == n;
                }
                /* An exact copy of the prefix, so ASan sees any read past it. */
                uint8_t *d = malloc(n ? n : 1);
                memcpy(d, w.buf, n);
                enum rvf_err e = rvf_parse(d, n, &F, &er);
                if (n == sig_at) {
                        /* The signature cut off: a well-formed unsigned file, refused. */
                        assert_int_equal(e, RVF_OK);
                        assert_int_equal(rvf_verify(&F, pub, 0, NULL, &er), RVF_E_UNSIGNED);
                } else if (boundary) { /* whole segments, but no manifest yet */
                        assert_int_equal(e, RVF_E_MANIFEST);
                } else {
                        assert_true(e == RVF_E_TRUNCATED || e == RVF_E_RANGE);
                }
                free(d);
        }
        rvfw_free(&w);
}

static void test_every_bit_flip_is_caught(void **state)
{
        (void)state;
        struct rvfw w = build_good(true, 1);
        struct rvf_error er;
        uint8_t *d = malloc(w.len);

        assert_int_equal(rvf_parse(w.buf, w.len, &F, &er), RVF_OK);
        const struct rvf_file ref = F;
        for (size_t byte = 0; byte < w.len; byte++) {
                unsigned s = 0;
                while (s + 1 < ref.seg_count && ref.seg[s + 1].offset <= byte) {
                        s++;
                }
                const uint64_t rel = byte - ref.seg[s].offset;
                const bool in_payload =
                    rel >= RVF_SEG_HDR_SIZE && rel < RVF_SEG_HDR_SIZE + ref.seg[s].payload_length;
                const bool in_pad = rel >= RVF_SEG_HDR_SIZE + ref.seg[s].payload_length;
                for (unsigned bit = 0; bit < 8; bit++) {
                        memcpy(d, w.buf, w.len);
                        d[byte] ^= (uint8_t)(1u << bit);
                        enum rvf_err e = full(d, w.len, &er);
                        assert_int_not_equal(e, RVF_OK);
                        if (in_payload && ref.seg[s].type != RVF_SEG_MANIFEST) {
                                assert_int_equal(e, RVF_E_HASH);
                                assert_int_equal(er.segment, (int)s);
                        } else if (in_pad) {
                                assert_int_equal(e, RVF_E_FIELD);
                                assert_string_equal(er.field, "alignment_pad");
                        } else if (!in_payload && rel < 4) {
                                assert_int_equal(e, RVF_E_MAGIC);
                        } else if (!in_payload && rel >= 0x28 && rel < 0x38) {
                                assert_int_equal(e, RVF_E_HASH);
                                assert_int_equal(er.segment, (int)s);
                        } else if (!in_payload && rel >= 0x18 && rel < 0x20) {
                                /* timestamp_ns: checked by nothing but the signature */
                                assert_int_equal(e, RVF_E_SIGNATURE);
                        }
                }
        }
        free(d);
        rvfw_free(&w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_good_file_roundtrips),
            cmocka_unit_test(test_malformed_corpus_gets_the_right_error),
            cmocka_unit_test(test_error_message_names_segment_and_field),
            cmocka_unit_test(test_truncation_at_every_byte),
            cmocka_unit_test(test_every_bit_flip_is_caught),
        };
        return cmocka_run_group_tests(tests, setup_keys, NULL);
}
