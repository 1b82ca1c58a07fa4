/*
 * hal/pflash.c: CFI flash driver (Intel command set). RVM accesses the bank 32 bits at
 * a time, which is QEMU virt's bank width; each command's low byte is the opcode. The
 * device is left in read-array mode after every operation, so reads are plain loads.
 */
#include "hal/pflash.h"

#include <stdbool.h>
#include <string.h>

#include "hal/mmio.h"

#define CMD_READ_ARRAY   0xff
#define CMD_READ_STATUS  0x70
#define CMD_CLEAR_STATUS 0x50
#define CMD_PROGRAM      0x40
#define CMD_WRITE_BUFFER 0xe8
#define CMD_ERASE_SETUP  0x20
#define CMD_ERASE_OK     0xd0
#define CMD_CFI_QUERY    0x98

#define SR_READY     0x80
#define SR_ERASE_ERR 0x20
#define SR_PROG_ERR  0x10
#define SR_VPP_ERR   0x08
#define SR_LOCKED    0x02
#define SR_ERRORS    (SR_ERASE_ERR | SR_PROG_ERR | SR_VPP_ERR | SR_LOCKED)

#define POLL_LIMIT 10000000u

static void cmd(const struct pflash *f, uint64_t off, uint32_t c)
{
        mmio_write32(f->base + off, c);
}

static enum pflash_err wait_ready(const struct pflash *f, uint64_t off)
{
        for (uint32_t i = 0; i < POLL_LIMIT; i++) {
                uint32_t sr = mmio_read32(f->base + off);
                if (sr & SR_READY) {
                        cmd(f, off, CMD_CLEAR_STATUS);
                        cmd(f, off, CMD_READ_ARRAY);
                        return (sr & SR_ERRORS) ? PFLASH_E_DEVICE : PFLASH_OK;
                }
        }
        cmd(f, off, CMD_READ_ARRAY);
        return PFLASH_E_TIMEOUT;
}

enum pflash_err hal_pflash_probe(struct pflash *f, uint64_t base, uint64_t size)
{
        f->base = base;
        f->size = size;
        /* CFI query: "QRY" at word offsets 0x10..0x12; erase block region 1 at 0x2d..0x30. */
        cmd(f, 0, CMD_CFI_QUERY);
        uint32_t q = mmio_read32(base + 0x10 * 4) & 0xff;
        uint32_t r = mmio_read32(base + 0x11 * 4) & 0xff;
        uint32_t y = mmio_read32(base + 0x12 * 4) & 0xff;
        uint32_t blk_lo = mmio_read32(base + 0x2f * 4) & 0xff;
        uint32_t blk_hi = mmio_read32(base + 0x30 * 4) & 0xff;
        uint32_t wbuf_log2 = mmio_read32(base + 0x2a * 4) & 0xff; /* per device, log2 bytes */
        if (q != 'Q' || r != 'R' || y != 'Y') {
                cmd(f, 0, CMD_READ_ARRAY);
                return PFLASH_E_NO_CFI;
        }
        /*
         * Region 1's block size is in units of 256 bytes per device. Narrow devices side
         * by side in the 32-bit bank each answer the query in their own byte lanes, so
         * the number of lanes holding 'Q' is the interleave, and the bank's erase block
         * is that many device blocks.
         */
        uint32_t word = mmio_read32(base + 0x10 * 4);
        uint32_t lanes = 0;
        for (unsigned lane = 0; lane < 4; lane++) {
                lanes += ((word >> (8 * lane)) & 0xff) == 'Q';
        }
        uint32_t units = blk_lo | (blk_hi << 8);
        uint32_t block = (units == 0 ? 128u : units * 256u) * lanes;
        cmd(f, 0, CMD_READ_ARRAY);
        if (block == 0 || (block & (block - 1)) != 0 || size % block != 0) {
                return PFLASH_E_NO_CFI;
        }
        f->block_size = block;
        /* Buffered programming: one command sequence per buffer instead of per word (on
         * QEMU each program is a host file write, so this is most of the flush cost). */
        f->write_buf = wbuf_log2 >= 2 && wbuf_log2 <= 12 ? (1u << wbuf_log2) * lanes : 0;
        return PFLASH_OK;
}

static bool in_range(const struct pflash *f, uint64_t off, size_t len)
{
        return off <= f->size && len <= f->size - off;
}

/*
 * In read-array mode the bank reads like memory, so whole 64-bit words are loaded where
 * both sides are 8-byte aligned (the bus splits them into bank-wide reads), eight to a
 * turn: the witness store reads every anchor and the log's tail this way at boot.
 */
static void read_words64(uint64_t addr, uint64_t *dst, size_t words)
{
        size_t i = 0;

        for (; i + 8 <= words; i += 8) {
                uint64_t a = mmio_read64(addr + 8 * i), b = mmio_read64(addr + 8 * i + 8);
                uint64_t c = mmio_read64(addr + 8 * i + 16), d = mmio_read64(addr + 8 * i + 24);
                uint64_t e = mmio_read64(addr + 8 * i + 32), f = mmio_read64(addr + 8 * i + 40);
                uint64_t g = mmio_read64(addr + 8 * i + 48), h = mmio_read64(addr + 8 * i + 56);
                dst[i] = a;
                dst[i + 1] = b;
                dst[i + 2] = c;
                dst[i + 3] = d;
                dst[i + 4] = e;
                dst[i + 5] = f;
                dst[i + 6] = g;
                dst[i + 7] = h;
        }
        for (; i < words; i++) {
                dst[i] = mmio_read64(addr + 8 * i);
        }
}

enum pflash_err hal_pflash_read(const struct pflash *f, uint64_t off, void *buf, size_t len)
{
        if (!in_range(f, off, len)) {
                return PFLASH_E_RANGE;
        }
        uint64_t addr = f->base + off;
        uint8_t *dst = buf;
        size_t i = 0;
        if (((addr | (uintptr_t)dst) & 7) == 0) {
                read_words64(addr, (uint64_t *)(void *)dst, len / 8);
                i = len & ~(size_t)7;
        }
        /* Otherwise whole 32-bit bank words where both sides are aligned; bytes at the edges. */
        for (; i < len && ((addr + i) & 3) != 0; i++) {
                dst[i] = *(const volatile uint8_t *)(uintptr_t)(addr + i);
        }
        if (((uintptr_t)(dst + i) & 3) == 0) {
                for (; i + 4 <= len; i += 4) {
                        *(uint32_t *)(void *)(dst + i) = mmio_read32(addr + i);
                }
        }
        for (; i < len; i++) {
                dst[i] = *(const volatile uint8_t *)(uintptr_t)(addr + i);
        }
        return PFLASH_OK;
}

enum pflash_err hal_pflash_erased(const struct pflash *f, uint64_t off, size_t len, bool *erased)
{
        if (!in_range(f, off, len) || off % 8 != 0 || len % 64 != 0) {
                return PFLASH_E_RANGE;
        }
        /*
         * Tested in place, all ones ANDed together, no copy. Plain loads, not mmio_read64:
         * in read-array mode the bank answers loads like memory and they have no effect on
         * it, so the compiler may pair them (LDP); 128 bytes a turn, 64 at the end.
         */
        const uint64_t *w = (const uint64_t *)(uintptr_t)(f->base + off);
        const size_t words = len / 8;
        uint64_t all = ~0ULL;
        size_t i = 0;
        for (; i + 16 <= words && all == ~0ULL; i += 16) {
                all &= (w[i] & w[i + 1]) & (w[i + 2] & w[i + 3]) & (w[i + 4] & w[i + 5]) &
                       (w[i + 6] & w[i + 7]) & (w[i + 8] & w[i + 9]) & (w[i + 10] & w[i + 11]) &
                       (w[i + 12] & w[i + 13]) & (w[i + 14] & w[i + 15]);
        }
        for (; i < words; i++) {
                all &= w[i];
        }
        *erased = all == ~0ULL;
        return PFLASH_OK;
}

/* Program words one at a time (devices without a write buffer). */
static enum pflash_err program_words(const struct pflash *f, uint64_t off, const uint8_t *src,
                                     size_t len)
{
        for (size_t i = 0; i < len; i += 4) {
                uint32_t word;
                memcpy(&word, src + i, 4);
                if (word == 0xffffffffu) {
                        continue; /* programming all-ones changes nothing on NOR */
                }
                cmd(f, off + i, CMD_PROGRAM);
                mmio_write32(f->base + off + i, word);
                enum pflash_err err = wait_ready(f, off + i);
                if (err != PFLASH_OK) {
                        return err;
                }
        }
        return PFLASH_OK;
}

/*
 * Write-to-buffer: 0xe8 at the buffer's address, wait until the device offers the
 * buffer (SR.7), the word count minus one, the words, then 0xd0 to program them all.
 */
static enum pflash_err program_buffer(const struct pflash *f, uint64_t off, const uint8_t *src,
                                      size_t len)
{
        uint32_t i;

        cmd(f, off, CMD_WRITE_BUFFER);
        for (i = 0; i < POLL_LIMIT && !(mmio_read32(f->base + off) & SR_READY); i++) {
        }
        if (i == POLL_LIMIT) {
                cmd(f, off, CMD_READ_ARRAY);
                return PFLASH_E_TIMEOUT;
        }
        cmd(f, off, (uint32_t)(len / 4 - 1));
        for (size_t k = 0; k < len; k += 4) {
                uint32_t word;
                memcpy(&word, src + k, 4);
                mmio_write32(f->base + off + k, word);
        }
        cmd(f, off, CMD_ERASE_OK); /* 0xd0: confirm */
        return wait_ready(f, off);
}

enum pflash_err hal_pflash_program(const struct pflash *f, uint64_t off, const void *buf,
                                   size_t len)
{
        if (!in_range(f, off, len) || off % 4 != 0 || len % 4 != 0) {
                return PFLASH_E_RANGE;
        }
        const uint8_t *src = buf;
        if (f->write_buf == 0) {
                return program_words(f, off, src, len);
        }
        while (len > 0) {
                /* A buffered program may not cross a buffer-sized boundary. */
                size_t room = f->write_buf - (off & (f->write_buf - 1));
                size_t chunk = len < room ? len : room;
                enum pflash_err err = program_buffer(f, off, src, chunk);
                if (err != PFLASH_OK) {
                        return err;
                }
                off += chunk;
                src += chunk;
                len -= chunk;
        }
        return PFLASH_OK;
}

enum pflash_err hal_pflash_erase_block(const struct pflash *f, uint64_t off)
{
        if (off >= f->size) {
                return PFLASH_E_RANGE;
        }
        uint64_t blk = off & ~((uint64_t)f->block_size - 1);
        cmd(f, blk, CMD_ERASE_SETUP);
        cmd(f, blk, CMD_ERASE_OK);
        return wait_ready(f, blk);
}
