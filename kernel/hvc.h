/*
 * kernel/hvc.h: the hypercall table and its installation (kernel/hvc.c).
 */
#ifndef RVM_KERNEL_HVC_H
#define RVM_KERNEL_HVC_H

#include <stddef.h>

#include "kernel/gate.h"
#include "partition/partition.h"

/* Install the table in the gate (its rows were checked when it was compiled). */
void hvc_init(void);
const struct gate_entry *hvc_entries(size_t *count);

/* The one mapping from the partition mechanisms' errors to hypercall status. */
int32_t gate_status_from_part(enum part_err e);

/* Gate handlers of the memory-region calls (kernel/mem_calls.c). */
int32_t share_hc_offer(struct gate_ctx *ctx);
int32_t share_hc_retrieve(struct gate_ctx *ctx);
int32_t share_hc_relinquish(struct gate_ctx *ctx);
int32_t share_hc_reclaim(struct gate_ctx *ctx);

#endif
