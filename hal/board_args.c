/*
 * hal/board_args.c: the kernel command line. board_has_arg asks it for a word, in every
 * profile; board_dtb_args is all a board compiled in (hal/board_fixed.c, the Seed) still
 * reads of the DTB it is handed: the header's bounds, which the boot's measurement of the
 * DTB relies on, and /chosen's "bootargs" (`semihosting`, `panic=reboot`). It reads the
 * tree's words itself, in one pass over the structure block, with libfdt's header only
 * (its names for the header fields and tags), so that none of libfdt's code is linked.
 * Every value is untrusted: each offset and length is checked against the block it lies in
 * before anything is read through it, and a tree that does not fit ends the pass.
 */
#include "hal/board.h"

#include <libfdt.h>
#include <stddef.h>
#include <string.h>

bool board_has_arg(const struct board_info *info, const char *word)
{
        size_t wlen = strlen(word);
        const char *p = info->bootargs;

        while (*p != '\0') {
                while (*p == ' ') {
                        p++;
                }
                size_t n = 0;
                while (p[n] != '\0' && p[n] != ' ') {
                        n++;
                }
                if (n == wlen && strncmp(p, word, n) == 0) {
                        return true;
                }
                p += n;
        }
        return false;
}

/* The big-endian word at p, which is 4-byte aligned: the tree's start is 8-byte aligned and
 * every word read lies a multiple of 4 from it (board_dtb_args checks the structure block's
 * offset), so one aligned load is safe even on Device memory, as the DTB is before the MMU
 * is on. It may alias the bytes around it. */
typedef uint32_t __attribute__((may_alias)) dtb_word;

static uint32_t word_at(const uint8_t *p)
{
        return fdt32_to_cpu(*(const dtb_word *)(const void *)p);
}

/* The offset after bytes at off, padded to 4, or the block's end if they reach past it. */
static uint32_t skip(uint32_t off, uint32_t size, uint32_t bytes)
{
        uint32_t step = (bytes + 3) & ~3u; /* bytes <= size - off: no overflow */

        return step > size - off ? size : off + step;
}

/* The header's words, read once. */
struct dtb_hdr {
        uint32_t w[sizeof(struct fdt_header) / 4];
};
#define HDR(h, field) ((h)->w[offsetof(struct fdt_header, field) / 4])

/*
 * /chosen's "bootargs" into info->bootargs: one pass over the structure block's tags
 * (Devicetree Specification v0.4, §5.4), offsets kept within its size, 4-byte steps. Node
 * names are read in place, as a version 16 tree has them (the name, not a path); the root
 * is at depth 1, /chosen (or chosen@unit) one below it, and its properties come before any
 * child of its own. The header's blocks are within the tree (board_dtb_args).
 */
static void read_bootargs(const uint8_t *dtb, const struct dtb_hdr *h, struct board_info *info)
{
        const uint8_t *blk = dtb + HDR(h, off_dt_struct);
        const char *strs = (const char *)dtb + HDR(h, off_dt_strings);
        const uint32_t size = HDR(h, size_dt_struct), strs_size = HDR(h, size_dt_strings);
        static const char want[] = "bootargs";
        int depth = 0;
        bool in_chosen = false;

        for (uint32_t off = 0; size - off >= FDT_TAGSIZE;) {
                uint32_t tag = word_at(blk + off);
                off += FDT_TAGSIZE;
                if (tag == FDT_BEGIN_NODE) {
                        const char *name = (const char *)blk + off;
                        const char *nul = memchr(name, '\0', size - off);
                        if (nul == NULL) {
                                return;
                        }
                        uint32_t n = (uint32_t)(nul - name); /* < size - off */
                        depth++;
                        in_chosen = depth == 2 && strncmp(name, "chosen", 6) == 0 &&
                                    (name[6] == '\0' || name[6] == '@');
                        off = skip(off, size, n + 1);
                } else if (tag == FDT_PROP) {
                        if (size - off < 8) {
                                return;
                        }
                        uint32_t len = word_at(blk + off), nameoff = word_at(blk + off + 4);
                        off += 8;
                        if (len > size - off) {
                                return;
                        }
                        if (in_chosen && nameoff < strs_size &&
                            strs_size - nameoff >= sizeof(want) &&
                            memcmp(strs + nameoff, want, sizeof(want)) == 0) {
                                const char *val = (const char *)blk + off;
                                size_t k = strnlen(val, len);
                                if (k >= sizeof(info->bootargs)) {
                                        k = sizeof(info->bootargs) - 1;
                                }
                                memcpy(info->bootargs, val, k);
                                info->bootargs[k] = '\0';
                                return;
                        }
                        off = skip(off, size, len);
                } else if (tag == FDT_END_NODE) {
                        in_chosen = false; /* its end, or a child's: its properties are past */
                        if (--depth <= 0) {
                                return;
                        }
                } else if (tag != FDT_NOP) {
                        return; /* FDT_END, or a damaged block */
                }
        }
}

enum board_err board_dtb_args(const void *dtb, uint64_t dtb_max_size, struct board_range ram,
                              struct board_info *info)
{
        const uint64_t at = (uint64_t)(uintptr_t)dtb;
        struct dtb_hdr h;

        info->dtb = (struct board_range){0, 0};
        info->dtb_used = 0;
        info->bootargs[0] = '\0';
        /* The header first (its 40 bytes inside RAM), then what it says, each field bounded
         * by the one before: the tree inside RAM and inside dtb_max_size, each block inside
         * the tree. */
        if (dtb == NULL || at % 8 != 0 || at < ram.base || at - ram.base >= ram.size ||
            ram.size - (at - ram.base) < sizeof(h) || dtb_max_size < sizeof(h)) {
                return BOARD_E_NO_DTB;
        }
        for (unsigned i = 0; i < sizeof(h) / 4; i++) {
                h.w[i] = word_at((const uint8_t *)dtb + 4 * i);
        }
        const uint64_t total = HDR(&h, totalsize);
        const uint64_t st_off = HDR(&h, off_dt_struct), st_size = HDR(&h, size_dt_struct);
        const uint64_t str_off = HDR(&h, off_dt_strings), str_size = HDR(&h, size_dt_strings);
        if (HDR(&h, magic) != FDT_MAGIC || HDR(&h, version) < 16 || total < sizeof(h) ||
            total > dtb_max_size || total > ram.size - (at - ram.base) || st_off % 4 != 0 ||
            st_off > total || st_size > total - st_off || str_off > total ||
            str_size > total - str_off) {
                return BOARD_E_NO_DTB;
        }
        info->dtb = (struct board_range){at, total};
        info->dtb_used =
            st_off + st_size > str_off + str_size ? st_off + st_size : str_off + str_size;
        read_bootargs(dtb, &h, info);
        return BOARD_OK;
}
