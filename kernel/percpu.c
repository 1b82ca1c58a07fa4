/*
 * kernel/percpu.c: the per-CPU table.
 */
#include "kernel/percpu.h"

#include "arch/aarch64/arch.h"

struct percpu percpu[RVM_MAX_CPUS];
unsigned percpu_count;

const char *cpu_state_name(enum cpu_state s)
{
        switch (s) {
        case CPU_OFF:
                return "off";
        case CPU_STARTING:
                return "starting";
        case CPU_ONLINE:
                return "online";
        case CPU_FAILED:
                return "failed";
        }
        return "?";
}
