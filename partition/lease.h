/*
 * partition/lease.h: device leases: time-bounded, revocable pass-through of a device's MMIO
 * region to one partition. Granting maps the region into the partition's stage-2 space
 * (device memory, never executable) and gives it a device capability; expiry or
 * revocation unmaps it (with the TLB invalidation that makes the unmap real), destroys the
 * capability, and is witnessed. After that, the partition's next access is a stage-2
 * fault handled by its fault policy. Callers hold run_lock.
 */
#ifndef RVM_PARTITION_LEASE_H
#define RVM_PARTITION_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#include "cap/cap.h"
#include "configs/features.h"
#include "hal/board.h"
#include "memory/addr.h"
#include "partition/partition.h"

enum lease_err {
        LEASE_OK = 0,
        LEASE_E_NO_DEVICE, /* unknown device, or the board has none */
        LEASE_E_BUSY,      /* already leased */
        LEASE_E_NOT_LEASED,
        LEASE_E_PARTITION, /* no such partition, or it is not running */
        LEASE_E_MAP,       /* stage-2 mapping failed */
        LEASE_E_DURATION,  /* zero or longer than LEASE_MAX_MS */
};

#define LEASE_MAX_MS 3600000u

struct lease {
        const char *name;
        pa_t pa; /* the device's registers (the lessee sees them at the same address) */
        uint64_t size;
        uint32_t partition; /* 0: not leased */
        unsigned irq;       /* its SPI, forwarded to the lessee (0: none) */
        uint64_t irqs;      /* interrupts forwarded */
        uint64_t expiry_ns;
        cap_obj_t obj;
};

/* What the kernel does for leases: take a leased device's SPI (ctx is the lease; routed to
 * the CPU irq_mpidr names) and stop forwarding it to a vCPU when the lease ends. */
struct lease_env {
        void (*irq_handler)(unsigned intid, void *ctx);
        uint64_t irq_mpidr;
        void (*unforward)(struct vcpu *v, uint32_t intid);
};

/* Boot: the devices the board offers for leasing. */
void lease_init(const struct board_info *board, const struct lease_env *env);
enum lease_err lease_grant(const char *device, struct partition *p, uint32_t ms, uint32_t actor);
enum lease_err lease_revoke(const char *device, uint32_t actor);
/* From the tick on CPU 0: end the leases whose time is up. */
#ifdef RVM_WITH_LEASES
void lease_tick(uint64_t now_ns);
#else
static inline void lease_tick(uint64_t now_ns) /* no leases in this profile (the Seed) */
{
        (void)now_ns;
}
#endif
const char *lease_err_str(enum lease_err e);

/* The leasable devices, for the monitor. */
unsigned lease_device_count(void);
const struct lease *lease_device(unsigned i);
/* A leased device's interrupt arrived: the vCPU to forward it to (counted), or NULL when
 * nobody holds it (the caller masks it until the next lease). */
struct vcpu *lease_irq_target(struct lease *l);

#endif
