/*
 * arch/aarch64/trap.c: the C side of the vectors. arch_trap and arch_trap_lower are called
 * with the saved frame and the vector number; they sort the exception and hand it to the
 * kernel.
 */
#include "arch/aarch64/arch.h"
#include "arch/aarch64/sysreg.h"

void arch_trap(struct arch_regs *regs, unsigned vector);
struct arch_regs *arch_trap_lower(struct arch_regs *regs, unsigned vector);

/* A trap taken at EL2 (vectors 0-7): RVM's own. */
void arch_trap(struct arch_regs *regs, unsigned vector)
{
        if (vector == ARCH_VEC_CUR_SPX_IRQ) {
                (void)arch_hook_irq(regs, false);
                return;
        }
        uint64_t esr = sysreg_read(esr_el2);
        if (vector == ARCH_VEC_CUR_SPX_SYNC && (esr >> ESR_EC_SHIFT) == ESR_EC_HVC64 &&
            (esr & 0xffff) == ARCH_SELF_TRAP_IMM) {
                /*
                 * RVM's own HVC #ARCH_SELF_TRAP_IMM: the benchmark of a bare EL2 trap round
                 * trip. ELR already points past the HVC, so returning resumes the caller.
                 */
                return;
        }
        /* Anything else at EL2 is a bug in RVM, or a test provoking one: report it. */
        arch_hook_unexpected(regs, vector, esr, sysreg_read(far_el2));
}

/*
 * A trap from a partition other than a synchronous AArch64 one (vectors 9-15; vectors.S
 * sends vector 8 straight to arch_hook_lower_sync). IRQ and FIQ are RVM's own interrupts;
 * SErrors, and anything from AArch32, which RVM never runs, are the partition's doing.
 */
struct arch_regs *arch_trap_lower(struct arch_regs *regs, unsigned vector)
{
        if ((vector & 3) == 1 || (vector & 3) == 2) {
                return arch_hook_irq(regs, true);
        }
        return arch_hook_lower_sync(regs, sysreg_read(esr_el2));
}
