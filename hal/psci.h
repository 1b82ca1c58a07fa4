/*
 * hal/psci.h: RVM as a PSCI client of the firmware (Arm DEN 0022), over SMC.
 */
#ifndef RVM_HAL_PSCI_H
#define RVM_HAL_PSCI_H

#include <stdint.h>

/* The function ids are PSCI's (PSCI_VERSION, PSCI_CPU_ON_64, ...): the same ones
 * partitions call, so they come from the one call table. */
#include "arch/aarch64/guest/rvm_calls.h"

#define PSCI_SUCCESS        0
#define PSCI_NOT_SUPPORTED  (-1)
#define PSCI_INVALID_PARAMS (-2)
#define PSCI_DENIED         (-3)
#define PSCI_ALREADY_ON     (-4)
#define PSCI_ON_PENDING     (-5)
#define PSCI_INTERNAL       (-6)

uint32_t hal_psci_version(void);
int32_t hal_psci_cpu_on(uint64_t mpidr, uint64_t entry_pa, uint64_t context);
__attribute__((noreturn)) void hal_psci_system_off(void);
__attribute__((noreturn)) void hal_psci_system_reset(void);
const char *hal_psci_err_str(int32_t err);

#endif
