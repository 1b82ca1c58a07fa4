/*
 * tools/witness/wall.h — wall-clock times for the tool: each boot's WK_BOOT_CLOCK (the PL031
 * read at boot, hal/rtc.h) anchors its counter to UTC, so a record of an anchored boot has a
 * UTC time; `who` takes its window in UTC and `show` prints it (docs/WITNESS.md 8.2).
 */
#ifndef RVM_TOOLS_WITNESS_WALL_H
#define RVM_TOOLS_WITNESS_WALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/witness/witness_tool.h"

#define WT_NS 1000000000ull

/* The boots' anchors (the first intact WK_BOOT_CLOCK of each), in the order they were met. */
struct wt_anchor {
        uint32_t boot;
        uint64_t utc_s, at_ns; /* the RTC's seconds since 1970; the counter's ns at the read */
};
struct wt_anchors {
        struct wt_anchor *v;
        size_t n, cap;
        bool oom;
};
void wt_anchors_find(const struct wt_input *in, struct wt_anchors *a);
void wt_anchors_free(struct wt_anchors *a);
const struct wt_anchor *wt_anchor_of(const struct wt_anchors *a, uint32_t boot);

/* A record's UTC time in ns since 1970; false if its boot has no anchor. */
bool wt_wall_ns(const struct wt_anchors *a, const struct witness_record *r, uint64_t *ns);

/* What a time argument is: since the boot's reset (seconds, a unit), a UTC date and time
 * "YYYY-MM-DDTHH:MM[:SS[.frac]][Z]", years 1970 to 2500 (ns since 1970), or a time of day
 * "HH:MM[:SS[.frac]]" (ns since midnight UTC of the day of each boot's anchor). */
enum wt_wall_kind { WT_TIME_BOOT = 0, WT_TIME_UTC, WT_TIME_OF_DAY };
/* Parses a wall-clock time; -1 if s is not one (or not a valid date or time). */
int wt_wall_parse(const char *s, uint64_t *ns);
/* "YYYY-MM-DDTHH:MM:SS.mmm" (UTC) into buf (at least 32 bytes). */
void wt_wall_format(uint64_t ns, char *buf, size_t n);

#endif
