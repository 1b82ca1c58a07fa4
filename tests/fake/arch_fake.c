/*
 * tests/fake/arch_fake.c: the host's arch layer for the partition mechanisms and the
 * hypercall handlers (see arch_fake.h). Stage-2 is an open-addressing map of 4 KiB pages;
 * everything else the mechanisms ask of arch/ is either state of this file or nothing.
 */
#include "tests/fake/arch_fake.h"

#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "kernel/percpu.h"

#define PAGE      4096ULL
#define MAP_SLOTS (1u << 16)

struct s2_page {
        const uint64_t *root; /* NULL: free slot */
        uint64_t ipa, pa;
        unsigned prot;
        bool dead; /* a removed entry (keeps probe chains intact) */
};

static struct s2_page map[MAP_SLOTS];
static unsigned touched[MAP_SLOTS]; /* slots ever used since the last reset */
static unsigned touched_count;
static void *allocs[4096]; /* freed by fake_arch_reset */
static unsigned alloc_count;

static unsigned slot_of(const uint64_t *root, uint64_t ipa)
{
        uint64_t h = ((uint64_t)(uintptr_t)root ^ (ipa / PAGE) * 0x9E3779B97F4A7C15ULL);
        return (unsigned)(h >> 48) & (MAP_SLOTS - 1);
}

static struct s2_page *find(const uint64_t *root, uint64_t ipa)
{
        for (unsigned i = slot_of(root, ipa), n = 0; n < MAP_SLOTS; i = (i + 1) % MAP_SLOTS, n++) {
                if (map[i].root == NULL && !map[i].dead) {
                        return NULL;
                }
                if (!map[i].dead && map[i].root == root && map[i].ipa == ipa) {
                        return &map[i];
                }
        }
        return NULL;
}

static struct s2_page *insert(const uint64_t *root, uint64_t ipa)
{
        struct s2_page *p = find(root, ipa);
        if (p != NULL) {
                return p;
        }
        for (unsigned i = slot_of(root, ipa), n = 0; n < MAP_SLOTS; i = (i + 1) % MAP_SLOTS, n++) {
                if (map[i].root == NULL || map[i].dead) {
                        if (!map[i].dead) {
                                touched[touched_count++] = i;
                        }
                        map[i] = (struct s2_page){.root = root, .ipa = ipa};
                        return &map[i];
                }
        }
        return NULL;
}

void fake_arch_reset(void)
{
        for (unsigned i = 0; i < touched_count; i++) {
                map[touched[i]] = (struct s2_page){0};
        }
        touched_count = 0;
        for (unsigned i = 0; i < alloc_count; i++) {
                free(allocs[i]);
        }
        alloc_count = 0;
}

uint64_t fake_alloc_pages(uint64_t pages)
{
        if (pages == 0 || pages > (1ULL << 14) ||
            alloc_count == sizeof(allocs) / sizeof(allocs[0])) {
                return 0;
        }
        void *p = aligned_alloc(PAGE, pages * PAGE);
        if (p == NULL) {
                return 0;
        }
        allocs[alloc_count++] = p;
        memset(p, 0, pages * PAGE);
        return (uint64_t)(uintptr_t)p;
}

uint64_t fake_page(void *ctx)
{
        (void)ctx;
        return fake_alloc_pages(1);
}

pa_t fake_pages(void *ctx, uint64_t pages)
{
        (void)ctx;
        return pa_init(fake_alloc_pages(pages));
}

uint64_t fake_s2_mapped(const uint64_t *root)
{
        uint64_t n = 0;
        for (unsigned i = 0; i < MAP_SLOTS; i++) {
                n += map[i].root != NULL && !map[i].dead && (root == NULL || map[i].root == root);
        }
        return n;
}

int fake_s2_prot(const uint64_t *root, uint64_t ipa)
{
        const struct s2_page *p = find(root, ipa & ~(PAGE - 1));
        return p == NULL ? -1 : (int)p->prot;
}

/* ---- stage-2 ---- */

unsigned arch_s2_ipa_bits(unsigned want)
{
        return want == 0 || want > ARCH_S2_IPA_MAX_BITS ? ARCH_S2_IPA_MAX_BITS
               : want < ARCH_S2_IPA_MIN_BITS            ? ARCH_S2_IPA_MIN_BITS
                                                        : want;
}

uint64_t arch_vtcr(unsigned ipa_bits)
{
        return 64 - ipa_bits;
}

uint64_t arch_s2_ipa_limit(void)
{
        return 1ULL << ARCH_S2_IPA_MAX_BITS;
}

/* As the real tables: page-aligned, inside the walk's reach, a table page from alloc. */
int arch_s2_map(uint64_t *root, ipa_t at, pa_t to, uint64_t size, unsigned prot, uint16_t vmid,
                arch_page_alloc_fn alloc, void *ctx)
{
        uint64_t ipa = ipa_addr(at);
        uint64_t pa = pa_addr(to);

        if (root == NULL || ((ipa | pa | size) & (PAGE - 1)) != 0 || size == 0 ||
            ipa + size < ipa || ipa + size > arch_s2_ipa_limit() || alloc == NULL) {
                return -1;
        }
        for (uint64_t off = 0; off < size; off += PAGE) {
                struct s2_page *p = insert(root, ipa + off);
                if (p == NULL) {
                        return -1;
                }
                p->pa = pa + off;
                p->prot = prot & ~ARCH_S2_BLOCKS; /* a page map: blocks are the real tables' */
        }
        (void)vmid;
        (void)ctx;
        return 0;
}

int arch_s2_unmap(uint64_t *root, ipa_t at, uint64_t size, uint16_t vmid, arch_page_alloc_fn alloc,
                  void *ctx)
{
        uint64_t ipa = ipa_addr(at);

        (void)vmid;
        (void)alloc;
        (void)ctx;
        for (uint64_t off = 0; off < size; off += PAGE) {
                struct s2_page *p = find(root, (ipa + off) & ~(PAGE - 1));
                if (p != NULL) {
                        p->dead = true;
                        p->root = NULL;
                }
        }
        return 0;
}

bool arch_s2_translate(const uint64_t *root, ipa_t at, bool write, pa_t *pa)
{
        uint64_t ipa = ipa_addr(at);
        const struct s2_page *p = find(root, ipa & ~(PAGE - 1));

        if (p == NULL || (write && (p->prot & ARCH_S2_WRITE) == 0)) {
                return false;
        }
        *pa = pa_init(p->pa + (ipa & (PAGE - 1)));
        return true;
}

bool arch_s2_translate_ram(const uint64_t *root, ipa_t at, pa_t *pa)
{
        uint64_t ipa = ipa_addr(at);
        const struct s2_page *p = find(root, ipa & ~(PAGE - 1));

        if (p == NULL || (p->prot & ARCH_S2_DEVICE) != 0) {
                return false;
        }
        *pa = pa_init(p->pa + (ipa & (PAGE - 1)));
        return true;
}

void arch_s2_flush_vmid(uint16_t vmid)
{
        (void)vmid;
}

/* A destroyed space: its pages unmapped, its root (the one table page here) given back. */
unsigned arch_s2_free(uint64_t *root, uint16_t vmid, arch_page_free_fn free_page, void *ctx)
{
        if (root == NULL || free_page == NULL) {
                return 0;
        }
        (void)vmid;
        for (unsigned i = 0; i < MAP_SLOTS; i++) {
                if (map[i].root == root && !map[i].dead) {
                        map[i].dead = true;
                        map[i].root = NULL;
                }
        }
        free_page(ctx, (uint64_t)(uintptr_t)root);
        return 1;
}

void arch_s2_flush_all(void) {}
void arch_s2_publish(void) {}

unsigned arch_s2_table_pages(const uint64_t *root, unsigned *blocks)
{
        (void)root;
        if (blocks != NULL) {
                *blocks = 0;
        }
        return 1;
}
void arch_icache_sync_range(const void *va, uint64_t size)
{
        (void)va;
        (void)size;
}
void arch_icache_sync_finish(void) {}

unsigned arch_vmid_bits(void)
{
        return 8;
}

/* ---- vCPU context ---- */

void arch_el1_reset(struct arch_el1_ctx *c, uint64_t sp, unsigned vcpu_index)
{
        memset(c, 0, sizeof(*c));
        (void)sp;
        (void)vcpu_index;
}

uint8_t arch_cpu_stacks[RVM_MAX_CPUS][RVM_STACK_SIZE];

static struct percpu fake_cpu;

void *arch_percpu(void)
{
        return &fake_cpu;
}
