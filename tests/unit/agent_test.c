/*
 * Host unit tests of the agents' lifecycle and host module (wasm/agent.c, wasm/agent_calls.c),
 * driven through a fake struct agent_env that plays the kernel: a lock that must never be
 * taken twice, a gate that dispatches the agent entries as kernel/agents.c does, page
 * allocations that are counted (and can be made to fail), two WASM partitions (4 and 6), a
 * one-slot CommEdge ring per agent. The real capability module (cap/) gives agents their
 * tables. Agents run small modules assembled below from bytes.
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
#include "wasm/agent.h"
#include "witness/witness.h"

#define MARK    0xC0 /* rvm.witness value of a counter's step report */
#define PART_A  4    /* the fake kernel's WASM partitions */
#define PART_B  6
#define PART_EL 3 /* a guest partition: not WASM */
#define EDGE    5 /* the edge handle agents use */

/* ---- module assembly ------------------------------------------------------------------- */

struct mod {
        uint8_t b[2048];
        size_t n;
};

static void put8(struct mod *m, uint8_t v)
{
        assert_true(m->n < sizeof(m->b));
        m->b[m->n++] = v;
}

static void putu(struct mod *m, uint64_t v)
{
        do {
                uint8_t byte = v & 0x7f;
                v >>= 7;
                put8(m, byte | (v != 0 ? 0x80 : 0));
        } while (v != 0);
}

static void puts_(struct mod *m, const void *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                put8(m, ((const uint8_t *)p)[i]);
        }
}

static void section(struct mod *m, uint8_t id, const struct mod *body)
{
        put8(m, id);
        putu(m, body->n);
        puts_(m, body->b, body->n);
}

static void sleb(struct mod *m, int64_t v)
{
        for (;;) {
                uint8_t byte = v & 0x7f;
                v >>= 7;
                if ((v == 0 && (byte & 0x40) == 0) || (v == -1 && (byte & 0x40) != 0)) {
                        put8(m, byte);
                        return;
                }
                put8(m, byte | 0x80);
        }
}

/* Function bodies: a few opcodes. */
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
static void i32c(struct mod *c, int64_t v)
{
        put8(c, 0x41);
        sleb(c, (int32_t)v);
}
static void i64c(struct mod *c, int64_t v)
{
        put8(c, 0x42);
        sleb(c, v);
}
static void op(struct mod *c, uint8_t o)
{
        put8(c, o);
}
static void op1(struct mod *c, uint8_t o, uint32_t imm)
{
        put8(c, o);
        putu(c, imm);
}
#define LGET(c, i) op1(c, 0x20, i)
#define LSET(c, i) op1(c, 0x21, i)
#define CALL(c, f) op1(c, 0x10, f)

/* witness(EDGE, tag = i32 on the stack, value) and drop its status. */
static void report_top(struct mod *c, int64_t value)
{
        LSET(c, 1);
        i64c(c, 7);
        LGET(c, 1);
        i64c(c, value);
        CALL(c, IMP_WIT);
        op(c, 0x1a);
}

/* local0 += 1; report local0 */
static void step(struct mod *c)
{
        LGET(c, 0);
        i32c(c, 1);
        op(c, 0x6a);
        LSET(c, 0);
        LGET(c, 0);
        report_top(c, MARK);
}

/*
 * A module importing all of "rvm" (plus "rvm"."nope" if unlinkable), with one page of memory
 * holding "crunch" at 16, "nosuch" at 32 and "hi\x01\x7f\n" at 48, and `run` = body (two i32
 * locals). The memory is 1 page, so 65536 is its end.
 */
static size_t build(uint8_t *out, const struct mod *body, bool unlinkable, bool export_run)
{
        static const uint8_t types[] = {
            8,    0x60, 2,    0x7f, 0x7f, 1,    0x7f,       /* 0 (ii)i */
            0x60, 0,    1,    0x7e,                         /* 1 ()I */
            0x60, 0,    0,                                  /* 2 () */
            0x60, 2,    0x7f, 0x7f, 1,    0x7e,             /* 3 (ii)I */
            0x60, 3,    0x7e, 0x7f, 0x7f, 1,    0x7f,       /* 4 (Iii)i */
            0x60, 1,    0x7e, 1,    0x7f,                   /* 5 (I)i */
            0x60, 4,    0x7e, 0x7f, 0x7f, 0x7f, 1,    0x7f, /* 6 (Iiii)i */
            0x60, 3,    0x7e, 0x7f, 0x7e, 1,    0x7f,       /* 7 (IiI)i */
        };
        static const struct {
                const char *name;
                uint8_t type;
        } imps[] = {{"log", 0},     {"time", 1},  {"yield", 2},  {"cap", 3},
                    {"send", 4},    {"put", 4},   {"notify", 5}, {"recv", 6},
                    {"witness", 7}, {"spawn", 4}, {"nope", 2}};
        static const uint8_t data[] = {'c', 'r', 'u', 'n', 'c', 'h', 0,   0,   0,   0,    0,   0, 0,
                                       0,   0,   0,   'n', 'o', 's', 'u', 'c', 'h', 0,    0,   0, 0,
                                       0,   0,   0,   0,   0,   0,   'h', 'i', 1,   0x7f, '\n'};
        struct mod m = {0}, s = {0};
        unsigned nimp = unlinkable ? IMP_COUNT + 1 : IMP_COUNT;

        puts_(&m, "\0asm\1\0\0\0", 8);
        puts_(&s, types, sizeof(types));
        section(&m, 1, &s);
        s.n = 0;
        putu(&s, nimp);
        for (unsigned i = 0; i < nimp; i++) {
                putu(&s, 3);
                puts_(&s, "rvm", 3);
                putu(&s, strlen(imps[i].name));
                puts_(&s, imps[i].name, strlen(imps[i].name));
                put8(&s, 0);
                putu(&s, imps[i].type);
        }
        section(&m, 2, &s);
        s.n = 0;
        puts_(&s, "\1\2", 2); /* one function, type 2 */
        section(&m, 3, &s);
        s.n = 0;
        puts_(&s, "\1\0\1", 3); /* one memory, min 1 page */
        section(&m, 5, &s);
        s.n = 0;
        put8(&s, 1);
        putu(&s, 3);
        puts_(&s, export_run ? "run" : "go!", 3);
        put8(&s, 0);
        putu(&s, nimp);
        section(&m, 7, &s);
        struct mod f = {0};
        puts_(&f, "\1\2\x7f", 3); /* two i32 locals */
        puts_(&f, body->b, body->n);
        put8(&f, 0x0b);
        s.n = 0;
        put8(&s, 1);
        putu(&s, f.n);
        puts_(&s, f.b, f.n);
        section(&m, 10, &s);
        s.n = 0;
        puts_(&s, "\1\0\x41\x10\x0b", 5); /* active segment at i32.const 16 */
        putu(&s, sizeof(data));
        puts_(&s, data, sizeof(data));
        section(&m, 11, &s);
        memcpy(out, m.b, m.n);
        return m.n;
}

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
static const char *const mod_names[M_COUNT] = {"ticker", "spinner", "return",  "trap",
                                               "recv",   "spawner", "hostile", "unlink",
                                               "norun",  "garbage", "caps"};
static uint8_t mod_bytes[M_COUNT][2048];
static size_t mod_size[M_COUNT];

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

/* rvm.cap(type, index) queries of the caps module, and the fake table they walk. */
static const int64_t cap_queries[][2] = {{2, 0}, {2, 1}, {2, 2}, {2, -1}, {9, 0}, {3, 0}};
static const uint64_t fake_caps[][2] = {{0x1001, 2}, {0x1002, 3}, {0x1003, 2}};
static bool caps_endless; /* CAP_LIST never reaches the end of the table */
static unsigned cap_list_calls;

static void build_modules(void)
{
        static const uint8_t sigs[IMP_COUNT][5] = {[IMP_LOG] = {2, 0x7f, 0x7f},
                                                   [IMP_PUT] = {3, 0x7e, 0x7f, 0x7f},
                                                   [IMP_RECV] = {4, 0x7e, 0x7f, 0x7f, 0x7f},
                                                   [IMP_SPAWN] = {3, 0x7e, 0x7f, 0x7f}};
        struct mod b;

        /* ticker: loop { step; yield } */
        b = (struct mod){0};
        op(&b, 0x03), op(&b, 0x40);
        step(&b);
        CALL(&b, IMP_YIELD);
        op1(&b, 0x0c, 0), op(&b, 0x0b);
        mod_size[M_TICKER] = build(mod_bytes[M_TICKER], &b, false, true);

        /* spinner: loop { local0++; if (local0 & 255) == 0: report local0 >> 8 } */
        b = (struct mod){0};
        op(&b, 0x03), op(&b, 0x40);
        LGET(&b, 0), i32c(&b, 1), op(&b, 0x6a), LSET(&b, 0);
        LGET(&b, 0), i32c(&b, 255), op(&b, 0x71), op(&b, 0x45);
        op(&b, 0x04), op(&b, 0x40);
        LGET(&b, 0), i32c(&b, 8), op(&b, 0x76);
        report_top(&b, MARK);
        op(&b, 0x0b);
        op1(&b, 0x0c, 0), op(&b, 0x0b);
        mod_size[M_SPINNER] = build(mod_bytes[M_SPINNER], &b, false, true);

        b = (struct mod){0};
        step(&b); /* one report, then run returns */
        mod_size[M_RETURN] = build(mod_bytes[M_RETURN], &b, false, true);

        b = (struct mod){0};
        op(&b, 0x00); /* unreachable */
        mod_size[M_TRAP] = build(mod_bytes[M_TRAP], &b, false, true);

        /* recv: loop { report recv(EDGE, 0, 64, wait) } */
        b = (struct mod){0};
        op(&b, 0x03), op(&b, 0x40);
        i64c(&b, EDGE), i32c(&b, 0), i32c(&b, 64), i32c(&b, 1);
        CALL(&b, IMP_RECV);
        report_top(&b, 0x5EC);
        op1(&b, 0x0c, 0), op(&b, 0x0b);
        mod_size[M_RECV] = build(mod_bytes[M_RECV], &b, false, true);

        /* spawner: 3 x report spawn(PART_A, "crunch"), then yield forever */
        b = (struct mod){0};
        for (int i = 0; i < 3; i++) {
                i64c(&b, PART_A), i32c(&b, 16), i32c(&b, 6);
                CALL(&b, IMP_SPAWN);
                report_top(&b, 0x5A);
        }
        op(&b, 0x03), op(&b, 0x40), CALL(&b, IMP_YIELD), op1(&b, 0x0c, 0), op(&b, 0x0b);
        mod_size[M_SPAWNER] = build(mod_bytes[M_SPAWNER], &b, false, true);

        /* hostile: every case of hostile[], each result reported with value = case index */
        b = (struct mod){0};
        for (size_t i = 0; i < HOSTILE_N; i++) {
                const uint8_t *sig = sigs[hostile[i].imp];
                for (unsigned k = 0; k < sig[0]; k++) {
                        if (sig[1 + k] == 0x7e) {
                                i64c(&b, hostile[i].a[k]);
                        } else {
                                i32c(&b, hostile[i].a[k]);
                        }
                }
                CALL(&b, (uint32_t)hostile[i].imp);
                report_top(&b, 0x100 + (int64_t)i);
        }
        mod_size[M_HOSTILE] = build(mod_bytes[M_HOSTILE], &b, false, true);

        b = (struct mod){0};
        mod_size[M_UNLINK] = build(mod_bytes[M_UNLINK], &b, true, true);
        mod_size[M_NORUN] = build(mod_bytes[M_NORUN], &b, false, false);
        memcpy(mod_bytes[M_GARBAGE], "\0asm\1\0\0\0\x01\x7f\x60", 11);
        mod_size[M_GARBAGE] = 11;

        /* caps: report wrap(cap(type, index)) for the pairs of cap_queries, then yield */
        b = (struct mod){0};
        for (size_t i = 0; i < sizeof(cap_queries) / sizeof(cap_queries[0]); i++) {
                i32c(&b, cap_queries[i][0]), i32c(&b, cap_queries[i][1]);
                CALL(&b, IMP_CAP);
                op(&b, 0xa7); /* i32.wrap_i64 */
                report_top(&b, 0xCA);
        }
        op(&b, 0x03), op(&b, 0x40), CALL(&b, IMP_YIELD), op1(&b, 0x0c, 0), op(&b, 0x0b);
        mod_size[M_CAPS] = build(mod_bytes[M_CAPS], &b, false, true);
}

static struct agent_image image(int m)
{
        return (struct agent_image){.name = mod_names[m],
                                    .wasm = mod_bytes[m],
                                    .wasm_size = mod_size[m],
                                    .may_witness = true,
                                    .may_spawn = true};
}

/* ---- the fake kernel ------------------------------------------------------------------- */

static int lock_depth;
static unsigned fp_enters, wakes[AGENT_PRINCIPAL_BASE + 1], lines;
static char last_line[AGENT_LOG_MAX + 1];
static long alloc_fail_in = -1; /* the n-th allocation from now fails (0 = the next) */
static size_t live_allocs, live_bytes;

/* Step reports, per principal. */
static uint32_t last_step[64];
static unsigned steps_total, step_errors;
/* Other witness() reports: the last few. */
struct report {
        uint32_t principal;
        int64_t tag;
        uint64_t value;
};
static struct report reports[256];
static unsigned nreports;

/* The fake CommEdge: one slot of one message per agent's incoming ring. */
static bool inbox_full[64];
static uint8_t inbox[64][AGENT_MSG_SIZE];
static unsigned outbox_count[64];
static bool end_waiting[64];
static unsigned edge_full_at = 1000000; /* outgoing ring capacity */

struct gate_tok {
        uint32_t caller;
        uint64_t edge;
};

static uint64_t fake_lock(void)
{
        assert_int_equal(lock_depth, 0); /* wasm/ never takes it twice */
        lock_depth++;
        return 0x5AFE;
}

static void fake_unlock(uint64_t saved)
{
        assert_int_equal(lock_depth, 1);
        assert_int_equal(saved, 0x5AFE);
        lock_depth--;
}

static void *fake_alloc(size_t bytes)
{
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
        memset(p, 0, rounded);
        live_allocs++;
        live_bytes += rounded;
        return p;
}

static void fake_free(void *p, size_t bytes)
{
        size_t rounded = (bytes + 4095) & ~(size_t)4095;

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
static uint64_t clock_now, clock_step;
static uint64_t fake_now(void)
{
        clock_now += clock_step;
        return clock_now;
}

/* The moved hook: the last move it was told of. */
static unsigned moves_told;
static uint32_t moved_agent, moved_from, moved_to;
static void fake_moved(uint32_t agent, uint32_t from, uint32_t to)
{
        assert_int_equal(lock_depth, 1);
        moves_told++;
        moved_agent = agent;
        moved_from = from;
        moved_to = to;
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
};

/* ---- the witness: every lifecycle record is checked against a shadow of the states ---- */

static int shadow[AGENT_MAX + 1]; /* -1 = not created */
static unsigned agent_records, denied_records, bad_records;
static struct witness_event last_agent_event;
static unsigned move_records, move_denied;
static struct witness_event last_move;

static bool legal(int from, int to)
{
        static const uint8_t next[] = {
            [AGENT_INITIALIZING] = 1u << AGENT_RUNNING | 1u << AGENT_TERMINATED,
            [AGENT_RUNNING] = 1u << AGENT_SUSPENDED | 1u << AGENT_HIBERNATED |
                              1u << AGENT_MIGRATING | 1u << AGENT_TERMINATED,
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

static int setup(void **state)
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
        moved_agent = moved_from = moved_to = 0;
        clock_now = 0;
        clock_step = 1000;
        return 0;
}

/* Kill what is left: then every page must be back. */
static int teardown(void **state)
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

static int32_t spawn(int m, uint32_t partition)
{
        struct agent_image img = image(m);
        uint64_t saved = fake_lock();
        int32_t id = agent_spawn(&img, partition, 0, 0);
        fake_unlock(saved);
        return id;
}

static struct agent_info info(uint32_t id)
{
        struct agent_info in;
        uint64_t saved = fake_lock();
        assert_true(agent_info(id, &in));
        fake_unlock(saved);
        return in;
}

static enum agent_state state_of(uint32_t id)
{
        return info(id).state;
}

static bool runnable(uint32_t partition)
{
        uint64_t saved = fake_lock();
        bool r = agent_runnable(partition);
        fake_unlock(saved);
        return r;
}

static void doorbell(uint32_t principal)
{
        uint64_t saved = fake_lock();
        agent_doorbell(principal);
        fake_unlock(saved);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_spawn_runs_and_gets_its_capabilities(void **state)
{
        (void)state;
        int32_t id = spawn(M_TICKER, PART_A);
        assert_int_equal(id, 1);
        struct agent_info in = info(1);
        assert_int_equal(in.state, AGENT_RUNNING);
        assert_int_equal(in.partition, PART_A);
        assert_string_equal(in.name, "ticker");
        assert_int_equal(in.caps, 2); /* witness log WRITE, partition EXECUTE */
        assert_int_equal(wakes[PART_A], 1);
        assert_true(fp_enters >= 1);        /* decoding ran the engine */
        assert_int_equal(live_allocs, 2);   /* module and instance arenas */
        assert_int_equal(agent_records, 2); /* initializing, running */
        assert_true(runnable(PART_A));
        assert_false(runnable(PART_B));
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 1); /* one step, then rvm.yield */
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 2);
        assert_int_equal(info(1).turns, 2);
        assert_false(agent_run_turn(PART_B)); /* nothing of partition B */
        assert_int_equal(step_errors, 0);
}

static void test_spawn_refuses_bad_partitions_and_modules(void **state)
{
        (void)state;
        const uint32_t parts[] = {0, PART_EL, AGENT_PRINCIPAL_BASE + 1, 0x80000000u, UINT32_MAX};
        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
                assert_int_equal(spawn(M_TICKER, parts[i]), AGENT_E_INVALID);
        }
        assert_int_equal(agent_count(), 0); /* no id used */
        const int bad[] = {M_UNLINK, M_NORUN, M_GARBAGE};
        for (size_t i = 0; i < 3; i++) {
                assert_int_equal(spawn(bad[i], PART_A), AGENT_E_INVALID);
                uint32_t id = agent_count();
                assert_int_equal(state_of(id), AGENT_TERMINATED);
                assert_int_equal(info(id).caps, 0);
        }
        assert_int_equal(live_allocs, 0); /* what they took went back */
        assert_false(agent_run_turn(PART_A));
}

static void test_spawn_is_bounded_by_agent_max(void **state)
{
        (void)state;
        for (int32_t i = 1; i <= AGENT_MAX; i++) {
                assert_int_equal(spawn(i % 2 ? M_TICKER : M_SPINNER, i % 3 ? PART_A : PART_B), i);
        }
        unsigned before = denied_records;
        assert_int_equal(spawn(M_TICKER, PART_A), AGENT_E_NO_SPACE);
        assert_int_equal(denied_records, before + 1);
        assert_int_equal(last_agent_event.payload, (uint64_t)-AGENT_E_NO_SPACE);
        assert_int_equal(agent_count(), AGENT_MAX);
        /* Killing one does not make room: ids are never reused. */
        assert_int_equal(agent_control(3, AGENT_OP_KILL, 0), 0);
        assert_int_equal(spawn(M_TICKER, PART_A), AGENT_E_NO_SPACE);
        uint64_t id = 0;
        uint64_t saved = fake_lock();
        assert_int_equal(agent_spawn_named(AGENT_PRINCIPAL(1), 16, 6, PART_A, 0, &id),
                         AGENT_E_NO_SPACE);
        fake_unlock(saved);
        assert_int_equal(id, 0);
        for (int i = 0; i < 40; i++) {
                agent_run_turn(i % 2 ? PART_A : PART_B);
        }
        assert_int_equal(step_errors, 0);
}

static void test_spawn_through_the_host_call(void **state)
{
        (void)state;
        assert_int_equal(spawn(M_SPAWNER, PART_A), 1);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(agent_count(), 4);
        assert_int_equal(nreports, 3);
        for (unsigned i = 0; i < 3; i++) {
                assert_int_equal(reports[i].tag, 2 + i); /* the new ids */
                assert_int_equal(reports[i].principal, AGENT_PRINCIPAL(1));
                assert_string_equal(info(2 + i).name, "ticker");
                assert_int_equal(info(2 + i).state, AGENT_RUNNING);
        }
        /* The spawner is the actor of its children's records, and goes on after them. */
        assert_int_equal(last_agent_event.actor, AGENT_PRINCIPAL(1));
        for (int i = 0; i < 8; i++) {
                assert_true(agent_run_turn(PART_A));
        }
        assert_int_equal(state_of(1), AGENT_RUNNING);
        assert_int_equal(info(1).turns, 3); /* round robin with its three children */
        /* Fill up to AGENT_MAX: the next spawner's calls are refused with NO_SPACE. */
        while (agent_count() < AGENT_MAX - 1) {
                spawn(M_TICKER, PART_B);
        }
        assert_int_equal(spawn(M_SPAWNER, PART_B), AGENT_MAX);
        nreports = 0;
        while (nreports < 3 && agent_run_turn(PART_B)) {
        }
        assert_int_equal(nreports, 3);
        for (unsigned i = 0; i < 3; i++) {
                assert_int_equal(reports[i].tag, AGENT_E_NO_SPACE);
        }
}

static void test_fuel_preempts_and_resumes_exactly(void **state)
{
        (void)state;
        assert_int_equal(spawn(M_SPINNER, PART_A), 1);
        assert_int_equal(spawn(M_TICKER, PART_A), 2);
        uint32_t spins = 0;
        for (int t = 0; t < 10; t++) {
                assert_true(agent_run_turn(PART_A)); /* round robin: spinner, ticker, ... */
                assert_true(agent_run_turn(PART_A));
                assert_true(last_step[AGENT_PRINCIPAL(1)] > spins); /* it got on */
                spins = last_step[AGENT_PRINCIPAL(1)];
                assert_int_equal(last_step[AGENT_PRINCIPAL(2)],
                                 t + 1); /* the other kept its share */
        }
        struct agent_info in = info(1);
        assert_int_equal(in.state, AGENT_RUNNING); /* never ended, never restarted */
        assert_int_equal(in.turns, 10);
        assert_true(in.fuel_used >= 10ull * AGENT_FUEL);
        assert_true(in.fuel_used < 10ull * AGENT_FUEL + 10 * 1000);
        assert_true(info(2).fuel_used < 10ull * 100);
        assert_int_equal(step_errors, 0);
}

static void test_run_returning_or_trapping_terminates(void **state)
{
        (void)state;
        assert_int_equal(spawn(M_RETURN, PART_A), 1);
        assert_int_equal(spawn(M_TRAP, PART_B), 2);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 1);
        assert_int_equal(state_of(1), AGENT_TERMINATED);
        assert_int_equal(last_agent_event.actor, AGENT_PRINCIPAL(1)); /* it ended itself */
        assert_true(agent_run_turn(PART_B));
        assert_int_equal(state_of(2), AGENT_TERMINATED);
        assert_int_equal(info(2).trap, WASM_TRAP_UNREACHABLE);
        assert_int_equal(info(1).caps, 0);
        assert_int_equal(live_allocs, 0);
        assert_false(agent_run_turn(PART_A));
}

static void test_lifecycle_legal_and_illegal_transitions(void **state)
{
        (void)state;
        assert_int_equal(spawn(M_TICKER, PART_A), 1);
        assert_true(agent_run_turn(PART_A));
        /* running */
        assert_int_equal(agent_control(1, AGENT_OP_RESUME, 0), AGENT_E_INVALID);
        assert_int_equal(agent_control(1, AGENT_OP_RECONSTRUCT, 0), AGENT_E_INVALID);
        assert_int_equal(agent_control(1, AGENT_OP_SUSPEND, 0), 0);
        /* suspended: no turns */
        assert_int_equal(agent_control(1, AGENT_OP_SUSPEND, 0), AGENT_E_INVALID);
        assert_false(runnable(PART_A));
        assert_false(agent_run_turn(PART_A));
        unsigned w = wakes[PART_A];
        assert_int_equal(agent_control(1, AGENT_OP_RESUME, 0), 0);
        assert_int_equal(wakes[PART_A], w + 1);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 2);
        /* hibernated: the instance is gone, only the snapshot is left */
        assert_int_equal(agent_control(1, AGENT_OP_HIBERNATE, 0), 0);
        assert_int_equal(state_of(1), AGENT_HIBERNATED);
        assert_false(agent_run_turn(PART_A));
        const enum agent_op refused[] = {AGENT_OP_SUSPEND, AGENT_OP_RESUME, AGENT_OP_HIBERNATE,
                                         AGENT_OP_MIGRATE};
        for (size_t i = 0; i < 4; i++) {
                assert_int_equal(agent_control(1, refused[i], PART_B), AGENT_E_INVALID);
                assert_int_equal(state_of(1), AGENT_HIBERNATED);
        }
        uint64_t got = 0, saved = fake_lock();
        assert_int_equal(agent_log(AGENT_PRINCIPAL(1), 0, 1, &got), AGENT_E_RANGE); /* no memory */
        fake_unlock(saved);
        assert_int_equal(agent_control(1, AGENT_OP_RECONSTRUCT, 0), 0);
        assert_int_equal(state_of(1), AGENT_RUNNING);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 3); /* continues its count */
        /* suspended, then hibernated, comes back running (as the operator asks it back) */
        assert_int_equal(agent_control(1, AGENT_OP_SUSPEND, 0), 0);
        assert_int_equal(agent_control(1, AGENT_OP_HIBERNATE, 0), 0);
        assert_int_equal(agent_control(1, AGENT_OP_RECONSTRUCT, 0), 0);
        assert_int_equal(state_of(1), AGENT_RUNNING);
        /* terminated: nothing more */
        assert_int_equal(agent_control(1, AGENT_OP_KILL, 0), 0);
        for (int op = AGENT_OP_SUSPEND; op <= AGENT_OP_KILL; op++) {
                assert_int_equal(agent_control(1, (enum agent_op)op, PART_B), AGENT_E_INVALID);
        }
        assert_int_equal(info(1).caps, 0);
        /* no such agent */
        assert_int_equal(agent_control(0, AGENT_OP_KILL, 0), AGENT_E_INVALID);
        assert_int_equal(agent_control(2, AGENT_OP_KILL, 0), AGENT_E_INVALID);
        assert_int_equal(agent_control(UINT32_MAX, AGENT_OP_KILL, 0), AGENT_E_INVALID);
        assert_int_equal(agent_control(1, (enum agent_op)99, 0), AGENT_E_INVALID);
        assert_int_equal(step_errors, 0);
}

static void test_migrate_moves_and_continues(void **state)
{
        (void)state;
        assert_int_equal(spawn(M_SPINNER, PART_A), 1);
        assert_int_equal(spawn(M_TICKER, PART_A), 2);
        for (int i = 0; i < 4; i++) {
                agent_run_turn(PART_A);
        }
        const uint32_t bad[] = {PART_A, 0, PART_EL, AGENT_PRINCIPAL_BASE + 1, UINT32_MAX};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(agent_control(1, AGENT_OP_MIGRATE, bad[i]), AGENT_E_INVALID);
                assert_int_equal(info(1).partition, PART_A);
        }
        uint32_t before = last_step[AGENT_PRINCIPAL(1)];
        unsigned records = agent_records;
        assert_int_equal(agent_control(1, AGENT_OP_MIGRATE, PART_B), 0);
        assert_int_equal(agent_records, records + 3); /* migrating, reconstructing, running */
        struct agent_info in = info(1);
        assert_int_equal(in.partition, PART_B);
        assert_int_equal(in.state, AGENT_RUNNING);
        assert_int_equal(in.migrations, 1);
        assert_int_equal(in.caps, 2); /* its capabilities moved with it */
        assert_true(agent_run_turn(PART_B));
        assert_true(last_step[AGENT_PRINCIPAL(1)] > before);
        assert_true(agent_run_turn(PART_A)); /* only the ticker is left in A */
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(info(1).turns, 3);
        /* A suspended agent migrates and stays suspended. */
        assert_int_equal(agent_control(2, AGENT_OP_SUSPEND, 0), 0);
        assert_int_equal(agent_control(2, AGENT_OP_MIGRATE, PART_B), 0);
        assert_int_equal(state_of(2), AGENT_SUSPENDED);
        assert_false(agent_run_turn(PART_A));
        assert_int_equal(agent_control(2, AGENT_OP_RESUME, 0), 0);
        for (int i = 0; i < 6; i++) {
                assert_true(agent_run_turn(PART_B));
        }
        /* Before its first turn (run begun, nothing executed): moved, it starts at step 1. */
        assert_int_equal(spawn(M_TICKER, PART_A), 3);
        assert_int_equal(agent_control(3, AGENT_OP_MIGRATE, PART_B), 0);
        assert_int_equal(agent_control(3, AGENT_OP_HIBERNATE, 0), 0);
        assert_int_equal(agent_control(3, AGENT_OP_RECONSTRUCT, 0), 0);
        for (int i = 0; i < 3; i++) {
                assert_true(agent_run_turn(PART_B));
        }
        assert_int_equal(last_step[AGENT_PRINCIPAL(3)], 1);
        assert_int_equal(step_errors, 0);
}

/* agent_move: witnessed with actor, from and to; the moved hook is told; a refusal (bad
 * destination, state, memory, deadline) changes nothing and is witnessed with its reason. */
static void test_move_witnessed_and_all_or_nothing(void **state)
{
        enum agent_move_result why = AGENT_MOVE_OK;
        (void)state;
        assert_int_equal(spawn(M_TICKER, PART_A), 1);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(agent_move(1, PART_B, 42, &why), 0);
        assert_int_equal(why, AGENT_MOVE_OK);
        assert_int_equal(move_records, 1);
        assert_int_equal(last_move.actor, 42);
        assert_int_equal(last_move.target, 1);
        assert_int_equal(last_move.payload, PART_A | PART_B << 16);
        assert_int_equal(moves_told, 1);
        assert_int_equal(moved_agent, 1);
        assert_int_equal(moved_from, PART_A);
        assert_int_equal(moved_to, PART_B);
        assert_true(agent_run_turn(PART_B));
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 2);

        /* Refusals: each witnessed, denied, with its reason; nothing changes. */
        const size_t allocs = live_allocs;
        assert_int_equal(agent_move(1, PART_B, 7, &why), AGENT_E_INVALID);
        assert_int_equal(why, AGENT_MOVE_BAD_PARTITION);
        assert_int_equal(agent_move(1, PART_EL, 7, &why), AGENT_E_INVALID);
        assert_int_equal(why, AGENT_MOVE_BAD_PARTITION);
        assert_int_equal(agent_move(9, PART_A, 7, &why), AGENT_E_INVALID);
        assert_int_equal(why, AGENT_MOVE_NO_AGENT);
        alloc_fail_in = 0; /* the destination arena */
        assert_int_equal(agent_move(1, PART_A, 7, &why), AGENT_E_INVALID);
        assert_int_equal(why, AGENT_MOVE_NO_MEMORY);
        assert_int_equal(move_denied, 3); /* no agent 9: nothing to name */
        assert_int_equal(last_move.flags & WITNESS_F_DENIED, WITNESS_F_DENIED);
        assert_int_equal(last_move.payload,
                         PART_B | PART_A << 16 | (uint64_t)AGENT_MOVE_NO_MEMORY << 32);
        /* Past the 100 ms deadline (DC-7): the copy is dropped, the agent stays. */
        clock_step = AGENT_MOVE_TIMEOUT_NS + 1; /* the next reading is past it */
        assert_int_equal(agent_move(1, PART_A, 7, &why), AGENT_E_INVALID);
        assert_int_equal(why, AGENT_MOVE_TIMEOUT);
        clock_step = 1000;
        assert_int_equal(live_allocs, allocs);
        struct agent_info in = info(1);
        assert_int_equal(in.partition, PART_B);
        assert_int_equal(in.state, AGENT_RUNNING);
        assert_int_equal(in.migrations, 1);
        assert_int_equal(moves_told, 1);
        assert_int_equal(move_records, 1);
        assert_true(agent_run_turn(PART_B)); /* it goes on from where it was */
        assert_int_equal(last_step[AGENT_PRINCIPAL(1)], 3);
        /* A terminated agent does not move. */
        assert_int_equal(agent_control(1, AGENT_OP_KILL, 0), 0);
        assert_int_equal(agent_move(1, PART_A, 7, &why), AGENT_E_INVALID);
        assert_int_equal(why, AGENT_MOVE_STATE);
        assert_string_equal(agent_move_result_name(AGENT_MOVE_TIMEOUT), "timeout");
        assert_string_equal(agent_move_result_name((enum agent_move_result)99), "?");
        assert_int_equal(bad_records, 0);
        assert_int_equal(step_errors, 0);
}

static void test_out_of_memory_changes_nothing(void **state)
{
        (void)state;
        for (long n = 0; n < 2; n++) { /* module arena, then instance arena */
                alloc_fail_in = n;
                assert_int_equal(spawn(M_TICKER, PART_A), AGENT_E_INVALID);
                assert_int_equal(state_of(agent_count()), AGENT_TERMINATED);
                assert_int_equal(live_allocs, 0);
        }
        assert_int_equal(spawn(M_TICKER, PART_A), 3);
        assert_true(agent_run_turn(PART_A));
        alloc_fail_in = 0; /* the snapshot buffer */
        assert_int_equal(agent_control(3, AGENT_OP_HIBERNATE, 0), AGENT_E_INVALID);
        assert_int_equal(state_of(3), AGENT_RUNNING);
        alloc_fail_in = 0; /* the destination arena */
        assert_int_equal(agent_control(3, AGENT_OP_MIGRATE, PART_B), AGENT_E_INVALID);
        alloc_fail_in = 1; /* the snapshot buffer, after the destination */
        assert_int_equal(agent_control(3, AGENT_OP_MIGRATE, PART_B), AGENT_E_INVALID);
        struct agent_info in = info(3);
        assert_int_equal(in.state, AGENT_RUNNING);
        assert_int_equal(in.partition, PART_A);
        assert_int_equal(in.migrations, 0);
        assert_int_equal(live_allocs, 2);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(last_step[AGENT_PRINCIPAL(3)], 2);
        assert_int_equal(step_errors, 0);
}

static void test_recv_waits_until_the_doorbell(void **state)
{
        (void)state;
        uint32_t me = AGENT_PRINCIPAL(1);
        assert_int_equal(spawn(M_RECV, PART_A), 1);
        assert_true(agent_run_turn(PART_A)); /* empty ring: it waits */
        assert_true(info(1).waiting);
        assert_true(end_waiting[me]);
        assert_int_equal(nreports, 0);
        assert_false(runnable(PART_A));
        assert_false(agent_run_turn(PART_A));
        uint64_t fuel = info(1).fuel_used;
        /* Doorbells for others, or for nobody, wake nothing. */
        const uint32_t others[] = {0, 1, AGENT_PRINCIPAL_BASE, AGENT_PRINCIPAL(2), UINT32_MAX};
        unsigned w = wakes[PART_A];
        for (size_t i = 0; i < 5; i++) {
                doorbell(others[i]);
        }
        assert_int_equal(wakes[PART_A], w);
        inbox_full[me] = true;
        memset(inbox[me], 'm', AGENT_MSG_SIZE);
        doorbell(me);
        assert_int_equal(wakes[PART_A], w + 1);
        assert_false(info(1).waiting);
        assert_true(agent_run_turn(PART_A)); /* the same recv, retried: 64 bytes */
        assert_int_equal(nreports, 1);
        assert_int_equal(reports[0].tag, 64);
        assert_true(info(1).waiting); /* and the next one waits */
        assert_int_equal(info(1).received, 1);
        assert_true(info(1).fuel_used - fuel < 200); /* waiting burnt no fuel */
        /* Hibernated while waiting: a doorbell does not run it; reconstructed, it retries
         * its recv without one and waits again. */
        assert_int_equal(agent_control(1, AGENT_OP_HIBERNATE, 0), 0);
        doorbell(me);
        assert_false(agent_run_turn(PART_A));
        assert_int_equal(agent_control(1, AGENT_OP_SUSPEND, 0), AGENT_E_INVALID);
        assert_int_equal(agent_control(1, AGENT_OP_RECONSTRUCT, 0), 0);
        assert_true(agent_run_turn(PART_A));
        assert_true(info(1).waiting);
        assert_int_equal(agent_control(1, AGENT_OP_HIBERNATE, 0), 0);
        assert_int_equal(agent_control(1, AGENT_OP_RECONSTRUCT, 0), 0);
        assert_false(info(1).waiting);
        assert_true(runnable(PART_A));
        assert_true(agent_run_turn(PART_A));
        assert_true(info(1).waiting);
        assert_int_equal(nreports, 1);
}

static void test_hostile_host_calls_from_a_module(void **state)
{
        (void)state;
        assert_int_equal(spawn(M_HOSTILE, PART_A), 1);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(state_of(1), AGENT_TERMINATED); /* ran to its end, no trap */
        assert_int_equal(info(1).trap, WASM_TRAP_NONE);
        assert_int_equal(nreports, HOSTILE_N);
        for (size_t i = 0; i < HOSTILE_N; i++) {
                assert_int_equal(reports[i].value, 0x100 + i);
                if (reports[i].tag != hostile[i].want) {
                        print_error("hostile case %zu: got %lld, want %d\n", i,
                                    (long long)reports[i].tag, hostile[i].want);
                }
                assert_int_equal(reports[i].tag, hostile[i].want);
        }
        assert_string_equal(last_line, "hi??\n");
        assert_int_equal(agent_count(), 1); /* no spawn got through */
}

/* The same checks with 64-bit arguments only the kernel's register decoding can pass. */
static void test_hostile_pointers_and_lengths(void **state)
{
        (void)state;
        struct {
                uint64_t ptr, len;
                int32_t log, put, recv, spawn;
        } cases[] = {
            {0, 0, 0, 0, AGENT_E_INVALID, AGENT_E_INVALID},
            {65535, 1, 0, 0, 0, AGENT_E_INVALID},
            {65536, 0, 0, 0, AGENT_E_INVALID, AGENT_E_INVALID},
            {65536, 1, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE},
            {65472, 64, 0, 0, 0, AGENT_E_INVALID},
            {65473, 64, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE},
            {1ull << 32, 1, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE},
            {UINT64_MAX, 2, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE},
            {UINT64_MAX - 63, 64, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE, AGENT_E_RANGE},
            {1, UINT64_MAX, AGENT_E_INVALID, AGENT_E_INVALID, 0, AGENT_E_RANGE},
            {0, 1ull << 32, AGENT_E_INVALID, AGENT_E_INVALID, 0, AGENT_E_RANGE},
            {0, 160, AGENT_E_INVALID, AGENT_E_INVALID, 0, AGENT_E_INVALID},
            {0, 159, 0, AGENT_E_INVALID, 0, AGENT_E_INVALID},
            {16, 6, 0, 0, 0, 0}, /* "crunch" */
        };
        assert_int_equal(spawn(M_TICKER, PART_A), 1);
        uint32_t me = AGENT_PRINCIPAL(1);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct gate_tok tok = {.caller = me, .edge = EDGE};
                uint64_t out = 0xDEAD;
                uint64_t saved = fake_lock();
                int32_t st = agent_log(me, cases[i].ptr, cases[i].len, &out);
                assert_int_equal(st, cases[i].log);
                assert_int_equal(out,
                                 st == 0 ? cases[i].len : 0xDEAD); /* written only on success */
                assert_int_equal(agent_put(me, cases[i].ptr, cases[i].len, &tok), cases[i].put);
                out = 0xDEAD;
                st = agent_recv(me, cases[i].ptr, cases[i].len, 0, &tok, &out);
                assert_int_equal(st, cases[i].recv);
                assert_int_equal(out, st == 0 ? 0 : 0xDEAD); /* the ring is empty */
                out = 0xDEAD;
                st = agent_spawn_named(me, cases[i].ptr, cases[i].len, PART_A, 0, &out);
                assert_int_equal(st < 0 ? st : 0, cases[i].spawn);
                fake_unlock(saved);
        }
        /* Flags other than bit 0, and callers that are not agents. */
        struct gate_tok tok = {.caller = me, .edge = EDGE};
        uint64_t out;
        uint64_t saved = fake_lock();
        assert_int_equal(agent_recv(me, 0, 64, 1ull << 63, &tok, &out), AGENT_E_INVALID);
        assert_int_equal(agent_recv(me, 0, 64, 3, &tok, &out), AGENT_E_INVALID);
        const uint32_t not_agents[] = {0, 1, AGENT_PRINCIPAL_BASE, AGENT_PRINCIPAL(AGENT_MAX),
                                       UINT32_MAX};
        for (size_t i = 0; i < 5; i++) {
                assert_false(agent_is(not_agents[i]));
                assert_int_equal(agent_log(not_agents[i], 0, 1, &out), AGENT_E_NOT_AGENT);
                assert_int_equal(agent_put(not_agents[i], 0, 1, &tok), AGENT_E_NOT_AGENT);
                assert_int_equal(agent_recv(not_agents[i], 0, 1, 0, &tok, &out), AGENT_E_NOT_AGENT);
                assert_int_equal(agent_spawn_named(not_agents[i], 16, 6, PART_A, 0, &out),
                                 AGENT_E_NOT_AGENT);
        }
        /* A full ring and a foreign edge come back from the CommEdge unchanged. */
        edge_full_at = 0;
        assert_int_equal(agent_put(me, 0, 8, &tok), AGENT_E_NO_SPACE);
        tok.edge = 99;
        assert_int_equal(agent_put(me, 0, 8, &tok), AGENT_E_INVALID);
        assert_int_equal(agent_recv(me, 0, 8, 1, &tok, &out), AGENT_E_INVALID);
        assert_false(end_waiting[me]);
        fake_unlock(saved);
        struct agent_info in = info(1);
        assert_int_equal(in.sent, 5);     /* the five puts that fit */
        assert_int_equal(in.received, 0); /* the ring was empty */
        assert_false(in.waiting);
}

/* rvm.cap walks the caller's table in order, and stops after CAP_TABLE_SLOTS entries even
 * if the table never ends. */
static void test_cap_walks_the_table_and_is_bounded(void **state)
{
        (void)state;
        static const int64_t want[] = {0x1001, 0x1003, 0, 0, 0, 0x1002};
        const size_t n = sizeof(cap_queries) / sizeof(cap_queries[0]);

        assert_int_equal(spawn(M_CAPS, PART_A), 1);
        assert_true(agent_run_turn(PART_A));
        assert_int_equal(nreports, n);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(reports[i].tag, want[i]);
        }
        caps_endless = true;
        cap_list_calls = 0;
        nreports = 0;
        assert_int_equal(spawn(M_CAPS, PART_B), 2);
        assert_true(agent_run_turn(PART_B));
        assert_int_equal(nreports, n);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(reports[i].tag, 0);
        }
        assert_int_equal(cap_list_calls, n * CAP_TABLE_SLOTS);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

static uint64_t hostile_value(void)
{
        static const uint64_t edges[] = {0,
                                         1,
                                         63,
                                         64,
                                         65472,
                                         65535,
                                         65536,
                                         0xFFFFFFFFull,
                                         1ull << 32,
                                         UINT64_MAX,
                                         UINT64_MAX - 1};
        return rnd() % 3 == 0 ? rnd() : edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
}

static void check_invariants(void)
{
        uint32_t n = agent_count();
        unsigned alive = 0;
        bool can_run[AGENT_PRINCIPAL_BASE + 1] = {0};

        assert_int_equal(lock_depth, 0);
        assert_true(n <= AGENT_MAX);
        for (uint32_t id = 1; id <= n; id++) {
                struct agent_info in = info(id);
                assert_int_equal(in.id, id);
                assert_int_equal((int)in.state, shadow[id]); /* every change was witnessed */
                assert_true(in.partition == PART_A || in.partition == PART_B);
                if (in.state == AGENT_TERMINATED) {
                        assert_int_equal(in.caps, 0);
                        assert_false(in.waiting);
                } else {
                        assert_true(in.state == AGENT_RUNNING || in.state == AGENT_SUSPENDED ||
                                    in.state == AGENT_HIBERNATED); /* no half-done change */
                        alive++;
                }
                if (in.state == AGENT_RUNNING && !in.waiting) {
                        can_run[in.partition] = true;
                }
        }
        assert_true(live_allocs <= 3 * alive); /* module, instance, snapshot each at most */
        assert_int_equal(runnable(PART_A), can_run[PART_A]);
        assert_int_equal(runnable(PART_B), can_run[PART_B]);
        assert_int_equal(bad_records, 0);
        assert_int_equal(step_errors, 0);
}

/* One random operation: spawn, a turn, a lifecycle change, a doorbell, or a host call with
 * hostile arguments from an agent or from anyone. */
static void random_operation(void)
{
        static const int mods[] = {M_TICKER, M_SPINNER, M_RECV,    M_TICKER, M_SPINNER, M_RECV,
                                   M_RETURN, M_TRAP,    M_SPAWNER, M_UNLINK, M_GARBAGE};
        const uint32_t parts[] = {PART_A, PART_B, PART_A, PART_B, 0, PART_EL, UINT32_MAX};
        uint32_t id = (uint32_t)(rnd() % (AGENT_MAX + 2));
        uint32_t part = parts[rnd() % 7];

        switch (rnd() % 9) {
        case 0:
                if (rnd() % 4 == 0) {
                        alloc_fail_in = (long)(rnd() % 3);
                }
                spawn(mods[rnd() % (sizeof(mods) / sizeof(mods[0]))], part);
                alloc_fail_in = -1;
                break;
        case 1:
        case 2:
                agent_run_turn(part);
                break;
        case 3:
                if (rnd() % 4 == 0) {
                        alloc_fail_in = (long)(rnd() % 2);
                }
                agent_control(id, (enum agent_op)(rnd() % 7), part);
                alloc_fail_in = -1;
                break;
        case 4:
                if (id >= 1) {
                        inbox_full[AGENT_PRINCIPAL(id)] = true;
                }
                doorbell(rnd() % 2 ? AGENT_PRINCIPAL(id) : (uint32_t)hostile_value());
                break;
        default: {
                uint32_t who = rnd() % 8 ? AGENT_PRINCIPAL(id) : (uint32_t)rnd();
                struct gate_tok tok = {.caller = who % 64, .edge = rnd() % 4 ? EDGE : 0};
                uint64_t out;
                uint64_t saved = fake_lock();
                switch (rnd() % 4) {
                case 0:
                        agent_log(who, hostile_value(), hostile_value(), &out);
                        break;
                case 1:
                        agent_put(who, hostile_value(), hostile_value(), &tok);
                        break;
                case 2:
                        agent_recv(who, hostile_value(), hostile_value(), rnd() % 3, &tok, &out);
                        break;
                default:
                        agent_spawn_named(who, hostile_value(), hostile_value(), part, 0, &out);
                        break;
                }
                fake_unlock(saved);
                break;
        }
        }
}

/* 20 boots of 250 random operations each, the invariants checked after every one; at the
 * end of each boot every agent is killed and every page must be back. */
static void test_random_operations_keep_invariants(void **state)
{
        unsigned records = 0, steps = 0;

        for (int boot = 0; boot < 20; boot++) {
                if (boot > 0) {
                        teardown(state);
                        setup(state);
                }
                for (int i = 0; i < 250; i++) {
                        random_operation();
                        check_invariants();
                }
                records += agent_records;
                steps += steps_total;
        }
        print_message("random run: %u lifecycle records, %u steps reported\n", records, steps);
        assert_true(records > 200 && steps > 200);
}

int main(void)
{
        build_modules();
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_spawn_runs_and_gets_its_capabilities, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_spawn_refuses_bad_partitions_and_modules, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_spawn_is_bounded_by_agent_max, setup, teardown),
            cmocka_unit_test_setup_teardown(test_spawn_through_the_host_call, setup, teardown),
            cmocka_unit_test_setup_teardown(test_fuel_preempts_and_resumes_exactly, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_run_returning_or_trapping_terminates, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_lifecycle_legal_and_illegal_transitions, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_migrate_moves_and_continues, setup, teardown),
            cmocka_unit_test_setup_teardown(test_move_witnessed_and_all_or_nothing, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_out_of_memory_changes_nothing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_recv_waits_until_the_doorbell, setup, teardown),
            cmocka_unit_test_setup_teardown(test_hostile_host_calls_from_a_module, setup, teardown),
            cmocka_unit_test_setup_teardown(test_hostile_pointers_and_lengths, setup, teardown),
            cmocka_unit_test_setup_teardown(test_cap_walks_the_table_and_is_bounded, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_random_operations_keep_invariants, setup,
                                            teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
