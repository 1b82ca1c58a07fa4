/*
 * The coherence engine's policy: the whole interface of coherence/ (with coherence/mincut.h,
 * and coherence/engine.h for the epoch as the kernel drives it).
 *
 * coherence/ owns the communication graph and the decisions drawn from it. It is plain C11 over
 * plain data (seeds/003 DC-1: an optional module, left out of the Seed profile): it never reads a
 * clock, takes a lock, allocates or emits a witness. The kernel owns the storage (one struct
 * coherence_graph and one struct coherence_mincut), feeds counted traffic in, calls
 * coherence_epoch once per epoch, runs the min-cut under its budget (engine.h), and turns the
 * decision structs returned here into actions and witness records (every decision carries its
 * reason: the values and thresholds it compared).
 *
 * The graph. Nodes are partitions and agents (id + kind), each in a group: the partition it
 * belongs to now (a guest partition is its own group; an agent's group is its WASM partition).
 * Edges are undirected, between node pairs, at most COHERENCE_MAX_EDGES of them.
 *
 * Edge weights (integers, no floating point anywhere). During an epoch the kernel adds what it
 * counted: coherence_traffic (messages and bytes sent over a CommEdge) and coherence_shared
 * (pages of a region both ends map). coherence_epoch turns each edge's counts into a sample
 *     sample = messages * msg_weight + bytes >> byte_shift + pages * page_weight
 * (defaults: 16 per message, 1 per 64 bytes, 64 per shared page: a page both map weighs as
 * its 4 KiB sent once an epoch, so a one-page share shows from its first epoch; saturating at
 * COHERENCE_WEIGHT_MAX) and folds it into an exponential moving average with shift s
 * (ema_shift, default 2, i.e. alpha = 1/2^s = 1/4):
 *     acc    <- acc - (acc >> s) + sample         (acc keeps 2^s times the average)
 *     weight  = acc >> s
 * A steady sample x gives exactly weight x, reached from below or above (the error shrinks
 * by a factor (1 - 1/2^s) per epoch, at least one unit while it is >= 2^s). When traffic stops
 * the weight decays by the same factor per epoch; an edge whose weight is 0 and that carried
 * nothing this epoch is dropped, so a finished conversation leaves no residue.
 * acc <= COHERENCE_WEIGHT_MAX << s, so nothing overflows.
 *
 * Scores, in basis points 0..10000 (DC-9's fixed point: 10000 = 1.0). For a group S:
 *   internal I(S)  = weight of edges with both ends in S
 *   external E(S)  = weight of edges with exactly one end in S
 *   coherence score(S) = 10000 * I / (I + E)  (10000 when I + E = 0: nothing pulls it apart)
 *       the share of its members' traffic that stays inside; DC-11's merge threshold reads it.
 *   cut pressure(S) = 10000 * E / (E + C + floor)
 *       where C is the exact global min-cut of the subgraph S induces (the weakest internal
 *       bond; 0 for a one-node group) and floor is pressure_floor (default 64, a quiet-traffic
 *       damper so a trickle does not read as full pressure). High when the group's traffic
 *       across its boundary outweighs what holds it together: the signal that it should move
 *       (placement), be split, or be served sooner (the scheduler's second signal, DC-4).
 *
 * Min-cut budget (DC-2). coherence_mincut_run (mincut.h) takes a budget in cells and resumes
 * where it stopped; results are exact or not reported (COHERENCE_E_PARTIAL). The kernel sizes
 * the budget from its 50 µs per epoch, and runs degraded (DC-6) while no exact cut is at hand.
 */
#ifndef RVM_COHERENCE_COHERENCE_H
#define RVM_COHERENCE_COHERENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coherence/mincut.h"

#define COHERENCE_MAX_EDGES     1024u
#define COHERENCE_MAX_CPUS      64u
#define COHERENCE_BP_MAX        10000u
#define COHERENCE_WEIGHT_MAX    (UINT64_C(1) << 40) /* per edge sample and weight */
#define COHERENCE_EMA_SHIFT_MAX 8u

_Static_assert((uint64_t)COHERENCE_MAX_EDGES *(COHERENCE_WEIGHT_MAX << COHERENCE_EMA_SHIFT_MAX) <
                   COHERENCE_MINCUT_TOTAL_MAX,
               "every weight of a full graph fits one min-cut run");

enum coherence_kind {
        COHERENCE_GUEST = 1, /* a guest partition: one node, its own group; never split/merged */
        COHERENCE_AGENT = 2, /* a WASM agent: its group is the partition that hosts it */
};

struct coherence_node {
        uint32_t id;    /* kernel object id (partition id or agent id) */
        uint32_t group; /* partition it belongs to now */
        uint8_t kind;   /* enum coherence_kind */
        bool used;
};

struct coherence_edge {
        uint16_t a, b; /* node indices, a < b */
        bool used;
        /* This epoch's counts, cleared by coherence_epoch. */
        uint64_t messages;
        uint64_t bytes;
        uint64_t pages;
        /* The moving average. */
        uint64_t acc;    /* 2^ema_shift times the average */
        uint64_t weight; /* acc >> ema_shift: what every decision reads */
};

/* Tunables; coherence_params_default gives the documented defaults. */
struct coherence_params {
        uint32_t ema_shift;          /* alpha = 1/2^shift, 0..COHERENCE_EMA_SHIFT_MAX (2) */
        uint32_t msg_weight;         /* per message (16) */
        uint32_t byte_shift;         /* one unit per 2^byte_shift bytes (6) */
        uint32_t page_weight;        /* per shared page per epoch (64) */
        uint64_t pressure_floor;     /* damper in the pressure formula (64) */
        uint32_t split_pressure_bp;  /* split when the moving side's pressure reaches this (7500) */
        uint64_t split_min_external; /* ... and its external weight is at least this (256) */
        uint32_t merge_share_bp;     /* merge when mutual traffic is this share of each side's
                                        external traffic (6000) */
        uint32_t merge_score_bp;     /* ... and the merged group's score reaches this (8000) */
        uint32_t place_gain_bp;      /* placement: act when it lowers the weight crossing CPUs
                                        by this share of the weight between groups (1000) */
        uint32_t place_hold_epochs;  /* ... and this many epochs passed since the last (3) */
        uint32_t place_slack_bp;     /* placement: a CPU takes groups whose summed CPU need is
                                        at most 10000 + this (one CPU, with slack) (1500) */
};

struct coherence_graph {
        struct coherence_params params;
        uint32_t node_count; /* nodes in use */
        uint32_t edge_count; /* edges in use */
        uint64_t epochs;     /* coherence_epoch calls */
        struct coherence_node node[COHERENCE_MAX_NODES];
        struct coherence_edge edge[COHERENCE_MAX_EDGES];
};

void coherence_params_default(struct coherence_params *p);
/* COHERENCE_E_INVAL if a value is out of range (shift, basis points over 10000). */
enum coherence_err coherence_params_check(const struct coherence_params *p);

/* Empties the graph; params NULL = defaults. COHERENCE_E_INVAL for bad params. */
enum coherence_err coherence_init(struct coherence_graph *g, const struct coherence_params *p);

/* Nodes. Ids are unique; COHERENCE_E_EXISTS, COHERENCE_E_FULL, COHERENCE_E_INVAL (kind). */
enum coherence_err coherence_node_add(struct coherence_graph *g, uint32_t id,
                                      enum coherence_kind kind, uint32_t group);
/*
 * The node of a principal, added on first sight: true when id is a node (already, or now).
 * kind and group say what it would be: a guest partition is its own group (COHERENCE_GUEST,
 * group = id); an agent is in the group of the WASM partition that runs it (COHERENCE_AGENT);
 * group 0 means the principal has no node (a WASM partition, whose agents are its nodes, so
 * that the engine can cut it in two; an agent in no partition). False too when the graph is
 * full.
 */
bool coherence_node_ensure(struct coherence_graph *g, uint32_t id, enum coherence_kind kind,
                           uint32_t group);
/* Removes a node and every edge touching it. */
enum coherence_err coherence_node_remove(struct coherence_graph *g, uint32_t id);
/* Moves a node to another group (after a split, merge or agent migration). */
enum coherence_err coherence_node_set_group(struct coherence_graph *g, uint32_t id, uint32_t group);
/* Node index of an id, or -1. */
int coherence_node_index(const struct coherence_graph *g, uint32_t id);

/*
 * Counted traffic between two nodes in this epoch (adds; saturating). Creates the edge on first
 * use: COHERENCE_E_FULL when all COHERENCE_MAX_EDGES are taken, COHERENCE_E_NOENT for an
 * unknown id, COHERENCE_E_INVAL for a == b.
 */
enum coherence_err coherence_traffic(struct coherence_graph *g, uint32_t a, uint32_t b,
                                     uint64_t messages, uint64_t bytes);
/* Pages both nodes map (a shared region), counted for this epoch. Same errors. */
enum coherence_err coherence_shared(struct coherence_graph *g, uint32_t a, uint32_t b,
                                    uint64_t pages);

/* Ends an epoch: folds every edge's counts into its average, drops edges that reached 0. */
void coherence_epoch(struct coherence_graph *g);

/* Current (averaged) weight between two node ids; 0 if either is unknown or no edge. */
uint64_t coherence_weight(const struct coherence_graph *g, uint32_t a, uint32_t b);

/* ---- scores ------------------------------------------------------------------------------ */

/* 10000 * internal / (internal + external); 10000 when both are 0. */
uint32_t coherence_score_bp(uint64_t internal, uint64_t external);
/* 10000 * external / (external + cut + floor); 0 when external is 0. */
uint32_t coherence_pressure_bp(uint64_t external, uint64_t cut, uint64_t floor);

struct coherence_group_stats {
        uint32_t group;
        uint32_t nodes;               /* members */
        uint32_t agents;              /* members of kind COHERENCE_AGENT */
        uint64_t internal;            /* I */
        uint64_t external;            /* E */
        uint32_t score_bp;            /* coherence score */
        struct coherence_set members; /* node indices */
};

/* I, E, members and score of one group (nodes == 0 if the group has no member). */
void coherence_group_stats(const struct coherence_graph *g, uint32_t group,
                           struct coherence_group_stats *out);

/*
 * Loads the subgraph induced by a set of node indices into a min-cut work space (mc->node[i]
 * is the graph node index of min-cut node i). COHERENCE_E_INVAL for an empty set.
 */
enum coherence_err coherence_mincut_load(struct coherence_mincut *mc,
                                         const struct coherence_graph *g,
                                         const struct coherence_set *nodes);

/*
 * Cut pressure of a group, unbudgeted: loads its subgraph into mc and runs the min-cut to the
 * end (use the budgeted mincut_run + coherence_split_propose in an epoch loop instead).
 */
enum coherence_err coherence_group_pressure(const struct coherence_graph *g, uint32_t group,
                                            struct coherence_mincut *mc, uint32_t *pressure_bp);

/* ---- decisions: pure functions; each result says why --------------------------------------- */

/*
 * Placement: which CPU each group runs on, so that groups that talk most share a CPU while
 * the CPUs stay balanced, both in groups and in the CPU time they need.
 *
 * Need: what the scheduler measured for each group in the last epoch (CPU time taken plus time
 * waited runnable, not after a yield), in basis points of one CPU (10000 = a CPU busy the
 * whole epoch). A CPU holds groups whose summed need is at most COHERENCE_BP_MAX +
 * place_slack_bp (cpu_cap_bp); without need figures every group needs 0 and only the count
 * counts. Count: each CPU takes at most `capacity` groups (capacity 0 means ceil(groups / cpus),
 * the tightest balance; a larger capacity lets more talkers share a CPU when there are about as
 * many CPUs as groups; it is raised to ceil(groups / cpus) if given below it).
 *
 * Greedy: group pairs in order of falling weight are joined into clusters while the joined
 * cluster still fits one CPU, in count and in need (so a heavy group's heaviest talkers join it
 * until it is full, the others stay elsewhere; two busy talkers are never piled on one CPU).
 * Clusters are then placed, neediest first (then largest), on the CPU with the least need
 * placed that still has room for the whole cluster in count (ties: fewer groups, lower number;
 * a cluster that fits nowhere whole is spread over the CPUs with the fewest groups, one group at
 * a time). When the needs add up to more than the CPUs hold, some CPU goes over cpu_cap_bp: the
 * least loaded one (max_need_bp says by how much). The reason values compare the weight that
 * crosses CPUs under this placement with naive round-robin placement (group i on CPU i mod cpus,
 * groups in increasing id order), and give each CPU's need.
 */
struct coherence_pair {
        uint16_t a, b; /* group indices */
        uint64_t weight;
};
struct coherence_placement {
        uint32_t cpu_count;
        uint32_t group_count;
        uint32_t capacity;                   /* groups per CPU at most */
        uint32_t group[COHERENCE_MAX_NODES]; /* group ids, increasing */
        uint16_t cpu[COHERENCE_MAX_NODES];   /* CPU of group[i] */
        uint32_t need[COHERENCE_MAX_NODES];  /* need of group[i], bp of a CPU */
        uint64_t total;                      /* weight of edges between different groups */
        uint64_t remote;                     /* ... of it crossing CPUs, this placement */
        uint64_t naive_remote;               /* ... crossing CPUs under round-robin */
        uint32_t remote_bp;                  /* 10000 * remote / total (0 if total 0) */
        uint32_t naive_remote_bp;
        uint32_t cpu_cap_bp;                   /* need one CPU holds: 10000 + slack */
        uint32_t cpu_need[COHERENCE_MAX_CPUS]; /* need placed on each CPU */
        uint32_t max_need_bp;                  /* the busiest CPU's */
        /* Scratch (the kernel stack is small): group pairs and the clustering. */
        uint32_t pair_count;
        struct coherence_pair pair[COHERENCE_MAX_EDGES];
        uint16_t parent[COHERENCE_MAX_NODES];
        uint16_t size[COHERENCE_MAX_NODES];
        uint32_t cluster_need[COHERENCE_MAX_NODES];
        uint16_t votes[COHERENCE_MAX_CPUS][COHERENCE_MAX_CPUS]; /* coherence_place_decide */
};
/*
 * need_bp[id] is the need of group id (for id < need_len; 0 for the others; need_bp NULL: all
 * 0), saturated at 0xFFFF. COHERENCE_E_INVAL: cpu_count 0 or over COHERENCE_MAX_CPUS.
 */
enum coherence_err coherence_place_need(const struct coherence_graph *g, uint32_t cpu_count,
                                        uint32_t capacity, const uint32_t *need_bp,
                                        uint32_t need_len, struct coherence_placement *out);
/* The same without need figures (every group needs 0). */
enum coherence_err coherence_place(const struct coherence_graph *g, uint32_t cpu_count,
                                   uint32_t capacity, struct coherence_placement *out);
/* CPU chosen for a group, or -1 if the group is not in the placement. */
int coherence_place_cpu(const struct coherence_placement *p, uint32_t group);

enum coherence_reason {
        COHERENCE_R_PROPOSED = 0, /* the decision is to act */
        COHERENCE_R_NO_GROUP,     /* a group has no member */
        COHERENCE_R_NOT_AGENTS,   /* a member is a guest partition (cannot be cut or merged) */
        COHERENCE_R_TOO_FEW,      /* split: fewer than two agents */
        COHERENCE_R_CUT_PARTIAL,  /* split: the min-cut run is not complete (not exact) */
        COHERENCE_R_CUT_MISMATCH, /* split: the cut given is not of this group's subgraph */
        COHERENCE_R_LOW_PRESSURE, /* split: pressure below split_pressure_bp */
        COHERENCE_R_QUIET,        /* split: external weight below split_min_external */
        COHERENCE_R_SAME_GROUP,   /* merge: a group with itself */
        COHERENCE_R_LOW_SHARE,    /* merge: mutual traffic is not dominant on both sides */
        COHERENCE_R_LOW_SCORE,    /* merge: merged score below merge_score_bp */
        COHERENCE_R_NOT_ADJACENT, /* merge: DC-11 adjacency precondition false */
        COHERENCE_R_NO_RESOURCES, /* merge: DC-11 resources precondition false */
        COHERENCE_R_IN_PLACE,     /* placement: every group is already where it would go */
        COHERENCE_R_LOW_GAIN,     /* placement: the gain is below place_gain_bp */
        COHERENCE_R_TOO_SOON,     /* placement: fewer than place_hold_epochs since the last */
        COHERENCE_R_OVERLOAD,     /* placement: the proposal puts more need on its busiest CPU
                                     than it holds, and more than now */
};
const char *coherence_reason_name(enum coherence_reason r);

/*
 * Split: given the exact min-cut of a group's subgraph (loaded with coherence_mincut_load from
 * that group's members and run to completion), the side whose external pull is stronger moves
 * to a new partition when
 *     pressure = 10000 * ext(side) / (ext(side) + cut + floor) >= split_pressure_bp
 * and ext(side) >= split_min_external: "weak inside, strong outside".
 */
struct coherence_split {
        enum coherence_reason reason; /* COHERENCE_R_PROPOSED: split */
        uint32_t group;
        uint64_t cut;              /* min-cut value inside the group (C) */
        uint64_t internal;         /* I of the whole group */
        uint64_t moving_external;  /* weight from the moving side to outside the group */
        uint64_t staying_external; /* ... from the side that stays */
        uint32_t pressure_bp;      /* of the moving side */
        uint32_t threshold_bp;     /* split_pressure_bp */
        uint64_t min_external;     /* split_min_external */
        uint32_t moving_count;
        struct coherence_set moving; /* graph node indices that move */
};
void coherence_split_propose(const struct coherence_graph *g, uint32_t group,
                             const struct coherence_mincut *mc, struct coherence_split *out);

/*
 * Merge of groups a and b (DC-11): proposed when both are made of agents only, mutual
 * traffic M is at least merge_share_bp of each group's external traffic, the merged group's
 * coherence score reaches merge_score_bp, and the kernel's two preconditions hold (adjacent:
 * they share a CommEdge or region; resources_ok: the merged partition fits its limits).
 */
struct coherence_merge_pre {
        bool adjacent;
        bool resources_ok;
};
struct coherence_merge {
        enum coherence_reason reason; /* COHERENCE_R_PROPOSED: merge (into group_a) */
        uint32_t group_a, group_b;
        uint64_t mutual;     /* weight between a and b */
        uint64_t external_a; /* E(a), includes mutual */
        uint64_t external_b;
        uint32_t share_a_bp; /* 10000 * mutual / E(a) */
        uint32_t share_b_bp;
        uint32_t merged_score_bp;    /* score of a u b */
        uint32_t share_threshold_bp; /* merge_share_bp */
        uint32_t score_threshold_bp; /* merge_score_bp */
        struct coherence_merge_pre pre;
};
void coherence_merge_propose(const struct coherence_graph *g, uint32_t group_a, uint32_t group_b,
                             const struct coherence_merge_pre *pre, struct coherence_merge *out);

/*
 * Placement acted on, with hysteresis: given a placement from coherence_place(_need) and where
 * each of its groups runs now (now_cpu[i] for p->group[i], -1 if unknown), first renames the
 * proposal's CPUs so that as many groups as possible stay where they are (the clusters are
 * the same, fewer moves), then proposes the move when at least place_hold_epochs epochs passed
 * since the last placement acted on (epochs_since) and either
 *   - traffic: it lowers the weight crossing CPUs by at least place_gain_bp of the weight
 *     between groups, without putting more need on the busiest CPU than it holds (cpu_cap_bp)
 *     and than now (else COHERENCE_R_OVERLOAD), or
 *   - need: the busiest CPU now needs more than cpu_cap_bp and the proposal lowers the busiest
 *     CPU's need by at least place_gain_bp (of one CPU): busy groups piled on one CPU are
 *     spread even when no traffic gains (for_need says so). A proposal that puts more weight
 *     across CPUs than now goes for need only when it brings every CPU within cpu_cap_bp:
 *     on a machine with more work than its CPUs hold it would trade talk for no end of the
 *     overload, and the traffic rule would undo it (a pair parted and joined every hold).
 * The verdict says why not otherwise: COHERENCE_R_IN_PLACE, COHERENCE_R_LOW_GAIN (neither
 * gain), COHERENCE_R_OVERLOAD, COHERENCE_R_TOO_SOON, in that order.
 */
struct coherence_place_verdict {
        enum coherence_reason reason; /* COHERENCE_R_PROPOSED: move the groups that differ */
        uint64_t total;               /* weight between groups */
        uint64_t current_remote;      /* ... crossing CPUs where the groups are now */
        uint64_t proposed_remote;     /* ... crossing CPUs under the proposal */
        uint32_t gain_bp;             /* 10000 * (current - proposed) / total; 0 if no lower */
        uint32_t threshold_bp;        /* place_gain_bp */
        uint64_t epochs_since;        /* since the last placement acted on */
        uint32_t hold_epochs;         /* place_hold_epochs */
        uint32_t moves;               /* groups whose CPU the proposal changes */
        uint32_t current_need_bp;     /* the busiest CPU's need where the groups are now */
        uint32_t proposed_need_bp;    /* ... under the proposal */
        uint32_t cap_bp;              /* what one CPU holds (cpu_cap_bp) */
        bool for_need;                /* proposed to spread need, the traffic gain too low */
};
/* COHERENCE_E_INVAL for a NULL argument or a placement of more CPUs than COHERENCE_MAX_CPUS. */
enum coherence_err coherence_place_decide(const struct coherence_graph *g,
                                          struct coherence_placement *p, const int16_t *now_cpu,
                                          uint64_t epochs_since,
                                          struct coherence_place_verdict *out);

/* ---- seeing it ------------------------------------------------------------------------------ */

/*
 * Writes the graph as Graphviz DOT into buf (size bytes, always NUL-terminated when size > 0):
 * one cluster per group, nodes labelled with kind and id, edges with their weight; nodes in
 * `highlight` (may be NULL, e.g. the moving side of the last cut) are filled. *written (may
 * be NULL) gets the length written. COHERENCE_E_SPACE if it did not fit (the output then ends
 * at a line boundary with a closing brace, so it still parses).
 */
enum coherence_err coherence_dot(const struct coherence_graph *g,
                                 const struct coherence_set *highlight, char *buf, size_t size,
                                 size_t *written);

#endif /* RVM_COHERENCE_COHERENCE_H */
