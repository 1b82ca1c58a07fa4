/*
 * hal/psci.c: PSCI calls to firmware. RVM runs at EL2, so the only conduit that reaches
 * firmware is SMC (an HVC from EL2 would trap to ourselves).
 */
#include "hal/psci.h"

#include <stdint.h>

#include "arch/aarch64/arch.h"

uint32_t hal_psci_version(void)
{
        return (uint32_t)arch_smc(PSCI_VERSION, 0, 0, 0);
}

int32_t hal_psci_cpu_on(uint64_t mpidr, uint64_t entry_pa, uint64_t context)
{
        return (int32_t)arch_smc(PSCI_CPU_ON_64, mpidr, entry_pa, context);
}

void hal_psci_system_off(void)
{
        for (;;) {
                arch_smc(PSCI_SYSTEM_OFF, 0, 0, 0);
        }
}

void hal_psci_system_reset(void)
{
        for (;;) {
                arch_smc(PSCI_SYSTEM_RESET, 0, 0, 0);
        }
}

const char *hal_psci_err_str(int32_t err)
{
        switch (err) {
        case PSCI_SUCCESS:
                return "success";
        case PSCI_NOT_SUPPORTED:
                return "not supported";
        case PSCI_INVALID_PARAMS:
                return "invalid parameters";
        case PSCI_DENIED:
                return "denied";
        case PSCI_ALREADY_ON:
                return "already on";
        case PSCI_ON_PENDING:
                return "on pending";
        case PSCI_INTERNAL:
                return "internal failure";
        }
        return "unknown PSCI error";
}
