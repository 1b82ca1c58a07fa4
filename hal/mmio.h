/*
 * hal/mmio.h: device register access. Only hal/ includes this. Accesses are volatile
 * and 32-bit or 64-bit exactly as the device defines them; ordering against normal
 * memory is the caller's (the drivers put a dsb where a device must see earlier writes).
 */
#ifndef RVM_HAL_MMIO_H
#define RVM_HAL_MMIO_H

#include <stdint.h>

static inline uint32_t mmio_read32(uint64_t addr)
{
        return *(volatile uint32_t *)(uintptr_t)addr;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
        *(volatile uint32_t *)(uintptr_t)addr = v;
}

static inline uint64_t mmio_read64(uint64_t addr)
{
        return *(volatile uint64_t *)(uintptr_t)addr;
}

static inline void mmio_write64(uint64_t addr, uint64_t v)
{
        *(volatile uint64_t *)(uintptr_t)addr = v;
}

#endif
