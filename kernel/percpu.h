/*
 * kernel/percpu.h: state each CPU owns. TPIDR_EL2 points at the running CPU's entry.
 */
#ifndef RVM_KERNEL_PERCPU_H
#define RVM_KERNEL_PERCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/layout.h"
#include "kernel/gate.h"

enum cpu_state {
        CPU_OFF = 0,  /* not started (or not described by the DTB) */
        CPU_STARTING, /* PSCI CPU_ON accepted, not yet in kernel_secondary_main */
        CPU_ONLINE,   /* running RVM, ticking */
        CPU_FAILED,   /* PSCI refused or the CPU never arrived */
};

struct vcpu;
struct sched_rq;

struct percpu {
        unsigned index;
        uint64_t mpidr;
        enum cpu_state state;
        int32_t psci_err;     /* when state == CPU_FAILED */
        uint64_t ticks;       /* EL2 timer interrupts taken */
        uint64_t irqs;        /* all interrupts taken */
        uint64_t online_ns;   /* time it came online */
        struct vcpu *current; /* the vCPU whose state is live on this CPU, or NULL */
        uint32_t current_gen; /* current's context generation when it was loaded */
        union {
                struct {
                        bool need_resched;  /* the tick asks for the next vCPU */
                        bool yield;         /* the current vCPU gave up its slice: the next
                                             * pick says so */
                        bool console_input; /* CPU 0: typed input waits for the monitor */
                        bool reshape_due;   /* CPU 0: splits and merges wait (kernel/reshape.c) */
                };
                uint32_t flags; /* the four, read at once by the yield's path (kernel/run.c) */
        };
        struct sched_rq *rq;      /* its run queue in sched/, once online (kernel/run.c) */
        struct vcpu *fp_owner;    /* whose FP/SIMD registers are live here (NULL: nobody's) */
        struct partition *reload; /* restarted here: its RAM reloads once the lock is given */
        uint64_t idle_ns;         /* time spent with nothing to run */
        uint64_t stack_top;       /* of its EL2 stack, where a trap's C code runs */
        /* A local hypercall's call and context (kernel/trap.c): ctx.call is &local_call,
         * set once; the call's caller and registers are current's, set when it is loaded
         * (kernel/run.c); nothing else is. */
        struct gate_call local_call;
        struct gate_ctx local_ctx;
};

/* flags with need_resched and yield set, nothing else (little-endian: byte 0 first). */
#define PERCPU_FLAGS_YIELD 0x0101u
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&
                   offsetof(struct percpu, need_resched) == offsetof(struct percpu, flags) &&
                   offsetof(struct percpu, yield) == offsetof(struct percpu, flags) + 1,
               "PERCPU_FLAGS_YIELD: need_resched and yield are flags' first two bytes");

extern struct percpu percpu[RVM_MAX_CPUS];
extern unsigned percpu_count; /* CPUs RVM manages (online or not) */

static inline struct percpu *this_cpu(void)
{
        return arch_percpu();
}
const char *cpu_state_name(enum cpu_state s);

#endif
