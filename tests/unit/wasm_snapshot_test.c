/*
 * tests/unit/wasm_snapshot_test.c: snapshots of the WebAssembly engine: a call saved in the
 * middle and restored into a fresh instance ends with the result, memory and globals of an
 * uninterrupted run (short or damaged snapshots refused, a re-saved one bit-identical, an
 * idle instance keeping its globals); a call using every fused form, moved to a fresh
 * instance at every yield, ends exactly as one run in the same slices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tests/unit/wasm_fixture.h"

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

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_snapshot_round_trip),
            cmocka_unit_test(test_snapshot_at_every_yield_resumes_exactly),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
