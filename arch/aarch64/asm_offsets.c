/*
 * arch/aarch64/asm_offsets.c: struct offsets for the assembly, computed by the compiler.
 * The build compiles this file to assembly and turns each "->NAME value" marker into a
 * #define in build/.../asm_offsets.h; nothing here is linked.
 */
#include <stddef.h>

#include "arch/aarch64/arch.h"

#define DEFINE(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %0 " #val "\"" : : "i"(val))

void asm_offsets(void);
void asm_offsets(void)
{
        DEFINE(FRAME_SIZE, sizeof(struct arch_regs));
        DEFINE(FRAME_X0, offsetof(struct arch_regs, x[0]));
        DEFINE(FRAME_X30, offsetof(struct arch_regs, x[30]));
        DEFINE(FRAME_ELR, offsetof(struct arch_regs, elr));
        DEFINE(FRAME_SPSR, offsetof(struct arch_regs, spsr));
        DEFINE(FRAME_HOST_SP, offsetof(struct arch_regs, host_sp));
        DEFINE(FP_Q, offsetof(struct arch_fp, q));
        DEFINE(FP_FPSR, offsetof(struct arch_fp, fpsr));
}

_Static_assert(sizeof(struct arch_regs) % 16 == 0, "EL2 stack must stay 16-byte aligned");
_Static_assert(offsetof(struct arch_regs, elr) == offsetof(struct arch_regs, x[30]) + 8,
               "vectors.S stores x30 and ELR as one pair");
_Static_assert(offsetof(struct arch_fp, fpcr) == offsetof(struct arch_fp, fpsr) + 8,
               "fp.S moves FPSR and FPCR as one pair");
