/*
 * tools/rvf/rvf_tool.h: the host side of RVF: a writer that assembles segments (our
 * layout: 64-byte aligned, true command-line offsets; or the seed's, for tests), the
 * partition-table (PROFILE) encoder, gzip through zlib, P-256 keys and signing through
 * mbedTLS, and the command-line tool run in-process (tests call rvf_tool_run).
 * Parsing and verifying are boot/rvf.h and boot/rvf_verify.h, shared with RVM.
 */
#ifndef RVM_TOOLS_RVF_RVF_TOOL_H
#define RVM_TOOLS_RVF_RVF_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "boot/rvf.h"

/* ---- writer ---- */
struct rvfw {
        uint8_t *buf;
        size_t len, cap;
        bool align;    /* pad each payload to 64 bytes (our layout); false = the seed's */
        uint64_t time; /* timestamp_ns written into every header */
        uint64_t next_id;
        unsigned count;
        struct {
                uint64_t id, offset, length;
                uint8_t type;
        } dir[RVF_MAX_SEGMENTS];
        bool failed; /* out of memory or too many segments */
};
void rvfw_init(struct rvfw *w, bool align);
void rvfw_free(struct rvfw *w);
/* Append a segment (header + payload + padding); returns its id, 0 on failure. */
uint64_t rvfw_add(struct rvfw *w, uint8_t type, const void *payload, size_t len);

struct rvfw_kernel {
        uint8_t arch, kernel_type, vcpus;
        uint32_t min_memory_mb;
        uint64_t entry_point;
        const char *cmdline;
        const uint8_t *initrd; /* a Linux kernel's initramfs, after the command line */
        size_t initrd_size;
        uint8_t compression; /* RVF_COMPRESS_*: none, gzip (zlib) or lz4 (one LZ4 block) */
        bool seed_quirks;    /* write cmdline_offset = 128 as seeds/001 does */
};
uint64_t rvfw_add_kernel(struct rvfw *w, const struct rvfw_kernel *k, const uint8_t *image,
                         size_t size);
struct rvfw_wasm {
        uint8_t role, target, priority, min_pages;
};
uint64_t rvfw_add_wasm(struct rvfw *w, const struct rvfw_wasm *o, const uint8_t *code, size_t size);
/* The directory of every segment so far. */
uint64_t rvfw_add_manifest(struct rvfw *w, uint32_t epoch, uint8_t profile_id);
/* Append the CRYPTO segment signing everything so far (see boot/rvf.h). 0 on success. */
int rvfw_sign(struct rvfw *w, const uint8_t priv[32], uint64_t image_version);

/* ---- PROFILE encoder ---- */
struct rvfp {
        struct rvf_profile_partition part[RVF_PROFILE_MAX_PARTS];
        struct rvf_profile_agent agent[RVF_PROFILE_MAX_AGENTS];
        struct rvf_profile_edge edge[RVF_PROFILE_MAX_EDGES];
        struct rvf_profile_lease lease[RVF_PROFILE_MAX_LEASES];
        unsigned parts, agents, edges, leases;
};
/* Encode p into a malloc'd buffer; NULL if it does not fit the format. */
uint8_t *rvfp_encode(const struct rvfp *p, size_t *len);

/* ---- gzip (zlib) ---- */
uint8_t *rvf_gzip(const uint8_t *data, size_t len, size_t *out_len);
/* One LZ4 block of data (liblz4), malloc'd; NULL on failure. */
uint8_t *rvf_lz4(const uint8_t *data, size_t len, size_t *out_len);
/* rvf_inflate_hash_fn over zlib (gzip) and liblz4 (lz4). */
int rvf_inflate_hash(uint8_t compression, const uint8_t *src, uint64_t src_len, uint64_t image_size,
                     uint8_t out[32]);

/* ---- keys (mbedTLS, randomness from /dev/urandom) ---- */
int rvf_keygen(uint8_t priv[32], uint8_t pub[RVF_PUBKEY_SIZE]);
int rvf_pub_from_priv(const uint8_t priv[32], uint8_t pub[RVF_PUBKEY_SIZE]);
int rvf_sign_digest(const uint8_t priv[32], const uint8_t digest[32], uint8_t rs[64]);

/* ---- the tool ---- */
enum rvf_exit {
        RVF_EXIT_OK = 0,
        RVF_EXIT_USAGE = 1,      /* bad command line, unreadable or unwritable file */
        RVF_EXIT_FORMAT = 2,     /* structure: headers, directory, payload headers */
        RVF_EXIT_HASH = 3,       /* a segment's content hash */
        RVF_EXIT_IMAGE_HASH = 4, /* a KERNEL image or WASM bytecode hash */
        RVF_EXIT_UNSIGNED = 5,   /* a key was given but the file has no signature */
        RVF_EXIT_KEY = 6,        /* signed with another key */
        RVF_EXIT_SIGNATURE = 7,  /* the signature does not verify */
        RVF_EXIT_DOWNGRADE = 8,  /* image version below --min-version */
        RVF_EXIT_UNBOOTABLE = 9, /* --boot: a kernel RVM cannot boot (arch, gzip) */
};
int rvf_exit_for(enum rvf_err e);
int rvf_tool_run(int argc, char **argv, FILE *out, FILE *err);

#endif
