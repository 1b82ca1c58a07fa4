/*
 * hal/gic.c: GICv3 driver (Arm IHI 0069). RVM runs every interrupt in Group 1 with
 * affinity routing; EL2 acknowledges through ICC_IAR1_EL1 and uses EOImode 0 (one
 * write both drops priority and deactivates), since no physical IRQ is handed to a
 * guest for deactivation yet.
 */
#include "hal/gic.h"

#include <stddef.h>
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/sysreg.h"
#include "configs/limits.h"
#include "hal/mmio.h"

#define GICD_CTLR       0x0000
#define GICD_TYPER      0x0004
#define GICD_IIDR       0x0008
#define GICD_IGROUPR    0x0080
#define GICD_ISENABLER  0x0100
#define GICD_ICENABLER  0x0180
#define GICD_IPRIORITYR 0x0400
#define GICD_IROUTER    0x6000

#define GICD_CTLR_RWP  (1U << 31)
#define GICD_CTLR_ARE  (1U << 4) /* affinity routing (ARE_NS when security is on) */
#define GICD_CTLR_GRP1 (1U << 1) /* EnableGrp1 / EnableGrp1NS */

#define GICR_FRAME      0x20000 /* RD_base + SGI_base, 64 KiB each */
#define GICR_WAKER      0x0014
#define GICR_TYPER      0x0008
#define GICR_SGI        0x10000
#define GICR_IGROUPR0   (GICR_SGI + 0x0080)
#define GICR_ISENABLER0 (GICR_SGI + 0x0100)
#define GICR_ICENABLER0 (GICR_SGI + 0x0180)
#define GICR_IPRIORITYR (GICR_SGI + 0x0400)

#define WAKER_PROCESSOR_SLEEP (1U << 1)
#define WAKER_CHILDREN_ASLEEP (1U << 2)
#define TYPER_LAST            (1U << 4)

#define PRIO_DEFAULT 0xa0
/* A redistributor found for each CPU RVM brings up (the profile's RVM_MAX_CPUS). */
#ifdef RVM_MAX_CPUS
#define MAX_CPUS_GIC RVM_MAX_CPUS
#else
#define MAX_CPUS_GIC 8
#endif

static uint64_t gicd;
static uint64_t gicr;
static uint64_t gicr_size;
static unsigned spi_lines;
static struct {
        gic_handler_fn fn;
        void *ctx;
} handlers[GIC_MAX_INTID];
static struct {
        uint64_t mpidr;
        uint64_t rd;
} redists[MAX_CPUS_GIC];
static unsigned redist_count;

static void gicd_wait_rwp(void)
{
        while (mmio_read32(gicd + GICD_CTLR) & GICD_CTLR_RWP) {
        }
}

void hal_gic_init(uint64_t gicd_base, uint64_t gicr_base, uint64_t gicr_region_size)
{
        gicd = gicd_base;
        gicr = gicr_base;
        gicr_size = gicr_region_size;

        mmio_write32(gicd + GICD_CTLR, 0);
        gicd_wait_rwp();
        unsigned lines = ((mmio_read32(gicd + GICD_TYPER) & 0x1f) + 1) * 32;
        if (lines > GIC_MAX_INTID) {
                lines = GIC_MAX_INTID;
        }
        spi_lines = lines - 32;
        for (unsigned id = 32; id < lines; id += 32) {
                mmio_write32(gicd + GICD_ICENABLER + id / 8, 0xffffffffU);
                mmio_write32(gicd + GICD_IGROUPR + id / 8, 0xffffffffU);
        }
        for (unsigned id = 32; id < lines; id += 4) {
                mmio_write32(gicd + GICD_IPRIORITYR + id, PRIO_DEFAULT * 0x01010101U);
        }
        gicd_wait_rwp();
        mmio_write32(gicd + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
        gicd_wait_rwp();
}

/* GICR_TYPER[63:32] holds Aff3.Aff2.Aff1.Aff0; MPIDR keeps Aff3 at bits 39:32. */
static uint64_t mpidr_to_typer_aff(uint64_t mpidr)
{
        return ((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff);
}

static uint64_t find_redist(uint64_t mpidr)
{
        for (unsigned i = 0; i < redist_count; i++) {
                if (redists[i].mpidr == mpidr) {
                        return __atomic_load_n(&redists[i].rd, __ATOMIC_ACQUIRE);
                }
        }
        return 0;
}

enum gic_err hal_gic_cpu_init(uint64_t mpidr)
{
        uint64_t rd = 0;

        for (uint64_t off = 0; off + GICR_FRAME <= gicr_size; off += GICR_FRAME) {
                uint64_t typer = mmio_read64(gicr + off + GICR_TYPER);
                if ((typer >> 32) == mpidr_to_typer_aff(mpidr)) {
                        rd = gicr + off;
                        break;
                }
                if (typer & TYPER_LAST) {
                        break;
                }
        }
        if (rd == 0) {
                return GIC_E_NO_REDIST;
        }
        if (find_redist(mpidr) == 0) {
                unsigned slot = __atomic_fetch_add(&redist_count, 1, __ATOMIC_ACQ_REL);
                if (slot >= MAX_CPUS_GIC) {
                        return GIC_E_NO_REDIST;
                }
                redists[slot].mpidr = mpidr;
                __atomic_store_n(&redists[slot].rd, rd, __ATOMIC_RELEASE);
        }

        /* Wake the redistributor: clear ProcessorSleep, wait for ChildrenAsleep to clear. */
        mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) & ~WAKER_PROCESSOR_SLEEP);
        while (mmio_read32(rd + GICR_WAKER) & WAKER_CHILDREN_ASLEEP) {
        }
        mmio_write32(rd + GICR_ICENABLER0, 0xffffffffU);
        mmio_write32(rd + GICR_IGROUPR0, 0xffffffffU);
        for (unsigned id = 0; id < 32; id += 4) {
                mmio_write32(rd + GICR_IPRIORITYR + id, PRIO_DEFAULT * 0x01010101U);
        }

        /* CPU interface: system-register access, unmask all priorities, Group 1 on. */
        sysreg_write_s(ICC_SRE_EL2, 0xf); /* SRE, DFB, DIB, Enable (lower ELs may use SRE) */
        arch_isb();
        sysreg_write_s(ICC_PMR_EL1, 0xff);
        sysreg_write_s(ICC_BPR1_EL1, 0);
        sysreg_write_s(ICC_CTLR_EL1, 0); /* EOImode 0 */
        sysreg_write_s(ICC_IGRPEN1_EL1, 1);
        arch_isb();
        return GIC_OK;
}

enum gic_err hal_gic_enable(unsigned intid, uint64_t target_mpidr, gic_handler_fn fn, void *ctx)
{
        if (intid >= 32 + spi_lines || intid >= GIC_MAX_INTID) {
                return GIC_E_RANGE;
        }
        handlers[intid].ctx = ctx;
        __atomic_store_n(&handlers[intid].fn, fn, __ATOMIC_RELEASE);
        if (intid < 32) {
                /* SGIs and PPIs are banked: enable in the calling CPU's redistributor. */
                uint64_t rd = find_redist(arch_mpidr());
                if (rd == 0) {
                        return GIC_E_NO_REDIST;
                }
                mmio_write32(rd + GICR_ISENABLER0, 1U << intid);
                return GIC_OK;
        }
        /* GICD_IROUTER uses the MPIDR affinity layout: Aff3 at [39:32], Aff2..Aff0 below. */
        mmio_write64(gicd + GICD_IROUTER + 8ULL * intid, target_mpidr & 0xff00ffffffULL);
        mmio_write32(gicd + GICD_ISENABLER + (intid / 32) * 4, 1U << (intid % 32));
        return GIC_OK;
}

enum gic_err hal_gic_mask_spi(unsigned intid, bool masked)
{
        if (intid < 32 || intid >= 32 + spi_lines || intid >= GIC_MAX_INTID) {
                return GIC_E_RANGE;
        }
        uint64_t reg = (masked ? GICD_ICENABLER : GICD_ISENABLER) + (intid / 32) * 4;
        mmio_write32(gicd + reg, 1U << (intid % 32));
        if (masked) {
                gicd_wait_rwp(); /* the disable has taken effect before we go on */
        }
        return GIC_OK;
}

bool hal_gic_handle(void)
{
        uint64_t iar = sysreg_read_s(ICC_IAR1_EL1);
        unsigned intid = (unsigned)(iar & 0xffffff);

        if (intid >= GIC_MAX_INTID) {
                return false; /* 1020-1023: special/spurious, nothing to end */
        }
        gic_handler_fn fn = __atomic_load_n(&handlers[intid].fn, __ATOMIC_ACQUIRE);
        if (fn != NULL) {
                fn(intid, handlers[intid].ctx);
        }
        sysreg_write_s(ICC_EOIR1_EL1, iar);
        return true;
}

unsigned hal_gic_spi_count(void)
{
        return spi_lines;
}

uint32_t hal_gic_iidr(void)
{
        return mmio_read32(gicd + GICD_IIDR);
}

void hal_gic_send_sgi(unsigned intid, uint64_t target_mpidr)
{
        /* ICC_SGI1R_EL1: Aff3[55:48] Aff2[39:32] INTID[27:24] Aff1[23:16] TargetList[15:0]. */
        uint64_t aff3 = (target_mpidr >> 32) & 0xff;
        uint64_t aff2 = (target_mpidr >> 16) & 0xff;
        uint64_t aff1 = (target_mpidr >> 8) & 0xff;
        uint64_t aff0 = target_mpidr & 0xf;
        uint64_t v =
            aff3 << 48 | aff2 << 32 | (uint64_t)(intid & 0xf) << 24 | aff1 << 16 | (1ULL << aff0);

        arch_dsb_ishst(); /* memory the target will read must be visible before the SGI */
        sysreg_write_s(ICC_SGI1R_EL1, v);
        arch_isb();
}
