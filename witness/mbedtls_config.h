/*
 * The mbedTLS subset RVM compiles in (SPEC.md §3): SHA-256, HMAC through the MD layer,
 * and ECDSA P-256 verification. The kernel (RVM_KERNEL defined) is freestanding: no
 * libc, no heap. mbedTLS's MD layer allocates its HMAC contexts, so in the kernel its
 * calloc/free are served by mbedTLS's own buffer allocator over one static, bounded
 * arena (witness/crypto.c); host tools use libc's.
 */
#ifndef RVM_MBEDTLS_CONFIG_H
#define RVM_MBEDTLS_CONFIG_H

#define MBEDTLS_SHA256_C
#define MBEDTLS_MD_C

#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_NO_INTERNAL_RNG
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C

#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY

#if defined(RVM_KERNEL)
/* No libgcc in the kernel: bignum's 128-bit division (__udivti3) is done without it
 * (boot/rvf_boot.c's ECDSA verify reaches mbedtls_mpi_div_mpi). */
#define MBEDTLS_NO_UDBL_DIVISION
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_PLATFORM_EXIT_MACRO(x)       ((void)(x))
#define MBEDTLS_PLATFORM_PRINTF_MACRO(...)   0
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO(...) 0
#define MBEDTLS_PLATFORM_FPRINTF_MACRO(...)  0
#define MBEDTLS_PLATFORM_STD_MEM_HDR         <stdlib.h>
/* SHA-256's compression function is witness/crypto.c's: the CPU's SHA-256 instructions when
 * it has them, else mbedTLS's own (sha256.c compiled again with RVM_SHA256_PORTABLE, its
 * compression renamed witness_sha256_portable_block by the Makefile). */
#if !defined(RVM_SHA256_PORTABLE)
#define MBEDTLS_SHA256_PROCESS_ALT
#endif
/* Without RVF boot (the Seed) nothing verifies ECDSA: mbedTLS allocates only HMAC's MD
 * context, from witness/crypto.c's two slots, called by name rather than through the
 * pointers mbedtls_platform_set_calloc_free keeps, and zeroises with witness/crypto.c's
 * volatile loop rather than through a pointer to memset: nothing of mbedTLS's in .data. */
#include "configs/features.h"
#if !defined(RVM_WITH_RVF)
#include <stddef.h>
void *witness_crypto_calloc(size_t n, size_t size);
void witness_crypto_free(void *p);
#define MBEDTLS_PLATFORM_CALLOC_MACRO witness_crypto_calloc
#define MBEDTLS_PLATFORM_FREE_MACRO   witness_crypto_free
#define MBEDTLS_PLATFORM_ZEROIZE_ALT
#endif
#endif

#include "mbedtls/check_config.h"

#endif
