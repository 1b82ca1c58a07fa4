/*
 * memory/tier_idle.c: the idle policy's decision (see tier_idle.h). A partition is asleep
 * "without running" when its vCPUs' run time has not changed since the epoch it was first
 * seen asleep; the policy's time counts from that epoch.
 */
#include "memory/tier_idle.h"

#include <string.h>

void tier_idle_decide(struct tier_idle *s, const struct tier_idle_part *in, uint64_t now_ns,
                      uint32_t policy_ms, struct tier_idle_verdict *out)
{
        memset(out, 0, sizeof(*out));
        if (s->dormant && in->runtime_ns != s->runtime_ns) {
                s->dormant = false; /* it ran again */
                out->woke = true;
        }
        out->measure = policy_ms != 0 && in->watched && !in->reloading;
        if (policy_ms == 0 || !in->watched || !in->asleep || in->runtime_ns != s->runtime_ns) {
                s->runtime_ns = in->runtime_ns;
                s->since_ns = now_ns; /* awake, or asleep from now on */
                s->refused = false;
                return;
        }
        const uint64_t slept = now_ns - s->since_ns;
        if (s->dormant || s->refused || slept < (uint64_t)policy_ms * 1000000) {
                return;
        }
        if (in->has_range && in->range_dormant < in->range_pages) {
                out->act = TIER_IDLE_REDO; /* some came back since: the range whole, then again */
        } else if (in->claims) {
                return; /* all still dormant, or a range the monitor made */
        } else {
                out->act = TIER_IDLE_DORMANT;
        }
        out->slept_ns = slept;
}

void tier_idle_done(struct tier_idle *s, bool made_dormant)
{
        if (made_dormant) {
                s->dormant = true;
        } else {
                s->refused = true;
        }
}
