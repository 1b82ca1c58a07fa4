/*
 * hal/board_args.c: the kernel command line. board_has_arg asks it for a word, in every
 * profile; board_dtb_args is all a board compiled in (hal/board_fixed.c, the Seed) still
 * reads of the DTB it is handed: the header's bounds, which the boot's measurement of the
 * DTB relies on, and /chosen's "bootargs" (`semihosting`, `panic=reboot`, a test image's
 * scenario), through libfdt's reader (a path lookup and one property: its walk of the tree,
 * not the appliance's over every node). Every value is untrusted: the header's fields are
 * checked here before libfdt sees the tree, and libfdt checks each offset it follows.
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

/* The big-endian header word at p, which is 4-byte aligned (the tree's start is 8-byte
 * aligned). */
typedef uint32_t __attribute__((may_alias)) dtb_word;

static uint32_t word_at(const uint8_t *p)
{
        return fdt32_to_cpu(*(const dtb_word *)(const void *)p);
}

/* The header's words, read once. */
struct dtb_hdr {
        uint32_t w[sizeof(struct fdt_header) / 4];
};
#define HDR(h, field) ((h)->w[offsetof(struct fdt_header, field) / 4])

/* /chosen's "bootargs" into info->bootargs, through libfdt (the tree's bounds checked). */
static void read_bootargs(const void *dtb, struct board_info *info)
{
        int node = fdt_path_offset(dtb, "/chosen");
        int len = 0;
        const char *val = node >= 0 ? fdt_getprop(dtb, node, "bootargs", &len) : NULL;

        if (val != NULL && len > 0) {
                size_t k = strnlen(val, (size_t)len);
                if (k >= sizeof(info->bootargs)) {
                        k = sizeof(info->bootargs) - 1;
                }
                memcpy(info->bootargs, val, k);
                info->bootargs[k] = '\0';
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
        read_bootargs(dtb, info);
        return BOARD_OK;
}
