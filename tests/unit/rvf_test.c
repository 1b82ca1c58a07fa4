/*
 * tests/unit/rvf_test.c: host tests of the RVF parser and verifier RVM runs (boot/rvf.c,
 * boot/rvf_verify.c) and of tools/rvf: good files round-trip; a malformed corpus built here
 * (every header field out of range, overlapping and out-of-file segments, huge counts,
 * wrong magics and versions, a directory that lies), truncation at every byte and every bit
 * flipped in a small signed file, each with the error it must get; a file in the seed's
 * layout (unaligned, gzip'd x86_64 kernel, cmdline_offset = 128, JSON META/PROFILE) that
 * inspects cleanly and is refused for booting as an "x86_64 kernel"; the tool in-process.
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

#include "boot/rvf.h"
#include "boot/rvf_update.h"
#include "boot/rvf_verify.h"
#include "tools/rvf/rvf_tool.h"

static uint8_t priv[32], pub[RVF_PUBKEY_SIZE], priv2[32], pub2[RVF_PUBKEY_SIZE];
static struct rvf_file F; /* large: keep it off the stack */

static int setup_keys(void **state)
{
        (void)state;
        assert_int_equal(rvf_keygen(priv, pub), 0);
        assert_int_equal(rvf_keygen(priv2, pub2), 0);
        return 0;
}

static const uint8_t kimage[100] = {0x1f, 0x20, 0x03, 0xd5, 1, 2, 3}; /* any bytes */
static const uint8_t wasm_mod[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};

/* Our layout, the appliance's shape in small: kernel, module, profile, manifest, sig. */
static struct rvfw build_good(bool sign, uint64_t version)
{
        struct rvfw w;
        struct rvfw_kernel k = {.arch = RVF_ARCH_AARCH64,
                                .kernel_type = RVF_KTYPE_FLAT,
                                .vcpus = 1,
                                .min_memory_mb = 1,
                                .entry_point = 0x40000000,
                                .cmdline = "console=ttyAMA0"};
        struct rvfw_wasm o = {.role = RVF_WASM_ROLE_AGENT, .target = RVF_WASM_TARGET_RVM};
        struct rvfp p = {0};
        size_t plen;

        rvfw_init(&w, true);
        uint64_t kid = rvfw_add_kernel(&w, &k, kimage, sizeof(kimage));
        uint64_t wid = rvfw_add_wasm(&w, &o, wasm_mod, sizeof(wasm_mod));
        p.part[0] = (struct rvf_profile_partition){.name = "producer",
                                                   .kind = RVF_PART_GUEST,
                                                   .vcpus = 1,
                                                   .mem_bytes = 1 << 20,
                                                   .kernel_seg_id = kid,
                                                   .fault_policy = 1,
                                                   .max_restarts = 3,
                                                   .vdev_type = RVF_PART_VDEV_PL011,
                                                   .vdev_ipa = 0x09000000};
        p.part[1] = (struct rvf_profile_partition){.name = "agents", .kind = RVF_PART_WASM};
        p.parts = 2;
        p.agent[0] = (struct rvf_profile_agent){
            .name = "counter", .wasm_seg_id = wid, .partition = 2, .caps = 1};
        p.agents = 1;
        p.edge[0] = (struct rvf_profile_edge){1, RVF_EDGE_AGENT | 1};
        p.edges = 1;
        p.lease[0] = (struct rvf_profile_lease){.device = "uart1", .partition = 1, .ms = 100};
        p.leases = 1;
        uint8_t *pp = rvfp_encode(&p, &plen);
        assert_non_null(pp);
        assert_int_not_equal(rvfw_add(&w, RVF_SEG_PROFILE, pp, plen), 0);
        free(pp);
        assert_int_not_equal(rvfw_add_manifest(&w, 1, 0), 0);
        if (sign) {
                assert_int_equal(rvfw_sign(&w, priv, version), 0);
        }
        assert_false(w.failed);
        return w;
}

static enum rvf_err full(const uint8_t *d, size_t n, struct rvf_error *er)
{
        enum rvf_err e = rvf_parse(d, n, &F, er);
        if (e == RVF_OK) {
                e = rvf_verify(&F, pub, 0, rvf_inflate_hash, er);
        }
        return e;
}

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

/* Recompute every content hash (so a test reaches the check after them). */
static void rehash(uint8_t *d, size_t n)
{
        struct rvf_error er;
        uint8_t h[32];
        if (rvf_parse(d, n, &F, &er) != RVF_OK) {
                return;
        }
        for (unsigned i = 0; i < F.seg_count; i++) {
                rvf_sha256(d + F.seg[i].payload_offset, F.seg[i].payload_length, h);
                memcpy(d + F.seg[i].offset + 0x28, h, RVF_HASH_SIZE);
        }
}

static void put64(uint8_t *p, uint64_t v)
{
        for (int i = 0; i < 8; i++) {
                p[i] = (uint8_t)(v >> (8 * i));
        }
}
static void put32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++) {
                p[i] = (uint8_t)(v >> (8 * i));
        }
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

/* seeds/001's layout: KERNEL (x86_64, gzip, cmdline_offset 128), WASM (combined, node),
 * META, PROFILE and WITNESS as JSON, MANIFEST last, packed without alignment, unsigned. */
static struct rvfw build_seed_layout(void)
{
        static uint8_t bz[4096];
        struct rvfw w;
        struct rvfw_kernel k = {
            .arch = RVF_ARCH_X86_64,
            .kernel_type = RVF_KTYPE_MICROLINUX,
            .vcpus = 1,
            .min_memory_mb = 64,
            .entry_point = 0x1000000,
            .cmdline = "console=ttyS0 ruvbot.api_port=3000 ruvbot.mode=rvf quiet",
            .compression = RVF_COMPRESS_GZIP,
            .seed_quirks = true};
        struct rvfw_wasm o = {
            .role = RVF_WASM_ROLE_COMBINED, .target = RVF_WASM_TARGET_NODE, .min_pages = 2};
        static const char bundle[] = "\x01\x00\x00\x00 a runtime bundle";
        static const char meta[] = "{\"name\":\"ruvbot\",\"arch\":\"x86_64\"}";
        static const char prof[] = "{\"profile_id\":66,\"domain\":\"ai-assistant\"}";
        static const char wit[] = "{\"witness_type\":\"build_provenance\",\"chain\":[]}";

        for (size_t i = 0; i < sizeof(bz); i++) {
                bz[i] = (uint8_t)(i * 7 + (i >> 5));
        }
        bz[0x1FE] = 0x55;
        bz[0x1FF] = 0xAA; /* a bzImage's boot signature */
        rvfw_init(&w, false);
        w.time = 1700000000ULL * 1000000000ULL;
        assert_int_not_equal(rvfw_add_kernel(&w, &k, bz, sizeof(bz)), 0);
        assert_int_not_equal(rvfw_add_wasm(&w, &o, (const uint8_t *)bundle, sizeof(bundle) - 1), 0);
        assert_int_not_equal(rvfw_add(&w, RVF_SEG_META, meta, sizeof(meta) - 1), 0);
        assert_int_not_equal(rvfw_add(&w, RVF_SEG_PROFILE, prof, sizeof(prof) - 1), 0);
        assert_int_not_equal(rvfw_add(&w, RVF_SEG_WITNESS, wit, sizeof(wit) - 1), 0);
        assert_int_not_equal(rvfw_add_manifest(&w, 1, 0x42), 0);
        return w;
}

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

/* ---- the tool, in-process ---- */

static char dir[] = "/tmp/rvf_test_XXXXXX";
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
            cmocka_unit_test(test_good_file_roundtrips),
            cmocka_unit_test(test_malformed_corpus_gets_the_right_error),
            cmocka_unit_test(test_error_message_names_segment_and_field),
            cmocka_unit_test(test_truncation_at_every_byte),
            cmocka_unit_test(test_every_bit_flip_is_caught),
            cmocka_unit_test(test_seed_layout_inspects_and_is_refused_for_boot),
            cmocka_unit_test(test_lz4_linux_kernel_with_initrd_is_bootable_and_checked),
            cmocka_unit_test(test_boot_choice_follows_the_update_words),
            cmocka_unit_test(test_floor_is_the_last_image_that_really_booted),
            cmocka_unit_test(test_tool_build_inspect_verify_extract_sign),
        };
        return cmocka_run_group_tests(tests, setup_keys, NULL);
}
