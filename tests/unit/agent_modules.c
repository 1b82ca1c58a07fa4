/*
 * tests/unit/agent_modules.c: the small WebAssembly modules the agent tests run, assembled
 * here from bytes: counters that report every step (the ticker yields after each, the
 * spinner only runs out of fuel), one that returns, one that traps, a receiver, a spawner,
 * the hostile host calls and rvm.cap queries of agent_fixture.h's tables, and modules that
 * must not load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "tests/unit/agent_fixture.h"

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

static const char *const mod_names[M_COUNT] = {"ticker", "spinner", "return",  "trap",
                                               "recv",   "spawner", "hostile", "unlink",
                                               "norun",  "garbage", "caps"};
/* In pages of their own (mmap), so that modules_readable can take them away. */
#define MOD_BYTES (M_COUNT * 2048)
static uint8_t (*mod_bytes)[2048];
static size_t mod_size[M_COUNT];

void modules_readable(bool readable)
{
        assert_int_equal(mprotect(mod_bytes, MOD_BYTES, readable ? PROT_READ : PROT_NONE), 0);
}

void build_modules(void)
{
        static const uint8_t sigs[IMP_COUNT][5] = {[IMP_LOG] = {2, 0x7f, 0x7f},
                                                   [IMP_PUT] = {3, 0x7e, 0x7f, 0x7f},
                                                   [IMP_RECV] = {4, 0x7e, 0x7f, 0x7f, 0x7f},
                                                   [IMP_SPAWN] = {3, 0x7e, 0x7f, 0x7f}};
        struct mod b;

        mod_bytes =
            mmap(NULL, MOD_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assert_true(mod_bytes != MAP_FAILED);

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
        modules_readable(true); /* and never written again */
}

struct agent_image image(int m)
{
        return (struct agent_image){.name = mod_names[m],
                                    .wasm = mod_bytes[m],
                                    .wasm_size = mod_size[m],
                                    .may_witness = true,
                                    .may_spawn = true};
}
