/*
 * tests/unit/agent_fixture.c: the fake kernel the agent tests run wasm/agent.c and
 * wasm/agent_calls.c on, a struct agent_env: a lock that must never be taken twice, a gate
 * that dispatches the agent entries as kernel/agents.c does, page allocations made under the
 * lock (the kernel's page allocator is its), counted (and can be made to fail), handed out
 * dirty and taken back wiped, two WASM partitions (4 and 6), a one-slot CommEdge ring per
 * agent. The real capability module (cap/) gives agents their tables. Every lifecycle
 * record is checked against a shadow of the agents' states.
 *
 * Counter modules report every step through rvm.witness (value MARK); the fake gate checks
 * that each report is the previous one plus one, so a resume that restarts, skips or repeats
 * work (after fuel preemption, hibernation, migration) fails the test at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cap/cap.h"
#include "tests/unit/agent_fixture.h"

/* ---- the fake kernel ------------------------------------------------------------------- */

int lock_depth;
unsigned fp_enters, wakes[AGENT_PRINCIPAL_BASE + 1];
static unsigned lines;
char last_line[AGENT_LOG_MAX + 1];
long alloc_fail_in = -1; /* the n-th allocation from now fails (0 = the next) */
size_t live_allocs;
bool modules_locked_away;
static size_t live_bytes;

/* Step reports, per principal. */
uint32_t last_step[64];
unsigned steps_total, step_errors;
/* Other witness() reports: the last few. */
struct report reports[256];
unsigned nreports;

/* The fake CommEdge: one slot of one message per agent's incoming ring. */
bool inbox_full[64];
uint8_t inbox[64][AGENT_MSG_SIZE];
static unsigned outbox_count[64];
bool end_waiting[64];
unsigned edge_full_at = 1000000; /* outgoing ring capacity */

/* The fake table rvm.cap walks (CAP_LIST). */
static const uint64_t fake_caps[][2] = {{0x1001, 2}, {0x1002, 3}, {0x1003, 2}};
bool caps_endless; /* CAP_LIST never reaches the end of the table */
unsigned cap_list_calls;

uint64_t fake_lock(void)
{
        assert_int_equal(lock_depth, 0); /* wasm/ never takes it twice */
        lock_depth++;
        if (modules_locked_away) {
                modules_readable(false);
        }
        return 0x5AFE;
}

void fake_unlock(uint64_t saved)
{
        assert_int_equal(lock_depth, 1);
        assert_int_equal(saved, 0x5AFE);
        if (modules_locked_away) {
                modules_readable(true);
        }
        lock_depth--;
}

static void *fake_alloc(size_t bytes)
{
        assert_int_equal(lock_depth, 1);
        if (alloc_fail_in == 0) {
                alloc_fail_in = -1;
                return NULL;
        }
        if (alloc_fail_in > 0) {
                alloc_fail_in--;
        }
        size_t rounded = (bytes + 4095) & ~(size_t)4095;
        void *p = aligned_alloc(4096, rounded);
        assert_non_null(p);
        memset(p, 0xA5, rounded); /* as the kernel's: not zeroed (wasm/ does it) */
        live_allocs++;
        live_bytes += rounded;
        return p;
}

static void fake_free(void *p, size_t bytes)
{
        size_t rounded = (bytes + 4095) & ~(size_t)4095;

        assert_int_equal(lock_depth, 1);
        assert_non_null(p);
        size_t dirty = 0;
        while (dirty < bytes && ((uint8_t *)p)[dirty] == 0) {
                dirty++;
        }
        assert_int_equal(dirty, bytes); /* wiped before it goes back */
        assert_true(live_allocs > 0 && live_bytes >= rounded);
        live_allocs--;
        live_bytes -= rounded;
        free(p);
}

static void fake_fp_enter(void)
{
        fp_enters++;
}

static bool fake_partition_ok(uint32_t partition)
{
        assert_int_equal(lock_depth, 1);
        return partition == PART_A || partition == PART_B;
}

static void fake_wake(uint32_t partition)
{
        assert_int_equal(lock_depth, 1);
        assert_true(partition == PART_A || partition == PART_B);
        wakes[partition]++;
}

static bool fake_image_named(const char *name, size_t len, struct agent_image *out)
{
        if (len == 6 && memcmp(name, "crunch", 6) == 0) {
                *out = image(M_TICKER);
                return true;
        }
        return false;
}

static void fake_log_line(uint32_t agent, const char *name, const char *text)
{
        assert_int_equal(lock_depth, 1);
        assert_true(agent >= 1 && agent <= AGENT_MAX);
        assert_non_null(name);
        assert_true(strlen(text) <= AGENT_LOG_MAX);
        for (const char *p = text; *p != '\0'; p++) {
                assert_true(*p == '\n' || (*p >= 0x20 && *p <= 0x7e));
        }
        strcpy(last_line, text);
        lines++;
}

static int32_t fake_edge_put(void *gate, const uint8_t msg[AGENT_MSG_SIZE])
{
        const struct gate_tok *t = gate;

        (void)msg;
        assert_int_equal(lock_depth, 1);
        if (t->edge != EDGE) {
                return AGENT_E_INVALID;
        }
        if (outbox_count[t->caller] >= edge_full_at) {
                return AGENT_E_NO_SPACE;
        }
        outbox_count[t->caller]++;
        return 0;
}

static int32_t fake_edge_take(void *gate, uint8_t msg[AGENT_MSG_SIZE], bool wait)
{
        const struct gate_tok *t = gate;

        assert_int_equal(lock_depth, 1);
        if (t->edge != EDGE) {
                return AGENT_E_INVALID;
        }
        if (!inbox_full[t->caller]) {
                end_waiting[t->caller] = wait;
                return 0;
        }
        memcpy(msg, inbox[t->caller], AGENT_MSG_SIZE);
        inbox_full[t->caller] = false;
        return 1;
}

/* The gate, as kernel/hvc.c + kernel/agents.c dispatch the agents' entries. */
static int32_t fake_gate_call(uint32_t principal, uint64_t x[8])
{
        struct gate_tok tok = {.caller = principal, .edge = x[1]};
        int32_t st = -1;

        assert_int_equal(lock_depth, 1);
        assert_true(principal > AGENT_PRINCIPAL_BASE && principal < 64);
        assert_int_equal(x[0] >> 16, 0xC600);
        switch (x[0] & 0xFFFF) {
        case 0x04: /* CAP_LIST: x1 = cursor in; x1 = handle (0: end), x2 = next, x3 = type */
                cap_list_calls++;
                if (caps_endless) {
                        x[2] = x[1];
                        x[1] = 0x2000;
                        x[3] = 7;
                } else if (x[1] < 3) {
                        x[2] = x[1] + 1;
                        x[3] = fake_caps[x[1]][1];
                        x[1] = fake_caps[x[1]][0];
                } else {
                        x[1] = 0;
                }
                st = 0;
                break;
        case 0x05: /* TIME */
                x[1] = 123456789;
                st = 0;
                break;
        case 0x10: /* EDGE_NOTIFY */
                st = x[1] == EDGE ? 0 : AGENT_E_INVALID;
                break;
        case 0x200:
                st = agent_log(principal, x[1], x[2], &x[1]);
                break;
        case 0x201:
        case 0x205:
                st = agent_put(principal, x[2], x[3], &tok);
                break;
        case 0x202:
                st = agent_recv(principal, x[2], x[3], x[4], &tok, &x[1]);
                break;
        case 0x203: /* WITNESS: the report */
                assert_true(agent_is(principal));
                if (x[3] == MARK) {
                        if ((uint32_t)x[2] != last_step[principal] + 1) {
                                step_errors++;
                        }
                        last_step[principal] = (uint32_t)x[2];
                        steps_total++;
                } else {
                        reports[nreports++ % 256] =
                            (struct report){principal, (int32_t)(uint32_t)x[2], x[3]};
                }
                st = 0;
                break;
        case 0x204: /* SPAWN: the fake capability names the partition itself */
                st = agent_spawn_named(principal, x[2], x[3], (uint32_t)x[1], x[1], &x[1]);
                break;
        }
        x[0] = (uint64_t)(int64_t)st;
        return st;
}

/* The fake clock: each reading advances it by clock_step ns. */
static uint64_t clock_now;
uint64_t clock_step;
static uint64_t fake_now(void)
{
        clock_now += clock_step;
        return clock_now;
}

/* The moved hook: the last move it was told of. */
unsigned moves_told;
uint32_t moved_agent, moved_from, moved_to;
static void fake_moved(uint32_t agent, uint32_t from, uint32_t to)
{
        assert_int_equal(lock_depth, 1);
        moves_told++;
        moved_agent = agent;
        moved_from = from;
        moved_to = to;
}

/* The checkpoint pool (agent_env.ckpt_pool) and the recovery hook: what it was told last;
 * the step each agent's last checkpoint holds. */
static uint32_t ckpt_step[64];
static uint8_t ckpt_pool[AGENT_CKPT_SLOTS * AGENT_CKPT_BYTES];
unsigned recoveries;
struct recovery last_recovery;
static void fake_recovered(uint32_t agent, const char *name, enum wasm_trap trap,
                           enum agent_recovery how, uint32_t n, uint32_t ckpt, uint64_t ckpt_turn)
{
        assert_int_equal(lock_depth, 1);
        assert_non_null(name);
        recoveries++;
        last_recovery = (struct recovery){agent, trap, how, n, ckpt, ckpt_turn};
        /* Its step reports go on from what it is restarted with. */
        if (how == AGENT_RECOVER_CHECKPOINT) {
                last_step[AGENT_PRINCIPAL(agent)] = ckpt_step[AGENT_PRINCIPAL(agent)];
        } else if (how == AGENT_RECOVER_START) {
                last_step[AGENT_PRINCIPAL(agent)] = 0;
        }
}

/* An agent's CommEdges as its checkpoint on command sees them: 64 bytes per principal,
 * what a restore put back, and a switch that makes them not fit. */
uint8_t edges_now[AGENT_PRINCIPAL_BASE + AGENT_MAX + 1][64];
uint8_t edges_back[AGENT_PRINCIPAL_BASE + AGENT_MAX + 1][64];
bool edges_too_big;

static int32_t fake_edges_save(uint32_t principal, uint8_t *buf, size_t cap)
{
        if (edges_too_big || cap < sizeof(edges_now[0]) ||
            principal >= AGENT_PRINCIPAL_BASE + AGENT_MAX + 1) {
                return -1;
        }
        memcpy(buf, edges_now[principal], sizeof(edges_now[0]));
        return (int32_t)sizeof(edges_now[0]);
}

static void fake_edges_restore(uint32_t principal, const uint8_t *buf, size_t len)
{
        if (len == sizeof(edges_back[0]) && principal < AGENT_PRINCIPAL_BASE + AGENT_MAX + 1) {
                memcpy(edges_back[principal], buf, len);
        }
}

static const struct agent_env env = {
    .lock = fake_lock,
    .unlock = fake_unlock,
    .gate_call = fake_gate_call,
    .alloc = fake_alloc,
    .free = fake_free,
    .fp_enter = fake_fp_enter,
    .partition_ok = fake_partition_ok,
    .wake_partition = fake_wake,
    .image_named = fake_image_named,
    .log_line = fake_log_line,
    .edge_put = fake_edge_put,
    .edge_take = fake_edge_take,
    .now_ns = fake_now,
    .moved = fake_moved,
    .ckpt_pool = ckpt_pool,
    .ckpt_slots = AGENT_CKPT_SLOTS,
    .recovered = fake_recovered,
    .edges_save = fake_edges_save,
    .edges_restore = fake_edges_restore,
};

/* ---- the witness: every lifecycle record is checked against a shadow of the states ---- */

int shadow[AGENT_MAX + 1]; /* -1 = not created */
unsigned agent_records, denied_records, bad_records;
struct witness_event last_agent_event;
unsigned move_records, move_denied;
struct witness_event last_move;
unsigned restart_records, restart_denied, ckpt_records, ckpt_denied, inject_records;
struct witness_event last_restart, last_ckpt;

static bool legal(int from, int to)
{
        static const uint8_t next[] = {
            [AGENT_INITIALIZING] = 1u << AGENT_RUNNING | 1u << AGENT_TERMINATED,
            [AGENT_RUNNING] = 1u << AGENT_SUSPENDED | 1u << AGENT_HIBERNATED |
                              1u << AGENT_MIGRATING | 1u << AGENT_TERMINATED |
                              1u << AGENT_RECONSTRUCTING, /* a restart after a trap */
            [AGENT_SUSPENDED] = 1u << AGENT_RUNNING | 1u << AGENT_HIBERNATED |
                                1u << AGENT_MIGRATING | 1u << AGENT_TERMINATED,
            [AGENT_MIGRATING] =
                1u << AGENT_RECONSTRUCTING | 1u << AGENT_RUNNING | 1u << AGENT_SUSPENDED,
            [AGENT_HIBERNATED] = 1u << AGENT_RECONSTRUCTING | 1u << AGENT_TERMINATED,
            [AGENT_RECONSTRUCTING] =
                1u << AGENT_RUNNING | 1u << AGENT_SUSPENDED | 1u << AGENT_TERMINATED,
            [AGENT_TERMINATED] = 0,
        };
        return from >= 0 && from <= AGENT_TERMINATED && (next[from] & (1u << to)) != 0;
}

void witness_emit(const struct witness_event *ev)
{
        if (ev->kind == WK_WASM_MOVE) {
                last_move = *ev;
                if ((ev->flags & WITNESS_F_DENIED) != 0) {
                        move_denied++;
                } else {
                        move_records++;
                }
                return;
        }
        const bool no = (ev->flags & WITNESS_F_DENIED) != 0;
        if (ev->kind == WK_REC_RESTART) {
                last_restart = *ev;
                if (no) {
                        restart_denied++;
                } else {
                        restart_records++;
                }
                return;
        }
        if (ev->kind == WK_MEM_CHECKPOINT) {
                last_ckpt = *ev;
                if (!no && ev->target < 64) {
                        ckpt_step[ev->target] = last_step[ev->target];
                }
                if (no) {
                        ckpt_denied++;
                } else {
                        ckpt_records++;
                }
                return;
        }
        if (ev->kind == WK_REC_INJECT) {
                inject_records += no ? 0 : 1;
                return;
        }
        if (ev->kind != WK_WASM_AGENT) {
                return; /* cap/'s own records */
        }
        if ((ev->flags & WITNESS_F_DENIED) != 0) {
                denied_records++;
                last_agent_event = *ev;
                return;
        }
        agent_records++;
        last_agent_event = *ev;
        int to = (int)(ev->payload & 0xff);
        int from = (int)((ev->payload >> 32) & 0xff);
        uint64_t id = ev->target;
        if (id < 1 || id > AGENT_MAX) {
                bad_records++;
                return;
        }
        if (shadow[id] < 0) { /* creation: initializing, from nothing */
                if (to != AGENT_INITIALIZING || from != 0) {
                        bad_records++;
                }
        } else if (from != shadow[id] || !legal(from, to)) {
                bad_records++;
        }
        shadow[id] = to;
}

/* ---- helpers ---------------------------------------------------------------------------- */

int setup(void **state)
{
        (void)state;
        cap_init();
        assert_int_equal(cap_table_create(0), CAP_OK);
        cap_obj_t log;
        cap_handle_t h;
        assert_int_equal(cap_object_create(CAP_T_WITNESS_LOG, 0, 0, 0, &log), CAP_OK);
        assert_int_equal(cap_mint_root(log, 0, CAP_R_ALL, &h), CAP_OK);
        for (uint32_t p = 1; p <= AGENT_PRINCIPAL_BASE; p++) {
                assert_int_equal(cap_table_create(p), CAP_OK);
        }
        agent_init(&env);
        lock_depth = 0;
        modules_locked_away = false;
        modules_readable(true);
        fp_enters = lines = 0;
        memset(wakes, 0, sizeof(wakes));
        alloc_fail_in = -1;
        memset(last_step, 0, sizeof(last_step));
        steps_total = step_errors = nreports = 0;
        memset(inbox_full, 0, sizeof(inbox_full));
        memset(outbox_count, 0, sizeof(outbox_count));
        memset(end_waiting, 0, sizeof(end_waiting));
        edge_full_at = 1000000;
        caps_endless = false;
        cap_list_calls = 0;
        for (unsigned i = 0; i <= AGENT_MAX; i++) {
                shadow[i] = -1;
        }
        agent_records = denied_records = bad_records = 0;
        move_records = move_denied = moves_told = 0;
        restart_records = restart_denied = ckpt_records = ckpt_denied = inject_records = 0;
        recoveries = 0;
        memset(edges_now, 0, sizeof(edges_now));
        memset(edges_back, 0, sizeof(edges_back));
        edges_too_big = false;
        memset(&last_recovery, 0, sizeof(last_recovery));
        memset(ckpt_step, 0, sizeof(ckpt_step));
        moved_agent = moved_from = moved_to = 0;
        clock_now = 0;
        clock_step = 1000;
        return 0;
}

int teardown(void **state)
{
        (void)state;
        for (uint32_t id = 1; id <= agent_count(); id++) {
                agent_control(id, AGENT_OP_KILL, 0);
        }
        assert_int_equal(live_allocs, 0);
        assert_int_equal(live_bytes, 0);
        assert_int_equal(bad_records, 0);
        assert_int_equal(lock_depth, 0);
        return 0;
}

int32_t reserve(int m, uint32_t partition, uint32_t actor, cap_handle_t cap)
{
        struct agent_image img = image(m);
        uint64_t saved = fake_lock();
        int32_t id = agent_spawn(&img, partition, actor, cap);
        fake_unlock(saved);
        return id;
}

int32_t spawn(int m, uint32_t partition)
{
        int32_t id = reserve(m, partition, 0, 0);

        return id > 0 && agent_load((uint32_t)id) != AGENT_OK ? AGENT_E_INVALID : id;
}

struct agent_info info(uint32_t id)
{
        struct agent_info in;
        uint64_t saved = fake_lock();
        assert_true(agent_info(id, &in));
        fake_unlock(saved);
        return in;
}

enum agent_state state_of(uint32_t id)
{
        return info(id).state;
}

bool runnable(uint32_t partition)
{
        uint64_t saved = fake_lock();
        bool r = agent_runnable(partition);
        fake_unlock(saved);
        return r;
}

void doorbell(uint32_t principal)
{
        uint64_t saved = fake_lock();
        agent_doorbell(principal);
        fake_unlock(saved);
}
