/*
 * arch/aarch64/vcpu.c: the EL1 half of a world switch. General registers, ELR and SPSR
 * travel in the trap frame (vectors.S); everything else EL1 owns is saved and loaded here,
 * register by register, when RVM puts another vCPU on this CPU.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/regs.h"
#include "arch/aarch64/sysreg.h"

#define SPSR_EL1H 0x5ULL
#define SPSR_DAIF (0xfULL << 6)
#define SCTLR_EL1_RES1 \
        ((1ULL << 11) | (1ULL << 20) | (1ULL << 22) | (1ULL << 23) | (1ULL << 28) | (1ULL << 29))

/* HCR_EL2 for running a partition (RVM's own HCR otherwise). */
static inline uint64_t guest_hcr(void)
{
        /*
         * HCR_EL2 while a partition runs:
         *   VM    stage-2 translation on;
         *   SWIO  set/way invalidates become clean+invalidate (a guest cannot discard
         *         data that is not its own);
         *   FMO/IMO/AMO  physical FIQ, IRQ and SError come to EL2 (the tick preempts);
         *   FB, BSU=IS  TLB/cache maintenance and barriers broadcast inner shareable, so a
         *         vCPU moving between CPUs sees its own maintenance;
         *   TWI/TWE  WFI/WFE trap: an idle vCPU gives the CPU back;
         *   TSC   SMC traps: RVM answers PSCI for the partition, firmware never sees it;
         *   TSW   set/way cache maintenance traps (it is not virtualisable);
         *   TACR  auxiliary control register access traps;
         *   RW    EL1 is AArch64.
         */
        return HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_IS | HCR_TWI |
               HCR_TWE | HCR_TSC | HCR_TSW | HCR_TACR | HCR_RW;
}

void arch_el1_reset(struct arch_el1_ctx *c, uint64_t sp, unsigned vcpu_index)
{
        memset(c, 0, sizeof(*c));
        c->sctlr = SCTLR_EL1_RES1; /* MMU and caches off, as the Linux boot protocol says */
        c->sp_el1 = sp;
        c->cpacr = 3ULL << 20; /* FP/SIMD usable at EL1/EL0 (RVM saves it lazily later) */
        c->vmpidr = arch_guest_mpidr(vcpu_index);
        c->hcr = guest_hcr();
}

/*
 * Registers move two at a time: both reads (or loads) first, then the pair of stores (or
 * writes), so the compiler can use one STP (LDP) for each pair of neighbouring fields.
 */
#define SAVE2(f1, r1, f2, r2)                                        \
        do {                                                         \
                uint64_t a_ = sysreg_read(r1), b_ = sysreg_read(r2); \
                c->f1 = a_;                                          \
                c->f2 = b_;                                          \
        } while (0)
#define LOAD2(f1, r1, f2, r2)                    \
        do {                                     \
                uint64_t a_ = c->f1, b_ = c->f2; \
                sysreg_write(r1, a_);            \
                sysreg_write(r2, b_);            \
        } while (0)

void arch_el1_save(struct arch_el1_ctx *c)
{
        SAVE2(sctlr, sctlr_el1, ttbr0, ttbr0_el1);
        SAVE2(ttbr1, ttbr1_el1, tcr, tcr_el1);
        SAVE2(mair, mair_el1, amair, amair_el1);
        SAVE2(vbar, vbar_el1, contextidr, contextidr_el1);
        SAVE2(sp_el0, sp_el0, sp_el1, sp_el1);
        SAVE2(elr_el1, elr_el1, spsr_el1, spsr_el1);
        SAVE2(esr_el1, esr_el1, far_el1, far_el1);
        SAVE2(afsr0, afsr0_el1, afsr1, afsr1_el1);
        SAVE2(par, par_el1, tpidr_el0, tpidr_el0);
        SAVE2(tpidrro_el0, tpidrro_el0, tpidr_el1, tpidr_el1);
        SAVE2(cpacr, cpacr_el1, csselr, csselr_el1);
        SAVE2(cntkctl, cntkctl_el1, cntv_cval, cntv_cval_el0);
        SAVE2(cntv_ctl, cntv_ctl_el0, mdscr, mdscr_el1);
        /* A guest's virtual timer must not fire into whoever runs next. */
        sysreg_write(cntv_ctl_el0, 0);
}

void arch_el1_load(const struct arch_el1_ctx *c, uint64_t vttbr, uint64_t vtcr)
{
        sysreg_write(vtcr_el2, vtcr);
        sysreg_write(vttbr_el2, vttbr);
        LOAD2(sctlr, sctlr_el1, ttbr0, ttbr0_el1);
        LOAD2(ttbr1, ttbr1_el1, tcr, tcr_el1);
        LOAD2(mair, mair_el1, amair, amair_el1);
        LOAD2(vbar, vbar_el1, contextidr, contextidr_el1);
        LOAD2(sp_el0, sp_el0, sp_el1, sp_el1);
        LOAD2(elr_el1, elr_el1, spsr_el1, spsr_el1);
        LOAD2(esr_el1, esr_el1, far_el1, far_el1);
        LOAD2(afsr0, afsr0_el1, afsr1, afsr1_el1);
        LOAD2(par, par_el1, tpidr_el0, tpidr_el0);
        LOAD2(tpidrro_el0, tpidrro_el0, tpidr_el1, tpidr_el1);
        LOAD2(cpacr, cpacr_el1, csselr, csselr_el1);
        /* The timer's compare value before its control: no stale deadline fires. */
        LOAD2(cntkctl, cntkctl_el1, cntv_cval, cntv_cval_el0);
        LOAD2(cntv_ctl, cntv_ctl_el0, mdscr, mdscr_el1);
        LOAD2(vmpidr, vmpidr_el2, hcr, hcr_el2);
        arch_isb();
}

uint64_t arch_guest_mpidr(unsigned index)
{
        return (1ULL << 31) | (index & 0xff); /* bit 31 RES1; U (bit 30) 0: a multiprocessor */
}

void arch_host_mode(void)
{
        sysreg_write(hcr_el2, HCR_RW | HCR_IMO | HCR_FMO | HCR_AMO);
        sysreg_write(vttbr_el2, 0);
        arch_isb();
}

void arch_frame_el1_entry(struct arch_regs *f, uint64_t entry, uint64_t arg)
{
        memset(f, 0, sizeof(*f));
        f->x[0] = arg;
        f->elr = entry;
        f->spsr = SPSR_EL1H | SPSR_DAIF; /* EL1 with SP_EL1, all exceptions masked */
}

void arch_fp_reset(void)
{
        sysreg_write(fpcr, 0);
        sysreg_write(fpsr, 0);
}

void arch_fp_trap(bool on)
{
        uint64_t want = CPTR_EL2_RES1 | (on ? CPTR_TFP : 0);

        if (sysreg_read(cptr_el2) != want) { /* a switch between vCPUs that use no FP: no-op */
                sysreg_write(cptr_el2, want);
                arch_isb();
        }
}

uint64_t arch_trap_far(void)
{
        return sysreg_read(far_el2);
}

uint64_t arch_trap_hpfar_ipa(void)
{
        /* HPFAR_EL2.FIPA holds IPA[47:12] in bits [43:4]. */
        return ((sysreg_read(hpfar_el2) >> 4) << 12) | (sysreg_read(far_el2) & 0xfff);
}
