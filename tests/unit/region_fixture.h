/*
 * tests/unit/region_fixture.h: the region tests' fake stage-2 and partitions
 * (tests/unit/region_fixture.c): every map and unmap memory/region.c asks for is applied to a
 * per-partition page list, so a test can say exactly who sees which page.
 */
#ifndef RVM_TESTS_REGION_FIXTURE_H
#define RVM_TESTS_REGION_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "memory/region.h"

#define PG      REGION_PAGE
#define IPA     0x40000000ULL /* every partition's RAM starts here */
#define RAM_PGS 64
#define PA(p)   (0x80000000ULL + (uint64_t)(p)*0x1000000ULL) /* partition p's RAM */
#define BORROW  0x60000000ULL
#define PARTS   4

/* (partition, ipa) -> pa, and what the callbacks saw. */
struct mapping {
        uint32_t part;
        uint64_t ipa, pa;
        bool write, live;
};
extern struct mapping maps[4096];
extern unsigned ended, owner_changes, zeroed_pages, map_failures_left, tags_issued;
extern bool fail_map; /* the next maps fail */

struct mapping *find_map(uint32_t part, uint64_t ipa);
/* The PA that part sees at ipa, 0 if unmapped. */
uint64_t seen(uint32_t part, uint64_t ipa);
int fake_map(void *ctx, uint32_t part, ipa_t at, pa_t to, uint64_t pages, bool write);
extern const struct region_ops ops;
extern struct region_space rs;

/* Partitions 1..3 with 64 pages of RAM each, mapped at IPA; an edge page; RVM's image. */
int setup(void **state);
unsigned live_regions(void);

#endif
