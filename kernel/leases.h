/*
 * kernel/leases.h: the kernel's side of device leases (partition/lease.h).
 */
#ifndef RVM_KERNEL_LEASES_H
#define RVM_KERNEL_LEASES_H

/* Boot: the board's leasable devices, their interrupts forwarded by the kernel. */
void leases_init(void);

#endif
