/*
 * arch/aarch64/sha256_ce.c: the SHA-256 compression function on the ARMv8 Cryptographic
 * Extension (SHA256H, SHA256H2, SHA256SU0, SHA256SU1), written with the ACLE intrinsics.
 *
 * The only kernel file built with FP/SIMD registers allowed (and +crypto): the Makefile
 * compiles it without -mgeneral-regs-only. It is never called directly: arch/aarch64/sha256.c
 * checks the CPU has the instructions (ID_AA64ISAR0_EL1.SHA2) and makes the SIMD registers
 * safe to use around each call (docs/ARCHITECTURE.md, where FP/SIMD switching is described).
 */
#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

void arch_sha256_ce_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/* FIPS 180-4 §4.2.2. */
static const uint32_t k256[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* Four rounds with message words m (already scheduled) and the constants k. */
#define ROUNDS4(m, k)                                    \
        do {                                             \
                uint32x4_t wk_ = vaddq_u32(m, k);        \
                uint32x4_t abcd_ = abcd;                 \
                abcd = vsha256hq_u32(abcd, efgh, wk_);   \
                efgh = vsha256h2q_u32(efgh, abcd_, wk_); \
        } while (0)

/* The next four message words from the sixteen before them, in place of the oldest four. */
#define SCHEDULE(m0, m1, m2, m3) (m0 = vsha256su1q_u32(vsha256su0q_u32(m0, m1), m2, m3))

/* Sixteen rounds on m0..m3, scheduling the next sixteen words as it goes. */
#define ROUNDS16(k0, k1, k2, k3)          \
        do {                              \
                ROUNDS4(m0, k0);          \
                SCHEDULE(m0, m1, m2, m3); \
                ROUNDS4(m1, k1);          \
                SCHEDULE(m1, m2, m3, m0); \
                ROUNDS4(m2, k2);          \
                SCHEDULE(m2, m3, m0, m1); \
                ROUNDS4(m3, k3);          \
                SCHEDULE(m3, m0, m1, m2); \
        } while (0)

/*
 * The 64 rounds written out, with all sixteen constant vectors loaded once before the first
 * block and kept in registers (26 of the 32 vector registers): a block is then its 64
 * rounds' instructions and little else, whichever compiler built it (GCC kept a loop over
 * the first 48 rounds that reloaded the constants, ~20 % more instructions a block).
 */
void arch_sha256_ce_blocks(uint32_t state[8], const uint8_t *data, size_t blocks)
{
        /* The constants through a pointer the compiler cannot see into: in the tiny code model
         * GCC would otherwise copy k256 into the function's literal pool, 256 bytes more .text,
         * which took the Seed's low text (the Makefile's LOW_TEXT) past the vectors' 2 KiB
         * boundary. */
        const uint32_t *k = k256;
        __asm__("" : "+r"(k));
        uint32x4_t abcd = vld1q_u32(&state[0]);
        uint32x4_t efgh = vld1q_u32(&state[4]);
        const uint32x4_t k0 = vld1q_u32(&k[0]), k1 = vld1q_u32(&k[4]);
        const uint32x4_t k2 = vld1q_u32(&k[8]), k3 = vld1q_u32(&k[12]);
        const uint32x4_t k4 = vld1q_u32(&k[16]), k5 = vld1q_u32(&k[20]);
        const uint32x4_t k6 = vld1q_u32(&k[24]), k7 = vld1q_u32(&k[28]);
        const uint32x4_t k8 = vld1q_u32(&k[32]), k9 = vld1q_u32(&k[36]);
        const uint32x4_t k10 = vld1q_u32(&k[40]), k11 = vld1q_u32(&k[44]);
        const uint32x4_t k12 = vld1q_u32(&k[48]), k13 = vld1q_u32(&k[52]);
        const uint32x4_t k14 = vld1q_u32(&k[56]), k15 = vld1q_u32(&k[60]);

        for (; blocks != 0; blocks--, data += 64) {
                const uint32x4_t abcd0 = abcd, efgh0 = efgh;
                /* The message is big-endian words. */
                uint32x4_t m0 = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(data)));
                uint32x4_t m1 = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(data + 16)));
                uint32x4_t m2 = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(data + 32)));
                uint32x4_t m3 = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(data + 48)));

                ROUNDS16(k0, k1, k2, k3);
                ROUNDS16(k4, k5, k6, k7);
                ROUNDS16(k8, k9, k10, k11);
                ROUNDS4(m0, k12);
                ROUNDS4(m1, k13);
                ROUNDS4(m2, k14);
                ROUNDS4(m3, k15);
                abcd = vaddq_u32(abcd, abcd0);
                efgh = vaddq_u32(efgh, efgh0);
        }
        vst1q_u32(&state[0], abcd);
        vst1q_u32(&state[4], efgh);
}
