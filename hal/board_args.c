/*
 * hal/board_args.c: the kernel command line. board_has_arg asks it for a word, in every
 * profile; board_dtb_args is all a board compiled in (hal/board_fixed.c, the Seed) still
 * reads of the DTB it is handed: the header's bounds, which the boot's measurement of the
 * DTB relies on, and /chosen's "bootargs" (`semihosting`, `panic=reboot`, a test image's
 * scenario), through libfdt's reader (the root's subnode "chosen" and one property: its walk of the
 * tree, not the appliance's over every node). board_dtb_header is the check both make of the tree
 * before they read it. Every value is untrusted: libfdt checks each offset it follows.
 */
#include "hal/board.h"

#include <libfdt.h>
#include <stddef.h>
#include <string.h>

#if BOARD_HAS_ARGS
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
#endif

/*
 * libfdt reads the structure block with aligned 32-bit loads. Before RVM's MMU is on the DTB
 * is Device memory, where an unaligned load faults, so a tree whose blocks are not aligned is
 * refused rather than read. So is a tree older than version 16 (before 2008; dtc, QEMU and
 * firmware write 17), whose node names are whole paths and whose large values are padded:
 * hal/board.c's walk reads names and values in place.
 */
bool board_dtb_header(const void *dtb, uint64_t dtb_max_size, struct board_info *info)
{
        if (dtb == NULL || dtb_max_size < sizeof(struct fdt_header) || (uintptr_t)dtb % 8 != 0 ||
            fdt_check_header(dtb) != 0 || fdt_totalsize(dtb) > dtb_max_size ||
            fdt_off_dt_struct(dtb) % 4 != 0 || fdt_off_mem_rsvmap(dtb) % 8 != 0 ||
            fdt_version(dtb) < 16) {
                return false;
        }
        info->dtb = (struct board_range){(uint64_t)(uintptr_t)dtb, fdt_totalsize(dtb)};
        uint64_t struct_end = (uint64_t)fdt_off_dt_struct(dtb) + fdt_size_dt_struct(dtb);
        uint64_t strings_end = (uint64_t)fdt_off_dt_strings(dtb) + fdt_size_dt_strings(dtb);
        info->dtb_used = struct_end > strings_end ? struct_end : strings_end;
        if (info->dtb_used > info->dtb.size) {
                info->dtb_used = info->dtb.size; /* fdt_check_header bounds it; keep it so */
        }
        return true;
}

/* /chosen's "bootargs" into info->bootargs, through libfdt (the tree's bounds checked). */
static void read_bootargs(const void *dtb, struct board_info *info)
{
        int node = fdt_subnode_offset(dtb, 0, "chosen");
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

        info->dtb = (struct board_range){0, 0};
        info->dtb_used = 0;
        info->bootargs[0] = '\0';
        /* Its header inside RAM before anything reads it, then the whole tree. */
        if (dtb == NULL || at < ram.base || at - ram.base >= ram.size ||
            ram.size - (at - ram.base) < sizeof(struct fdt_header)) {
                return BOARD_E_NO_DTB;
        }
        uint64_t in_ram = ram.size - (at - ram.base);
        if (!board_dtb_header(dtb, dtb_max_size < in_ram ? dtb_max_size : in_ram, info)) {
                return BOARD_E_NO_DTB;
        }
        read_bootargs(dtb, info);
        return BOARD_OK;
}
