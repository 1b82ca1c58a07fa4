/*
 * arch/aarch64/regs.h: named bit fields of the EL2 control registers RVM programs.
 * Each constant cites the register; the C that combines them says why each is set.
 */
#ifndef RVM_ARCH_REGS_H
#define RVM_ARCH_REGS_H

#define BIT(n) (1ULL << (n))

/* HCR_EL2 (ARM ARM D17.2.48). */
#define HCR_VM     BIT(0)       /* stage-2 translation for EL1&0 */
#define HCR_SWIO   BIT(1)       /* set/way invalidate -> clean+invalidate */
#define HCR_FMO    BIT(3)       /* physical FIQ routed to EL2 */
#define HCR_IMO    BIT(4)       /* physical IRQ routed to EL2 */
#define HCR_AMO    BIT(5)       /* SError routed to EL2 */
#define HCR_FB     BIT(9)       /* broadcast TLB/cache maintenance */
#define HCR_BSU_IS (1ULL << 10) /* barriers inner shareable */
#define HCR_TWI    BIT(13)      /* trap WFI */
#define HCR_TWE    BIT(14)      /* trap WFE */
#define HCR_TSC    BIT(19)      /* trap SMC */
#define HCR_TACR   BIT(21)
#define HCR_TSW    BIT(22)
#define HCR_TVM    BIT(26)
#define HCR_RW     BIT(31) /* EL1 is AArch64 */

/* CPTR_EL2, non-VHE layout (D17.2.30). */
#define CPTR_EL2_RES1 0x33ffULL /* bits 0-7, 9, 12, 13 */
#define CPTR_TFP      BIT(10)   /* trap FP/SIMD */

/* SCTLR_EL2, non-VHE (D17.2.118). */
#define SCTLR_M   BIT(0)  /* stage-1 MMU on */
#define SCTLR_A   BIT(1)  /* alignment check */
#define SCTLR_C   BIT(2)  /* data cacheable */
#define SCTLR_SA  BIT(3)  /* SP alignment check */
#define SCTLR_I   BIT(12) /* instruction cacheable */
#define SCTLR_WXN BIT(19) /* writable implies execute-never */
#define SCTLR_EE  BIT(25) /* big-endian data (we keep it clear) */
#define SCTLR_EL2_RES1 \
        (BIT(4) | BIT(5) | BIT(11) | BIT(16) | BIT(18) | BIT(22) | BIT(23) | BIT(28) | BIT(29))

/* TCR_EL2, non-VHE (D17.2.131). */
#define TCR_T0SZ(n)    ((uint64_t)(n) << 0)
#define TCR_IRGN0_WBWA (1ULL << 8)
#define TCR_ORGN0_WBWA (1ULL << 10)
#define TCR_SH0_INNER  (3ULL << 12)
#define TCR_TG0_4K     (0ULL << 14)
#define TCR_PS_SHIFT   16
#define TCR_EL2_RES1   (BIT(23) | BIT(31))

/* MAIR attribute indices used by every RVM mapping. */
#define MAIR_IDX_DEVICE 0 /* Device-nGnRE */
#define MAIR_IDX_NORMAL 1 /* Normal, inner/outer write-back read/write-allocate */
#define MAIR_IDX_NC     2 /* Normal non-cacheable */
#define MAIR_VALUE                                                                 \
        ((0x04ULL << (8 * MAIR_IDX_DEVICE)) | (0xffULL << (8 * MAIR_IDX_NORMAL)) | \
         (0x44ULL << (8 * MAIR_IDX_NC)))

/* Stage-1 translation descriptors, 4 KiB granule (D8.3). */
#define PTE_VALID     BIT(0)
#define PTE_TABLE     BIT(1) /* at levels 0-2: next-level table; at level 3: page */
#define PTE_ATTR(i)   ((uint64_t)(i) << 2)
#define PTE_AP_RO     BIT(7) /* AP[2]: read-only */
#define PTE_AP_RES1   BIT(6) /* AP[1] is RES1 in the EL2 (single VA range) regime */
#define PTE_SH_INNER  (3ULL << 8)
#define PTE_AF        BIT(10)
#define PTE_XN        BIT(54) /* EL2 regime: execute-never */
#define PTE_ADDR_MASK 0x0000fffffffff000ULL

/* CNTHCTL_EL2 (D17.2.24), non-VHE. */
#define CNTHCTL_EL1PCTEN BIT(0) /* EL1/0 may read the physical counter */
#define CNTHCTL_EL1PCEN  BIT(1) /* EL1/0 may use the physical timer */

/* CNTHP_CTL_EL2 / CNTV_CTL_EL0. */
#define CNT_CTL_ENABLE  BIT(0)
#define CNT_CTL_IMASK   BIT(1)
#define CNT_CTL_ISTATUS BIT(2)

#endif
