/*
 * boot/rvf.h: the RVF image format (SPEC.md §4, seeds/001 build-rvf.js, docs/RVF.md) and
 * its one parser, shared by RVM and the host tool (tools/rvf). Plain C11, no allocation,
 * no hal/arch/kernel includes, no crypto: the parser checks structure only: every length,
 * offset and count against overflow and the file size, the segment walk against the
 * manifest's directory, and the KERNEL/WASM/PROFILE/CRYPTO payload headers. Hashes and
 * the signature are checked by boot/rvf_verify.c (mbedTLS). A bad file gets an error code
 * plus the index of the segment and the name of the field (rvf_error_format).
 *
 * All multi-byte fields are little-endian. The parser reads them byte by byte, so the
 * file may sit at any alignment (the seed packs segments without alignment).
 */
#ifndef RVM_BOOT_RVF_H
#define RVM_BOOT_RVF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Magics as u32 values written little-endian: "SFVR", "NKVR", "MWVR" on disk (seeds/001). */
#define RVF_SEG_MAGIC     0x52564653u /* "RVFS" */
#define RVF_KERNEL_MAGIC  0x52564B4Eu /* "RVKN" */
#define RVF_WASM_MAGIC    0x5256574Du /* "RVWM" */
#define RVF_SIG_MAGIC     0x52565347u /* "RVSG": our CRYPTO segment payload */
#define RVF_PROFILE_MAGIC 0x52565046u /* "RVPF": our PROFILE segment payload */

#define RVF_SEG_VERSION     1
#define RVF_SEG_HDR_SIZE    64
#define RVF_KERNEL_HDR_SIZE 128
#define RVF_WASM_HDR_SIZE   64
#define RVF_SEG_ALIGN       64 /* our writer's alignment (seeds/002); the reader needs none */
#define RVF_HASH_SIZE       16 /* content hash: first 16 bytes of SHA-256 of the payload */
#define RVF_SHA256_SIZE     32

#define RVF_MAX_SEGMENTS 64   /* per file, manifest and signature included */
#define RVF_CMDLINE_MAX  4096 /* a KERNEL_SEG's (or a profile's) command line */

/* Segment types (seeds/002 0x00-0x0D, seeds/001 0x0E and 0x10). */
enum rvf_seg_type {
        RVF_SEG_INVALID = 0x00,
        RVF_SEG_MANIFEST = 0x05,
        RVF_SEG_META = 0x07,
        RVF_SEG_WITNESS = 0x0A,
        RVF_SEG_PROFILE = 0x0B,
        RVF_SEG_CRYPTO = 0x0C,
        RVF_SEG_KERNEL = 0x0E,
        RVF_SEG_WASM = 0x10,
};

enum rvf_err {
        RVF_OK = 0,
        RVF_E_TRUNCATED,   /* a header or table runs past the end of the file or payload */
        RVF_E_MAGIC,       /* wrong magic */
        RVF_E_VERSION,     /* unknown version */
        RVF_E_FIELD,       /* a field holds a value out of its range */
        RVF_E_RANGE,       /* a length or offset points outside the file or payload */
        RVF_E_OVERLAP,     /* two segments share bytes */
        RVF_E_DIRECTORY,   /* the manifest's directory disagrees with the file */
        RVF_E_MANIFEST,    /* no manifest, two manifests, or one in the wrong place */
        RVF_E_TOO_MANY,    /* more segments (or table entries) than we accept */
        RVF_E_HASH,        /* a segment's content hash does not match its payload */
        RVF_E_IMAGE_HASH,  /* a KERNEL image or WASM bytecode SHA-256 does not match */
        RVF_E_UNSIGNED,    /* no CRYPTO segment */
        RVF_E_KEY,         /* signed with another key (key id differs) */
        RVF_E_SIGNATURE,   /* the signature does not verify */
        RVF_E_DOWNGRADE,   /* image version older than the one allowed */
        RVF_E_UNSUPPORTED, /* well formed, but not something RVM can boot (arch, gzip) */
        RVF_E_ARG,         /* bad call (NULL, index out of range) */
};

/* What went wrong, where: segment index in file order (0-based; -1: the file as a whole),
 * its type, the table entry inside it if any, the field's name as docs/RVF.md spells it and
 * the reason. Strings are static. */
struct rvf_error {
        enum rvf_err code;
        int segment;
        uint8_t seg_type;
        const char *table; /* within a segment's payload: "partition", "agent", ... or NULL */
        int entry;         /* index in that table (0-based) */
        const char *field;
        const char *reason;
};

/* One segment as found in the file. Offsets are from the start of the file. */
struct rvf_segment {
        uint64_t offset;         /* of its 64-byte header */
        uint64_t payload_offset; /* offset + 64 */
        uint64_t payload_length;
        uint64_t id;
        uint64_t timestamp_ns;
        uint32_t align_pad; /* zero bytes after the payload (our writer: to 64) */
        uint16_t flags;
        uint8_t type, version, checksum_algo, compression;
        uint8_t content_hash[RVF_HASH_SIZE];
};

/* The manifest's header (seeds/001): epoch u32, dimension u16, total_vectors u64, seg_count
 * u32, profile_id u8, 3 reserved; then seg_count entries of 25 bytes (id u64, offset u64,
 * payload length u64, type u8); then del_count u32 (must be 0). */
#define RVF_MANIFEST_HDR_SIZE   22
#define RVF_MANIFEST_ENTRY_SIZE 25

struct rvf_file {
        const uint8_t *data;
        uint64_t size;
        struct rvf_segment seg[RVF_MAX_SEGMENTS];
        unsigned seg_count;
        int manifest; /* index of the MANIFEST segment */
        int crypto;   /* index of the CRYPTO (signature) segment, -1 if unsigned */
        uint32_t epoch;
        uint8_t profile_id;
};

/* Parse and cross-check the whole file (no hashing). f->data points into data. */
enum rvf_err rvf_parse(const void *data, uint64_t size, struct rvf_file *f, struct rvf_error *err);
/* The index of the segment with id, or -1. */
int rvf_find_id(const struct rvf_file *f, uint64_t id);
const uint8_t *rvf_payload(const struct rvf_file *f, unsigned index);

/* ---- KERNEL_SEG: the 128-byte RVKN header, the image, then the command line ---- */
#define RVF_ARCH_X86_64        0x00
#define RVF_ARCH_AARCH64       0x01
#define RVF_KTYPE_MICROLINUX   0x01 /* a Linux kernel (seeds/001); aarch64: an arm64 Image */
#define RVF_KTYPE_FLAT         0x02 /* a flat binary loaded and entered at entry_point */
#define RVF_KFLAG_COMPRESSED   (1u << 10)
#define RVF_COMPRESS_NONE      0
#define RVF_COMPRESS_GZIP      1
#define RVF_COMPRESS_LZ4       2 /* one LZ4 block (ours): RVM inflates it with liblz4 */
#define RVF_KERNEL_MAX_VCPUS   64
#define RVF_KERNEL_HDR_VERSION 1

struct rvf_kernel {
        uint16_t header_version;
        uint8_t arch, kernel_type, compression, vcpu_count;
        uint32_t flags, min_memory_mb;
        uint64_t entry_point, image_size, compressed_size, build_timestamp;
        uint8_t image_hash[RVF_SHA256_SIZE];
        uint8_t build_id[16];
        uint32_t cmdline_offset_field; /* as written: 128 (seed quirk) or the true offset */
        const uint8_t *image;          /* stored bytes (gzip stream if compressed) */
        uint64_t stored_size;
        const char *cmdline; /* not NUL-terminated */
        uint32_t cmdline_length;
        /* An initramfs for a Linux kernel, after the command line (initrd_length at 0x74,
         * ours; the seed writes 0 there). */
        const uint8_t *initrd;
        uint32_t initrd_length;
};
enum rvf_err rvf_kernel_parse(const struct rvf_file *f, unsigned index, struct rvf_kernel *k,
                              struct rvf_error *err);
/* Can RVM boot it? RVF_E_UNSUPPORTED with reason "x86_64 kernel" (or the arch, or "gzip-
 * compressed kernel: RVM inflates LZ4 only") otherwise. */
enum rvf_err rvf_kernel_bootable(const struct rvf_kernel *k, int index, struct rvf_error *err);
const char *rvf_arch_name(uint8_t arch);
const char *rvf_compression_name(uint8_t compression); /* "none", "gzip", "lz4" */

/* ---- WASM_SEG: the 64-byte RVWM header, then the module ---- */
#define RVF_WASM_ROLE_AGENT    0x01 /* an RVM agent (our writer) */
#define RVF_WASM_ROLE_COMBINED 0x02 /* seeds/001 */
#define RVF_WASM_TARGET_NODE   0x01 /* seeds/001 */
#define RVF_WASM_TARGET_RVM    0x02 /* RVM's interpreter (our writer) */
#define RVF_WASM_HDR_VERSION   1

struct rvf_wasm {
        uint16_t header_version, required_features, export_count, max_memory_pages, table_count;
        uint8_t role, target, compression, min_memory_pages, priority, interpreter_type;
        uint32_t bytecode_size, compressed_size;
        uint8_t bytecode_hash[RVF_SHA256_SIZE];
        const uint8_t *bytecode;
        uint32_t stored_size;
};
enum rvf_err rvf_wasm_parse(const struct rvf_file *f, unsigned index, struct rvf_wasm *w,
                            struct rvf_error *err);

/* ---- CRYPTO_SEG: the signature (docs/RVF.md §signature) ----
 * 0x00 u32 magic RVSG | 0x04 u16 version 1 | 0x06 u8 algorithm 1 (ECDSA P-256, SHA-256) |
 * 0x07 u8 0 | 0x08 u64 image_version | 0x10 u64 signed_length (= this segment's offset:
 * every byte before it) | 0x18 key_id[16] = SHA-256(public key point, 65 bytes)[0..16) |
 * 0x28 r[32] s[32] big-endian. Signed digest: SHA-256(file[0, signed_length) || this
 * segment's header with content_hash zeroed || payload bytes 0x00..0x27). It must be the
 * last segment and follow the manifest. */
#define RVF_SIG_SIZE        0x68
#define RVF_SIG_SIGNED_HDR  0x28
#define RVF_SIG_ALG_P256    1
#define RVF_KEY_ID_SIZE     16
#define RVF_PUBKEY_SIZE     65 /* uncompressed point 0x04 || X || Y */
#define RVF_SIG_HDR_VERSION 1

struct rvf_sig {
        uint16_t version;
        uint8_t algorithm;
        uint64_t image_version, signed_length;
        uint8_t key_id[RVF_KEY_ID_SIZE];
        const uint8_t *r, *s; /* 32 bytes each */
};
enum rvf_err rvf_sig_parse(const struct rvf_file *f, struct rvf_sig *s, struct rvf_error *err);

/* ---- PROFILE_SEG: the partition table (docs/RVF.md §profile) ----
 * header 16 bytes: magic RVPF u32 | version u16 = 1 | partition_count u8 | agent_count u8 |
 *   edge_count u8 | lease_count u8 | strings_size u16 | reserved u32 = 0
 * partitions, 32 bytes each: mem_bytes u64 | kernel_seg_id u64 (guest; 0 for wasm) |
 *   name u16 | cmdline u16 | cmdline_len u16 | kind u8 | vcpus u8 | fault_policy u8 |
 *   max_restarts u8 | ipa_bits u8 | vdev_type u8 | vdev_ipa u32
 * agents, 16 bytes each: wasm_seg_id u64 | name u16 | partition u8 (1-based, a wasm one) |
 *   caps u8 | flags u8 (bit 0 on demand) | priority u8 | reserved u16 = 0
 * edges, 4 bytes each: a u8 | b u8 (1-based partition, or 0x80 | agent position) | 0 u16
 * leases, 8 bytes each: device u16 | partition u8 | reserved u8 = 0 | ms u32
 * string table: strings_size bytes of NUL-terminated names; u16 fields are offsets into it.
 * The payload is exactly the sum of these. */
#define RVF_PROFILE_HDR_SIZE    16
#define RVF_PROFILE_PART_SIZE   32
#define RVF_PROFILE_AGENT_SIZE  16
#define RVF_PROFILE_EDGE_SIZE   4
#define RVF_PROFILE_LEASE_SIZE  8
#define RVF_PROFILE_VERSION     1
#define RVF_PROFILE_MAX_PARTS   16
#define RVF_PROFILE_MAX_AGENTS  64
#define RVF_PROFILE_MAX_EDGES   64
#define RVF_PROFILE_MAX_LEASES  16
#define RVF_PROFILE_NAME_MAX    15 /* characters, as partition/ and wasm/ hold them */
#define RVF_PART_GUEST          0
#define RVF_PART_WASM           1
#define RVF_PART_VDEV_NONE      0
#define RVF_PART_VDEV_PL011     1
#define RVF_AGENT_ON_DEMAND     0x01
#define RVF_EDGE_AGENT          0x80u
#define RVF_PROFILE_MAX_STRINGS 0xFFFF
#define RVF_PROFILE_NO_STRING   0xFFFF

struct rvf_profile {
        const uint8_t *payload;
        uint32_t length;
        uint8_t partition_count, agent_count, edge_count, lease_count;
        const char *strings;
        uint16_t strings_size;
};
struct rvf_profile_partition {
        const char *name; /* NUL-terminated, inside the payload */
        const char *cmdline;
        uint16_t cmdline_len; /* 0: the KERNEL_SEG's own */
        uint8_t kind, vcpus, fault_policy, max_restarts, ipa_bits, vdev_type;
        uint32_t vdev_ipa;
        uint64_t mem_bytes, kernel_seg_id;
};
struct rvf_profile_agent {
        const char *name;
        uint64_t wasm_seg_id;
        uint8_t partition, caps, flags, priority;
};
struct rvf_profile_edge {
        uint8_t a, b;
};
struct rvf_profile_lease {
        const char *device;
        uint8_t partition;
        uint32_t ms;
};
/* Parse and check every entry (names, ranges, segment ids against f). */
enum rvf_err rvf_profile_parse(const struct rvf_file *f, unsigned index, struct rvf_profile *p,
                               struct rvf_error *err);
/* Entry i of a profile rvf_profile_parse accepted (i below the count). */
void rvf_profile_partition(const struct rvf_profile *p, unsigned i,
                           struct rvf_profile_partition *out);
void rvf_profile_agent(const struct rvf_profile *p, unsigned i, struct rvf_profile_agent *out);
void rvf_profile_edge(const struct rvf_profile *p, unsigned i, struct rvf_profile_edge *out);
void rvf_profile_lease(const struct rvf_profile *p, unsigned i, struct rvf_profile_lease *out);

/* ---- the flash layout `make image` writes (docs/boards.md) ----
 * One 64 MiB file = QEMU virt pflash bank 0 (PA 0x0): RVM's image at 0, a 4 KiB flash
 * header at RVF_FLASH_HDR_OFFSET, RVF slot A at RVF_FLASH_SLOT_A, slot B (for signed A/B
 * updates; empty until one is written) at RVF_FLASH_SLOT_B. Unused bytes are 0xFF (erased).
 * Header: 0x00 "RVMFLASH" | 0x08 u32 version 1 | 0x0C u32 slot_count (2) | 0x10 u64
 * rvm_offset | 0x18 u64 rvm_length | 0x20 rvm SHA-256[32] | 0x40 + 32 i: slot i: u64 offset |
 * u64 length (0 = empty) | u64 image_version | u32 flags (bit 0: boot this slot) | u32 0. */
#define RVF_FLASH_SIZE        0x04000000ULL /* 64 MiB */
#define RVF_FLASH_HDR_OFFSET  0x00F00000ULL
#define RVF_FLASH_HDR_SIZE    4096
#define RVF_FLASH_SLOT_A      0x01000000ULL
#define RVF_FLASH_SLOT_B      0x02800000ULL
#define RVF_FLASH_SLOT_MAX    0x01800000ULL /* 24 MiB per slot */
#define RVF_FLASH_COLD_OFFSET 0x00A00000ULL /* the cold area, to the header (memory/cold.h) */
#define RVF_FLASH_RVM_MAX     RVF_FLASH_COLD_OFFSET
#define RVF_FLASH_SLOTS       2
#define RVF_FLASH_VERSION     1
#define RVF_FLASH_SLOT_ACTIVE 0x1u
extern const char rvf_flash_magic[8];

struct rvf_flash {
        uint64_t rvm_offset, rvm_length;
        const uint8_t *rvm_sha256;
        struct {
                uint64_t offset, length, image_version;
                uint32_t flags;
        } slot[RVF_FLASH_SLOTS];
        int active; /* the slot to boot, -1 if none is marked */
};
/* Parse the header of a flash image of size bytes (at least up to the header). Every
 * offset and length is checked against size and the fixed regions. */
enum rvf_err rvf_flash_parse(const void *flash, uint64_t size, struct rvf_flash *out,
                             struct rvf_error *err);
/* The same from a copy of the 4 KiB header alone (RVM reads it out of its boot flash);
 * size is the whole flash's. */
enum rvf_err rvf_flash_header_parse(const uint8_t *hdr, uint64_t size, struct rvf_flash *out,
                                    struct rvf_error *err);

/* ---- names and messages ---- */
/* Fill err (when not NULL) and return code: the parser's files and rvf_verify.c use it. */
enum rvf_err rvf_error_set(struct rvf_error *err, enum rvf_err code, int segment, uint8_t type,
                           const char *field, const char *reason);
const char *rvf_seg_type_name(uint8_t type);
const char *rvf_err_name(enum rvf_err e);
/* "segment 3 (KERNEL): payload_length: past end of file"; returns the length written
 * (always NUL-terminated when cap > 0). */
size_t rvf_error_format(const struct rvf_error *err, char *buf, size_t cap);

/* Little-endian readers (bounds are the caller's). */
static inline uint16_t rvf_le16(const uint8_t *p)
{
        return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t rvf_le32(const uint8_t *p)
{
        return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
               ((uint32_t)p[3] << 24);
}
static inline uint64_t rvf_le64(const uint8_t *p)
{
        return (uint64_t)rvf_le32(p) | ((uint64_t)rvf_le32(p + 4) << 32);
}

#endif
