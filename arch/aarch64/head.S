/*
 * arch/aarch64/head.S: the first instructions. The image begins with an arm64 Linux
 * Image header (Documentation/arm64/booting.rst) so that firmware and QEMU's -kernel
 * load it like Linux: at EL2, MMU off, x0 = physical address of the DTB.
 * Here we only zero .bss, pick a stack and install the vectors; C does the rest.
 *
 * The header and this code are also the first 512 bytes of the vector table
 * (arch/aarch64/vectors.S has the rest): its slots 0-3 are for exceptions taken at EL2 on
 * SP_EL0, and RVM always runs on SP_EL2 (primary_entry and secondary_entry select it
 * before VBAR_EL2 points here), so those slots are never taken, and their 512 bytes hold
 * what would otherwise be 2 KiB-alignment padding before the table (linker.ld checks the
 * size).
 *
 * A board may also start RVM where its boot flash is mapped (QEMU virt starts at PA 0 when
 * pflash bank 0 holds `make image`'s file, docs/boards.md): then the first thing done is
 * to copy the image to the address it is linked at and continue there.
 */
#include "arch/aarch64/layout.h"
#include "asm_offsets.h"

	.section .text.head, "ax"
	.global _start, arch_vectors
_start:
arch_vectors:				/* VBAR_EL2: 2 KiB aligned (the load address) */
	b	primary_entry		/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset: QEMU loads us at RAM base + 2 MiB */
	.quad	__image_size		/* image_size, including .bss */
	.quad	0xa			/* flags: little-endian, 4 KiB pages, anywhere */
	.quad	0, 0, 0			/* res2..res4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5 (PE offset) */

primary_entry:
	msr	spsel, #1		/* on SP_EL2: vector slots 0-3 are never taken */
	adr	x1, _start		/* where we run */
	ldr	x2, =_start		/* where we are linked */
	cmp	x1, x2
	b.eq	linked
	/* From flash: MMU and caches are off, so these are plain device reads. The loaded
	 * part of the image ends where .bss (16-byte aligned) begins. */
	ldr	x3, =__bss_start
1:	ldp	x4, x5, [x1], #16
	stp	x4, x5, [x2], #16
	cmp	x2, x3
	b.lo	1b
	dsb	sy
	ic	iallu			/* nothing stale may be fetched from the copy */
	dsb	sy
	isb
	/* Firmware boot has no x0: QEMU virt's firmware contract puts the DTB at RAM base. */
	cbnz	x0, 2f
	ldr	x0, =RVM_FIRMWARE_DTB
2:	ldr	x1, =linked
	br	x1

linked:
	mov	x19, x0			/* keep the DTB address */
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
	sub	x3, x2, #64		/* 64 bytes a turn while a whole 64 are left */
3:	cmp	x1, x3
	b.hi	5f
	stp	xzr, xzr, [x1]
	stp	xzr, xzr, [x1, #16]
	stp	xzr, xzr, [x1, #32]
	stp	xzr, xzr, [x1, #48]
	add	x1, x1, #64
	b	3b
5:	cmp	x1, x2			/* then 16 at a time: the linker script aligns .bss to 16 */
	b.hs	4f
	stp	xzr, xzr, [x1], #16
	b	5b
4:	mov	x0, #0
	bl	set_stack_and_vectors
	mov	x0, x19
	bl	arch_primary_main	/* never returns */
	b	.

#if RVM_MAX_CPUS > 1
/* PSCI CPU_ON enters here with x0 = the context id we passed: the CPU index. (A profile of
 * one CPU starts no other: boot/smp.c.) */
	.global secondary_entry
secondary_entry:
	msr	spsel, #1
	mov	x19, x0
	bl	set_stack_and_vectors
	mov	x0, x19
	bl	arch_secondary_main	/* never returns */
	b	.
#endif

/* x0 = CPU index: sp = top of that CPU's stack; VBAR_EL2 = our vectors. */
set_stack_and_vectors:
	adrp	x1, arch_cpu_stacks
	add	x1, x1, :lo12:arch_cpu_stacks
	add	x2, x0, #1
	mov	x3, #RVM_STACK_SIZE
	madd	x1, x2, x3, x1
	mov	sp, x1
	adrp	x1, arch_vectors
	add	x1, x1, :lo12:arch_vectors
	msr	vbar_el2, x1
	isb
	ret
