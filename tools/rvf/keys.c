/*
 * tools/rvf/keys.c: P-256 keys and signatures for RVF (host only), with mbedTLS's ECP and
 * ECDSA and randomness read from /dev/urandom. A private key file is the 32-byte
 * big-endian scalar; a public key file the 65-byte uncompressed point (0x04 || X || Y),
 * which is also what RVM is built to trust.
 */
#include <stdio.h>
#include <string.h>

#include "mbedtls/ecdsa.h"
#include "mbedtls/ecp.h"
#include "tools/rvf/rvf_tool.h"

static int urandom(void *ctx, unsigned char *out, size_t len)
{
        (void)ctx;
        FILE *f = fopen("/dev/urandom", "rb");
        size_t n = f != NULL ? fread(out, 1, len, f) : 0;

        if (f != NULL) {
                fclose(f);
        }
        return n == len ? 0 : -1;
}

int rvf_pub_from_priv(const uint8_t priv[32], uint8_t pub[RVF_PUBKEY_SIZE])
{
        mbedtls_ecp_group g;
        mbedtls_mpi d;
        mbedtls_ecp_point q;
        size_t olen = 0;

        mbedtls_ecp_group_init(&g);
        mbedtls_mpi_init(&d);
        mbedtls_ecp_point_init(&q);
        int rc = mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1);
        if (rc == 0)
                rc = mbedtls_mpi_read_binary(&d, priv, 32);
        if (rc == 0)
                rc = mbedtls_ecp_check_privkey(&g, &d);
        if (rc == 0)
                rc = mbedtls_ecp_mul(&g, &q, &d, &g.G, urandom, NULL);
        if (rc == 0)
                rc = mbedtls_ecp_point_write_binary(&g, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub,
                                                    RVF_PUBKEY_SIZE);
        mbedtls_ecp_point_free(&q);
        mbedtls_mpi_free(&d);
        mbedtls_ecp_group_free(&g);
        return rc == 0 && olen == RVF_PUBKEY_SIZE ? 0 : -1;
}

int rvf_keygen(uint8_t priv[32], uint8_t pub[RVF_PUBKEY_SIZE])
{
        mbedtls_ecp_group g;
        mbedtls_mpi d;
        mbedtls_ecp_point q;

        mbedtls_ecp_group_init(&g);
        mbedtls_mpi_init(&d);
        mbedtls_ecp_point_init(&q);
        int rc = mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1);
        if (rc == 0)
                rc = mbedtls_ecp_gen_keypair(&g, &d, &q, urandom, NULL);
        if (rc == 0)
                rc = mbedtls_mpi_write_binary(&d, priv, 32);
        mbedtls_ecp_point_free(&q);
        mbedtls_mpi_free(&d);
        mbedtls_ecp_group_free(&g);
        return rc == 0 ? rvf_pub_from_priv(priv, pub) : -1;
}

int rvf_sign_digest(const uint8_t priv[32], const uint8_t digest[32], uint8_t rs[64])
{
        mbedtls_ecp_group g;
        mbedtls_mpi d, r, s;

        mbedtls_ecp_group_init(&g);
        mbedtls_mpi_init(&d);
        mbedtls_mpi_init(&r);
        mbedtls_mpi_init(&s);
        int rc = mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1);
        if (rc == 0)
                rc = mbedtls_mpi_read_binary(&d, priv, 32);
        if (rc == 0)
                rc = mbedtls_ecdsa_sign(&g, &r, &s, &d, digest, 32, urandom, NULL);
        if (rc == 0)
                rc = mbedtls_mpi_write_binary(&r, rs, 32);
        if (rc == 0)
                rc = mbedtls_mpi_write_binary(&s, rs + 32, 32);
        mbedtls_mpi_free(&s);
        mbedtls_mpi_free(&r);
        mbedtls_mpi_free(&d);
        mbedtls_ecp_group_free(&g);
        return rc == 0 ? 0 : -1;
}
