/*
 * tools/witness/input.c — reading a witness log from untrusted bytes: auto-detection of the
 * three forms (flash store image, raw dump of back-to-back records, serial capture with
 * "W1" frames among console output); tools/witness/verify.c checks what it read. Nothing here
 * trusts a length, an offset or a count taken from the input.
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

/* Bytes past the end of a cut image read as erased flash; the size check reports the cut. */
static int mf_read(void *ctx, uint64_t off, void *buf, size_t n)
{
        const struct wt_memflash *m = ctx;

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

void wt_flash_of(const struct wt_input *in, struct wt_memflash *m, struct witness_flash *f)
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
        struct wt_memflash m;
        struct witness_flash f;
        uint8_t b[WS_SLOT];

        in->fmt = WT_FLASH;
        in->block_size = (uint32_t)(sb[12] | sb[13] << 8 | sb[14] << 16 | (uint32_t)sb[15] << 24);
        in->flash_size = witness_ws_get64(sb + 16);
        if (!witness_ws_slot_check(sb, witness_ws_magic_super)) {
                in->flash_super_bad = true;
                return 0;
        }
        wt_flash_of(in, &m, &f);
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
