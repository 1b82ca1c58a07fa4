/*
 * arch/aarch64/mmio.c: what a stage-2 data abort says about the access that caused it, for
 * emulating device registers (kernel/vdev.c). A pure function of ESR_EL2: no system register
 * is read here, so the host unit tests run exactly this code.
 *
 * ISS of a data abort (ARM ARM D17.2.40, "ISS encoding for an exception from a Data Abort"):
 *   ISV  [24]    the fields below are valid (0 for load/store pair, post/pre-indexed writeback,
 *                SIMD/FP, exclusive and atomic accesses: those cannot be emulated)
 *   SAS  [23:22] access size: byte, halfword, word, doubleword
 *   SSE  [21]    sign-extend the loaded value
 *   SRT  [20:16] the register transferred (31 = XZR/WZR)
 *   SF   [15]    the register is 64-bit (Xt), else 32-bit (Wt)
 *   AR   [14]    acquire/release (no effect on an emulated register)
 *   CM   [8]     cache maintenance; S1PTW [7] the fault hit a stage-1 table walk
 *   WnR  [6]     write; DFSC [5:0] fault status (0b0001LL: translation fault, level LL)
 * and IL [25]: 1 for a 32-bit instruction (always, in AArch64), so the emulated instruction
 * is skipped by adding 4 to ELR.
 */
#include "arch/aarch64/arch.h"

#define ESR_EC_DABT_LOW 0x24
#define ISS_IL          (1ULL << 25)
#define ISS_ISV         (1ULL << 24)
#define ISS_SSE         (1ULL << 21)
#define ISS_SF          (1ULL << 15)
#define ISS_CM          (1ULL << 8)
#define ISS_S1PTW       (1ULL << 7)
#define ISS_WNR         (1ULL << 6)
#define DFSC_TRANS_MASK 0x3cu /* 0b0001xx: translation fault at level 0..3 */
#define DFSC_TRANS      0x04u

bool arch_mmio_decode(uint64_t esr, struct arch_mmio_access *out)
{
        if (((esr >> ESR_EC_SHIFT) & 0x3f) != ESR_EC_DABT_LOW || !(esr & ISS_IL) ||
            !(esr & ISS_ISV) || (esr & (ISS_CM | ISS_S1PTW)) != 0 ||
            (esr & DFSC_TRANS_MASK) != DFSC_TRANS) {
                return false;
        }
        out->width = (uint8_t)(1u << ((esr >> 22) & 3));
        out->reg = (uint8_t)((esr >> 16) & 31);
        out->write = (esr & ISS_WNR) != 0;
        out->sign_extend = (esr & ISS_SSE) != 0;
        out->reg64 = (esr & ISS_SF) != 0;
        return true;
}

uint64_t arch_mmio_load_value(const struct arch_mmio_access *a, uint64_t raw)
{
        unsigned bits = a->width * 8u;
        uint64_t v = bits == 64 ? raw : raw & ((1ULL << bits) - 1);

        if (a->sign_extend && bits < 64 && (v >> (bits - 1)) & 1) {
                v |= ~0ULL << bits;
        }
        /* A W register: the upper half of Xt reads as zero (a sign extension stops at 32). */
        return a->reg64 ? v : v & 0xffffffffULL;
}

uint64_t arch_mmio_store_value(const struct arch_mmio_access *a, uint64_t reg)
{
        return a->width == 8 ? reg : reg & ((1ULL << (a->width * 8u)) - 1);
}
