/*
 * partition/reshape.c: the mechanism of a live split or merge of WASM partitions (see
 * reshape.h). A split moves into a WASM partition of its own (new, or one an earlier split
 * made and a merge retired) the agents the engine names; a merge moves every agent of one
 * WASM partition into the other and retires the empty one. Agents move one at a time through
 * the kernel (struct reshape_env: wasm's agent_move, at most 100 ms each, DC-7); if one cannot
 * move, those already moved go back and a partition the split took is retired again: the
 * whole split or merge is undone, and the result says so.
 *
 * Compiled where the kernel has agents and the engine (host builds always): the Seed has
 * neither (DC-1).
 */
#if !defined(RVM_KERNEL) || (defined(RVM_HAVE_COHERENCE) && defined(RVM_HAVE_WASM))
#include "partition/reshape.h"

#include <string.h>

#include "kernel/fmt.h"
#include "memory/palloc.h"
#include "partition/edge.h"

static const struct part_config split_config = {.name = "split", .kind = PART_KIND_WASM};

static bool made_here[PART_MAX + 1]; /* created by a split: may be taken back when empty */

void reshape_init(void)
{
        memset(made_here, 0, sizeof(made_here));
}

const char *reshape_reason_name(uint32_t reason)
{
        switch (reason) {
        case RESHAPE_R_NOT_WASM:
                return "not-a-running-wasm-partition";
        case RESHAPE_R_NO_SLOT:
                return "no-partition-slot";
        case RESHAPE_R_MOVE_FAILED:
                return "move-failed-undone";
        case RESHAPE_R_NOT_MOVABLE:
                return "agent-not-movable";
        }
        return NULL;
}

bool reshape_wasm_running(uint32_t id)
{
        const struct partition *p = part_get(id);

        return p != NULL && p->cfg->kind == PART_KIND_WASM && p->state == PART_RUNNING;
}

/* The live agents of partition `part`, read under the lock in one go. */
static void crew_of(const struct reshape_env *env, uint32_t part, struct reshape_crew *c)
{
        struct reshape_agent a;

        memset(c, 0, sizeof(*c));
        c->movable = true;
        env->lock(env->ctx);
        for (uint32_t id = 1; env->agent(env->ctx, id, &a); id++) {
                if (a.partition != part || !a.live) {
                        continue;
                }
                if (c->count == RESHAPE_MAX_AGENTS) {
                        c->movable = false; /* more than it can name: none of them moves */
                        continue;
                }
                c->id[c->count++] = id;
                c->movable &= a.movable;
                c->arena_max = a.arena_bytes > c->arena_max ? a.arena_bytes : c->arena_max;
        }
        env->unlock(env->ctx);
}

/* Move agents ids[0..n) to `to`; if one cannot move, those moved go back to `from`. */
static bool move_all(const struct reshape_env *env, const uint32_t *ids, uint32_t n, uint32_t from,
                     uint32_t to, uint32_t *why)
{
        for (uint32_t i = 0; i < n; i++) {
                if (!env->move(env->ctx, ids[i], to, why)) {
                        while (i-- > 0) {
                                (void)env->move(env->ctx, ids[i], from, NULL);
                        }
                        return false;
                }
        }
        return true;
}

/* A WASM partition for a split: one an earlier merge retired, else a new one; running. */
static struct partition *take_partition(const struct reshape_env *env)
{
        struct partition *p = NULL;
        struct reshape_crew c;

        for (uint32_t id = 1; id <= part_count() && p == NULL; id++) {
                if (made_here[id] && part_get(id)->state == PART_STOPPED) {
                        crew_of(env, id, &c);
                        p = c.count == 0 ? part_get(id) : NULL;
                }
        }
        env->lock(env->ctx);
        struct partition *made = NULL;
        if (p == NULL && part_create(&split_config, &made) == PART_OK) {
                p = made;
                fmt_format(p->name, sizeof(p->name), "split-%u", p->id);
                made_here[p->id] = true;
        }
        if (p != NULL) {
                p->vcpus[0].state = VCPU_RUNNABLE;
                if (part_set_state(p, PART_RUNNING, 0) != PART_OK) {
                        p = NULL;
                } else {
                        env->changed(env->ctx, p);
                }
        }
        env->unlock(env->ctx);
        return p;
}

static void retire(const struct reshape_env *env, struct partition *p)
{
        env->lock(env->ctx);
        if (part_set_state(p, PART_STOPPED, 0) == PART_OK) {
                env->changed(env->ctx, p);
        }
        env->unlock(env->ctx);
}

void reshape_split(const struct reshape_env *env, uint32_t part, struct reshape_result *out)
{
        uint32_t ids[RESHAPE_MAX_AGENTS], n = 0, reason;
        struct partition *q = NULL;

        memset(out, 0, sizeof(*out));
        if (!reshape_wasm_running(part)) {
                reason = RESHAPE_R_NOT_WASM;
        } else {
                reason = env->split_verdict(env->ctx, part, ids, &n);
                n = n < RESHAPE_MAX_AGENTS ? n : RESHAPE_MAX_AGENTS;
        }
        for (uint32_t i = 0; reason == RESHAPE_GO && i < n; i++) {
                struct reshape_agent a;
                env->lock(env->ctx);
                const bool ok =
                    env->agent(env->ctx, ids[i], &a) && a.partition == part && a.movable;
                env->unlock(env->ctx);
                reason = ok ? reason : RESHAPE_R_NOT_MOVABLE;
        }
        if (reason == RESHAPE_GO && (q = take_partition(env)) == NULL) {
                reason = RESHAPE_R_NO_SLOT;
        }
        if (reason == RESHAPE_GO && !move_all(env, ids, n, part, q->id, &out->why)) {
                retire(env, q);
                reason = RESHAPE_R_MOVE_FAILED;
        }
        out->reason = reason;
        if (reason == RESHAPE_GO) {
                out->part = q->id;
                out->moved = n;
        }
}

/* Do partitions a and b share a CommEdge (DC-11 adjacency): agent ends in each. */
static bool adjacent(const struct reshape_env *env, uint32_t a, uint32_t b)
{
        struct reshape_agent x, y;
        bool found = false;

        env->lock(env->ctx);
        for (uint32_t id = 0; id < edge_count() && !found; id++) {
                /* Principals above PART_MAX are agents, agent n's PART_MAX + n (kernel/agents.c
                 * checks wasm/'s numbering is this). */
                const struct edge *e = edge_get(id);
                if (e->end[0] > PART_MAX && e->end[1] > PART_MAX &&
                    env->agent(env->ctx, e->end[0] - PART_MAX, &x) &&
                    env->agent(env->ctx, e->end[1] - PART_MAX, &y)) {
                        found = (x.partition == a && y.partition == b) ||
                                (x.partition == b && y.partition == a);
                }
        }
        env->unlock(env->ctx);
        return found;
}

void reshape_merge_plan(const struct reshape_env *env, uint32_t a, uint32_t b,
                        struct reshape_merge_plan *out)
{
        struct reshape_crew ca, cb;

        crew_of(env, a, &ca);
        crew_of(env, b, &cb);
        const bool a_goes = ca.count < cb.count || (ca.count == cb.count && a > b);
        out->absorbed = a_goes ? a : b;
        out->survivor = a_goes ? b : a;
        out->moving = a_goes ? ca : cb;
        /* A destination arena plus a snapshot buffer must fit in free memory: agents move one
         * at a time, each freeing its old arena. */
        const uint64_t need = (out->moving.arena_max + (512u << 10)) / PALLOC_PAGE_SIZE + 1;
        out->adjacent = adjacent(env, a, b);
        out->resources_ok = out->moving.movable && env->free_pages(env->ctx) >= need;
}

void reshape_merge(const struct reshape_env *env, uint32_t a, uint32_t b,
                   struct reshape_result *out)
{
        struct reshape_merge_plan plan = {.absorbed = b, .survivor = a};
        uint32_t reason;

        memset(out, 0, sizeof(*out));
        if (!reshape_wasm_running(a) || !reshape_wasm_running(b)) {
                reason = RESHAPE_R_NOT_WASM;
        } else {
                reshape_merge_plan(env, a, b, &plan);
                reason = env->merge_verdict(env->ctx, a, b, plan.adjacent, plan.resources_ok);
        }
        if (reason == RESHAPE_GO && !move_all(env, plan.moving.id, plan.moving.count, plan.absorbed,
                                              plan.survivor, &out->why)) {
                reason = RESHAPE_R_MOVE_FAILED;
        }
        if (reason == RESHAPE_GO) {
                retire(env, part_get(plan.absorbed));
                out->moved = plan.moving.count;
        }
        out->reason = reason;
        out->part = plan.survivor;
        out->absorbed = plan.absorbed;
}
#endif
