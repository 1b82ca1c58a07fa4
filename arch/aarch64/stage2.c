/*
 * arch/aarch64/stage2.c: stage-2 translation for partitions (ARM ARM D8, "stage 2"):
 * an IPA space of 31 to 39 bits per partition (VTCR_EL2), and the hardware side of the tables:
 * publishing descriptors and TLB maintenance by VMID. The tables themselves (descriptors,
 * 2 MiB blocks, splitting, walks) are s2_table.c's.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/regs.h"
#include "arch/aarch64/sysreg.h"

unsigned arch_s2_ipa_bits(unsigned want)
{
        static const uint8_t pa_bits[] = {32, 36, 40, 42, 44, 48}; /* by PARange */
        uint64_t parange = sysreg_read(id_aa64mmfr0_el1) & 0xf;
        unsigned most = pa_bits[parange > 5 ? 5 : parange];

        most = most < ARCH_S2_IPA_MAX_BITS ? most : ARCH_S2_IPA_MAX_BITS;
        return want < ARCH_S2_IPA_MIN_BITS ? ARCH_S2_IPA_MIN_BITS : want > most ? most : want;
}

uint64_t arch_vtcr(unsigned ipa_bits)
{
        uint64_t parange = sysreg_read(id_aa64mmfr0_el1) & 0xf;

        if (parange > 5) {
                parange = 5;
        }
        /*
         * VTCR_EL2 (D17.2.160): T0SZ = 64 - IPA bits (25..33: the sizes a walk starting at
         * level 1 covers with one root table); SL0 = 1 (start at level 1 with a 4 KiB
         * granule); inner/outer write-back walks, inner shareable; TG0 = 4 KiB; PS from
         * the CPU's PARange; bit 31 is RES1. An access above the IPA size faults at
         * stage 2 like any other the partition has no mapping for.
         */
        return (64 - arch_s2_ipa_bits(ipa_bits)) | (1ULL << 6) | (1ULL << 8) | (1ULL << 10) |
               (3ULL << 12) | (0ULL << 14) | (parange << 16) | (1ULL << 31);
}

/* Descriptors written before this are seen by every CPU's table walker. */
void arch_s2_publish(void)
{
        arch_dsb_ishst();
}

/*
 * Invalidate every stage-1 and stage-2 entry tagged with vmid (TLBI VMALLS12E1IS needs
 * VTTBR_EL2 to hold that VMID while it executes, so load it for the duration).
 */
void arch_s2_flush_vmid(uint16_t vmid)
{
        uint64_t saved = sysreg_read(vttbr_el2);

        sysreg_write(vttbr_el2, (uint64_t)vmid << 48);
        arch_isb();
        __asm__ volatile("dsb ishst\n tlbi vmalls12e1is\n dsb ish\n isb" ::: "memory");
        sysreg_write(vttbr_el2, saved);
        arch_isb();
}

/* After a VMID generation rollover: nothing tagged with any old VMID may survive. */
void arch_s2_flush_all(void)
{
        __asm__ volatile("dsb ishst\n tlbi alle1is\n dsb ish\n isb" ::: "memory");
}

/* CTR_EL0.L1Ip [15:14] = 0b11: the L1 instruction cache is PIPT. */
static bool icache_pipt(void)
{
        return ((sysreg_read(ctr_el0) >> 14) & 3) == 3;
}

void arch_icache_sync_range(const void *va, uint64_t size)
{
        const uint64_t ctr = sysreg_read(ctr_el0);
        /* CTR_EL0.DminLine [19:16] and IminLine [3:0]: log2 of the smallest line, in words. */
        const uint64_t dline = 4ULL << ((ctr >> 16) & 0xf), iline = 4ULL << (ctr & 0xf);
        const uint64_t start = (uint64_t)(uintptr_t)va, end = start + size;

        for (uint64_t a = start & ~(dline - 1); a < end; a += dline) {
                __asm__ volatile("dc cvau, %0" : : "r"(a) : "memory");
        }
        __asm__ volatile("dsb ish" ::: "memory");
        if (icache_pipt()) {
                for (uint64_t a = start & ~(iline - 1); a < end; a += iline) {
                        __asm__ volatile("ic ivau, %0" : : "r"(a) : "memory");
                }
                __asm__ volatile("dsb ish" ::: "memory");
        }
}

void arch_icache_sync_finish(void)
{
        if (!icache_pipt()) {
                __asm__ volatile("ic ialluis\n dsb ish" ::: "memory");
        }
        __asm__ volatile("isb" ::: "memory");
}

unsigned arch_vmid_bits(void)
{
        /* ID_AA64MMFR1_EL1.VMIDBits: 0b0010 means 16-bit VMIDs (with VTCR_EL2.VS set). */
        return ((sysreg_read(id_aa64mmfr1_el1) >> 4) & 0xf) == 2 ? 16 : 8;
}
