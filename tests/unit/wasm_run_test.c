/*
 * tests/unit/wasm_run_test.c: the WebAssembly engine running the test module
 * (wasm_fixture.c): calls, traps and a busy instance refusing a second call; fuel yield and
 * exact resume; fair sharing between a looping and a well-behaved instance; call-depth and
 * value-stack exhaustion; host functions (results, traps, yields, re-entry refused) and
 * link errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/wasm_fixture.h"

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

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_basics),
            cmocka_unit_test(test_fuel_yield_and_exact_resume),
            cmocka_unit_test(test_looping_agent_does_not_starve_others),
            cmocka_unit_test(test_exhaustion_traps),
            cmocka_unit_test(test_host_functions),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
