/*
 * arch/aarch64/stage2.c: stage-2 translation for partitions (ARM ARM D8, "stage 2"):
 * 4 KiB granule, an IPA space of 31 to 39 bits per partition, walked from level 1 (one
 * 4 KiB root table), 4 KiB pages only, so any page can later be shared, lent or unmapped on its
 * own. Tables come from the caller's page allocator; this file only formats descriptors and walks
 * them.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/regs.h"
#include "arch/aarch64/sysreg.h"

#define S2_IPA_BITS ARCH_S2_IPA_MAX_BITS
#define S2_PAGE     0x1000ULL

/* Stage-2 descriptor fields (D8.3.2). */
#define S2_MEMATTR_NORMAL_WB (0xfULL << 2) /* outer+inner write-back */
#define S2_MEMATTR_DEVICE    (0x1ULL << 2) /* Device-nGnRE */
#define S2_AP_R              (1ULL << 6)
#define S2_AP_W              (1ULL << 7)
#define S2_SH_INNER          (3ULL << 8)
#define S2_AF                (1ULL << 10)
#define S2_XN                (2ULL << 53) /* XN[1:0] = 0b10: not executable at EL1/EL0 */

unsigned arch_s2_ipa_bits(unsigned want)
{
        static const unsigned pa_bits[] = {32, 36, 40, 42, 44, 48}; /* by PARange */
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

uint64_t arch_s2_ipa_limit(void)
{
        return 1ULL << S2_IPA_BITS;
}

static uint64_t *table_of(uint64_t desc)
{
        return (uint64_t *)(uintptr_t)(desc & PTE_ADDR_MASK);
}

/* The level-3 entry for ipa, allocating intermediate tables if alloc is given. */
static uint64_t *s2_leaf(uint64_t *root, uint64_t ipa, arch_page_alloc_fn alloc, void *ctx)
{
        uint64_t *table = root;

        for (unsigned shift = 30; shift > 12; shift -= 9) {
                uint64_t *e = &table[(ipa >> shift) & 511];
                if (!(*e & PTE_VALID)) {
                        if (alloc == NULL) {
                                return NULL;
                        }
                        uint64_t pa = alloc(ctx);
                        if (pa == 0) {
                                return NULL;
                        }
                        memset((void *)(uintptr_t)pa, 0, S2_PAGE);
                        arch_dsb_ishst();
                        *e = pa | PTE_VALID | PTE_TABLE;
                }
                table = table_of(*e);
        }
        return &table[(ipa >> 12) & 511];
}

int arch_s2_map(uint64_t *root, ipa_t at, pa_t to, uint64_t size, unsigned prot,
                arch_page_alloc_fn alloc, void *ctx)
{
        uint64_t ipa = ipa_addr(at);
        uint64_t pa = pa_addr(to);

        if (((ipa | pa | size) & (S2_PAGE - 1)) != 0 || ipa + size > arch_s2_ipa_limit() ||
            ipa + size < ipa) {
                return -1;
        }
        for (uint64_t off = 0; off < size; off += S2_PAGE) {
                uint64_t *e = s2_leaf(root, ipa + off, alloc, ctx);
                if (e == NULL) {
                        return -1;
                }
                uint64_t d = (pa + off) | PTE_VALID | PTE_TABLE | S2_AF | S2_AP_R;
                d |= (prot & ARCH_S2_DEVICE) ? S2_MEMATTR_DEVICE
                                             : (S2_MEMATTR_NORMAL_WB | S2_SH_INNER);
                if (prot & ARCH_S2_WRITE) {
                        d |= S2_AP_W;
                }
                if (!(prot & ARCH_S2_EXEC)) {
                        d |= S2_XN;
                }
                *e = d;
        }
        arch_dsb_ishst(); /* descriptors visible to the walker before any use */
        return 0;
}

int arch_s2_unmap(uint64_t *root, ipa_t at, uint64_t size, uint16_t vmid)
{
        uint64_t ipa = ipa_addr(at);

        for (uint64_t off = 0; off < size; off += S2_PAGE) {
                uint64_t *e = s2_leaf(root, ipa + off, NULL, NULL);
                if (e != NULL) {
                        *e = 0;
                }
        }
        arch_s2_flush_vmid(vmid);
        return 0;
}

bool arch_s2_translate(const uint64_t *root, ipa_t at, bool write, pa_t *pa)
{
        uint64_t ipa = ipa_addr(at);

        if (ipa >= arch_s2_ipa_limit()) {
                return false;
        }
        uint64_t *e = s2_leaf((uint64_t *)root, ipa, NULL, NULL);
        if (e == NULL || !(*e & PTE_VALID) || (write && !(*e & S2_AP_W)) || !(*e & S2_AP_R)) {
                return false;
        }
        *pa = pa_init((*e & PTE_ADDR_MASK) | (ipa & (S2_PAGE - 1)));
        return true;
}

bool arch_s2_translate_ram(const uint64_t *root, ipa_t at, pa_t *pa)
{
        uint64_t ipa = ipa_addr(at);

        if (ipa >= arch_s2_ipa_limit()) {
                return false;
        }
        uint64_t *e = s2_leaf((uint64_t *)root, ipa, NULL, NULL);
        /* Normal write-back memory only: RVM never reads a device on a guest's behalf. */
        if (e == NULL || !(*e & PTE_VALID) || !(*e & S2_AP_R) ||
            (*e & (0xfULL << 2)) != S2_MEMATTR_NORMAL_WB) {
                return false;
        }
        *pa = pa_init((*e & PTE_ADDR_MASK) | (ipa & (S2_PAGE - 1)));
        return true;
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
