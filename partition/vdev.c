/*
 * partition/vdev.c: virtual devices and MMIO emulation (see vdev.h): the PL011 console UART
 * (its registers in partition/pl011.c; here its output, input and interrupt line) and the
 * GICv3. Callers hold run_lock (the trap path holds it; the monitor takes it).
 */
#include "partition/vdev.h"

#include <string.h>

#include "configs/features.h"
#include "partition/pl011.h"
#include "partition/vgic.h"
#include "witness/witness.h"

#include "configs/limits.h" /* the profile's sizes, if it sets them */
#ifndef VDEV_MAX
#define VDEV_MAX 16
#endif
#define VDEV_PAGE 0x1000ULL

/* VDEV_MAX 0: a profile whose partitions have no virtual device (the Seed); any that asks
 * for one is refused, and the emulation drops out of the image. */
static struct vdev vdevs[VDEV_MAX > 0 ? VDEV_MAX : 1];
static unsigned vdev_count;
static struct vdev_sink sink;
#ifdef RVM_WITH_LINUX
static const struct vdev_ops vgicv3_ops;
#endif

void vdev_init(const struct vdev_sink *s)
{
        memset(vdevs, 0, sizeof(vdevs));
        vdev_count = 0;
        sink = *s;
}

unsigned vdev_total(void)
{
        return vdev_count;
}

const struct vdev *vdev_get(unsigned i)
{
        return i < vdev_count ? &vdevs[i] : NULL;
}

/* ---- PL011 console UART (partition/pl011.c holds the registers and receive FIFO) ---- */

#ifdef RVM_WITH_LINUX
static struct vgic vgics[PART_MAX]; /* by partition id - 1 */

static bool has_vgic(const struct partition *p)
{
        for (unsigned i = 0; i < vdev_count; i++) {
                if (vdevs[i].part == p && vdevs[i].ops == &vgicv3_ops) {
                        return true;
                }
        }
        return false;
}
#endif

/*
 * The UART's interrupt line into the partition: with an emulated distributor, only while
 * the guest has enabled the SPI and group 1 there (Linux sets IMSC before it has a handler);
 * without one, as the line says. A rising edge raises the SPI for the vCPU it is routed to;
 * the list register keeps it pending while the guest handles an earlier one, and a
 * handler that drains the FIFO lowers the line, so the next byte makes a new edge.
 */
static void vuart_irq_update(struct vdev *d)
{
        struct partition *p = d->part;
        bool level = pl011_irq_level(&d->uart);
        uint32_t vcpu = 0;

#ifdef RVM_WITH_LINUX /* otherwise no partition has a distributor (the Seed) */
        if (level && has_vgic(p)) {
                const struct vgic *g = &vgics[p->id - 1];
                level = (g->ctlr & 2) != 0 && g->spi[PART_PL011_INTID - 32].enabled;
                vcpu = vgic_spi_target(g, PART_PL011_INTID);
        }
#endif
        if (level && !d->irq_line && sink.irq != NULL && vcpu < p->nr_vcpus) {
                sink.irq(p, vcpu, PART_PL011_INTID);
        }
        d->irq_line = level;
}

/* Untrusted bytes: printable ASCII reaches the console, the rest as '?'. */
static char line_byte(char ch)
{
        return ch >= 0x20 && ch <= 0x7e ? ch : '?';
}

/* For an attached terminal: also the controls of text (BEL, BS, TAB, LF, VT, FF, CR) and ESC
 * for line editing. */
static char raw_byte(char ch)
{
        return (ch >= 0x07 && ch <= 0x0d) || ch == 0x1b ? ch : line_byte(ch);
}

static void vuart_flush(struct vdev *d)
{
        for (unsigned i = 0; i < d->line_len; i++) {
                d->line[i] = line_byte(d->line[i]);
        }
        d->line[d->line_len] = '\0';
        if (sink.line != NULL) {
                sink.line(d->part, d->line);
        }
        d->line_len = 0;
}

static void vuart_raw(struct vdev *d, const char *s, unsigned n)
{
        char out[VUART_LINE_MAX];

        for (unsigned i = 0; i < n; i++) {
                out[i] = raw_byte(s[i]);
        }
        if (sink.raw != NULL) {
                sink.raw(d->part, out, n);
        }
}

static void vuart_tx(struct vdev *d, uint8_t ch)
{
        if (d->attached) {
                vuart_raw(d, (const char *)&ch, 1);
        } else if (ch == '\n') {
                vuart_flush(d);
        } else if (ch != '\r') {
                /* kept as written (filtered when it goes out, as a line or to a terminal) */
                d->line[d->line_len++] = (char)ch;
                if (d->line_len == VUART_LINE_MAX) {
                        vuart_flush(d);
                }
        }
}

/* One access to the register word at word (a multiple of 4): reads pop, writes send. */
static uint32_t vuart_word(struct vdev *d, uint32_t word, bool write, uint32_t value)
{
        if (!write) {
                return pl011_read(&d->uart, word);
        }
        uint8_t ch;
        if (pl011_write(&d->uart, word, value, &ch)) {
                vuart_tx(d, ch);
        }
        return 0;
}

/*
 * Any width at any offset: each register word it touches is read or written once (a DR
 * read pops one byte however wide the load); a write narrower than its word writes the
 * word with those bytes, zero above (a byte store to DR sends that byte).
 */
static bool vuart_access(struct vdev *d, uint64_t offset, unsigned width, bool write,
                         uint64_t *value)
{
        uint64_t v = 0;

        for (uint64_t at = offset & ~3ULL; at < offset + width; at += 4) {
                uint32_t word_in = 0;
                for (unsigned b = 0; b < 4; b++) {
                        if (at + b >= offset && at + b < offset + width) {
                                word_in |= (uint32_t)((*value >> ((at + b - offset) * 8)) & 0xff)
                                           << (b * 8);
                        }
                }
                uint32_t word = vuart_word(d, (uint32_t)at, write, word_in);
                for (unsigned b = 0; b < 4; b++) {
                        if (at + b >= offset && at + b < offset + width) {
                                v |= (uint64_t)((word >> (b * 8)) & 0xff)
                                     << ((at + b - offset) * 8);
                        }
                }
        }
        if (!write) {
                *value = v;
        }
        vuart_irq_update(d);
        return true;
}

static bool vuart_read(struct vdev *d, uint64_t offset, unsigned width, uint64_t *value)
{
        *value = 0;
        return vuart_access(d, offset, width, false, value);
}

static bool vuart_write(struct vdev *d, uint64_t offset, unsigned width, uint64_t value)
{
        return vuart_access(d, offset, width, true, &value);
}

static const struct vdev_ops vuart_ops = {
    .name = "pl011",
    .size = VDEV_PAGE,
    .read = vuart_read,
    .write = vuart_write,
};

#ifdef RVM_WITH_LINUX
/* ---- GICv3 distributor and redistributors (partition/vgic.c holds the state) ---- */

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
        if (!vgicv3_access(d, offset, width, true, &value)) {
                return false;
        }
        /* An enable or routing change may let a UART's line through now. */
        for (unsigned i = 0; i < vdev_count; i++) {
                if (vdevs[i].part == d->part && vdevs[i].ops == &vuart_ops) {
                        vuart_irq_update(&vdevs[i]);
                }
        }
        /* ... and an interrupt that waited pending (disabled, its group disabled, routed
         * elsewhere) may be deliverable now: raised again, its vCPU is woken or made to trap
         * and takes it from the distributor's state (partition/virq.c). */
        struct vgic *g = vgic_of(d);
        for (uint32_t c = 0; c < g->cpus && c < d->part->nr_vcpus; c++) {
                uint32_t intid = vgic_peek(g, c, NULL);
                if (intid < 64 && sink.irq != NULL) {
                        sink.irq(d->part, c, intid);
                }
        }
        return true;
}

static const struct vdev_ops vgicv3_ops = {
    .name = "gicv3",
    .size = PART_VGIC_GICR_OFFSET + PART_MAX_VCPUS * VGIC_GICR_SIZE,
    .read = vgicv3_read,
    .write = vgicv3_write,
};

struct vgic *vdev_vgic(const struct partition *p)
{
        return p->id >= 1 && p->id <= PART_MAX && has_vgic(p) ? &vgics[p->id - 1] : NULL;
}
#else
struct vgic *vdev_vgic(const struct partition *p)
{
        (void)p;
        return NULL;
}
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
        if (VDEV_MAX == 0) {
                return p->cfg->vdev_count == 0 ? 0 : -1;
        }
        for (unsigned i = 0; i < p->cfg->vdev_count; i++) {
                const struct part_vdev *c = &p->cfg->vdevs[i];
                const struct vdev_ops *ops = ops_of(c->type);
                uint64_t at = ipa_addr(c->ipa);
                if (ops == NULL || vdev_count == VDEV_MAX || (at & (VDEV_PAGE - 1)) != 0 ||
                    at + ops->size > PART_IPA_BASE || p->s2_root == NULL) {
                        return -1; /* devices live in the device window, below RAM */
                }
                for (unsigned k = 0; k < vdev_count; k++) {
                        const struct vdev *o = &vdevs[k];
                        uint64_t o_at = ipa_addr(o->ipa);
                        if (o->part == p && at < o_at + o->ops->size && o_at < at + ops->size) {
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
                vdevs[vdev_count] = (struct vdev){.part = p, .ipa = c->ipa, .ops = ops};
                pl011_reset(&vdevs[vdev_count++].uart);
                /* Emulated, not mapped: no physical page (target 0). */
                witness_emit(&(struct witness_event){
                    .kind = WK_MEM_MAP, .actor = p->id, .target = 0, .payload = at});
        }
        return 0;
}

static struct vdev *find(const struct partition *p, ipa_t ipa)
{
        uint64_t at = ipa_addr(ipa);

        if (VDEV_MAX == 0) {
                return NULL;
        }
        for (unsigned i = 0; i < vdev_count; i++) {
                struct vdev *d = &vdevs[i];
                uint64_t base = ipa_addr(d->ipa);
                if (d->part == p && at >= base && at - base < d->ops->size) {
                        return d;
                }
        }
        return NULL;
}

/* Which kind of exit an access at offset of d is (the `exits` command's columns). */
static enum vcpu_exit exit_kind(const struct vdev *d, uint64_t offset)
{
#ifdef RVM_WITH_LINUX
        if (d->ops == &vgicv3_ops) {
                return offset >= PART_VGIC_GICR_OFFSET ? VCPU_EXIT_GICR : VCPU_EXIT_GICD;
        }
#else
        (void)offset;
#endif
        return d->ops == &vuart_ops ? VCPU_EXIT_PL011 : VCPU_EXIT_VDEV_OTHER;
}

enum vdev_result vdev_abort(struct partition *p, struct arch_regs *regs, uint64_t esr, ipa_t ipa,
                            const char **device, enum vcpu_exit *exit)
{
        struct vdev *d = find(p, ipa);
        struct arch_mmio_access a;

        if (d == NULL) {
                return VDEV_NOT_DEVICE;
        }
        uint64_t offset = ipa_addr(ipa) - ipa_addr(d->ipa);
        *device = d->ops->name;
        *exit = exit_kind(d, offset);
        if (!arch_mmio_decode(esr, &a)) {
                return VDEV_UNDECODABLE; /* the caller faults it, witnessed with the ESR */
        }
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
                        out->uart[out->uarts].line_len = d->line_len;
                        out->uart[out->uarts++].regs = d->uart;
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
                        d->line_len = in->uart[u].line_len;
                        d->uart = in->uart[u++].regs;
                        d->irq_line = false; /* raised again if the restored line is high */
                        vuart_irq_update(d);
                }
        }
}

/* ---- the console: a terminal attached to a partition's UART (kernel/console_cmd.c) ---- */

static struct vdev *console_of(const struct partition *p)
{
        for (unsigned i = 0; i < vdev_count; i++) {
                if (vdevs[i].part == p && vdevs[i].ops == &vuart_ops) {
                        return &vdevs[i];
                }
        }
        return NULL;
}

bool vdev_console_attach(struct partition *p, bool on)
{
        struct vdev *d = console_of(p);

        if (d == NULL) {
                return false;
        }
        if (on && !d->attached && d->line_len > 0) {
                /* The line in progress (a shell's prompt) is what the terminal shows first. */
                vuart_raw(d, d->line, d->line_len);
                d->line_len = 0;
        }
        d->attached = on;
        return true;
}

size_t vdev_console_input(struct partition *p, const uint8_t *bytes, size_t n)
{
        struct vdev *d = console_of(p);
        size_t done = 0;

        if (d == NULL) {
                return 0;
        }
        while (done < n && pl011_receive(&d->uart, bytes[done])) {
                done++;
        }
        if (done > 0) {
                vuart_irq_update(d);
        }
        return done;
}
