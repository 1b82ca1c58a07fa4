/*
 * tests/unit/wasm_decode_test.c: the WebAssembly engine's module decoder on malformed
 * input: a wrong magic or version, a type error, an over-long LEB128, every truncation and
 * single-byte corruptions of the test module (each refused or decoded, none crashing), and
 * an arena too small for it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/wasm_fixture.h"

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
            cmocka_unit_test(test_malformed_modules),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
