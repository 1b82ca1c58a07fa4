/*
 * tools/witness/who.h — `witness who`'s question and the state it follows through a log
 * (who.c: the command; who_follow.c: which records act on the region).
 */
#ifndef RVM_TOOLS_WITNESS_WHO_H
#define RVM_TOOLS_WITNESS_WHO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/witness/wall.h"
#include "witness/witness.h"

#define WHO_PAGE    4096u
#define WHO_RANGES  256u /* physical ranges and IPA windows followed per boot */
#define WHO_OFFERS  256u /* WK_COMM_LEND offers tied to the region per boot */
#define WHO_PART_HI 8u   /* partitions are 1..8; principals from 9 are agents (8 + id) */

struct who_range {
        uint32_t part; /* IPA windows: the partition (0 = any, for --ipa without --part) */
        uint64_t lo, hi;
        bool seed;
};

struct who_hit {
        size_t item; /* index into the input's items */
        uint64_t seq;
        uint32_t actor;
        bool whole; /* a whole-partition action (checkpoint, reconstruction) */
};

/* Region sizes seen this boot (WK_MEM_REGION): physical address, size. */
struct who_sizes {
        uint64_t v[2 * WHO_RANGES];
        size_t n;
};

struct who {
        /* the question */
        bool by_region;
        uint64_t region, part;
        uint64_t ipa_lo, ipa_hi;
        bool have_part, have_boot;
        uint64_t boot, from, to;
        int wall; /* the window's form: enum wt_wall_kind (WT_TIME_BOOT: since each reset) */
        struct wt_anchors anchors; /* each boot's WK_BOOT_CLOCK, for a wall-clock window */
        /* the boot being followed */
        uint32_t cur_boot;
        bool in_boot, region_seen, overflow;
        struct who_range pa[WHO_RANGES], ipa[WHO_RANGES];
        size_t npa, nipa;
        struct {
                uint32_t boot;
                uint64_t id;
        } offers[WHO_OFFERS]; /* over every boot */
        size_t noffers;
        /* recent MAP/UNMAP records of one actor that matched (a LEND step ties its offer) */
        uint32_t run_actor;
        bool run_matched, run_valid;
        struct who_sizes sz;
        /* results */
        struct who_hit *hits;
        size_t nhits, caphits;
        bool oom;
};

/* Follows one record (in seq order; a new boot starts from nothing): true when it acted on
 * the region, *whole when it acted on a whole partition that maps it. */
bool who_step(struct who *w, const struct witness_record *r, bool *whole);
/* A WK_COMM_LEND offer of that boot was tied to the region (by a step that mapped it). */
bool who_offer_known(const struct who *w, uint32_t boot, uint64_t id);

#endif
