/*
 * tests/unit/wasm_fixture.h: the WebAssembly engine's test module (its WAT is in
 * wasm_fixture.c), the host environment it links against, and the helpers the
 * wasm_*_test.c files use to instantiate it, call its exports and run calls to their end.
 */
#ifndef RVM_TESTS_WASM_FIXTURE_H
#define RVM_TESTS_WASM_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/wasm.h"

extern const unsigned char agent_wasm[];
extern const unsigned int agent_wasm_len;

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

/* "env"."add" (i32, i32) -> i32: the sum. */
enum wasm_host_status h_add(void *ctx, struct wasm_instance *caller, uint64_t *s);
struct fixture *fixture_new(void);
void fixture_free(struct fixture *fx);
/* Instantiates the test module with cfg (NULL: defaults); the arena is freed with fx. */
enum wasm_err try_instance(struct fixture *fx, const struct wasm_config *cfg,
                           struct wasm_instance **out);
/* try_instance that must succeed, and its (empty) start run done. */
struct wasm_instance *instance(struct fixture *fx, const struct wasm_config *cfg);
struct wasm_func *export_func(struct wasm_instance *inst, const char *name);
uint64_t global_value(struct wasm_instance *inst, const char *name);
/* Begins a call of the export name with nargs of (a0, a1). */
void begin(struct wasm_instance *inst, const char *name, uint64_t a0, uint64_t a1, uint32_t nargs);
/* Run to completion in big slices; returns the final status. */
enum wasm_status finish(struct wasm_instance *inst);
/* begin, finish (which must be WASM_DONE), and the first result. */
uint64_t call(struct wasm_instance *inst, const char *name, uint64_t a0, uint64_t a1,
              uint32_t nargs);

#endif
