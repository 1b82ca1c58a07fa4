/*
 * partition/vgic.c: GICv3 distributor and redistributor emulation (see vgic.h). The
 * register map is the GICv3 architecture's (IHI 0069); offsets are named where decoded.
 */
#include "partition/vgic.h"

#include <stddef.h>

/* distributor */
#define GICD_CTLR       0x0000u
#define GICD_TYPER      0x0004u
#define GICD_IIDR       0x0008u
#define GICD_IGROUPR    0x0080u
#define GICD_ISENABLER  0x0100u
#define GICD_ICENABLER  0x0180u
#define GICD_ISPENDR    0x0200u
#define GICD_ICPENDR    0x0280u
#define GICD_ISACTIVER  0x0300u
#define GICD_ICACTIVER  0x0380u
#define GICD_IPRIORITYR 0x0400u
#define GICD_ICFGR      0x0c00u
#define GICD_IROUTER    0x6000u
#define GICD_PIDR2      0xffe8u

#define GICD_CTLR_GRP0 (1u << 0)
#define GICD_CTLR_GRP1 (1u << 1)
#define GICD_CTLR_ARE  (1u << 4)
#define GICD_CTLR_DS   (1u << 6)

/* redistributor: RD frame, then the SGI frame at +64 KiB */
#define GICR_CTLR      0x0000u
#define GICR_IIDR      0x0004u
#define GICR_TYPER     0x0008u
#define GICR_WAKER     0x0014u
#define GICR_PIDR2     0xffe8u
#define GICR_SGI_FRAME 0x10000u
#define GICR_ICFGR0    0x0c00u
#define GICR_ICFGR1    0x0c04u

#define GICR_TYPER_LAST   (1u << 4)
#define GICR_WAKER_SLEEP  (1u << 1)
#define GICR_WAKER_ASLEEP (1u << 2)

#define GIC_PIDR2_ARCH_V3 0x3bu
#define VGIC_IIDR         0x0100052au           /* product 1, variant 0, implementer "RVM" */
#define PRIO_MASK         0xf8u                 /* 32 priority levels, as the CPU interface has */
#define IROUTER_MASK      0x000000ff80ffffffull /* Aff3, IRM, Aff2.Aff1.Aff0 */
#define IROUTER_IRM       (1ull << 31)

/* What a bit register does: one bit per interrupt, 32 per word. */
enum bits_op { B_GROUP, B_SET_EN, B_CLR_EN, B_SET_PEND, B_CLR_PEND, B_SET_ACT, B_CLR_ACT };

static struct vgic_irq *irq_at(struct vgic *g, uint32_t vcpu, uint32_t intid)
{
        if (intid < 32) {
                return vcpu < g->cpus ? &g->cpu[vcpu].priv[intid] : NULL;
        }
        return intid < VGIC_NR_IRQS ? &g->spi[intid - 32] : NULL;
}

static bool width_ok(uint32_t off, unsigned width)
{
        return (width == 1 || width == 2 || width == 4 || width == 8) && off % width == 0;
}

int vgic_init(struct vgic *g, uint32_t cpus, const uint64_t *affinity)
{
        if (g == NULL || cpus == 0 || cpus > VGIC_MAX_CPUS) {
                return VGIC_EPARAM;
        }
        *g = (struct vgic){.cpus = cpus};
        for (uint32_t c = 0; c < cpus; c++) {
                g->cpu[c].affinity = affinity != NULL ? affinity[c] & 0xffffffffu : c;
                g->cpu[c].sleep = true;
                for (int i = 0; i < 16; i++) {
                        g->cpu[c].priv[i].edge = true;
                }
        }
        return VGIC_OK;
}

/* A 32-interrupt bit register starting at intid base (base + 31 within range). */
static uint32_t bits_access(struct vgic *g, uint32_t vcpu, uint32_t base, enum bits_op op,
                            bool write, uint32_t v)
{
        uint32_t out = 0;

        for (uint32_t i = 0; i < 32; i++) {
                struct vgic_irq *q = irq_at(g, vcpu, base + i);
                bool bit = (v >> i) & 1u;
                bool *field;

                if (q == NULL) {
                        continue;
                }
                switch (op) {
                case B_GROUP:
                        field = &q->group1;
                        break;
                case B_SET_EN:
                case B_CLR_EN:
                        field = &q->enabled;
                        break;
                case B_SET_PEND:
                case B_CLR_PEND:
                        field = &q->pending;
                        break;
                default:
                        field = &q->active;
                        break;
                }
                if (!write) {
                        /* pending: raised here or still pending in its list register */
                        bool shown = *field || (field == &q->pending && q->in_lr && q->lr_pending);
                        out |= (uint32_t)shown << i;
                } else if (op == B_GROUP) {
                        *field = bit;
                } else if (bit) {
                        *field = op == B_SET_EN || op == B_SET_PEND || op == B_SET_ACT;
                }
        }
        return out;
}

/* The bit registers at 0x080..0x3ff, the same layout in GICD and the SGI frame. */
static bool bits_reg(uint32_t off, uint32_t *base, enum bits_op *op)
{
        static const enum bits_op ops[7] = {B_GROUP,    B_SET_EN,  B_CLR_EN, B_SET_PEND,
                                            B_CLR_PEND, B_SET_ACT, B_CLR_ACT};

        if (off < GICD_IGROUPR || off >= GICD_IPRIORITYR) {
                return false;
        }
        *op = ops[(off - GICD_IGROUPR) / 0x80];
        *base = ((off - GICD_IGROUPR) % 0x80) * 8;
        return true;
}

/* IPRIORITYR bytes [first, first + width) for intids first.. (byte or word access). */
static uint64_t prio_access(struct vgic *g, uint32_t vcpu, uint32_t first, unsigned width,
                            bool write, uint64_t v)
{
        uint64_t out = 0;

        for (unsigned i = 0; i < width; i++) {
                struct vgic_irq *q = irq_at(g, vcpu, first + i);

                if (q == NULL) {
                        continue;
                }
                if (write) {
                        q->prio = (uint8_t)(v >> (8 * i)) & PRIO_MASK;
                } else {
                        out |= (uint64_t)q->prio << (8 * i);
                }
        }
        return out;
}

/* ICFGR word n: interrupts 16n..16n+15, two bits each (bit 1: edge). SGIs are fixed. */
static uint32_t cfg_access(struct vgic *g, uint32_t vcpu, uint32_t n, bool write, uint32_t v)
{
        uint32_t out = 0;

        for (uint32_t i = 0; i < 16; i++) {
                uint32_t intid = 16 * n + i;
                struct vgic_irq *q = irq_at(g, vcpu, intid);

                if (q == NULL) {
                        continue;
                }
                if (write && intid >= 16) {
                        q->edge = (v >> (2 * i + 1)) & 1u;
                }
                out |= (uint32_t)q->edge << (2 * i + 1);
        }
        return write ? 0 : out;
}

static uint32_t route_affinity(uint64_t r)
{
        return (uint32_t)(((r >> 32) & 0xffu) << 24 | (r & 0xffffffu));
}

uint32_t vgic_spi_target(const struct vgic *g, uint32_t intid)
{
        uint64_t r;

        if (g == NULL || intid < 32 || intid >= VGIC_NR_IRQS) {
                return VGIC_MAX_CPUS;
        }
        r = g->router[intid - 32];
        for (uint32_t c = 0; c < g->cpus; c++) {
                if ((r & IROUTER_IRM) != 0 ? !g->cpu[c].sleep || c + 1 == g->cpus
                                           : g->cpu[c].affinity == route_affinity(r)) {
                        return c;
                }
        }
        return VGIC_MAX_CPUS;
}

int vgic_dist_access(struct vgic *g, uint32_t vcpu, uint32_t off, unsigned width, bool write,
                     uint64_t *val)
{
        uint64_t v = write ? *val : 0, out = 0;
        uint32_t base;
        enum bits_op op;

        if (g == NULL || val == NULL || vcpu >= g->cpus) {
                return VGIC_EPARAM;
        }
        if (off >= VGIC_GICD_SIZE || !width_ok(off, width)) {
                return VGIC_EACCESS;
        }
        if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + VGIC_NR_IRQS) {
                if (width != 1 && width != 4) {
                        return VGIC_EACCESS;
                }
                /* with ARE set the private interrupts' bytes here are RAZ/WI */
                if (off - GICD_IPRIORITYR >= 32) {
                        out = prio_access(g, vcpu, off - GICD_IPRIORITYR, width, write, v);
                }
        } else if (off >= GICD_IROUTER + 8 * 32 && off < GICD_IROUTER + 8 * VGIC_NR_IRQS) {
                uint64_t *r = &g->router[(off - GICD_IROUTER) / 8 - 32];
                unsigned shift = (off % 8) * 8;

                if (width != 4 && width != 8) {
                        return VGIC_EACCESS;
                }
                if (write) {
                        uint64_t mask = (width == 8 ? ~0ull : 0xffffffffull) << shift;

                        *r = (*r & ~mask) | ((v << shift) & mask & IROUTER_MASK);
                } else {
                        out = *r >> shift;
                        if (width == 4) {
                                out &= 0xffffffffu;
                        }
                }
        } else if (width != 4) {
                /* registers are word-sized; elsewhere (reserved): RAZ/WI */
                bool reserved = off >= GICD_IROUTER + 8 * VGIC_NR_IRQS ||
                                (off >= GICD_IROUTER && off < GICD_IROUTER + 8 * 32) ||
                                (off >= 0x0010 && off < GICD_IGROUPR) ||
                                (off >= GICD_IPRIORITYR + VGIC_NR_IRQS && off < GICD_ICFGR) ||
                                (off >= GICD_ICFGR + VGIC_NR_IRQS / 4 && off < GICD_IROUTER);
                if (!reserved) {
                        return VGIC_EACCESS;
                }
        } else if (off == GICD_CTLR) {
                if (write) {
                        g->ctlr = (uint32_t)v & (GICD_CTLR_GRP0 | GICD_CTLR_GRP1);
                }
                out = g->ctlr | GICD_CTLR_ARE | GICD_CTLR_DS;
        } else if (off == GICD_TYPER) {
                /* ITLinesNumber, CPUNumber, IDbits = 9 (10-bit ids), no LPIs */
                out = (VGIC_NR_IRQS / 32 - 1) | (g->cpus - 1) << 5 | 9u << 19;
        } else if (off == GICD_IIDR) {
                out = VGIC_IIDR;
        } else if (off == GICD_PIDR2) {
                out = GIC_PIDR2_ARCH_V3;
        } else if (bits_reg(off, &base, &op)) {
                if (base >= 32 && base < VGIC_NR_IRQS) {
                        out = bits_access(g, vcpu, base, op, write, (uint32_t)v);
                }
        } else if (off >= GICD_ICFGR && off < GICD_ICFGR + VGIC_NR_IRQS / 4) {
                if (off >= GICD_ICFGR + 8) {
                        out = cfg_access(g, vcpu, (off - GICD_ICFGR) / 4, write, (uint32_t)v);
                }
        }
        if (!write) {
                *val = out;
        }
        return VGIC_OK;
}

int vgic_redist_access(struct vgic *g, uint32_t off, unsigned width, bool write, uint64_t *val)
{
        uint64_t v = write ? *val : 0, out = 0;
        uint32_t c, r, base;
        enum bits_op op;

        if (g == NULL || val == NULL) {
                return VGIC_EPARAM;
        }
        if (!width_ok(off, width) || off / VGIC_GICR_SIZE >= g->cpus) {
                return VGIC_EACCESS;
        }
        c = off / VGIC_GICR_SIZE;
        r = off % VGIC_GICR_SIZE;
        if (r == GICR_TYPER || r == GICR_TYPER + 4) {
                uint64_t typer = (uint64_t)g->cpu[c].affinity << 32 | (uint64_t)c << 8 |
                                 (c + 1 == g->cpus ? GICR_TYPER_LAST : 0);

                if (width == 8 && r == GICR_TYPER) {
                        out = typer;
                } else if (width == 4) {
                        out = (typer >> ((r - GICR_TYPER) * 8)) & 0xffffffffu;
                } else {
                        return VGIC_EACCESS;
                }
        } else if (r >= GICR_SGI_FRAME + GICD_IPRIORITYR &&
                   r < GICR_SGI_FRAME + GICD_IPRIORITYR + 32) {
                if (width != 1 && width != 4) {
                        return VGIC_EACCESS;
                }
                out = prio_access(g, c, r - GICR_SGI_FRAME - GICD_IPRIORITYR, width, write, v);
        } else if (width != 4) {
                /* word registers only; 1/2/8-byte accesses elsewhere are RAZ/WI only
                 * where nothing is implemented */
                uint32_t s = r - GICR_SGI_FRAME;
                bool implemented =
                    r < GICR_SGI_FRAME
                        ? r == GICR_CTLR || r == GICR_IIDR || r == GICR_WAKER || r == GICR_PIDR2
                        : (s >= GICD_IGROUPR && s < GICD_IPRIORITYR && s % 0x80 == 0) ||
                              s == GICR_ICFGR0 || s == GICR_ICFGR1;
                if (implemented) {
                        return VGIC_EACCESS;
                }
        } else if (r < GICR_SGI_FRAME) {
                if (r == GICR_IIDR) {
                        out = VGIC_IIDR;
                } else if (r == GICR_WAKER) {
                        if (write) {
                                g->cpu[c].sleep = (v & GICR_WAKER_SLEEP) != 0;
                        }
                        out = g->cpu[c].sleep ? GICR_WAKER_SLEEP | GICR_WAKER_ASLEEP : 0;
                } else if (r == GICR_PIDR2) {
                        out = GIC_PIDR2_ARCH_V3;
                }
                /* GICR_CTLR: no LPIs, nothing to enable: RAZ/WI */
        } else {
                r -= GICR_SGI_FRAME;
                if (bits_reg(r, &base, &op)) {
                        if (base == 0) {
                                out = bits_access(g, c, 0, op, write, (uint32_t)v);
                        }
                } else if (r == GICR_ICFGR0 || r == GICR_ICFGR1) {
                        out = cfg_access(g, c, (r - GICR_ICFGR0) / 4, write, (uint32_t)v);
                }
        }
        if (!write) {
                *val = out;
        }
        return VGIC_OK;
}

int vgic_raise(struct vgic *g, uint32_t vcpu, uint32_t intid)
{
        struct vgic_irq *q;

        if (g == NULL || vcpu >= g->cpus) {
                return VGIC_EPARAM;
        }
        q = irq_at(g, vcpu, intid);
        if (q == NULL) {
                return VGIC_EPARAM;
        }
        q->pending = true;
        return VGIC_OK;
}

uint32_t vgic_sgi1r(struct vgic *g, uint32_t vcpu, uint64_t value)
{
        uint32_t intid = (value >> 24) & 0xfu, mask = 0;
        uint32_t aff321 = (uint32_t)(((value >> 48) & 0xffu) << 24 | ((value >> 32) & 0xffu) << 16 |
                                     ((value >> 16) & 0xffu) << 8);
        uint32_t rs = (value >> 44) & 0xfu;
        bool all = (value >> 40) & 1u;

        if (g == NULL || vcpu >= g->cpus) {
                return 0;
        }
        for (uint32_t c = 0; c < g->cpus; c++) {
                uint32_t aff = (uint32_t)g->cpu[c].affinity, aff0 = aff & 0xffu;
                bool hit;

                if (all) {
                        hit = c != vcpu;
                } else {
                        hit = (aff & ~0xffu) == aff321 && aff0 / 16 == rs &&
                              ((value >> (aff0 % 16)) & 1u);
                }
                if (hit) {
                        g->cpu[c].priv[intid].pending = true;
                        mask |= 1u << c;
                }
        }
        return mask;
}

/* The best interrupt deliverable to vcpu (see vgic_next), or VGIC_SPURIOUS. */
static uint32_t best_for(const struct vgic *g, uint32_t vcpu, uint8_t *prio)
{
        uint32_t best = VGIC_SPURIOUS;
        uint8_t best_prio = 0xff;

        if (g == NULL || vcpu >= g->cpus) {
                return VGIC_SPURIOUS;
        }
        for (uint32_t id = 0; id < VGIC_NR_IRQS; id++) {
                const struct vgic_irq *q = irq_at((struct vgic *)g, vcpu, id);
                uint32_t grp = q->group1 ? GICD_CTLR_GRP1 : GICD_CTLR_GRP0;

                if (!q->pending || !q->enabled || (g->ctlr & grp) == 0) {
                        continue;
                }
                if (id >= 32 && vgic_spi_target(g, id) != vcpu) {
                        continue;
                }
                if (best == VGIC_SPURIOUS || q->prio < best_prio) {
                        best = id;
                        best_prio = q->prio;
                }
        }
        if (best != VGIC_SPURIOUS && prio != NULL) {
                *prio = best_prio;
        }
        return best;
}

uint32_t vgic_peek(const struct vgic *g, uint32_t vcpu, uint8_t *prio)
{
        return best_for(g, vcpu, prio);
}

uint32_t vgic_next(struct vgic *g, uint32_t vcpu, uint8_t *prio)
{
        uint32_t best = best_for(g, vcpu, prio);

        if (best != VGIC_SPURIOUS) {
                struct vgic_irq *q = irq_at(g, vcpu, best);

                q->pending = false;
                q->in_lr = true;
                q->lr_pending = true;
                q->lr_cpu = (uint8_t)vcpu;
        }
        return best;
}

bool vgic_waiting(const struct vgic *g, uint32_t vcpu, uint32_t intid)
{
        const struct vgic_irq *q;

        if (g == NULL || vcpu >= g->cpus) {
                return false;
        }
        q = irq_at((struct vgic *)g, vcpu, intid);
        return q != NULL && q->pending;
}

void vgic_fold(struct vgic *g, uint32_t vcpu, unsigned (*lr_state)(uint32_t intid, void *ctx),
               void *ctx)
{
        if (g == NULL || vcpu >= g->cpus || lr_state == NULL) {
                return;
        }
        for (uint32_t id = 0; id < VGIC_NR_IRQS; id++) {
                struct vgic_irq *q = irq_at(g, vcpu, id);
                unsigned s;

                if (!q->in_lr || q->lr_cpu != vcpu) {
                        continue;
                }
                s = lr_state(id, ctx);
                q->in_lr = s != 0;
                q->lr_pending = (s & VGIC_LR_PENDING) != 0;
                q->active = (s & VGIC_LR_ACTIVE) != 0;
        }
}
