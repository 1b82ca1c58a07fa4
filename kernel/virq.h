/*
 * kernel/virq.h: the kernel's side of virtual interrupts (partition/virq.h has the mechanism):
 * each CPU's virtual interface and the physical PPI of the guests' virtual timer.
 */
#ifndef RVM_KERNEL_VIRQ_H
#define RVM_KERNEL_VIRQ_H

/* This CPU's virtual interface and the PPI of the guests' virtual timer (once per CPU). */
void virq_cpu_online(void);

#endif
