/*
 * Stoer-Wagner global minimum cut over a dense matrix, resumable under a work budget.
 * The interface and the choices behind this code are described in coherence/mincut.h.
 */
#include "coherence/mincut.h"

#include <string.h>

static void set_add(struct coherence_set *s, uint32_t i)
{
        s->bits[i / 64u] |= UINT64_C(1) << (i % 64u);
}

static uint32_t set_count(const struct coherence_set *s)
{
        uint32_t c = 0;

        for (uint32_t i = 0; i < COHERENCE_SET_WORDS; i++) {
                for (uint64_t b = s->bits[i]; b != 0; b &= b - 1) {
                        c++;
                }
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
        mc->contracting = false;
        mc->active = n;
        mc->added = 0;
        mc->last = 0;
        mc->next = 0;
        mc->leader = 0;
        mc->phases = 0;
        mc->used = 0;
        mc->best = UINT64_MAX;
        memset(&mc->best_side, 0, sizeof(mc->best_side));
        for (uint32_t i = 0; i < n; i++) {
                mc->node[i] = (uint16_t)i;
                mc->degree[i] = 0;
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
        mc->degree[u] += weight;
        mc->degree[v] += weight;
        mc->w[u * mc->n + v] += (int64_t)weight;
        mc->w[v * mc->n + u] += (int64_t)weight;
        return COHERENCE_OK;
}

uint64_t coherence_mincut_next_cost(const struct coherence_mincut *mc)
{
        /* An ordering step reads one row of keys, a merge one row and one column: k each. */
        return mc->done || mc->active <= 1 ? 0 : mc->active;
}

bool coherence_mincut_done(const struct coherence_mincut *mc)
{
        return mc->done;
}

/*
 * Folds position t into position s, then moves the last position into t's place (and keeps
 * the order index <-> position maps of the phase being contracted in step).
 */
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
                const uint32_t moved = mc->at[last];
                mc->at[t] = (uint16_t)moved;
                mc->order[moved] = (uint16_t)t;
        }
        mc->active = last;
}

/* A new best cut: `value` with the original nodes of position `pos` on one side. */
static void found(struct coherence_mincut *mc, uint64_t value, uint32_t pos)
{
        if (value < mc->best) {
                mc->best = value;
                mc->best_side = mc->member[pos];
        }
}

/*
 * One ordering step: adds the last ordered vertex's row to the key of every candidate (the
 * vertices not ordered yet, kept packed in cand[0..r) with their keys) and orders the one with
 * the largest key, which leaves the packed list by a swap with the last. Four lanes keep the
 * compare chains short and let the compiler use conditional moves instead of branches.
 */
static void order_step(struct coherence_mincut *mc)
{
        const uint32_t r = mc->active - mc->added; /* candidates left, >= 1 */
        int64_t *key = mc->key;
        uint16_t *pos = mc->cand;
        const int64_t *row = mc->w + (size_t)mc->last * mc->n;
        int64_t b0 = -1, b1 = -1, b2 = -1, b3 = -1;
        uint32_t i0 = 0, i1 = 0, i2 = 0, i3 = 0;
        uint32_t j = 0;

        for (; j + 4 <= r; j += 4) {
                const int64_t v0 = key[j] + row[pos[j]];
                const int64_t v1 = key[j + 1] + row[pos[j + 1]];
                const int64_t v2 = key[j + 2] + row[pos[j + 2]];
                const int64_t v3 = key[j + 3] + row[pos[j + 3]];
                key[j] = v0;
                key[j + 1] = v1;
                key[j + 2] = v2;
                key[j + 3] = v3;
                i0 = v0 > b0 ? j : i0;
                b0 = v0 > b0 ? v0 : b0;
                i1 = v1 > b1 ? j + 1 : i1;
                b1 = v1 > b1 ? v1 : b1;
                i2 = v2 > b2 ? j + 2 : i2;
                b2 = v2 > b2 ? v2 : b2;
                i3 = v3 > b3 ? j + 3 : i3;
                b3 = v3 > b3 ? v3 : b3;
        }
        for (; j < r; j++) {
                const int64_t v = key[j] + row[pos[j]];
                key[j] = v;
                i0 = v > b0 ? j : i0;
                b0 = v > b0 ? v : b0;
        }
        if (b1 > b0) {
                b0 = b1;
                i0 = i1;
        }
        if (b3 > b2) {
                b2 = b3;
                i2 = i3;
        }
        if (b2 > b0) {
                b0 = b2;
                i0 = i2;
        }
        const uint32_t t = pos[i0];
        key[i0] = key[r - 1];
        pos[i0] = pos[r - 1];
        mc->rank[mc->added] = b0;
        mc->order[mc->added] = (uint16_t)t;
        mc->at[t] = (uint16_t)mc->added;
        mc->added++;
        mc->last = t;
        if (r == 1) {
                found(mc, (uint64_t)b0, t);
                mc->contracting = true;
                mc->next = 1;
                mc->leader = 0;
        }
}

/*
 * Contraction, one pair of the order at a time: the pair (v(i-1), vi) qualifies when the
 * rank r(vi) is at least the best cut; vi is then merged into its chain's first vertex.
 */
static bool pair_qualifies_at(const struct coherence_mincut *mc, uint32_t i)
{
        return mc->rank[i] >= (int64_t)mc->best;
}

static void contract_pair(struct coherence_mincut *mc)
{
        const uint32_t i = mc->next++;

        if (pair_qualifies_at(mc, i)) {
                merge(mc, mc->order[mc->leader], mc->order[i]);
        } else {
                mc->leader = i;
        }
        if (mc->next >= mc->added) {
                mc->contracting = false;
                mc->added = 0;
                mc->phases++;
        }
}

/* Starts a phase: position 0 is ordered first; the others are candidates with key 0. */
static void phase_start(struct coherence_mincut *mc)
{
        const uint32_t k = mc->active;

        for (uint32_t i = 0; i + 1 < k; i++) {
                mc->key[i] = 0;
                mc->cand[i] = (uint16_t)(i + 1);
        }
        mc->rank[0] = 0;
        mc->order[0] = 0;
        mc->at[0] = 0;
        mc->last = 0;
        mc->added = 1;
}

/* First call: the smallest weighted degree is a cut (one node against the rest). */
static void run_start(struct coherence_mincut *mc)
{
        mc->started = true;
        if (mc->n == 1) {
                mc->best = 0;
                mc->done = true;
                return;
        }
        for (uint32_t i = 0; i < mc->n; i++) {
                found(mc, mc->degree[i], i);
        }
}

enum coherence_err coherence_mincut_run(struct coherence_mincut *mc, uint64_t budget,
                                        uint64_t *used)
{
        uint64_t spent = 0;

        if (mc == NULL || mc->n == 0) {
                return COHERENCE_E_INVAL;
        }
        if (!mc->started) {
                run_start(mc);
        }
        while (!mc->done) {
                /* Nothing beats 0, and one super-vertex left means every phase is done. */
                if (mc->best == 0 || mc->active <= 1) {
                        mc->done = true;
                        break;
                }
                const uint64_t cost = mc->active;
                if (mc->contracting) {
                        /* A pair that does not qualify costs nothing. */
                        const bool merges = pair_qualifies_at(mc, mc->next);
                        if (merges && cost > budget - spent) {
                                break;
                        }
                        spent += merges ? cost : 0;
                        contract_pair(mc);
                        continue;
                }
                if (cost > budget - spent) {
                        break;
                }
                spent += cost;
                if (mc->added == 0) {
                        phase_start(mc);
                }
                order_step(mc);
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
