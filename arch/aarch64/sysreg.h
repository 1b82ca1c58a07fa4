/*
 * arch/aarch64/sysreg.h: generated accessors for system registers and the few
 * barrier/cache instructions C needs. Call sites write sysreg_read(vbar_el2), never
 * raw asm strings. Only arch/ and hal/ include this file (checked by `make check`).
 */
#ifndef RVM_ARCH_SYSREG_H
#define RVM_ARCH_SYSREG_H

#include <stdint.h>

#define sysreg_read(reg)                                             \
        ({                                                           \
                uint64_t sysreg_v_;                                  \
                __asm__ volatile("mrs %0, " #reg : "=r"(sysreg_v_)); \
                sysreg_v_;                                           \
        })

#define sysreg_write(reg, v)                                                        \
        do {                                                                        \
                uint64_t sysreg_w_ = (uint64_t)(v);                                 \
                __asm__ volatile("msr " #reg ", %0" : : "r"(sysreg_w_) : "memory"); \
        } while (0)

/* GICv3 CPU-interface registers have no names GNU as accepts in every version. */
#define ICC_SRE_EL2     S3_4_C12_C9_5
#define ICC_PMR_EL1     S3_0_C4_C6_0
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_IAR1_EL1    S3_0_C12_C12_0
#define ICC_EOIR1_EL1   S3_0_C12_C12_1
#define ICC_DIR_EL1     S3_0_C12_C11_1
#define ICC_CTLR_EL1    S3_0_C12_C12_4
#define ICC_BPR1_EL1    S3_0_C12_C12_3
#define ICC_SGI1R_EL1   S3_0_C12_C11_5
/* The hypervisor's view of the virtual CPU interface (GICv3 ICH_*_EL2). */
#define ICH_AP1R0_EL2 S3_4_C12_C9_0
#define ICH_HCR_EL2   S3_4_C12_C11_0
#define ICH_VTR_EL2   S3_4_C12_C11_1
#define ICH_ELRSR_EL2 S3_4_C12_C11_5
#define ICH_VMCR_EL2  S3_4_C12_C11_7
#define ICH_LR0_EL2   S3_4_C12_C12_0
#define ICH_LR1_EL2   S3_4_C12_C12_1
#define ICH_LR2_EL2   S3_4_C12_C12_2
#define ICH_LR3_EL2   S3_4_C12_C12_3

#define sysreg_read_s(enc)      sysreg_read_s_(enc)
#define sysreg_read_s_(enc)     sysreg_read(enc)
#define sysreg_write_s(enc, v)  sysreg_write_s_(enc, v)
#define sysreg_write_s_(enc, v) sysreg_write(enc, v)

static inline void arch_isb(void)
{
        __asm__ volatile("isb" ::: "memory");
}

static inline void arch_dsb_sy(void)
{
        __asm__ volatile("dsb sy" ::: "memory");
}

static inline void arch_dsb_ish(void)
{
        __asm__ volatile("dsb ish" ::: "memory");
}

static inline void arch_dsb_ishst(void)
{
        __asm__ volatile("dsb ishst" ::: "memory");
}

static inline void arch_wfi(void)
{
        __asm__ volatile("wfi" ::: "memory");
}

static inline void arch_wfe(void)
{
        __asm__ volatile("wfe" ::: "memory");
}

static inline void arch_sev(void)
{
        __asm__ volatile("sev" ::: "memory");
}

static inline void arch_irq_enable(void)
{
        __asm__ volatile("msr daifclr, #2" ::: "memory");
}

static inline void arch_irq_disable(void)
{
        __asm__ volatile("msr daifset, #2" ::: "memory");
}

/* Invalidate all EL2 stage-1 TLB entries (inner shareable), e.g. after changing tables. */
static inline void arch_tlbi_el2_all(void)
{
        __asm__ volatile("dsb ishst\n tlbi alle2is\n dsb ish\n isb" ::: "memory");
}

#endif
