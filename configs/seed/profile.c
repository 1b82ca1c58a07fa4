/*
 * configs/seed/profile.c: the Seed profile (seeds/003): coherence, WASM, tiers and
 * checkpoints, Linux support and RVF boot compiled out (the Makefile's FEATURES), table
 * sizes from configs/seed/limits.h; an image of at most 64 KiB and at most 1 MiB of RAM
 * in use by RVM itself (`mem` itemises it; make test checks both).
 */
#include "configs/profile.h"
#include "arch/aarch64/layout.h"
#include "configs/limits.h"

#define SEED_TICK_HZ  100
#define SEED_MAX_CPUS 1

/* The budgets (SPEC.md, the Seed line). */
#define SEED_IMAGE_BUDGET (64u << 10)
#define SEED_RAM_BUDGET   (1u << 20)

_Static_assert(SEED_MAX_CPUS <= RVM_MAX_CPUS, "more CPUs than arch/ supports");
_Static_assert(RVM_MAX_CPUS == 1, "the Seed keeps one EL2 stack");
/* The big static tables the limits size (the rest of .bss is a few KiB of records): the
 * EL2 stacks, RVM's page tables, the witness ring and the console buffers (mbedTLS has
 * two 128-byte slots here, witness/crypto.c) must leave at least half the budget for the image, the
 * partition and capability records and the pages RVM allocates at run time (stage-2 tables,
 * CommEdge rings). */
_Static_assert((unsigned long)RVM_MAX_CPUS *RVM_STACK_SIZE + (RVM_MMU_POOL_TABLES + 1) * 4096ul +
                       WLOG_RING_CAP * 64ul + CON_RVM_BYTES +
                       (CON_SOURCES - 1) * (unsigned long)CON_SOURCE_BYTES <=
                   SEED_RAM_BUDGET / 2,
               "the Seed's tables exceed half its RAM budget");

const struct rvm_profile rvm_profile = {
    .name = "seed",
    .summary = "sensor node; no coherence, WASM, tiers, Linux guests or RVF boot",
    .tick_hz = SEED_TICK_HZ,
    .max_cpus = SEED_MAX_CPUS,
    .min_ram_bytes = 1ULL << 20,
    .image_budget = SEED_IMAGE_BUDGET,
    .ram_budget = SEED_RAM_BUDGET,
};
