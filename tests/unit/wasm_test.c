/*
 * Unit tests of the WebAssembly engine: fuel yield and exact resume, fair sharing between a
 * looping and a well-behaved instance, call-depth and value-stack exhaustion, snapshot round
 * trips, host-function binding (results, traps, yields, link errors) and malformed modules.
 *
 * The test module (agent_wasm below) is this WAT, assembled with wat2wasm:
 *
 * (module
 *   (import "env" "add" (func $hadd (param i32 i32) (result i32)))
 *   (import "env" "recv" (func $recv (result i32)))
 *   (import "env" "boom" (func $boom))
 *   (memory (export "mem") 1 4)
 *   (global $count (export "count") (mut i64) (i64.const 0))
 *   (table 2 funcref)
 *   (elem (i32.const 0) $fib $spin)
 *   (func $spin (export "spin")
 *     (loop $l
 *       (global.set $count (i64.add (global.get $count) (i64.const 1)))
 *       (br $l)))
 *   (func $fib (export "fib") (param i32) (result i32)
 *     (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
 *       (then (local.get 0))
 *       (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
 *                      (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
 *   (func $recurse (export "recurse") (param i32) (result i32)
 *     (call $recurse (i32.add (local.get 0) (i32.const 1))))
 *   ;; mixes memory, globals, calls and floats so a resumed run is checked everywhere
 *   (func (export "work") (param $n i32) (result i64)
 *     (local $i i32) (local $acc i64) (local $f f64)
 *     (block $done
 *       (loop $l
 *         (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
 *         (i32.store (i32.shl (i32.and (local.get $i) (i32.const 1023)) (i32.const 2))
 *                    (i32.add (local.get $i) (call $fib (i32.and (local.get $i) (i32.const 7)))))
 *         (local.set $f (f64.add (local.get $f) (f64.sqrt (f64.convert_i32_u (local.get $i)))))
 *         (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const 31))
 *                                  (i64.load32_u (i32.shl (i32.and (local.get $i) (i32.const 1023))
 * (i32.const 2))))) (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l))) (i64.add
 * (local.get $acc) (i64.trunc_f64_u (local.get $f)))) (func (export "callhost") (param i32 i32)
 * (result i32) (call $hadd (local.get 0) (local.get 1))) (func (export "recv") (result i32)
 * (i32.add (call $recv) (i32.const 100))) (func (export "boom") (call $boom)) (func (export
 * "indirect") (param i32 i32) (result i32) (call_indirect (param i32) (result i32) (local.get 1)
 * (local.get 0))) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))) (func
 * (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))) (func
 * (export "nested") (result i32) (i32.add (i32.const 1) (block (result i32) (drop (i32.const 2))
 *         (drop (block (result i32) (drop (i32.const 4)) (br 1 (i32.const 8))))
 *         (i32.const 16))))
 * )
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wasm/wasm.h"

static const unsigned char agent_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x18, 0x05, 0x60, 0x02, 0x7f, 0x7f, 0x01,
    0x7f, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f,
    0x01, 0x7e, 0x02, 0x21, 0x03, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x03,
    0x65, 0x6e, 0x76, 0x04, 0x72, 0x65, 0x63, 0x76, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x62,
    0x6f, 0x6f, 0x6d, 0x00, 0x02, 0x03, 0x0c, 0x0b, 0x02, 0x03, 0x03, 0x04, 0x00, 0x01, 0x02, 0x00,
    0x03, 0x00, 0x01, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x05, 0x04, 0x01, 0x01, 0x01, 0x04, 0x06,
    0x06, 0x01, 0x7e, 0x01, 0x42, 0x00, 0x0b, 0x07, 0x67, 0x0d, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00,
    0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x03, 0x00, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x03, 0x03,
    0x66, 0x69, 0x62, 0x00, 0x04, 0x07, 0x72, 0x65, 0x63, 0x75, 0x72, 0x73, 0x65, 0x00, 0x05, 0x04,
    0x77, 0x6f, 0x72, 0x6b, 0x00, 0x06, 0x08, 0x63, 0x61, 0x6c, 0x6c, 0x68, 0x6f, 0x73, 0x74, 0x00,
    0x07, 0x04, 0x72, 0x65, 0x63, 0x76, 0x00, 0x08, 0x04, 0x62, 0x6f, 0x6f, 0x6d, 0x00, 0x09, 0x08,
    0x69, 0x6e, 0x64, 0x69, 0x72, 0x65, 0x63, 0x74, 0x00, 0x0a, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00,
    0x0b, 0x03, 0x64, 0x69, 0x76, 0x00, 0x0c, 0x06, 0x6e, 0x65, 0x73, 0x74, 0x65, 0x64, 0x00, 0x0d,
    0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x04, 0x03, 0x0a, 0xd8, 0x01, 0x0b, 0x0e, 0x00,
    0x03, 0x40, 0x23, 0x00, 0x42, 0x01, 0x7c, 0x24, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x1c, 0x00, 0x20,
    0x00, 0x41, 0x02, 0x49, 0x04, 0x7f, 0x20, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x04,
    0x20, 0x00, 0x41, 0x02, 0x6b, 0x10, 0x04, 0x6a, 0x0b, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x41, 0x01,
    0x6a, 0x10, 0x05, 0x0b, 0x57, 0x03, 0x01, 0x7f, 0x01, 0x7e, 0x01, 0x7c, 0x02, 0x40, 0x03, 0x40,
    0x20, 0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01, 0x20, 0x01, 0x41, 0xff, 0x07, 0x71, 0x41, 0x02, 0x74,
    0x20, 0x01, 0x20, 0x01, 0x41, 0x07, 0x71, 0x10, 0x04, 0x6a, 0x36, 0x02, 0x00, 0x20, 0x03, 0x20,
    0x01, 0xb8, 0x9f, 0xa0, 0x21, 0x03, 0x20, 0x02, 0x42, 0x1f, 0x7e, 0x20, 0x01, 0x41, 0xff, 0x07,
    0x71, 0x41, 0x02, 0x74, 0x35, 0x02, 0x00, 0x7c, 0x21, 0x02, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21,
    0x01, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x02, 0x20, 0x03, 0xb1, 0x7c, 0x0b, 0x08, 0x00, 0x20, 0x00,
    0x20, 0x01, 0x10, 0x00, 0x0b, 0x08, 0x00, 0x10, 0x01, 0x41, 0xe4, 0x00, 0x6a, 0x0b, 0x04, 0x00,
    0x10, 0x02, 0x0b, 0x09, 0x00, 0x20, 0x01, 0x20, 0x00, 0x11, 0x03, 0x00, 0x0b, 0x06, 0x00, 0x20,
    0x00, 0x40, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b, 0x18, 0x00, 0x41, 0x01,
    0x02, 0x7f, 0x41, 0x02, 0x1a, 0x02, 0x7f, 0x41, 0x04, 0x1a, 0x41, 0x08, 0x0c, 0x01, 0x0b, 0x1a,
    0x41, 0x10, 0x0b, 0x6a, 0x0b};
static const unsigned int agent_wasm_len = 437;

struct env {
        int recv_calls;
        int recv_yields;
        bool no_boom; /* leave the "boom" import unresolved */
        bool bad_add; /* offer "add" with the wrong signature */
        enum wasm_status reentry_run;
        enum wasm_err reentry_begin;
        struct wasm_func add, add_bad, recv, boom;
};

struct fixture {
        uint8_t *module_mem;
        const struct wasm_module *m;
        struct env env;
        void *arenas[16];
        int narenas;
};

static enum wasm_host_status h_add(void *ctx, struct wasm_instance *caller, uint64_t *s)
{
        (void)ctx, (void)caller;
        s[0] = (uint32_t)(s[0] + s[1]);
        return WASM_HOST_OK;
}

static enum wasm_host_status h_recv(void *ctx, struct wasm_instance *caller, uint64_t *s)
{
        struct env *e = ctx;
        (void)caller;
        e->recv_calls++;
        if (e->recv_calls <= e->recv_yields) {
                return WASM_HOST_YIELD; /* nothing to receive yet: block */
        }
        s[0] = 5;
        return WASM_HOST_OK;
}

static enum wasm_host_status h_boom(void *ctx, struct wasm_instance *caller, uint64_t *s)
{
        struct env *e = ctx;
        (void)s;
        /* re-entering the calling instance is refused and changes nothing */
        e->reentry_run = wasm_run(caller, 100);
        e->reentry_begin = wasm_call_begin(caller, &e->add, s, 2);
        return WASM_HOST_TRAP;
}

static bool resolve(void *ctx, const char *module, uint32_t mlen, const char *name, uint32_t nlen,
                    uint8_t kind, struct wasm_extern *out)
{
        struct env *e = ctx;
        if (kind != WASM_KIND_FUNC || mlen != 3 || memcmp(module, "env", 3) != 0) {
                return false;
        }
        out->kind = WASM_KIND_FUNC;
        if (nlen == 3 && memcmp(name, "add", 3) == 0) {
                out->u.func = e->bad_add ? &e->add_bad : &e->add;
        } else if (nlen == 4 && memcmp(name, "recv", 4) == 0) {
                out->u.func = &e->recv;
        } else if (nlen == 4 && memcmp(name, "boom", 4) == 0 && !e->no_boom) {
                out->u.func = &e->boom;
        } else {
                return false;
        }
        return true;
}

static struct fixture *fixture_new(void)
{
        struct fixture *fx = calloc(1, sizeof(*fx));
        assert_non_null(fx);
        fx->module_mem = malloc(1 << 16);
        struct wasm_arena a;
        wasm_arena_init(&a, fx->module_mem, 1 << 16);
        assert_int_equal(wasm_module_decode(agent_wasm, agent_wasm_len, &a, &fx->m), WASM_OK);
        assert_int_equal(wasm_host_func_init(&fx->env.add, "ii:i", h_add, &fx->env), WASM_OK);
        assert_int_equal(wasm_host_func_init(&fx->env.add_bad, "i:i", h_add, &fx->env), WASM_OK);
        assert_int_equal(wasm_host_func_init(&fx->env.recv, ":i", h_recv, &fx->env), WASM_OK);
        assert_int_equal(wasm_host_func_init(&fx->env.boom, "", h_boom, &fx->env), WASM_OK);
        return fx;
}

static void fixture_free(struct fixture *fx)
{
        for (int i = 0; i < fx->narenas; i++) {
                free(fx->arenas[i]);
        }
        free(fx->module_mem);
        free(fx);
}

static enum wasm_err try_instance(struct fixture *fx, const struct wasm_config *cfg,
                                  struct wasm_instance **out)
{
        size_t size = wasm_instance_arena_size(fx->m, cfg);
        assert_true(fx->narenas < 16);
        void *mem = malloc(size);
        assert_non_null(mem);
        fx->arenas[fx->narenas++] = mem;
        struct wasm_arena a;
        wasm_arena_init(&a, mem, size);
        return wasm_instantiate(fx->m, cfg, resolve, &fx->env, &a, out);
}

static struct wasm_instance *instance(struct fixture *fx, const struct wasm_config *cfg)
{
        struct wasm_instance *inst = NULL;
        assert_int_equal(try_instance(fx, cfg, &inst), WASM_OK);
        assert_int_equal(wasm_run(inst, 1000), WASM_DONE); /* no start function */
        return inst;
}

static struct wasm_func *export_func(struct wasm_instance *inst, const char *name)
{
        struct wasm_extern ex;
        assert_int_equal(wasm_export(inst, name, strlen(name), &ex), WASM_OK);
        assert_int_equal(ex.kind, WASM_KIND_FUNC);
        return ex.u.func;
}

static uint64_t global_value(struct wasm_instance *inst, const char *name)
{
        struct wasm_extern ex;
        assert_int_equal(wasm_export(inst, name, strlen(name), &ex), WASM_OK);
        assert_int_equal(ex.kind, WASM_KIND_GLOBAL);
        return ex.u.global->value;
}

static void begin(struct wasm_instance *inst, const char *name, uint64_t a0, uint64_t a1,
                  uint32_t nargs)
{
        uint64_t args[2] = {a0, a1};
        assert_int_equal(wasm_call_begin(inst, export_func(inst, name), args, nargs), WASM_OK);
}

/* Run to completion in big slices; returns the final status. */
static enum wasm_status finish(struct wasm_instance *inst)
{
        enum wasm_status st;
        int slices = 0;
        while ((st = wasm_run(inst, 1000000)) == WASM_YIELD) {
                assert_true(++slices < 100000);
        }
        return st;
}

static uint64_t call(struct wasm_instance *inst, const char *name, uint64_t a0, uint64_t a1,
                     uint32_t nargs)
{
        begin(inst, name, a0, a1, nargs);
        assert_int_equal(finish(inst), WASM_DONE);
        uint64_t r = 0;
        wasm_results(inst, &r, 1);
        return r;
}

static void test_basics(void **state)
{
        (void)state;
        struct fixture *fx = fixture_new();
        struct wasm_instance *inst = instance(fx, NULL);
        assert_int_equal(call(inst, "fib", 20, 0, 1), 6765);
        assert_int_equal(call(inst, "nested", 0, 0, 0), 9);
        assert_int_equal(call(inst, "indirect", 0, 10, 2), 55);
        assert_int_equal(call(inst, "grow", 1, 0, 1), 1);
        assert_int_equal(call(inst, "grow", 10, 0, 1), 0xFFFFFFFFu); /* beyond max 4 */
        assert_int_equal((uint32_t)call(inst, "div", (uint32_t)-7, 2, 2), (uint32_t)-3);
        begin(inst, "div", 1, 0, 2);
        assert_int_equal(finish(inst), WASM_TRAP);
        assert_int_equal(wasm_trap_code(inst), WASM_TRAP_DIV_ZERO);
        begin(inst, "indirect", 1, 3, 2); /* slot 1 is $spin: wrong type */
        assert_int_equal(finish(inst), WASM_TRAP);
        assert_int_equal(wasm_trap_code(inst), WASM_TRAP_SIG_MISMATCH);
        begin(inst, "indirect", 7, 3, 2);
        assert_int_equal(finish(inst), WASM_TRAP);
        assert_int_equal(wasm_trap_code(inst), WASM_TRAP_UNDEF_ELEM);
        /* a busy instance refuses a second call */
        begin(inst, "spin", 0, 0, 0);
        assert_int_equal(wasm_run(inst, 100), WASM_YIELD);
        assert_true(wasm_busy(inst));
        uint64_t arg = 1;
        assert_int_equal(wasm_call_begin(inst, export_func(inst, "fib"), &arg, 1), WASM_E_STATE);
        fixture_free(fx);
}

static void test_fuel_yield_and_exact_resume(void **state)
{
        (void)state;
        struct fixture *fx = fixture_new();
        struct wasm_instance *inst = instance(fx, NULL);
        /* an infinite loop gets fuel slices, yields each time, and its counter keeps growing */
        begin(inst, "spin", 0, 0, 0);
        uint64_t last = 0;
        for (int i = 0; i < 20; i++) {
                assert_int_equal(wasm_run(inst, 1000), WASM_YIELD);
                uint64_t now = global_value(inst, "count");
                assert_true(now > last);
                assert_true(now - last <= 1000); /* a slice is bounded by its fuel */
                last = now;
        }
        /* a computation split into many tiny slices gives the same result as one run */
        struct wasm_instance *ref = instance(fx, NULL);
        uint64_t want = call(ref, "work", 3000, 0, 1);
        struct wasm_instance *sliced = instance(fx, NULL);
        begin(sliced, "work", 3000, 0, 1);
        int yields = 0;
        enum wasm_status st;
        while ((st = wasm_run(sliced, 7)) == WASM_YIELD) {
                yields++;
        }
        assert_int_equal(st, WASM_DONE);
        assert_true(yields > 1000);
        uint64_t got = 0;
        wasm_results(sliced, &got, 1);
        assert_int_equal(got, want);
        assert_memory_equal(wasm_instance_memory(sliced)->data, wasm_instance_memory(ref)->data,
                            WASM_PAGE_SIZE);
        fixture_free(fx);
}

static void test_looping_agent_does_not_starve_others(void **state)
{
        (void)state;
        struct fixture *fx = fixture_new();
        struct wasm_instance *looper = instance(fx, NULL);
        struct wasm_instance *good = instance(fx, NULL);
        begin(looper, "spin", 0, 0, 0);
        begin(good, "fib", 22, 0, 1);
        enum wasm_status st = WASM_YIELD;
        uint64_t last = 0;
        int rounds = 0;
        while (st == WASM_YIELD) {
                assert_int_equal(wasm_run(looper, 500), WASM_YIELD);
                uint64_t now = global_value(looper, "count");
                assert_true(now > last); /* resumed, never restarted */
                last = now;
                st = wasm_run(good, 500);
                rounds++;
        }
        assert_int_equal(st, WASM_DONE);
        uint64_t r = 0;
        wasm_results(good, &r, 1);
        assert_int_equal(r, 17711);
        assert_true(rounds > 10);
        fixture_free(fx);
}

static void test_exhaustion_traps(void **state)
{
        (void)state;
        struct fixture *fx = fixture_new();
        struct wasm_config deep = {0, 1u << 20, 64};
        struct wasm_instance *inst = instance(fx, &deep);
        begin(inst, "recurse", 0, 0, 1);
        assert_int_equal(finish(inst), WASM_TRAP);
        assert_int_equal(wasm_trap_code(inst), WASM_TRAP_CALL_DEPTH);
        assert_int_equal(call(inst, "fib", 10, 0, 1), 55); /* still usable */
        struct wasm_config shallow = {0, 200, 100000};
        inst = instance(fx, &shallow);
        begin(inst, "recurse", 0, 0, 1);
        assert_int_equal(finish(inst), WASM_TRAP);
        assert_int_equal(wasm_trap_code(inst), WASM_TRAP_STACK_OVERFLOW);
        assert_int_equal(call(inst, "fib", 10, 0, 1), 55);
        fixture_free(fx);
}

/*
 * A module whose function uses every fused form that ends on a yield point or may be crossed by
 * one (local/constant into a local, stores and loads from locals, loads into locals, branch
 * conditions from locals, compare-and-branch on back-edges, a call within the module),
 * assembled with wat2wasm from:
 *
 * (module
 *   (memory 1)
 *   (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
 *   (func (export "fused") (param $n i32) (result i32)
 *     (local $i i32) (local $p i32) (local $acc i32) (local $t i32) (local $c i32)
 *     (local.set $p (i32.const 64))
 *     (loop $l
 *       (i32.store (local.get $p) (local.get $i))
 *       (local.set $t (local.get $i))
 *       (local.set $acc (i32.add (local.get $acc) (i32.load8_u (local.get $p))))
 *       (local.set $c (i32.load offset=0 (i32.add (local.get $p) (i32.const 0))))
 *       (local.set $acc (i32.xor (local.get $acc) (local.tee $t (i32.load (local.get $p)))))
 *       (local.set $acc (i32.add (local.get $acc) (local.get $c)))
 *       (block $skip
 *         (br_if $skip (i32.eqz (local.tee $c (i32.and (local.get $i) (i32.const 3)))))
 *         (local.set $acc (i32.add (local.get $acc) (local.get $c))))
 *       (local.set $p (i32.add (local.get $p) (i32.const 4)))
 *       (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *       (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
 *     (local.set $i (local.get $n))
 *     (loop $m
 *       (local.set $acc (i32.add (local.get $acc) (i32.const 7)))
 *       (br_if $m (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
 *     (local.set $i (local.get $n))
 *     (loop $k
 *       (local.set $acc (call $inc (i32.xor (local.get $acc) (local.get $i))))
 *       (local.set $i (i32.sub (local.get $i) (i32.const 1)))
 *       (br_if $k (local.get $i)))
 *     (local.get $acc)))
 */
static const unsigned char fused_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x03, 0x03, 0x02, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x09, 0x01, 0x05, 0x66, 0x75,
    0x73, 0x65, 0x64, 0x00, 0x01, 0x0a, 0xa6, 0x01, 0x02, 0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a,
    0x0b, 0x9b, 0x01, 0x01, 0x05, 0x7f, 0x41, 0xc0, 0x00, 0x21, 0x02, 0x03, 0x40, 0x20, 0x02, 0x20,
    0x01, 0x36, 0x02, 0x00, 0x20, 0x01, 0x21, 0x04, 0x20, 0x03, 0x20, 0x02, 0x2d, 0x00, 0x00, 0x6a,
    0x21, 0x03, 0x20, 0x02, 0x41, 0x00, 0x6a, 0x28, 0x02, 0x00, 0x21, 0x05, 0x20, 0x03, 0x20, 0x02,
    0x28, 0x02, 0x00, 0x22, 0x04, 0x73, 0x21, 0x03, 0x20, 0x03, 0x20, 0x05, 0x6a, 0x21, 0x03, 0x02,
    0x40, 0x20, 0x01, 0x41, 0x03, 0x71, 0x22, 0x05, 0x45, 0x0d, 0x00, 0x20, 0x03, 0x20, 0x05, 0x6a,
    0x21, 0x03, 0x0b, 0x20, 0x02, 0x41, 0x04, 0x6a, 0x21, 0x02, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21,
    0x01, 0x20, 0x01, 0x20, 0x00, 0x49, 0x0d, 0x00, 0x0b, 0x20, 0x00, 0x21, 0x01, 0x03, 0x40, 0x20,
    0x03, 0x41, 0x07, 0x6a, 0x21, 0x03, 0x20, 0x01, 0x41, 0x01, 0x6b, 0x22, 0x01, 0x0d, 0x00, 0x0b,
    0x20, 0x00, 0x21, 0x01, 0x03, 0x40, 0x20, 0x03, 0x20, 0x01, 0x73, 0x10, 0x00, 0x21, 0x03, 0x20,
    0x01, 0x41, 0x01, 0x6b, 0x21, 0x01, 0x20, 0x01, 0x0d, 0x00, 0x0b, 0x20, 0x03, 0x0b};

/*
 * The fused module's call moved to a fresh instance through a snapshot at every yield (slices
 * of 3 fuel) ends with the result, the fuel and the number of yields of an uninterrupted run in
 * the same slices.
 */
static void test_snapshot_at_every_yield_resumes_exactly(void **state)
{
        (void)state;
        static uint8_t module_mem[1 << 14];
        struct wasm_arena ma;
        wasm_arena_init(&ma, module_mem, sizeof(module_mem));
        const struct wasm_module *m;
        assert_int_equal(wasm_module_decode(fused_wasm, sizeof(fused_wasm), &ma, &m), WASM_OK);
        size_t size = wasm_instance_arena_size(m, NULL);
        void *mem[3] = {malloc(size), malloc(size), malloc(size)};
        struct wasm_instance *inst[3];
        for (int i = 0; i < 3; i++) {
                assert_non_null(mem[i]);
                struct wasm_arena a;
                wasm_arena_init(&a, mem[i], size);
                assert_int_equal(wasm_instantiate(m, NULL, NULL, NULL, &a, &inst[i]), WASM_OK);
                assert_int_equal(wasm_run(inst[i], 1000), WASM_DONE);
        }
        struct wasm_extern ex;
        assert_int_equal(wasm_export(inst[0], "fused", 5, &ex), WASM_OK);
        uint64_t arg = 100;
        assert_int_equal(wasm_call_begin(inst[0], ex.u.func, &arg, 1), WASM_OK);
        uint32_t ref_yields = 0;
        while (wasm_run(inst[0], 3) == WASM_YIELD) {
                ref_yields++;
        }
        uint64_t want = 0;
        assert_int_equal(wasm_results(inst[0], &want, 1), 1);

        assert_int_equal(wasm_export(inst[1], "fused", 5, &ex), WASM_OK);
        assert_int_equal(wasm_call_begin(inst[1], ex.u.func, &arg, 1), WASM_OK);
        int cur = 1;
        uint32_t yields = 0;
        enum wasm_status st;
        while ((st = wasm_run(inst[cur], 3)) == WASM_YIELD) {
                size_t len = 0;
                assert_int_equal(wasm_snapshot_save(inst[cur], NULL, 0, &len), WASM_E_ARENA);
                uint8_t *buf = malloc(len);
                assert_non_null(buf);
                assert_int_equal(wasm_snapshot_save(inst[cur], buf, len, &len), WASM_OK);
                yields++;
                cur = 3 - cur; /* 1 <-> 2, each time a fresh instance */
                struct wasm_arena a;
                wasm_arena_init(&a, mem[cur], size);
                assert_int_equal(wasm_instantiate(m, NULL, NULL, NULL, &a, &inst[cur]), WASM_OK);
                assert_int_equal(wasm_snapshot_restore(inst[cur], buf, len), WASM_OK);
                free(buf);
        }
        assert_int_equal(st, WASM_DONE);
        uint64_t got = 0;
        assert_int_equal(wasm_results(inst[cur], &got, 1), 1);
        assert_int_equal(got, want);
        assert_int_equal(got, 10840);
        assert_int_equal(yields, ref_yields);
        assert_int_equal(wasm_fuel_left(inst[cur]), wasm_fuel_left(inst[0]));
        assert_true(yields > 100);
        for (int i = 0; i < 3; i++) {
                free(mem[i]);
        }
}

static void test_snapshot_round_trip(void **state)
{
        (void)state;
        struct fixture *fx = fixture_new();
        struct wasm_instance *ref = instance(fx, NULL);
        uint64_t want = call(ref, "work", 5000, 0, 1);

        struct wasm_instance *a = instance(fx, NULL);
        begin(a, "work", 5000, 0, 1);
        assert_int_equal(wasm_run(a, 20000), WASM_YIELD);
        size_t len = 0;
        assert_int_equal(wasm_snapshot_save(a, NULL, 0, &len), WASM_E_ARENA);
        uint8_t *buf = malloc(len);
        assert_non_null(buf);
        size_t len2 = 0;
        assert_int_equal(wasm_snapshot_save(a, buf, len, &len2), WASM_OK);
        assert_int_equal(len, len2);

        struct wasm_instance *b = instance(fx, NULL);
        assert_int_equal(wasm_snapshot_restore(b, buf, len - 1), WASM_E_SNAPSHOT);
        uint8_t saved = buf[0];
        buf[0] ^= 1;
        assert_int_equal(wasm_snapshot_restore(b, buf, len), WASM_E_SNAPSHOT);
        buf[0] = saved;
        assert_int_equal(wasm_snapshot_restore(b, buf, len), WASM_OK);
        assert_true(wasm_busy(b));
        /* a snapshot of the restored instance is bit-identical to the original one */
        uint8_t *buf2 = malloc(len);
        assert_int_equal(wasm_snapshot_save(b, buf2, len, &len2), WASM_OK);
        assert_memory_equal(buf, buf2, len);

        assert_int_equal(finish(b), WASM_DONE);
        assert_int_equal(finish(a), WASM_DONE);
        uint64_t ra = 0, rb = 0;
        wasm_results(a, &ra, 1);
        wasm_results(b, &rb, 1);
        assert_int_equal(ra, want);
        assert_int_equal(rb, want);
        assert_memory_equal(wasm_instance_memory(a)->data, wasm_instance_memory(b)->data,
                            WASM_PAGE_SIZE);
        assert_int_equal(global_value(a, "count"), global_value(b, "count"));

        /* a snapshot of an idle instance keeps globals and results */
        struct wasm_instance *looper = instance(fx, NULL);
        begin(looper, "spin", 0, 0, 0);
        assert_int_equal(wasm_run(looper, 3000), WASM_YIELD);
        assert_int_equal(wasm_snapshot_save(looper, NULL, 0, &len), WASM_E_ARENA);
        uint8_t *buf3 = malloc(len);
        assert_int_equal(wasm_snapshot_save(looper, buf3, len, &len2), WASM_OK);
        struct wasm_instance *c = instance(fx, NULL);
        assert_int_equal(wasm_snapshot_restore(c, buf3, len), WASM_OK);
        uint64_t before = global_value(c, "count");
        assert_int_equal(before, global_value(looper, "count"));
        assert_int_equal(wasm_run(c, 3000), WASM_YIELD);
        assert_int_equal(wasm_run(looper, 3000), WASM_YIELD);
        assert_true(global_value(c, "count") > before);
        assert_int_equal(global_value(c, "count"), global_value(looper, "count"));
        free(buf);
        free(buf2);
        free(buf3);
        fixture_free(fx);
}

static void test_host_functions(void **state)
{
        (void)state;
        struct fixture *fx = fixture_new();
        struct wasm_instance *inst = instance(fx, NULL);
        assert_int_equal(call(inst, "callhost", 2, 3, 2), 5);
        fx->env.recv_yields = 2;
        begin(inst, "recv", 0, 0, 0);
        assert_int_equal(wasm_run(inst, 1000), WASM_YIELD);
        assert_int_equal(wasm_run(inst, 1000), WASM_YIELD);
        assert_int_equal(wasm_run(inst, 1000), WASM_DONE);
        uint64_t r = 0;
        assert_int_equal(wasm_results(inst, &r, 1), 1);
        assert_int_equal(r, 105);
        assert_int_equal(fx->env.recv_calls, 3);
        begin(inst, "boom", 0, 0, 0);
        assert_int_equal(wasm_run(inst, 1000), WASM_TRAP);
        assert_int_equal(wasm_trap_code(inst), WASM_TRAP_HOST);
        assert_int_equal(fx->env.reentry_run, WASM_YIELD);
        assert_int_equal(fx->env.reentry_begin, WASM_E_STATE);
        assert_false(wasm_busy(inst));
        /* a host function can be called directly too */
        uint64_t args[2] = {40, 2};
        assert_int_equal(wasm_call_begin(inst, &fx->env.add, args, 2), WASM_OK);
        assert_int_equal(wasm_run(inst, 10), WASM_DONE);
        wasm_results(inst, &r, 1);
        assert_int_equal(r, 42);
        /* link errors: a missing import, a wrong signature */
        struct wasm_instance *bad;
        fx->env.no_boom = true;
        assert_int_equal(try_instance(fx, NULL, &bad), WASM_E_UNLINKABLE);
        fx->env.no_boom = false;
        fx->env.bad_add = true;
        assert_int_equal(try_instance(fx, NULL, &bad), WASM_E_UNLINKABLE);
        struct wasm_func f;
        assert_int_equal(wasm_host_func_init(&f, "ii:ii", h_add, NULL), WASM_E_ARGS);
        assert_int_equal(wasm_host_func_init(&f, "x", h_add, NULL), WASM_E_ARGS);
        fixture_free(fx);
}

static enum wasm_err decode(const uint8_t *bytes, size_t len)
{
        static uint8_t mem[1 << 16];
        struct wasm_arena a;
        const struct wasm_module *m;
        wasm_arena_init(&a, mem, sizeof(mem));
        return wasm_module_decode(bytes, len, &a, &m);
}

static void test_malformed_modules(void **state)
{
        (void)state;
        static const uint8_t bad_magic[] = {0x00, 0x61, 0x73, 0x6e, 0x01, 0, 0, 0};
        static const uint8_t bad_version[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0, 0, 0};
        /* type [] -> [i32]; one function whose body is "i64.const 0 end": a type error */
        static const uint8_t bad_type[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01,
                                           0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01,
                                           0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b};
        /* the same with an over-long LEB128 section size */
        static const uint8_t bad_leb[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                          0x01, 0x85, 0x80, 0x80, 0x80, 0x80, 0x00};
        assert_int_equal(decode(bad_magic, sizeof(bad_magic)), WASM_E_MALFORMED);
        assert_int_equal(decode(bad_version, sizeof(bad_version)), WASM_E_MALFORMED);
        assert_int_equal(decode(bad_type, sizeof(bad_type)), WASM_E_INVALID);
        assert_int_equal(decode(bad_leb, sizeof(bad_leb)), WASM_E_MALFORMED);
        uint8_t fixed[sizeof(bad_type)];
        memcpy(fixed, bad_type, sizeof(fixed));
        fixed[24] = 0x41; /* i32.const 0: now valid */
        assert_int_equal(decode(fixed, sizeof(fixed)), WASM_OK);
        /* prefixes cut inside the last (code) section are rejected; none crashes */
        for (size_t n = 0; n < agent_wasm_len; n++) {
                enum wasm_err e = decode(agent_wasm, n);
                if (n + 100 > agent_wasm_len || n < 8) {
                        assert_int_not_equal(e, WASM_OK);
                }
        }
        /* single-byte corruptions decode or fail cleanly */
        uint8_t *copy = malloc(agent_wasm_len);
        for (size_t i = 8; i < agent_wasm_len; i++) {
                for (unsigned v = 0; v < 256; v += 51) {
                        memcpy(copy, agent_wasm, agent_wasm_len);
                        copy[i] = (uint8_t)v;
                        (void)decode(copy, agent_wasm_len);
                }
        }
        free(copy);
        /* an arena that is too small is reported as such */
        static uint8_t tiny[256];
        struct wasm_arena a;
        const struct wasm_module *m;
        wasm_arena_init(&a, tiny, sizeof(tiny));
        assert_int_equal(wasm_module_decode(agent_wasm, agent_wasm_len, &a, &m), WASM_E_ARENA);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_basics),
            cmocka_unit_test(test_fuel_yield_and_exact_resume),
            cmocka_unit_test(test_looping_agent_does_not_starve_others),
            cmocka_unit_test(test_exhaustion_traps),
            cmocka_unit_test(test_snapshot_round_trip),
            cmocka_unit_test(test_snapshot_at_every_yield_resumes_exactly),
            cmocka_unit_test(test_host_functions),
            cmocka_unit_test(test_malformed_modules),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
