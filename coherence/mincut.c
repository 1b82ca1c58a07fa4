/*
 * Stoer-Wagner global minimum cut over a dense matrix, resumable under a work budget.
 * The interface and the choices behind this code are described in coherence/mincut.h.
 */
#include "coherence/mincut.h"

#include <string.h>

/* Key of a vertex already ordered in this phase: adding up to 2^61 of weights keeps it < 0. */
#define ORDERED INT64_MIN

static void set_add(struct coherence_set *s, uint32_t i)
{
        s->bits[i / 64u] |= UINT64_C(1) << (i % 64u);
}

static uint32_t set_count(const struct coherence_set *s)
{
        uint32_t c = 0;

        for (uint32_t i = 0; i < COHERENCE_SET_WORDS; i++) {
                c += (uint32_t)__builtin_popcountll(s->bits[i]);
        }
        return c;
}

enum coherence_err coherence_mincut_init(struct coherence_mincut *mc, uint32_t n)
{
        if (mc == NULL || n == 0 || n > COHERENCE_MAX_NODES) {
                return COHERENCE_E_INVAL;
        }
        mc->n = n;
        mc->total = 0;
        mc->started = false;
        mc->done = false;
        mc->active = n;
        mc->added = 0;
        mc->last = 0;
        mc->phases = 0;
        mc->used = 0;
        mc->best = UINT64_MAX;
        memset(&mc->best_side, 0, sizeof(mc->best_side));
        for (uint32_t i = 0; i < n; i++) {
                mc->node[i] = (uint16_t)i;
                memset(&mc->member[i], 0, sizeof(mc->member[i]));
                set_add(&mc->member[i], i);
        }
        memset(mc->w, 0, (size_t)n * n * sizeof(mc->w[0]));
        return COHERENCE_OK;
}

enum coherence_err coherence_mincut_add(struct coherence_mincut *mc, uint32_t u, uint32_t v,
                                        uint64_t weight)
{
        if (mc == NULL || u >= mc->n || v >= mc->n) {
                return COHERENCE_E_INVAL;
        }
        if (mc->started) {
                return COHERENCE_E_STATE;
        }
        if (u == v || weight == 0) {
                return COHERENCE_OK;
        }
        if (weight > COHERENCE_MINCUT_TOTAL_MAX - mc->total) {
                return COHERENCE_E_OVERFLOW;
        }
        mc->total += weight;
        mc->w[u * mc->n + v] += (int64_t)weight;
        mc->w[v * mc->n + u] += (int64_t)weight;
        return COHERENCE_OK;
}

uint64_t coherence_mincut_next_cost(const struct coherence_mincut *mc)
{
        if (mc->done) {
                return 0;
        }
        if (mc->active <= 1) {
                return 0; /* n == 1: finishing costs nothing */
        }
        /* The key update reads k cells; the phase's last step also merges (k more). */
        uint64_t k = mc->active;
        return mc->added + 1 == k ? 2 * k : k;
}

bool coherence_mincut_done(const struct coherence_mincut *mc)
{
        return mc->done;
}

/* Folds position t into position s, then moves the last position into t's place. */
static void merge(struct coherence_mincut *mc, uint32_t s, uint32_t t)
{
        const uint32_t n = mc->n;
        const uint32_t k = mc->active;
        int64_t *w = mc->w;
        int64_t *row_s = w + (size_t)s * n;
        const int64_t *row_t = w + (size_t)t * n;

        for (uint32_t j = 0; j < k; j++) {
                row_s[j] += row_t[j];
                w[(size_t)j * n + s] = row_s[j];
        }
        row_s[s] = 0;
        w[(size_t)s * n + t] = 0; /* t's column is about to be overwritten or dropped */
        for (uint32_t i = 0; i < COHERENCE_SET_WORDS; i++) {
                mc->member[s].bits[i] |= mc->member[t].bits[i];
        }
        const uint32_t last = k - 1;
        if (t != last) {
                int64_t *row_to = w + (size_t)t * n;
                const int64_t *row_from = w + (size_t)last * n;

                for (uint32_t j = 0; j < last; j++) {
                        row_to[j] = row_from[j];
                        w[(size_t)j * n + t] = row_from[j];
                }
                row_to[t] = 0;
                mc->member[t] = mc->member[last];
        }
        mc->active = last;
}

/* Starts a phase: position 0 is ordered first, every other key is its weight to 0. */
static void phase_start(struct coherence_mincut *mc)
{
        const uint32_t k = mc->active;
        const int64_t *row0 = mc->w;

        for (uint32_t j = 0; j < k; j++) {
                mc->key[j] = row0[j];
        }
        mc->key[0] = ORDERED;
        mc->last = 0;
        mc->added = 1;
}

/*
 * One ordering step: picks the most tightly connected vertex not yet ordered (keys already
 * hold its adjacency to the ordered set), orders it, and adds its row to every key.
 * If it is the last vertex of the phase, takes the cut of the phase and merges.
 */
static void step(struct coherence_mincut *mc)
{
        const uint32_t n = mc->n;
        const uint32_t k = mc->active;
        int64_t *key = mc->key;
        int64_t best = key[0];
        uint32_t t = 0;

        for (uint32_t j = 1; j < k; j++) {
                if (key[j] > best) {
                        best = key[j];
                        t = j;
                }
        }
        mc->added++;
        if (mc->added == k) {
                /* t is last: key[t] is the weight from t to all the other super-vertices. */
                if ((uint64_t)best < mc->best) {
                        mc->best = (uint64_t)best;
                        mc->best_side = mc->member[t];
                }
                merge(mc, mc->last, t);
                mc->phases++;
                mc->added = 0;
                return;
        }
        const int64_t *row = mc->w + (size_t)t * n;
        key[t] = ORDERED;
        for (uint32_t j = 0; j < k; j++) {
                key[j] += row[j];
        }
        mc->last = t;
}

enum coherence_err coherence_mincut_run(struct coherence_mincut *mc, uint64_t budget,
                                        uint64_t *used)
{
        uint64_t spent = 0;

        if (mc == NULL || mc->n == 0) {
                return COHERENCE_E_INVAL;
        }
        mc->started = true;
        while (!mc->done) {
                if (mc->active <= 1) {
                        if (mc->n == 1) {
                                mc->best = 0;
                        }
                        mc->done = true;
                        break;
                }
                const uint64_t cost = coherence_mincut_next_cost(mc);
                if (cost > budget - spent) {
                        break;
                }
                spent += cost;
                if (mc->added == 0) {
                        phase_start(mc);
                }
                step(mc);
        }
        mc->used += spent;
        if (used != NULL) {
                *used = spent;
        }
        return mc->done ? COHERENCE_OK : COHERENCE_E_PARTIAL;
}

enum coherence_err coherence_mincut_result(const struct coherence_mincut *mc,
                                           struct coherence_cut *out)
{
        if (mc == NULL || out == NULL) {
                return COHERENCE_E_INVAL;
        }
        if (!mc->done) {
                return COHERENCE_E_PARTIAL;
        }
        out->n = mc->n;
        out->value = mc->best;
        out->side = mc->best_side;
        out->side_count = set_count(&mc->best_side);
        return COHERENCE_OK;
}

enum coherence_err coherence_mincut_solve(struct coherence_mincut *mc, struct coherence_cut *out)
{
        enum coherence_err err = coherence_mincut_run(mc, COHERENCE_BUDGET_UNLIMITED, NULL);

        return err != COHERENCE_OK ? err : coherence_mincut_result(mc, out);
}
