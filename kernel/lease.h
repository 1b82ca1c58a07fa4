/*
 * kernel/lease.h: device leases: time-bounded, revocable pass-through of a device's MMIO
 * region to one partition. Granting maps the region into the partition's stage-2 space
 * (device memory, never executable) and gives it a device capability; expiry or
 * revocation unmaps it (with the TLB invalidation that makes the unmap real), destroys the
 * capability, and is witnessed. After that, the partition's next access is a stage-2
 * fault handled by its fault policy.
 */
#ifndef RVM_KERNEL_LEASE_H
#define RVM_KERNEL_LEASE_H

#include <stdbool.h>
#include <stdint.h>

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

/* Called at boot with the devices the board offers for leasing. */
void lease_init(void);
enum lease_err lease_grant(const char *device, struct partition *p, uint32_t ms, uint32_t actor);
enum lease_err lease_revoke(const char *device, uint32_t actor);
/* From the tick on CPU 0: end the leases whose time is up (caller holds run_lock). */
void lease_tick(uint64_t now_ns);
const char *lease_err_str(enum lease_err e);

#endif
