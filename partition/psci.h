/*
 * partition/psci.h: PSCI for partitions (Arm DEN 0022). A partition's PSCI calls (by HVC or
 * SMC) act on that partition only, never on the machine: CPU_ON and CPU_OFF start and stop
 * its own vCPUs, SYSTEM_OFF stops it, SYSTEM_RESET restarts it from its image. This module
 * decodes the call, checks its arguments and changes the vCPUs' states; it says what the
 * kernel must still do (reschedule, restart), and never prints.
 */
#ifndef RVM_PARTITION_PSCI_H
#define RVM_PARTITION_PSCI_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/aarch64/guest/rvm_calls.h"
#include "partition/partition.h"

/* The function ids (PSCI_VERSION, PSCI_CPU_ON_64, ...) are rows of the one call table. */
#define PSCI_E_NOT_SUPPORTED  (-1)
#define PSCI_E_INVALID_PARAMS (-2)
#define PSCI_E_ALREADY_ON     (-4)
#define PSCI_E_INVALID_ADDR   (-9)

/* Is fid in PSCI's range (0x8400_00xx and 0xC400_00xx)? */
static inline bool psci_is_call(uint32_t fid)
{
        return (fid & 0xbfffffe0u) == 0x84000000u;
}

enum psci_action {
        PSCI_DONE = 0,     /* x0 = ret; nothing more */
        PSCI_VCPU_STARTED, /* x0 = ret; vcpu was started: the scheduler must know */
        PSCI_VCPU_STOPPED, /* vcpu (the caller) stopped: no return, reschedule */
        PSCI_PART_STOPPED, /* x0 = ret; the partition is stopped: reschedule */
        PSCI_PART_RESET,   /* the kernel restarts the partition from its image */
        PSCI_REFUSED,      /* x0 = NOT_SUPPORTED; witnessed here */
};

struct psci_result {
        enum psci_action action;
        int64_t ret;
        struct vcpu *vcpu;
};

/* The PSCI call in x[0..3] from vCPU v. */
void psci_call(struct vcpu *v, const uint64_t x[4], struct psci_result *out);

#endif
