/*
 * tools/witness/wall.c — wall-clock times from each boot's WK_BOOT_CLOCK anchor (wall.h).
 * The calendar is the proleptic Gregorian one, computed here (no time zone: UTC only).
 * Every input is untrusted: dates are range-checked and arithmetic cannot overflow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/witness/wall.h"

/* Days since 1970-01-01 of a civil date (y >= 1970 checked by the caller). */
static uint64_t days_from_civil(uint64_t y, unsigned m, unsigned d)
{
        y -= m <= 2;
        uint64_t era = y / 400, yoe = y % 400;
        uint64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

        return era * 146097 + doe - 719468;
}

static void civil_from_days(uint64_t days, uint64_t *y, unsigned *m, unsigned *d)
{
        uint64_t z = days + 719468, era = z / 146097, doe = z % 146097;
        uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        uint64_t mp = (5 * doy + 2) / 153;

        *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
        *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
        *y = yoe + era * 400 + (*m <= 2);
}

static bool leap(uint64_t y)
{
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Exactly n digits at *s (advanced past them). */
static bool digits(const char **s, int n, unsigned *v)
{
        *v = 0;
        for (int i = 0; i < n; i++, (*s)++) {
                if (**s < '0' || **s > '9')
                        return false;
                *v = *v * 10 + (unsigned)(**s - '0');
        }
        return true;
}

/* "HH:MM[:SS[.frac]]" to ns since midnight; *s advanced. */
static bool time_of_day(const char **s, uint64_t *ns)
{
        unsigned h, mi, sec = 0;
        uint64_t frac = 0, scale = WT_NS;

        if (!digits(s, 2, &h) || *(*s)++ != ':' || !digits(s, 2, &mi) || h > 23 || mi > 59)
                return false;
        if (**s == ':') {
                (*s)++;
                if (!digits(s, 2, &sec) || sec > 59)
                        return false;
                if (**s == '.') {
                        (*s)++;
                        if (**s < '0' || **s > '9')
                                return false;
                        for (; **s >= '0' && **s <= '9'; (*s)++) {
                                if (scale == 1)
                                        return false; /* finer than a nanosecond */
                                scale /= 10;
                                frac += (uint64_t)(**s - '0') * scale;
                        }
                }
        }
        *ns = ((uint64_t)h * 3600 + mi * 60 + sec) * WT_NS + frac;
        return true;
}

int wt_wall_parse(const char *s, uint64_t *ns)
{
        static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        unsigned y, m, d;
        uint64_t tod;

        if (s == NULL)
                return -1;
        if (strlen(s) > 2 && s[2] == ':') {
                return time_of_day(&s, &tod) && *s == '\0' ? (*ns = tod, WT_TIME_OF_DAY) : -1;
        }
        if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &m) || *s++ != '-' ||
            !digits(&s, 2, &d) || (*s != 'T' && *s != ' ') || y < 1970 || m < 1 || m > 12 ||
            y > 2500 || d < 1 || d > mdays[m - 1] + (m == 2 && leap(y)))
                return -1;
        s++;
        if (!time_of_day(&s, &tod) || (*s == 'Z' && *++s != '\0') || *s != '\0')
                return -1;
        *ns = days_from_civil(y, m, d) * 86400 * WT_NS + tod; /* y <= 2500: below 2^64 */
        return WT_TIME_UTC;
}

void wt_wall_format(uint64_t ns, char *buf, size_t n)
{
        uint64_t secs = ns / WT_NS, y;
        unsigned m, d, rem = (unsigned)(secs % 86400);

        civil_from_days(secs / 86400, &y, &m, &d);
        snprintf(buf, n, "%04llu-%02u-%02uT%02u:%02u:%02u.%03u", (unsigned long long)y, m, d,
                 rem / 3600, rem / 60 % 60, rem % 60, (unsigned)(ns % WT_NS / 1000000));
}

void wt_anchors_find(const struct wt_input *in, struct wt_anchors *a)
{
        struct witness_record r;

        memset(a, 0, sizeof(*a));
        for (size_t i = 0; i < in->n; i++) {
                if (in->items[i].is_head)
                        continue;
                witness_record_decode(in->items[i].raw, &r);
                /* an RTC before 1970 + 0 or past 2^32 s is not one; a boot's first anchor wins */
                if (r.kind != WK_BOOT_CLOCK || (r.flags & WITNESS_F_DENIED) ||
                    r.target > UINT32_MAX || wt_anchor_of(a, r.boot) != NULL)
                        continue;
                if (a->n == a->cap) {
                        size_t c = a->cap ? 2 * a->cap : 16;
                        struct wt_anchor *v = realloc(a->v, c * sizeof(*v));
                        if (v == NULL) {
                                a->oom = true;
                                return;
                        }
                        a->v = v;
                        a->cap = c;
                }
                a->v[a->n++] = (struct wt_anchor){r.boot, r.target, r.cap};
        }
}

void wt_anchors_free(struct wt_anchors *a)
{
        free(a->v);
        memset(a, 0, sizeof(*a));
}

const struct wt_anchor *wt_anchor_of(const struct wt_anchors *a, uint32_t boot)
{
        for (size_t i = 0; i < a->n; i++)
                if (a->v[i].boot == boot)
                        return &a->v[i];
        return NULL;
}

bool wt_wall_ns(const struct wt_anchors *a, const struct witness_record *r, uint64_t *ns)
{
        const struct wt_anchor *x = wt_anchor_of(a, r->boot);

        if (x == NULL)
                return false;
        uint64_t base = x->utc_s * WT_NS; /* utc_s < 2^32: no overflow */
        if (r->time_ns >= x->at_ns) {
                uint64_t d = r->time_ns - x->at_ns;
                if (d > UINT64_MAX - base)
                        return false;
                *ns = base + d;
        } else {
                if (x->at_ns - r->time_ns > base)
                        return false;
                *ns = base - (x->at_ns - r->time_ns);
        }
        return true;
}
