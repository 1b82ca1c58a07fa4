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
#include "mbedtls/memory_buffer_alloc.h"

/* mbedtls_md_hmac allocates one MD context: the SHA-256 state plus 2 x 64 bytes of
 * HMAC pads, a few hundred bytes with the allocator's headers; 4 KiB leaves headroom.
 * mbedTLS has one buffer allocator: a module that also needs ECDSA verify must size the
 * arena for it (define WITNESS_CRYPTO_ARENA) rather than install a second one. */
#ifndef WITNESS_CRYPTO_ARENA
#define WITNESS_CRYPTO_ARENA 4096
#endif
static unsigned char witness_crypto_arena[WITNESS_CRYPTO_ARENA];
static bool witness_crypto_ready;
#endif

enum witness_err witness_crypto_init(void)
{
#if defined(RVM_KERNEL)
        if (!witness_crypto_ready) {
                mbedtls_memory_buffer_alloc_init(witness_crypto_arena,
                                                 sizeof(witness_crypto_arena));
                witness_crypto_ready = true;
        }
#endif
        return WITNESS_OK;
}

void witness_sha256(const void *a, size_t alen, const void *b, size_t blen,
                    uint8_t out[WITNESS_HEAD_SIZE])
{
        mbedtls_sha256_context c;

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

/* Public by design: anyone can verify (and forge) seals made with it. Boards override. */
const uint8_t witness_dev_key[32] = "RVM-DEV-WITNESS-KEY-NOT-SECRET!!";

static const char seal_domain[] = "RVM-WITNESS-SEAL-v1";

enum witness_err witness_seal_mac(const uint8_t *key, size_t key_len,
                                  const uint8_t head_before[WITNESS_HEAD_SIZE],
                                  const uint8_t rec[WITNESS_RECORD_SIZE],
                                  uint8_t mac[WITNESS_MAC_SIZE])
{
        uint8_t msg[sizeof(seal_domain) - 1 + WITNESS_HEAD_SIZE + WITNESS_CONTENT_SIZE];
        uint8_t full[32];
        size_t n = sizeof(seal_domain) - 1;
        const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
        int rc;

        if (md == NULL || key == NULL || key_len == 0)
                return WITNESS_E_CRYPTO;
        memcpy(msg, seal_domain, n);
        memcpy(msg + n, head_before, WITNESS_HEAD_SIZE);
        memcpy(msg + n + WITNESS_HEAD_SIZE, rec, WITNESS_CONTENT_SIZE);
        /* The MAC lives in target/cap/payload (bytes 16..39): they are not MAC input. */
        memset(msg + n + WITNESS_HEAD_SIZE + 16, 0, 24);
        rc = mbedtls_md_hmac(md, key, key_len, msg, sizeof(msg), full);
        if (rc != 0)
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
