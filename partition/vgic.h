/*
 * partition/vgic.h: a partition's GICv3 distributor and redistributors, emulated as a
 * state machine over plain data. The kernel hands it every stage-2 data abort that
 * falls in the distributor's 64 KiB or the redistributors' region (two 64 KiB frames per
 * vCPU: RD, then SGI), and asks it what to deliver: vgic_next() names the highest-
 * priority interrupt that is pending, enabled and routed to a vCPU, and hands it over
 * (its pending bit moves to the list register that the kernel fills, at the priority the
 * guest gave it). What the list registers hold is folded back (vgic_fold) each time the
 * kernel delivers, so GICR_ISPENDR0/ISACTIVER0 and GICD_ISPENDR/ISACTIVER reads show an
 * interrupt that sits in a list register as pending or active there, not as gone.
 *
 * Model: one security state (GICD_CTLR.DS = 1, ARE = 1), group 1 only in practice (the
 * group registers are stored and read back), no LPIs, no ITS. SGIs are edge, PPIs and
 * SPIs configurable. Every access is checked: offset in the frame, width 1, 2, 4 or 8,
 * natural alignment, width allowed for that register; a bad one returns VGIC_EACCESS
 * and changes nothing. Reserved and unimplemented offsets read as zero, ignore writes.
 */
#ifndef RVM_PARTITION_VGIC_H
#define RVM_PARTITION_VGIC_H

#include <stdbool.h>
#include <stdint.h>

#define VGIC_MAX_CPUS  8
#define VGIC_NR_IRQS   128 /* intids 0..127: 16 SGIs, 16 PPIs, 96 SPIs */
#define VGIC_NR_SPIS   (VGIC_NR_IRQS - 32)
#define VGIC_GICD_SIZE 0x10000u
#define VGIC_GICR_SIZE 0x20000u /* per vCPU */
#define VGIC_SPURIOUS  1023u

enum vgic_err {
        VGIC_OK = 0,
        VGIC_EACCESS = -1, /* offset, width or alignment not allowed */
        VGIC_EPARAM = -2,  /* a vCPU or interrupt id out of range */
};

struct vgic_irq {
        uint8_t prio;
        bool enabled;
        bool pending;
        bool active;
        bool group1;
        bool edge; /* ICFGR: 1 edge, 0 level */
        /* handed to a list register of vCPU lr_cpu and not yet seen ended there; lr_pending:
         * pending (not yet taken by the guest) at the last look */
        bool in_lr;
        bool lr_pending;
        uint8_t lr_cpu;
};

struct vgic_cpu {
        struct vgic_irq priv[32]; /* SGIs and PPIs, banked */
        uint64_t affinity;        /* MPIDR Aff3.Aff2.Aff1.Aff0 as GICR_TYPER[63:32] wants */
        bool sleep;               /* GICR_WAKER.ProcessorSleep */
};

struct vgic {
        uint32_t cpus;
        uint32_t ctlr; /* GICD_CTLR: EnableGrp0 (bit 0), EnableGrp1 (bit 1) */
        struct vgic_cpu cpu[VGIC_MAX_CPUS];
        struct vgic_irq spi[VGIC_NR_SPIS];
        uint64_t router[VGIC_NR_SPIS]; /* GICD_IROUTER: Aff fields and IRM (bit 31) */
};

/* cpus vCPUs; vCPU i has MPIDR affinity affinity[i] (NULL: Aff0 = i). */
int vgic_init(struct vgic *g, uint32_t cpus, const uint64_t *affinity);

/* A guest access at offset off of the distributor (vcpu: who accessed). On a read *val
 * gets the value (zero-extended); on a write *val is the value. */
int vgic_dist_access(struct vgic *g, uint32_t vcpu, uint32_t off, unsigned width, bool write,
                     uint64_t *val);
/* A guest access at offset off of the redistributor region (off / VGIC_GICR_SIZE picks
 * the redistributor, whoever accesses it). */
int vgic_redist_access(struct vgic *g, uint32_t off, unsigned width, bool write, uint64_t *val);

/* A device or timer raises intid: for a PPI or SGI on vcpu, for an SPI wherever routed. */
int vgic_raise(struct vgic *g, uint32_t vcpu, uint32_t intid);

/* The guest wrote ICC_SGI1R_EL1 (trapped): pend the SGI on every target. Returns the
 * mask of vCPUs that got it (0 for none or a bad value). */
uint32_t vgic_sgi1r(struct vgic *g, uint32_t vcpu, uint64_t value);

/* The vCPU an SPI is routed to (IRM: the lowest-numbered awake vCPU). */
uint32_t vgic_spi_target(const struct vgic *g, uint32_t intid);

/* Hand over the highest-priority (lowest value; ties: lowest id) interrupt pending,
 * enabled, its group enabled and routed to vcpu: returns its id and clears its pending
 * bit (the list register holds it now), or VGIC_SPURIOUS when there is none. */
uint32_t vgic_next(struct vgic *g, uint32_t vcpu, uint8_t *prio);
/* The same choice, changing nothing (VGIC_SPURIOUS: nothing deliverable is waiting). */
uint32_t vgic_peek(const struct vgic *g, uint32_t vcpu, uint8_t *prio);

/* Is intid raised for vcpu and not yet handed to a list register (enabled or not)? */
bool vgic_waiting(const struct vgic *g, uint32_t vcpu, uint32_t intid);

/* What a list register of the vCPU says of an interrupt handed to it. */
#define VGIC_LR_PENDING 1u
#define VGIC_LR_ACTIVE  2u
/*
 * Fold the list registers of vcpu back into the emulated state: for every interrupt handed
 * to vcpu (vgic_next), lr_state(intid, ctx) says what its list register holds (0: empty,
 * the guest has ended it; then it is neither pending there nor active).
 */
void vgic_fold(struct vgic *g, uint32_t vcpu, unsigned (*lr_state)(uint32_t intid, void *ctx),
               void *ctx);

#endif
