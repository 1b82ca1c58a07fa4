/*
 * tools/witness/who.c — `witness who`: for a memory region (or a range of a partition's IPA
 * space) and a time window, which partitions, agents and RVM itself acted on it, from the
 * witnessed actions (docs/WITNESS.md 8.2). Mappings are RAM state, so each boot is followed
 * from nothing: the region's physical range seeds it, and every mapping of those pages that
 * a WK_MEM_MAP records adds the IPA window it was mapped at (and the reverse for --ipa), so
 * records that name only an IPA (tier moves, rollbacks, injected faults) or only a partition
 * (checkpoints) are attributed too. Nothing in the input is trusted: every table is bounded.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tools/witness/who.h"
#include "tools/witness/witness_tool.h"

static bool parse_num(const char *s, uint64_t *v)
{
        char *end;

        if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
                return false;
        errno = 0;
        *v = strtoull(s, &end, 0);
        return errno == 0 && *end == '\0';
}

/*
 * A time: since the boot's reset, "12", "12.5" (seconds), or with a unit "s", "ms", "us",
 * "ns" ("300ms", "1500000ns"); or a wall-clock time (wall.h), "2024-01-01T14:00:05" (UTC)
 * or "14:00[:05]" (that time of day, UTC, on the day of each boot's anchor). *kind says
 * which.
 */
static int parse_time(const char *s, uint64_t *ns, int *kind)
{
        static const struct {
                const char *suffix;
                uint64_t mul;
        } units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}, {"", 1000000000}};
        uint64_t ip = 0, frac = 0, fscale = 1;
        size_t i = 0;
        bool digits = false;

        if (s == NULL)
                return -1;
        if (strchr(s, ':') != NULL) {
                *kind = wt_wall_parse(s, ns);
                return *kind < 0 ? -1 : 0;
        }
        *kind = WT_TIME_BOOT;
        for (; s[i] >= '0' && s[i] <= '9'; i++, digits = true) {
                if (ip > (UINT64_MAX - 9) / 10)
                        return -1;
                ip = ip * 10 + (uint64_t)(s[i] - '0');
        }
        if (s[i] == '.') {
                i++;
                for (; s[i] >= '0' && s[i] <= '9'; i++, digits = true) {
                        if (fscale >= 1000000000ull)
                                return -1; /* finer than a nanosecond */
                        frac = frac * 10 + (uint64_t)(s[i] - '0');
                        fscale *= 10;
                }
        }
        if (!digits)
                return -1;
        for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
                if (strcmp(s + i, units[u].suffix) != 0)
                        continue;
                uint64_t mul = units[u].mul;
                if (mul % fscale != 0 || ip > UINT64_MAX / mul)
                        return -1; /* a fraction of a nanosecond, or past 2^64 ns */
                uint64_t f = frac * (mul / fscale);
                if (ip * mul > UINT64_MAX - f)
                        return -1;
                *ns = ip * mul + f;
                return 0;
        }
        return -1;
}

/* "LO-HI" (hex with 0x, or decimal): the IPA range [LO, HI). */
static bool parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
        char buf[64];
        const char *dash = s ? strchr(s, '-') : NULL;

        if (dash == NULL || (size_t)(dash - s) >= sizeof(buf))
                return false;
        memcpy(buf, s, (size_t)(dash - s));
        buf[dash - s] = '\0';
        return parse_num(buf, lo) && parse_num(dash + 1, hi) && *lo < *hi;
}

static int who_usage(FILE *err)
{
        fprintf(
            err,
            "usage: witness who FILE (--region PA | --ipa LO-HI [--part N]) [--from T] [--to T] "
            "[--boot N]\n"
            "  PA: a region's physical address (its first page, as the monitor's 'regions' "
            "prints it)\n"
            "  LO-HI: an IPA range [LO, HI), in partition N or in every partition\n"
            "  T: time since the boot's reset: seconds (12, 12.5) or with a unit (300ms, 40us, "
            "1500ns);\n"
            "     or, for boots whose log has a wall-clock anchor (WK_BOOT_CLOCK), UTC: "
            "2024-01-01T14:00:05[.5]\n"
            "     or 14:00[:05] (that time of day on the day of each boot's anchor); both T in "
            "one form;\n"
            "     the window is [--from, --to): from included, to excluded; times since reset "
            "restart at\n"
            "     every boot: --boot N picks one boot (default: every boot)\n"
            "  prints, per partition, agent and RVM, the witnessed actions on it with their "
            "seq\n"
            "  (docs/WITNESS.md 8.2); exit 0, or 2 on bad input, a bad window or an unknown "
            "region\n");
        return 2;
}

static int parse_who(int argc, char **argv, struct who *w, FILE *err)
{
        bool have_region = false, have_ipa = false, have_from = false, have_to = false;
        int kind_from = WT_TIME_BOOT, kind_to = WT_TIME_BOOT;

        w->to = UINT64_MAX;
        for (int i = 3; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                bool ok;

                if (strcmp(a, "--region") == 0) {
                        ok = have_region = parse_num(v, &w->region);
                } else if (strcmp(a, "--ipa") == 0) {
                        ok = have_ipa = parse_range(v, &w->ipa_lo, &w->ipa_hi);
                } else if (strcmp(a, "--part") == 0) {
                        ok = w->have_part =
                            parse_num(v, &w->part) && w->part >= 1 && w->part <= WHO_PART_HI;
                } else if (strcmp(a, "--boot") == 0) {
                        ok = w->have_boot = parse_num(v, &w->boot) && w->boot <= UINT32_MAX;
                } else if (strcmp(a, "--from") == 0) {
                        ok = have_from = parse_time(v, &w->from, &kind_from) == 0;
                } else if (strcmp(a, "--to") == 0) {
                        ok = have_to = parse_time(v, &w->to, &kind_to) == 0;
                } else {
                        fprintf(err, "witness: who: unknown option %s\n", a);
                        return who_usage(err);
                }
                if (!ok) {
                        fprintf(err, "witness: who: bad or missing value for %s\n", a);
                        return 2;
                }
                i++;
        }
        if (have_region == have_ipa) {
                fprintf(err, "witness: who: give --region PA or --ipa LO-HI (one of them)\n");
                return who_usage(err);
        }
        if (w->have_part && !have_ipa) {
                fprintf(err, "witness: who: --part goes with --ipa\n");
                return 2;
        }
        if (have_from && have_to && kind_from != kind_to) {
                fprintf(err,
                        "witness: who: give --from and --to in the same form (both since "
                        "the reset, both dates, or both times of day)\n");
                return 2;
        }
        w->wall = have_from ? kind_from : kind_to;
        if (w->from >= w->to) {
                fprintf(err, "witness: who: empty window: --from must be before --to\n");
                return 2;
        }
        w->by_region = have_region;
        return 0;
}

static void add_hit(struct who *w, size_t item, const struct witness_record *r, bool whole)
{
        if (w->nhits == w->caphits) {
                size_t n = w->caphits ? 2 * w->caphits : 64;
                struct who_hit *h = realloc(w->hits, n * sizeof(*h));
                if (h == NULL) {
                        w->oom = true;
                        return;
                }
                w->hits = h;
                w->caphits = n;
        }
        w->hits[w->nhits++] =
            (struct who_hit){.item = item, .seq = r->seq, .actor = r->actor, .whole = whole};
}

static bool in_window(const struct who *w, const struct witness_record *r)
{
        uint64_t t = r->time_ns;

        if (w->have_boot && r->boot != w->boot)
                return false;
        if (w->wall != WT_TIME_BOOT) {
                if (!wt_wall_ns(&w->anchors, r, &t))
                        return false; /* its boot has no anchor */
                if (w->wall == WT_TIME_OF_DAY) {
                        const struct wt_anchor *x = wt_anchor_of(&w->anchors, r->boot);
                        uint64_t day = x->utc_s / 86400 * 86400 * WT_NS;
                        if (t < day)
                                return false;
                        t -= day;
                }
        }
        return t >= w->from && t < w->to;
}

/* Records in order, each seq once (a serial capture may repeat them), through who_step. */
static void who_scan(struct who *w, const struct wt_input *in)
{
        struct witness_record r;
        uint64_t next = 0;
        bool started = false;

        w->in_boot = false;
        for (size_t i = 0; i < in->n && !w->oom; i++) {
                bool whole;

                if (in->items[i].is_head)
                        continue;
                witness_record_decode(in->items[i].raw, &r);
                if (in->fmt == WT_SERIAL && started && r.seq < next)
                        continue;
                started = true;
                next = r.seq + 1;
                if (who_step(w, &r, &whole) && in_window(w, &r))
                        add_hit(w, i, &r, whole);
        }
}

static const char *principal(uint32_t actor, char *buf, size_t n)
{
        if (actor == 0)
                snprintf(buf, n, "RVM (actor 0: RVM itself or the monitor)");
        else if (actor <= WHO_PART_HI)
                snprintf(buf, n, "partition %u", actor);
        else
                snprintf(buf, n, "agent %u (principal %u)", actor - WHO_PART_HI, actor);
        return buf;
}

static void what(FILE *out, const struct witness_record *r, bool whole)
{
        const char *k = wt_kind_name(r->kind);

        fprintf(out, "%s", k ? k : "?");
        if (r->flags & WITNESS_F_DENIED)
                fprintf(out, " (denied)");
        switch (r->kind) {
        case WK_MEM_REGION:
                fprintf(out, ": region at 0x%" PRIx64 ", %" PRIu64 " bytes, owner %u", r->target,
                        r->payload, r->actor);
                break;
        case WK_MEM_MAP:
        case WK_MEM_UNMAP:
                fprintf(out, ": PA 0x%" PRIx64 " at IPA 0x%" PRIx64 " of partition %u", r->target,
                        r->payload, r->actor);
                break;
        case WK_MEM_TRANSFER:
                fprintf(out, ": region at 0x%" PRIx64 " to partition %" PRIu64, r->target,
                        r->payload);
                break;
        case WK_MEM_TIER:
                fprintf(out, ": IPA 0x%" PRIx64 " (PA 0x%" PRIx64 ") to tier %" PRIu64, r->cap,
                        r->target, r->payload & 0xffffffffu);
                break;
        case WK_REC_ROLLBACK:
                fprintf(out,
                        ": partition %" PRIu64 " from IPA 0x%" PRIx64 ", %" PRIu64 " of %" PRIu64
                        " pages rolled back",
                        r->target, r->cap, r->payload & 0xffffffffu, r->payload >> 32);
                break;
        case WK_REC_INJECT:
                fprintf(out, ": partition %" PRIu64 " IPA 0x%" PRIx64, r->target, r->cap);
                break;
        case WK_COMM_LEND:
                fprintf(out,
                        ": offer 0x%" PRIx64 " step %" PRIu64 ", %" PRIu64
                        " pages, other partition %" PRIu64,
                        r->target, r->payload & 0xff, (r->payload >> 16) & 0xffff,
                        r->payload >> 32);
                break;
        default:
                break;
        }
        if (whole)
                fprintf(out, ": partition %" PRIu64 " as a whole (it maps the region)", r->target);
        fprintf(out, "\n");
}

static int cmp_hit(const void *a, const void *b)
{
        const struct who_hit *x = a, *y = b;

        if (x->actor != y->actor)
                return x->actor < y->actor ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void report(struct who *w, const struct wt_input *in, FILE *out)
{
        char buf[64];
        struct witness_record r;
        size_t principals = 0;

        if (w->by_region)
                fprintf(out, "region 0x%" PRIx64, w->region);
        else if (w->have_part)
                fprintf(out, "IPA 0x%" PRIx64 "-0x%" PRIx64 " of partition %" PRIu64, w->ipa_lo,
                        w->ipa_hi, w->part);
        else
                fprintf(out, "IPA 0x%" PRIx64 "-0x%" PRIx64 " of every partition", w->ipa_lo,
                        w->ipa_hi);
        if (w->wall == WT_TIME_UTC) {
                char a[40], b[40];
                wt_wall_format(w->from, a, sizeof(a));
                wt_wall_format(w->to, b, sizeof(b));
                fprintf(out, ", UTC in [%s, %s)", a, w->to == UINT64_MAX ? "end" : b);
        } else if (w->wall == WT_TIME_OF_DAY) {
                char a[40], b[40];
                wt_wall_format(w->from, a, sizeof(a));
                wt_wall_format(w->to, b, sizeof(b));
                fprintf(out, ", time of day (UTC, each boot's anchor day) in [%s, %s)", a + 11,
                        w->to == UINT64_MAX ? "end" : b + 11);
        } else {
                fprintf(out, ", time since reset in [%" PRIu64 " ns, ", w->from);
                if (w->to == UINT64_MAX)
                        fprintf(out, "end)");
                else
                        fprintf(out, "%" PRIu64 " ns)", w->to);
        }
        if (w->have_boot)
                fprintf(out, " of boot %" PRIu64 "\n", w->boot);
        else
                fprintf(out, " of every boot\n");
        if (w->nhits > 0)
                qsort(w->hits, w->nhits, sizeof(*w->hits), cmp_hit);
        for (size_t i = 0; i < w->nhits; i++) {
                const struct who_hit *h = &w->hits[i];
                size_t n = 0;

                if (i == 0 || h->actor != w->hits[i - 1].actor) {
                        while (i + n < w->nhits && w->hits[i + n].actor == h->actor)
                                n++;
                        fprintf(out, "%s: %zu action%s\n", principal(h->actor, buf, sizeof(buf)), n,
                                n == 1 ? "" : "s");
                        principals++;
                }
                witness_record_decode(in->items[h->item].raw, &r);
                fprintf(out, "  seq %" PRIu64 " boot %u t %" PRIu64 ".%09" PRIu64 " s  ", r.seq,
                        r.boot, r.time_ns / 1000000000u, r.time_ns % 1000000000u);
                uint64_t wall;
                if (wt_wall_ns(&w->anchors, &r, &wall)) {
                        char ts[40];
                        wt_wall_format(wall, ts, sizeof(ts));
                        fprintf(out, "%s UTC  ", ts);
                }
                what(out, &r, h->whole);
        }
        if (w->nhits == 0)
                fprintf(out, "no witnessed action on it in that window\n");
        else
                fprintf(out, "%zu action%s by %zu principal%s\n", w->nhits,
                        w->nhits == 1 ? "" : "s", principals, principals == 1 ? "" : "s");
}

int wt_who(int argc, char **argv, const uint8_t *data, size_t len, FILE *out, FILE *err)
{
        struct who *w;
        struct wt_input in;
        struct wt_verify_opts vo = {0};
        struct wt_result res;
        int rc;

        if (argc < 3)
                return who_usage(err);
        w = calloc(1, sizeof(*w));
        if (w == NULL) {
                fprintf(err, "witness: who: out of memory\n");
                return 2;
        }
        rc = parse_who(argc, argv, w, err);
        if (rc != 0) {
                free(w);
                return rc;
        }
        if (wt_load(&in, data, len) != 0) {
                fprintf(err, "witness: %s: %s\n", argv[2], in.err);
                wt_free(&in);
                free(w);
                return 2;
        }
        /* Only a witness log: its first record must verify (the chain; seals need verify). */
        int vrc = wt_verify(&in, &vo, &res);
        if (vrc == 2 || (in.fmt == WT_FLASH && in.flash_super_bad) ||
            (vrc != 0 && res.records == 0 && res.verdict != WV_TAIL_CUT)) {
                fprintf(err, "witness: %s is not a witness log (%s)\n", argv[2],
                        res.why[0] ? res.why : witness_verdict_name(res.verdict));
                rc = 2;
                goto out;
        }
        if (vrc != 0)
                fprintf(out,
                        "warning: the log does not verify from seq %" PRIu64
                        " (%s): what follows it is not trustworthy\n",
                        res.bad_seq, witness_verdict_name(res.verdict));
        wt_anchors_find(&in, &w->anchors);
        if (w->anchors.oom) {
                fprintf(err, "witness: who: out of memory\n");
                rc = 2;
                goto out;
        }
        if (w->wall != WT_TIME_BOOT && w->anchors.n == 0) {
                fprintf(err,
                        "witness: who: %s carries no wall-clock anchor (no WK_BOOT_CLOCK: its "
                        "boots read no RTC), so its records hold only nanoseconds since each "
                        "boot's reset; give seconds since boot (e.g. 840, 12.5, 300ms) and "
                        "--boot N\n",
                        argv[2]);
                rc = 2;
                goto out;
        }
        who_scan(w, &in);
        if (w->by_region && !w->region_seen) {
                fprintf(err,
                        "witness: who: no WK_MEM_REGION names region 0x%" PRIx64
                        " in %s (a region is named by the physical address of its first page, "
                        "as 'regions' prints it)\n",
                        w->region, argv[2]);
                rc = 2;
                goto out;
        }
        if (w->oom) {
                fprintf(err, "witness: who: out of memory\n");
                rc = 2;
                goto out;
        }
        /* Second pass: the steps of offers the first pass tied to the region (a share's
         * offer, which maps nothing, comes before the retrieve that does). */
        {
                struct witness_record r;
                uint64_t next = 0;
                bool started = false;
                const size_t first = w->nhits;

                for (size_t i = 0; i < in.n && !w->oom; i++) {
                        size_t lo = 0, hi = first;

                        if (in.items[i].is_head)
                                continue;
                        witness_record_decode(in.items[i].raw, &r);
                        if (in.fmt == WT_SERIAL && started && r.seq < next)
                                continue;
                        started = true;
                        next = r.seq + 1;
                        if (r.kind != WK_COMM_LEND || !in_window(w, &r) ||
                            !who_offer_known(w, r.boot, r.target))
                                continue;
                        /* the first pass's hits are in item order: already one? */
                        while (lo < hi) {
                                size_t mid = lo + (hi - lo) / 2;
                                if (w->hits[mid].item < i)
                                        lo = mid + 1;
                                else
                                        hi = mid;
                        }
                        if (lo == first || w->hits[lo].item != i)
                                add_hit(w, i, &r, false);
                }
        }
        report(w, &in, out);
        if (w->overflow)
                fprintf(out,
                        "warning: more than %u mappings or offers of it in one boot: later "
                        "ones not followed\n",
                        WHO_RANGES);
out:
        wt_free(&in);
        wt_anchors_free(&w->anchors);
        free(w->hits);
        free(w);
        return rc;
}
