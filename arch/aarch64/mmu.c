/*
 * arch/aarch64/mmu.c: RVM's own EL2 stage-1 translation. Everything is identity-mapped
 * (VA == PA) with a 39-bit VA space starting at level 1 and a 4 KiB granule:
 *   - RVM's image with page granularity: .text read-only+executable, .rodata read-only,
 *     everything else read-write and execute-never (SCTLR_EL2.WXN enforces W^X);
 *   - the rest of RAM read-write, execute-never, normal write-back, in 2 MiB blocks;
 *   - device windows as Device-nGnRE, execute-never.
 * C computes the register values here; the CPU applies them with plain MSRs.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/regs.h"
#include "arch/aarch64/sysreg.h"
#include "configs/limits.h"

#define PAGE_SIZE     0x1000ULL
#define BLOCK_2M      0x200000ULL
#define BLOCK_1G      0x40000000ULL
#define VA_BITS       39
#define TABLE_ENTRIES 512
#ifndef RVM_MMU_POOL_TABLES
#define RVM_MMU_POOL_TABLES 32 /* configs/<profile>/limits.h */
#endif
#define POOL_TABLES RVM_MMU_POOL_TABLES

extern char __text_start[], __text_end[], __rodata_start[], __readonly_end[];
extern char __image_start[], __image_end[];

static uint64_t mmu_l1[TABLE_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint64_t mmu_pool[POOL_TABLES][TABLE_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static unsigned mmu_pool_used;

/* The values every CPU loads; computed once by arch_mmu_init. */
static struct {
        uint64_t mair;
        uint64_t tcr;
        uint64_t ttbr0;
        uint64_t sctlr;
} mmu_regs;

#define ATTR_TEXT   (PTE_ATTR(MAIR_IDX_NORMAL) | PTE_SH_INNER | PTE_AF | PTE_AP_RES1 | PTE_AP_RO)
#define ATTR_RODATA (ATTR_TEXT | PTE_XN)
#define ATTR_RW     (PTE_ATTR(MAIR_IDX_NORMAL) | PTE_SH_INNER | PTE_AF | PTE_AP_RES1 | PTE_XN)
#define ATTR_DEVICE (PTE_ATTR(MAIR_IDX_DEVICE) | PTE_AF | PTE_AP_RES1 | PTE_XN)

/* The next-level table under *entry, allocating it if the entry is empty. */
static uint64_t *mmu_next_table(uint64_t *entry)
{
        if (*entry & PTE_VALID) {
                if (!(*entry & PTE_TABLE)) {
                        return NULL; /* a block is already there (callers skip those) */
                }
                return (uint64_t *)(uintptr_t)(*entry & PTE_ADDR_MASK);
        }
        if (mmu_pool_used == POOL_TABLES) {
                return NULL;
        }
        uint64_t *t = mmu_pool[mmu_pool_used++];
        *entry = (uintptr_t)t | PTE_VALID | PTE_TABLE;
        return t;
}

/* Move pa (and shrink size) to the next multiple of span: past an existing block. */
static void skip_block(uint64_t *pa, uint64_t *size, uint64_t span)
{
        uint64_t next = (*pa & ~(span - 1)) + span;
        uint64_t step = next - *pa;

        *size = step >= *size ? 0 : *size - step;
        *pa = next;
}

/*
 * Map [pa, pa + size) with attrs wherever nothing is mapped yet, using the largest
 * block that fits; what is already mapped (by a block or a page) keeps its first
 * mapping. Returns 0, or -1 when out of tables or outside the VA space.
 */
static int mmu_map(uint64_t pa, uint64_t size, uint64_t attrs)
{
        pa &= ~(PAGE_SIZE - 1);
        size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
        while (size > 0) {
                if (pa >= (1ULL << VA_BITS)) {
                        return -1;
                }
                uint64_t *e1 = &mmu_l1[(pa >> 30) & 511];
                if ((pa & (BLOCK_1G - 1)) == 0 && size >= BLOCK_1G && !(*e1 & PTE_VALID)) {
                        *e1 = pa | attrs | PTE_VALID;
                        pa += BLOCK_1G;
                        size -= BLOCK_1G;
                        continue;
                }
                if ((*e1 & PTE_VALID) && !(*e1 & PTE_TABLE)) {
                        skip_block(&pa, &size, BLOCK_1G);
                        continue;
                }
                uint64_t *l2 = mmu_next_table(e1);
                if (l2 == NULL) {
                        return -1;
                }
                uint64_t *e2 = &l2[(pa >> 21) & 511];
                if ((pa & (BLOCK_2M - 1)) == 0 && size >= BLOCK_2M && !(*e2 & PTE_VALID)) {
                        *e2 = pa | attrs | PTE_VALID;
                        pa += BLOCK_2M;
                        size -= BLOCK_2M;
                        continue;
                }
                if ((*e2 & PTE_VALID) && !(*e2 & PTE_TABLE)) {
                        skip_block(&pa, &size, BLOCK_2M);
                        continue;
                }
                uint64_t *l3 = mmu_next_table(e2);
                if (l3 == NULL) {
                        return -1;
                }
                uint64_t *e3 = &l3[(pa >> 12) & 511];
                if (!(*e3 & PTE_VALID)) {
                        *e3 = pa | attrs | PTE_VALID | PTE_TABLE; /* level-3 page descriptor */
                }
                pa += PAGE_SIZE;
                size -= PAGE_SIZE;
        }
        return 0;
}

static uint64_t addr(const char *p)
{
        return (uint64_t)(uintptr_t)p;
}

/* Clean+invalidate the tables to the point of coherency: the walker may not snoop. */
static void mmu_clean_tables(void)
{
        const uint64_t line = 64;
        uint64_t start = addr((const char *)mmu_l1);
        uint64_t end = start + sizeof(mmu_l1);

        for (int pass = 0; pass < 2; pass++) {
                for (uint64_t a = start; a < end; a += line) {
                        __asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
                }
                start = addr((const char *)mmu_pool);
                end = start + sizeof(mmu_pool);
        }
        arch_dsb_sy();
}

static void mmu_load(void)
{
        sysreg_write(mair_el2, mmu_regs.mair);
        sysreg_write(tcr_el2, mmu_regs.tcr);
        sysreg_write(ttbr0_el2, mmu_regs.ttbr0);
        arch_isb();
        __asm__ volatile("tlbi alle2\n dsb nsh\n isb" ::: "memory");
        sysreg_write(sctlr_el2, mmu_regs.sctlr);
        arch_isb();
        __asm__ volatile("ic iallu\n dsb nsh\n isb" ::: "memory");
}

int arch_mmu_init(const struct arch_mem_range *ram, unsigned ram_count,
                  const struct arch_mem_range *dev, unsigned dev_count)
{
        if (arch_current_el() != 2) {
                return -1;
        }
        /* Image first, page by page, so its permissions win over the RAM mapping below. */
        if (mmu_map(addr(__text_start), addr(__text_end) - addr(__text_start), ATTR_TEXT) != 0 ||
            mmu_map(addr(__rodata_start), addr(__readonly_end) - addr(__rodata_start),
                    ATTR_RODATA) != 0 ||
            mmu_map(addr(__readonly_end), addr(__image_end) - addr(__readonly_end), ATTR_RW) != 0) {
                return -1;
        }
        for (unsigned i = 0; i < ram_count; i++) {
                if (mmu_map(ram[i].base, ram[i].size, ATTR_RW) != 0) {
                        return -1;
                }
        }
        for (unsigned i = 0; i < dev_count; i++) {
                uint64_t base = dev[i].base & ~(BLOCK_2M - 1);
                uint64_t end = (dev[i].base + dev[i].size + BLOCK_2M - 1) & ~(BLOCK_2M - 1);
                if (mmu_map(base, end - base, ATTR_DEVICE) != 0) {
                        return -1;
                }
        }

        /* Physical address size as the CPU reports it (ID_AA64MMFR0_EL1.PARange). */
        uint64_t parange = sysreg_read(id_aa64mmfr0_el1) & 0xf;
        if (parange > 5) {
                parange = 5; /* 48 bits: the largest TCR_EL2.PS encoding without LPA */
        }
        mmu_regs.mair = MAIR_VALUE;
        mmu_regs.tcr = TCR_EL2_RES1 | TCR_T0SZ(64 - VA_BITS) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
                       TCR_SH0_INNER | TCR_TG0_4K | (parange << TCR_PS_SHIFT);
        mmu_regs.ttbr0 = addr((const char *)mmu_l1);
        /*
         * SCTLR_EL2: MMU, data and instruction caches on; stack alignment checked; WXN so no
         * page is ever both writable and executable. Alignment checking (A) stays off: the
         * WASM interpreter and libfdt make legitimate unaligned accesses to normal memory.
         */
        mmu_regs.sctlr = SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA | SCTLR_WXN;

        mmu_clean_tables();
        mmu_load();
        return 0;
}

void arch_mmu_enable_secondary(void)
{
        mmu_load();
}

bool arch_mmu_enabled(void)
{
        return (sysreg_read(sctlr_el2) & SCTLR_M) != 0;
}

unsigned long arch_mmu_table_bytes(void)
{
        return sizeof(mmu_l1) + sizeof(mmu_pool);
}

unsigned arch_mmu_tables_used(void)
{
        return mmu_pool_used + 1;
}

bool arch_mmu_probe(uint64_t va, bool write)
{
        if (write) {
                __asm__ volatile("at s1e2w, %0" : : "r"(va) : "memory");
        } else {
                __asm__ volatile("at s1e2r, %0" : : "r"(va) : "memory");
        }
        arch_isb();
        return (sysreg_read(par_el1) & 1) == 0; /* PAR_EL1.F: the translation faulted */
}

uint64_t arch_mmu_leaf(uint64_t va)
{
        uint64_t e = mmu_l1[(va >> 30) & 511];

        for (unsigned shift = 21; shift >= 12; shift -= 9) {
                if (!(e & PTE_VALID) || !(e & PTE_TABLE)) {
                        return e; /* invalid, or a 1 GiB / 2 MiB block */
                }
                e = ((const uint64_t *)(uintptr_t)(e & PTE_ADDR_MASK))[(va >> shift) & 511];
        }
        return e;
}

bool arch_mmu_leaf_xn(uint64_t desc)
{
        return (desc & PTE_XN) != 0;
}

bool arch_mmu_wxn(void)
{
        return (sysreg_read(sctlr_el2) & SCTLR_WXN) != 0;
}
