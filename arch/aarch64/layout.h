/*
 * arch/aarch64/layout.h: memory-layout constants shared by the assembly and the C of
 * arch/. Kept tiny and macro-only so head.S can include it.
 */
#ifndef RVM_ARCH_LAYOUT_H
#define RVM_ARCH_LAYOUT_H

/* Upper bound on CPUs RVM brings up; -smp beyond it leaves the extras off (boot says so). */
#include "configs/limits.h" /* the profile's sizes, if it sets them */
#ifndef RVM_MAX_CPUS
#define RVM_MAX_CPUS 8
#endif

/* Each CPU's EL2 stack. Traps nest at most twice (IRQ inside a handler is not enabled). */
#ifndef RVM_STACK_SIZE
#define RVM_STACK_SIZE 16384
#endif

/* Where the DTB is when RVM is started as firmware (from flash, x0 = 0): QEMU virt places
 * it at the base of RAM for firmware (docs/system/arm/virt.rst). Linked 2 MiB above it. */
#define RVM_FIRMWARE_DTB 0x40000000

#endif
