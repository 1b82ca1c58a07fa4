/*
 * hal/pflash.h: CFI flash (Intel/Sharp command set, as QEMU virt's pflash_cfi01 and
 * most NOR parts implement it) for RVM's persistent stores. Reads are plain loads in
 * read-array mode; program and erase are command sequences polled to completion.
 */
#ifndef RVM_HAL_PFLASH_H
#define RVM_HAL_PFLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pflash {
        uint64_t base;       /* physical address of the bank */
        uint64_t size;       /* bytes */
        uint32_t block_size; /* erase block, from the CFI query (256 KiB on QEMU virt) */
        uint32_t write_buf;  /* bank bytes one buffered program may cover (0: word by word) */
};

enum pflash_err {
        PFLASH_OK = 0,
        PFLASH_E_RANGE,   /* offset/length outside the bank or not 4-byte aligned */
        PFLASH_E_DEVICE,  /* status register reports a program/erase failure */
        PFLASH_E_TIMEOUT, /* the device never reported ready */
        PFLASH_E_NO_CFI,  /* no CFI query answer: not a CFI flash */
};

/* Probe the bank at base (CFI query) and fill *f. */
enum pflash_err hal_pflash_probe(struct pflash *f, uint64_t base, uint64_t size);
enum pflash_err hal_pflash_read(const struct pflash *f, uint64_t off, void *buf, size_t len);
/* *erased = whether [off, off+len) reads all ones (off: 8-aligned; len: a multiple of 64). */
enum pflash_err hal_pflash_erased(const struct pflash *f, uint64_t off, size_t len, bool *erased);
/* Program len bytes at off (NOR: bits only go 1 -> 0; erase first). off, len: multiples of 4. */
enum pflash_err hal_pflash_program(const struct pflash *f, uint64_t off, const void *buf,
                                   size_t len);
/* Erase the block containing off (all bytes become 0xff). */
enum pflash_err hal_pflash_erase_block(const struct pflash *f, uint64_t off);

#endif
