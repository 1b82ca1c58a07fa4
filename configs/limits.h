/*
 * configs/limits.h: the table sizes of the profile being built. The Makefile defines
 * RVM_PROFILE_APPLIANCE or RVM_PROFILE_SEED; this header pulls in that profile's
 * limits.h. Each module that sizes a table by one of these keeps its own default
 * (`#ifndef NAME`), which is what the host unit tests, built without a profile, see.
 * Macro-only, so arch/aarch64/head.S can include it through arch/aarch64/layout.h.
 */
#ifndef RVM_CONFIGS_LIMITS_H
#define RVM_CONFIGS_LIMITS_H

#if defined(RVM_PROFILE_SEED)
#include "configs/seed/limits.h"
#elif defined(RVM_PROFILE_APPLIANCE)
#include "configs/appliance/limits.h"
#endif

/* The scheduler keeps a run queue for each CPU RVM can bring up. */
#if defined(RVM_MAX_CPUS) && !defined(SCHED_MAX_CPUS)
#define SCHED_MAX_CPUS RVM_MAX_CPUS
#endif

#endif
