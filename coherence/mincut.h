/*
 * Exact global minimum cut (Stoer-Wagner) of an undirected weighted graph of up to
 * COHERENCE_MAX_NODES nodes: part of the interface of coherence/ (coherence.h includes it).
 *
 * The caller owns the work space (struct coherence_mincut, 528 KiB: the
 * dense matrix dominates) and fills it with coherence_mincut_init + coherence_mincut_add, or
 * coherence_mincut_load (coherence.h) from a communication graph. coherence_mincut_run then
 * advances the algorithm by at most `budget` work units and can be called again (next epoch) to
 * resume. Only when the run is complete does coherence_mincut_result report a cut: a partial run is
 * never reported as exact.
 *
 * Algorithm (Stoer & Wagner, JACM 1997): each phase orders the remaining super-vertices
 * v1..vk by maximum adjacency (next = the one most tightly connected to those already
 * ordered); the last one's key is the "cut of the phase", and the smallest cut of a phase is a
 * global minimum cut. Textbook Stoer-Wagner then merges the last two and repeats n-1 times.
 * Here every phase contracts more, and stays exact: in a maximum-adjacency order the key r(vi)
 * that vi had when ordered is a lower bound of the edge connectivity between v(i-1) and vi
 * (v1..vi is a maximum-adjacency order of the subgraph they induce, whose last cut is r(vi)).
 * So when r(vi) >= the best cut found so far, no cut smaller than that separates the pair and
 * merging it loses nothing (Nagamochi-Ibaraki's argument). The best cut starts as the smallest
 * weighted degree (a one-node side), and the last pair of a phase always qualifies, so each
 * phase merges at least one pair, like the textbook algorithm, and usually many more.
 *
 * Layout (measured, see tools/bench/mincut_bench.c): a dense signed 64-bit matrix with row
 * stride n; the remaining super-vertices stay at positions 0..k-1 (a merge folds row t into
 * row s and moves the last row into t's place); the vertices not yet ordered in a phase stay
 * packed in a candidate list with their keys, so one pass over it both updates every key from
 * the last ordered row and finds the next maximum (four independent lanes, no data-dependent
 * branch); the list shrinks by one each step. Ties go to the earliest candidate of a lane;
 * any maximum-adjacency order is exact.
 *
 * Work unit ("cell"): an ordering step and a merge each count k cells (k = super-vertices
 * left), an upper bound of the matrix entries either reads. A textbook run costs about n^3/3 cells;
 * contraction makes most runs far cheaper. A step (one ordering step or one merge) is only started
 * if it fits in what is left of the budget, so a call never uses more than it was given; a budget
 * smaller than the next step makes no progress (coherence_mincut_next_cost says how much is needed;
 * at most 256).
 *
 * Bounds: weights are integers >= 0; the sum of all edge weights must stay at or below
 * COHERENCE_MINCUT_TOTAL_MAX (2^61), which keeps every key and merged weight
 * inside int64 without overflow. coherence_mincut_add refuses an addition that would pass it.
 */
#ifndef RVM_COHERENCE_MINCUT_H
#define RVM_COHERENCE_MINCUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COHERENCE_MAX_NODES        256u
#define COHERENCE_SET_WORDS        (COHERENCE_MAX_NODES / 64u)
#define COHERENCE_MINCUT_TOTAL_MAX (UINT64_C(1) << 61)
#define COHERENCE_BUDGET_UNLIMITED UINT64_MAX

/* Result codes of every coherence_* call that can fail. */
enum coherence_err {
        COHERENCE_OK = 0,
        COHERENCE_E_INVAL,    /* bad argument: node count, node index, NULL */
        COHERENCE_E_OVERFLOW, /* the weight sum would pass its documented bound */
        COHERENCE_E_STATE,    /* call not allowed now (adding to a run already started, ...) */
        COHERENCE_E_FULL,     /* fixed capacity reached (nodes, edges) */
        COHERENCE_E_NOENT,    /* no such node id */
        COHERENCE_E_EXISTS,   /* node id already present */
        COHERENCE_E_PARTIAL,  /* the min-cut run is not complete: no exact result yet */
        COHERENCE_E_SPACE,    /* the output buffer was too small (output truncated) */
};

/* A set of node indices 0..255, bit i of word i/64. */
struct coherence_set {
        uint64_t bits[COHERENCE_SET_WORDS];
};

static inline bool coherence_set_has(const struct coherence_set *s, uint32_t i)
{
        return i < COHERENCE_MAX_NODES && (s->bits[i / 64u] >> (i % 64u) & 1u) != 0;
}

/* A finished cut: `value` is the total weight of the edges between `side` and the rest. */
struct coherence_cut {
        uint32_t n;                /* nodes of the graph that was cut */
        uint32_t side_count;       /* nodes in `side` (0 only when n == 1) */
        uint64_t value;            /* the global minimum cut value (0 when n == 1) */
        struct coherence_set side; /* one side, as indices 0..n-1 of the mincut's nodes */
};

struct coherence_mincut {
        /* Set up by init/add/load. */
        uint32_t n;                           /* nodes */
        uint64_t total;                       /* sum of all edge weights added */
        uint16_t node[COHERENCE_MAX_NODES];   /* index -> graph node index (mincut_load) */
        uint64_t degree[COHERENCE_MAX_NODES]; /* weighted degree of each node */
        /* Run state: everything needed to resume. */
        bool started;     /* run has begun: no more adds */
        bool done;        /* every phase finished: best is exact */
        bool contracting; /* the phase's order is complete; merging its pairs */
        uint32_t active;  /* super-vertices left (k) */
        uint32_t added;   /* vertices ordered in this phase (0 = phase not started) */
        uint32_t last;    /* position of the last vertex ordered */
        uint32_t next;    /* contracting: next order index to look at */
        uint32_t leader;  /* contracting: order index of the current chain's first vertex */
        uint32_t phases;  /* phases completed */
        uint64_t used;    /* cells used by the whole run so far */
        uint64_t best;    /* smallest cut found so far */
        struct coherence_set best_side;                   /* original nodes of its side */
        struct coherence_set member[COHERENCE_MAX_NODES]; /* by position: original nodes */
        int64_t key[COHERENCE_MAX_NODES];    /* by candidate: adjacency to the ordered set */
        uint16_t cand[COHERENCE_MAX_NODES];  /* candidates (not ordered yet): positions */
        int64_t rank[COHERENCE_MAX_NODES];   /* by order index: key when it was ordered */
        uint16_t order[COHERENCE_MAX_NODES]; /* by order index: position (slot) now */
        uint16_t at[COHERENCE_MAX_NODES];    /* by position: order index */
        int64_t w[COHERENCE_MAX_NODES * COHERENCE_MAX_NODES]; /* w[i * n + j], positions */
};

/* Empties the work space for a graph of n nodes (1..256), all weights 0. */
enum coherence_err coherence_mincut_init(struct coherence_mincut *mc, uint32_t n);

/*
 * Adds weight to the undirected edge u-v (repeated pairs add up; u == v is ignored).
 * COHERENCE_E_INVAL for an index >= n, COHERENCE_E_STATE once the run has started,
 * COHERENCE_E_OVERFLOW if the total would pass COHERENCE_MINCUT_TOTAL_MAX (nothing added).
 */
enum coherence_err coherence_mincut_add(struct coherence_mincut *mc, uint32_t u, uint32_t v,
                                        uint64_t weight);

/*
 * Advances the run by at most `budget` cells (COHERENCE_BUDGET_UNLIMITED to finish).
 * Returns COHERENCE_OK when the run is complete (now or before), COHERENCE_E_PARTIAL when
 * work is left. *used (may be NULL) receives the cells spent by this call.
 */
enum coherence_err coherence_mincut_run(struct coherence_mincut *mc, uint64_t budget,
                                        uint64_t *used);

/* Cells the next step needs (0 when complete): a budget below it makes no progress. */
uint64_t coherence_mincut_next_cost(const struct coherence_mincut *mc);

/* Whether the run is complete (its result exact). */
bool coherence_mincut_done(const struct coherence_mincut *mc);

/*
 * The exact minimum cut, once complete; COHERENCE_E_PARTIAL (and *out untouched) before.
 * With n == 1 the cut is value 0 with an empty side.
 */
enum coherence_err coherence_mincut_result(const struct coherence_mincut *mc,
                                           struct coherence_cut *out);

/* One-shot: init already done and edges added; runs to the end and fills *out. */
enum coherence_err coherence_mincut_solve(struct coherence_mincut *mc, struct coherence_cut *out);

#endif /* RVM_COHERENCE_MINCUT_H */
