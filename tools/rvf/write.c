/*
 * tools/rvf/write.c: assembling RVF files on the host: segments with their headers and
 * content hashes, KERNEL and WASM payloads, the manifest, the signature, the PROFILE
 * encoding, gzip through zlib and LZ4 through liblz4 (never our own compressor).
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lz4.h"

#include "mbedtls/sha256.h"

#include "boot/rvf_verify.h"
#include "tools/rvf/rvf_tool.h"

static void put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
        put16(p, (uint16_t)v);
        put16(p + 2, (uint16_t)(v >> 16));
}
static void put64(uint8_t *p, uint64_t v)
{
        put32(p, (uint32_t)v);
        put32(p + 4, (uint32_t)(v >> 32));
}

void rvfw_init(struct rvfw *w, bool align)
{
        memset(w, 0, sizeof(*w));
        w->align = align;
        w->next_id = 1;
}

void rvfw_free(struct rvfw *w)
{
        free(w->buf);
        w->buf = NULL;
        w->len = w->cap = 0;
}

static bool reserve(struct rvfw *w, size_t more)
{
        if (more > SIZE_MAX / 2 - w->len) {
                return false;
        }
        if (w->len + more <= w->cap) {
                return true;
        }
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + more) {
                cap *= 2;
        }
        uint8_t *b = realloc(w->buf, cap);
        if (b == NULL) {
                return false;
        }
        w->buf = b;
        w->cap = cap;
        return true;
}

static uint32_t pad_for(const struct rvfw *w, size_t len)
{
        return w->align ? (uint32_t)((RVF_SEG_ALIGN - len % RVF_SEG_ALIGN) % RVF_SEG_ALIGN) : 0;
}

/* The 64-byte header of the next segment, content hash left zero. */
static void make_header(const struct rvfw *w, uint8_t type, size_t len, uint8_t h[64])
{
        memset(h, 0, RVF_SEG_HDR_SIZE);
        put32(h, RVF_SEG_MAGIC);
        h[0x04] = RVF_SEG_VERSION;
        h[0x05] = type;
        put64(h + 0x08, w->next_id);
        put64(h + 0x10, len);
        put64(h + 0x18, w->time);
        put32(h + 0x3C, pad_for(w, len));
}

uint64_t rvfw_add(struct rvfw *w, uint8_t type, const void *payload, size_t len)
{
        uint32_t pad = pad_for(w, len);
        uint8_t h[RVF_SEG_HDR_SIZE], hash[RVF_SHA256_SIZE];

        if (w->failed || w->count == RVF_MAX_SEGMENTS ||
            !reserve(w, RVF_SEG_HDR_SIZE + len + pad)) {
                w->failed = true;
                return 0;
        }
        make_header(w, type, len, h);
        uint64_t id = w->next_id++;
        rvf_sha256(payload, len, hash);
        memcpy(h + 0x28, hash, RVF_HASH_SIZE);
        w->dir[w->count].id = id;
        w->dir[w->count].offset = w->len;
        w->dir[w->count].length = len;
        w->dir[w->count].type = type;
        w->count++;
        memcpy(w->buf + w->len, h, sizeof(h));
        if (len != 0) {
                memcpy(w->buf + w->len + sizeof(h), payload, len);
        }
        memset(w->buf + w->len + sizeof(h) + len, 0, pad);
        w->len += sizeof(h) + len + pad;
        return id;
}

uint64_t rvfw_add_kernel(struct rvfw *w, const struct rvfw_kernel *k, const uint8_t *image,
                         size_t size)
{
        const size_t cmd_len = k->cmdline ? strlen(k->cmdline) : 0;
        const size_t rd_len = k->initrd != NULL ? k->initrd_size : 0;
        const bool packed = k->compression != RVF_COMPRESS_NONE;
        uint8_t hash[RVF_SHA256_SIZE];
        size_t stored_len = size;
        uint8_t *stored = (uint8_t *)image, *gz = NULL;

        if (packed) {
                gz = k->compression == RVF_COMPRESS_LZ4 ? rvf_lz4(image, size, &stored_len)
                                                        : rvf_gzip(image, size, &stored_len);
                if (gz == NULL) {
                        w->failed = true;
                        return 0;
                }
                stored = gz;
        }
        size_t len = RVF_KERNEL_HDR_SIZE + stored_len + cmd_len + rd_len;
        uint8_t *p = calloc(1, len);
        if (p == NULL || cmd_len > RVF_CMDLINE_MAX || rd_len > UINT32_MAX) {
                free(gz);
                free(p);
                w->failed = true;
                return 0;
        }
        rvf_sha256(image, size, hash);
        put32(p, RVF_KERNEL_MAGIC);
        put16(p + 0x04, RVF_KERNEL_HDR_VERSION);
        p[0x06] = k->arch;
        p[0x07] = k->kernel_type;
        put32(p + 0x08, packed ? RVF_KFLAG_COMPRESSED : 0);
        put32(p + 0x0C, k->min_memory_mb);
        put64(p + 0x10, k->entry_point);
        put64(p + 0x18, size);
        put64(p + 0x20, packed ? stored_len : 0);
        p[0x28] = k->compression;
        memcpy(p + 0x30, hash, RVF_SHA256_SIZE);
        memcpy(p + 0x50, hash, 16); /* build id: as seeds/001, the hash's first 16 bytes */
        put64(p + 0x60, w->time / 1000000000u);
        p[0x68] = k->vcpus ? k->vcpus : 1;
        put32(p + 0x6C,
              k->seed_quirks ? RVF_KERNEL_HDR_SIZE : (uint32_t)(RVF_KERNEL_HDR_SIZE + stored_len));
        put32(p + 0x70, (uint32_t)cmd_len);
        put32(p + 0x74, (uint32_t)rd_len);
        memcpy(p + RVF_KERNEL_HDR_SIZE, stored, stored_len);
        memcpy(p + RVF_KERNEL_HDR_SIZE + stored_len, k->cmdline ? k->cmdline : "", cmd_len);
        if (rd_len != 0) {
                memcpy(p + RVF_KERNEL_HDR_SIZE + stored_len + cmd_len, k->initrd, rd_len);
        }
        uint64_t id = rvfw_add(w, RVF_SEG_KERNEL, p, len);
        free(p);
        free(gz);
        return id;
}

uint64_t rvfw_add_wasm(struct rvfw *w, const struct rvfw_wasm *o, const uint8_t *code, size_t size)
{
        uint8_t *p = calloc(1, RVF_WASM_HDR_SIZE + size);

        if (p == NULL || size > UINT32_MAX) {
                free(p);
                w->failed = true;
                return 0;
        }
        put32(p, RVF_WASM_MAGIC);
        put16(p + 0x04, RVF_WASM_HDR_VERSION);
        p[0x06] = o->role;
        p[0x07] = o->target;
        put32(p + 0x0C, (uint32_t)size);
        p[0x15] = o->min_pages;
        rvf_sha256(code, size, p + 0x1C);
        p[0x3C] = o->priority;
        memcpy(p + RVF_WASM_HDR_SIZE, code, size);
        uint64_t id = rvfw_add(w, RVF_SEG_WASM, p, RVF_WASM_HDR_SIZE + size);
        free(p);
        return id;
}

uint64_t rvfw_add_manifest(struct rvfw *w, uint32_t epoch, uint8_t profile_id)
{
        size_t len = RVF_MANIFEST_HDR_SIZE + (size_t)w->count * RVF_MANIFEST_ENTRY_SIZE + 4;
        uint8_t *p = calloc(1, len);

        if (p == NULL) {
                w->failed = true;
                return 0;
        }
        put32(p, epoch);
        put32(p + 14, w->count);
        p[18] = profile_id;
        for (unsigned i = 0; i < w->count; i++) {
                uint8_t *e = p + RVF_MANIFEST_HDR_SIZE + i * RVF_MANIFEST_ENTRY_SIZE;
                put64(e, w->dir[i].id);
                put64(e + 8, w->dir[i].offset);
                put64(e + 16, w->dir[i].length);
                e[24] = w->dir[i].type;
        }
        uint64_t id = rvfw_add(w, RVF_SEG_MANIFEST, p, len);
        free(p);
        return id;
}

int rvfw_sign(struct rvfw *w, const uint8_t priv[32], uint64_t image_version)
{
        uint8_t p[RVF_SIG_SIZE] = {0}, pub[RVF_PUBKEY_SIZE], digest[RVF_SHA256_SIZE];

        if (w->failed || rvf_pub_from_priv(priv, pub) != 0) {
                return -1;
        }
        put32(p, RVF_SIG_MAGIC);
        put16(p + 0x04, RVF_SIG_HDR_VERSION);
        p[0x06] = RVF_SIG_ALG_P256;
        put64(p + 0x08, image_version);
        put64(p + 0x10, w->len);
        rvf_key_id(pub, p + 0x18);
        /* The digest rvf_sig_digest computes: the file so far, this segment's header (its
         * content hash zero), then payload bytes 0..0x27. */
        uint8_t *m = malloc(w->len + RVF_SEG_HDR_SIZE + RVF_SIG_SIGNED_HDR);
        if (m == NULL) {
                return -1;
        }
        memcpy(m, w->buf, w->len);
        make_header(w, RVF_SEG_CRYPTO, sizeof(p), m + w->len);
        memcpy(m + w->len + RVF_SEG_HDR_SIZE, p, RVF_SIG_SIGNED_HDR);
        rvf_sha256(m, w->len + RVF_SEG_HDR_SIZE + RVF_SIG_SIGNED_HDR, digest);
        free(m);
        if (rvf_sign_digest(priv, digest, p + 0x28) != 0) {
                return -1;
        }
        return rvfw_add(w, RVF_SEG_CRYPTO, p, sizeof(p)) != 0 ? 0 : -1;
}

/* ---- PROFILE ---- */

struct strtab {
        char buf[RVF_PROFILE_MAX_STRINGS];
        size_t len;
        bool overflow;
};

static uint16_t str_add(struct strtab *t, const char *s, size_t n, bool nul)
{
        if (n + 1 > sizeof(t->buf) - t->len || t->len >= RVF_PROFILE_NO_STRING) {
                t->overflow = true;
                return 0;
        }
        uint16_t at = (uint16_t)t->len;
        memcpy(t->buf + t->len, s, n);
        t->len += n;
        if (nul) {
                t->buf[t->len++] = '\0';
        }
        return at;
}

uint8_t *rvfp_encode(const struct rvfp *p, size_t *len)
{
        struct strtab t;
        if (p->parts > RVF_PROFILE_MAX_PARTS || p->agents > RVF_PROFILE_MAX_AGENTS ||
            p->edges > RVF_PROFILE_MAX_EDGES || p->leases > RVF_PROFILE_MAX_LEASES) {
                return NULL;
        }
        size_t fixed = RVF_PROFILE_HDR_SIZE + p->parts * RVF_PROFILE_PART_SIZE +
                       p->agents * RVF_PROFILE_AGENT_SIZE + p->edges * RVF_PROFILE_EDGE_SIZE +
                       p->leases * RVF_PROFILE_LEASE_SIZE;
        uint8_t *b = calloc(1, fixed + RVF_PROFILE_MAX_STRINGS);
        if (b == NULL) {
                return NULL;
        }
        memset(&t, 0, sizeof(t));
        uint8_t *e = b + RVF_PROFILE_HDR_SIZE;
        for (unsigned i = 0; i < p->parts; i++, e += RVF_PROFILE_PART_SIZE) {
                const struct rvf_profile_partition *q = &p->part[i];
                put64(e, q->mem_bytes);
                put64(e + 8, q->kernel_seg_id);
                put16(e + 16, str_add(&t, q->name, strlen(q->name), true));
                put16(e + 18, q->cmdline_len ? str_add(&t, q->cmdline, q->cmdline_len, true)
                                             : RVF_PROFILE_NO_STRING);
                put16(e + 20, q->cmdline_len);
                e[22] = q->kind;
                e[23] = q->vcpus;
                e[24] = q->fault_policy;
                e[25] = q->max_restarts;
                e[26] = q->ipa_bits;
                e[27] = q->vdev_type;
                put32(e + 28, q->vdev_ipa);
        }
        for (unsigned i = 0; i < p->agents; i++, e += RVF_PROFILE_AGENT_SIZE) {
                const struct rvf_profile_agent *a = &p->agent[i];
                put64(e, a->wasm_seg_id);
                put16(e + 8, str_add(&t, a->name, strlen(a->name), true));
                e[10] = a->partition;
                e[11] = a->caps;
                e[12] = a->flags;
                e[13] = a->priority;
        }
        for (unsigned i = 0; i < p->edges; i++, e += RVF_PROFILE_EDGE_SIZE) {
                e[0] = p->edge[i].a;
                e[1] = p->edge[i].b;
        }
        for (unsigned i = 0; i < p->leases; i++, e += RVF_PROFILE_LEASE_SIZE) {
                put16(e, str_add(&t, p->lease[i].device, strlen(p->lease[i].device), true));
                e[2] = p->lease[i].partition;
                put32(e + 4, p->lease[i].ms);
        }
        if (t.overflow) {
                free(b);
                return NULL;
        }
        put32(b, RVF_PROFILE_MAGIC);
        put16(b + 4, RVF_PROFILE_VERSION);
        b[6] = (uint8_t)p->parts;
        b[7] = (uint8_t)p->agents;
        b[8] = (uint8_t)p->edges;
        b[9] = (uint8_t)p->leases;
        put16(b + 10, (uint16_t)t.len);
        memcpy(e, t.buf, t.len);
        *len = fixed + t.len;
        return b;
}

/* ---- gzip through zlib ---- */

uint8_t *rvf_gzip(const uint8_t *data, size_t len, size_t *out_len)
{
        z_stream z;
        memset(&z, 0, sizeof(z));
        /* windowBits 15 + 16: a gzip wrapper, as the seed's zlib.gzipSync writes. */
        if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
                return NULL;
        }
        uLong bound = deflateBound(&z, (uLong)len);
        uint8_t *out = malloc(bound ? bound : 1);
        if (out == NULL) {
                deflateEnd(&z);
                return NULL;
        }
        z.next_in = (Bytef *)data;
        z.avail_in = (uInt)len;
        z.next_out = out;
        z.avail_out = (uInt)bound;
        int rc = deflate(&z, Z_FINISH);
        *out_len = z.total_out;
        deflateEnd(&z);
        if (rc != Z_STREAM_END) {
                free(out);
                return NULL;
        }
        return out;
}

/* ---- one LZ4 block through liblz4 (what RVM inflates at boot) ---- */

uint8_t *rvf_lz4(const uint8_t *data, size_t len, size_t *out_len)
{
        if (len > LZ4_MAX_INPUT_SIZE) {
                return NULL;
        }
        int bound = LZ4_compressBound((int)len);
        uint8_t *out = malloc(bound > 0 ? (size_t)bound : 1);
        int n = out != NULL ? LZ4_compress_default((const char *)data, (char *)out, (int)len, bound)
                            : 0;
        if (n <= 0) {
                free(out);
                return NULL;
        }
        *out_len = (size_t)n;
        return out;
}

static int unlz4_hash(const uint8_t *src, uint64_t src_len, uint64_t image_size, uint8_t out[32])
{
        /* An LZ4 block grows at most 255-fold: a lying image_size is refused before any
         * memory is taken for it. */
        if (src_len > LZ4_MAX_INPUT_SIZE || image_size > (uint64_t)INT32_MAX ||
            image_size > src_len * 255 + 16) {
                return -1;
        }
        uint8_t *img = malloc(image_size ? (size_t)image_size : 1);
        if (img == NULL) {
                return -1;
        }
        int n = LZ4_decompress_safe((const char *)src, (char *)img, (int)src_len, (int)image_size);
        if (n >= 0 && (uint64_t)n == image_size) {
                rvf_sha256(img, image_size, out);
        }
        free(img);
        return n >= 0 && (uint64_t)n == image_size ? 0 : -1;
}

int rvf_inflate_hash(uint8_t compression, const uint8_t *src, uint64_t src_len, uint64_t image_size,
                     uint8_t out[32])
{
        if (compression == RVF_COMPRESS_LZ4) {
                return unlz4_hash(src, src_len, image_size, out);
        }
        if (compression != RVF_COMPRESS_GZIP) {
                return -1;
        }
        const uint8_t *gz = src;
        const uint64_t gz_len = src_len;
        /* Streamed through a fixed buffer and hashed as it comes: a lying image_size costs
         * no memory, and output past image_size stops the stream. */
        static uint8_t chunk[65536];
        mbedtls_sha256_context h;
        z_stream z;
        uint64_t total = 0;
        int rc = Z_OK;

        if (gz_len > UINT32_MAX) {
                return -1;
        }
        memset(&z, 0, sizeof(z));
        if (inflateInit2(&z, 15 + 16) != Z_OK) {
                return -1;
        }
        mbedtls_sha256_init(&h);
        (void)mbedtls_sha256_starts_ret(&h, 0);
        z.next_in = (Bytef *)gz;
        z.avail_in = (uInt)gz_len;
        while (rc == Z_OK && total <= image_size) {
                z.next_out = chunk;
                z.avail_out = sizeof(chunk);
                rc = inflate(&z, Z_NO_FLUSH);
                size_t got = sizeof(chunk) - z.avail_out;
                if (rc != Z_OK && rc != Z_STREAM_END) {
                        break;
                }
                if (got == 0 && rc == Z_OK) {
                        rc = Z_DATA_ERROR; /* no progress: the stream is cut short */
                        break;
                }
                total += got;
                if (total <= image_size) {
                        (void)mbedtls_sha256_update_ret(&h, chunk, got);
                }
        }
        bool ok = rc == Z_STREAM_END && total == image_size && z.avail_in == 0;
        inflateEnd(&z);
        (void)mbedtls_sha256_finish_ret(&h, out);
        return ok ? 0 : -1;
}
