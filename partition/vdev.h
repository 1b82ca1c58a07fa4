/*
 * partition/vdev.h: virtual devices. A partition's configuration may ask RVM to emulate
 * devices at IPAs of its device window; those IPAs stay unmapped in stage-2, so every
 * access is a stage-2 data abort. vdev_abort decodes it from the syndrome
 * (arch_mmio_decode), hands it to the device's read or write handler with the offset and
 * width, puts a loaded value in the guest's register and steps over the instruction. An
 * access the syndrome does not describe (ISV=0: load/store pair, writeback, ...) or the
 * device refuses is a fault.
 *
 * The devices: a PL011 console UART (registers and receive FIFO: partition/pl011.c), and a
 * GICv3 distributor and redistributors (partition/vgic.c) for Linux guests. The UART's
 * output: bytes written to DR become lines handed to the sink's line callback (printable
 * ASCII, the rest as '?'), or, while a terminal is attached (vdev_console_attach), bytes
 * handed to its raw callback as they come. Its input: bytes RVM passes in with
 * vdev_console_input. Its interrupt line (RIS & IMSC) raises SPI PART_PL011_INTID through
 * the sink's irq callback on each rising edge, when the partition's emulated distributor
 * (if it has one) has that SPI enabled.
 */
#ifndef RVM_PARTITION_VDEV_H
#define RVM_PARTITION_VDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "partition/partition.h"
#include "partition/pl011.h"
#include "partition/vgic.h"

#define VUART_LINE_MAX 120

struct vdev;

struct vdev_ops {
        const char *name;
        uint64_t size;
        /* offset within the device, width 1/2/4/8; false refuses the access (a fault) */
        bool (*read)(struct vdev *d, uint64_t offset, unsigned width, uint64_t *value);
        bool (*write)(struct vdev *d, uint64_t offset, unsigned width, uint64_t value);
};

struct vdev {
        struct partition *part;
        ipa_t ipa;
        const struct vdev_ops *ops;
        uint64_t reads, writes;
        /* console UART state: registers and receive FIFO, the output line being assembled,
         * whether a terminal is attached, the interrupt line as last seen */
        struct pl011 uart;
        char line[VUART_LINE_MAX + 1];
        unsigned line_len;
        bool attached;
        bool irq_line;
};

/* Where the devices' effects go (kernel/): all called with run_lock held. */
struct vdev_sink {
        void (*line)(const struct partition *p, const char *text);       /* a UART's line */
        void (*raw)(const struct partition *p, const char *s, size_t n); /* attached output */
        void (*irq)(struct partition *p, uint32_t vcpu, uint32_t intid); /* raise a vINTID */
};

enum vdev_result {
        VDEV_DONE = 0,    /* emulated; the guest goes on after the instruction */
        VDEV_NOT_DEVICE,  /* no virtual device there */
        VDEV_UNDECODABLE, /* the syndrome does not describe the access (ISV = 0) */
        VDEV_REFUSED,     /* the device refused it (width, offset) */
};

/* Boot: no devices yet; their output and interrupts go to s's callbacks (NULL: nowhere). */
void vdev_init(const struct vdev_sink *s);

/* Attach the virtual devices of p's configuration (boot; witnessed). 0, or -1 if the
 * configuration is invalid (IPA outside the device window, overlap, too many). */
int vdev_attach(struct partition *p);

/* A stage-2 data abort of p at ipa; *device names the device hit and *exit says which
 * (VCPU_EXIT_GICD, _GICR, _PL011, _VDEV_OTHER) unless VDEV_NOT_DEVICE. */
enum vdev_result vdev_abort(struct partition *p, struct arch_regs *regs, uint64_t esr, ipa_t ipa,
                            const char **device, enum vcpu_exit *exit);

/* A terminal attached to (on) or detached from p's first UART: while attached, the UART's
 * output goes to the sink's raw callback byte by byte, starting with the line in progress.
 * False if p has no UART. */
bool vdev_console_attach(struct partition *p, bool on);
/* Bytes typed for p's first UART: how many its receive FIFO took (0 when it has no UART,
 * the guest's receiver is disabled or the FIFO is full; the caller keeps the rest). */
size_t vdev_console_input(struct partition *p, const uint8_t *bytes, size_t n);

/* p's emulated GICv3 distributor and redistributors (partition/virq.c delivers from its
 * state), or NULL when p has none. */
struct vgic *vdev_vgic(const struct partition *p);

/* The attached devices, for the monitor. */
unsigned vdev_total(void);
const struct vdev *vdev_get(unsigned i);

/* A partition's virtual devices' state, for checkpoints (partition/checkpoint.c): each
 * UART's partial line in attach order, and its GICv3 distributor's state if it has one. */
#define VDEV_STATE_UARTS 4
struct vdev_state {
        uint32_t uarts;
        struct {
                char line[VUART_LINE_MAX + 1];
                unsigned line_len;
                struct pl011 regs;
        } uart[VDEV_STATE_UARTS];
        bool has_vgic;
        struct vgic vgic;
};
/* How many virtual devices p has; save and restore their state. */
unsigned vdev_state_save(const struct partition *p, struct vdev_state *out);
void vdev_state_restore(const struct partition *p, const struct vdev_state *in);

#endif
