/*
 * partition/vdev.c: virtual devices and MMIO emulation (see vdev.h) and the PL011-compatible
 * console UART. Callers hold run_lock (the trap path holds it; the monitor takes it).
 */
#include "partition/vdev.h"

#include <string.h>

#include "configs/features.h"
#include "partition/vgic.h"
#include "witness/witness.h"

#include "configs/limits.h" /* the profile's sizes, if it sets them */
#ifndef VDEV_MAX
#define VDEV_MAX 16
#endif
#define VDEV_PAGE 0x1000ULL

static struct vdev vdevs[VDEV_MAX];
static unsigned vdev_count;
static void (*line_out)(const struct partition *p, const char *line);

void vdev_init(void (*line)(const struct partition *p, const char *text))
{
        memset(vdevs, 0, sizeof(vdevs));
        vdev_count = 0;
        line_out = line;
}

unsigned vdev_total(void)
{
        return vdev_count;
}

const struct vdev *vdev_get(unsigned i)
{
        return i < vdev_count ? &vdevs[i] : NULL;
}

/* ---- PL011-compatible console UART (register offsets: PL011 TRM, DDI 0183) ---- */

#define PL011_DR   0x000
#define PL011_FR   0x018
#define FR_RXFE    (1u << 4) /* receive FIFO empty: the guest never has input */
#define FR_TXFE    (1u << 7) /* transmit FIFO empty: every byte goes out at once */
#define PL011_PID0 0xfe0

static uint32_t vuart_reg(uint64_t offset)
{
        /* PeriphID0..3 (part 0x011, designer ARM, revision 1) then the PrimeCell ID. */
        static const uint8_t ids[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

        if (offset == PL011_FR) {
                return FR_TXFE | FR_RXFE;
        }
        if (offset >= PL011_PID0 && offset < PL011_PID0 + 32) {
                return ids[(offset - PL011_PID0) / 4];
        }
        return 0; /* DR (no input) and everything else */
}

static void vuart_flush(struct vdev *d)
{
        d->line[d->line_len] = '\0';
        if (line_out != NULL) {
                line_out(d->part, d->line);
        }
        d->line_len = 0;
}

static bool vuart_read(struct vdev *d, uint64_t offset, unsigned width, uint64_t *value)
{
        uint64_t v = 0;

        (void)d;
        /* Byte by byte, so any width at any offset reads what the registers hold there. */
        for (unsigned i = 0; i < width; i++) {
                uint64_t at = offset + i;
                v |= (uint64_t)((vuart_reg(at & ~3ULL) >> ((at & 3) * 8)) & 0xff) << (i * 8);
        }
        *value = v;
        return true;
}

static bool vuart_write(struct vdev *d, uint64_t offset, unsigned width, uint64_t value)
{
        (void)width;
        if (offset != PL011_DR) {
                return true; /* control, interrupt and error registers: ignored */
        }
        char ch = (char)(value & 0xff);
        if (ch == '\n') {
                vuart_flush(d);
        } else if (ch != '\r') {
                /* Untrusted bytes: printable ASCII reaches the console, the rest as '?'. */
                d->line[d->line_len++] = ch >= 0x20 && ch <= 0x7e ? ch : '?';
                if (d->line_len == VUART_LINE_MAX) {
                        vuart_flush(d);
                }
        }
        return true;
}

static const struct vdev_ops vuart_ops = {
    .name = "pl011",
    .size = VDEV_PAGE,
    .read = vuart_read,
    .write = vuart_write,
};

#ifdef RVM_WITH_LINUX
/* ---- GICv3 distributor and redistributors (partition/vgic.c holds the state) ---- */

static struct vgic vgics[PART_MAX]; /* by partition id - 1 */

static struct vgic *vgic_of(const struct vdev *d)
{
        return d->part->id >= 1 && d->part->id <= PART_MAX ? &vgics[d->part->id - 1] : NULL;
}

static bool vgicv3_access(struct vdev *d, uint64_t offset, unsigned width, bool write,
                          uint64_t *value)
{
        struct vgic *g = vgic_of(d);

        if (g == NULL) {
                return false;
        }
        if (offset < VGIC_GICD_SIZE) {
                /* the distributor's banked (private) registers are RAZ/WI with ARE set,
                 * so which vCPU accesses it does not matter */
                return vgic_dist_access(g, 0, (uint32_t)offset, width, write, value) == VGIC_OK;
        }
        if (offset >= PART_VGIC_GICR_OFFSET) {
                return vgic_redist_access(g, (uint32_t)(offset - PART_VGIC_GICR_OFFSET), width,
                                          write, value) == VGIC_OK;
        }
        return false; /* between the two (QEMU virt's ITS): nothing */
}

static bool vgicv3_read(struct vdev *d, uint64_t offset, unsigned width, uint64_t *value)
{
        return vgicv3_access(d, offset, width, false, value);
}

static bool vgicv3_write(struct vdev *d, uint64_t offset, unsigned width, uint64_t value)
{
        return vgicv3_access(d, offset, width, true, &value);
}

static const struct vdev_ops vgicv3_ops = {
    .name = "gicv3",
    .size = PART_VGIC_GICR_OFFSET + PART_MAX_VCPUS * VGIC_GICR_SIZE,
    .read = vgicv3_read,
    .write = vgicv3_write,
};
#endif

/* ---- registry and dispatch ---- */

static const struct vdev_ops *ops_of(enum part_vdev_type type)
{
        switch (type) {
        case PART_VDEV_PL011:
                return &vuart_ops;
        case PART_VDEV_GICV3:
#ifdef RVM_WITH_LINUX
                return &vgicv3_ops;
#else
                return NULL; /* not in this profile: vdev_attach refuses the partition */
#endif
        }
        return NULL;
}

int vdev_attach(struct partition *p)
{
        for (unsigned i = 0; i < p->cfg->vdev_count; i++) {
                const struct part_vdev *c = &p->cfg->vdevs[i];
                const struct vdev_ops *ops = ops_of(c->type);
                if (ops == NULL || vdev_count == VDEV_MAX || (c->ipa & (VDEV_PAGE - 1)) != 0 ||
                    c->ipa + ops->size > PART_IPA_BASE || p->s2_root == NULL) {
                        return -1; /* devices live in the device window, below RAM */
                }
                for (unsigned k = 0; k < vdev_count; k++) {
                        const struct vdev *o = &vdevs[k];
                        if (o->part == p && c->ipa < o->ipa + o->ops->size &&
                            o->ipa < c->ipa + ops->size) {
                                return -1;
                        }
                }
#ifdef RVM_WITH_LINUX
                if (ops == &vgicv3_ops &&
                    (p->id < 1 || p->id > PART_MAX ||
                     vgic_init(&vgics[p->id - 1], p->nr_vcpus, NULL) != VGIC_OK)) {
                        return -1; /* vCPU i: MPIDR Aff0 = i, as part_vcpu_start gives it */
                }
#endif
                vdevs[vdev_count++] = (struct vdev){.part = p, .ipa = c->ipa, .ops = ops};
                /* Emulated, not mapped: no physical page (target 0). */
                witness_emit(&(struct witness_event){
                    .kind = WK_MEM_MAP, .actor = p->id, .target = 0, .payload = c->ipa});
        }
        return 0;
}

static struct vdev *find(const struct partition *p, uint64_t ipa)
{
        for (unsigned i = 0; i < vdev_count; i++) {
                struct vdev *d = &vdevs[i];
                if (d->part == p && ipa >= d->ipa && ipa - d->ipa < d->ops->size) {
                        return d;
                }
        }
        return NULL;
}

enum vdev_result vdev_abort(struct partition *p, struct arch_regs *regs, uint64_t esr, uint64_t ipa,
                            const char **device)
{
        struct vdev *d = find(p, ipa);
        struct arch_mmio_access a;

        if (d == NULL) {
                return VDEV_NOT_DEVICE;
        }
        *device = d->ops->name;
        if (!arch_mmio_decode(esr, &a)) {
                return VDEV_UNDECODABLE; /* the caller faults it, witnessed with the ESR */
        }
        uint64_t offset = ipa - d->ipa;
        if (offset + a.width > d->ops->size) {
                return VDEV_REFUSED;
        }
        if (a.write) {
                uint64_t v = arch_mmio_store_value(&a, a.reg == 31 ? 0 : regs->x[a.reg]);
                if (!d->ops->write(d, offset, a.width, v)) {
                        return VDEV_REFUSED;
                }
                d->writes++;
        } else {
                uint64_t raw = 0;
                if (!d->ops->read(d, offset, a.width, &raw)) {
                        return VDEV_REFUSED;
                }
                if (a.reg != 31) { /* a load into XZR only has the device's side effects */
                        regs->x[a.reg] = arch_mmio_load_value(&a, raw);
                }
                d->reads++;
        }
        regs->elr += 4; /* IL = 1: a 32-bit instruction */
        return VDEV_DONE;
}

unsigned vdev_state_save(const struct partition *p, struct vdev_state *out)
{
        unsigned n = 0;

        memset(out, 0, sizeof(*out));
        for (unsigned i = 0; i < vdev_count; i++) {
                const struct vdev *d = &vdevs[i];
                if (d->part != p) {
                        continue;
                }
                n++;
#ifdef RVM_WITH_LINUX
                if (d->ops == &vgicv3_ops) {
                        out->has_vgic = true;
                        out->vgic = vgics[p->id - 1];
                        continue;
                }
#endif
                if (out->uarts < VDEV_STATE_UARTS) {
                        memcpy(out->uart[out->uarts].line, d->line, sizeof(d->line));
                        out->uart[out->uarts++].line_len = d->line_len;
                }
        }
        return n;
}

void vdev_state_restore(const struct partition *p, const struct vdev_state *in)
{
        unsigned u = 0;

        for (unsigned i = 0; i < vdev_count; i++) {
                struct vdev *d = &vdevs[i];
                if (d->part != p) {
                        continue;
                }
#ifdef RVM_WITH_LINUX
                if (d->ops == &vgicv3_ops) {
                        if (in->has_vgic) {
                                vgics[p->id - 1] = in->vgic;
                        }
                        continue;
                }
#endif
                if (u < in->uarts) {
                        memcpy(d->line, in->uart[u].line, sizeof(d->line));
                        d->line_len = in->uart[u++].line_len;
                }
        }
}
