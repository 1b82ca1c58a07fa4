/*
 * boot/rvf_verify.c: hashes and the signature of an RVF file (boot/rvf_verify.h), with
 * mbedTLS's SHA-256 and ECDSA P-256 verify.
 */
#include "boot/rvf_verify.h"

#include <string.h>

#include "mbedtls/ecdsa.h"
#include "mbedtls/ecp.h"
#include "mbedtls/sha256.h"

void rvf_sha256(const void *data, uint64_t len, uint8_t out[RVF_SHA256_SIZE])
{
        mbedtls_sha256_context c;

        /* With our config these cannot fail (software SHA-256, no allocation). */
        mbedtls_sha256_init(&c);
        (void)mbedtls_sha256_starts_ret(&c, 0);
        if (len != 0) {
                (void)mbedtls_sha256_update_ret(&c, data, (size_t)len);
        }
        (void)mbedtls_sha256_finish_ret(&c, out);
}

void rvf_key_id(const uint8_t pub[RVF_PUBKEY_SIZE], uint8_t id[RVF_KEY_ID_SIZE])
{
        uint8_t h[RVF_SHA256_SIZE];

        rvf_sha256(pub, RVF_PUBKEY_SIZE, h);
        memcpy(id, h, RVF_KEY_ID_SIZE);
}

enum rvf_err rvf_verify_hashes(const struct rvf_file *f, rvf_inflate_hash_fn inflate,
                               struct rvf_error *err)
{
        uint8_t h[RVF_SHA256_SIZE];
        enum rvf_err e;

        for (unsigned i = 0; i < f->seg_count; i++) {
                const struct rvf_segment *s = &f->seg[i];
                rvf_sha256(rvf_payload(f, i), s->payload_length, h);
                if (memcmp(h, s->content_hash, RVF_HASH_SIZE) != 0) {
                        return rvf_error_set(err, RVF_E_HASH, (int)i, s->type, "content_hash",
                                             "does not match the payload");
                }
        }
        for (unsigned i = 0; i < f->seg_count; i++) {
                const uint8_t t = f->seg[i].type;
                if (t == RVF_SEG_KERNEL) {
                        struct rvf_kernel k;
                        if ((e = rvf_kernel_parse(f, i, &k, err)) != RVF_OK) {
                                return e;
                        }
                        if (k.compression == RVF_COMPRESS_NONE) {
                                rvf_sha256(k.image, k.image_size, h);
                        } else if (inflate == NULL) {
                                return rvf_error_set(
                                    err, RVF_E_UNSUPPORTED, (int)i, t, "image_hash",
                                    "compressed image: cannot inflate here to check it");
                        } else if (inflate(k.compression, k.image, k.stored_size, k.image_size,
                                           h) != 0) {
                                return rvf_error_set(
                                    err, RVF_E_IMAGE_HASH, (int)i, t, "image",
                                    "compressed image does not inflate to image_size bytes");
                        }
                        if (memcmp(h, k.image_hash, RVF_SHA256_SIZE) != 0) {
                                return rvf_error_set(err, RVF_E_IMAGE_HASH, (int)i, t, "image_hash",
                                                     "does not match the image");
                        }
                } else if (t == RVF_SEG_WASM) {
                        struct rvf_wasm w;
                        if ((e = rvf_wasm_parse(f, i, &w, err)) != RVF_OK) {
                                return e;
                        }
                        rvf_sha256(w.bytecode, w.bytecode_size, h);
                        if (memcmp(h, w.bytecode_hash, RVF_SHA256_SIZE) != 0) {
                                return rvf_error_set(err, RVF_E_IMAGE_HASH, (int)i, t,
                                                     "bytecode_hash", "does not match the module");
                        }
                } else if (t == RVF_SEG_PROFILE) {
                        struct rvf_profile p;
                        /* The seed's JSON profile is not ours to read: only RVPF is checked. */
                        if (rvf_le32(rvf_payload(f, i)) == RVF_PROFILE_MAGIC ||
                            f->seg[i].payload_length < 4) {
                                if ((e = rvf_profile_parse(f, i, &p, err)) != RVF_OK) {
                                        return e;
                                }
                        }
                }
        }
        return RVF_OK;
}

void rvf_sig_digest(const struct rvf_file *f, const struct rvf_sig *s, uint8_t out[RVF_SHA256_SIZE])
{
        mbedtls_sha256_context c;
        uint8_t hdr[RVF_SEG_HDR_SIZE];

        /* The CRYPTO segment's own header is signed too, all but its content hash (which
         * covers r and s): no bit of the file escapes both the signature and the hashes. */
        memcpy(hdr, f->data + f->seg[f->crypto].offset, sizeof(hdr));
        memset(hdr + 0x28, 0, RVF_HASH_SIZE);
        mbedtls_sha256_init(&c);
        (void)mbedtls_sha256_starts_ret(&c, 0);
        (void)mbedtls_sha256_update_ret(&c, f->data, (size_t)s->signed_length);
        (void)mbedtls_sha256_update_ret(&c, hdr, sizeof(hdr));
        (void)mbedtls_sha256_update_ret(&c, rvf_payload(f, (unsigned)f->crypto),
                                        RVF_SIG_SIGNED_HDR);
        (void)mbedtls_sha256_finish_ret(&c, out);
}

enum rvf_err rvf_verify_signature(const struct rvf_file *f, const uint8_t pub[RVF_PUBKEY_SIZE],
                                  uint64_t min_version, struct rvf_sig *sig, struct rvf_error *err)
{
        struct rvf_sig local;
        struct rvf_sig *s = sig != NULL ? sig : &local;
        uint8_t id[RVF_KEY_ID_SIZE], digest[RVF_SHA256_SIZE];
        enum rvf_err e = rvf_sig_parse(f, s, err);

        if (e != RVF_OK) {
                return e;
        }
        const int ci = f->crypto;
        rvf_key_id(pub, id);
        if (memcmp(id, s->key_id, RVF_KEY_ID_SIZE) != 0) {
                return rvf_error_set(err, RVF_E_KEY, ci, RVF_SEG_CRYPTO, "key_id",
                                     "signed with another key than the one trusted");
        }
        rvf_sig_digest(f, s, digest);

        mbedtls_ecp_group grp;
        mbedtls_ecp_point q;
        mbedtls_mpi r, sv;
        mbedtls_ecp_group_init(&grp);
        mbedtls_ecp_point_init(&q);
        mbedtls_mpi_init(&r);
        mbedtls_mpi_init(&sv);
        int rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
        if (rc == 0) {
                rc = mbedtls_ecp_point_read_binary(&grp, &q, pub, RVF_PUBKEY_SIZE);
        }
        if (rc == 0) {
                rc = mbedtls_ecp_check_pubkey(&grp, &q);
        }
        const bool key_ok = rc == 0;
        if (rc == 0) {
                rc = mbedtls_mpi_read_binary(&r, s->r, 32);
        }
        if (rc == 0) {
                rc = mbedtls_mpi_read_binary(&sv, s->s, 32);
        }
        if (rc == 0) {
                rc = mbedtls_ecdsa_verify(&grp, digest, sizeof(digest), &q, &r, &sv);
        }
        mbedtls_mpi_free(&sv);
        mbedtls_mpi_free(&r);
        mbedtls_ecp_point_free(&q);
        mbedtls_ecp_group_free(&grp);
        if (!key_ok) {
                return rvf_error_set(err, RVF_E_KEY, ci, RVF_SEG_CRYPTO, "public key",
                                     "the trusted key is not a P-256 point");
        }
        if (rc != 0) {
                return rvf_error_set(err, RVF_E_SIGNATURE, ci, RVF_SEG_CRYPTO, "signature",
                                     "does not verify");
        }
        if (s->image_version < min_version) {
                return rvf_error_set(err, RVF_E_DOWNGRADE, ci, RVF_SEG_CRYPTO, "image_version",
                                     "below the minimum version allowed");
        }
        return RVF_OK;
}

enum rvf_err rvf_verify(const struct rvf_file *f, const uint8_t pub[RVF_PUBKEY_SIZE],
                        uint64_t min_version, rvf_inflate_hash_fn inflate, struct rvf_error *err)
{
        enum rvf_err e = rvf_verify_hashes(f, inflate, err);

        if (e != RVF_OK) {
                return e;
        }
        return rvf_verify_signature(f, pub, min_version, NULL, err);
}
