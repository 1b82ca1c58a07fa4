/*
 * arch/aarch64/vectors.S: the 16 EL2 exception vectors and the one save/restore path.
 * Every entry saves the general registers, ELR_EL2 and SPSR_EL2 into a struct arch_regs
 * frame on the EL2 stack and calls arch_trap(frame, vector) in C (a synchronous exception
 * from a partition goes straight to arch_hook_lower_sync(frame, ESR): the hypercall path);
 * when that returns, the frame (possibly changed) is restored and we eret. Offsets come
 * from asm_offsets.h.
 */
#include "asm_offsets.h"

.macro ventry vector
	.balign	0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #FRAME_X0]
	mov	x0, #\vector
	b	trap_common
.endm

	.section .text.vectors, "ax"
	.balign	0x800
	.global arch_vectors
arch_vectors:
	ventry	0	/* current EL, SP_EL0: sync */
	ventry	1	/* irq */
	ventry	2	/* fiq */
	ventry	3	/* serror */
	ventry	4	/* current EL, SP_EL2: sync */
	ventry	5	/* irq */
	ventry	6	/* fiq */
	ventry	7	/* serror */
	ventry	8	/* lower EL, AArch64: sync */
	ventry	9	/* irq */
	ventry	10	/* fiq */
	ventry	11	/* serror */
	ventry	12	/* lower EL, AArch32: sync */
	ventry	13	/* irq */
	ventry	14	/* fiq */
	ventry	15	/* serror */

trap_common:
	stp	x2, x3, [sp, #FRAME_X0 + 16]
	stp	x4, x5, [sp, #FRAME_X0 + 32]
	stp	x6, x7, [sp, #FRAME_X0 + 48]
	stp	x8, x9, [sp, #FRAME_X0 + 64]
	stp	x10, x11, [sp, #FRAME_X0 + 80]
	stp	x12, x13, [sp, #FRAME_X0 + 96]
	stp	x14, x15, [sp, #FRAME_X0 + 112]
	stp	x16, x17, [sp, #FRAME_X0 + 128]
	stp	x18, x19, [sp, #FRAME_X0 + 144]
	stp	x20, x21, [sp, #FRAME_X0 + 160]
	stp	x22, x23, [sp, #FRAME_X0 + 176]
	stp	x24, x25, [sp, #FRAME_X0 + 192]
	stp	x26, x27, [sp, #FRAME_X0 + 208]
	stp	x28, x29, [sp, #FRAME_X0 + 224]
	mrs	x2, elr_el2
	stp	x30, x2, [sp, #FRAME_X30]
	mrs	x3, spsr_el2
	str	x3, [sp, #FRAME_SPSR]
	cmp	x0, #8			/* lower EL, AArch64, sync: hypercalls and aborts */
	b.ne	1f
	mrs	x1, esr_el2
	mov	x0, sp
	bl	arch_hook_lower_sync
	b	restore_frame
1:	mov	x1, x0
	mov	x0, sp
	bl	arch_trap
	/* fall through: restore the frame at sp and return from the exception */
restore_frame:
	ldp	x30, x2, [sp, #FRAME_X30]
	ldr	x3, [sp, #FRAME_SPSR]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	ldp	x0, x1, [sp, #FRAME_X0]
	ldp	x2, x3, [sp, #FRAME_X0 + 16]
	ldp	x4, x5, [sp, #FRAME_X0 + 32]
	ldp	x6, x7, [sp, #FRAME_X0 + 48]
	ldp	x8, x9, [sp, #FRAME_X0 + 64]
	ldp	x10, x11, [sp, #FRAME_X0 + 80]
	ldp	x12, x13, [sp, #FRAME_X0 + 96]
	ldp	x14, x15, [sp, #FRAME_X0 + 112]
	ldp	x16, x17, [sp, #FRAME_X0 + 128]
	ldp	x18, x19, [sp, #FRAME_X0 + 144]
	ldp	x20, x21, [sp, #FRAME_X0 + 160]
	ldp	x22, x23, [sp, #FRAME_X0 + 176]
	ldp	x24, x25, [sp, #FRAME_X0 + 192]
	ldp	x26, x27, [sp, #FRAME_X0 + 208]
	ldp	x28, x29, [sp, #FRAME_X0 + 224]
	add	sp, sp, #FRAME_SIZE
	eret

/* arch_enter_frame(frame): make frame the top of this CPU's stack and return into it. */
	.global arch_enter_frame
arch_enter_frame:
	mov	sp, x0
	b	restore_frame
