/*
 * tests/qemu/sha256_test.c: SHA-256 on the CPU's SHA-256 instructions (arch/aarch64/sha256.c)
 * against mbedTLS's portable compression, inside the kernel (the host cannot run them):
 * the NIST vectors and a few hundred seeded random messages through mbedTLS's API with each
 * compression installed in turn, multi-block calls directly, and a vCPU's FP/SIMD registers
 * left exactly as they were by a hash.
 */
#include <stdint.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "kernel/percpu.h"
#include "mbedtls/sha256.h"
#include "tests/qemu/ktest.h"
#include "witness/witness.h"

/* SHA-256 of `len` bytes at p, one mbedTLS update per `chunk` bytes (0: one update). */
static void digest(const uint8_t *p, size_t len, size_t chunk, uint8_t out[32])
{
        mbedtls_sha256_context c;

        mbedtls_sha256_init(&c);
        (void)mbedtls_sha256_starts_ret(&c, 0);
        while (len != 0) {
                size_t n = chunk != 0 && chunk < len ? chunk : len;
                (void)mbedtls_sha256_update_ret(&c, p, n);
                p += n;
                len -= n;
        }
        (void)mbedtls_sha256_finish_ret(&c, out);
}

static const char nist_448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char nist_896[] =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
    "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

static const struct {
        const char *msg; /* NULL: a million 'a's */
        uint8_t hash[32];
} nist[] = {
    {"", {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
          0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
          0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55}},
    {"abc", {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
             0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
             0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad}},
    {nist_448, {0x24, 0x8d, 0x6a, 0x61, 0xd2, 0x06, 0x38, 0xb8, 0xe5, 0xc0, 0x26,
                0x93, 0x0c, 0x3e, 0x60, 0x39, 0xa3, 0x3c, 0xe4, 0x59, 0x64, 0xff,
                0x21, 0x67, 0xf6, 0xec, 0xed, 0xd4, 0x19, 0xdb, 0x06, 0xc1}},
    {nist_896, {0xcf, 0x5b, 0x16, 0xa7, 0x78, 0xaf, 0x83, 0x80, 0x03, 0x6c, 0xe5,
                0x9e, 0x7b, 0x04, 0x92, 0x37, 0x0b, 0x24, 0x9b, 0x11, 0xe8, 0xf0,
                0x7a, 0x51, 0xaf, 0xac, 0x45, 0x03, 0x7a, 0xfe, 0xe9, 0xd1}},
    {NULL, {0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7,
            0xe2, 0x84, 0xd7, 0x3e, 0x67, 0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97,
            0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0}},
};

static uint8_t buf[4096 + 16];

static void nist_digest(unsigned i, uint8_t out[32])
{
        if (nist[i].msg != NULL) {
                digest((const uint8_t *)nist[i].msg, strlen(nist[i].msg), 0, out);
                return;
        }
        mbedtls_sha256_context c;
        memset(buf, 'a', 1000);
        mbedtls_sha256_init(&c);
        (void)mbedtls_sha256_starts_ret(&c, 0);
        for (unsigned k = 0; k < 1000; k++) {
                (void)mbedtls_sha256_update_ret(&c, buf, 1000);
        }
        (void)mbedtls_sha256_finish_ret(&c, out);
}

KTEST(sha256_instructions_are_found_and_used)
{
        /* QEMU's cortex-a72 has them (ID_AA64ISAR0_EL1.SHA2), so the boot installed them. */
        KT_EXPECT(boot_state.sha256_ce);
        witness_sha256_blocks_fn *fn = witness_sha256_accelerate(arch_sha256_blocks);
        KT_EXPECT(fn == arch_sha256_blocks);
}

KTEST(sha256_instructions_match_the_nist_vectors_and_mbedtls)
{
        witness_sha256_blocks_fn *was = witness_sha256_accelerate(NULL);
        for (unsigned i = 0; i < sizeof(nist) / sizeof(nist[0]); i++) {
                uint8_t portable[32], ce[32], own[32];
                witness_sha256_accelerate(NULL);
                nist_digest(i, portable);
                witness_sha256_accelerate(arch_sha256_blocks);
                nist_digest(i, ce);
                KT_EXPECT(memcmp(portable, nist[i].hash, 32) == 0);
                KT_EXPECT(memcmp(ce, nist[i].hash, 32) == 0);
                if (nist[i].msg != NULL) {
                        size_t n = strlen(nist[i].msg);
                        witness_sha256(nist[i].msg, n / 2, nist[i].msg + n / 2, n - n / 2, own);
                        KT_EXPECT(memcmp(own, nist[i].hash, 32) == 0);
                }
        }
        witness_sha256_accelerate(was);
}

KTEST(sha256_instructions_match_mbedtls_on_random_messages)
{
        uint64_t x = 0x5eed5a256ULL;
        unsigned same = 0, runs = 300;
        witness_sha256_blocks_fn *was = witness_sha256_accelerate(NULL);

        for (unsigned r = 0; r < runs; r++) {
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                size_t len = (size_t)(x >> 33) % 4097, off = (size_t)(x >> 20) % 16;
                size_t chunk = (size_t)(x >> 8) % 200; /* 0: in one update */
                for (size_t i = 0; i < len; i++) {
                        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                        buf[off + i] = (uint8_t)(x >> 56);
                }
                uint8_t portable[32], ce[32], two[32];
                size_t split = chunk < len ? chunk : len;
                witness_sha256_accelerate(NULL);
                digest(buf + off, len, chunk, portable);
                witness_sha256_accelerate(arch_sha256_blocks);
                digest(buf + off, len, chunk, ce);
                /* witness_sha256's own padding, around the same block function */
                witness_sha256(buf + off, split, buf + off + split, len - split, two);
                same += memcmp(portable, ce, 32) == 0 && memcmp(portable, two, 32) == 0;
        }
        KT_EXPECT(same == runs);
        /* Many blocks in one call, from any alignment, against mbedTLS's block by block. */
        for (unsigned r = 0; r < 64; r++) {
                uint32_t a[8], b[8];
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                for (unsigned i = 0; i < 8; i++) {
                        a[i] = b[i] = (uint32_t)(x >> (i * 4));
                }
                size_t blocks = r % 64 + 1, off = r % 16;
                arch_sha256_blocks(a, buf + off, blocks);
                witness_sha256_portable(b, buf + off, blocks);
                KT_EXPECT(memcmp(a, b, sizeof(a)) == 0);
        }
        witness_sha256_accelerate(was);
}

KTEST(sha256_instructions_leave_a_vcpus_fp_registers_as_they_were)
{
        static struct arch_fp before, after;
        static uint8_t block[64] = "RVM";
        uint32_t st[8] = {0};
        uint64_t irq = arch_irq_save();
        struct percpu *c = this_cpu();

        /* Whoever owns this CPU's FP registers keeps its state (saved, as for the engine). */
        arch_fp_trap(false);
        if (c->fp_owner != NULL) {
                arch_fp_save(&c->fp_owner->fp);
                c->fp_owner = NULL;
        }
        /* A guest's registers live in the hardware (FP not trapped): every byte distinct. */
        for (unsigned i = 0; i < 32; i++) {
                uint8_t *q = (uint8_t *)&before.q[i];
                for (unsigned k = 0; k < 16; k++) {
                        q[k] = (uint8_t)(i * 16 + k + 1);
                }
        }
        before.fpsr = 0x8000000; /* QC */
        before.fpcr = 0x400000;  /* round towards plus infinity */
        arch_fp_load(&before);
        arch_sha256_blocks(st, block, 1);
        arch_fp_save(&after);
        KT_EXPECT(memcmp(&before, &after, sizeof(before)) == 0);
        KT_EXPECT(st[0] != 0);
        arch_fp_reset();
        /* FP trapped (no one's registers live): the hash still runs, and FP is trapped after
         * (a guest's next FP instruction loads its own registers). */
        arch_fp_trap(true);
        uint32_t st2[8] = {0};
        arch_sha256_blocks(st2, block, 1);
        KT_EXPECT(memcmp(st, st2, sizeof(st)) == 0);
        KT_EXPECT(arch_fp_trapped());
        arch_irq_restore(irq);
}
