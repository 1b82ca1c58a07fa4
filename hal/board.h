/*
 * hal/board.h: the facts about the machine RVM needs, read from the DTB the firmware
 * (or QEMU) passes in x0. Parsing is plain C over libfdt, so the host tests parse the
 * same QEMU-generated DTB the kernel boots with. A profile without the `dtb` feature (the
 * Seed: one fixed board) has them compiled in instead (hal/board_fixed.c, generated at build
 * time from QEMU's DTB by the same parser) and reads only the DTB's header and /chosen's
 * bootargs at boot (hal/board_args.c); board_parse is its entry too.
 */
#ifndef RVM_HAL_BOARD_H
#define RVM_HAL_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "configs/features.h"

/* 1: the board is read from the DTB at boot (the `dtb` feature). 0: it is compiled in
 * (hal/board_fixed.c), checked at build time by tools/boardgen: its PSCI conduit is SMC, and
 * it has no initrd (only a DTB handed over at boot names one, in /chosen), so the boot's
 * checks and uses of those compile out. */
#ifdef RVM_WITH_DTB
#define BOARD_READ_AT_BOOT 1
#else
#define BOARD_READ_AT_BOOT 0
#endif

#define BOARD_MAX_MEM  8
#define BOARD_MAX_CPUS 8
#define BOARD_ARGS_LEN 256

struct board_range {
        uint64_t base;
        uint64_t size;
};

enum board_psci_conduit {
        BOARD_PSCI_NONE = 0,
        BOARD_PSCI_SMC,
        BOARD_PSCI_HVC,
};

struct board_info {
        bool from_dtb; /* false: the documented QEMU virt fallback is in use */
        char model[64];
        struct board_range mem[BOARD_MAX_MEM];
        unsigned mem_count;
        struct board_range uart; /* PL011 */
        unsigned uart_irq;       /* GIC INTID */
        struct board_range gicd; /* GICv3 distributor */
        struct board_range gicr; /* first redistributor region */
        unsigned timer_hyp_irq;  /* EL2 physical timer PPI (INTID) */
        unsigned timer_virt_irq; /* EL1 virtual timer PPI (INTID) */
        unsigned timer_phys_irq; /* EL1 physical timer PPI (INTID) */
        enum board_psci_conduit psci;
        uint64_t cpu_mpidr[BOARD_MAX_CPUS];
        unsigned cpu_count;          /* CPUs RVM will use (at most BOARD_MAX_CPUS) */
        unsigned cpu_count_dtb;      /* CPUs the DTB describes */
        struct board_range flash[2]; /* CFI flash banks (bank 1 holds the witness store) */
        struct board_range rtc;      /* PL031 real-time clock (leasable to a partition) */
        unsigned rtc_irq;
        unsigned flash_count;
        char bootargs[BOARD_ARGS_LEN];
        struct board_range initrd;
        struct board_range dtb; /* where the DTB itself lives (its whole totalsize) */
        uint64_t dtb_used;      /* bytes up to the end of its last block (no padding) */
};

enum board_err {
        BOARD_OK = 0,
        BOARD_E_NO_DTB,    /* no DTB address, or its header is invalid */
        BOARD_E_NO_MEMORY, /* no usable /memory node */
        BOARD_E_NO_UART,
        BOARD_E_NO_GIC,
};

/*
 * Fill *info from the DTB at dtb (untrusted: every length is checked by libfdt, and a
 * value that does not fit is ignored). Missing pieces fall back to the QEMU virt
 * addresses documented in docs/boards.md; the result says which part failed.
 */
enum board_err board_parse(const void *dtb, uint64_t dtb_max_size, struct board_info *info);

/* The QEMU virt facts RVM uses when there is no DTB. */
void board_virt_fallback(struct board_info *info);

/* 1: the DTB's header and command line are read (a board read at boot, a test image, the
 * host). 0: a board compiled in, outside a test image (hal/board_fixed.c), reads nothing of
 * the DTB: no command line, no DTB recorded. */
#if BOARD_READ_AT_BOOT || defined(RVM_KTEST) || !defined(RVM_KERNEL)
#define BOARD_HAS_ARGS 1
#else
#define BOARD_HAS_ARGS 0
#endif

/* Does the kernel command line contain word (space-separated)? A board compiled in has none
 * outside a test image (hal/board_fixed.c): never, and the words' uses compile out. */
#if BOARD_HAS_ARGS
bool board_has_arg(const struct board_info *info, const char *word);
#else
static inline bool board_has_arg(const struct board_info *info, const char *word)
{
        (void)info;
        (void)word;
        return false;
}
#endif

/* Is the DTB at dtb (at most dtb_max_size bytes) one RVM reads: libfdt's header check, its
 * blocks aligned for libfdt's loads on Device memory (before the MMU), version 16 or later?
 * Then sets info->dtb and dtb_used (what its blocks use of it). */
bool board_dtb_header(const void *dtb, uint64_t dtb_max_size, struct board_info *info);

/*
 * What a board compiled in still reads of the DTB at dtb: its header (board_dtb_header,
 * the whole tree inside ram) and /chosen's "bootargs". Sets info->dtb,
 * dtb_used and bootargs; BOARD_E_NO_DTB leaves them empty (from_dtb is the board's: a board
 * compiled in from a DTB never uses the fallback). Untrusted input: the header is checked
 * before libfdt reads the tree (its path lookup and one property), which checks the rest.
 */
enum board_err board_dtb_args(const void *dtb, uint64_t dtb_max_size, struct board_range ram,
                              struct board_info *info);

const char *board_err_str(enum board_err err);

#endif
