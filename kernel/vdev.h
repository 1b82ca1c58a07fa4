/*
 * kernel/vdev.h: virtual devices. A partition's configuration may ask RVM to emulate devices
 * at IPAs of its device window; those IPAs stay unmapped in stage-2, so every access is a
 * stage-2 data abort. vdev_abort decodes it from the syndrome (arch_mmio_decode), hands it
 * to the device's read or write handler with the offset and width, puts a loaded value in
 * the guest's register and steps over the instruction. An access the syndrome does not
 * describe (ISV=0: load/store pair, writeback, ...) or the device refuses is a fault.
 *
 * The one device so far is a PL011-compatible console UART: bytes written to DR go to RVM's
 * console a line at a time, prefixed with the partition's name; FR says "transmit FIFO
 * empty, receive FIFO empty"; the ID registers read as a PL011's; others read as zero and
 * ignore writes.
 */
#ifndef RVM_KERNEL_VDEV_H
#define RVM_KERNEL_VDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "partition/partition.h"

/* Attach the virtual devices of p's configuration (boot; witnessed). 0, or -1 if the
 * configuration is invalid (IPA outside the device window, overlap, too many). */
int vdev_attach(struct partition *p);

/* A stage-2 data abort of p at ipa: true if a virtual device handled it (the guest goes on
 * after the instruction); false to fault p (not a device, ISV=0, refused access). */
bool vdev_abort(struct partition *p, struct arch_regs *regs, uint64_t esr, uint64_t ipa);

#endif
