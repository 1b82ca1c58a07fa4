/*
 * tests/qemu/scenarios.c: partition tables for the integration scenarios tests/run boots
 * with "run scenario=<name>": the guests come from tests/guests/.
 */
#include <string.h>

#include "configs/partitions.h"
#include "kernel/ktest.h"

GUEST_IMAGE(ticker);

#define MIB (1ULL << 20)

#define GUEST(nm, img, policy)                                                                 \
        {                                                                                      \
                .name = nm, .image = guest_##img, .image_size = &guest_##img##_size,           \
                .mem_size = 1 * MIB, .priority = 10, .fault_policy = policy, .max_restarts = 3 \
        }

static const struct part_config scenario_two[] = {
    GUEST("alpha", ticker, PART_FAULT_STOP),
    GUEST("beta", ticker, PART_FAULT_STOP),
};

static const struct {
        const char *name;
        const struct part_config *table;
        size_t count;
} scenarios[] = {
    {"two", scenario_two, sizeof(scenario_two) / sizeof(scenario_two[0])},
};

const struct part_config *ktest_scenario(const char *bootargs, size_t *count)
{
        char name[32];

        ktest_bootarg(bootargs, "scenario", name, sizeof(name));
        if (name[0] == '\0') {
                return NULL;
        }
        for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
                if (strcmp(name, scenarios[i].name) == 0) {
                        *count = scenarios[i].count;
                        return scenarios[i].table;
                }
        }
        *count = 0;
        return scenarios[0].table; /* an unknown name boots no partition at all */
}
