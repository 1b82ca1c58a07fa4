/*
 * configs/profile.h: what a build profile decides, as typed C. Each profile folder
 * (configs/appliance, configs/seed) defines one `rvm_profile`; the Makefile links the
 * one PROFILE= names. Limits are checked at compile time in the profile's own file.
 */
#ifndef RVM_CONFIGS_PROFILE_H
#define RVM_CONFIGS_PROFILE_H

#include <stdint.h>

struct rvm_profile {
        const char *name;
        const char *summary;
        uint32_t tick_hz;         /* EL2 timer tick per CPU */
        uint32_t max_cpus;        /* CPUs brought up (<= RVM_MAX_CPUS) */
        uint64_t min_ram_bytes;   /* refuse to boot with less */
        uint32_t image_budget;    /* bytes of text, rodata and data RVM may take (0: none) */
        uint32_t ram_budget;      /* bytes of RAM RVM itself may use (0: none); `mem` */
        uint32_t idle_dormant_ms; /* a small guest asleep this long goes dormant (0: never) */
};

extern const struct rvm_profile rvm_profile;

/*
 * RVM_SAY(full, terse): a console text, the terse one in the Seed, whose image budget
 * counts every byte of text. Both take the same conversions in the same order and say the
 * same thing (every error and refusal still says what and why); the terse one leaves out
 * the explanation a reader can find in docs/. RVM_TERSE is 1 where RVM_SAY is terse: a
 * console line whose facts the build fixes (sizes of tables, a board compiled in) is left
 * out there, and what is measured at run time stays.
 */
#if defined(RVM_PROFILE_SEED)
#define RVM_SAY(full, terse) terse
#define RVM_TERSE            1
#else
#define RVM_SAY(full, terse) full
#define RVM_TERSE            0
#endif

#endif
