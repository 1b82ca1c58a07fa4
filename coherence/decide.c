/*
 * Decisions drawn from the communication graph: placement of groups on CPUs, split of a
 * group along its exact min-cut, merge of two groups (DC-11). Pure functions: each fills a
 * struct with the verdict and the values and thresholds behind it, for the kernel to act on
 * and witness. Definitions are in coherence/coherence.h.
 */
#include <string.h>

#include "coherence/coherence.h"

const char *coherence_reason_name(enum coherence_reason r)
{
        switch (r) {
        case COHERENCE_R_PROPOSED:
                return "proposed";
        case COHERENCE_R_NO_GROUP:
                return "no-group";
        case COHERENCE_R_NOT_AGENTS:
                return "not-agents";
        case COHERENCE_R_TOO_FEW:
                return "too-few-agents";
        case COHERENCE_R_CUT_PARTIAL:
                return "cut-not-exact-yet";
        case COHERENCE_R_CUT_MISMATCH:
                return "cut-of-other-graph";
        case COHERENCE_R_LOW_PRESSURE:
                return "low-pressure";
        case COHERENCE_R_QUIET:
                return "quiet";
        case COHERENCE_R_SAME_GROUP:
                return "same-group";
        case COHERENCE_R_LOW_SHARE:
                return "low-share";
        case COHERENCE_R_LOW_SCORE:
                return "low-score";
        case COHERENCE_R_IN_PLACE:
                return "in-place";
        case COHERENCE_R_LOW_GAIN:
                return "low-gain";
        case COHERENCE_R_TOO_SOON:
                return "too-soon";
        case COHERENCE_R_OVERLOAD:
                return "would-overload";
        case COHERENCE_R_NOT_ADJACENT:
                return "not-adjacent";
        case COHERENCE_R_NO_RESOURCES:
                return "no-resources";
        }
        return "?";
}

static void set_add(struct coherence_set *s, uint32_t i)
{
        s->bits[i / 64u] |= UINT64_C(1) << (i % 64u);
}

/* 10000 * x / total, total >= x; 0 when total is 0. */
static uint32_t share_bp(uint64_t x, uint64_t total)
{
        while (total > (UINT64_C(1) << 49)) {
                x >>= 1;
                total >>= 1;
        }
        return total == 0 ? 0 : (uint32_t)(x * COHERENCE_BP_MAX / total);
}

/* ---- placement --------------------------------------------------------------------------- */

static int group_index(const struct coherence_placement *p, uint32_t group)
{
        uint32_t lo = 0, hi = p->group_count;

        while (lo < hi) {
                const uint32_t mid = (lo + hi) / 2;
                if (p->group[mid] < group) {
                        lo = mid + 1;
                } else {
                        hi = mid;
                }
        }
        return lo < p->group_count && p->group[lo] == group ? (int)lo : -1;
}

int coherence_place_cpu(const struct coherence_placement *p, uint32_t group)
{
        const int i = group_index(p, group);

        return i < 0 ? -1 : p->cpu[i];
}

static bool pair_before(const struct coherence_pair *x, const struct coherence_pair *y)
{
        return x->a != y->a ? x->a < y->a : x->b < y->b;
}

static bool heavier(const struct coherence_pair *x, const struct coherence_pair *y)
{
        return x->weight != y->weight ? x->weight > y->weight : pair_before(x, y);
}

/* Shell sort: no recursion, no allocation, fine for COHERENCE_MAX_EDGES items. */
static void sort_pairs(struct coherence_pair *v, uint32_t n,
                       bool (*before)(const struct coherence_pair *, const struct coherence_pair *))
{
        static const uint32_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};

        for (uint32_t g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
                const uint32_t gap = gaps[g];
                for (uint32_t i = gap; i < n; i++) {
                        const struct coherence_pair t = v[i];
                        uint32_t j = i;
                        while (j >= gap && before(&t, &v[j - gap])) {
                                v[j] = v[j - gap];
                                j -= gap;
                        }
                        v[j] = t;
                }
        }
}

static uint16_t find(uint16_t *parent, uint16_t i)
{
        while (parent[i] != i) {
                parent[i] = parent[parent[i]];
                i = parent[i];
        }
        return i;
}

/* The distinct groups, increasing, and the weight between each pair of them. */
static void collect_groups(const struct coherence_graph *g, struct coherence_placement *p)
{
        p->group_count = 0;
        for (uint32_t i = 0; i < COHERENCE_MAX_NODES; i++) {
                if (!g->node[i].used) {
                        continue;
                }
                const uint32_t grp = g->node[i].group;
                uint32_t j = p->group_count;
                while (j > 0 && p->group[j - 1] > grp) {
                        j--;
                }
                if (j > 0 && p->group[j - 1] == grp) {
                        continue;
                }
                memmove(&p->group[j + 1], &p->group[j], (p->group_count - j) * sizeof(p->group[0]));
                p->group[j] = grp;
                p->group_count++;
        }
        p->pair_count = 0;
        for (uint32_t k = 0; k < COHERENCE_MAX_EDGES; k++) {
                const struct coherence_edge *e = &g->edge[k];
                if (!e->used || e->weight == 0) {
                        continue;
                }
                const int a = group_index(p, g->node[e->a].group);
                const int b = group_index(p, g->node[e->b].group);
                if (a == b) {
                        continue;
                }
                p->pair[p->pair_count++] = (struct coherence_pair){.a = (uint16_t)(a < b ? a : b),
                                                                   .b = (uint16_t)(a < b ? b : a),
                                                                   .weight = e->weight};
        }
        /* Repeated group pairs add up. */
        sort_pairs(p->pair, p->pair_count, pair_before);
        uint32_t out = 0;
        for (uint32_t i = 0; i < p->pair_count; i++) {
                if (out > 0 && p->pair[out - 1].a == p->pair[i].a &&
                    p->pair[out - 1].b == p->pair[i].b) {
                        p->pair[out - 1].weight += p->pair[i].weight;
                } else {
                        p->pair[out++] = p->pair[i];
                }
        }
        p->pair_count = out;
}

/* The CPU with the fewest groups, then the least need (lowest number on a tie); with
 * `whole`, only CPUs with room for `size` more groups, and the least need first. -1: none. */
static int pick_cpu(const struct coherence_placement *p, const uint32_t *load, uint32_t size,
                    bool whole)
{
        int best = -1;

        for (uint32_t c = 0; c < p->cpu_count; c++) {
                if (whole && load[c] + size > p->capacity) {
                        continue;
                }
                if (best < 0) {
                        best = (int)c;
                        continue;
                }
                const uint32_t b = (uint32_t)best;
                const bool fewer =
                    load[c] < load[b] || (load[c] == load[b] && p->cpu_need[c] < p->cpu_need[b]);
                const bool lighter = p->cpu_need[c] < p->cpu_need[b] ||
                                     (p->cpu_need[c] == p->cpu_need[b] && load[c] < load[b]);
                if (whole ? lighter : fewer) {
                        best = (int)c;
                }
        }
        return best;
}

static uint32_t sat_need(uint64_t v)
{
        return v > 0xFFFFFFu ? 0xFFFFFFu : (uint32_t)v;
}

enum coherence_err coherence_place_need(const struct coherence_graph *g, uint32_t cpu_count,
                                        uint32_t capacity, const uint32_t *need_bp,
                                        uint32_t need_len, struct coherence_placement *out)
{
        uint32_t load[COHERENCE_MAX_CPUS] = {0};

        if (g == NULL || out == NULL || cpu_count == 0 || cpu_count > COHERENCE_MAX_CPUS) {
                return COHERENCE_E_INVAL;
        }
        out->cpu_count = cpu_count;
        collect_groups(g, out);
        const uint32_t n = out->group_count;
        const uint32_t balanced = (n + cpu_count - 1) / cpu_count;
        out->capacity = capacity < balanced ? balanced : capacity;
        out->cpu_cap_bp = COHERENCE_BP_MAX + g->params.place_slack_bp;
        memset(out->cpu_need, 0, sizeof(out->cpu_need));

        /* Join the heaviest-talking groups while the cluster still fits one CPU, in groups and
         * in need. */
        for (uint32_t i = 0; i < n; i++) {
                const uint32_t id = out->group[i];
                out->need[i] = need_bp != NULL && id < need_len
                                   ? (need_bp[id] > 0xFFFFu ? 0xFFFFu : need_bp[id])
                                   : 0;
                out->parent[i] = (uint16_t)i;
                out->size[i] = 1;
                out->cluster_need[i] = out->need[i];
        }
        sort_pairs(out->pair, out->pair_count, heavier);
        for (uint32_t k = 0; k < out->pair_count; k++) {
                const uint16_t ra = find(out->parent, out->pair[k].a);
                const uint16_t rb = find(out->parent, out->pair[k].b);
                if (ra != rb && out->size[ra] + out->size[rb] <= out->capacity &&
                    out->cluster_need[ra] + out->cluster_need[rb] <= out->cpu_cap_bp) {
                        const uint16_t lo = ra < rb ? ra : rb, hi = ra < rb ? rb : ra;
                        out->parent[hi] = lo;
                        out->size[lo] = (uint16_t)(out->size[lo] + out->size[hi]);
                        out->cluster_need[lo] =
                            sat_need((uint64_t)out->cluster_need[lo] + out->cluster_need[hi]);
                }
        }
        for (uint32_t i = 0; i < n; i++) {
                out->cpu[i] = UINT16_MAX;
        }
        /* Neediest cluster first (then largest), onto the CPU with the least need that has
         * room for it whole; else spread over the CPUs with the fewest groups. */
        for (;;) {
                int root = -1;
                for (uint32_t i = 0; i < n; i++) {
                        if (out->parent[i] != i || out->cpu[i] != UINT16_MAX) {
                                continue;
                        }
                        if (root < 0 || out->cluster_need[i] > out->cluster_need[root] ||
                            (out->cluster_need[i] == out->cluster_need[root] &&
                             out->size[i] > out->size[root])) {
                                root = (int)i;
                        }
                }
                if (root < 0) {
                        break;
                }
                const int whole = pick_cpu(out, load, out->size[root], true);
                for (uint32_t i = 0; i < n; i++) {
                        if (find(out->parent, (uint16_t)i) == root) {
                                const int cpu = whole >= 0 ? whole : pick_cpu(out, load, 1, false);
                                out->cpu[i] = (uint16_t)cpu;
                                load[cpu]++;
                                out->cpu_need[cpu] =
                                    sat_need((uint64_t)out->cpu_need[cpu] + out->need[i]);
                        }
                }
        }
        out->max_need_bp = 0;
        for (uint32_t c = 0; c < cpu_count; c++) {
                out->max_need_bp =
                    out->cpu_need[c] > out->max_need_bp ? out->cpu_need[c] : out->max_need_bp;
        }
        out->total = out->remote = out->naive_remote = 0;
        for (uint32_t k = 0; k < out->pair_count; k++) {
                const struct coherence_pair *pr = &out->pair[k];
                out->total += pr->weight;
                out->remote += out->cpu[pr->a] != out->cpu[pr->b] ? pr->weight : 0;
                out->naive_remote += pr->a % cpu_count != pr->b % cpu_count ? pr->weight : 0;
        }
        out->remote_bp = share_bp(out->remote, out->total);
        out->naive_remote_bp = share_bp(out->naive_remote, out->total);
        return COHERENCE_OK;
}

enum coherence_err coherence_place(const struct coherence_graph *g, uint32_t cpu_count,
                                   uint32_t capacity, struct coherence_placement *out)
{
        return coherence_place_need(g, cpu_count, capacity, NULL, 0, out);
}

enum coherence_err coherence_place_decide(const struct coherence_graph *g,
                                          struct coherence_placement *p, const int16_t *now_cpu,
                                          uint64_t epochs_since,
                                          struct coherence_place_verdict *out)
{
        int16_t map[COHERENCE_MAX_CPUS];
        bool taken[COHERENCE_MAX_CPUS] = {false};
        const uint32_t cpus = p != NULL ? p->cpu_count : 0;

        if (g == NULL || p == NULL || now_cpu == NULL || out == NULL || cpus == 0 ||
            cpus > COHERENCE_MAX_CPUS) {
                return COHERENCE_E_INVAL;
        }
        /* Rename the proposal's CPUs: the pair (proposed c, current d) most groups share first. */
        uint16_t(*votes)[COHERENCE_MAX_CPUS] = p->votes;
        memset(p->votes, 0, sizeof(p->votes));
        for (uint32_t i = 0; i < p->group_count; i++) {
                if (now_cpu[i] >= 0 && (uint32_t)now_cpu[i] < cpus) {
                        votes[p->cpu[i]][now_cpu[i]]++;
                }
        }
        for (uint32_t c = 0; c < cpus; c++) {
                map[c] = -1;
        }
        for (;;) {
                uint32_t best = 0, bc = 0, bd = 0;
                for (uint32_t c = 0; c < cpus; c++) {
                        for (uint32_t d = 0; d < cpus; d++) {
                                if (map[c] < 0 && !taken[d] && votes[c][d] > best) {
                                        best = votes[c][d], bc = c, bd = d;
                                }
                        }
                }
                if (best == 0) {
                        break;
                }
                map[bc] = (int16_t)bd;
                taken[bd] = true;
        }
        for (uint32_t c = 0, d = 0; c < cpus; c++) {
                if (map[c] < 0) {
                        while (taken[d]) {
                                d++;
                        }
                        map[c] = (int16_t)d;
                        taken[d] = true;
                }
        }
        memset(out, 0, sizeof(*out));
        for (uint32_t i = 0; i < p->group_count; i++) {
                p->cpu[i] = (uint16_t)map[p->cpu[i]];
                out->moves += now_cpu[i] != (int16_t)p->cpu[i];
        }
        for (uint32_t k = 0; k < p->pair_count; k++) {
                const struct coherence_pair *pr = &p->pair[k];
                const bool apart = now_cpu[pr->a] < 0 || now_cpu[pr->a] != now_cpu[pr->b];
                out->current_remote += apart ? pr->weight : 0;
        }
        out->total = p->total;
        out->proposed_remote = p->remote; /* the renaming keeps who shares a CPU */
        /* Need: the busiest CPU where the groups are now, and under the proposal (the
         * renaming keeps each CPU's set of groups, so its maximum). */
        uint32_t now_need[COHERENCE_MAX_CPUS] = {0};
        for (uint32_t i = 0; i < p->group_count; i++) {
                if (now_cpu[i] >= 0 && (uint32_t)now_cpu[i] < cpus) {
                        now_need[now_cpu[i]] =
                            sat_need((uint64_t)now_need[now_cpu[i]] + p->need[i]);
                }
        }
        for (uint32_t c = 0; c < cpus; c++) {
                out->current_need_bp =
                    now_need[c] > out->current_need_bp ? now_need[c] : out->current_need_bp;
        }
        out->proposed_need_bp = p->max_need_bp;
        out->cap_bp = p->cpu_cap_bp;
        out->gain_bp = out->current_remote > out->proposed_remote
                           ? share_bp(out->current_remote - out->proposed_remote, out->total)
                           : 0;
        out->threshold_bp = g->params.place_gain_bp;
        out->epochs_since = epochs_since;
        out->hold_epochs = g->params.place_hold_epochs;
        const bool traffic = out->gain_bp >= out->threshold_bp && out->gain_bp > 0;
        /* Parting talkers for need is worth it only when it ends the overload: where no
         * placement fits, need measured while sharing a CPU (time waited runnable) would part
         * a pair, the traffic rule join it again, and so on every hold period. */
        const bool parts = out->proposed_remote > out->current_remote;
        const bool spread = out->current_need_bp > out->cap_bp &&
                            out->proposed_need_bp + out->threshold_bp <= out->current_need_bp &&
                            (!parts || out->proposed_need_bp <= out->cap_bp);
        const bool overload =
            out->proposed_need_bp > out->cap_bp && out->proposed_need_bp > out->current_need_bp;
        if (out->moves == 0) {
                out->reason = COHERENCE_R_IN_PLACE;
        } else if (!traffic && !spread) {
                out->reason = COHERENCE_R_LOW_GAIN;
        } else if (!spread && overload) {
                out->reason = COHERENCE_R_OVERLOAD;
        } else if (epochs_since < out->hold_epochs) {
                out->reason = COHERENCE_R_TOO_SOON;
        } else {
                out->reason = COHERENCE_R_PROPOSED;
        }
        out->for_need = spread && !traffic;
        return COHERENCE_OK;
}

/* ---- split --------------------------------------------------------------------------------- */

/* Weight from the nodes of `side` to nodes outside `group_members`. */
static uint64_t external_of(const struct coherence_graph *g, const struct coherence_set *side,
                            const struct coherence_set *group_members)
{
        uint64_t sum = 0;

        for (uint32_t k = 0; k < COHERENCE_MAX_EDGES; k++) {
                const struct coherence_edge *e = &g->edge[k];
                if (!e->used) {
                        continue;
                }
                if ((coherence_set_has(side, e->a) && !coherence_set_has(group_members, e->b)) ||
                    (coherence_set_has(side, e->b) && !coherence_set_has(group_members, e->a))) {
                        sum += e->weight;
                }
        }
        return sum;
}

void coherence_split_propose(const struct coherence_graph *g, uint32_t group,
                             const struct coherence_mincut *mc, struct coherence_split *out)
{
        struct coherence_group_stats st;
        struct coherence_cut cut;
        struct coherence_set side = {{0}}, rest = {{0}};

        memset(out, 0, sizeof(*out));
        out->group = group;
        out->threshold_bp = g->params.split_pressure_bp;
        out->min_external = g->params.split_min_external;
        coherence_group_stats(g, group, &st);
        out->internal = st.internal;
        if (st.nodes == 0) {
                out->reason = COHERENCE_R_NO_GROUP;
                return;
        }
        if (st.agents != st.nodes) {
                out->reason = COHERENCE_R_NOT_AGENTS;
                return;
        }
        if (st.agents < 2) {
                out->reason = COHERENCE_R_TOO_FEW;
                return;
        }
        if (coherence_mincut_result(mc, &cut) != COHERENCE_OK) {
                out->reason = COHERENCE_R_CUT_PARTIAL;
                return;
        }
        /* The cut must be of exactly this group's members. */
        struct coherence_set loaded = {{0}};
        for (uint32_t i = 0; i < mc->n; i++) {
                set_add(&loaded, mc->node[i]);
        }
        if (mc->n != st.nodes || memcmp(&loaded, &st.members, sizeof(loaded)) != 0) {
                out->reason = COHERENCE_R_CUT_MISMATCH;
                return;
        }
        uint32_t side_count = 0;
        for (uint32_t i = 0; i < mc->n; i++) {
                if (coherence_set_has(&cut.side, i)) {
                        set_add(&side, mc->node[i]);
                        side_count++;
                } else {
                        set_add(&rest, mc->node[i]);
                }
        }
        const uint32_t rest_count = mc->n - side_count;
        const uint64_t ext_side = external_of(g, &side, &st.members);
        const uint64_t ext_rest = external_of(g, &rest, &st.members);
        /* The side pulled harder from outside moves; on a tie the smaller, then `side`. */
        bool side_moves = ext_side > ext_rest || (ext_side == ext_rest && side_count <= rest_count);
        out->cut = cut.value;
        out->moving = side_moves ? side : rest;
        out->moving_count = side_moves ? side_count : rest_count;
        out->moving_external = side_moves ? ext_side : ext_rest;
        out->staying_external = side_moves ? ext_rest : ext_side;
        out->pressure_bp =
            coherence_pressure_bp(out->moving_external, out->cut, g->params.pressure_floor);
        if (out->moving_external < out->min_external) {
                out->reason = COHERENCE_R_QUIET;
        } else if (out->pressure_bp < out->threshold_bp) {
                out->reason = COHERENCE_R_LOW_PRESSURE;
        } else {
                out->reason = COHERENCE_R_PROPOSED;
        }
}

/* ---- merge --------------------------------------------------------------------------------- */

void coherence_merge_propose(const struct coherence_graph *g, uint32_t group_a, uint32_t group_b,
                             const struct coherence_merge_pre *pre, struct coherence_merge *out)
{
        struct coherence_group_stats a, b;

        memset(out, 0, sizeof(*out));
        out->group_a = group_a;
        out->group_b = group_b;
        out->share_threshold_bp = g->params.merge_share_bp;
        out->score_threshold_bp = g->params.merge_score_bp;
        if (pre != NULL) {
                out->pre = *pre;
        }
        if (group_a == group_b) {
                out->reason = COHERENCE_R_SAME_GROUP;
                return;
        }
        coherence_group_stats(g, group_a, &a);
        coherence_group_stats(g, group_b, &b);
        if (a.nodes == 0 || b.nodes == 0) {
                out->reason = COHERENCE_R_NO_GROUP;
                return;
        }
        for (uint32_t k = 0; k < COHERENCE_MAX_EDGES; k++) {
                const struct coherence_edge *e = &g->edge[k];
                if (e->used &&
                    ((coherence_set_has(&a.members, e->a) && coherence_set_has(&b.members, e->b)) ||
                     (coherence_set_has(&b.members, e->a) &&
                      coherence_set_has(&a.members, e->b)))) {
                        out->mutual += e->weight;
                }
        }
        out->external_a = a.external;
        out->external_b = b.external;
        out->share_a_bp = share_bp(out->mutual, a.external);
        out->share_b_bp = share_bp(out->mutual, b.external);
        out->merged_score_bp = coherence_score_bp(a.internal + b.internal + out->mutual,
                                                  a.external + b.external - 2 * out->mutual);
        if (a.agents != a.nodes || b.agents != b.nodes) {
                out->reason = COHERENCE_R_NOT_AGENTS;
        } else if (out->mutual == 0 || out->share_a_bp < out->share_threshold_bp ||
                   out->share_b_bp < out->share_threshold_bp) {
                out->reason = COHERENCE_R_LOW_SHARE;
        } else if (out->merged_score_bp < out->score_threshold_bp) {
                out->reason = COHERENCE_R_LOW_SCORE;
        } else if (!out->pre.adjacent) {
                out->reason = COHERENCE_R_NOT_ADJACENT;
        } else if (!out->pre.resources_ok) {
                out->reason = COHERENCE_R_NO_RESOURCES;
        } else {
                out->reason = COHERENCE_R_PROPOSED;
        }
}
