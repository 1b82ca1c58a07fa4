/*
 * memory/palloc.h: the physical page allocator. One allocator per RAM range; a bitmap
 * (one bit per 4 KiB page, set = in use) lives in memory the caller provides, so the
 * module allocates nothing itself and runs unchanged on the host.
 */
#ifndef RVM_MEMORY_PALLOC_H
#define RVM_MEMORY_PALLOC_H

#include <stddef.h>
#include <stdint.h>

#define PALLOC_PAGE_SIZE  4096ULL
#define PALLOC_PAGE_SHIFT 12

enum palloc_err {
        PALLOC_OK = 0,
        PALLOC_E_NOMEM,         /* no run of free pages that long and aligned */
        PALLOC_E_RANGE,         /* address or count outside the allocator's range */
        PALLOC_E_ALIGN,         /* address not page aligned, or alignment not a power of two */
        PALLOC_E_NOT_ALLOCATED, /* freeing pages that are already free */
};

struct palloc {
        uint64_t base; /* physical address of page 0 */
        uint64_t page_count;
        uint64_t free_count;
        uint64_t *bitmap; /* page_count bits, caller storage */
        uint64_t hint;    /* first page to search from */
};

/* Bytes of bitmap storage for page_count pages (a multiple of 8). */
size_t palloc_bitmap_bytes(uint64_t page_count);

/* All pages start free. base must be page aligned. */
enum palloc_err palloc_init(struct palloc *pa, uint64_t base, uint64_t page_count,
                            uint64_t *bitmap);

/* Mark [addr, addr + size) in use (rounded out to pages); parts outside are ignored. */
void palloc_reserve(struct palloc *pa, uint64_t addr, uint64_t size);

/* count contiguous pages, first page aligned to align_pages (a power of two). */
enum palloc_err palloc_alloc(struct palloc *pa, uint64_t count, uint64_t align_pages,
                             uint64_t *addr_out);

/* Free count pages at addr; every page must be in use (double frees are refused whole). */
enum palloc_err palloc_free(struct palloc *pa, uint64_t addr, uint64_t count);

/* Is the page holding addr in use? (false outside the range) */
int palloc_page_used(const struct palloc *pa, uint64_t addr);

const char *palloc_err_str(enum palloc_err err);

#endif
