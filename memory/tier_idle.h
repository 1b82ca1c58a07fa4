/*
 * memory/tier_idle.h: the idle policy of the memory tiers, the decision. A small guest
 * partition whose vCPUs have all been asleep without running for the policy's time has its RAM
 * made dormant; if it was made dormant and runs again, the kernel says what its touches have
 * brought back. Once a try is refused, the policy waits until the partition has run.
 *
 * Plain C over plain data: the kernel (kernel/tier_idle.c) gathers each partition's state at
 * an epoch under its lock, keeps one struct tier_idle per partition, and does what the
 * verdict says (measures its use, makes it dormant, prints, witnesses).
 */
#ifndef RVM_MEMORY_TIER_IDLE_H
#define RVM_MEMORY_TIER_IDLE_H

#include <stdbool.h>
#include <stdint.h>

/* What the policy remembers of one partition between epochs. */
struct tier_idle {
        uint64_t runtime_ns; /* its vCPUs' run time when last seen awake, or first asleep */
        uint64_t since_ns;   /* asleep since (the epoch it was last seen awake) */
        bool dormant;        /* made dormant by this policy, not run since */
        bool refused;        /* the policy's last try was refused: not again until it runs */
};

/* One partition at this epoch, as the kernel sees it. */
struct tier_idle_part {
        bool watched;        /* running, a guest, not a Linux guest: the policy's to watch */
        bool reloading;      /* a restart is copying its image back (its use is not measured) */
        bool asleep;         /* every vCPU that is on is asleep and off every CPU, and one is on */
        uint64_t runtime_ns; /* its vCPUs' run time so far */
        /* Its RAM's dormant range (the one the policy makes, from its base), if it has one:
         * its pages and how many of them are still dormant. */
        bool has_range;
        uint32_t range_pages, range_dormant;
        /* It has dormant or cold pages, or pages living outside its own frames
         * (partition/tiers.c's tiers_claims): its RAM is left as it is. */
        bool claims;
};

enum tier_idle_act {
        TIER_IDLE_NONE = 0,
        TIER_IDLE_DORMANT, /* make its RAM dormant */
        TIER_IDLE_REDO,    /* wake its range whole (some pages came back), then make it dormant */
};

struct tier_idle_verdict {
        bool woke;    /* it was made dormant and has run since: tell what came back */
        bool measure; /* measure its hot and warm pages (the policy is on) */
        enum tier_idle_act act;
        uint64_t slept_ns; /* with act: how long it has slept */
};

/*
 * One partition at one epoch: now_ns on a monotonic clock (wrapping is harmless: only
 * differences are taken), the policy's time in ms (0: off). Updates *s; the kernel tells the
 * policy how an act ended with tier_idle_done.
 */
void tier_idle_decide(struct tier_idle *s, const struct tier_idle_part *in, uint64_t now_ns,
                      uint32_t policy_ms, struct tier_idle_verdict *out);
/* The act the verdict asked for made its RAM dormant (true) or was refused (false). */
void tier_idle_done(struct tier_idle *s, bool made_dormant);

#endif
