/*
 * tests/fuzz/rvf_fuzz.c: libFuzzer target over everything RVM and tools/rvf do with an
 * untrusted RVF file: rvf_parse, every KERNEL/WASM/PROFILE payload parse and accessor,
 * the boot check, the content and image hashes (gzip through zlib) and the signature
 * against a fixed test key (whose key id a seed file carries, so the fuzzer reaches the
 * ECDSA check), and the error message. With RVF_FUZZ_SEED=PATH set, it first writes a
 * valid signed file there: the Makefile seeds the corpus with it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/rvf.h"
#include "boot/rvf_verify.h"
#include "tools/rvf/rvf_tool.h"

/* A test key, public by design: SHA-256("rvf-fuzz-test-key") as the scalar. */
static uint8_t priv[32], pub[RVF_PUBKEY_SIZE];

static void write_seed(const char *path)
{
        static const uint8_t image[64] = {0x1f, 0x20, 0x03, 0xd5};
        static const uint8_t wasm[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
        struct rvfw w;
        struct rvfw_kernel k = {.arch = RVF_ARCH_AARCH64,
                                .kernel_type = RVF_KTYPE_FLAT,
                                .vcpus = 1,
                                .cmdline = "console=ttyAMA0"};
        struct rvfw_wasm o = {.role = RVF_WASM_ROLE_AGENT, .target = RVF_WASM_TARGET_RVM};
        struct rvfp p = {0};
        size_t plen;

        rvfw_init(&w, true);
        uint64_t kid = rvfw_add_kernel(&w, &k, image, sizeof(image));
        uint64_t wid = rvfw_add_wasm(&w, &o, wasm, sizeof(wasm));
        p.part[0] = (struct rvf_profile_partition){.name = "g",
                                                   .kind = RVF_PART_GUEST,
                                                   .vcpus = 1,
                                                   .mem_bytes = 4096,
                                                   .kernel_seg_id = kid};
        p.part[1] = (struct rvf_profile_partition){.name = "w", .kind = RVF_PART_WASM};
        p.agent[0] = (struct rvf_profile_agent){.name = "a", .wasm_seg_id = wid, .partition = 2};
        p.edge[0] = (struct rvf_profile_edge){1, RVF_EDGE_AGENT | 1};
        p.lease[0] = (struct rvf_profile_lease){.device = "uart", .partition = 1, .ms = 1};
        p.parts = 2, p.agents = 1, p.edges = 1, p.leases = 1;
        uint8_t *pp = rvfp_encode(&p, &plen);
        if (pp != NULL) {
                rvfw_add(&w, RVF_SEG_PROFILE, pp, plen);
        }
        free(pp);
        rvfw_add_manifest(&w, 1, 0);
        FILE *f = fopen(path, "wb");
        if (rvfw_sign(&w, priv, 1) == 0 && f != NULL) {
                fwrite(w.buf, 1, w.len, f);
        }
        if (f != NULL) {
                fclose(f);
        }
        rvfw_free(&w);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        rvf_sha256("rvf-fuzz-test-key", 17, priv);
        if (rvf_pub_from_priv(priv, pub) != 0) {
                abort();
        }
        const char *seed = getenv("RVF_FUZZ_SEED");
        if (seed != NULL) {
                write_seed(seed);
        }
        return 0;
}

static struct rvf_file f;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct rvf_error er;
        char msg[256];
        enum rvf_err e = rvf_parse(data, size, &f, &er);

        rvf_error_format(&er, msg, sizeof(msg));
        if (e != RVF_OK) {
                return 0;
        }
        for (unsigned i = 0; i < f.seg_count; i++) {
                struct rvf_kernel k;
                struct rvf_wasm w;
                struct rvf_profile p;
                if (f.seg[i].type == RVF_SEG_KERNEL && rvf_kernel_parse(&f, i, &k, &er) == RVF_OK) {
                        (void)rvf_kernel_bootable(&k, (int)i, &er);
                } else if (f.seg[i].type == RVF_SEG_WASM) {
                        (void)rvf_wasm_parse(&f, i, &w, &er);
                } else if (f.seg[i].type == RVF_SEG_PROFILE &&
                           rvf_profile_parse(&f, i, &p, &er) == RVF_OK) {
                        struct rvf_profile_partition q;
                        struct rvf_profile_agent a;
                        struct rvf_profile_edge ed;
                        struct rvf_profile_lease l;
                        for (unsigned j = 0; j < p.partition_count; j++) {
                                rvf_profile_partition(&p, j, &q);
                                if (strlen(q.name) > RVF_PROFILE_NAME_MAX) {
                                        abort();
                                }
                        }
                        for (unsigned j = 0; j < p.agent_count; j++) {
                                rvf_profile_agent(&p, j, &a);
                        }
                        for (unsigned j = 0; j < p.edge_count; j++) {
                                rvf_profile_edge(&p, j, &ed);
                        }
                        for (unsigned j = 0; j < p.lease_count; j++) {
                                rvf_profile_lease(&p, j, &l);
                        }
                }
                rvf_error_format(&er, msg, sizeof(msg));
        }
        /* The hashes first, and the signature only after them, as RVM does (ECDSA is slow
         * under the sanitizers); the signature segment's parse always. */
        struct rvf_sig sg;
        (void)rvf_sig_parse(&f, &sg, &er);
        if (rvf_verify_hashes(&f, rvf_inflate_hash, &er) == RVF_OK) {
                (void)rvf_verify_signature(&f, pub, 0, NULL, &er);
        }
        rvf_error_format(&er, msg, sizeof(msg));
        return 0;
}
