/*
 * coherence/placer.c: placement acted on, over plain data (engine.h): each group's CPU need
 * from what the scheduler measured, when the engine's proposal is to be acted on, which homes
 * a mode gives, and the witness records of each. The proposal itself and its verdict are
 * coherence/decide.c's (coherence_place_need, coherence_place_decide).
 */
#include "coherence/engine.h"

#include <string.h>

static const char *const mode_name[COHERENCE_PLACE_MODES] = {"engine", "naive", "off"};

const char *coherence_place_mode_name(enum coherence_place_mode m)
{
        return (unsigned)m < COHERENCE_PLACE_MODES ? mode_name[m] : "?";
}

int coherence_place_mode_parse(const char *word)
{
        for (int m = 0; m < (int)COHERENCE_PLACE_MODES; m++) {
                if (strcmp(word, mode_name[m]) == 0) {
                        return m;
                }
        }
        return -1;
}

void coherence_placer_init(struct coherence_placer *pl)
{
        memset(pl, 0, sizeof(*pl));
        pl->mode = COHERENCE_PLACE_ENGINE;
        for (uint32_t id = 0; id < COHERENCE_MAX_GROUPS; id++) {
                pl->home[id] = -1;
        }
}

void coherence_placer_need(struct coherence_placer *pl, uint32_t group, uint64_t run_ns,
                           uint64_t wait_ns, uint64_t len_ns, uint64_t yields)
{
        if (group >= COHERENCE_MAX_GROUPS) {
                return;
        }
        const uint64_t d = yields - pl->yields_seen[group];
        pl->yields_seen[group] = yields;
        pl->yields[group] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
        if (pl->yields[group] >= COHERENCE_ELASTIC_YIELDS) {
                run_ns = 0;
        }
        const uint64_t bp = len_ns != 0 ? (run_ns + wait_ns) * COHERENCE_BP_MAX / len_ns : 0;
        pl->need[group] = bp > 0xFFFF ? 0xFFFF : (uint32_t)bp;
}

bool coherence_placer_elastic(const struct coherence_placer *pl, uint32_t group)
{
        return group < COHERENCE_MAX_GROUPS && pl->yields[group] >= COHERENCE_ELASTIC_YIELDS;
}

bool coherence_placer_propose(struct coherence_placer *pl, const struct coherence_graph *g,
                              uint32_t cpu_count, bool over_budget)
{
        return pl->mode == COHERENCE_PLACE_ENGINE && !over_budget && cpu_count >= 2 &&
               coherence_place_need(g, cpu_count, 0, pl->need, COHERENCE_MAX_GROUPS,
                                    &pl->placement) == COHERENCE_OK;
}

bool coherence_placer_decide(struct coherence_placer *pl, const struct coherence_graph *g)
{
        const uint64_t since = pl->epoch == 0 ? g->epochs : g->epochs - pl->epoch;

        if (coherence_place_decide(g, &pl->placement, pl->now, since, &pl->last) != COHERENCE_OK) {
                return false;
        }
        pl->decided = true;
        return pl->last.reason == COHERENCE_R_PROPOSED;
}

bool coherence_placer_moving(const struct coherence_placer *pl, uint32_t i)
{
        if (i >= pl->placement.group_count) {
                return false;
        }
        const uint32_t id = pl->placement.group[i];
        return id < COHERENCE_MAX_GROUPS && pl->home[id] != (int16_t)pl->placement.cpu[i];
}

void coherence_placer_acted(struct coherence_placer *pl, const struct coherence_graph *g)
{
        pl->epoch = g->epochs;
}

void coherence_placer_set_mode(struct coherence_placer *pl, enum coherence_place_mode m)
{
        pl->mode = m;
        pl->epoch = 0; /* the engine may act at its next epoch */
}

bool coherence_placer_mode_home(const struct coherence_placer *pl, uint32_t group,
                                uint32_t cpu_count, int *cpu)
{
        if (group == 0 || group >= COHERENCE_MAX_GROUPS || cpu_count == 0) {
                return false;
        }
        const int c = pl->mode == COHERENCE_PLACE_NAIVE ? (int)((group - 1) % cpu_count) : -1;
        if (pl->mode == COHERENCE_PLACE_ENGINE ||
            (pl->home[group] == c && pl->mode != COHERENCE_PLACE_NAIVE)) {
                return false; /* the engine keeps the homes it finds until it moves them */
        }
        *cpu = c;
        return true;
}

static uint64_t sat32(uint64_t v)
{
        return v > UINT32_MAX ? UINT32_MAX : v;
}

static uint64_t since7(uint64_t epochs)
{
        return epochs > 127 ? 127 : epochs;
}

void coherence_record_placement(const struct coherence_placer *pl, struct coherence_record *rec)
{
        const struct coherence_place_verdict *v = &pl->last;

        *rec = (struct coherence_record){
            .target = 0,
            .cap = (uint64_t)v->current_need_bp << 32 | v->proposed_need_bp,
            .payload = (uint64_t)(v->cap_bp & 0xFFFF) | (uint64_t)v->for_need << 16 |
                       (uint64_t)(v->moves > 255 ? 255 : v->moves) << 24 |
                       (uint64_t)(v->gain_bp & 0xFFFF) << 32 | (uint64_t)pl->mode << 48 |
                       since7(v->epochs_since) << 56 | UINT64_C(1) << 63,
        };
}

void coherence_record_home(const struct coherence_placer *pl, uint32_t group, int cpu, int old,
                           const struct coherence_place_verdict *v, struct coherence_record *rec)
{
        *rec = (struct coherence_record){
            .target = group,
            .cap = sat32(v->current_remote) << 32 | sat32(v->proposed_remote),
            .payload = (uint64_t)(uint8_t)cpu | (uint64_t)(uint8_t)old << 8 |
                       (uint64_t)(v->gain_bp & 0xFFFF) << 16 |
                       (uint64_t)(v->threshold_bp & 0xFFFF) << 32 | (uint64_t)pl->mode << 48 |
                       since7(v->epochs_since) << 56 | UINT64_C(1) << 63,
        };
}
