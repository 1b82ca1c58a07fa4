/*
 * tools/witness/verify.c — verifying a witness log tools/witness/input.c read: the chain and
 * signatures of a raw dump or serial capture, the flash store's own verification, and the
 * --start/--expect/--heads points; each failure names the first bad record.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tools/witness/witness_tool.h"
#include "witness/internal.h"

static void explain(struct wt_result *r, const char *unit)
{
        switch (r->verdict) {
        case WV_CONTENT:
                snprintf(r->why, sizeof(r->why),
                         "record #%" PRIu64 " (seq %" PRIu64 ", %s %" PRIu64
                         "): content changed: its link is not SHA-256(previous head || content)",
                         r->bad_index, r->bad_seq, unit, r->where);
                break;
        case WV_SEQ_FIELD:
                snprintf(r->why, sizeof(r->why),
                         "record #%" PRIu64 " (%s %" PRIu64 "): sequence number changed to %" PRIu64
                         " (expected %" PRIu64 "; the rest of the record verifies)",
                         r->bad_index, unit, r->where, r->found_seq, r->bad_seq);
                break;
        case WV_MISSING:
                snprintf(r->why, sizeof(r->why),
                         "record #%" PRIu64 " (%s %" PRIu64 "): expected seq %" PRIu64
                         ", found %" PRIu64 ": records %" PRIu64 "..%" PRIu64 " missing",
                         r->bad_index, unit, r->where, r->bad_seq, r->found_seq, r->bad_seq,
                         r->found_seq - 1);
                break;
        case WV_ORDER:
                snprintf(r->why, sizeof(r->why),
                         "record #%" PRIu64 " (%s %" PRIu64 "): expected seq %" PRIu64
                         ", found %" PRIu64 ": out of order, inserted or duplicated",
                         r->bad_index, unit, r->where, r->bad_seq, r->found_seq);
                break;
        case WV_RANGE:
                snprintf(r->why, sizeof(r->why),
                         "record #%" PRIu64 " (%s %" PRIu64 "): seq %" PRIu64
                         " is at the end of the 64-bit sequence space: no record can follow it",
                         r->bad_index, unit, r->where, r->found_seq);
                break;
        case WV_BAD_SEAL:
                snprintf(r->why, sizeof(r->why),
                         "seal record #%" PRIu64 " (seq %" PRIu64 ", %s %" PRIu64
                         "): HMAC does not match: wrong key, or the log before it was rewritten",
                         r->bad_index, r->bad_seq, unit, r->where);
                break;
        default:
                break;
        }
}

/* Serial captures may repeat records (two "witness tail" listings overlap): an identical
 * copy of a record already verified is skipped, a different one is a fault. */
static int verify_stream(const struct wt_input *in, const struct wt_verify_opts *o,
                         struct wt_result *r)
{
        struct witness_verifier v;
        bool started = false, serial = in->fmt == WT_SERIAL, unusable = false;
        size_t *accepted = calloc(in->n + 1, sizeof(size_t));
        uint64_t first = 0, idx = 0;

        if (accepted == NULL) {
                snprintf(r->why, sizeof(r->why), "out of memory");
                return 2;
        }
        witness_verify_init(&v, NULL, 0, o->key, o->key_len);
        memcpy(r->start_head, v.head, WITNESS_HEAD_SIZE);
        if (o->have_start) {
                witness_verify_init(&v, o->start_head, o->start_seq, o->key, o->key_len);
                memcpy(r->start_head, o->start_head, WITNESS_HEAD_SIZE);
                started = true;
                first = o->start_seq;
        }
        for (size_t i = 0; i < in->n && r->verdict == WV_OK; i++) {
                const struct wt_item *it = &in->items[i];

                r->where = it->where;
                if (it->is_head) {
                        if (!started) {
                                witness_verify_init(&v, it->raw, it->seq, o->key, o->key_len);
                                memcpy(r->start_head, it->raw, WITNESS_HEAD_SIZE);
                                started = true;
                                first = it->seq;
                        } else if (it->seq == v.next_seq &&
                                   memcmp(it->raw, v.head, WITNESS_HEAD_SIZE) != 0) {
                                r->verdict = WV_CONTENT;
                                snprintf(r->why, sizeof(r->why),
                                         "head line at byte %" PRIu64 " for seq %" PRIu64
                                         " disagrees with the chain",
                                         it->where, it->seq);
                        } else if (it->seq > v.next_seq) {
                                r->verdict = WV_MISSING;
                                r->bad_seq = v.next_seq;
                                r->found_seq = it->seq;
                                r->bad_index = idx;
                                explain(r, "byte");
                        }
                        continue;
                }
                if (!started) {
                        if (it->seq >= (1ull << 48)) {
                                r->verdict = WV_FORMAT;
                                snprintf(r->why, sizeof(r->why),
                                         "not a witness log: no store superblock, no W1 "
                                         "frames, and the first 64 bytes are not a record");
                                started = unusable = true;
                                break;
                        }
                        if (it->seq != 0) {
                                r->verdict = WV_MISSING;
                                r->found_seq = it->seq;
                                for (size_t j = i + 1; j < in->n; j++)
                                        if (!in->items[j].is_head && in->items[j].seq == 0)
                                                r->verdict = WV_ORDER;
                                snprintf(r->why, sizeof(r->why),
                                         "log starts at seq %" PRIu64
                                         " with no chain head: records 0..%" PRIu64
                                         " missing, or a partial log (give --start SEQ:HEAD, "
                                         "as on a W1H line)",
                                         it->seq, it->seq - 1);
                                started = true;
                                break;
                        }
                        witness_verify_init(&v, NULL, 0, o->key, o->key_len);
                        started = true;
                }
                if (serial && it->seq >= first && it->seq < v.next_seq) {
                        if (memcmp(in->items[accepted[it->seq - first]].raw, it->raw,
                                   WITNESS_RECORD_SIZE) == 0)
                                continue;
                        r->verdict = WV_CONTENT;
                        r->bad_seq = it->seq;
                        r->bad_index = idx;
                        explain(r, "byte");
                        strncat(r->why, " (two different copies of this record)",
                                sizeof(r->why) - strlen(r->why) - 1);
                        break;
                }
                if (witness_verify_record(&v, it->raw) != WV_OK) {
                        r->verdict = v.fault;
                        /* A later copy of the expected record means it was moved, not lost. */
                        for (size_t j = i + 1; r->verdict == WV_MISSING && j < in->n; j++)
                                if (!in->items[j].is_head &&
                                    in->items[j].seq == v.fault_expected_seq)
                                        r->verdict = WV_ORDER;
                        r->bad_index = idx;
                        r->bad_seq = v.fault_expected_seq;
                        r->found_seq = v.fault_found_seq;
                        explain(r, serial ? "byte" : "offset");
                        break;
                }
                if (v.next_seq - 1 - first < in->n + 1)
                        accepted[v.next_seq - 1 - first] = i;
                idx++;
        }
        free(accepted);
        if (!started) {
                r->verdict = WV_FORMAT;
                snprintf(r->why, sizeof(r->why),
                         "no records: not a store image, no W1 frames, and %zu bytes is %s",
                         in->len, in->len < WITNESS_RECORD_SIZE ? "less than one record" : "empty");
                return 2;
        }
        r->records = v.records;
        r->seals_ok = v.seals_ok;
        r->seals_unchecked = v.seals_unchecked;
        r->seals_dev = v.seals_dev;
        r->first_seq = first;
        r->next_seq = v.next_seq;
        r->unsealed_first =
            v.seals_ok + v.seals_unchecked + v.seals_dev ? v.last_seal_seq + 1 : first;
        if (r->verdict == WV_OK && in->trailing) {
                r->verdict = WV_TAIL_CUT;
                r->bad_seq = v.next_seq;
                r->where = in->len - in->trailing;
                snprintf(r->why, sizeof(r->why),
                         "%zu bytes after the last whole record (offset %zu): the tail was cut "
                         "inside record seq %" PRIu64,
                         in->trailing, in->len - in->trailing, v.next_seq);
        }
        return r->verdict == WV_OK ? 0 : unusable ? 2 : 1;
}

static int verify_flash(const struct wt_input *in, const struct wt_verify_opts *o,
                        struct wt_result *r)
{
        struct wt_memflash m;
        struct witness_flash f;
        struct witness_store_report rep;
        enum witness_err e;

        if (in->flash_super_bad) {
                r->verdict = WV_FORMAT;
                snprintf(r->why, sizeof(r->why),
                         "flash image superblock is damaged or has impossible geometry");
                return 1;
        }
        wt_flash_of(in, &m, &f);
        e = witness_store_verify(&f, o->key, o->key_len, &rep, NULL, NULL);
        if (e != WITNESS_OK) {
                r->verdict = WV_FORMAT;
                snprintf(r->why, sizeof(r->why), "store unreadable (error %d)", (int)e);
                return 1;
        }
        r->verdict = rep.verdict;
        r->records = rep.records;
        r->seals_ok = rep.seals_ok;
        r->seals_unchecked = rep.seals_unchecked;
        r->seals_dev = rep.seals_dev;
        r->anchors = rep.anchors;
        r->anchors_ok = rep.anchors_ok;
        r->anchors_unchecked = rep.anchors_unchecked;
        r->anchor_torn = rep.anchor_torn;
        r->rotated = rep.rotated;
        r->rotations = rep.rotations;
        r->rot_boot = rep.rot_boot;
        if (rep.rotated) {
                struct witness_ws_journal j;

                (void)witness_ws_read_journal(&f, &j, NULL, NULL);
                memcpy(r->start_head, j.rot.head, WITNESS_HEAD_SIZE);
        } else {
                witness_genesis(r->start_head);
        }
        r->first_seq = rep.first_seq;
        r->next_seq = rep.next_seq;
        r->unsealed_first = rep.unsealed_first;
        r->lost = rep.lost;
        r->lost_first = rep.lost_first;
        r->lost_last = rep.lost_last;
        r->bad_seq = rep.bad_seq;
        r->found_seq = rep.found_seq;
        r->where = rep.bad_slot;
        r->bad_index = rep.records;
        switch (rep.verdict) {
        case WV_OK:
                break;
        case WV_TAIL_CUT:
                snprintf(r->why, sizeof(r->why),
                         "the anchor names seal seq %" PRIu64 " at slot %" PRIu64
                         ", but the log ends at slot %" PRIu64 " (next seq %" PRIu64
                         "): the tail was cut",
                         rep.anchor_seq, rep.anchor_slot, rep.bad_slot, rep.next_seq);
                break;
        case WV_TORN:
                if (rep.rot_interrupted)
                        snprintf(r->why, sizeof(r->why),
                                 "a rotation was interrupted: the block at slot %" PRIu64
                                 " holds rotated-away records the power cut kept from being "
                                 "erased (the next boot erases it)",
                                 rep.bad_slot);
                else if (rep.lost_last == UINT64_MAX)
                        snprintf(r->why, sizeof(r->why),
                                 "interrupted batch at slot %" PRIu64 ": records from seq %" PRIu64
                                 " on were lost (power cut, not yet recovered by a boot)",
                                 rep.bad_slot, rep.lost_first);
                else
                        snprintf(r->why, sizeof(r->why),
                                 "interrupted batch at slot %" PRIu64 ": records %" PRIu64
                                 "..%" PRIu64 " lost (power cut, not yet recovered by a boot)",
                                 rep.bad_slot, rep.lost_first, rep.lost_last);
                return 3;
        case WV_ANCHOR:
                if (rep.anchor_bad_entry >= rep.anchors)
                        snprintf(r->why, sizeof(r->why),
                                 "the log ends with a clean shutdown, but its last seal has no "
                                 "anchor (anchors erased)");
                else
                        snprintf(r->why, sizeof(r->why),
                                 "anchor journal entry %" PRIu64 " is %s (%" PRIu64
                                 " entries; an older anchor is not used in its place)",
                                 rep.anchor_bad_entry,
                                 rep.anchor_bad_mac
                                     ? "forged or sealed with another key: its MAC fails"
                                     : "damaged: its check fails",
                                 rep.anchors);
                break;
        case WV_MISSING: {
                if (rep.rot_gap) {
                        snprintf(r->why, sizeof(r->why),
                                 "the store rotated (history begins at seq %" PRIu64
                                 ", slot %" PRIu64 ") but the log ends at slot %" PRIu64
                                 ", not in the block before: blocks were erased that rotation "
                                 "did not erase",
                                 rep.base_seq, rep.base_slot, rep.bad_slot);
                        break;
                }
                /* The expected record further on: moved (e.g. two swapped), not lost. */
                for (size_t i = 0; i < in->n; i++)
                        if (in->items[i].seq == rep.bad_seq && in->items[i].where > rep.bad_slot) {
                                r->verdict = WV_ORDER;
                                break;
                        }
                explain(r, "slot");
                break;
        }
        case WV_FORMAT:
                snprintf(r->why, sizeof(r->why),
                         "slot %" PRIu64
                         ": container out of step with the chain (batch header "
                         "or anchor says seq %" PRIu64 ", chain is at %" PRIu64 ")",
                         rep.bad_slot, rep.found_seq, rep.expected_seq);
                break;
        default:
                explain(r, "slot");
                break;
        }
        if (r->verdict == WV_OK && in->len < in->flash_size) {
                r->verdict = WV_TAIL_CUT;
                r->bad_seq = r->next_seq;
                snprintf(r->why, sizeof(r->why),
                         "image is %zu bytes but its superblock says %" PRIu64 ": the tail was cut",
                         in->len, in->flash_size);
        }
        return r->verdict == WV_OK ? 0 : 1;
}

static int point_cmp(const void *a, const void *b)
{
        const struct wt_point *x = a, *y = b;

        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void point_name(const struct wt_point *p, char *buf, size_t n)
{
        if (p->what == 'k' || p->what == 'd')
                snprintf(buf, n,
                         "the head published after seal seq %" PRIu64 " (boot %u, t=%" PRIu64
                         " ns)",
                         p->seq - 1, p->boot, p->time_ns);
        else
                snprintf(buf, n, "the head given with %s for seq %" PRIu64,
                         p->what == 's' ? "--start" : "--expect", p->seq);
}

/* Does the verified chain pass through every point? The first one it does not is named. */
static int check_points(const struct wt_input *in, const struct wt_verify_opts *o,
                        struct wt_result *r)
{
        size_t n = o->n_points + (o->have_start ? 1 : 0) + (o->have_expect ? 1 : 0), k = 0;
        struct wt_point *pts;
        uint8_t h[WITNESS_HEAD_SIZE];
        uint64_t next = r->first_seq;
        const struct wt_point *bad = NULL;
        bool mismatch = false;
        char name[160];

        if (n == 0)
                return 0;
        pts = calloc(n, sizeof(*pts));
        if (pts == NULL) {
                snprintf(r->why, sizeof(r->why), "out of memory");
                return 2;
        }
        if (o->n_points)
                memcpy(pts, o->points, o->n_points * sizeof(*pts));
        k = o->n_points;
        if (o->have_start) {
                pts[k] = (struct wt_point){.seq = o->start_seq, .what = 's'};
                memcpy(pts[k++].head, o->start_head, WITNESS_HEAD_SIZE);
        }
        if (o->have_expect) {
                pts[k] = (struct wt_point){.seq = o->expect_seq, .what = 'e'};
                memcpy(pts[k++].head, o->expect_head, WITNESS_HEAD_SIZE);
        }
        qsort(pts, n, sizeof(*pts), point_cmp);
        memcpy(h, r->start_head, WITNESS_HEAD_SIZE);
        k = 0;
        /* Points before what the log holds cannot be shown: the store lost them, unless
         * an authenticated rotation says history now begins later. */
        while (k < n && pts[k].seq < r->first_seq && bad == NULL) {
                if (r->rotated && pts[k].what != 's' && pts[k].what != 'e') {
                        r->points_rotated++;
                        k++;
                        continue;
                }
                bad = &pts[k++];
        }
        for (size_t i = 0; i < in->n && bad == NULL && next < r->next_seq; i++) {
                const struct wt_item *it = &in->items[i];

                if (it->is_head || it->seq != next)
                        continue;
                for (; k < n && pts[k].seq == next && bad == NULL; k++)
                        if (memcmp(pts[k].head, h, WITNESS_HEAD_SIZE) != 0)
                                bad = &pts[k], mismatch = true;
                witness_sha256(h, WITNESS_HEAD_SIZE, it->raw, WITNESS_CONTENT_SIZE, h);
                next++;
        }
        for (; k < n && pts[k].seq == next && bad == NULL; k++)
                if (memcmp(pts[k].head, h, WITNESS_HEAD_SIZE) != 0)
                        bad = &pts[k], mismatch = true;
        if (bad == NULL && k < n)
                bad = &pts[k];
        if (bad == NULL) {
                r->points_ok = n - r->points_rotated;
                free(pts);
                return 0;
        }
        point_name(bad, name, sizeof(name));
        r->bad_seq = bad->seq;
        if (mismatch) {
                r->verdict = WV_CONTENT;
                snprintf(r->why, sizeof(r->why),
                         "%s is not in the log: the chain before seq %" PRIu64
                         " differs (rolled back or rewritten)",
                         name, bad->seq);
        } else if (bad->seq < r->first_seq) {
                r->verdict = WV_TAIL_CUT;
                snprintf(r->why, sizeof(r->why),
                         "%s is no longer in the log (it starts at seq %" PRIu64 ")", name,
                         r->first_seq);
        } else {
                r->verdict = WV_TAIL_CUT;
                r->bad_seq = r->next_seq;
                snprintf(r->why, sizeof(r->why),
                         "%s was lost: the log ends at seq %" PRIu64
                         " (the tail was cut, or the store rolled back)",
                         name, r->next_seq ? r->next_seq - 1 : 0);
        }
        free(pts);
        return 1;
}

int wt_verify(const struct wt_input *in, const struct wt_verify_opts *o, struct wt_result *r)
{
        int rc;

        memset(r, 0, sizeof(*r));
        if (in->fmt == WT_FLASH)
                rc = verify_flash(in, o, r);
        else
                rc = verify_stream(in, o, r);
        if (rc == 0 || rc == 3) {
                int pc = check_points(in, o, r);

                if (pc != 0)
                        return pc;
        }
        return rc;
}
