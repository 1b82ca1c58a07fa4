/*
 * arch/aarch64/s2_table.c: partitions' stage-2 translation tables (ARM ARM D8, "stage 2"):
 * 4 KiB granule, walked from level 1 (one 4 KiB root table). A mapping asked with
 * ARCH_S2_BLOCKS (a partition's RAM) takes a level-2 block descriptor for each 2 MiB run whose
 * IPA and PA are both 2 MiB aligned, pages elsewhere; any later change at 4 KiB inside a block
 * (a page shared, lent, made dormant, unmapped) first splits that block into a level-3 table of
 * the same 512 pages, break-before-make. Plain C over memory: tables come from the caller's page
 * allocator, and the two hardware steps (a DSB to publish descriptors, a TLBI for the VMID) are
 * stage2.c's, so host tests link this file alone.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/regs.h"

#define S2_PAGE  0x1000ULL
#define S2_BLOCK 0x200000ULL /* a level-2 block: 2 MiB with the 4 KiB granule */

/* Stage-2 descriptor fields (D8.3.2): the same bits in block (level 2) and page (level 3). */
#define S2_MEMATTR_NORMAL_WB (0xfULL << 2) /* outer+inner write-back */
#define S2_MEMATTR_DEVICE    (0x1ULL << 2) /* Device-nGnRE */
#define S2_MEMATTR_MASK      (0xfULL << 2)
#define S2_AP_R              (1ULL << 6)
#define S2_AP_W              (1ULL << 7)
#define S2_SH_INNER          (3ULL << 8)
#define S2_AF                (1ULL << 10)
#define S2_XN                (2ULL << 53) /* XN[1:0] = 0b10: not executable at EL1/EL0 */
/* Everything of a leaf descriptor but its type bits [1:0] and its output address. */
#define S2_ATTR_MASK (~PTE_ADDR_MASK & ~3ULL)

uint64_t arch_s2_ipa_limit(void)
{
        return 1ULL << ARCH_S2_IPA_MAX_BITS;
}

static uint64_t *table_of(uint64_t desc)
{
        return (uint64_t *)(uintptr_t)(desc & PTE_ADDR_MASK);
}

static bool is_table(uint64_t desc)
{
        return (desc & 3) == (PTE_VALID | PTE_TABLE);
}

/* A leaf's attributes for prot (type bits and address left to the caller). */
static uint64_t leaf_attrs(unsigned prot)
{
        uint64_t d = S2_AF | S2_AP_R;

        d |= (prot & ARCH_S2_DEVICE) ? S2_MEMATTR_DEVICE : (S2_MEMATTR_NORMAL_WB | S2_SH_INNER);
        if (prot & ARCH_S2_WRITE) {
                d |= S2_AP_W;
        }
        if (!(prot & ARCH_S2_EXEC)) {
                d |= S2_XN;
        }
        return d;
}

/* A zeroed table page from alloc, or 0. */
static uint64_t new_table(arch_page_alloc_fn alloc, void *ctx)
{
        uint64_t pa = alloc != NULL ? alloc(ctx) : 0;

        if (pa != 0) {
                memset((void *)(uintptr_t)pa, 0, S2_PAGE);
        }
        return pa;
}

/*
 * Replace the level-2 block *e with a level-3 table mapping the same 512 pages with the same
 * attributes. Break-before-make (ARM ARM D8.15.1): a block and a table for the same addresses
 * must never both be visible to a walker or a TLB, so the table is filled and published, the
 * block invalidated, every TLB entry of the VMID flushed (on every CPU, completed), and only
 * then the table installed. A vCPU touching the range meanwhile takes a translation fault,
 * which trap.c retries once the mapping is back.
 */
static int split_block(uint64_t *e, uint16_t vmid, arch_page_alloc_fn alloc, void *ctx)
{
        uint64_t table = new_table(alloc, ctx);
        uint64_t out = *e & PTE_ADDR_MASK & ~(S2_BLOCK - 1), attrs = *e & S2_ATTR_MASK;

        if (table == 0) {
                return -1;
        }
        uint64_t *t = (uint64_t *)(uintptr_t)table;
        for (unsigned i = 0; i < 512; i++) {
                t[i] = (out + i * S2_PAGE) | attrs | PTE_VALID | PTE_TABLE;
        }
        arch_s2_publish();
        *e = 0;
        arch_s2_flush_vmid(vmid); /* DSB ISHST, TLBI VMALLS12E1IS, DSB ISH */
        *e = table | PTE_VALID | PTE_TABLE;
        arch_s2_publish();
        return 0;
}

/*
 * The level-3 entry for ipa. Missing tables are allocated and blocks on the way split when
 * alloc is given; without it NULL is returned for either (*block, if given, then says whether
 * a block was met).
 */
static uint64_t *s2_leaf(uint64_t *root, uint64_t ipa, uint16_t vmid, arch_page_alloc_fn alloc,
                         void *ctx)
{
        uint64_t *table = root;

        for (unsigned shift = 30; shift > 12; shift -= 9) {
                uint64_t *e = &table[(ipa >> shift) & 511];
                if ((*e & PTE_VALID) && !is_table(*e)) {
                        /* A block: only level 2 holds them (see arch_s2_map). */
                        if (shift != 21 || alloc == NULL || split_block(e, vmid, alloc, ctx) != 0) {
                                return NULL;
                        }
                } else if (!(*e & PTE_VALID)) {
                        uint64_t pa = new_table(alloc, ctx);
                        if (pa == 0) {
                                return NULL;
                        }
                        arch_s2_publish(); /* the zeroed table before the entry naming it */
                        *e = pa | PTE_VALID | PTE_TABLE;
                }
                table = table_of(*e);
        }
        return &table[(ipa >> 12) & 511];
}

/* The valid leaf (block or page) translating ipa, and its size; NULL if none. */
static const uint64_t *s2_walk(const uint64_t *root, uint64_t ipa, uint64_t *size)
{
        const uint64_t *table = root;

        for (unsigned shift = 30; shift >= 12; shift -= 9) {
                const uint64_t *e = &table[(ipa >> shift) & 511];
                if (!(*e & PTE_VALID)) {
                        return NULL;
                }
                if (shift == 12 || !is_table(*e)) {
                        *size = 1ULL << shift;
                        return e;
                }
                table = table_of(*e);
        }
        return NULL;
}

/* The level-2 entry for ipa, allocating the level-2 table if needed; NULL if none. */
static uint64_t *s2_l2_entry(uint64_t *root, uint64_t ipa, arch_page_alloc_fn alloc, void *ctx)
{
        uint64_t *e = &root[(ipa >> 30) & 511];

        if (!(*e & PTE_VALID)) {
                uint64_t pa = new_table(alloc, ctx);
                if (pa == 0) {
                        return NULL;
                }
                arch_s2_publish();
                *e = pa | PTE_VALID | PTE_TABLE;
        }
        return is_table(*e) ? &table_of(*e)[(ipa >> 21) & 511] : NULL;
}

int arch_s2_map(uint64_t *root, ipa_t at, pa_t to, uint64_t size, unsigned prot, uint16_t vmid,
                arch_page_alloc_fn alloc, void *ctx)
{
        uint64_t ipa = ipa_addr(at);
        uint64_t pa = pa_addr(to);
        uint64_t attrs = leaf_attrs(prot);

        if (((ipa | pa | size) & (S2_PAGE - 1)) != 0 || ipa + size > arch_s2_ipa_limit() ||
            ipa + size < ipa) {
                return -1;
        }
        for (uint64_t off = 0; off < size;) {
                uint64_t i = ipa + off, o = pa + off;
                if ((prot & ARCH_S2_BLOCKS) && ((i | o) & (S2_BLOCK - 1)) == 0 &&
                    size - off >= S2_BLOCK) {
                        /* A block only where nothing is mapped yet: replacing a live entry
                         * would need break-before-make, and pages there stay pages. */
                        uint64_t *e = s2_l2_entry(root, i, alloc, ctx);
                        if (e != NULL && *e == 0) {
                                *e = o | attrs | PTE_VALID; /* bits [1:0] = 0b01: a block */
                                off += S2_BLOCK;
                                continue;
                        }
                }
                uint64_t *e = s2_leaf(root, i, vmid, alloc, ctx);
                if (e == NULL) {
                        return -1;
                }
                *e = o | attrs | PTE_VALID | PTE_TABLE;
                off += S2_PAGE;
        }
        arch_s2_publish(); /* descriptors visible to the walker before any use */
        return 0;
}

int arch_s2_unmap(uint64_t *root, ipa_t at, uint64_t size, uint16_t vmid, arch_page_alloc_fn alloc,
                  void *ctx)
{
        uint64_t ipa = ipa_addr(at);
        int rc = 0;

        for (uint64_t off = 0; off < size;) {
                uint64_t i = ipa + off, leaf_size = S2_PAGE;
                uint64_t *e = (uint64_t *)s2_walk(root, i, &leaf_size);
                if (e == NULL) {
                        off += S2_PAGE;
                        continue;
                }
                if (leaf_size == S2_PAGE ||
                    ((i & (leaf_size - 1)) == 0 && size - off >= leaf_size)) {
                        *e = 0; /* a page, or a whole block the range covers */
                        off += leaf_size;
                        continue;
                }
                /* Part of a block: split it, then clear the page (the TLBI below). */
                uint64_t *page = s2_leaf(root, i, vmid, alloc, ctx);
                if (page == NULL) {
                        /* No page for the table: the whole block goes (the guest faults on
                         * the rest of it) rather than a page staying mapped that must not. */
                        *e = 0;
                        rc = -1;
                        off = (i | (leaf_size - 1)) + 1 - ipa;
                        continue;
                }
                *page = 0;
                off += S2_PAGE;
        }
        arch_s2_flush_vmid(vmid);
        return rc;
}

bool arch_s2_translate(const uint64_t *root, ipa_t at, bool write, pa_t *pa)
{
        uint64_t ipa = ipa_addr(at), size = 0;

        if (ipa >= arch_s2_ipa_limit()) {
                return false;
        }
        const uint64_t *e = s2_walk(root, ipa, &size);
        if (e == NULL || (write && !(*e & S2_AP_W)) || !(*e & S2_AP_R)) {
                return false;
        }
        *pa = pa_init((*e & PTE_ADDR_MASK & ~(size - 1)) | (ipa & (size - 1)));
        return true;
}

bool arch_s2_translate_ram(const uint64_t *root, ipa_t at, pa_t *pa)
{
        uint64_t ipa = ipa_addr(at), size = 0;

        if (ipa >= arch_s2_ipa_limit()) {
                return false;
        }
        const uint64_t *e = s2_walk(root, ipa, &size);
        /* Normal write-back memory only: RVM never reads a device on a guest's behalf. */
        if (e == NULL || !(*e & S2_AP_R) || (*e & S2_MEMATTR_MASK) != S2_MEMATTR_NORMAL_WB) {
                return false;
        }
        *pa = pa_init((*e & PTE_ADDR_MASK & ~(size - 1)) | (ipa & (size - 1)));
        return true;
}

/*
 * Access tracking (memory tiers: hot and warm). The access flag of each valid leaf mapping
 * [at, at + size) is read and cleared: the 4 KiB pages whose flag was set (a block counts as
 * its 512 pages) are counted, and each one's bit set in touched (bit i: the page at at + i
 * pages; NULL: counted only). With the flag clear, the next access to the page takes an
 * access flag fault (VTCR_EL2.HA is 0: no hardware update), which arch_s2_access answers. One
 * TLB flush of the VMID after, so no cached translation skips the fault.
 */
uint64_t arch_s2_age(uint64_t *root, ipa_t at, uint64_t size, uint16_t vmid, uint64_t *touched)
{
        uint64_t base = ipa_addr(at), n = 0;

        for (uint64_t off = 0; off < size;) {
                uint64_t len = S2_PAGE;
                uint64_t *e = (uint64_t *)s2_walk(root, base + off, &len);
                if (e == NULL) {
                        off += S2_PAGE;
                        continue;
                }
                uint64_t first = (base + off) & ~(len - 1); /* the leaf's own start */
                uint64_t end = first + len - base < size ? first + len - base : size;
                if ((*e & S2_AF) != 0) {
                        *e &= ~S2_AF;
                        for (uint64_t o = off; o < end; o += S2_PAGE) {
                                n++;
                                if (touched != NULL) {
                                        touched[(o / S2_PAGE) / 64] |= 1ULL << ((o / S2_PAGE) % 64);
                                }
                        }
                }
                off = end;
        }
        arch_s2_flush_vmid(vmid);
        return n;
}

bool arch_s2_access(uint64_t *root, ipa_t at)
{
        uint64_t ipa = ipa_addr(at), size = 0;

        if (ipa >= arch_s2_ipa_limit()) {
                return false;
        }
        uint64_t *e = (uint64_t *)s2_walk(root, ipa, &size);
        if (e == NULL) {
                return false;
        }
        *e |= S2_AF; /* 0 to 1 needs no flush: an entry without it is never cached */
        arch_s2_publish();
        return true;
}

/* Tables below table (a table at level shift), counted with table itself. */
static unsigned count_tables(const uint64_t *table, unsigned shift, unsigned *blocks)
{
        unsigned n = 1;

        for (unsigned i = 0; i < 512; i++) {
                if (shift > 12 && is_table(table[i])) {
                        n += count_tables(table_of(table[i]), shift - 9, blocks);
                } else if (shift > 12 && (table[i] & PTE_VALID)) {
                        (*blocks)++;
                }
        }
        return n;
}

unsigned arch_s2_table_pages(const uint64_t *root, unsigned *blocks)
{
        unsigned b = 0, n = root != NULL ? count_tables(root, 30, &b) : 0;

        if (blocks != NULL) {
                *blocks = b;
        }
        return n;
}

/* Give back the tables below table (a table at level shift), then table itself. */
static unsigned free_tables(uint64_t *table, unsigned shift, arch_page_free_fn free_page, void *ctx)
{
        unsigned n = 1;

        for (unsigned i = 0; i < 512 && shift > 12; i++) {
                if (is_table(table[i])) {
                        n += free_tables(table_of(table[i]), shift - 9, free_page, ctx);
                }
        }
        free_page(ctx, (uint64_t)(uintptr_t)table);
        return n;
}

unsigned arch_s2_free(uint64_t *root, uint16_t vmid, arch_page_free_fn free_page, void *ctx)
{
        if (root == NULL || free_page == NULL) {
                return 0;
        }
        /* No VTTBR names root any more (its vCPUs are gone); no TLB or walk cache of the
         * VMID may still name a table page either before one is reused. */
        arch_s2_publish();
        arch_s2_flush_vmid(vmid); /* DSB ISHST, TLBI VMALLS12E1IS, DSB ISH */
        return free_tables(root, 30, free_page, ctx);
}
