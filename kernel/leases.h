/*
 * kernel/leases.h: the kernel's side of device leases (partition/lease.h).
 */
#ifndef RVM_KERNEL_LEASES_H
#define RVM_KERNEL_LEASES_H

#include "configs/features.h"

#ifdef RVM_WITH_LEASES
/* Boot: the board's leasable devices, their interrupts forwarded by the kernel. */
void leases_init(void);
#else
/* A profile without leases (the Seed): no device is leasable; `lease`, `unlease` and
 * `leases` are refused by kernel/absent_cmds.c. */
static inline void leases_init(void) {}
#endif

#endif
