/*
 * tools/witness/input.c — reading a witness log from untrusted bytes: auto-detection of the
 * three forms (flash store image, raw dump of back-to-back records, serial capture with
 * "W1" frames among console output) and the verification of each, naming the first bad
 * record. Nothing here trusts a length, an offset or a count taken from the input.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tools/witness/witness_tool.h"
#include "witness/internal.h"

static int push(struct wt_input *in, const struct wt_item *it)
{
        if (in->n == in->cap) {
                size_t nc = in->cap ? in->cap * 2 : 256;
                struct wt_item *p = realloc(in->items, nc * sizeof(*p));

                if (p == NULL) {
                        snprintf(in->err, sizeof(in->err), "out of memory");
                        return -1;
                }
                in->items = p;
                in->cap = nc;
        }
        in->items[in->n++] = *it;
        if (!it->is_head)
                in->records++;
        return 0;
}

struct memflash {
        const uint8_t *d;
        size_t len;
};

/* Bytes past the end of a cut image read as erased flash; the size check reports the cut. */
static int mf_read(void *ctx, uint64_t off, void *buf, size_t n)
{
        const struct memflash *m = ctx;

        memset(buf, 0xFF, n);
        if (off < m->len)
                memcpy(buf, m->d + off, (m->len - off) < n ? (size_t)(m->len - off) : n);
        return 0;
}

static int mf_fail(void *ctx, uint64_t off, const void *buf, size_t n)
{
        (void)ctx, (void)off, (void)buf, (void)n;
        return -1;
}

static int mf_erase(void *ctx, uint64_t off)
{
        (void)ctx, (void)off;
        return -1;
}

static void flash_of(const struct wt_input *in, struct memflash *m, struct witness_flash *f)
{
        m->d = in->data;
        m->len = in->len;
        memset(f, 0, sizeof(*f));
        f->ctx = m;
        f->read = mf_read;
        f->program = mf_fail;
        f->erase_block = mf_erase;
        f->block_size = in->block_size;
        f->size = in->flash_size;
}

static int load_flash(struct wt_input *in)
{
        const uint8_t *sb = in->data;
        struct memflash m;
        struct witness_flash f;
        uint8_t b[WS_SLOT];

        in->fmt = WT_FLASH;
        in->block_size = (uint32_t)(sb[12] | sb[13] << 8 | sb[14] << 16 | (uint32_t)sb[15] << 24);
        in->flash_size = witness_ws_get64(sb + 16);
        if (!witness_ws_slot_check(sb, witness_ws_magic_super)) {
                in->flash_super_bad = true;
                return 0;
        }
        flash_of(in, &m, &f);
        if (!witness_ws_geometry_ok(&f)) {
                in->flash_super_bad = true;
                return 0;
        }
        /* From where history begins (the latest rotation entry, else slot 0), around the
         * ring of blocks, to the first erased slot. */
        struct witness_ws_journal j;
        uint64_t n = witness_ws_log_slots(&f), start = 0;

        if (witness_ws_read_journal(&f, &j, NULL, NULL) == WITNESS_OK && j.rot_found)
                start = j.rot.slot % n;
        for (uint64_t k = 0, s = start, base = witness_ws_log_off(&f); k < n;
             k++, s = (s + 1) % n) {
                struct wt_item it = {.where = s};

                if (base + s * WS_SLOT >= in->len)
                        break;
                mf_read(&m, base + s * WS_SLOT, b, WS_SLOT);
                if (witness_ws_is_fill(b, WS_SLOT, 0xFF))
                        break;
                if (witness_ws_is_fill(b, WS_SLOT, 0) ||
                    witness_ws_slot_check(b, witness_ws_magic_batch))
                        continue;
                memcpy(it.raw, b, WS_SLOT);
                it.seq = witness_ws_get64(b);
                if (push(in, &it) != 0)
                        return -1;
        }
        return 0;
}

struct serial_ctx {
        struct wt_input *in;
        int rc;
        size_t frames;
};

static void serial_cb(void *ctx, enum witness_serial_item item, uint64_t seq,
                      const uint8_t rec[WITNESS_RECORD_SIZE], size_t offset)
{
        struct serial_ctx *c = ctx;
        struct wt_item it = {.where = offset};

        c->frames++;
        if (item == WITNESS_SER_MALFORMED) {
                c->in->malformed++;
                return;
        }
        if (item == WITNESS_SER_PUB) {
                struct wt_input *in = c->in;
                struct wt_point *pt;

                if (seq == UINT64_MAX)
                        return; /* names no successor: cannot be a real seal */
                if (in->n_pubs == in->cap_pubs) {
                        size_t nc = in->cap_pubs ? in->cap_pubs * 2 : 64;
                        struct wt_point *np = realloc(in->pubs, nc * sizeof(*np));

                        if (np == NULL) {
                                c->rc = -1;
                                return;
                        }
                        in->pubs = np;
                        in->cap_pubs = nc;
                }
                pt = &in->pubs[in->n_pubs++];
                memset(pt, 0, sizeof(*pt));
                pt->seq = seq + 1; /* the head after seal seq is the head before seq + 1 */
                memcpy(pt->head, rec, WITNESS_HEAD_SIZE);
                pt->boot = (uint32_t)rec[32] | (uint32_t)rec[33] << 8 | (uint32_t)rec[34] << 16 |
                           (uint32_t)rec[35] << 24;
                pt->time_ns = witness_ws_get64(rec + 36);
                pt->what = (char)rec[44];
                return;
        }
        it.is_head = item == WITNESS_SER_HEAD;
        it.seq = it.is_head ? seq : witness_ws_get64(rec);
        memcpy(it.raw, rec, WITNESS_RECORD_SIZE);
        if (c->rc == 0 && push(c->in, &it) != 0)
                c->rc = -1;
}

static void count_cb(void *ctx, enum witness_serial_item item, uint64_t seq,
                     const uint8_t rec[WITNESS_RECORD_SIZE], size_t offset)
{
        (void)seq, (void)rec, (void)offset;
        if (item != WITNESS_SER_MALFORMED)
                (*(size_t *)ctx)++;
}

int wt_load(struct wt_input *in, const uint8_t *data, size_t len)
{
        size_t frames = 0;

        memset(in, 0, sizeof(*in));
        in->data = data;
        in->len = len;
        if (len == 0) {
                snprintf(in->err, sizeof(in->err), "empty input");
                return -1;
        }
        if (len >= WS_SLOT && memcmp(data, witness_ws_magic_super, 8) == 0)
                return load_flash(in);
        witness_serial_scan((const char *)data, len, count_cb, &frames);
        if (frames > 0) {
                struct serial_ctx c = {.in = in};

                in->fmt = WT_SERIAL;
                witness_serial_scan((const char *)data, len, serial_cb, &c);
                return c.rc;
        }
        in->fmt = WT_DUMP;
        in->trailing = len % WITNESS_RECORD_SIZE;
        for (size_t off = 0; off + WITNESS_RECORD_SIZE <= len; off += WITNESS_RECORD_SIZE) {
                struct wt_item it = {.where = off, .seq = witness_ws_get64(data + off)};

                memcpy(it.raw, data + off, WITNESS_RECORD_SIZE);
                if (push(in, &it) != 0)
                        return -1;
        }
        return 0;
}

void wt_free(struct wt_input *in)
{
        free(in->items);
        free(in->pubs);
        in->pubs = NULL;
        in->n_pubs = in->cap_pubs = 0;
        in->items = NULL;
        in->n = in->cap = 0;
}

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
        struct memflash m;
        struct witness_flash f;
        struct witness_store_report rep;
        enum witness_err e;

        if (in->flash_super_bad) {
                r->verdict = WV_FORMAT;
                snprintf(r->why, sizeof(r->why),
                         "flash image superblock is damaged or has impossible geometry");
                return 1;
        }
        flash_of(in, &m, &f);
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
