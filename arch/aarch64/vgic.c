/*
 * arch/aarch64/vgic.c: the GICv3 virtual CPU interface (ICH_*_EL2). RVM injects a virtual
 * interrupt by writing a list register: vINTID, priority, Group 1, state pending. The guest
 * then takes a virtual IRQ, reads ICC_IAR1_EL1 (which HCR_EL2.IMO makes the virtual
 * interface's) and writes ICC_EOIR1_EL1, which empties the list register; none of that traps.
 * On a world switch the list registers, the guest's priority mask and group enables (VMCR)
 * and its active priorities (AP1R0) move with the vCPU.
 */
#include "arch/aarch64/arch.h"
#include "arch/aarch64/regs.h"
#include "arch/aarch64/sysreg.h"

#define ICH_HCR_EN  (1ULL << 0)
#define LR_STATE_SH 62
#define LR_STATE    (3ULL << LR_STATE_SH)
#define LR_PENDING  (1ULL << LR_STATE_SH)
#define LR_GROUP1   (1ULL << 60)
#define LR_PRIO_SH  48
#define LR_VINTID   0xffffffffULL

static void lr_write(unsigned i, uint64_t v);

static unsigned lrs; /* list registers in use: min(ICH_VTR_EL2.ListRegs + 1, 4), same on all CPUs */
static unsigned lr_mask; /* (1 << lrs) - 1: a bit per list register in use */

unsigned arch_vgic_cpu_init(void)
{
        unsigned n = (unsigned)(sysreg_read_s(ICH_VTR_EL2) & 0x1f) + 1;

        lrs = n < ARCH_VGIC_LRS ? n : ARCH_VGIC_LRS;
        lr_mask = (1u << lrs) - 1;
        for (unsigned i = 0; i < lrs; i++) {
                lr_write(i, 0); /* from here on, empty whenever no vCPU is loaded */
        }
        sysreg_write_s(ICH_VMCR_EL2, 0);
        sysreg_write_s(ICH_AP1R0_EL2, 0);
        sysreg_write_s(ICH_HCR_EL2, ICH_HCR_EN);
        arch_isb();
        return lrs;
}

static uint64_t lr_read(unsigned i)
{
        switch (i) {
        case 0:
                return sysreg_read_s(ICH_LR0_EL2);
        case 1:
                return sysreg_read_s(ICH_LR1_EL2);
        case 2:
                return sysreg_read_s(ICH_LR2_EL2);
        default:
                return sysreg_read_s(ICH_LR3_EL2);
        }
}

static void lr_write(unsigned i, uint64_t v)
{
        switch (i) {
        case 0:
                sysreg_write_s(ICH_LR0_EL2, v);
                break;
        case 1:
                sysreg_write_s(ICH_LR1_EL2, v);
                break;
        case 2:
                sysreg_write_s(ICH_LR2_EL2, v);
                break;
        default:
                sysreg_write_s(ICH_LR3_EL2, v);
                break;
        }
}

void arch_vgic_save(struct arch_vgic *g)
{
        /* ICH_ELRSR_EL2: a set bit is an empty list register. All empty (the common case
         * for a guest that takes no interrupts): nothing to read, nothing to clear. */
        unsigned used = (unsigned)~sysreg_read_s(ICH_ELRSR_EL2) & lr_mask;

        g->used = (uint8_t)used;
        for (unsigned i = 0; used != 0; i++, used >>= 1) {
                if ((used & 1) != 0) {
                        g->lr[i] = lr_read(i);
                        lr_write(i, 0);
                }
        }
        g->vmcr = sysreg_read_s(ICH_VMCR_EL2);
        g->ap1r0 = sysreg_read_s(ICH_AP1R0_EL2);
}

void arch_vgic_load(const struct arch_vgic *g)
{
        /* The hardware's list registers are empty here (arch_vgic_save emptied them). */
        for (unsigned i = 0, used = g->used; used != 0; i++, used >>= 1) {
                if ((used & 1) != 0) {
                        lr_write(i, g->lr[i]);
                }
        }
        sysreg_write_s(ICH_VMCR_EL2, g->vmcr);
        sysreg_write_s(ICH_AP1R0_EL2, g->ap1r0);
}

/* The list registers that hold an interrupt (ICH_ELRSR_EL2: a set bit is an empty one, state
 * invalid; RVM never sets an LR's EOI bit, so empty means exactly that). */
static unsigned lr_used(void)
{
        return (unsigned)~sysreg_read_s(ICH_ELRSR_EL2) & lr_mask;
}

/* Make vintid pending: in its own list register if it holds it (active: now active and
 * pending again), else in the first empty one; false if none is empty. Only the list
 * registers that hold something are read (usually none). */
bool arch_vgic_live_add(uint32_t vintid, uint8_t prio)
{
        unsigned used = lr_used();

        for (unsigned i = 0, u = used; u != 0; i++, u >>= 1) {
                if ((u & 1) != 0) {
                        uint64_t v = lr_read(i);
                        if ((v & LR_VINTID) == vintid) {
                                lr_write(i, v | LR_PENDING);
                                return true;
                        }
                }
        }
        unsigned empty = ~used & lr_mask;
        if (empty == 0) {
                return false;
        }
        lr_write((unsigned)__builtin_ctz(empty),
                 LR_PENDING | LR_GROUP1 | (uint64_t)prio << LR_PRIO_SH | vintid);
        return true;
}

bool arch_vgic_saved_pending(const struct arch_vgic *g, uint32_t vintid)
{
        for (unsigned i = 0, u = g->used; u != 0; i++, u >>= 1) {
                if ((u & 1) != 0 && (g->lr[i] & LR_VINTID) == vintid) {
                        return (g->lr[i] & LR_STATE) == LR_PENDING;
                }
        }
        return false;
}

bool arch_vgic_live_holds(uint32_t vintid)
{
        for (unsigned i = 0, u = lr_used(); u != 0; i++, u >>= 1) {
                if ((u & 1) != 0 && (lr_read(i) & LR_VINTID) == vintid) {
                        return true;
                }
        }
        return false;
}

unsigned arch_vgic_live_state(uint32_t vintid)
{
        for (unsigned i = 0; i < lrs; i++) {
                uint64_t v = lr_read(i);
                if ((v & LR_STATE) != 0 && (v & LR_VINTID) == vintid) {
                        return (unsigned)((v & LR_STATE) >> LR_STATE_SH); /* 1 pending, 2 active */
                }
        }
        return 0;
}

bool arch_vgic_live_pending(void)
{
        for (unsigned i = 0; i < lrs; i++) {
                if ((lr_read(i) & LR_PENDING) != 0) {
                        return true;
                }
        }
        return false;
}

bool arch_vgic_live_enabled(void)
{
        return (sysreg_read_s(ICH_VMCR_EL2) & 2) != 0; /* VENG1 */
}

uint64_t arch_vtimer_deadline(void)
{
        uint64_t ctl = sysreg_read(cntv_ctl_el0);

        if ((ctl & CNT_CTL_ENABLE) == 0 || (ctl & CNT_CTL_IMASK) != 0) {
                return 0;
        }
        uint64_t cval = sysreg_read(cntv_cval_el0);
        return cval != 0 ? cval : 1;
}

void arch_vtimer_recheck(void)
{
        /*
         * A no-op on hardware, where the status follows the counter. An emulator may update
         * it only when its own timer event runs, or when the compare value is written (QEMU:
         * not when IMASK changes), so a guest that reads it in its handler would see a due
         * timer as not fired and call the interrupt spurious.
         */
        sysreg_write(cntv_cval_el0, sysreg_read(cntv_cval_el0));
        arch_isb();
}

void arch_vtimer_mask(bool mask)
{
        uint64_t ctl = sysreg_read(cntv_ctl_el0);

        ctl = mask ? ctl | CNT_CTL_IMASK : ctl & ~(uint64_t)CNT_CTL_IMASK;
        sysreg_write(cntv_ctl_el0, ctl);
        arch_isb();
}
