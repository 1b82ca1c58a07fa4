/*
 * tests/unit/agent_fixture.h: the test modules (tests/unit/agent_modules.c) and the fake
 * kernel with its witness shadow (tests/unit/agent_fixture.c) the agent_*_test.c files
 * share: what a test sets, what it reads back, and the helpers that take the lock for it.
 */
#ifndef RVM_TESTS_AGENT_FIXTURE_H
#define RVM_TESTS_AGENT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/agent.h"
#include "witness/witness.h"

#define MARK    0xC0 /* rvm.witness value of a counter's step report */
#define PART_A  4    /* the fake kernel's WASM partitions */
#define PART_B  6
#define PART_EL 3 /* a guest partition: not WASM */
#define EDGE    5 /* the edge handle agents use */

/* ---- the test modules (agent_modules.c) ---------------------------------------------- */

/* The "rvm" imports, in the order every test module imports them. */
enum {
        IMP_LOG,
        IMP_TIME,
        IMP_YIELD,
        IMP_CAP,
        IMP_SEND,
        IMP_PUT,
        IMP_NOTIFY,
        IMP_RECV,
        IMP_WIT,
        IMP_SPAWN,
        IMP_COUNT
};

/* The test modules. */
enum {
        M_TICKER,
        M_SPINNER,
        M_RETURN,
        M_TRAP,
        M_RECV,
        M_SPAWNER,
        M_HOSTILE,
        M_UNLINK,
        M_NORUN,
        M_GARBAGE,
        M_CAPS,
        M_COUNT
};

/* The hostile module's host calls: each result is reported as tag, with value = the case. */
struct hostile_case {
        int imp;
        int64_t a[4];
        int32_t want;
};
static const struct hostile_case hostile[] = {
    {IMP_LOG, {0, 200}, AGENT_E_INVALID},            /* longer than a line */
    {IMP_LOG, {0xFFFFFFF0, 0x10}, AGENT_E_RANGE},    /* wraps past 4 GiB */
    {IMP_LOG, {65530, 10}, AGENT_E_RANGE},           /* across the end of memory */
    {IMP_LOG, {65536, 0}, 0},                        /* empty, at the end */
    {IMP_LOG, {48, 5}, 5},                           /* "hi??\n" */
    {IMP_PUT, {EDGE, 0xFFFFFFFF, 1}, AGENT_E_RANGE}, /* last byte of the address space */
    {IMP_PUT, {EDGE, 0, 65}, AGENT_E_INVALID},       /* longer than a slot */
    {IMP_RECV, {EDGE, 65535, 64, 0}, AGENT_E_RANGE}, /* buffer across the end */
    {IMP_RECV, {EDGE, 0, 0, 0}, AGENT_E_INVALID},    /* no buffer */
    {IMP_RECV, {EDGE, 0, 64, 2}, AGENT_E_INVALID},   /* unknown flag */
    {IMP_RECV, {EDGE, 0, -1, 0}, 0},                 /* 4 GiB buffer: 64 bytes used, empty */
    {IMP_SPAWN, {PART_A, 0xFFFFFFFF, 2}, AGENT_E_RANGE},
    {IMP_SPAWN, {PART_A, 32, 6}, AGENT_E_INVALID},  /* "nosuch" */
    {IMP_SPAWN, {PART_A, 16, 40}, AGENT_E_INVALID}, /* name too long */
    {IMP_SPAWN, {PART_EL, 16, 6}, AGENT_E_INVALID}, /* not a WASM partition */
    {IMP_SPAWN, {-1, 16, 6}, AGENT_E_INVALID},      /* capability naming no partition */
};
#define HOSTILE_N (sizeof(hostile) / sizeof(hostile[0]))

/* rvm.cap(type, index) queries of the caps module. */
static const int64_t cap_queries[][2] = {{2, 0}, {2, 1}, {2, 2}, {2, -1}, {9, 0}, {3, 0}};

/* Assembles every test module: once, before the tests. */
void build_modules(void);
/* Make every test module's bytes readable, or not (a read is then a SIGSEGV). */
void modules_readable(bool readable);
/* Test module m as an agent image (it may witness and spawn). */
struct agent_image image(int m);

/* ---- the fake kernel (agent_fixture.c) ------------------------------------------------ */

extern int lock_depth;
extern unsigned fp_enters, wakes[AGENT_PRINCIPAL_BASE + 1];
extern char last_line[AGENT_LOG_MAX + 1]; /* the last line rvm.log wrote */
extern long alloc_fail_in;                /* the n-th allocation from now fails (0 = the next) */
extern size_t live_allocs;
/* Set: the test modules cannot be read while the lock is held (setup clears it). A module
 * is decoded outside the lock; migration and reconstruction read it under the lock. */
extern bool modules_locked_away;

/* Step reports, per principal. */
extern uint32_t last_step[64];
extern unsigned steps_total, step_errors;
/* Other witness() reports: the last few. */
struct report {
        uint32_t principal;
        int64_t tag;
        uint64_t value;
};
extern struct report reports[256];
extern unsigned nreports;

/* The fake CommEdge: one slot of one message per agent's incoming ring. */
extern bool inbox_full[64];
extern uint8_t inbox[64][AGENT_MSG_SIZE];
extern bool end_waiting[64];
extern unsigned edge_full_at; /* outgoing ring capacity */
/* The gate token agent_put and agent_recv hand to the CommEdge. */
struct gate_tok {
        uint32_t caller;
        uint64_t edge;
};
/* The fake CAP_LIST table never reaching its end; how often it was called. */
extern bool caps_endless;
extern unsigned cap_list_calls;

/* The fake clock advances by clock_step ns a reading. */
extern uint64_t clock_step;
/* The moved hook: the last move it was told of. */
extern unsigned moves_told;
extern uint32_t moved_agent, moved_from, moved_to;

/* The witness: agent states as the lifecycle records tell them (-1 = not created), the
 * records counted (bad: an illegal or unexpected change), and the last of each kind. */
extern int shadow[AGENT_MAX + 1];
extern unsigned agent_records, denied_records, bad_records;
extern struct witness_event last_agent_event;
extern unsigned move_records, move_denied;
extern struct witness_event last_move;

/* Recovery (wasm/agent.h): WK_REC_RESTART, WK_MEM_CHECKPOINT and WK_REC_INJECT records
 * counted (denied apart) and the last of each; the env->recovered hook's calls. A restarted
 * agent's step reports must go on from the step its checkpoint held (1 from its start). */
extern unsigned restart_records, restart_denied, ckpt_records, ckpt_denied, inject_records;
extern struct witness_event last_restart, last_ckpt;
struct recovery {
        uint32_t agent;
        enum wasm_trap trap;
        enum agent_recovery how;
        uint32_t n, ckpt;
        uint64_t ckpt_turn;
};
extern unsigned recoveries;
extern struct recovery last_recovery;

/* The kernel lock, as the fake takes it: never twice. */
uint64_t fake_lock(void);
void fake_unlock(uint64_t saved);

/* The agents' CommEdges as the fake kernel keeps them for checkpoints on command (64 bytes
 * per principal), what a restore put back, and whether they fit. */
extern uint8_t edges_now[AGENT_PRINCIPAL_BASE + AGENT_MAX + 1][64];
extern uint8_t edges_back[AGENT_PRINCIPAL_BASE + AGENT_MAX + 1][64];
extern bool edges_too_big;

/* A test's setup: a fresh capability module, agent_init, and the fake reset. */
int setup(void **state);
/* Kill what is left: then every page must be back. */
int teardown(void **state);
/* Under the lock: reserve an agent of module m in partition (agent_spawn, as actor with cap:
 * initializing, its module not loaded), and what agent_info, agent_runnable and
 * agent_doorbell say or do. spawn: reserve, then load it at once (agent_load, outside the
 * lock, as the boot does); AGENT_E_INVALID if its module does not load. */
int32_t reserve(int m, uint32_t partition, uint32_t actor, cap_handle_t cap);
int32_t spawn(int m, uint32_t partition);
struct agent_info info(uint32_t id);
enum agent_state state_of(uint32_t id);
bool runnable(uint32_t partition);
void doorbell(uint32_t principal);

#endif
