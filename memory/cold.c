/*
 * memory/cold.c: the cold tier and its flash segments (see cold.h, docs/RVF.md "Cold
 * segments"). A slot is erased, the pages programmed at COLD_DATA_OFFSET, then the headers
 * last: a write cut short leaves a slot without a valid header, which is a free slot.
 */
#include "memory/cold.h"

#include <string.h>

#include "boot/rvf.h"

_Static_assert(COLD_SLOTS <= 0xff, "a slot number fits a byte");

static uint32_t get32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
        return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
        for (unsigned i = 0; i < 4; i++) {
                p[i] = (uint8_t)(v >> (8 * i));
        }
}

static void put64(uint8_t *p, uint64_t v)
{
        put32(p, (uint32_t)v);
        put32(p + 4, (uint32_t)(v >> 32));
}

void cold_space_init(struct cold_space *s)
{
        memset(s, 0, sizeof(*s));
        s->next_seq = 1;
}

static uint64_t payload_length(uint32_t pages)
{
        return COLD_DATA_OFFSET - COLD_SEG_HDR + (uint64_t)pages * COLD_PAGE;
}

enum cold_err cold_parse(const uint8_t *buf, size_t len, struct cold_seg *out)
{
        memset(out, 0, sizeof(*out));
        if (buf == NULL || len < COLD_SEG_HDR + COLD_HDR) {
                return COLD_E_TRUNCATED;
        }
        const uint8_t *c = buf + COLD_SEG_HDR;
        if (get32(buf) != RVF_SEG_MAGIC || buf[4] != RVF_SEG_VERSION || buf[5] != COLD_SEG_TYPE ||
            get32(c) != COLD_MAGIC) {
                return COLD_E_FORMAT;
        }
        out->kind = (uint32_t)c[6] | (uint32_t)c[7] << 8;
        out->part = get32(c + 8);
        out->pages = get32(c + 12);
        const uint64_t at = get64(c + 16);
        out->ipa = ipa_init(at);
        out->seq = get64(c + 24);
        out->saved_ns = get64(c + 32);
        out->payload_length = get64(buf + 0x10);
        memcpy(out->root, c + 48, 32);
        memcpy(out->content_hash, buf + 0x28, 16);
        if (((uint32_t)c[4] | (uint32_t)c[5] << 8) != COLD_VERSION ||
            (out->kind != COLD_K_REGION && out->kind != COLD_K_CHECKPOINT) || out->pages == 0 ||
            out->pages > COLD_MAX_PAGES || get32(c + 40) != COLD_DATA_OFFSET ||
            get32(c + 44) != COLD_PAGE || out->payload_length != payload_length(out->pages) ||
            get64(buf + 0x08) != out->seq || out->seq == 0 || at % COLD_PAGE != 0 ||
            at + (uint64_t)out->pages * COLD_PAGE < at) {
                return COLD_E_FORMAT;
        }
        if (len < COLD_SEG_HDR + COLD_HDR + (size_t)out->pages * 32u) {
                return COLD_E_TRUNCATED;
        }
        out->table = c + COLD_HDR;
        return COLD_OK;
}

enum cold_err cold_check(const uint8_t *buf, size_t len, const struct cold_flash *f,
                         struct cold_seg *out, uint32_t *bad_page)
{
        uint8_t h[32];

        *bad_page = UINT32_MAX;
        enum cold_err e = cold_parse(buf, len, out);
        if (e != COLD_OK) {
                return e;
        }
        if (len < COLD_DATA_OFFSET + (size_t)out->pages * COLD_PAGE) {
                return COLD_E_TRUNCATED;
        }
        f->hash(buf + COLD_SEG_HDR, (size_t)out->payload_length, NULL, 0, h);
        if (memcmp(h, out->content_hash, 16) != 0) {
                return COLD_E_DAMAGED;
        }
        f->hash(out->table, (size_t)out->pages * 32u, NULL, 0, h);
        if (memcmp(h, out->root, 32) != 0) {
                return COLD_E_DAMAGED;
        }
        for (uint32_t i = 0; i < out->pages; i++) {
                f->hash(buf + COLD_DATA_OFFSET + (size_t)i * COLD_PAGE, COLD_PAGE, NULL, 0, h);
                if (memcmp(h, out->table + (size_t)i * 32u, 32) != 0) {
                        *bad_page = i;
                        return COLD_E_DAMAGED;
                }
        }
        return COLD_OK;
}

static bool slot_held(const struct cold_space *s, unsigned slot)
{
        for (unsigned i = 0; i < COLD_MAX_RANGES; i++) {
                if (s->range[i].used && s->range[i].cold && s->range[i].slot == slot) {
                        return true;
                }
        }
        return false;
}

/* Learn what the slots hold (once): the next sequence number follows the highest found. */
static void scan(struct cold_space *s, const struct cold_flash *f)
{
        struct cold_seg seg;

        if (s->scanned) {
                return;
        }
        for (unsigned i = 0; i < COLD_SLOTS; i++) {
                s->slot_seq[i] = 0;
                if (f->read(f->ctx, (uint64_t)i * COLD_SLOT_SIZE, s->hdr, sizeof(s->hdr)) == 0 &&
                    cold_parse(s->hdr, sizeof(s->hdr), &seg) == COLD_OK) {
                        s->slot_seq[i] = seg.seq;
                        if (seg.seq >= s->next_seq) {
                                s->next_seq = seg.seq + 1;
                        }
                }
        }
        s->scanned = true;
}

enum cold_err cold_write(struct cold_space *s, const struct cold_flash *f, enum cold_kind kind,
                         uint32_t part, ipa_t ipa, const uint8_t *data, uint32_t pages,
                         uint64_t now_ns, unsigned *slot, uint64_t *seq, uint8_t root[32])
{
        if (pages == 0 || pages > COLD_MAX_PAGES || ipa_addr(ipa) % COLD_PAGE != 0) {
                return COLD_E_INVAL;
        }
        if (f->block_size == 0 || COLD_SLOT_SIZE % f->block_size != 0) {
                return COLD_E_FLASH;
        }
        scan(s, f);
        int pick = -1;
        for (unsigned i = 0; i < COLD_SLOTS; i++) {
                if (!slot_held(s, i) && (pick < 0 || s->slot_seq[i] < s->slot_seq[pick])) {
                        pick = (int)i;
                }
        }
        if (pick < 0) {
                return COLD_E_FULL;
        }
        uint64_t base = (uint64_t)pick * COLD_SLOT_SIZE;
        s->slot_seq[pick] = 0; /* whatever happens next, it is no longer what it held */
        for (uint64_t off = 0; off < COLD_SLOT_SIZE; off += f->block_size) {
                if (f->erase_block(f->ctx, base + off) != 0) {
                        return COLD_E_FLASH;
                }
        }
        if (f->program(f->ctx, base + COLD_DATA_OFFSET, data, (size_t)pages * COLD_PAGE) != 0) {
                return COLD_E_FLASH;
        }
        uint8_t *h = s->hdr, *c = h + COLD_SEG_HDR, *table = c + COLD_HDR;
        memset(h, 0, sizeof(s->hdr));
        for (uint32_t i = 0; i < pages; i++) {
                f->hash(data + (size_t)i * COLD_PAGE, COLD_PAGE, NULL, 0, table + (size_t)i * 32u);
        }
        f->hash(table, (size_t)pages * 32u, NULL, 0, root);
        uint64_t n = s->next_seq;
        put32(c, COLD_MAGIC);
        c[4] = COLD_VERSION;
        c[6] = (uint8_t)kind;
        put32(c + 8, part);
        put32(c + 12, pages);
        put64(c + 16, ipa_addr(ipa));
        put64(c + 24, n);
        put64(c + 32, now_ns);
        put32(c + 40, COLD_DATA_OFFSET);
        put32(c + 44, COLD_PAGE);
        memcpy(c + 48, root, 32);
        put32(h, RVF_SEG_MAGIC);
        h[4] = RVF_SEG_VERSION;
        h[5] = COLD_SEG_TYPE;
        put64(h + 0x08, n);
        put64(h + 0x10, payload_length(pages));
        put64(h + 0x18, now_ns);
        uint8_t content[32];
        f->hash(c, COLD_DATA_OFFSET - COLD_SEG_HDR, data, (size_t)pages * COLD_PAGE, content);
        memcpy(h + 0x28, content, 16);
        if (f->program(f->ctx, base, h, COLD_DATA_OFFSET) != 0) {
                return COLD_E_FLASH;
        }
        s->next_seq = n + 1;
        s->slot_seq[pick] = n;
        s->writes++;
        *slot = (unsigned)pick;
        *seq = n;
        return COLD_OK;
}

int cold_find(const struct cold_space *s, uint32_t part, ipa_t ipa)
{
        const uint64_t at = ipa_addr(ipa);

        for (unsigned i = 0; i < COLD_MAX_RANGES; i++) {
                const struct cold_range *r = &s->range[i];
                const uint64_t first = ipa_addr(r->ipa);
                if (r->used && r->cold && r->part == part && at >= first &&
                    at - first < (uint64_t)r->pages * COLD_PAGE) {
                        return (int)i;
                }
        }
        return -1;
}

bool cold_claims(const struct cold_space *s, uint32_t part)
{
        for (unsigned i = 0; i < COLD_MAX_RANGES; i++) {
                if (s->range[i].used && s->range[i].part == part) {
                        return true;
                }
        }
        return false;
}

enum cold_err cold_make(struct cold_space *s, const struct tier_ops *ops,
                        const struct cold_flash *f, uint32_t part, ipa_t ipa, pa_t pa,
                        uint32_t pages, uint64_t now_ns, unsigned *index)
{
        const uint64_t first = ipa_addr(ipa), size = (uint64_t)pages * COLD_PAGE;

        if (pages == 0 || pages > COLD_MAX_PAGES || first % COLD_PAGE != 0 ||
            pa_addr(pa) % COLD_PAGE != 0 || first + size < first) {
                return COLD_E_INVAL;
        }
        struct cold_range *r = NULL;
        for (unsigned i = 0; i < COLD_MAX_RANGES; i++) {
                struct cold_range *o = &s->range[i];
                if (o->used && o->part == part &&
                    first < ipa_addr(o->ipa) + (uint64_t)o->pages * COLD_PAGE &&
                    ipa_addr(o->ipa) < first + size) {
                        return COLD_E_OVERLAP;
                }
                if (!o->used && r == NULL) {
                        r = o;
                        *index = i;
                }
        }
        if (r == NULL) {
                return COLD_E_FULL;
        }
        if (ops->unmap(ops->ctx, part, ipa, pages) != 0) {
                return COLD_E_MAP;
        }
        unsigned slot = 0;
        uint64_t seq = 0;
        uint8_t root[32];
        enum cold_err e = cold_write(s, f, COLD_K_REGION, part, ipa, ops->ptr(ops->ctx, pa), pages,
                                     now_ns, &slot, &seq, root);
        if (e != COLD_OK) {
                for (uint32_t i = 0; i < pages; i++) { /* as it was */
                        (void)ops->map(ops->ctx, part, ipa_add(ipa, (uint64_t)i * COLD_PAGE),
                                       pa_add(pa, (uint64_t)i * COLD_PAGE));
                }
                return e;
        }
        ops->free(ops->ctx, pa, pages);
        *r = (struct cold_range){.used = true,
                                 .cold = true,
                                 .part = part,
                                 .pages = pages,
                                 .slot = slot,
                                 .ipa = ipa,
                                 .pa = pa,
                                 .seq = seq};
        memcpy(r->root, root, 32);
        s->pages_returned += pages;
        return COLD_OK;
}

/* Frames for every page of r (its own if free, else others): s->frame. */
static enum cold_err take_frames(struct cold_space *s, const struct tier_ops *ops,
                                 const struct cold_range *r)
{
        for (uint32_t i = 0; i < r->pages; i++) {
                const pa_t home = pa_add(r->pa, (uint64_t)i * COLD_PAGE);
                s->frame[i] = ops->reclaim(ops->ctx, home) ? home : ops->alloc(ops->ctx, 1);
                if (pa_addr(s->frame[i]) == 0) {
                        for (uint32_t k = 0; k < i; k++) {
                                ops->free(ops->ctx, s->frame[k], 1);
                        }
                        return COLD_E_NOMEM;
                }
        }
        return COLD_OK;
}

static void give_frames(struct cold_space *s, const struct tier_ops *ops, uint32_t pages)
{
        for (uint32_t i = 0; i < pages; i++) {
                ops->free(ops->ctx, s->frame[i], 1);
        }
}

/* Map every page of r from s->frame and forget r (unless a page lives elsewhere). */
static enum cold_err map_back(struct cold_space *s, const struct tier_ops *ops,
                              struct cold_range *r)
{
        bool moved = false;

        for (uint32_t i = 0; i < r->pages; i++) {
                if (ops->map(ops->ctx, r->part, ipa_add(r->ipa, (uint64_t)i * COLD_PAGE),
                             s->frame[i]) != 0) {
                        (void)ops->unmap(ops->ctx, r->part, r->ipa, i);
                        give_frames(s, ops, r->pages);
                        return COLD_E_MAP;
                }
                moved |= pa_addr(s->frame[i]) != pa_addr(r->pa) + (uint64_t)i * COLD_PAGE;
        }
        s->pages_returned -= r->pages;
        r->cold = false;
        r->used = moved;
        return COLD_OK;
}

enum cold_err cold_restore(struct cold_space *s, const struct tier_ops *ops,
                           const struct cold_flash *f, unsigned index)
{
        struct cold_range *r = index < COLD_MAX_RANGES ? &s->range[index] : NULL;
        struct cold_seg seg;
        uint8_t h[32];

        if (r == NULL || !r->used || !r->cold) {
                return COLD_E_NOT_FOUND;
        }
        uint64_t base = (uint64_t)r->slot * COLD_SLOT_SIZE;
        if (f->read(f->ctx, base, s->hdr, sizeof(s->hdr)) != 0) {
                return COLD_E_FLASH;
        }
        enum cold_err e = cold_parse(s->hdr, sizeof(s->hdr), &seg);
        if (e != COLD_OK || seg.kind != COLD_K_REGION || seg.part != r->part ||
            seg.pages != r->pages || ipa_addr(seg.ipa) != ipa_addr(r->ipa) || seg.seq != r->seq) {
                s->damaged++;
                return COLD_E_DAMAGED;
        }
        f->hash(seg.table, (size_t)seg.pages * 32u, NULL, 0, h);
        if (memcmp(h, r->root, 32) != 0) {
                s->damaged++;
                return COLD_E_DAMAGED;
        }
        e = take_frames(s, ops, r);
        if (e != COLD_OK) {
                return e;
        }
        for (uint32_t i = 0; i < r->pages; i++) {
                uint8_t *dst = ops->ptr(ops->ctx, s->frame[i]);
                if (f->read(f->ctx, base + COLD_DATA_OFFSET + (uint64_t)i * COLD_PAGE, dst,
                            COLD_PAGE) != 0) {
                        give_frames(s, ops, r->pages);
                        return COLD_E_FLASH;
                }
                f->hash(dst, COLD_PAGE, NULL, 0, h);
                if (memcmp(h, seg.table + (size_t)i * 32u, 32) != 0) {
                        give_frames(s, ops, r->pages);
                        s->damaged++;
                        return COLD_E_DAMAGED;
                }
        }
        e = map_back(s, ops, r);
        if (e == COLD_OK) {
                s->restores++;
        }
        return e;
}

enum cold_err cold_drop(struct cold_space *s, const struct tier_ops *ops, unsigned index)
{
        struct cold_range *r = index < COLD_MAX_RANGES ? &s->range[index] : NULL;

        if (r == NULL || !r->used || !r->cold) {
                return COLD_E_NOT_FOUND;
        }
        enum cold_err e = take_frames(s, ops, r);
        if (e != COLD_OK) {
                return e;
        }
        for (uint32_t i = 0; i < r->pages; i++) {
                memset(ops->ptr(ops->ctx, s->frame[i]), 0, COLD_PAGE);
        }
        return map_back(s, ops, r);
}

const char *cold_err_name(enum cold_err e)
{
        static const char *const names[] = {"ok",
                                            "invalid range",
                                            "no free range or slot",
                                            "overlaps a cold range",
                                            "out of memory",
                                            "not cold",
                                            "hash mismatch (damaged)",
                                            "flash error or no cold area",
                                            "mapping failed",
                                            "not a cold segment",
                                            "truncated"};

        return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}
