/*
 * hal/board_fixed.c: the board of a profile without the `dtb` feature (the Seed: one fixed,
 * known machine), compiled in instead of parsed at boot, as Bao's platform descriptions and
 * Zephyr's build-time devicetree are. The facts come from the Makefile's
 * build/<config>/gen/board_fixed.h, which tools/boardgen writes by running the appliance's
 * own parser (hal/board.c) over the DTB QEMU dumps for the Seed's machine options; at boot
 * only the DTB's header and /chosen's bootargs are read (hal/board_args.c, libfdt's path
 * lookup), so the walk of every node and its tables stay out of the image. The DTB handed
 * over must lie in the board's first RAM range (where QEMU and firmware put it); one that
 * does not is not read at all.
 */
#include "configs/features.h"
#include "hal/board.h"

#include <string.h>

#if !RVM_WITH_DTB
#include "board_fixed.h" /* generated: board_fixed_fill */

enum board_err board_parse(const void *dtb, uint64_t dtb_max_size, struct board_info *info)
{
        memset(info, 0, sizeof(*info));
        board_fixed_fill(info);
        return board_dtb_args(dtb, dtb_max_size, info->mem[0], info);
}

const char *board_err_str(enum board_err err)
{
        return err == BOARD_OK ? "ok" : "no valid DTB in RAM: no bootargs, none measured";
}
#endif
