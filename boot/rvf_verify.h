/*
 * boot/rvf_verify.h: the crypto half of RVF checking (boot/rvf.h is the structural half):
 * every segment's content hash, every KERNEL image and WASM bytecode SHA-256, the payload
 * headers of every KERNEL, WASM and PROFILE segment, and the ECDSA P-256 signature of the
 * CRYPTO segment with downgrade protection. mbedTLS, no allocation of our own (mbedTLS's
 * bignums allocate through its platform layer: libc on the host, the witness arena in RVM).
 */
#ifndef RVM_BOOT_RVF_VERIFY_H
#define RVM_BOOT_RVF_VERIFY_H

#include <stdint.h>

#include "boot/rvf.h"

/* Inflate a compressed kernel image (RVF_COMPRESS_GZIP or _LZ4) and hash it: 0 when it
 * inflates to exactly image_size bytes and out holds their SHA-256. The host tool passes
 * zlib's and liblz4's; RVM passes liblz4's, keeping the inflated image (boot/rvf_boot.c). */
typedef int (*rvf_inflate_hash_fn)(uint8_t compression, const uint8_t *src, uint64_t src_len,
                                   uint64_t image_size, uint8_t out[RVF_SHA256_SIZE]);

void rvf_sha256(const void *data, uint64_t len, uint8_t out[RVF_SHA256_SIZE]);
/* key_id = first 16 bytes of SHA-256 of the 65-byte uncompressed public point. */
void rvf_key_id(const uint8_t pub[RVF_PUBKEY_SIZE], uint8_t id[RVF_KEY_ID_SIZE]);

/* Content hashes of every segment, then each KERNEL/WASM/PROFILE payload parsed and its
 * image/bytecode hash checked. A compressed kernel's image hash needs inflate (else
 * RVF_E_UNSUPPORTED naming image_hash). */
enum rvf_err rvf_verify_hashes(const struct rvf_file *f, rvf_inflate_hash_fn inflate,
                               struct rvf_error *err);

/* The digest the signature signs: SHA-256(file[0, signed_length) || the CRYPTO segment's
 * 64-byte header with its content hash (0x28..0x37) zeroed || CRYPTO payload bytes
 * 0x00..0x27). s comes from rvf_sig_parse. */
void rvf_sig_digest(const struct rvf_file *f, const struct rvf_sig *s,
                    uint8_t out[RVF_SHA256_SIZE]);

/* The signature segment parses, names pub's key id, verifies, and its image version is at
 * least min_version. sig (optional) receives the parsed segment. */
enum rvf_err rvf_verify_signature(const struct rvf_file *f, const uint8_t pub[RVF_PUBKEY_SIZE],
                                  uint64_t min_version, struct rvf_sig *sig, struct rvf_error *err);

/* Everything: rvf_parse must have succeeded on f. */
enum rvf_err rvf_verify(const struct rvf_file *f, const uint8_t pub[RVF_PUBKEY_SIZE],
                        uint64_t min_version, rvf_inflate_hash_fn inflate, struct rvf_error *err);

#endif
