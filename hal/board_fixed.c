/*
 * hal/board_fixed.c: the board of a profile without the `dtb` feature (the Seed: one fixed,
 * known machine), compiled in instead of parsed at boot, as Bao's platform descriptions and
 * Zephyr's build-time devicetree are. The facts come from the Makefile's
 * build/<config>/gen/board_fixed.h, which tools/boardgen writes by running the appliance's
 * own parser (hal/board.c) over the DTB QEMU dumps for the Seed's machine options.
 *
 * Nothing of the DTB handed over at boot is read, and so none of it is measured: the board
 * is this one, and the command line is empty (no "semihosting": `poweroff` is PSCI's
 * SYSTEM_OFF, a panic reboots, F4), as on the device it stands for. The Seed parses no
 * input from its boot loader, and libfdt stays out of its image. A test image is the
 * exception: it reads the DTB's header and /chosen's bootargs (hal/board_args.c), where
 * tests/run names its scenario; the DTB must then lie in the board's first RAM range
 * (where QEMU and firmware put it), or it is not read at all.
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
#ifdef RVM_KTEST
        return board_dtb_args(dtb, dtb_max_size, info->mem[0], info);
#else
        (void)dtb;
        (void)dtb_max_size;
        return BOARD_OK;
#endif
}

const char *board_err_str(enum board_err err)
{
#ifdef RVM_KTEST
        return err == BOARD_OK ? "ok" : "no valid DTB in RAM: no bootargs, none measured";
#else
        (void)err; /* board_parse reads nothing, and cannot fail */
        return "ok";
#endif
}
#endif
