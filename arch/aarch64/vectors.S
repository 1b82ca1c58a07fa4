/*
 * arch/aarch64/vectors.S: the EL2 exception vectors and the save/restore paths.
 *
 * From RVM itself (vectors 4-7) the frame goes on the EL2 stack and arch_trap(frame,
 * vector) sorts it out; the same frame is restored and we eret.
 *
 * From a partition (vectors 8-15) SP_EL2 points just past the running vCPU's own frame
 * (struct arch_regs inside struct vcpu, as in Bao), so the registers are saved straight
 * into the vCPU. The C code then runs on the CPU's stack, whose top the frame records
 * (host_sp, set by arch_frame_bind when the vCPU was put on this CPU). The C hook returns
 * the frame to enter next, the same one or another vCPU's: a world switch moves no
 * general registers. Offsets come from asm_offsets.h.
 */
#include "asm_offsets.h"

/* x2..x30, ELR_EL2 and SPSR_EL2 into the frame at sp (x0 and x1 are already there). */
.macro save_rest
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
.endm

/* x0 = the frame just saved at sp (a vCPU's); then on to the CPU stack the frame records. */
.macro to_cpu_stack
	mov	x0, sp
	ldr	x2, [sp, #FRAME_HOST_SP]
	mov	sp, x2
.endm

/* Everything back from the frame at sp, sp just past it, and return from the exception. */
.macro load_frame_eret
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
.endm

/* Each entry: make room for the frame (on the stack, or the vCPU's), save x0/x1, take the
 * vector's number; the entries that do not go straight on into the path below them branch
 * to it. */
.macro ventry vector
	.balign	0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #FRAME_X0]
	mov	x1, #\vector
.endm

/* A slot in a section of its own, which linker.ld puts at its place: the entry and a branch
 * to its path (the room after them is linker.ld's to fill). */
.macro vslot vector, target
	.section .text.vectors.\vector, "ax"
	ventry	\vector
	b	\target
.endm

/*
 * Slots 0-3 (current EL on SP_EL0: never taken, RVM runs on SP_EL2) hold the Image header
 * and the boot code (arch/aarch64/head.S). Slots 4-15 follow, each group in a section of
 * its own, which linker.ld puts at its place in the table. A slot is 32 instructions and
 * an entry takes 3 or 4, so the shared paths live in the slots' unused space instead of
 * after the table: RVM's own exceptions in slots 4 and 5, a partition's asynchronous ones
 * in slots 9 and 10, the synchronous one (hypercalls, aborts) whole in slot 8; linker.ld
 * puts small libc functions after the entries of slots 6, 7 and 11-14. Each .org refuses
 * to assemble if what is in a slot ever outgrows it; linker.ld refuses to link if what it
 * put in one does.
 */
	.section .text.vectors.4, "ax"
	.balign	0x80
slot4:
	ventry	4		/* current EL, SP_EL2: sync */
trap_el2:
	save_rest
	mov	x0, sp
	bl	arch_trap
	b	trap_el2_return
	.org	slot4 + 1 * 0x80
	ventry	5		/* irq */
	b	trap_el2
trap_el2_return:
	load_frame_eret

	vslot	6, trap_el2	/* fiq */
	vslot	7, trap_el2	/* serror */

	/* lower EL, AArch64: sync (hypercalls, aborts): its whole path to the hook call, without
	 * a branch to it. */
	.section .text.vectors.8, "ax"
	.balign	0x80
slot8:
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #FRAME_X0]
	save_rest
	mrs	x1, esr_el2
	to_cpu_stack
	bl	arch_hook_lower_sync
	b	arch_enter_frame
	.org	slot8 + 1 * 0x80
	ventry	9		/* irq */
lower:
	save_rest
	to_cpu_stack
	bl	arch_trap_lower
	b	arch_enter_frame /* with the frame to enter in x0 */
	.org	slot8 + 2 * 0x80
	ventry	10		/* fiq */
	b	lower

/* arch_enter_frame(frame): enter the context in frame (bound to this CPU); no return. */
	.global arch_enter_frame
arch_enter_frame:
	mov	sp, x0
	load_frame_eret

	vslot	11, lower	/* serror */
	vslot	12, lower	/* lower EL, AArch32: sync */
	vslot	13, lower	/* irq */
	vslot	14, lower	/* fiq */
	vslot	15, lower	/* serror */
	/* (what the linker puts next, the C code, follows on in the last slot) */
