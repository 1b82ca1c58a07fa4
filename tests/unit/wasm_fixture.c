/*
 * tests/unit/wasm_fixture.c: what the WebAssembly engine's tests share: the test module,
 * the host functions it imports ("env"."add", "recv", "boom", behaving as struct env says)
 * and helpers that instantiate it, call an export and run a call to its end.
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

#include "tests/unit/wasm_fixture.h"

const unsigned char agent_wasm[] = {
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
const unsigned int agent_wasm_len = 437;

enum wasm_host_status h_add(void *ctx, struct wasm_instance *caller, uint64_t *s)
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

struct fixture *fixture_new(void)
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

void fixture_free(struct fixture *fx)
{
        for (int i = 0; i < fx->narenas; i++) {
                free(fx->arenas[i]);
        }
        free(fx->module_mem);
        free(fx);
}

enum wasm_err try_instance(struct fixture *fx, const struct wasm_config *cfg,
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

struct wasm_instance *instance(struct fixture *fx, const struct wasm_config *cfg)
{
        struct wasm_instance *inst = NULL;
        assert_int_equal(try_instance(fx, cfg, &inst), WASM_OK);
        assert_int_equal(wasm_run(inst, 1000), WASM_DONE); /* no start function */
        return inst;
}

struct wasm_func *export_func(struct wasm_instance *inst, const char *name)
{
        struct wasm_extern ex;
        assert_int_equal(wasm_export(inst, name, strlen(name), &ex), WASM_OK);
        assert_int_equal(ex.kind, WASM_KIND_FUNC);
        return ex.u.func;
}

uint64_t global_value(struct wasm_instance *inst, const char *name)
{
        struct wasm_extern ex;
        assert_int_equal(wasm_export(inst, name, strlen(name), &ex), WASM_OK);
        assert_int_equal(ex.kind, WASM_KIND_GLOBAL);
        return ex.u.global->value;
}

void begin(struct wasm_instance *inst, const char *name, uint64_t a0, uint64_t a1, uint32_t nargs)
{
        uint64_t args[2] = {a0, a1};
        assert_int_equal(wasm_call_begin(inst, export_func(inst, name), args, nargs), WASM_OK);
}

enum wasm_status finish(struct wasm_instance *inst)
{
        enum wasm_status st;
        int slices = 0;
        while ((st = wasm_run(inst, 1000000)) == WASM_YIELD) {
                assert_true(++slices < 100000);
        }
        return st;
}

uint64_t call(struct wasm_instance *inst, const char *name, uint64_t a0, uint64_t a1,
              uint32_t nargs)
{
        begin(inst, name, a0, a1, nargs);
        assert_int_equal(finish(inst), WASM_DONE);
        uint64_t r = 0;
        wasm_results(inst, &r, 1);
        return r;
}
