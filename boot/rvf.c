/*
 * boot/rvf.c: the RVF parser (boot/rvf.h). Structure only, no crypto, no allocation.
 * Every length read from the file is compared against what remains (never added to an
 * offset first), so no check can overflow.
 */
#include "boot/rvf.h"

#include <string.h>

enum rvf_err rvf_error_set(struct rvf_error *err, enum rvf_err code, int segment, uint8_t type,
                           const char *field, const char *reason)
{
        if (err != NULL) {
                err->code = code;
                err->segment = segment;
                err->seg_type = type;
                err->table = NULL;
                err->entry = -1;
                err->field = field;
                err->reason = reason;
        }
        return code;
}

static bool type_known(uint8_t t)
{
        return (t >= 0x01 && t <= 0x0E) || t == RVF_SEG_WASM;
}

/* Does [a, a+alen) meet [b, b+blen)? (Both already known to lie inside the file.) */
static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
        return a < b + blen && b < a + alen;
}

static enum rvf_err walk_segments(struct rvf_file *f, struct rvf_error *err)
{
        uint64_t off = 0;

        while (off < f->size) {
                const uint8_t *h = f->data + off;
                int i = (int)f->seg_count;
                struct rvf_segment *s;

                if (f->seg_count == RVF_MAX_SEGMENTS) {
                        return rvf_error_set(err, RVF_E_TOO_MANY, i, 0, "segment",
                                             "more than 64 segments");
                }
                if (f->size - off < RVF_SEG_HDR_SIZE) {
                        return rvf_error_set(err, RVF_E_TRUNCATED, i, 0, "header",
                                             "segment header past end of file");
                }
                s = &f->seg[f->seg_count];
                s->type = h[0x05];
                if (rvf_le32(h) != RVF_SEG_MAGIC) {
                        return rvf_error_set(err, RVF_E_MAGIC, i, 0, "magic", "not RVFS");
                }
                if (h[0x04] != RVF_SEG_VERSION) {
                        return rvf_error_set(err, RVF_E_VERSION, i, s->type, "version",
                                             "unknown segment version");
                }
                if (!type_known(s->type)) {
                        return rvf_error_set(err, RVF_E_FIELD, i, s->type, "type",
                                             "unknown segment type");
                }
                s->offset = off;
                s->payload_offset = off + RVF_SEG_HDR_SIZE;
                s->version = h[0x04];
                s->flags = rvf_le16(h + 0x06);
                s->id = rvf_le64(h + 0x08);
                s->payload_length = rvf_le64(h + 0x10);
                s->timestamp_ns = rvf_le64(h + 0x18);
                s->checksum_algo = h[0x20];
                s->compression = h[0x21];
                memcpy(s->content_hash, h + 0x28, RVF_HASH_SIZE);
                s->align_pad = rvf_le32(h + 0x3C);
                if (s->id == 0) {
                        return rvf_error_set(err, RVF_E_FIELD, i, s->type, "segment_id",
                                             "0 is not a segment id");
                }
                for (unsigned j = 0; j < f->seg_count; j++) {
                        if (f->seg[j].id == s->id) {
                                return rvf_error_set(err, RVF_E_FIELD, i, s->type, "segment_id",
                                                     "two segments with this id");
                        }
                }
                if (s->checksum_algo != 0) {
                        return rvf_error_set(err, RVF_E_FIELD, i, s->type, "checksum_algo",
                                             "unknown content hash algorithm");
                }
                if (s->compression != 0 || rvf_le32(h + 0x38) != 0) {
                        return rvf_error_set(err, RVF_E_FIELD, i, s->type, "compression",
                                             "segment-level compression is not supported");
                }
                if (rvf_le16(h + 0x22) != 0 || rvf_le32(h + 0x24) != 0) {
                        return rvf_error_set(err, RVF_E_FIELD, i, s->type, "reserved", "not zero");
                }
                if (s->payload_length > f->size - s->payload_offset) {
                        return rvf_error_set(err, RVF_E_RANGE, i, s->type, "payload_length",
                                             "past end of file");
                }
                if (s->align_pad >= RVF_SEG_ALIGN) {
                        return rvf_error_set(err, RVF_E_FIELD, i, s->type, "alignment_pad",
                                             "64 or more padding bytes");
                }
                uint64_t end = s->payload_offset + s->payload_length;
                if (s->align_pad > f->size - end) {
                        return rvf_error_set(err, RVF_E_RANGE, i, s->type, "alignment_pad",
                                             "past end of file");
                }
                for (uint32_t p = 0; p < s->align_pad; p++) {
                        if (f->data[end + p] != 0) {
                                return rvf_error_set(err, RVF_E_FIELD, i, s->type, "alignment_pad",
                                                     "padding bytes not zero");
                        }
                }
                f->seg_count++;
                off = end + s->align_pad;
        }
        return RVF_OK;
}

static enum rvf_err check_order(struct rvf_file *f, struct rvf_error *err)
{
        f->manifest = -1;
        f->crypto = -1;
        for (unsigned i = 0; i < f->seg_count; i++) {
                uint8_t t = f->seg[i].type;

                if (t == RVF_SEG_MANIFEST) {
                        if (f->manifest >= 0) {
                                return rvf_error_set(err, RVF_E_MANIFEST, (int)i, t, "type",
                                                     "a second manifest");
                        }
                        f->manifest = (int)i;
                } else if (t == RVF_SEG_CRYPTO) {
                        if (f->manifest < 0 || i + 1 != f->seg_count) {
                                return rvf_error_set(
                                    err, RVF_E_MANIFEST, (int)i, t, "type",
                                    "the signature must be the last segment, after "
                                    "the manifest");
                        }
                        f->crypto = (int)i;
                } else if (f->manifest >= 0) {
                        return rvf_error_set(err, RVF_E_MANIFEST, (int)i, t, "type",
                                             "only the signature may follow the manifest");
                }
        }
        if (f->manifest < 0) {
                return rvf_error_set(err, RVF_E_MANIFEST, -1, 0, "manifest", "no MANIFEST segment");
        }
        return RVF_OK;
}

static enum rvf_err check_directory(struct rvf_file *f, struct rvf_error *err)
{
        const int mi = f->manifest;
        const struct rvf_segment *m = &f->seg[mi];
        const uint8_t *p = f->data + m->payload_offset;
        const uint64_t len = m->payload_length;

        if (len < RVF_MANIFEST_HDR_SIZE) {
                return rvf_error_set(err, RVF_E_TRUNCATED, mi, m->type, "payload_length",
                                     "shorter than the manifest header");
        }
        f->epoch = rvf_le32(p);
        f->profile_id = p[18];
        uint32_t count = rvf_le32(p + 14);
        if (count > RVF_MAX_SEGMENTS) {
                return rvf_error_set(err, RVF_E_TOO_MANY, mi, m->type, "seg_count",
                                     "more than 64 directory entries");
        }
        uint64_t need = RVF_MANIFEST_HDR_SIZE + (uint64_t)count * RVF_MANIFEST_ENTRY_SIZE + 4;
        if (need > len) {
                return rvf_error_set(err, RVF_E_TRUNCATED, mi, m->type, "seg_count",
                                     "directory past end of the manifest payload");
        }
        if (rvf_le32(p + need - 4) != 0) {
                return rvf_error_set(err, RVF_E_FIELD, mi, m->type, "del_count",
                                     "deleted segments are not supported");
        }
        if (need != len) {
                return rvf_error_set(err, RVF_E_FIELD, mi, m->type, "payload_length",
                                     "bytes after the directory");
        }
        if (count != (uint32_t)mi) {
                return rvf_error_set(err, RVF_E_DIRECTORY, mi, m->type, "seg_count",
                                     "directory does not list every segment before the manifest");
        }
        for (uint32_t j = 0; j < count; j++) {
                const uint8_t *e = p + RVF_MANIFEST_HDR_SIZE + j * RVF_MANIFEST_ENTRY_SIZE;
                uint64_t id = rvf_le64(e), off = rvf_le64(e + 8), plen = rvf_le64(e + 16);
                uint8_t type = e[24];
                int at = (int)j;

                if (off > f->size || f->size - off < RVF_SEG_HDR_SIZE ||
                    plen > f->size - off - RVF_SEG_HDR_SIZE) {
                        return rvf_error_set(err, RVF_E_RANGE, at, type, "directory offset/length",
                                             "points outside the file");
                }
                for (uint32_t k = 0; k < j; k++) {
                        const uint8_t *o = p + RVF_MANIFEST_HDR_SIZE + k * RVF_MANIFEST_ENTRY_SIZE;
                        if (overlaps(off, RVF_SEG_HDR_SIZE + plen, rvf_le64(o + 8),
                                     RVF_SEG_HDR_SIZE + rvf_le64(o + 16))) {
                                return rvf_error_set(err, RVF_E_OVERLAP, at, type,
                                                     "directory offset",
                                                     "overlaps another segment");
                        }
                }
                int s = -1;
                for (unsigned k = 0; k < f->seg_count; k++) {
                        if (f->seg[k].offset == off) {
                                s = (int)k;
                        }
                }
                if (s < 0 || s >= mi) {
                        return rvf_error_set(err, RVF_E_DIRECTORY, at, type, "directory offset",
                                             "no segment before the manifest starts there");
                }
                if (f->seg[s].id != id) {
                        return rvf_error_set(err, RVF_E_DIRECTORY, at, type, "directory segment_id",
                                             "differs from the segment header");
                }
                if (f->seg[s].payload_length != plen) {
                        return rvf_error_set(err, RVF_E_DIRECTORY, at, type,
                                             "directory payload_length",
                                             "differs from the segment header");
                }
                if (f->seg[s].type != type) {
                        return rvf_error_set(err, RVF_E_DIRECTORY, at, type, "directory type",
                                             "differs from the segment header");
                }
        }
        return RVF_OK;
}

enum rvf_err rvf_parse(const void *data, uint64_t size, struct rvf_file *f, struct rvf_error *err)
{
        enum rvf_err e;

        rvf_error_set(err, RVF_OK, -1, 0, NULL, NULL);
        if (f == NULL || (data == NULL && size != 0)) {
                return rvf_error_set(err, RVF_E_ARG, -1, 0, "file", "no data");
        }
        memset(f, 0, sizeof(*f));
        f->data = data;
        f->size = size;
        f->manifest = -1;
        f->crypto = -1;
        if (size == 0) {
                return rvf_error_set(err, RVF_E_TRUNCATED, -1, 0, "file", "empty");
        }
        if ((e = walk_segments(f, err)) != RVF_OK || (e = check_order(f, err)) != RVF_OK ||
            (e = check_directory(f, err)) != RVF_OK) {
                return e;
        }
        return RVF_OK;
}

int rvf_find_id(const struct rvf_file *f, uint64_t id)
{
        for (unsigned i = 0; i < f->seg_count; i++) {
                if (f->seg[i].id == id) {
                        return (int)i;
                }
        }
        return -1;
}

const uint8_t *rvf_payload(const struct rvf_file *f, unsigned index)
{
        return index < f->seg_count ? f->data + f->seg[index].payload_offset : NULL;
}

/* ---- flash layout ---- */

const char rvf_flash_magic[8] = {'R', 'V', 'M', 'F', 'L', 'A', 'S', 'H'};

enum rvf_err rvf_flash_parse(const void *flash, uint64_t size, struct rvf_flash *out,
                             struct rvf_error *err)
{
        if (flash == NULL || size < RVF_FLASH_HDR_OFFSET + RVF_FLASH_HDR_SIZE) {
                return rvf_error_set(err, RVF_E_TRUNCATED, -1, 0, "flash header",
                                     "flash too small");
        }
        return rvf_flash_header_parse((const uint8_t *)flash + RVF_FLASH_HDR_OFFSET, size, out,
                                      err);
}

enum rvf_err rvf_flash_header_parse(const uint8_t *h, uint64_t size, struct rvf_flash *out,
                                    struct rvf_error *err)
{
        rvf_error_set(err, RVF_OK, -1, 0, NULL, NULL);
        if (h == NULL || out == NULL || size < RVF_FLASH_HDR_OFFSET + RVF_FLASH_HDR_SIZE) {
                return rvf_error_set(err, RVF_E_TRUNCATED, -1, 0, "flash header",
                                     "flash too small");
        }
        memset(out, 0, sizeof(*out));
        out->active = -1;
        if (memcmp(h, rvf_flash_magic, sizeof(rvf_flash_magic)) != 0) {
                return rvf_error_set(err, RVF_E_MAGIC, -1, 0, "flash magic", "not RVMFLASH");
        }
        if (rvf_le32(h + 0x08) != RVF_FLASH_VERSION) {
                return rvf_error_set(err, RVF_E_VERSION, -1, 0, "flash version", "unknown version");
        }
        if (rvf_le32(h + 0x0C) != RVF_FLASH_SLOTS) {
                return rvf_error_set(err, RVF_E_FIELD, -1, 0, "slot_count", "not 2");
        }
        out->rvm_offset = rvf_le64(h + 0x10);
        out->rvm_length = rvf_le64(h + 0x18);
        out->rvm_sha256 = h + 0x20;
        if (out->rvm_offset != 0 || out->rvm_length > RVF_FLASH_RVM_MAX) {
                return rvf_error_set(err, RVF_E_RANGE, -1, 0, "rvm_length",
                                     "RVM overlaps the header");
        }
        for (unsigned i = 0; i < RVF_FLASH_SLOTS; i++) {
                const uint8_t *e = h + 0x40 + 32 * i;
                const uint64_t base = i == 0 ? RVF_FLASH_SLOT_A : RVF_FLASH_SLOT_B;
                out->slot[i].offset = rvf_le64(e);
                out->slot[i].length = rvf_le64(e + 8);
                out->slot[i].image_version = rvf_le64(e + 16);
                out->slot[i].flags = rvf_le32(e + 24);
                if (out->slot[i].offset != base || out->slot[i].length > RVF_FLASH_SLOT_MAX ||
                    (out->slot[i].length != 0 &&
                     (size < base || out->slot[i].length > size - base)) ||
                    (out->slot[i].flags & ~RVF_FLASH_SLOT_ACTIVE) != 0 || rvf_le32(e + 28) != 0) {
                        return rvf_error_set(err, RVF_E_RANGE, -1, 0, i ? "slot B" : "slot A",
                                             "offset, length or flags out of range");
                }
                if ((out->slot[i].flags & RVF_FLASH_SLOT_ACTIVE) && out->slot[i].length != 0 &&
                    out->active < 0) {
                        out->active = (int)i;
                }
        }
        return RVF_OK;
}

/* ---- names and messages ---- */

const char *rvf_seg_type_name(uint8_t type)
{
        switch (type) {
        case 0x01:
                return "VEC";
        case 0x02:
                return "INDEX";
        case 0x03:
                return "OVERLAY";
        case 0x04:
                return "JOURNAL";
        case RVF_SEG_MANIFEST:
                return "MANIFEST";
        case 0x06:
                return "QUANT";
        case RVF_SEG_META:
                return "META";
        case 0x08:
                return "HOT";
        case 0x09:
                return "SKETCH";
        case RVF_SEG_WITNESS:
                return "WITNESS";
        case RVF_SEG_PROFILE:
                return "PROFILE";
        case RVF_SEG_CRYPTO:
                return "CRYPTO";
        case 0x0D:
                return "METAIDX";
        case RVF_SEG_KERNEL:
                return "KERNEL";
        case RVF_SEG_WASM:
                return "WASM";
        }
        return "UNKNOWN";
}

const char *rvf_err_name(enum rvf_err e)
{
        static const char *const names[] = {
            [RVF_OK] = "ok",
            [RVF_E_TRUNCATED] = "truncated",
            [RVF_E_MAGIC] = "bad magic",
            [RVF_E_VERSION] = "bad version",
            [RVF_E_FIELD] = "bad field",
            [RVF_E_RANGE] = "out of range",
            [RVF_E_OVERLAP] = "overlapping segments",
            [RVF_E_DIRECTORY] = "directory mismatch",
            [RVF_E_MANIFEST] = "manifest",
            [RVF_E_TOO_MANY] = "too many",
            [RVF_E_HASH] = "content hash mismatch",
            [RVF_E_IMAGE_HASH] = "image hash mismatch",
            [RVF_E_UNSIGNED] = "unsigned",
            [RVF_E_KEY] = "wrong key",
            [RVF_E_SIGNATURE] = "bad signature",
            [RVF_E_DOWNGRADE] = "downgrade",
            [RVF_E_UNSUPPORTED] = "not bootable",
            [RVF_E_ARG] = "bad argument",
        };
        return (unsigned)e < sizeof(names) / sizeof(names[0]) && names[e] ? names[e] : "?";
}

struct out {
        char *buf;
        size_t cap, len;
};

static void put(struct out *o, const char *s)
{
        for (; s != NULL && *s; s++, o->len++) {
                if (o->len + 1 < o->cap) {
                        o->buf[o->len] = *s;
                }
        }
}

static void put_uint(struct out *o, uint64_t v)
{
        char d[21];
        unsigned n = sizeof(d) - 1;

        d[n] = '\0';
        do {
                d[--n] = (char)('0' + v % 10);
                v /= 10;
        } while (v != 0);
        put(o, d + n);
}

size_t rvf_error_format(const struct rvf_error *err, char *buf, size_t cap)
{
        struct out o = {buf, cap, 0};

        if (err->code == RVF_OK) {
                put(&o, "ok");
        } else {
                if (err->segment >= 0) {
                        put(&o, "segment ");
                        put_uint(&o, (uint64_t)err->segment);
                        put(&o, " (");
                        put(&o, rvf_seg_type_name(err->seg_type));
                        put(&o, "): ");
                } else {
                        put(&o, "file: ");
                }
                if (err->table != NULL) {
                        put(&o, err->table);
                        put(&o, " ");
                        put_uint(&o, (uint64_t)err->entry);
                        put(&o, " ");
                }
                put(&o, err->field ? err->field : rvf_err_name(err->code));
                put(&o, ": ");
                put(&o, err->reason ? err->reason : rvf_err_name(err->code));
        }
        if (cap > 0) {
                buf[o.len < cap ? o.len : cap - 1] = '\0';
        }
        return o.len;
}
