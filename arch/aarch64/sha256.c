/*
 * arch/aarch64/sha256.c: SHA-256 blocks on the CPU's SHA-256 instructions, for the witness
 * module's hash (witness_sha256_accelerate; boot/boot.c hands it arch_sha256_blocks when
 * arch_sha256_probe found the instructions).
 *
 * FP/SIMD at EL2: RVM's C is built with -mgeneral-regs-only so that a vCPU's FP/SIMD
 * registers can stay live in the hardware while RVM handles its traps (kernel/run.c switches
 * them lazily: CPTR_EL2.TFP is set when a vCPU is switched in and cleared when it first uses
 * FP, which loads its registers; a switch out saves them). The compression function
 * (sha256_ce.c) is the one exception outside the WebAssembly engine, so each call is made
 * safe here, with IRQs masked so that nothing else runs on this CPU meanwhile:
 *   - TFP set: no one's FP/SIMD state is in the registers (they are loaded only by the trap
 *     that clears TFP, and saved before it is set again). Clear TFP, hash, set it again: the
 *     next user traps and loads its own registers, so the hash's values are never seen.
 *   - TFP clear: the registers may hold a vCPU's live state (a trap from a guest that used
 *     FP) or the engine's (a host call from an agent). All of V0-V31, FPSR and FPCR are saved
 *     on the stack around the hash (arch_fp_save/arch_fp_load) and put back unchanged.
 */
#include <stddef.h>
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/regs.h"
#include "arch/aarch64/sysreg.h"

void arch_sha256_ce_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

bool arch_sha256_probe(void)
{
        /* ID_AA64ISAR0_EL1.SHA2, bits [15:12]: 1 = SHA256H/H2/SU0/SU1, 2 = SHA-512 too. */
        return ((sysreg_read(id_aa64isar0_el1) >> 12) & 0xf) != 0;
}

bool arch_fp_trapped(void)
{
        return (sysreg_read(cptr_el2) & CPTR_TFP) != 0;
}

void arch_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks)
{
        uint64_t daif = sysreg_read(daif);
        uint64_t cptr;

        arch_irq_disable();
        cptr = sysreg_read(cptr_el2);
        if ((cptr & CPTR_TFP) != 0) {
                sysreg_write(cptr_el2, cptr & ~CPTR_TFP);
                arch_isb();
                arch_sha256_ce_blocks(state, data, blocks);
                sysreg_write(cptr_el2, cptr);
                arch_isb();
        } else {
                struct arch_fp saved;

                arch_fp_save(&saved);
                arch_sha256_ce_blocks(state, data, blocks);
                arch_fp_load(&saved);
        }
        sysreg_write(daif, daif);
}
