/*
 * kernel/hvc.c: the hypercall table (SMCCC vendor-hypervisor range, docs/ABI.md) and its
 * installation in the security gate. Every privileged call is an entry here; the gate
 * refuses to install a table with an entry that does not declare its rights, proof tier
 * and witness kind, so no privileged path can bypass P1/P2/P3 and the witness.
 */
#include "kernel/hvc.h"

#include "hal/timer.h"
#include "kernel/gate.h"

/* P2's request window: a call's time stamp (x7) may be at most this old, in clock ticks. */
#define HVC_MAX_AGE_NS 1000000000ULL

static const struct gate_entry hvc_table[] = {
    GATE_CAP_ENTRIES,
};

static uint64_t hvc_clock(void)
{
        return hal_time_ns();
}

const struct gate_entry *hvc_entries(size_t *count)
{
        *count = sizeof(hvc_table) / sizeof(hvc_table[0]);
        return hvc_table;
}

enum gate_check hvc_init(size_t *bad_index)
{
        enum gate_check c =
            gate_table_check(hvc_table, sizeof(hvc_table) / sizeof(hvc_table[0]), bad_index);
        if (c != GATE_CHECK_OK) {
                return c;
        }
        return gate_init(hvc_table, sizeof(hvc_table) / sizeof(hvc_table[0]), hvc_clock,
                         HVC_MAX_AGE_NS);
}
