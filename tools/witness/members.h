/*
 * tools/witness/members.h — which agent is in which WASM partition at a sequence number, and
 * the communication graph the kernel's coherence engine had built by then, rebuilt from the
 * records (docs/WITNESS.md, "Membership and the graph"). replay.c feeds it every record it
 * replays; nothing in a record is trusted: what contradicts the rest of the log is reported
 * as an anomaly and left out.
 */
#ifndef RVM_TOOLS_WITNESS_MEMBERS_H
#define RVM_TOOLS_WITNESS_MEMBERS_H

#include <stdio.h>

#include "tools/witness/table.h"
#include "witness/witness.h"

/* The kernel's limits the records are checked against: partitions 1..PART_MAX
 * (partition/partition.h), agent N is principal AGENT_PRINCIPAL_BASE + N (wasm/agent.h). */
#define WT_PART_MAX       8u
#define WT_AGENT_BASE     8u
#define WT_AGENT_ID_MAX   (UINT32_MAX - WT_AGENT_BASE)
#define WT_ANOMALIES_KEPT 16

struct coherence_graph;

struct wt_members {
        struct wt_table agents; /* id = agent; a = partition, b = state, c = seq created,
                                   d = moves; alive stays true after termination */
        uint64_t part_agents[WT_PART_MAX + 1]; /* live (not terminated) agents per partition */
        bool wasm[WT_PART_MAX + 1];            /* held an agent this boot: a WASM partition */
        struct coherence_graph *graph;         /* NULL unless asked for (or out of memory) */
        bool fold_pending; /* a WK_SCHED_EPOCH was read and its fold not done yet */
        uint64_t epochs, folds, sends, messages, sends_dropped; /* this boot */
        uint64_t anomalies, unknown_kinds, unknown_first_seq;
        uint16_t unknown_first_kind;
        char anomaly[WT_ANOMALIES_KEPT][160];
        int oom;
};

/* want_graph: also fold the traffic into a coherence graph (wt_members_dot). */
void wt_members_init(struct wt_members *m, bool want_graph);
void wt_members_free(struct wt_members *m);
/* A record of a new boot follows: agents and the graph are RAM state, rebuilt from nothing. */
void wt_members_new_boot(struct wt_members *m);
/* One record, in order; edges = replay's CommEdge table (id -> a = end 0, b = end 1). */
void wt_members_apply(struct wt_members *m, const struct witness_record *r, struct wt_table *edges);
/* After the last record: the fold of an epoch whose summaries were read. */
void wt_members_finish(struct wt_members *m);
/* parts = replay's partition table (a = state), state_name its names. */
void wt_members_print(const struct wt_members *m, FILE *out, struct wt_table *parts,
                      const char *(*state_name)(uint64_t));
void wt_members_print_anomalies(const struct wt_members *m, FILE *out, const char *prefix);
/* The graph as Graphviz DOT; 0, or -1 if there is no graph or it did not fit. */
int wt_members_dot(const struct wt_members *m, FILE *out);

#endif
