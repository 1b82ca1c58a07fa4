/*
 * configs/features.h: which optional features of the core are built in. The Makefile
 * defines RVM_HAVE_<FEATURE> for a kernel built with the feature (FEATURES: the appliance
 * has them all, the Seed none); host builds (unit tests, tools) always have them. Code
 * tests RVM_WITH_<FEATURE>; where a feature is out, its headers give stubs that refuse.
 */
#ifndef RVM_CONFIGS_FEATURES_H
#define RVM_CONFIGS_FEATURES_H

/* checkpoints, restore, scrub and dormant (lz4-compressed) pages */
#if !defined(RVM_KERNEL) || defined(RVM_HAVE_TIERS)
#define RVM_WITH_TIERS 1
#endif
/* Linux guests: the guest DTB and the GICv3 distributor/redistributor emulation */
#if !defined(RVM_KERNEL) || defined(RVM_HAVE_LINUX)
#define RVM_WITH_LINUX 1
#endif
/* the signed RVF image verified at boot (ECDSA P-256) */
#if !defined(RVM_KERNEL) || defined(RVM_HAVE_RVF)
#define RVM_WITH_RVF 1
#endif
/* device leases: a board device's MMIO and interrupt lent to a partition for a time */
#if !defined(RVM_KERNEL) || defined(RVM_HAVE_LEASES)
#define RVM_WITH_LEASES 1
#endif
/* zero-copy memory regions between partitions: mem_offer/retrieve/relinquish/reclaim */
#if !defined(RVM_KERNEL) || defined(RVM_HAVE_SHARE)
#define RVM_WITH_SHARE 1
#endif
/* the monitor's `console`: the terminal attached to a partition's virtual PL011 */
#if !defined(RVM_KERNEL) || defined(RVM_HAVE_ATTACH)
#define RVM_WITH_ATTACH 1
#endif
/* the monitor's detailed views (exits, vcpus, vdevs, cpus, caps, regions, locks, wait,
 * witness tail, witness verify) and its scheduling controls (mode, pressure, degraded) */
#if !defined(RVM_KERNEL) || defined(RVM_HAVE_INSPECT)
#define RVM_WITH_INSPECT 1
#endif

/* F4's look back at boot: how the boots before this one ended (a backward scan of the
 * witness store: WK_REC_ESCALATE and the console's notice of a failed boot), and safe mode,
 * or the other image slot, after PANIC_BOOT_LOOP_MAX failed boots in a row */
#if !defined(RVM_KERNEL) || defined(RVM_HAVE_LOOKBACK)
#define RVM_WITH_LOOKBACK 1
#endif

/* the board read from the DTB at boot (hal/board.c); without it, the board is compiled in
 * (hal/board_fixed.c, generated at build time from QEMU's DTB) */
#if !defined(RVM_KERNEL) || defined(RVM_HAVE_DTB)
#define RVM_WITH_DTB 1
#endif

#endif
