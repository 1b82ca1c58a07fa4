/*
 * boot/smp.c: secondary CPU bring-up with PSCI CPU_ON. Each CPU is started with its
 * index as the context id (head.S turns that into its stack) and must report in within
 * a bounded time; a CPU that does not is marked failed, never waited for forever.
 */
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "hal/psci.h"
#include "hal/timer.h"

#define CPU_ARRIVE_TIMEOUT_NS 2000000000ULL

void boot_cpu_arrived(unsigned index)
{
        if (index < boot_state.cpu_count) {
                boot_state.cpu[index].online_ns = hal_time_ns();
                __atomic_store_n(&boot_state.cpu[index].state, BOOT_CPU_ONLINE, __ATOMIC_RELEASE);
        }
}

unsigned boot_smp_start(void)
{
        unsigned online = 1;

        if (RVM_MAX_CPUS == 1) {
                return online; /* a profile of one CPU starts no other (the Seed) */
        }
        for (unsigned i = 1; i < boot_state.cpu_count; i++) {
                struct boot_cpu *c = &boot_state.cpu[i];
                c->state = BOOT_CPU_STARTING;
                int32_t err = hal_psci_cpu_on(c->mpidr, arch_secondary_entry_pa(), i);
                if (err != PSCI_SUCCESS) {
                        c->psci_err = err;
                        c->state = BOOT_CPU_FAILED;
                        continue;
                }
                uint64_t deadline = hal_time_ns() + CPU_ARRIVE_TIMEOUT_NS;
                while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != BOOT_CPU_ONLINE &&
                       hal_time_ns() < deadline) {
                }
                if (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == BOOT_CPU_ONLINE) {
                        online++;
                } else {
                        c->state = BOOT_CPU_FAILED;
                }
        }
        return online;
}
