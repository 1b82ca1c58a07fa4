/*
 * coherence/engine.c: the engine's epoch over plain data (engine.h): each group's cut
 * pressure under the min-cut budget (DC-2), whether the scheduler is to run degraded (DC-6),
 * which pressures are handed on and witnessed, and the shared regions counted each epoch.
 */
#include "coherence/engine.h"

#include <string.h>

void coherence_engine_init(struct coherence_engine *e, uint64_t budget)
{
        memset(e, 0, sizeof(*e));
        e->budget = budget;
        e->round_next = 1;
}

void coherence_engine_work_taken(struct coherence_engine *e)
{
        e->loaded = false;
}

void coherence_engine_override(struct coherence_engine *e, uint32_t group, bool by_hand)
{
        if (group < COHERENCE_MAX_GROUPS) {
                e->manual[group] = by_hand;
        }
}

/*
 * Go on with group id's cut within *left cells. True when it is finished (next_bp[id] set
 * from an exact cut, or 0 for an empty group); false when the budget ran out first.
 */
static bool group_step(struct coherence_engine *e, const struct coherence_graph *g,
                       struct coherence_mincut *mc, uint32_t id, uint64_t *left)
{
        struct coherence_group_stats st;
        struct coherence_cut cut;
        uint64_t used = 0;

        coherence_group_stats(g, id, &st);
        e->next_score[id] = st.score_bp;
        if (!e->loaded) {
                if (st.nodes == 0 || coherence_mincut_load(mc, g, &st.members) != COHERENCE_OK) {
                        e->next_bp[id] = 0;
                        e->next_external[id] = st.external;
                        return true;
                }
                e->loaded = true;
                e->loaded_external = st.external;
        }
        enum coherence_err err = coherence_mincut_run(mc, *left, &used);
        *left -= used <= *left ? used : *left;
        if (err == COHERENCE_E_PARTIAL) {
                return false;
        }
        e->loaded = false;
        e->next_bp[id] =
            err == COHERENCE_OK && coherence_mincut_result(mc, &cut) == COHERENCE_OK
                ? coherence_pressure_bp(e->loaded_external, cut.value, g->params.pressure_floor)
                : 0;
        e->next_external[id] = e->loaded_external;
        return true;
}

void coherence_engine_round(struct coherence_engine *e, const struct coherence_graph *g,
                            struct coherence_mincut *mc, uint32_t group_count)
{
        const uint32_t count =
            group_count < COHERENCE_MAX_GROUPS ? group_count : COHERENCE_MAX_GROUPS - 1;
        uint64_t left = e->budget;
        uint32_t finished = 0;

        if (e->round_next == 0 || e->round_next > count) {
                e->round_next = 1;
        }
        /* One round: every group once, from where the last epoch stopped. */
        while (finished < count && group_step(e, g, mc, e->round_next, &left)) {
                finished++;
                e->round_next = e->round_next % count + 1;
        }
        e->used_last = e->budget - left;
        e->over_budget = finished < count;
        e->over_epochs += e->over_budget;
}

enum coherence_degrade coherence_engine_degrade(struct coherence_engine *e, bool sched_degraded)
{
        if (e->over_budget && !sched_degraded) {
                e->degraded_by_us = true;
                return COHERENCE_DEGRADE_ENTER;
        }
        if (!e->over_budget && e->degraded_by_us) {
                e->degraded_by_us = false;
                return sched_degraded ? COHERENCE_DEGRADE_LEAVE : COHERENCE_DEGRADE_KEEP;
        }
        return COHERENCE_DEGRADE_KEEP;
}

bool coherence_engine_pressure(struct coherence_engine *e, uint32_t group, uint32_t *bp,
                               bool *witness, struct coherence_record *rec)
{
        if (group >= COHERENCE_MAX_GROUPS) {
                return false;
        }
        const uint32_t now = e->next_bp[group], old = e->last_bp[group];
        e->last_bp[group] = now;
        if (e->manual[group]) {
                return false;
        }
        *bp = now;
        *witness = now > old + COHERENCE_WITNESS_BP || old > now + COHERENCE_WITNESS_BP;
        *rec = (struct coherence_record){
            .target = group,
            .cap = e->next_external[group],
            .payload = (uint64_t)now | (uint64_t)old << 16 | (uint64_t)e->next_score[group] << 32,
        };
        return true;
}

void coherence_shares_epoch(struct coherence_graph *g, struct coherence_shares *s, uint32_t slot,
                            const struct coherence_share *share)
{
        struct coherence_share now = {0};

        if (slot >= COHERENCE_MAX_SHARES) {
                return;
        }
        if (share != NULL &&
            coherence_shared(g, share->owner, share->peer, share->pages) == COHERENCE_OK) {
                now = *share;
        }
        if (now.id != s->now[slot].id) {
                s->ended[slot] = s->now[slot]; /* id 0: nothing ended */
                s->began[slot] = now;
        }
        s->now[slot] = now;
}
