/*
 * memory/tier.h: the dormant tier. A range of a partition's RAM goes dormant: the caller's
 * ops unmap it from the partition's stage-2 space, each page is compressed with lz4 (built
 * from Debian's lz4 source package, build/third_party/lz4) into a store of RVM pages, and
 * the RAM pages go back to the allocator. A touch of a dormant page faults it back in: a page
 * (its own frame if still free, else another one), decompressed, mapped again. When every
 * page is back the store is freed and the range is hot again.
 *
 * Plain C over plain data, as memory/region.c: every side effect goes through struct
 * tier_ops, so host tests run it over fake memory. Callers hold their lock.
 */
#ifndef RVM_MEMORY_TIER_H
#define RVM_MEMORY_TIER_H

#include <stdbool.h>
#include <stdint.h>

#include "memory/addr.h"

#define TIER_PAGE       4096ULL
#define TIER_MAX_RANGES 8
#define TIER_MAX_PAGES  256 /* pages in one dormant range (1 MiB) */

/* Numbers as WK_MEM_TIER's payload gives them (docs/WITNESS.md). */
enum tier {
        TIER_HOT = 0,
        TIER_WARM = 1,
        TIER_DORMANT = 2,
        TIER_COLD = 3,
};

enum tier_err {
        TIER_OK = 0,
        TIER_E_INVAL,     /* unaligned, empty or too large a range */
        TIER_E_FULL,      /* no free range slot */
        TIER_E_OVERLAP,   /* overlaps a range that is dormant already */
        TIER_E_NOMEM,     /* no pages for the store, or none to fault a page back into */
        TIER_E_NOT_FOUND, /* no dormant page there */
        TIER_E_DAMAGED,   /* a stored page does not decompress to a whole page */
        TIER_E_MAP,       /* the caller could not map or unmap */
};

struct tier_ops {
        void *ctx;
        /* count contiguous pages: physical address, 0 if none */
        pa_t (*alloc)(void *ctx, uint64_t pages);
        void (*free)(void *ctx, pa_t pa, uint64_t pages);
        /* Take the one page at pa back from the allocator: false if it is in use. */
        bool (*reclaim)(void *ctx, pa_t pa);
        /* Unmap pages at ipa from part (TLBs invalidated on every CPU); map one page. 0: ok */
        int (*unmap)(void *ctx, uint32_t part, ipa_t ipa, uint64_t pages);
        int (*map)(void *ctx, uint32_t part, ipa_t ipa, pa_t pa);
        /* Physical address -> pointer (RVM maps all RAM). */
        void *(*ptr)(void *ctx, pa_t pa);
};

struct tier_range {
        bool used;
        uint32_t part;
        ipa_t ipa;      /* first page, in part's IPA space */
        pa_t pa;        /* its frames when it went dormant (page i at pa + i pages) */
        uint32_t pages; /* 1..TIER_MAX_PAGES */
        uint32_t dormant;
        pa_t store_pa;             /* the compressed pages, one contiguous run (0: none) */
        uint64_t store_pages;      /* its length */
        uint64_t compressed_bytes; /* of all pages stored */
        uint64_t dormant_mask[TIER_MAX_PAGES / 64];
        uint32_t offset[TIER_MAX_PAGES]; /* page i's bytes in the store */
        uint16_t length[TIER_MAX_PAGES]; /* TIER_PAGE: stored as it was (incompressible) */
        pa_t frame[TIER_MAX_PAGES];      /* where page i lives again once faulted in */
};

struct tier_space {
        struct tier_range range[TIER_MAX_RANGES];
        uint64_t pages_returned; /* RAM pages given back to the allocator, now */
        uint64_t store_pages;    /* pages the stores hold, now */
        uint64_t fault_ins, relocated;
};

void tier_space_init(struct tier_space *s);

/*
 * Make pages pages of part's RAM at ipa (whose frames start at pa, contiguous) dormant:
 * unmap, compress, free. *index names the range. On an error nothing changed.
 */
enum tier_err tier_make_dormant(struct tier_space *s, const struct tier_ops *ops, uint32_t part,
                                ipa_t ipa, pa_t pa, uint32_t pages, unsigned *index);

/* part touched ipa: if a dormant page is there, bring it back (*frame: where). */
enum tier_err tier_fault_in(struct tier_space *s, const struct tier_ops *ops, uint32_t part,
                            ipa_t ipa, pa_t *frame);

/* Bring every dormant page of part back (before its RAM is copied or reloaded). */
enum tier_err tier_wake(struct tier_space *s, const struct tier_ops *ops, uint32_t part);

/* Is ipa in part's RAM dormant? Does part have a page living outside its own frames? */
bool tier_is_dormant(const struct tier_space *s, uint32_t part, ipa_t ipa);
bool tier_relocated(const struct tier_space *s, uint32_t part);

const char *tier_name(enum tier t);
const char *tier_err_name(enum tier_err e);

#endif
