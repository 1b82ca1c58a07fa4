/*
 * arch/aarch64/fp.S: save and load a vCPU's FP/SIMD state (V0-V31, FPSR, FPCR). C decides
 * when (kernel/run.c: lazily, on the first FP instruction a vCPU executes after it was
 * switched in, trapped through CPTR_EL2.TFP); these only move the registers.
 */
#include "asm_offsets.h"

	/* In the vector table's slots 0-3, after the boot code (linker.ld, head.S). */
	.section .text.slots, "ax"

/* arch_fp_save(struct arch_fp *x0) */
	.global arch_fp_save
arch_fp_save:
	stp	q0, q1, [x0, #FP_Q + 0x000]
	stp	q2, q3, [x0, #FP_Q + 0x020]
	stp	q4, q5, [x0, #FP_Q + 0x040]
	stp	q6, q7, [x0, #FP_Q + 0x060]
	stp	q8, q9, [x0, #FP_Q + 0x080]
	stp	q10, q11, [x0, #FP_Q + 0x0a0]
	stp	q12, q13, [x0, #FP_Q + 0x0c0]
	stp	q14, q15, [x0, #FP_Q + 0x0e0]
	stp	q16, q17, [x0, #FP_Q + 0x100]
	stp	q18, q19, [x0, #FP_Q + 0x120]
	stp	q20, q21, [x0, #FP_Q + 0x140]
	stp	q22, q23, [x0, #FP_Q + 0x160]
	stp	q24, q25, [x0, #FP_Q + 0x180]
	stp	q26, q27, [x0, #FP_Q + 0x1a0]
	stp	q28, q29, [x0, #FP_Q + 0x1c0]
	stp	q30, q31, [x0, #FP_Q + 0x1e0]
	mrs	x1, fpsr
	mrs	x2, fpcr
	add	x3, x0, #FP_FPSR	/* beyond stp's immediate range */
	stp	x1, x2, [x3]
	ret

/* arch_fp_load(const struct arch_fp *x0) */
	.global arch_fp_load
arch_fp_load:
	ldp	q0, q1, [x0, #FP_Q + 0x000]
	ldp	q2, q3, [x0, #FP_Q + 0x020]
	ldp	q4, q5, [x0, #FP_Q + 0x040]
	ldp	q6, q7, [x0, #FP_Q + 0x060]
	ldp	q8, q9, [x0, #FP_Q + 0x080]
	ldp	q10, q11, [x0, #FP_Q + 0x0a0]
	ldp	q12, q13, [x0, #FP_Q + 0x0c0]
	ldp	q14, q15, [x0, #FP_Q + 0x0e0]
	ldp	q16, q17, [x0, #FP_Q + 0x100]
	ldp	q18, q19, [x0, #FP_Q + 0x120]
	ldp	q20, q21, [x0, #FP_Q + 0x140]
	ldp	q22, q23, [x0, #FP_Q + 0x160]
	ldp	q24, q25, [x0, #FP_Q + 0x180]
	ldp	q26, q27, [x0, #FP_Q + 0x1a0]
	ldp	q28, q29, [x0, #FP_Q + 0x1c0]
	ldp	q30, q31, [x0, #FP_Q + 0x1e0]
	add	x3, x0, #FP_FPSR
	ldp	x1, x2, [x3]
	msr	fpsr, x1
	msr	fpcr, x2
	ret
