/*
 * hal/mmio.h: device register access. Only hal/ includes this. Accesses are volatile
 * and 32-bit or 64-bit exactly as the device defines them; ordering against normal
 * memory is the caller's (the drivers put a dsb where a device must see earlier writes).
 * Built for the host (RVM_HOST), the 32-bit accesses are a unit test's model of its device.
 */
#ifndef RVM_HAL_MMIO_H
#define RVM_HAL_MMIO_H

#include <stdint.h>

#ifdef RVM_HOST
/* Host unit tests (tests/unit/) link a model of the device behind these. */
uint32_t mmio_read32(uint64_t addr);
void mmio_write32(uint64_t addr, uint32_t v);
#else
static inline uint32_t mmio_read32(uint64_t addr)
{
        return *(volatile uint32_t *)(uintptr_t)addr;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
        *(volatile uint32_t *)(uintptr_t)addr = v;
}

#endif

static inline uint64_t mmio_read64(uint64_t addr)
{
        return *(volatile uint64_t *)(uintptr_t)addr;
}

static inline void mmio_write64(uint64_t addr, uint64_t v)
{
        *(volatile uint64_t *)(uintptr_t)addr = v;
}

#endif
