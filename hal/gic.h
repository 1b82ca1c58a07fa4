/*
 * hal/gic.h: the GICv3 as RVM's EL2 uses it: distributor and redistributors by MMIO,
 * the CPU interface through the ICC system registers. One handler per INTID.
 */
#ifndef RVM_HAL_GIC_H
#define RVM_HAL_GIC_H

#include <stdbool.h>
#include <stdint.h>

#include "configs/limits.h" /* the profile's sizes, if it sets them */
#ifndef GIC_MAX_INTID
#define GIC_MAX_INTID 1020
#endif
#define GIC_SPURIOUS 1023

typedef void (*gic_handler_fn)(unsigned intid, void *ctx);

enum gic_err {
        GIC_OK = 0,
        GIC_E_NO_REDIST, /* no redistributor frame matches this CPU's affinity */
        GIC_E_RANGE,     /* INTID beyond what the distributor implements */
};

/* Primary CPU, once: distributor. */
void hal_gic_init(uint64_t gicd_base, uint64_t gicr_base, uint64_t gicr_size);
/* Every CPU: find and wake its redistributor, enable the CPU interface. */
enum gic_err hal_gic_cpu_init(uint64_t mpidr);
/* Route intid to the CPU with mpidr (SPIs only; PPIs are per CPU), set its handler, enable. */
enum gic_err hal_gic_enable(unsigned intid, uint64_t target_mpidr, gic_handler_fn fn, void *ctx);
/* Mask (true) or unmask an SPI at the distributor, keeping its handler and routing. */
enum gic_err hal_gic_mask_spi(unsigned intid, bool masked);
/* Acknowledge, run the handler, end the interrupt. Returns false if it was spurious. */
bool hal_gic_handle(void);
/* Number of SPI lines the distributor implements, and its ID register for `info`. */
unsigned hal_gic_spi_count(void);
uint32_t hal_gic_iidr(void);
/* Send SGI intid (0..15) to the CPU with mpidr. */
void hal_gic_send_sgi(unsigned intid, uint64_t target_mpidr);

#endif
