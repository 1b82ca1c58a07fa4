/*
 * arch/aarch64/trap.c: the C side of the vectors. arch_trap is called with the saved
 * frame and the vector number; it sorts the exception and hands it to the kernel.
 */
#include "arch/aarch64/arch.h"
#include "arch/aarch64/sysreg.h"

void arch_trap(struct arch_regs *regs, unsigned vector);

void arch_trap(struct arch_regs *regs, unsigned vector)
{
	switch (vector) {
	case ARCH_VEC_CUR_SPX_IRQ:
	case ARCH_VEC_LOWER64_IRQ:
		arch_hook_irq(regs);
		return;
	default:
		/* Anything else at EL2 is a bug in RVM, or a test provoking one: report it. */
		arch_hook_unexpected(regs, vector, sysreg_read(esr_el2), sysreg_read(far_el2));
	}
}
