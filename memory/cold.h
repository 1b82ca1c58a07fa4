/*
 * memory/cold.h: the cold tier and the cold area of flash. A range of a partition's RAM goes
 * cold: unmapped from its stage-2 space, written to flash bank 0's cold area as one RVF
 * segment (type COLD_SEG_TYPE, docs/RVF.md "Cold segments") with the SHA-256 of every page
 * and the SHA-256 of that table (the root, witnessed and kept in RAM), and its frames freed.
 * A touch of any of its pages (or `warm`) brings the whole range back: every page read from
 * flash, its hash checked against the table, the table's against the root kept in RAM; a
 * mismatch brings nothing back (F3: refused, witnessed). Flash checkpoints of whole
 * partitions (`checkpoint <id> flash`) use the same segment format with kind CHECKPOINT, so
 * that tools/witness ckpt-diff can say which pages changed between two of them.
 *
 * The area is COLD_SLOTS slots of COLD_SLOT_SIZE bytes; a segment fills one slot from its
 * start. Plain C over plain data: flash, hashing and memory go through ops, so host tests
 * run it over fakes, and the host tool parses segments with cold_parse. Callers hold their
 * lock. Everything read from flash is untrusted: cold_parse checks every field.
 */
#ifndef RVM_MEMORY_COLD_H
#define RVM_MEMORY_COLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/rvf.h"
#include "memory/addr.h"
#include "memory/tier.h"

/* Where the area is in flash bank 0 (docs/boards.md: below the flash header, above RVM). */
#define COLD_FLASH_OFFSET 0x00A00000ULL
#define COLD_AREA_SIZE    0x00500000ULL /* 5 MiB */
#define COLD_SLOT_SIZE    0x00140000ULL /* 1.25 MiB: five 256 KiB erase blocks */
#define COLD_SLOTS        4u
#define COLD_PAGE         4096u
#define COLD_MAX_PAGES    256u    /* 1 MiB of RAM per segment */
#define COLD_DATA_OFFSET  0x3000u /* the pages, from the slot's start */
#define COLD_MAX_RANGES   4u

#define COLD_SEG_TYPE 0x11u       /* an RVF segment type of ours (docs/RVF.md) */
#define COLD_MAGIC    0x4B435652u /* "RVCK" on disk */
#define COLD_VERSION  1u
#define COLD_SEG_HDR  64u  /* the RVF segment header */
#define COLD_HDR      128u /* the cold header, at payload offset 0 */

_Static_assert(COLD_FLASH_OFFSET == RVF_FLASH_COLD_OFFSET &&
                   COLD_FLASH_OFFSET + COLD_AREA_SIZE == RVF_FLASH_HDR_OFFSET,
               "the area lies between RVM and the flash header (boot/rvf.h)");
_Static_assert(COLD_SLOTS *COLD_SLOT_SIZE == COLD_AREA_SIZE, "slots fill the area");
_Static_assert(COLD_SEG_HDR + COLD_HDR + COLD_MAX_PAGES * 32u <= COLD_DATA_OFFSET,
               "the table fits before the pages");
_Static_assert(COLD_DATA_OFFSET + COLD_MAX_PAGES * COLD_PAGE <= COLD_SLOT_SIZE,
               "a segment fits in its slot");

enum cold_kind {
        COLD_K_REGION = 1,     /* a range of RAM gone cold */
        COLD_K_CHECKPOINT = 2, /* a partition checkpoint's RAM written to flash */
};

enum cold_err {
        COLD_OK = 0,
        COLD_E_INVAL,     /* bad range (unaligned, empty, over COLD_MAX_PAGES) */
        COLD_E_FULL,      /* no free range or slot */
        COLD_E_OVERLAP,   /* overlaps a cold range */
        COLD_E_NOMEM,     /* no frame to bring a page back into */
        COLD_E_NOT_FOUND, /* not cold / no such segment */
        COLD_E_DAMAGED,   /* a hash does not match (F3) */
        COLD_E_FLASH,     /* flash read, program or erase failed, or no cold area */
        COLD_E_MAP,       /* the caller could not map or unmap */
        COLD_E_FORMAT,    /* the bytes are not a cold segment (cold_parse) */
        COLD_E_TRUNCATED, /* fewer bytes than the segment needs (cold_parse) */
};

/* A segment's header, as cold_parse found it. */
struct cold_seg {
        uint32_t kind, part, pages;
        ipa_t ipa; /* its first page, in part's IPA space */
        uint64_t seq, saved_ns;
        uint8_t root[32];         /* SHA-256 of the page table */
        uint8_t content_hash[16]; /* the RVF header's: SHA-256(payload)[0..15] */
        uint64_t payload_length;  /* COLD_DATA_OFFSET - 64 + pages * 4096 */
        const uint8_t *table;     /* pages * 32 bytes, inside the parsed buffer */
};

struct cold_flash {
        void *ctx;
        /* offsets from the area's start; 0 ok */
        int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
        int (*program)(void *ctx, uint64_t off, const void *buf, size_t len);
        int (*erase_block)(void *ctx, uint64_t off);
        uint32_t block_size; /* must divide COLD_SLOT_SIZE */
        /* SHA-256 of a || b */
        void (*hash)(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32]);
};

struct cold_range {
        bool used;
        bool cold; /* false: back, but kept because a page lives outside its frames */
        uint32_t part, pages, slot;
        ipa_t ipa; /* its first page, in part's IPA space */
        pa_t pa;   /* its frames when it went cold (contiguous) */
        uint64_t seq;
        uint8_t root[32];
};

struct cold_space {
        struct cold_range range[COLD_MAX_RANGES];
        uint64_t slot_seq[COLD_SLOTS]; /* 0: free (erased or not a segment) */
        uint64_t next_seq;
        bool scanned;
        uint64_t pages_returned; /* RAM pages given back, now */
        uint64_t writes, restores, damaged;
        uint8_t hdr[COLD_DATA_OFFSET]; /* one slot's headers, being built or read */
        pa_t frame[COLD_MAX_PAGES];    /* where a restore puts each page */
};

void cold_space_init(struct cold_space *s);

/*
 * Parse a segment from untrusted bytes (len of them, from a slot's start): the RVF segment
 * header (magic, version, type, payload length), the cold header (magic, version, kind,
 * page count, data within the slot). Hashes are not checked here (cold_check does).
 */
enum cold_err cold_parse(const uint8_t *buf, size_t len, struct cold_seg *out);

/* A whole segment in memory (len bytes from its slot's start): content hash, root and every
 * page's hash. *bad_page: the first page that does not match (or UINT32_MAX). */
enum cold_err cold_check(const uint8_t *buf, size_t len, const struct cold_flash *f,
                         struct cold_seg *out, uint32_t *bad_page);

/*
 * Write pages pages from data (contiguous) as a segment of kind into a free slot (one not
 * held by a cold range; the oldest checkpoint's otherwise). *slot, *seq and root: where and
 * which.
 */
enum cold_err cold_write(struct cold_space *s, const struct cold_flash *f, enum cold_kind kind,
                         uint32_t part, ipa_t ipa, const uint8_t *data, uint32_t pages,
                         uint64_t now_ns, unsigned *slot, uint64_t *seq, uint8_t root[32]);

/* Make [ipa, ipa + pages) of part (frames at pa, contiguous) cold: unmap, write, free.
 * *index names the range. On an error nothing changed (the range is mapped again). */
enum cold_err cold_make(struct cold_space *s, const struct tier_ops *ops,
                        const struct cold_flash *f, uint32_t part, ipa_t ipa, pa_t pa,
                        uint32_t pages, uint64_t now_ns, unsigned *index);

/* The cold range of part holding ipa: its index, or -1. Does part have a cold range, or
 * one brought back into other frames? */
int cold_find(const struct cold_space *s, uint32_t part, ipa_t ipa);
bool cold_claims(const struct cold_space *s, uint32_t part);

/* Bring range index back: every page verified, then mapped. On COLD_E_DAMAGED nothing is
 * mapped and the range stays cold. */
enum cold_err cold_restore(struct cold_space *s, const struct tier_ops *ops,
                           const struct cold_flash *f, unsigned index);

/* Give up range index (its flash copy is damaged): its frames are taken back zeroed and
 * mapped, so the partition's RAM is whole again (a restart reloads it). */
enum cold_err cold_drop(struct cold_space *s, const struct tier_ops *ops, unsigned index);

const char *cold_err_name(enum cold_err e);

#endif
