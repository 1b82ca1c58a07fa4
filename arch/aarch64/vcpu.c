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

void arch_el1_reset(struct arch_el1_ctx *c, uint64_t sp)
{
        memset(c, 0, sizeof(*c));
        c->sctlr = SCTLR_EL1_RES1; /* MMU and caches off, as the Linux boot protocol says */
        c->sp_el1 = sp;
        c->cpacr = 3ULL << 20; /* FP/SIMD usable at EL1/EL0 (RVM saves it lazily later) */
}

void arch_el1_save(struct arch_el1_ctx *c)
{
        c->sctlr = sysreg_read(sctlr_el1);
        c->ttbr0 = sysreg_read(ttbr0_el1);
        c->ttbr1 = sysreg_read(ttbr1_el1);
        c->tcr = sysreg_read(tcr_el1);
        c->mair = sysreg_read(mair_el1);
        c->amair = sysreg_read(amair_el1);
        c->vbar = sysreg_read(vbar_el1);
        c->contextidr = sysreg_read(contextidr_el1);
        c->sp_el0 = sysreg_read(sp_el0);
        c->sp_el1 = sysreg_read(sp_el1);
        c->elr_el1 = sysreg_read(elr_el1);
        c->spsr_el1 = sysreg_read(spsr_el1);
        c->esr_el1 = sysreg_read(esr_el1);
        c->far_el1 = sysreg_read(far_el1);
        c->afsr0 = sysreg_read(afsr0_el1);
        c->afsr1 = sysreg_read(afsr1_el1);
        c->par = sysreg_read(par_el1);
        c->tpidr_el0 = sysreg_read(tpidr_el0);
        c->tpidrro_el0 = sysreg_read(tpidrro_el0);
        c->tpidr_el1 = sysreg_read(tpidr_el1);
        c->cpacr = sysreg_read(cpacr_el1);
        c->csselr = sysreg_read(csselr_el1);
        c->cntkctl = sysreg_read(cntkctl_el1);
        c->cntv_ctl = sysreg_read(cntv_ctl_el0);
        c->cntv_cval = sysreg_read(cntv_cval_el0);
        c->mdscr = sysreg_read(mdscr_el1);
        /* A guest's virtual timer must not fire into whoever runs next. */
        sysreg_write(cntv_ctl_el0, 0);
}

void arch_el1_load(const struct arch_el1_ctx *c, const struct arch_guest_cfg *g)
{
        sysreg_write(vtcr_el2, g->vtcr);
        sysreg_write(vttbr_el2, g->vttbr);
        sysreg_write(sctlr_el1, c->sctlr);
        sysreg_write(ttbr0_el1, c->ttbr0);
        sysreg_write(ttbr1_el1, c->ttbr1);
        sysreg_write(tcr_el1, c->tcr);
        sysreg_write(mair_el1, c->mair);
        sysreg_write(amair_el1, c->amair);
        sysreg_write(vbar_el1, c->vbar);
        sysreg_write(contextidr_el1, c->contextidr);
        sysreg_write(sp_el0, c->sp_el0);
        sysreg_write(sp_el1, c->sp_el1);
        sysreg_write(elr_el1, c->elr_el1);
        sysreg_write(spsr_el1, c->spsr_el1);
        sysreg_write(esr_el1, c->esr_el1);
        sysreg_write(far_el1, c->far_el1);
        sysreg_write(afsr0_el1, c->afsr0);
        sysreg_write(afsr1_el1, c->afsr1);
        sysreg_write(par_el1, c->par);
        sysreg_write(tpidr_el0, c->tpidr_el0);
        sysreg_write(tpidrro_el0, c->tpidrro_el0);
        sysreg_write(tpidr_el1, c->tpidr_el1);
        sysreg_write(cpacr_el1, c->cpacr);
        sysreg_write(csselr_el1, c->csselr);
        sysreg_write(cntkctl_el1, c->cntkctl);
        sysreg_write(cntv_cval_el0, c->cntv_cval);
        sysreg_write(cntv_ctl_el0, c->cntv_ctl);
        sysreg_write(mdscr_el1, c->mdscr);
        sysreg_write(vmpidr_el2, g->vmpidr);
        sysreg_write(hcr_el2, g->hcr);
        arch_isb();
}

uint64_t arch_guest_mpidr(unsigned index)
{
        return (1ULL << 31) | (index & 0xff); /* bit 31 RES1; U (bit 30) 0: a multiprocessor */
}

uint64_t arch_guest_hcr(void)
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
        sysreg_write(cptr_el2, CPTR_EL2_RES1 | (on ? CPTR_TFP : 0));
        arch_isb();
}

uint64_t arch_trap_esr(void)
{
        return sysreg_read(esr_el2);
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
