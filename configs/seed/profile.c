/*
 * configs/seed/profile.c: the Seed profile (seeds/003): coherence and WASM compiled out,
 * a small image and at most 1 MiB of RAM in use by RVM itself.
 */
#include "configs/profile.h"
#include "arch/aarch64/layout.h"

#define SEED_TICK_HZ  100
#define SEED_MAX_CPUS 1

_Static_assert(SEED_MAX_CPUS <= RVM_MAX_CPUS, "more CPUs than arch/ supports");

const struct rvm_profile rvm_profile = {
    .name = "seed",
    .summary = "seed: minimal kernel, no coherence engine, no WASM",
    .tick_hz = SEED_TICK_HZ,
    .max_cpus = SEED_MAX_CPUS,
    .min_ram_bytes = 1ULL << 20,
};
