/*
 * witness/crypto.c — the witness module's use of mbedTLS: SHA-256 for the chain and the
 * attestation digest, HMAC-SHA256 (through the MD layer) for seals, and the kernel's
 * static allocation arena that the MD layer's HMAC context needs.
 */
#include <string.h>

#include "mbedtls/md.h"
#include "mbedtls/sha256.h"
#include "witness/witness.h"

#if defined(RVM_KERNEL)
#include "configs/features.h"
#include "configs/limits.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_util.h"

/* witness_sha256's own padding for the boot's block function (below); a profile built for
 * size (configs/seed/limits.h) hashes through mbedTLS's buffered path instead, which calls
 * the same block function a block at a time: the same digests, slower, ~750 bytes less. */
#ifndef WITNESS_SHA256_FAST
#define WITNESS_SHA256_FAST 1
#endif

static bool witness_crypto_ready;

#ifdef RVM_WITH_RVF
#include "mbedtls/memory_buffer_alloc.h"

/* mbedtls_md_hmac allocates one MD context: the SHA-256 state plus 2 x 64 bytes of
 * HMAC pads, a few hundred bytes with the allocator's headers; 4 KiB leaves headroom.
 * mbedTLS has one buffer allocator: a module that also needs ECDSA verify must size the
 * arena for it (define WITNESS_CRYPTO_ARENA) rather than install a second one. */
#ifndef WITNESS_CRYPTO_ARENA
#define WITNESS_CRYPTO_ARENA 4096
#endif
static unsigned char witness_crypto_arena[WITNESS_CRYPTO_ARENA];

static void crypto_heap_init(void)
{
        mbedtls_memory_buffer_alloc_init(witness_crypto_arena, sizeof(witness_crypto_arena));
}
#else
/*
 * Without RVF boot nothing verifies ECDSA, and the only allocations mbedTLS makes are the
 * HMAC's MD context: the SHA-256 state and the two pads (mbedtls_md_setup), freed by
 * mbedtls_md_free after each MAC, under the log's lock. Two fixed slots hold them,
 * instead of mbedTLS's general buffer allocator.
 */
#define CRYPTO_SLOT_BYTES 128
_Static_assert(sizeof(mbedtls_sha256_context) <= CRYPTO_SLOT_BYTES, "an MD context fits");
static _Alignas(16) unsigned char crypto_slot[2][CRYPTO_SLOT_BYTES];
static bool crypto_slot_used[2];

void *witness_crypto_calloc(size_t n, size_t size)
{
        if (size == 0 || n > CRYPTO_SLOT_BYTES / size) {
                return NULL;
        }
        for (unsigned i = 0; i < 2; i++) {
                if (!crypto_slot_used[i]) {
                        crypto_slot_used[i] = true;
                        memset(crypto_slot[i], 0, sizeof(crypto_slot[i]));
                        return crypto_slot[i];
                }
        }
        return NULL;
}

void witness_crypto_free(void *p)
{
        for (unsigned i = 0; i < 2; i++) {
                if (p == crypto_slot[i]) {
                        crypto_slot_used[i] = false;
                }
        }
}

/* mbedTLS calls both by name (witness/mbedtls_config.h): nothing to install. */
static void crypto_heap_init(void) {}

/* MBEDTLS_PLATFORM_ZEROIZE_ALT: what mbedTLS wipes (an MD context, HMAC's pads) goes the
 * way witness_wipe wipes keys, through volatile stores the compiler keeps. */
void mbedtls_platform_zeroize(void *buf, size_t len)
{
        witness_wipe(buf, len);
}
#endif

/* The SHA-256 compression mbedTLS calls for every block (witness/mbedtls_config.h sets
 * MBEDTLS_SHA256_PROCESS_ALT in the kernel): the boot's accelerated one when it gave one,
 * else mbedTLS's own, from its sha256.c built a second time with that function renamed
 * (the Makefile's sha256_portable.o). */
int witness_sha256_portable_block(mbedtls_sha256_context *ctx, const unsigned char data[64]);
static witness_sha256_blocks_fn *sha256_blocks;

witness_sha256_blocks_fn *witness_sha256_accelerate(witness_sha256_blocks_fn *fn)
{
        witness_sha256_blocks_fn *old = sha256_blocks;

        sha256_blocks = fn;
        return old;
}

void witness_sha256_portable(uint32_t state[8], const uint8_t *data, size_t blocks)
{
        mbedtls_sha256_context c;

        memcpy(c.state, state, sizeof(c.state));
        for (; blocks != 0; blocks--, data += 64)
                (void)witness_sha256_portable_block(&c, data);
        memcpy(state, c.state, sizeof(c.state));
}

int mbedtls_internal_sha256_process(mbedtls_sha256_context *ctx, const unsigned char data[64])
{
        witness_sha256_blocks_fn *fn = sha256_blocks;

        if (fn != NULL) {
                fn(ctx->state, data, 1);
                return 0;
        }
        return witness_sha256_portable_block(ctx, data);
}
#endif

enum witness_err witness_crypto_init(void)
{
#if defined(RVM_KERNEL)
        if (!witness_crypto_ready) {
                crypto_heap_init();
                witness_crypto_ready = true;
        }
#endif
        return WITNESS_OK;
}

#if defined(RVM_KERNEL) && WITNESS_SHA256_FAST
/*
 * With a block function from the boot (the CPU's instructions) witness_sha256 pads and feeds
 * it itself (FIPS 180-4 §5.1.1), the same digest as through mbedTLS: a message that fits two
 * blocks (a chain step: 84 bytes) in one call, a long one (the image, a checkpoint) in calls
 * of 4 KiB of whole blocks, instead of mbedTLS's call and buffer copies per block.
 */
struct sha256_run {
        uint8_t buf[128] __attribute__((aligned(8)));
        uint32_t st[8];
        size_t n;       /* bytes waiting in buf */
        uint64_t total; /* bytes so far */
};

static void run_feed(struct sha256_run *r, witness_sha256_blocks_fn *fn, const uint8_t *p,
                     size_t len)
{
        r->total += len;
        if (r->n != 0) {
                size_t k = 64 - r->n < len ? 64 - r->n : len;
                memcpy(r->buf + r->n, p, k);
                r->n += k;
                p += k;
                len -= k;
                if (r->n < 64)
                        return;
                fn(r->st, r->buf, 1);
                r->n = 0;
        }
        /* At most 4 KiB a call: the block function masks interrupts while it runs. */
        while (len >= 64) {
                size_t blocks = len / 64 < 64 ? len / 64 : 64;
                fn(r->st, p, blocks);
                p += blocks * 64;
                len -= blocks * 64;
        }
        memcpy(r->buf, p, len);
        r->n = len;
}

/* A word of the block buffer that may alias its bytes. */
typedef uint64_t __attribute__((may_alias)) sha_word;

/*
 * A chain step (witness_chain_step: the 32-byte head, then a record's 52 content bytes, both
 * 8-byte aligned) laid straight into its two padded blocks a word at a time: the message's
 * 84 bytes, 0x80 after them, zeros, its length in bits. The general path below does the same
 * through memcpy and memset, three calls GCC does not inline under -mstrict-align.
 */
static bool chain_blocks(uint8_t buf[128], const void *a, size_t alen, const void *b, size_t blen)
{
        sha_word *w = (sha_word *)(void *)buf;
        const sha_word *x = a, *y = b;

        if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__ || alen != WITNESS_HEAD_SIZE ||
            blen != WITNESS_CONTENT_SIZE || (((uintptr_t)a | (uintptr_t)b) & 7) != 0)
                return false;
        _Static_assert(WITNESS_HEAD_SIZE == 32 && WITNESS_CONTENT_SIZE == 52, "layout");
        /* Written out: GCC keeps short copy loops rolled (6 instructions a word). */
        w[0] = x[0];
        w[1] = x[1];
        w[2] = x[2];
        w[3] = x[3];
        w[4] = y[0];
        w[5] = y[1];
        w[6] = y[2];
        w[7] = y[3];
        w[8] = y[4];
        w[9] = y[5];
        /* Content bytes 48..51, then 0x80 (byte 84 of the message), then zeros. */
        w[10] = (uint64_t)((const uint32_t *)(const void *)y)[12] | 0x80ULL << 32;
        for (int i = 11; i < 15; i++)
                w[i] = 0;
        w[15] = __builtin_bswap64((uint64_t)(32 + 52) * 8);
        return true;
}

static void run_hash(witness_sha256_blocks_fn *fn, const void *a, size_t alen, const void *b,
                     size_t blen, uint8_t out[WITNESS_HEAD_SIZE])
{
        static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
        struct sha256_run r; /* buf is written before it is read */

        for (unsigned i = 0; i < 8; i++) /* not memcpy: a call under -mstrict-align */
                r.st[i] = iv[i];
        r.n = r.total = 0;
        if (chain_blocks(r.buf, a, alen, b, blen)) {
                fn(r.st, r.buf, 2);
                goto out;
        }
        if (alen + blen <= sizeof(r.buf) - 9) { /* all of it and its padding in buf */
                memcpy(r.buf, a, alen);
                memcpy(r.buf + alen, b, blen);
                r.n = r.total = alen + blen;
        } else {
                run_feed(&r, fn, a, alen);
                run_feed(&r, fn, b, blen);
        }
        size_t end = r.n + 9 <= 64 ? 64 : 128;
        r.buf[r.n] = 0x80;
        memset(r.buf + r.n + 1, 0, end - 8 - r.n - 1);
        /* The length in bits, big-endian, in the last 8 bytes (an aligned word of buf). */
        *(uint64_t *)(void *)(r.buf + end - 8) = __builtin_bswap64(r.total * 8);
        fn(r.st, r.buf, end / 64);
out:
        if (((uintptr_t)out & 3) == 0) { /* the kernel is built with -mstrict-align */
                uint32_t *o = (uint32_t *)(void *)out;

                o[0] = __builtin_bswap32(r.st[0]); /* written out, as above */
                o[1] = __builtin_bswap32(r.st[1]);
                o[2] = __builtin_bswap32(r.st[2]);
                o[3] = __builtin_bswap32(r.st[3]);
                o[4] = __builtin_bswap32(r.st[4]);
                o[5] = __builtin_bswap32(r.st[5]);
                o[6] = __builtin_bswap32(r.st[6]);
                o[7] = __builtin_bswap32(r.st[7]);
                return;
        }
        for (unsigned i = 0; i < 8; i++) {
                out[4 * i] = (uint8_t)(r.st[i] >> 24);
                out[4 * i + 1] = (uint8_t)(r.st[i] >> 16);
                out[4 * i + 2] = (uint8_t)(r.st[i] >> 8);
                out[4 * i + 3] = (uint8_t)r.st[i];
        }
}
#endif

void witness_sha256(const void *a, size_t alen, const void *b, size_t blen,
                    uint8_t out[WITNESS_HEAD_SIZE])
{
        mbedtls_sha256_context c;

#if defined(RVM_KERNEL) && WITNESS_SHA256_FAST
        witness_sha256_blocks_fn *fn = sha256_blocks;
        if (fn != NULL) {
                run_hash(fn, a, alen, b, blen, out);
                return;
        }
#endif

        /* With our config these calls cannot fail (no hardware accelerator, no alloc). */
        mbedtls_sha256_init(&c);
        (void)mbedtls_sha256_starts_ret(&c, 0);
        if (alen)
                (void)mbedtls_sha256_update_ret(&c, a, alen);
        if (blen)
                (void)mbedtls_sha256_update_ret(&c, b, blen);
        (void)mbedtls_sha256_finish_ret(&c, out);
        /* No mbedtls_sha256_free(): it only zeroises the state, and nothing hashed here is
         * secret (chain, attestation and container checks); it is 1/8 of an append. */
}

/* Public by design: the root of development seals, which every verifier reports as not
 * authenticated. A provisioned board never uses it (docs/WITNESS.md §2). */
const uint8_t witness_dev_key[32] = "RVM-DEV-WITNESS-KEY-NOT-SECRET!!";

void witness_wipe(void *p, size_t n)
{
        volatile uint8_t *b = p;

        while (n--)
                *b++ = 0;
}

enum witness_err witness_hmac(const uint8_t *key, size_t key_len, const void *a, size_t alen,
                              const void *b, size_t blen, uint8_t out[32])
{
        const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
        mbedtls_md_context_t c;
        int rc;

        if (md == NULL || key == NULL || key_len == 0)
                return WITNESS_E_CRYPTO;
        mbedtls_md_init(&c);
        rc = mbedtls_md_setup(&c, md, 1);
        if (rc == 0)
                rc = mbedtls_md_hmac_starts(&c, key, key_len);
        if (rc == 0 && alen)
                rc = mbedtls_md_hmac_update(&c, a, alen);
        if (rc == 0 && blen)
                rc = mbedtls_md_hmac_update(&c, b, blen);
        if (rc == 0)
                rc = mbedtls_md_hmac_finish(&c, out);
        mbedtls_md_free(&c); /* zeroises the pads and state */
        return rc == 0 ? WITNESS_OK : WITNESS_E_CRYPTO;
}

static const char k_boot[] = "RVM-WITNESS-BOOT-v1", k_group[] = "RVM-WITNESS-GROUP-v1",
                  k_epoch[] = "RVM-WITNESS-EPOCH-v1", k_evolve[] = "RVM-WITNESS-EVOLVE-v1";

/* dst <- HMAC(src, label); src may be dst. */
static enum witness_err step(uint8_t dst[32], const uint8_t src[32], const char *label, size_t n)
{
        uint8_t t[32];
        enum witness_err e = witness_hmac(src, 32, label, n, NULL, 0, t);

        memcpy(dst, t, 32);
        witness_wipe(t, sizeof(t));
        return e;
}

enum witness_err witness_keys_seek(struct witness_keys *ks, const uint8_t *root, size_t root_len,
                                   uint32_t boot, uint32_t index)
{
        uint8_t b[4] = {(uint8_t)boot, (uint8_t)(boot >> 8), (uint8_t)(boot >> 16),
                        (uint8_t)(boot >> 24)};
        enum witness_err e;

        ks->valid = false;
        e = witness_hmac(root, root_len, k_boot, sizeof(k_boot) - 1, b, 4, ks->group);
        for (uint32_t g = 0; e == WITNESS_OK && g < index / WITNESS_KEY_GROUP; g++)
                e = step(ks->group, ks->group, k_group, sizeof(k_group) - 1);
        if (e == WITNESS_OK)
                e = step(ks->key, ks->group, k_epoch, sizeof(k_epoch) - 1);
        if (e == WITNESS_OK)
                e = step(ks->group, ks->group, k_group, sizeof(k_group) - 1);
        for (uint32_t k = 0; e == WITNESS_OK && k < index % WITNESS_KEY_GROUP; k++)
                e = step(ks->key, ks->key, k_evolve, sizeof(k_evolve) - 1);
        if (e != WITNESS_OK) {
                witness_wipe(ks, sizeof(*ks));
                return e;
        }
        ks->boot = boot;
        ks->index = index;
        ks->valid = true;
        return WITNESS_OK;
}

enum witness_err witness_keys_evolve(struct witness_keys *ks)
{
        enum witness_err e;

        if (!ks->valid || ks->index == UINT32_MAX)
                return WITNESS_E_STATE;
        if ((ks->index + 1) % WITNESS_KEY_GROUP == 0) {
                e = step(ks->key, ks->group, k_epoch, sizeof(k_epoch) - 1);
                if (e == WITNESS_OK)
                        e = step(ks->group, ks->group, k_group, sizeof(k_group) - 1);
        } else {
                e = step(ks->key, ks->key, k_evolve, sizeof(k_evolve) - 1);
        }
        if (e != WITNESS_OK) {
                witness_wipe(ks, sizeof(*ks));
                return e;
        }
        ks->index++;
        return WITNESS_OK;
}

enum witness_err witness_keys_at(struct witness_keys *ks, const uint8_t *root, size_t root_len,
                                 uint32_t boot, uint32_t index)
{
        if (ks->valid && ks->boot == boot && ks->index <= index &&
            index - ks->index < WITNESS_KEY_GROUP) {
                while (ks->index < index)
                        if (witness_keys_evolve(ks) != WITNESS_OK)
                                return WITNESS_E_CRYPTO;
                return WITNESS_OK;
        }
        if (root == NULL)
                return WITNESS_E_STATE;
        return witness_keys_seek(ks, root, root_len, boot, index);
}

static const char seal_domain[] = "RVM-WITNESS-SEAL-v1";

enum witness_err witness_seal_mac(const uint8_t *key, size_t key_len,
                                  const uint8_t head_before[WITNESS_HEAD_SIZE],
                                  const uint8_t rec[WITNESS_RECORD_SIZE],
                                  uint8_t mac[WITNESS_MAC_SIZE])
{
        uint8_t msg[sizeof(seal_domain) - 1 + WITNESS_HEAD_SIZE + WITNESS_CONTENT_SIZE];
        uint8_t full[32];
        size_t n = sizeof(seal_domain) - 1;
        memcpy(msg, seal_domain, n);
        memcpy(msg + n, head_before, WITNESS_HEAD_SIZE);
        memcpy(msg + n + WITNESS_HEAD_SIZE, rec, WITNESS_CONTENT_SIZE);
        /* The MAC lives in target/cap/payload (bytes 16..39): they are not MAC input. */
        memset(msg + n + WITNESS_HEAD_SIZE + 16, 0, 24);
        if (witness_hmac(key, key_len, msg, sizeof(msg), NULL, 0, full) != WITNESS_OK)
                return WITNESS_E_CRYPTO;
        memcpy(mac, full, WITNESS_MAC_SIZE);
        return WITNESS_OK;
}

static const char attest_domain[] = "RVM-ATTEST-v1";

void witness_attest_init(struct witness_attest *a)
{
        witness_sha256(attest_domain, sizeof(attest_domain) - 1, NULL, 0, a->digest);
        a->phases = 0;
}

void witness_attest_measure(struct witness_attest *a, const char *phase, const void *data,
                            size_t len, uint8_t meas[WITNESS_HEAD_SIZE])
{
        uint8_t buf[sizeof(attest_domain) - 1 + 3 * WITNESS_HEAD_SIZE];
        size_t n = sizeof(attest_domain) - 1;

        memcpy(buf, attest_domain, n);
        memcpy(buf + n, a->digest, WITNESS_HEAD_SIZE);
        witness_sha256(phase, phase ? strlen(phase) : 0, NULL, 0, buf + n + WITNESS_HEAD_SIZE);
        witness_sha256(data, data ? len : 0, NULL, 0, buf + n + 2 * WITNESS_HEAD_SIZE);
        if (meas)
                memcpy(meas, buf + n + 2 * WITNESS_HEAD_SIZE, WITNESS_HEAD_SIZE);
        witness_sha256(buf, sizeof(buf), NULL, 0, a->digest);
        a->phases++;
}

static const char key_magic[8] = {'R', 'V', 'M', 'W', 'K', 'E', 'Y', '1'};

bool witness_key_blob_parse(const uint8_t blob[WITNESS_KEY_BLOB], uint8_t key[32], size_t *len)
{
        uint8_t h[WITNESS_HEAD_SIZE], d = 0;
        uint32_t n = (uint32_t)blob[8] | (uint32_t)blob[9] << 8 | (uint32_t)blob[10] << 16 |
                     (uint32_t)blob[11] << 24;

        if (memcmp(blob, key_magic, 8) != 0 || n < 16 || n > 32)
                return false;
        witness_sha256(blob, 48, NULL, 0, h);
        for (int i = 0; i < 16; i++)
                d |= (uint8_t)(h[i] ^ blob[48 + i]);
        if (d != 0)
                return false;
        memcpy(key, blob + 16, n);
        *len = n;
        return true;
}

void witness_key_blob_make(const uint8_t *key, size_t len, uint8_t blob[WITNESS_KEY_BLOB])
{
        uint8_t h[WITNESS_HEAD_SIZE];

        memset(blob, 0, WITNESS_KEY_BLOB);
        memcpy(blob, key_magic, 8);
        blob[8] = (uint8_t)len;
        memcpy(blob + 16, key, len > 32 ? 32 : len);
        witness_sha256(blob, 48, NULL, 0, h);
        memcpy(blob + 48, h, 16);
}
