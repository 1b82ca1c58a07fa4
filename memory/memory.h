/*
 * memory/memory.h: RVM's physical memory as a pool of page allocators, one per RAM
 * range the board reports. Later issues add typed regions, ownership and tiers here.
 */
#ifndef RVM_MEMORY_MEMORY_H
#define RVM_MEMORY_MEMORY_H

#include <stdint.h>

#include "memory/addr.h"
#include "memory/palloc.h"

#define MEM_MAX_RANGES 8

struct mem_pool {
        struct palloc range[MEM_MAX_RANGES];
        unsigned range_count;
};

/* Add a RAM range managed with bitmap storage the caller reserved (palloc_bitmap_bytes). */
enum palloc_err mem_pool_add(struct mem_pool *pool, uint64_t base, uint64_t page_count,
                             uint64_t *bitmap);
/* Mark [addr, addr + size) in use in whichever ranges it touches. */
void mem_pool_reserve(struct mem_pool *pool, uint64_t addr, uint64_t size);
enum palloc_err mem_alloc_pages(struct mem_pool *pool, uint64_t count, uint64_t align_pages,
                                uint64_t *addr_out);
enum palloc_err mem_free_pages(struct mem_pool *pool, uint64_t addr, uint64_t count);
uint64_t mem_pool_total_pages(const struct mem_pool *pool);
uint64_t mem_pool_free_pages(const struct mem_pool *pool);

/*
 * The one place a physical address becomes a pointer: RVM maps all RAM at EL2 with VA = PA
 * (arch/aarch64/mmu.c), so the conversion is the identity; a host test's fake memory is
 * allocated the same way.
 */
static inline void *mem_ptr(pa_t pa)
{
        return (void *)(uintptr_t)pa_addr(pa);
}

#endif
