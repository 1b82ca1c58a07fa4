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
                arch_hook_irq(regs, false);
                return;
        case ARCH_VEC_CUR_SPX_SYNC: {
                /*
                 * RVM's own HVC #ARCH_SELF_TRAP_IMM: the benchmark of a bare EL2 trap round
                 * trip. ELR already points past the HVC, so returning resumes the caller.
                 */
                uint64_t esr = sysreg_read(esr_el2);
                if ((esr >> ESR_EC_SHIFT) == ESR_EC_HVC64 && (esr & 0xffff) == ARCH_SELF_TRAP_IMM) {
                        return;
                }
                arch_hook_unexpected(regs, vector, esr, sysreg_read(far_el2));
        }
        default:
                if (vector >= ARCH_VEC_LOWER64_SYNC) {
                        /*
                         * From a partition: IRQ and FIQ are RVM's own interrupts; synchronous
                         * exceptions and SErrors (and anything from AArch32, which RVM never
                         * runs) are the partition's doing and are handled as such.
                         */
                        if ((vector & 3) == 1 || (vector & 3) == 2) {
                                arch_hook_irq(regs, true);
                        } else {
                                arch_hook_lower_sync(regs, sysreg_read(esr_el2));
                        }
                        return;
                }
                /* Anything else at EL2 is a bug in RVM, or a test provoking one: report it. */
                arch_hook_unexpected(regs, vector, sysreg_read(esr_el2), sysreg_read(far_el2));
        }
}
