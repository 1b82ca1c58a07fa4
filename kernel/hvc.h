/*
 * kernel/hvc.h: the hypercall table and its installation (kernel/hvc.c).
 */
#ifndef RVM_KERNEL_HVC_H
#define RVM_KERNEL_HVC_H

#include <stddef.h>

#include "kernel/gate.h"

/* Check and install the table in the gate; on failure *bad_index names the entry. */
enum gate_check hvc_init(size_t *bad_index);
const struct gate_entry *hvc_entries(size_t *count);

#endif
