/*
 * tools/witness/members.c — agent membership of the WASM partitions and the communication
 * graph, rebuilt from the records (members.h; the contract is docs/WITNESS.md §6 and §8.1).
 *
 * Membership follows each agent's records: its creation (WK_WASM_AGENT from state 0 to 0,
 * "initializing", with its partition), its state changes (terminated = 6 takes it out), and its
 * moves (WK_WASM_MOVE, the only record that changes an agent's partition; a split or merge is
 * the sum of its agents' moves, so WK_PART_SPLIT / WK_PART_MERGE are only checked against
 * them). The graph is the kernel's own (coherence/), fed as kernel/cohere.c feeds it: each
 * WK_COMM_SEND summary adds its messages (and 64 bytes each) between the sender and the edge's
 * other end; the fold (coherence_epoch) of an epoch happens after its WK_SCHED_EPOCH record and
 * its summaries, before the coherence engine's next record (a decision, a move, a split or
 * merge verdict) or the next epoch.
 */
#include "tools/witness/members.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "coherence/coherence.h"
#include "tools/witness/witness_tool.h"

#define AGENT_TERMINATED     6u /* enum agent_state (wasm/agent.h) */
#define AGENT_MIGRATING      3u
#define AGENT_RECONSTRUCTING 5u
#define AGENT_STATES         7u
#define EDGE_MSG_BYTES       64u /* partition/edge.h: what the kernel counts per message */
#define DOT_BUF              (512u * 1024u)

static const char *const agent_states[AGENT_STATES] = {
    "initializing", "running",        "suspended", "migrating",
    "hibernated",   "reconstructing", "terminated"};

static void anomaly(struct wt_members *m, const struct witness_record *r, const char *fmt, ...)
{
        va_list ap;
        char *line;
        int n;

        if (m->anomalies++ >= WT_ANOMALIES_KEPT)
                return;
        line = m->anomaly[m->anomalies - 1];
        n = snprintf(line, sizeof(m->anomaly[0]), "seq %" PRIu64 ": ", r->seq);
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof(m->anomaly[0]) - (size_t)n, fmt, ap);
        va_end(ap);
}

static bool part_ok(uint64_t p)
{
        return p >= 1 && p <= WT_PART_MAX;
}

void wt_members_init(struct wt_members *m, bool want_graph)
{
        memset(m, 0, sizeof(*m));
        if (want_graph) {
                m->graph = malloc(sizeof(*m->graph));
                if (m->graph == NULL || coherence_init(m->graph, NULL) != COHERENCE_OK)
                        m->oom = 1;
        }
}

void wt_members_free(struct wt_members *m)
{
        wt_table_free(&m->agents);
        free(m->graph);
        m->graph = NULL;
}

void wt_members_new_boot(struct wt_members *m)
{
        wt_table_clear(&m->agents);
        memset(m->part_agents, 0, sizeof(m->part_agents));
        memset(m->wasm, 0, sizeof(m->wasm));
        m->fold_pending = false;
        m->epochs = m->folds = m->sends = m->messages = m->sends_dropped = 0;
        if (m->graph != NULL)
                (void)coherence_init(m->graph, NULL);
}

static void fold(struct wt_members *m)
{
        if (m->fold_pending && m->graph != NULL) {
                coherence_epoch(m->graph);
                m->folds++;
        }
        m->fold_pending = false;
}

void wt_members_finish(struct wt_members *m)
{
        fold(m);
}

/* The graph node of a principal, added as kernel/cohere.c does (coherence_node_ensure);
 * false if the kernel would have no node for it either (a WASM partition, an agent not
 * alive, the graph full). */
static bool node(struct wt_members *m, const struct witness_record *r, uint64_t principal)
{
        struct wt_obj *a;

        if (coherence_node_index(m->graph, (uint32_t)principal) >= 0)
                return true;
        if (principal == 0 || principal > UINT32_MAX)
                return false;
        if (principal <= WT_AGENT_BASE) {
                if (m->wasm[principal]) /* a WASM partition is no node: its agents are */
                        return false;
                if (coherence_node_ensure(m->graph, (uint32_t)principal, COHERENCE_GUEST,
                                          (uint32_t)principal))
                        return true;
        } else if ((a = wt_table_find(&m->agents, principal - WT_AGENT_BASE)) == NULL ||
                   a->b == AGENT_TERMINATED) {
                anomaly(m, r, "traffic of agent %" PRIu64 ", which is not alive: not counted",
                        principal - WT_AGENT_BASE);
                return false;
        } else if (coherence_node_ensure(m->graph, (uint32_t)principal, COHERENCE_AGENT,
                                         (uint32_t)a->a)) {
                return true;
        }
        anomaly(m, r, "more than %u graph nodes: principal %" PRIu64 " left out",
                COHERENCE_MAX_NODES, principal);
        return false;
}

static void agent_record(struct wt_members *m, const struct witness_record *r)
{
        const uint64_t state = r->payload & 0xFFFF, part = (r->payload >> 16) & 0xFFFF,
                       old = (r->payload >> 32) & 0xFFFF;
        struct wt_obj *a;

        if (r->target == 0 || r->target > WT_AGENT_ID_MAX || !part_ok(part) ||
            state >= AGENT_STATES) {
                anomaly(m, r,
                        "WK_WASM_AGENT with agent %" PRIu64 ", partition %" PRIu64
                        ", state %" PRIu64 " out of range: ignored",
                        r->target, part, state);
                return;
        }
        a = wt_table_find(&m->agents, r->target);
        if (a == NULL) {
                if (state != 0 || old != 0)
                        anomaly(m, r,
                                "agent %" PRIu64
                                " first seen in state %s, not created: taken "
                                "to be in partition %" PRIu64,
                                r->target, agent_states[state], part);
                if ((a = wt_table_add(&m->agents, r->target, &m->oom)) == NULL)
                        return;
                a->a = part;
                a->b = state;
                a->c = r->seq;
                m->wasm[part] = true;
                if (state != AGENT_TERMINATED)
                        m->part_agents[part]++;
                if (m->graph != NULL && state != AGENT_TERMINATED &&
                    coherence_node_add(m->graph, (uint32_t)(WT_AGENT_BASE + r->target),
                                       COHERENCE_AGENT, (uint32_t)part) == COHERENCE_E_FULL)
                        anomaly(m, r, "more than %u graph nodes: agent %" PRIu64 " left out",
                                COHERENCE_MAX_NODES, r->target);
        } else if (a->b == AGENT_TERMINATED) {
                anomaly(m, r, "agent %" PRIu64 " changes state after it terminated: ignored",
                        r->target);
                return;
        } else if (state == 0 && old == 0) {
                anomaly(m, r, "agent %" PRIu64 " created again (ids are not reused): ignored",
                        r->target);
                return;
        } else {
                /* While it migrates its record names the destination; otherwise a partition
                 * other than its own contradicts the moves, which alone say where it is. */
                if (part != a->a && state != AGENT_MIGRATING && state != AGENT_RECONSTRUCTING)
                        anomaly(m, r,
                                "agent %" PRIu64 " says partition %" PRIu64
                                ", its moves say %" PRIu64 ": kept %" PRIu64,
                                r->target, part, a->a, a->a);
                a->b = state;
                if (state == AGENT_TERMINATED) {
                        m->part_agents[a->a]--;
                        /* The kernel prunes it from the graph (kernel/reshape.c) */
                        if (m->graph != NULL)
                                (void)coherence_node_remove(m->graph,
                                                            (uint32_t)(WT_AGENT_BASE + a->id));
                }
        }
        a->seq = r->seq;
        a->time = r->time_ns;
        a->actor = r->actor;
}

static void move_record(struct wt_members *m, const struct witness_record *r)
{
        const uint64_t from = r->payload & 0xFFFF, to = (r->payload >> 16) & 0xFFFF,
                       result = r->payload >> 32;
        struct wt_obj *a = r->target != 0 && r->target <= WT_AGENT_ID_MAX
                               ? wt_table_find(&m->agents, r->target)
                               : NULL;

        if (result != 0 || !part_ok(to) || from == to) {
                anomaly(m, r,
                        "move of agent %" PRIu64 " from %" PRIu64 " to %" PRIu64 " (result %" PRIu64
                        ") is not a move: ignored",
                        r->target, from, to, result);
                return;
        }
        if (a == NULL || a->b == AGENT_TERMINATED) {
                anomaly(m, r, "move of %s agent %" PRIu64 ": ignored",
                        a == NULL ? "unknown" : "terminated", r->target);
                return;
        }
        if (from != a->a)
                anomaly(m, r,
                        "agent %" PRIu64 " moves from %" PRIu64 " but was in %" PRIu64
                        ": now in %" PRIu64,
                        r->target, from, a->a, to);
        m->part_agents[a->a]--;
        m->part_agents[to]++;
        m->wasm[to] = true;
        a->a = to;
        a->d++;
        a->seq = r->seq;
        a->time = r->time_ns;
        a->actor = r->actor;
        if (m->graph != NULL)
                (void)coherence_node_set_group(m->graph, (uint32_t)(WT_AGENT_BASE + a->id),
                                               (uint32_t)to);
}

/* A split or merge is its agents' moves, recorded before it: check the two agree. */
static void reshape_record(struct wt_members *m, const struct witness_record *r)
{
        const uint64_t other = r->payload & 0xFFFF, moved = (r->payload >> 16) & 0xFFFF;

        if (!part_ok(r->target) || !part_ok(other) || other == r->target) {
                anomaly(m, r, "%s of partition %" PRIu64 " with %" PRIu64 ": out of range",
                        r->kind == WK_PART_SPLIT ? "split" : "merge", r->target, other);
                return;
        }
        m->wasm[r->target] = m->wasm[other] = true;
        if (r->kind == WK_PART_SPLIT && m->part_agents[other] != moved)
                anomaly(m, r,
                        "split of %" PRIu64 " says %" PRIu64 " agents moved to %" PRIu64
                        ", the moves put %" PRIu64 " there",
                        r->target, moved, other, m->part_agents[other]);
        if (r->kind == WK_PART_MERGE && m->part_agents[r->target] != 0)
                anomaly(m, r,
                        "merge of %" PRIu64 " into %" PRIu64 ": the moves left %" PRIu64
                        " agents in it",
                        r->target, other, m->part_agents[r->target]);
}

static void send_record(struct wt_members *m, const struct witness_record *r,
                        struct wt_table *edges)
{
        const uint64_t id = r->target & 0xFFFFFFFFu, dir = r->target >> 32,
                       messages = r->payload & 0xFFFFFFFFu;
        struct wt_obj *e = wt_table_find(edges, id);
        uint64_t from, to;

        m->sends++;
        if (e == NULL || dir > 1) {
                anomaly(m, r, "summary of %s edge %" PRIu64 " direction %" PRIu64 ": not counted",
                        e == NULL ? "unknown" : "an", id, dir);
                m->sends_dropped++;
                return;
        }
        from = dir == 0 ? e->a : e->b;
        to = dir == 0 ? e->b : e->a;
        if (from != r->actor) {
                anomaly(m, r,
                        "summary of edge %" PRIu64 " says sender %u, the edge's end is %" PRIu64
                        ": not counted",
                        id, r->actor, from);
                m->sends_dropped++;
                return;
        }
        m->messages += messages;
        if (m->graph == NULL)
                return;
        if (!node(m, r, from) || !node(m, r, to) ||
            coherence_traffic(m->graph, (uint32_t)from, (uint32_t)to, messages,
                              messages * EDGE_MSG_BYTES) != COHERENCE_OK)
                m->sends_dropped++;
}

void wt_members_apply(struct wt_members *m, const struct witness_record *r, struct wt_table *edges)
{
        /* The coherence engine's own records come after its fold of the epoch. */
        if (r->kind == WK_SCHED_EPOCH || r->kind == WK_WASM_MOVE || r->kind == WK_PART_SPLIT ||
            r->kind == WK_PART_MERGE || r->kind == WK_COH_DECISION)
                fold(m);
        if (wt_kind_name(r->kind) == NULL && m->unknown_kinds++ == 0) {
                m->unknown_first_seq = r->seq;
                m->unknown_first_kind = r->kind;
        }
        if (r->flags & WITNESS_F_DENIED)
                return;
        switch (r->kind) {
        case WK_WASM_AGENT:
                agent_record(m, r);
                break;
        case WK_WASM_MOVE:
                move_record(m, r);
                break;
        case WK_PART_SPLIT:
        case WK_PART_MERGE:
                reshape_record(m, r);
                break;
        case WK_COMM_SEND:
                send_record(m, r, edges);
                break;
        case WK_SCHED_EPOCH:
                m->epochs++;
                m->fold_pending = true;
                break;
        default:
                break;
        }
}

void wt_members_print(const struct wt_members *m, FILE *out, struct wt_table *parts,
                      const char *(*state_name)(uint64_t))
{
        struct wt_table *agents = (struct wt_table *)&m->agents;
        uint64_t terminated = 0;

        fprintf(out, "agents by WASM partition:\n");
        for (uint64_t p = 1; p <= WT_PART_MAX; p++) {
                const struct wt_obj *po = wt_table_find(parts, p);

                if (!m->wasm[p])
                        continue;
                fprintf(out, "  partition %" PRIu64 " (%s): %" PRIu64 " agent%s", p,
                        po != NULL ? state_name(po->a) : "retired, or created before the log",
                        m->part_agents[p], m->part_agents[p] == 1 ? "" : "s");
                for (size_t i = 0; i < agents->n; i++)
                        if (agents->v[i].alive && agents->v[i].a == p &&
                            agents->v[i].b != AGENT_TERMINATED)
                                fprintf(out, " %" PRIu64, agents->v[i].id);
                fputc('\n', out);
        }
        fprintf(out, "agents:\n");
        for (size_t i = 0; i < agents->n; i++) {
                const struct wt_obj *a = &agents->v[i];

                if (!a->alive)
                        continue;
                terminated += a->b == AGENT_TERMINATED;
                fprintf(out,
                        "  agent %" PRIu64 " (principal %" PRIu64 ") %s partition %" PRIu64
                        " state %s, created at seq %" PRIu64 ", moved %" PRIu64
                        " time%s, last changed at seq %" PRIu64 "\n",
                        a->id, a->id + WT_AGENT_BASE, a->b == AGENT_TERMINATED ? "was in" : "in",
                        a->a, agent_states[a->b], a->c, a->d, a->d == 1 ? "" : "s", a->seq);
        }
        if (terminated)
                fprintf(out, "  (%" PRIu64 " terminated)\n", terminated);
}

void wt_members_print_anomalies(const struct wt_members *m, FILE *out, const char *prefix)
{
        if (m->unknown_kinds)
                fprintf(out,
                        "%s%" PRIu64 " records of unknown kinds ignored (first: seq %" PRIu64
                        ", kind 0x%04x)\n",
                        prefix, m->unknown_kinds, m->unknown_first_seq, m->unknown_first_kind);
        if (m->anomalies == 0)
                return;
        fprintf(out,
                "%s%" PRIu64 " records contradict the log or are out of range (not trusted):\n",
                prefix, m->anomalies);
        for (uint64_t i = 0; i < m->anomalies && i < WT_ANOMALIES_KEPT; i++)
                fprintf(out, "%s  %s\n", prefix, m->anomaly[i]);
        if (m->anomalies > WT_ANOMALIES_KEPT)
                fprintf(out, "%s  ... and %" PRIu64 " more\n", prefix,
                        m->anomalies - WT_ANOMALIES_KEPT);
}

int wt_members_dot(const struct wt_members *m, FILE *out)
{
        char *buf;
        size_t len = 0;
        enum coherence_err e;

        if (m->graph == NULL || (buf = malloc(DOT_BUF)) == NULL)
                return -1;
        e = coherence_dot(m->graph, NULL, buf, DOT_BUF, &len);
        fwrite(buf, 1, len, out);
        free(buf);
        return e == COHERENCE_OK ? 0 : -1;
}
