/*
 * arch/aarch64/cpu.c: what head.S calls, and the small CPU services the rest of RVM uses
 * through arch.h: identity, counters, SMC, semihosting, idling.
 */
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/layout.h"
#include "arch/aarch64/regs.h"
#include "arch/aarch64/sysreg.h"

/* Stacks live in .bss; head.S indexes them by CPU number. */
__attribute__((aligned(16))) uint8_t arch_cpu_stacks[RVM_MAX_CPUS][RVM_STACK_SIZE];

void arch_primary_main(uint64_t dtb_pa);
void arch_secondary_main(unsigned cpu_index);
extern char secondary_entry[];

/* EL2 control registers every CPU sets before anything else runs. */
static void cpu_init_el2(void)
{
        if (arch_current_el() != 2) {
                return; /* kernel_main reports this with a clear message */
        }
        /*
         * HCR_EL2: RW so any EL1 we later run is AArch64; IMO/FMO/AMO route physical
         * interrupts and SErrors to EL2, which is what lets EL2 take its own timer and UART
         * interrupts (with IMO clear an IRQ targets EL1 and is masked while we run at EL2).
         */
        sysreg_write(hcr_el2, HCR_RW | HCR_IMO | HCR_FMO | HCR_AMO);
        /* CPTR_EL2: do not trap FP/SIMD at EL2 (the WASM interpreter uses it). */
        sysreg_write(cptr_el2, CPTR_EL2_RES1);
        /* Guests get the virtual counter and no physical timer until a partition owns one. */
        sysreg_write(cnthctl_el2, CNTHCTL_EL1PCTEN);
        sysreg_write(cntvoff_el2, 0);
        arch_isb();
}

void arch_primary_main(uint64_t dtb_pa)
{
        cpu_init_el2();
#ifndef __OPTIMIZE_SIZE__
        (void)arch_counter_to_ns(0); /* arch_ns_mult, for arch_time_ns_inline */
#endif
        kernel_main(dtb_pa);
}

#if RVM_MAX_CPUS > 1
void arch_secondary_main(unsigned cpu_index)
{
        cpu_init_el2();
        arch_mmu_enable_secondary();
        kernel_secondary_main(cpu_index);
}

uint64_t arch_secondary_entry_pa(void)
{
        return (uint64_t)(uintptr_t)secondary_entry; /* identity-mapped image */
}
#else
/* One CPU (the Seed): head.S has no secondary entry, and boot/smp.c starts no CPU. */
uint64_t arch_secondary_entry_pa(void)
{
        return 0;
}
#endif

unsigned arch_current_el(void)
{
        return (unsigned)((sysreg_read(CurrentEL) >> 2) & 3);
}

uint64_t arch_mpidr(void)
{
        return sysreg_read(mpidr_el1) & 0xff00ffffffULL; /* affinity fields only */
}

uint64_t arch_counter(void)
{
        arch_isb(); /* do not let the counter read be speculated ahead of earlier work */
        return sysreg_read(cntpct_el0);
}

uint64_t arch_counter_freq(void)
{
        return sysreg_read(cntfrq_el0);
}

/*
 * ns = ticks * 10^9 / freq as a multiply and shift: mult = 10^9 * 2^32 / freq, computed on
 * the first call (CNTFRQ_EL0 does not change). Exact when freq divides 10^9 * 2^32 (62.5 MHz
 * on QEMU virt); otherwise the truncated mult is low by under one part in 2^32 / (10^9 /
 * freq), a few nanoseconds a second at 24 MHz, and the result stays monotonic.
 */
/* every CPU computes the same value: a benign race (arch_time_ns_inline reads it) */
uint64_t arch_ns_mult;

uint64_t arch_counter_to_ns(uint64_t ticks)
{
        uint64_t mult = __atomic_load_n(&arch_ns_mult, __ATOMIC_RELAXED);

        if (mult == 0) {
                uint64_t freq = arch_counter_freq();
                if (freq == 0) {
                        return 0;
                }
                mult = (1000000000ULL << 32) / freq; /* 10^9 < 2^30: no overflow */
                __atomic_store_n(&arch_ns_mult, mult, __ATOMIC_RELAXED);
        }
        return (uint64_t)(((unsigned __int128)ticks * mult) >> 32);
}

uint64_t arch_time_ns(void)
{
        return arch_counter_to_ns(arch_counter()); /* both inline here: one call per read */
}

void arch_set_percpu(void *p)
{
        sysreg_write(tpidr_el2, (uintptr_t)p);
}

uint64_t arch_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
        register uint64_t x0 __asm__("x0") = fid;
        register uint64_t x1 __asm__("x1") = a1;
        register uint64_t x2 __asm__("x2") = a2;
        register uint64_t x3 __asm__("x3") = a3;

        __asm__ volatile("smc #0"
                         : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                         :
                         : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
                           "x15", "x16", "x17", "memory");
        return x0;
}

/* Semihosting: HLT #0xF000 with the operation in w0 and a parameter block in x1. */
static uint64_t semihost_call(uint64_t op, uint64_t arg)
{
        register uint64_t x0 __asm__("x0") = op;
        register uint64_t x1 __asm__("x1") = arg;

        __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
        return x0;
}

#define SEMIHOST_SYS_EXIT 0x18
#define SEMIHOST_APP_EXIT 0x20026 /* ADP_Stopped_ApplicationExit */

void arch_semihost_exit(unsigned code)
{
        uint64_t block[2] = {SEMIHOST_APP_EXIT, code};

        for (;;) {
                semihost_call(SEMIHOST_SYS_EXIT, (uintptr_t)block);
        }
}

void arch_irqs_on(void)
{
        arch_irq_enable();
}

void arch_irqs_off(void)
{
        arch_irq_disable();
}

uint64_t arch_irq_save(void)
{
        uint64_t daif = sysreg_read(daif);

        arch_irq_disable();
        return daif;
}

void arch_irq_restore(uint64_t saved)
{
        sysreg_write(daif, saved);
}

void arch_idle(void)
{
        arch_dsb_sy();
        arch_wfi();
}

void arch_self_trap(void)
{
        __asm__ volatile("hvc %0" : : "i"(ARCH_SELF_TRAP_IMM) : "memory");
}

#define PMCR_E           BIT(0) /* enable counters */
#define PMCR_P           BIT(1) /* reset event counters */
#define PMEVTYPER_NSH    BIT(27)
#define PMU_INST_RETIRED 0x08

void arch_pmu_insn_start(void)
{
        sysreg_write(pmevtyper0_el0, PMU_INST_RETIRED | PMEVTYPER_NSH);
        sysreg_write(pmcntenset_el0, 1);
        sysreg_write(pmcr_el0, sysreg_read(pmcr_el0) | PMCR_E | PMCR_P);
        arch_isb();
}

uint32_t arch_pmu_insn_read(void)
{
        arch_isb();
        return (uint32_t)sysreg_read(pmevcntr0_el0);
}

#define PMEVTYPER_P BIT(31) /* do not count at EL1 */
#define PMEVTYPER_U BIT(30) /* do not count at EL0 */

void arch_pmu_el2_share_start(void)
{
        sysreg_write(pmevtyper1_el0, PMU_INST_RETIRED | PMEVTYPER_P | PMEVTYPER_U | PMEVTYPER_NSH);
        sysreg_write(pmevtyper2_el0, PMU_INST_RETIRED | PMEVTYPER_NSH);
        sysreg_write(pmevcntr1_el0, 0);
        sysreg_write(pmevcntr2_el0, 0);
        sysreg_write(pmcntenset_el0, BIT(1) | BIT(2));
        sysreg_write(pmcr_el0, sysreg_read(pmcr_el0) | PMCR_E);
        arch_isb();
}

void arch_pmu_el2_share_read(uint32_t *el2, uint32_t *all)
{
        arch_isb();
        *el2 = (uint32_t)sysreg_read(pmevcntr1_el0);
        *all = (uint32_t)sysreg_read(pmevcntr2_el0);
}
