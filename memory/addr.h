/*
 * memory/addr.h: typed addresses (after Hafnium's inc/hf/addr.h). A physical address (pa_t)
 * and an intermediate physical address (ipa_t, what a partition calls physical) are
 * different things that are both 64-bit numbers; as single-member structs they cannot be
 * passed for each other without a word said. Conversions are explicit and free.
 *
 * Only memory/memory.h's mem_ptr turns a physical address into a pointer.
 */
#ifndef RVM_MEMORY_ADDR_H
#define RVM_MEMORY_ADDR_H

#include <stdint.h>

typedef struct {
        uint64_t pa;
} pa_t;

typedef struct {
        uint64_t ipa;
} ipa_t;

static inline pa_t pa_init(uint64_t v)
{
        return (pa_t){v};
}

static inline uint64_t pa_addr(pa_t a)
{
        return a.pa;
}

static inline pa_t pa_add(pa_t a, uint64_t n)
{
        return (pa_t){a.pa + n};
}

static inline ipa_t ipa_init(uint64_t v)
{
        return (ipa_t){v};
}

static inline uint64_t ipa_addr(ipa_t a)
{
        return a.ipa;
}

static inline ipa_t ipa_add(ipa_t a, uint64_t n)
{
        return (ipa_t){a.ipa + n};
}

#endif
