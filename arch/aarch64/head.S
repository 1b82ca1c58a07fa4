/*
 * arch/aarch64/head.S: the first instructions. The image begins with an arm64 Linux
 * Image header (Documentation/arm64/booting.rst) so that firmware and QEMU's -kernel
 * load it like Linux: at EL2, MMU off, x0 = physical address of the DTB.
 * Here we only zero .bss, pick a stack and install the vectors; C does the rest.
 */
#include "arch/aarch64/layout.h"
#include "asm_offsets.h"

	.section .text.head, "ax"
	.global _start
_start:
	b	primary_entry		/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset: QEMU loads us at RAM base + 2 MiB */
	.quad	__image_size		/* image_size, including .bss */
	.quad	0xa			/* flags: little-endian, 4 KiB pages, anywhere */
	.quad	0, 0, 0			/* res2..res4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5 (PE offset) */

primary_entry:
	mov	x19, x0			/* keep the DTB address */
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
1:	cmp	x1, x2
	b.hs	2f
	stp	xzr, xzr, [x1], #16	/* the linker script aligns .bss to 16 */
	b	1b
2:	mov	x0, #0
	bl	set_stack_and_vectors
	mov	x0, x19
	bl	arch_primary_main	/* never returns */
	b	.

/* PSCI CPU_ON enters here with x0 = the context id we passed: the CPU index. */
	.global secondary_entry
secondary_entry:
	mov	x19, x0
	bl	set_stack_and_vectors
	mov	x0, x19
	bl	arch_secondary_main	/* never returns */
	b	.

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
