/*
 * memory/palloc.c: bitmap page allocator. First fit from a moving hint, with whole-word
 * skips over fully used stretches. All inputs are range-checked: a bad address or count
 * is an error code, never a write outside the bitmap.
 */
#include "memory/palloc.h"

#include <stdbool.h>
#include <string.h>

size_t palloc_bitmap_bytes(uint64_t page_count)
{
        return (size_t)((page_count + 63) / 64) * 8;
}

static bool bit_get(const struct palloc *pa, uint64_t page)
{
        return (pa->bitmap[page / 64] >> (page % 64)) & 1;
}

static void bit_set(struct palloc *pa, uint64_t page, bool used)
{
        uint64_t mask = 1ULL << (page % 64);

        if (used) {
                pa->bitmap[page / 64] |= mask;
        } else {
                pa->bitmap[page / 64] &= ~mask;
        }
}

enum palloc_err palloc_init(struct palloc *pa, uint64_t base, uint64_t page_count, uint64_t *bitmap)
{
        if (base % PALLOC_PAGE_SIZE != 0) {
                return PALLOC_E_ALIGN;
        }
        pa->base = base;
        pa->page_count = page_count;
        pa->free_count = page_count;
        pa->bitmap = bitmap;
        pa->hint = 0;
        memset(bitmap, 0, palloc_bitmap_bytes(page_count));
        return PALLOC_OK;
}

void palloc_reserve(struct palloc *pa, uint64_t addr, uint64_t size)
{
        uint64_t end = addr + size;
        uint64_t limit = pa->base + pa->page_count * PALLOC_PAGE_SIZE;

        if (size == 0 || end < addr || end <= pa->base || addr >= limit) {
                return;
        }
        if (addr < pa->base) {
                addr = pa->base;
        }
        if (end > limit) {
                end = limit;
        }
        uint64_t first = (addr - pa->base) >> PALLOC_PAGE_SHIFT;
        uint64_t last = (end - pa->base + PALLOC_PAGE_SIZE - 1) >> PALLOC_PAGE_SHIFT;
        for (uint64_t p = first; p < last; p++) {
                if (!bit_get(pa, p)) {
                        bit_set(pa, p, true);
                        pa->free_count--;
                }
        }
}

/* Length of the free run starting at page, capped at want. */
static uint64_t free_run(const struct palloc *pa, uint64_t page, uint64_t want)
{
        uint64_t n = 0;

        while (n < want && page + n < pa->page_count && !bit_get(pa, page + n)) {
                n++;
        }
        return n;
}

static enum palloc_err search(struct palloc *pa, uint64_t from, uint64_t to, uint64_t count,
                              uint64_t align, uint64_t *found)
{
        uint64_t page = (from + align - 1) & ~(align - 1);

        while (page + count <= to) {
                if (align == 1 && page % 64 == 0 && pa->bitmap[page / 64] == ~0ULL) {
                        page += 64; /* whole word in use */
                        continue;
                }
                uint64_t run = free_run(pa, page, count);
                if (run == count) {
                        *found = page;
                        return PALLOC_OK;
                }
                page = (page + run + 1 + align - 1) & ~(align - 1);
        }
        return PALLOC_E_NOMEM;
}

enum palloc_err palloc_alloc(struct palloc *pa, uint64_t count, uint64_t align_pages,
                             uint64_t *addr_out)
{
        uint64_t page;

        if (align_pages == 0 || (align_pages & (align_pages - 1)) != 0) {
                return PALLOC_E_ALIGN;
        }
        if (count == 0 || count > pa->free_count) {
                return count == 0 ? PALLOC_E_RANGE : PALLOC_E_NOMEM;
        }
        /* Base alignment matters too: align the physical address, not just the index. */
        if ((pa->base >> PALLOC_PAGE_SHIFT) % align_pages != 0) {
                return PALLOC_E_ALIGN;
        }
        if (search(pa, pa->hint, pa->page_count, count, align_pages, &page) != PALLOC_OK &&
            search(pa, 0, pa->page_count, count, align_pages, &page) != PALLOC_OK) {
                return PALLOC_E_NOMEM;
        }
        for (uint64_t p = page; p < page + count; p++) {
                bit_set(pa, p, true);
        }
        pa->free_count -= count;
        pa->hint = page + count;
        *addr_out = pa->base + page * PALLOC_PAGE_SIZE;
        return PALLOC_OK;
}

enum palloc_err palloc_free(struct palloc *pa, uint64_t addr, uint64_t count)
{
        if (addr % PALLOC_PAGE_SIZE != 0) {
                return PALLOC_E_ALIGN;
        }
        if (addr < pa->base || count == 0) {
                return PALLOC_E_RANGE;
        }
        uint64_t page = (addr - pa->base) >> PALLOC_PAGE_SHIFT;
        if (page >= pa->page_count || count > pa->page_count - page) {
                return PALLOC_E_RANGE;
        }
        for (uint64_t p = page; p < page + count; p++) {
                if (!bit_get(pa, p)) {
                        return PALLOC_E_NOT_ALLOCATED;
                }
        }
        for (uint64_t p = page; p < page + count; p++) {
                bit_set(pa, p, false);
        }
        pa->free_count += count;
        if (page < pa->hint) {
                pa->hint = page;
        }
        return PALLOC_OK;
}

int palloc_page_used(const struct palloc *pa, uint64_t addr)
{
        if (addr < pa->base) {
                return 0;
        }
        uint64_t page = (addr - pa->base) >> PALLOC_PAGE_SHIFT;
        return page < pa->page_count && bit_get(pa, page);
}

const char *palloc_err_str(enum palloc_err err)
{
        switch (err) {
        case PALLOC_OK:
                return "ok";
        case PALLOC_E_NOMEM:
                return "out of memory";
        case PALLOC_E_RANGE:
                return "address or count out of range";
        case PALLOC_E_ALIGN:
                return "bad alignment";
        case PALLOC_E_NOT_ALLOCATED:
                return "pages are not allocated";
        }
        return "unknown error";
}
