/*
 * arch/aarch64/guest/rvm_irq.h: the guest side of virtual interrupts (docs/ABI.md, "Virtual
 * interrupts"): an EL1 vector table, the GICv3 CPU interface RVM presents through the system
 * registers, SGIs to the partition's own vCPUs and the EL1 virtual timer. Included by
 * rvm_guest.h.
 */
#ifndef RVM_GUEST_IRQ_H
#define RVM_GUEST_IRQ_H

#include <stdint.h>

#include "arch/aarch64/guest/rvm_calls.h"

/*
 * Virtual interrupts (docs/ABI.md). RVM presents a GICv3 CPU interface through the system
 * registers (no distributor is mapped): a guest sets its priority mask and enables Group 1,
 * unmasks IRQs, and takes RVM_VIRQ_VTIMER when its EL1 virtual timer fires and
 * RVM_VIRQ_EDGE(n) when the peer of CommEdge n rings the doorbell. A guest that wants them
 * puts RVM_GUEST_IRQ_VECTORS(handler) at file scope: an EL1 vector table whose IRQ entry
 * calls handler() with the caller-saved registers preserved; other exceptions exit(0xbad).
 */
#define RVM_VIRQ_VTIMER  27u
#define RVM_VIRQ_EDGE(n) (1000u + (n)) /* EDGE_VIRQ_BASE + n (partition/edge.h) */
#define RVM_IRQ_SPURIOUS 1023u

#define RVM_GUEST_IRQ_VECTORS(handler)                                                \
        void handler(void);                                                           \
        __asm__(                                                                      \
            ".pushsection .text.vectors, \"ax\"\n"                                    \
            ".balign 2048\n"                                                          \
            ".global rvm_guest_vectors\n"                                             \
            "rvm_guest_vectors:\n"                                                    \
            ".org rvm_guest_vectors + 0x200\n"                                        \
            "b rvm_guest_bad\n"                                                       \
            ".org rvm_guest_vectors + 0x280\n"                                        \
            "sub sp, sp, #176\n"                                                      \
            "stp x0, x1, [sp]\n stp x2, x3, [sp, #16]\n stp x4, x5, [sp, #32]\n"      \
            "stp x6, x7, [sp, #48]\n stp x8, x9, [sp, #64]\n"                         \
            "stp x10, x11, [sp, #80]\n stp x12, x13, [sp, #96]\n"                     \
            "stp x14, x15, [sp, #112]\n stp x16, x17, [sp, #128]\n"                   \
            "stp x18, x29, [sp, #144]\n str x30, [sp, #160]\n"                        \
            "bl " #handler                                                            \
            "\n"                                                                      \
            "ldp x0, x1, [sp]\n ldp x2, x3, [sp, #16]\n ldp x4, x5, [sp, #32]\n"      \
            "ldp x6, x7, [sp, #48]\n ldp x8, x9, [sp, #64]\n"                         \
            "ldp x10, x11, [sp, #80]\n ldp x12, x13, [sp, #96]\n"                     \
            "ldp x14, x15, [sp, #112]\n ldp x16, x17, [sp, #128]\n"                   \
            "ldp x18, x29, [sp, #144]\n ldr x30, [sp, #160]\n"                        \
            "add sp, sp, #176\n"                                                      \
            "eret\n"                                                                  \
            ".org rvm_guest_vectors + 0x800\n"                                        \
            "rvm_guest_bad:\n"                                                        \
            "ldr x0, =0xC6000003\n mov x1, #0xbad\n hvc #0\n b .\n" /* RVM_HC_EXIT */ \
            ".popsection\n")

/* Point VBAR_EL1 at the table, unmask every priority, enable Group 1 (not yet PSTATE.I). */
static inline void rvm_gic_init(void)
{
        extern char rvm_guest_vectors[];

        __asm__ volatile(
            "msr vbar_el1, %0\n isb\n"
            "msr S3_0_C12_C12_5, %1\n" /* ICC_SRE_EL1: system registers */
            "isb\n"
            "msr S3_0_C4_C6_0, %2\n"   /* ICC_PMR_EL1 */
            "msr S3_0_C12_C12_7, %3\n" /* ICC_IGRPEN1_EL1 */
            "isb"
            :
            : "r"(rvm_guest_vectors), "r"(1ULL), "r"(0xffULL), "r"(1ULL)
            : "memory");
}

static inline void rvm_irqs_on(void)
{
        __asm__ volatile("msr daifclr, #2" ::: "memory");
}

static inline void rvm_irqs_off(void)
{
        __asm__ volatile("msr daifset, #2" ::: "memory");
}

/*
 * Sleep until an interrupt handler changes *word from seen. The test and the WFI run with
 * interrupts masked: one that arrives between them stays pending and ends the WFI (WFI
 * wakes on a pending interrupt whatever PSTATE.I says) instead of being taken just before
 * it, which would leave the vCPU asleep with nothing more to come. Returns with interrupts
 * unmasked.
 */
static inline void rvm_wait_irq(const volatile uint32_t *word, uint32_t seen)
{
        rvm_irqs_off();
        while (*word == seen) {
                __asm__ volatile("wfi\n msr daifclr, #2\n isb\n msr daifset, #2" ::: "memory");
        }
        rvm_irqs_on();
}

/* Acknowledge the highest-priority pending interrupt (ICC_IAR1_EL1): its INTID. */
static inline uint32_t rvm_irq_ack(void)
{
        uint64_t v;

        __asm__ volatile("mrs %0, S3_0_C12_C12_0" : "=r"(v) : : "memory");
        return (uint32_t)(v & 0xffffff);
}

/* End it (ICC_EOIR1_EL1: priority drop and deactivation). */
static inline void rvm_irq_eoi(uint32_t intid)
{
        __asm__ volatile("msr S3_0_C12_C12_1, %0" : : "r"((uint64_t)intid) : "memory");
}

/* Send SGI intid (0..15) to the vCPUs of this partition in target_list (bit n = vCPU n). */
static inline void rvm_send_sgi(unsigned intid, unsigned target_list)
{
        uint64_t v = (uint64_t)(intid & 0xf) << 24 | (target_list & 0xffff);

        __asm__ volatile("msr S3_0_C12_C11_5, %0\n isb" : : "r"(v) : "memory"); /* ICC_SGI1R_EL1 */
}

/* The EL1 virtual timer: fire in `ticks` counter ticks (TVAL), or stop. */
static inline void rvm_vtimer_arm(uint64_t ticks)
{
        __asm__ volatile("msr cntv_tval_el0, %0\n msr cntv_ctl_el0, %1\n isb"
                         :
                         : "r"(ticks), "r"(1ULL)
                         : "memory");
}

static inline void rvm_vtimer_stop(void)
{
        __asm__ volatile("msr cntv_ctl_el0, xzr\n isb" ::: "memory");
}

#endif
