/*
 * tests/unit/rvf_fixture.c: what the RVF tests share: two key pairs made once per run, the
 * parsed file F, and small RVF files written with tools/rvf's writer: ours (kernel, module,
 * profile, manifest, signature) and the seed's layout; helpers that parse and verify a buffer,
 * recompute content hashes after a change, and store little-endian fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/rvf_fixture.h"

static uint8_t priv[32], priv2[32];
uint8_t pub[RVF_PUBKEY_SIZE], pub2[RVF_PUBKEY_SIZE];
struct rvf_file F; /* large: keep it off the stack */

int setup_keys(void **state)
{
        (void)state;
        assert_int_equal(rvf_keygen(priv, pub), 0);
        assert_int_equal(rvf_keygen(priv2, pub2), 0);
        return 0;
}

const uint8_t kimage[100] = {0x1f, 0x20, 0x03, 0xd5, 1, 2, 3}; /* any bytes */
const uint8_t wasm_mod[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};

struct rvfw build_good(bool sign, uint64_t version)
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

enum rvf_err full(const uint8_t *d, size_t n, struct rvf_error *er)
{
        enum rvf_err e = rvf_parse(d, n, &F, er);
        if (e == RVF_OK) {
                e = rvf_verify(&F, pub, 0, rvf_inflate_hash, er);
        }
        return e;
}

void rehash(uint8_t *d, size_t n)
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

void put64(uint8_t *p, uint64_t v)
{
        for (int i = 0; i < 8; i++) {
                p[i] = (uint8_t)(v >> (8 * i));
        }
}
void put32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++) {
                p[i] = (uint8_t)(v >> (8 * i));
        }
}

struct rvfw build_seed_layout(void)
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
