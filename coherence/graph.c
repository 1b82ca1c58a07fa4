/*
 * The communication graph: nodes, edges, counted traffic, the per-epoch moving average, and
 * the scores read from it (coherence score, cut pressure, group statistics).
 * Definitions are in coherence/coherence.h.
 */
#include <string.h>

#include "coherence/coherence.h"

void coherence_params_default(struct coherence_params *p)
{
        p->ema_shift = 2;
        p->msg_weight = 16;
        p->byte_shift = 6;
        p->page_weight = 64;
        p->pressure_floor = 64;
        p->split_pressure_bp = 7500;
        p->split_min_external = 256;
        p->merge_share_bp = 6000;
        p->merge_score_bp = 8000;
        p->place_gain_bp = 1000;
        p->place_hold_epochs = 3;
        p->place_slack_bp = 1500;
}

enum coherence_err coherence_params_check(const struct coherence_params *p)
{
        if (p == NULL || p->ema_shift > COHERENCE_EMA_SHIFT_MAX || p->byte_shift > 63 ||
            p->split_pressure_bp > COHERENCE_BP_MAX || p->merge_share_bp > COHERENCE_BP_MAX ||
            p->merge_score_bp > COHERENCE_BP_MAX || p->place_gain_bp > COHERENCE_BP_MAX ||
            p->place_slack_bp > COHERENCE_BP_MAX || p->pressure_floor > COHERENCE_WEIGHT_MAX) {
                return COHERENCE_E_INVAL;
        }
        return COHERENCE_OK;
}

enum coherence_err coherence_init(struct coherence_graph *g, const struct coherence_params *p)
{
        struct coherence_params def;

        if (g == NULL) {
                return COHERENCE_E_INVAL;
        }
        if (p == NULL) {
                coherence_params_default(&def);
                p = &def;
        }
        if (coherence_params_check(p) != COHERENCE_OK) {
                return COHERENCE_E_INVAL;
        }
        memset(g, 0, sizeof(*g));
        g->params = *p;
        return COHERENCE_OK;
}

int coherence_node_index(const struct coherence_graph *g, uint32_t id)
{
        for (uint32_t i = 0; i < COHERENCE_MAX_NODES; i++) {
                if (g->node[i].used && g->node[i].id == id) {
                        return (int)i;
                }
        }
        return -1;
}

enum coherence_err coherence_node_add(struct coherence_graph *g, uint32_t id,
                                      enum coherence_kind kind, uint32_t group)
{
        if (kind != COHERENCE_GUEST && kind != COHERENCE_AGENT) {
                return COHERENCE_E_INVAL;
        }
        if (coherence_node_index(g, id) >= 0) {
                return COHERENCE_E_EXISTS;
        }
        for (uint32_t i = 0; i < COHERENCE_MAX_NODES; i++) {
                if (!g->node[i].used) {
                        g->node[i] = (struct coherence_node){
                            .id = id, .group = group, .kind = (uint8_t)kind, .used = true};
                        g->node_count++;
                        return COHERENCE_OK;
                }
        }
        return COHERENCE_E_FULL;
}

bool coherence_node_ensure(struct coherence_graph *g, uint32_t id, enum coherence_kind kind,
                           uint32_t group)
{
        return coherence_node_index(g, id) >= 0 ||
               (group != 0 && coherence_node_add(g, id, kind, group) == COHERENCE_OK);
}

static void edge_drop(struct coherence_graph *g, struct coherence_edge *e)
{
        memset(e, 0, sizeof(*e));
        g->edge_count--;
}

enum coherence_err coherence_node_remove(struct coherence_graph *g, uint32_t id)
{
        const int i = coherence_node_index(g, id);

        if (i < 0) {
                return COHERENCE_E_NOENT;
        }
        for (uint32_t k = 0; k < COHERENCE_MAX_EDGES; k++) {
                struct coherence_edge *e = &g->edge[k];
                if (e->used && (e->a == i || e->b == i)) {
                        edge_drop(g, e);
                }
        }
        memset(&g->node[i], 0, sizeof(g->node[i]));
        g->node_count--;
        return COHERENCE_OK;
}

enum coherence_err coherence_node_set_group(struct coherence_graph *g, uint32_t id, uint32_t group)
{
        const int i = coherence_node_index(g, id);

        if (i < 0) {
                return COHERENCE_E_NOENT;
        }
        g->node[i].group = group;
        return COHERENCE_OK;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
        return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static const struct coherence_edge *edge_find(const struct coherence_graph *g, int a, int b)
{
        if (a > b) {
                const int t = a;
                a = b;
                b = t;
        }
        for (uint32_t k = 0; k < COHERENCE_MAX_EDGES; k++) {
                const struct coherence_edge *e = &g->edge[k];
                if (e->used && e->a == a && e->b == b) {
                        return e;
                }
        }
        return NULL;
}

/* The edge between two ids, created if absent. */
static enum coherence_err edge_get(struct coherence_graph *g, uint32_t id_a, uint32_t id_b,
                                   struct coherence_edge **out)
{
        int a = coherence_node_index(g, id_a);
        int b = coherence_node_index(g, id_b);

        if (a < 0 || b < 0) {
                return COHERENCE_E_NOENT;
        }
        if (a == b) {
                return COHERENCE_E_INVAL;
        }
        struct coherence_edge *e = (struct coherence_edge *)edge_find(g, a, b);
        if (e == NULL) {
                for (uint32_t k = 0; k < COHERENCE_MAX_EDGES && e == NULL; k++) {
                        if (!g->edge[k].used) {
                                e = &g->edge[k];
                        }
                }
                if (e == NULL) {
                        return COHERENCE_E_FULL;
                }
                memset(e, 0, sizeof(*e));
                e->a = (uint16_t)(a < b ? a : b);
                e->b = (uint16_t)(a < b ? b : a);
                e->used = true;
                g->edge_count++;
        }
        *out = e;
        return COHERENCE_OK;
}

enum coherence_err coherence_traffic(struct coherence_graph *g, uint32_t a, uint32_t b,
                                     uint64_t messages, uint64_t bytes)
{
        struct coherence_edge *e;
        enum coherence_err err = edge_get(g, a, b, &e);

        if (err == COHERENCE_OK) {
                e->messages = sat_add(e->messages, messages);
                e->bytes = sat_add(e->bytes, bytes);
        }
        return err;
}

enum coherence_err coherence_shared(struct coherence_graph *g, uint32_t a, uint32_t b,
                                    uint64_t pages)
{
        struct coherence_edge *e;
        enum coherence_err err = edge_get(g, a, b, &e);

        if (err == COHERENCE_OK) {
                e->pages = sat_add(e->pages, pages);
        }
        return err;
}

void coherence_epoch(struct coherence_graph *g)
{
        const struct coherence_params *p = &g->params;
        const uint32_t s = p->ema_shift;

        for (uint32_t k = 0; k < COHERENCE_MAX_EDGES; k++) {
                struct coherence_edge *e = &g->edge[k];
                if (!e->used) {
                        continue;
                }
                uint64_t sample = sat_mul(e->messages, p->msg_weight);
                sample = sat_add(sample, e->bytes >> p->byte_shift);
                sample = sat_add(sample, sat_mul(e->pages, p->page_weight));
                if (sample > COHERENCE_WEIGHT_MAX) {
                        sample = COHERENCE_WEIGHT_MAX;
                }
                /* acc <= WEIGHT_MAX << s before, so acc - acc/2^s + sample stays there. */
                e->acc = e->acc - (e->acc >> s) + sample;
                e->weight = e->acc >> s;
                e->messages = 0;
                e->bytes = 0;
                e->pages = 0;
                if (e->weight == 0 && sample == 0) {
                        edge_drop(g, e);
                }
        }
        g->epochs++;
}

uint64_t coherence_weight(const struct coherence_graph *g, uint32_t a, uint32_t b)
{
        const int ia = coherence_node_index(g, a);
        const int ib = coherence_node_index(g, b);

        if (ia < 0 || ib < 0 || ia == ib) {
                return 0;
        }
        const struct coherence_edge *e = edge_find(g, ia, ib);
        return e != NULL ? e->weight : 0;
}

/* 10000 * x / (x + y), with x + y > 0, both below 2^63; scaled down to keep 10000*x exact. */
static uint32_t ratio_bp(uint64_t x, uint64_t y)
{
        while (x > (UINT64_C(1) << 49) || y > (UINT64_C(1) << 49)) {
                x >>= 1;
                y >>= 1;
        }
        if (x + y == 0) {
                return 0;
        }
        return (uint32_t)(x * COHERENCE_BP_MAX / (x + y));
}

uint32_t coherence_score_bp(uint64_t internal, uint64_t external)
{
        if (internal == 0 && external == 0) {
                return COHERENCE_BP_MAX;
        }
        return ratio_bp(internal, external);
}

uint32_t coherence_pressure_bp(uint64_t external, uint64_t cut, uint64_t floor)
{
        if (external == 0) {
                return 0;
        }
        return ratio_bp(external, sat_add(cut, floor));
}

void coherence_group_stats(const struct coherence_graph *g, uint32_t group,
                           struct coherence_group_stats *out)
{
        memset(out, 0, sizeof(*out));
        out->group = group;
        for (uint32_t i = 0; i < COHERENCE_MAX_NODES; i++) {
                const struct coherence_node *n = &g->node[i];
                if (n->used && n->group == group) {
                        out->members.bits[i / 64u] |= UINT64_C(1) << (i % 64u);
                        out->nodes++;
                        out->agents += n->kind == COHERENCE_AGENT;
                }
        }
        for (uint32_t k = 0; k < COHERENCE_MAX_EDGES; k++) {
                const struct coherence_edge *e = &g->edge[k];
                if (!e->used) {
                        continue;
                }
                const bool in_a = coherence_set_has(&out->members, e->a);
                const bool in_b = coherence_set_has(&out->members, e->b);
                if (in_a && in_b) {
                        out->internal += e->weight;
                } else if (in_a || in_b) {
                        out->external += e->weight;
                }
        }
        out->score_bp = coherence_score_bp(out->internal, out->external);
}

enum coherence_err coherence_mincut_load(struct coherence_mincut *mc,
                                         const struct coherence_graph *g,
                                         const struct coherence_set *nodes)
{
        uint16_t index_of[COHERENCE_MAX_NODES];
        uint32_t n = 0;

        for (uint32_t i = 0; i < COHERENCE_MAX_NODES; i++) {
                index_of[i] = UINT16_MAX;
                if (coherence_set_has(nodes, i) && g->node[i].used) {
                        index_of[i] = (uint16_t)n++;
                }
        }
        enum coherence_err err = coherence_mincut_init(mc, n);
        if (err != COHERENCE_OK) {
                return err;
        }
        for (uint32_t i = 0; i < COHERENCE_MAX_NODES; i++) {
                if (index_of[i] != UINT16_MAX) {
                        mc->node[index_of[i]] = (uint16_t)i;
                }
        }
        for (uint32_t k = 0; k < COHERENCE_MAX_EDGES; k++) {
                const struct coherence_edge *e = &g->edge[k];
                if (e->used && index_of[e->a] != UINT16_MAX && index_of[e->b] != UINT16_MAX) {
                        /* Cannot overflow: a full graph's weights fit (static assert). */
                        err = coherence_mincut_add(mc, index_of[e->a], index_of[e->b], e->weight);
                        if (err != COHERENCE_OK) {
                                return err;
                        }
                }
        }
        return COHERENCE_OK;
}

enum coherence_err coherence_group_pressure(const struct coherence_graph *g, uint32_t group,
                                            struct coherence_mincut *mc, uint32_t *pressure_bp)
{
        struct coherence_group_stats st;
        struct coherence_cut cut;

        coherence_group_stats(g, group, &st);
        if (st.nodes == 0) {
                return COHERENCE_E_NOENT;
        }
        enum coherence_err err = coherence_mincut_load(mc, g, &st.members);
        if (err == COHERENCE_OK) {
                err = coherence_mincut_solve(mc, &cut);
        }
        if (err == COHERENCE_OK) {
                *pressure_bp =
                    coherence_pressure_bp(st.external, cut.value, g->params.pressure_floor);
        }
        return err;
}
