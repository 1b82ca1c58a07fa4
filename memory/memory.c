/*
 * memory/memory.c: the pool over the per-range page allocators.
 */
#include "memory/memory.h"

enum palloc_err mem_pool_add(struct mem_pool *pool, uint64_t base, uint64_t page_count,
                             uint64_t *bitmap)
{
        if (pool->range_count == MEM_MAX_RANGES) {
                return PALLOC_E_RANGE;
        }
        enum palloc_err err =
            palloc_init(&pool->range[pool->range_count], base, page_count, bitmap);
        if (err == PALLOC_OK) {
                pool->range_count++;
        }
        return err;
}

void mem_pool_reserve(struct mem_pool *pool, uint64_t addr, uint64_t size)
{
        for (unsigned i = 0; i < pool->range_count; i++) {
                palloc_reserve(&pool->range[i], addr, size);
        }
}

enum palloc_err mem_alloc_pages(struct mem_pool *pool, uint64_t count, uint64_t align_pages,
                                uint64_t *addr_out)
{
        enum palloc_err err = PALLOC_E_NOMEM;

        for (unsigned i = 0; i < pool->range_count; i++) {
                err = palloc_alloc(&pool->range[i], count, align_pages, addr_out);
                if (err == PALLOC_OK) {
                        return PALLOC_OK;
                }
        }
        return err;
}

enum palloc_err mem_free_pages(struct mem_pool *pool, uint64_t addr, uint64_t count)
{
        for (unsigned i = 0; i < pool->range_count; i++) {
                struct palloc *pa = &pool->range[i];
                if (addr >= pa->base && addr - pa->base < pa->page_count * PALLOC_PAGE_SIZE) {
                        return palloc_free(pa, addr, count);
                }
        }
        return PALLOC_E_RANGE;
}

uint64_t mem_pool_total_pages(const struct mem_pool *pool)
{
        uint64_t n = 0;

        for (unsigned i = 0; i < pool->range_count; i++) {
                n += pool->range[i].page_count;
        }
        return n;
}

uint64_t mem_pool_free_pages(const struct mem_pool *pool)
{
        uint64_t n = 0;

        for (unsigned i = 0; i < pool->range_count; i++) {
                n += pool->range[i].free_count;
        }
        return n;
}
