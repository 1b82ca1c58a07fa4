/*
 * kernel/percpu.h: state each CPU owns. TPIDR_EL2 points at the running CPU's entry.
 */
#ifndef RVM_KERNEL_PERCPU_H
#define RVM_KERNEL_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/layout.h"

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
        int32_t psci_err;         /* when state == CPU_FAILED */
        uint64_t ticks;           /* EL2 timer interrupts taken */
        uint64_t irqs;            /* all interrupts taken */
        uint64_t online_ns;       /* time it came online */
        struct vcpu *current;     /* the vCPU whose state is live on this CPU, or NULL */
        uint32_t current_gen;     /* current's context generation when it was loaded */
        bool need_resched;        /* the tick asks for the next vCPU */
        bool yield;               /* the current vCPU gave up its slice: the next pick says so */
        bool console_input;       /* CPU 0: typed input waits for the monitor */
        struct sched_rq *rq;      /* its run queue in sched/, once online (kernel/run.c) */
        struct vcpu *fp_owner;    /* whose FP/SIMD registers are live here (NULL: nobody's) */
        struct partition *reload; /* restarted here: its RAM reloads once the lock is given */
        uint64_t idle_ns;         /* time spent with nothing to run */
};

extern struct percpu percpu[RVM_MAX_CPUS];
extern unsigned percpu_count; /* CPUs RVM manages (online or not) */

static inline struct percpu *this_cpu(void)
{
        return arch_percpu();
}
const char *cpu_state_name(enum cpu_state s);

#endif
