/*
 * coherence/engine.h: the coherence engine's epoch, as policy over plain data (with
 * coherence.h and mincut.h, the whole interface of coherence/). The kernel (kernel/cohere.c)
 * owns one struct coherence_engine and one struct coherence_placer, gathers what it counted
 * (CommEdge traffic, shared regions, each partition's CPU need, where each runs), calls the
 * functions here, and acts on what they return: a pressure for the scheduler, degraded mode
 * on or off, a home CPU, and the witness record of each (struct coherence_record: the kernel
 * adds the kind, WK_COH_DECISION, and emits it). Nothing here reads a clock, takes a lock,
 * prints or emits a record.
 *
 * Groups are the partitions, by id 1..COHERENCE_MAX_GROUPS - 1 (a guest partition is its own
 * group; an agent is in the group of the WASM partition that runs it).
 *
 * The epoch (coherence_engine_round). After coherence_epoch folded the counts in, each group's
 * cut pressure is computed exactly (coherence.h): its subgraph is loaded into the min-cut work
 * space and cut, all groups' cuts sharing a budget of cells (DC-2). A group whose cut does not
 * fit is resumed where it stopped at the next epoch, on the subgraph it was loaded with; groups
 * are visited round-robin from there. A pressure is only ever taken from a finished (exact)
 * cut. While a round of all groups does not finish within one epoch the engine is over
 * budget: the scheduler is to run degraded (DC-6: cut pressure ignored) and nothing is to be
 * split, merged or placed; the first epoch whose round finishes leaves it
 * (coherence_engine_degrade). Each group's pressure goes to the scheduler unless the operator
 * set it by hand; a change of more than COHERENCE_WITNESS_BP is witnessed
 * (coherence_engine_pressure).
 *
 * Placement (struct coherence_placer). Each epoch within budget, in mode engine, the groups are
 * placed (coherence_place_need: each group's need is what the scheduler measured in the epoch
 * just closed, its run time left out when it made COHERENCE_ELASTIC_YIELDS yield hypercalls or
 * more: elastic, taken because nobody else wanted it) and the proposal compared with where
 * each group runs now (coherence_place_decide, with the epochs since the last placement acted
 * on). Mode naive puts partition id on CPU (id - 1) mod CPUs (round-robin: the bench's
 * reference), mode off clears the homes.
 */
#ifndef RVM_COHERENCE_ENGINE_H
#define RVM_COHERENCE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "coherence/coherence.h"

#define COHERENCE_MAX_GROUPS     64u  /* group ids 1..63 */
#define COHERENCE_MAX_SHARES     64u  /* shared-region slots the kernel reports */
#define COHERENCE_WITNESS_BP     500u /* pressure changes up to this are not witnessed */
#define COHERENCE_ELASTIC_YIELDS 64u  /* yields an epoch that make a group's CPU time elastic */

/* What to witness (as WK_COH_DECISION): target, cap and payload, each documented where made. */
struct coherence_record {
        uint64_t target;
        uint64_t cap;
        uint64_t payload;
};

/* ---- the epoch: cut pressure under a budget ------------------------------------------------ */

struct coherence_engine {
        uint64_t budget;          /* min-cut cells an epoch */
        uint64_t used_last;       /* cells the last epoch used */
        uint32_t round_next;      /* the group the round goes on with */
        bool loaded;              /* the work space holds round_next's subgraph, cut begun */
        uint64_t loaded_external; /* the external weight it was loaded with */
        bool over_budget;         /* the last epoch's round did not finish */
        bool degraded_by_us;      /* the engine, not the operator, made the scheduler degraded */
        uint64_t over_epochs;     /* epochs over budget since the engine began */
        /* This epoch's verdicts (between the round and coherence_engine_pressure), the last
         * pressure handed on, and whether the operator holds a group's pressure by hand. */
        uint32_t next_bp[COHERENCE_MAX_GROUPS];
        uint64_t next_external[COHERENCE_MAX_GROUPS];
        uint32_t next_score[COHERENCE_MAX_GROUPS];
        uint32_t last_bp[COHERENCE_MAX_GROUPS];
        bool manual[COHERENCE_MAX_GROUPS];
};

void coherence_engine_init(struct coherence_engine *e, uint64_t budget);
/*
 * One epoch's round over groups 1..group_count (at most COHERENCE_MAX_GROUPS - 1) after
 * coherence_epoch: every group's cut once, from where the last round stopped, within
 * e->budget cells; sets over_budget, used_last and each finished group's verdict.
 */
void coherence_engine_round(struct coherence_engine *e, const struct coherence_graph *g,
                            struct coherence_mincut *mc, uint32_t group_count);
/* Someone else wrote the work space: a pending cut starts over. */
void coherence_engine_work_taken(struct coherence_engine *e);
/* The operator holds group id's pressure by hand (true) or gave it back (false). */
void coherence_engine_override(struct coherence_engine *e, uint32_t group, bool by_hand);

enum coherence_degrade {
        COHERENCE_DEGRADE_KEEP = 0, /* leave the scheduler's mode as it is */
        COHERENCE_DEGRADE_ENTER,    /* over budget: make the scheduler degraded (DC-6) */
        COHERENCE_DEGRADE_LEAVE, /* within budget again: end the degraded mode the engine began */
};
/* After a round, given whether the scheduler runs degraded now (the operator's `degraded on`
 * is left as it is: only a degraded mode the engine began is ended). */
enum coherence_degrade coherence_engine_degrade(struct coherence_engine *e, bool sched_degraded);

/*
 * Group id's pressure handed on after a round: false when the operator holds it by hand
 * (nothing to do). Otherwise *bp is for the scheduler, and *witness says whether the change
 * from the last one handed on is over COHERENCE_WITNESS_BP; then *rec is its record: target =
 * group, cap = external weight, payload = new pressure | old << 16 | coherence score << 32.
 */
bool coherence_engine_pressure(struct coherence_engine *e, uint32_t group, uint32_t *bp,
                               bool *witness, struct coherence_record *rec);

/* ---- shared regions, counted each epoch they last ------------------------------------------- */

struct coherence_share {
        uint64_t id; /* the kernel's offer id; 0: none */
        uint32_t owner, peer;
        uint64_t pages;
};
/* What each slot counted in the last epoch, and which began or ended being counted then (the
 * kernel says them after the fold, then clears their ids). */
struct coherence_shares {
        struct coherence_share now[COHERENCE_MAX_SHARES];
        struct coherence_share began[COHERENCE_MAX_SHARES];
        struct coherence_share ended[COHERENCE_MAX_SHARES];
};
/*
 * Slot `slot` this epoch: share (NULL: none) is pages both owner and peer map, their nodes in
 * the graph; its pages are counted (coherence_shared) and it is remembered as counted when that
 * succeeds. A change of what a slot counts sets its began and ended entries.
 */
void coherence_shares_epoch(struct coherence_graph *g, struct coherence_shares *s, uint32_t slot,
                            const struct coherence_share *share);

/* ---- placement acted on -----------------------------------------------------------------------
 */

enum coherence_place_mode {
        COHERENCE_PLACE_ENGINE = 0, /* the engine's placement, with hysteresis */
        COHERENCE_PLACE_NAIVE = 1,  /* partition id at home on CPU (id - 1) mod CPUs */
        COHERENCE_PLACE_OFF = 2,    /* no homes */
        COHERENCE_PLACE_MODES = 3,
};
/* "engine", "naive", "off"; mode_parse gives -1 for another word. */
const char *coherence_place_mode_name(enum coherence_place_mode m);
int coherence_place_mode_parse(const char *word);

struct coherence_placer {
        uint32_t mode;  /* enum coherence_place_mode */
        bool decided;   /* last holds a verdict */
        uint64_t epoch; /* graph epochs when a placement was last acted on */
        uint64_t moves; /* groups moved by the engine */
        struct coherence_place_verdict last;
        int16_t home[COHERENCE_MAX_GROUPS];         /* the home CPU given to each group, -1 none */
        uint32_t need[COHERENCE_MAX_GROUPS];        /* CPU need in the last epoch, bp of a CPU */
        uint64_t yields_seen[COHERENCE_MAX_GROUPS]; /* yield hypercalls counted so far */
        uint32_t yields[COHERENCE_MAX_GROUPS];      /* ... of them in the last epoch */
        int16_t now[COHERENCE_MAX_NODES];           /* CPU of placement.group[i] now, -1 none */
        struct coherence_placement placement;       /* the last proposal */
};

void coherence_placer_init(struct coherence_placer *pl);
/*
 * Group id's need from the epoch just closed: run and wait ns of len, and the yield hypercalls
 * its vCPUs made so far. An elastic group (COHERENCE_ELASTIC_YIELDS yields or more in the
 * epoch) spins on something and gives way to whoever shares its CPU: only its waiting counts.
 */
void coherence_placer_need(struct coherence_placer *pl, uint32_t group, uint64_t run_ns,
                           uint64_t wait_ns, uint64_t len_ns, uint64_t yields);
bool coherence_placer_elastic(const struct coherence_placer *pl, uint32_t group);
/*
 * The engine's proposal over cpu_count CPUs (mode engine, within budget, two CPUs or more):
 * true when pl->placement holds one; the kernel then fills pl->now[i] for each
 * placement.group[i] and calls coherence_placer_decide.
 */
bool coherence_placer_propose(struct coherence_placer *pl, const struct coherence_graph *g,
                              uint32_t cpu_count, bool over_budget);
/* The verdict on the proposal (pl->last): true when it is to be acted on. Then every group
 * of the placement whose home is not yet its CPU gets it (coherence_placer_moving), and
 * coherence_placer_acted closes the decision. */
bool coherence_placer_decide(struct coherence_placer *pl, const struct coherence_graph *g);
/* Group i of the placement is to get home CPU placement.cpu[i]: its home is another. */
bool coherence_placer_moving(const struct coherence_placer *pl, uint32_t i);
void coherence_placer_acted(struct coherence_placer *pl, const struct coherence_graph *g);
/*
 * A new mode: the homes to give in it are asked with coherence_placer_mode_home, for each
 * group 1..: true when group id is to get *cpu as its home (naive: (id - 1) mod cpu_count, even
 * if it has it; off: -1, when it has a home; engine: none, the engine keeps the homes it finds
 * until it moves them). The engine may act at its next epoch.
 */
void coherence_placer_set_mode(struct coherence_placer *pl, enum coherence_place_mode m);
bool coherence_placer_mode_home(const struct coherence_placer *pl, uint32_t group,
                                uint32_t cpu_count, int *cpu);

/*
 * The records of a placement acted on (bit 63 of the payload set tells them from pressure).
 * The decision as a whole, witnessed first: target 0 (no partition), cap = the busiest CPU's
 * need now << 32 | under the proposal (bp), payload = what a CPU holds (bp) | moved for need
 * << 16 | groups moved << 24 | gain bp << 32 | mode << 48 | epochs since the last << 56 | 1 <<
 * 63. Then each home given: target = group, cap = crossing weight before << 32 | after,
 * payload = new CPU | old CPU << 8 | gain bp << 16 | threshold bp << 32 | mode << 48 | epochs
 * since the last << 56 | 1 << 63 (v: the verdict it follows; all 0 for a mode's homes).
 */
void coherence_record_placement(const struct coherence_placer *pl, struct coherence_record *rec);
void coherence_record_home(const struct coherence_placer *pl, uint32_t group, int cpu, int old,
                           const struct coherence_place_verdict *v, struct coherence_record *rec);

#endif /* RVM_COHERENCE_ENGINE_H */
