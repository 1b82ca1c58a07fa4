/*
 * configs/appliance/profile.c: the default profile: every module, all CPUs.
 */
#include "configs/profile.h"
#include "arch/aarch64/layout.h"

#define APPLIANCE_TICK_HZ  100
#define APPLIANCE_MAX_CPUS RVM_MAX_CPUS

_Static_assert(APPLIANCE_TICK_HZ >= 10 && APPLIANCE_TICK_HZ <= 1000, "tick out of range");
_Static_assert(APPLIANCE_MAX_CPUS <= RVM_MAX_CPUS, "more CPUs than arch/ supports");

const struct rvm_profile rvm_profile = {
    .name = "appliance",
    .summary = "full appliance: guests, CommEdges, WASM agents",
    .tick_hz = APPLIANCE_TICK_HZ,
    .max_cpus = APPLIANCE_MAX_CPUS,
    .min_ram_bytes = 64ULL << 20,
    .idle_dormant_ms = 3000, /* kernel/tier_idle.c */
};
