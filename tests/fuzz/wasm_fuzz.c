/*
 * libFuzzer target for the WebAssembly engine: decode + validate + instantiate + bounded execution
 * of every exported function (zero-valued arguments, small fuel, a few slices), plus a snapshot
 * save/restore of the instance mid-call. Imports are satisfied by a small host environment so
 * linking code is exercised too. Malformed input must only ever produce error codes.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz/wasm_fuzz.c wasm/(*).c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/wasm.h"

static const struct wasm_config fuzz_cfg = {16, 4096, 128};

static enum wasm_host_status host_fn(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        uintptr_t mode = (uintptr_t)ctx;
        (void)caller;
        slots[0] = 7;
        if (mode == 1) {
                return WASM_HOST_TRAP;
        }
        return WASM_HOST_OK;
}

static struct env {
        bool ready;
        struct wasm_func funcs[7];
        struct wasm_global g_i32, g_i64, g_mut;
        struct wasm_table table;
        struct wasm_func *elems[10];
        struct wasm_memory memory;
        uint8_t mem[2 * 65536];
} env;

static void env_init(void)
{
        static const char *const sigs[7] = {"", "i", "i:i", "ii:i", ":i", "I:I", "F:F"};
        for (uintptr_t i = 0; i < 7; i++) {
                wasm_host_func_init(&env.funcs[i], sigs[i], host_fn, (void *)(uintptr_t)(i == 1));
        }
        env.g_i32 = (struct wasm_global){42, WASM_I32, false};
        env.g_i64 = (struct wasm_global){42, WASM_I64, false};
        env.g_mut = (struct wasm_global){0, WASM_I32, true};
        memset(env.elems, 0, sizeof(env.elems));
        env.table = (struct wasm_table){env.elems, 10, {10, 20, true}};
        env.memory = (struct wasm_memory){env.mem, 1, 2, {1, 2, true}};
        env.ready = true;
}

static bool resolve(void *ctx, const char *module, uint32_t mlen, const char *name, uint32_t nlen,
                    uint8_t kind, struct wasm_extern *out)
{
        (void)ctx, (void)module, (void)name;
        out->kind = kind;
        switch (kind) {
        case WASM_KIND_FUNC:
                out->u.func = &env.funcs[(mlen + nlen) % 7];
                return true;
        case WASM_KIND_GLOBAL:
                out->u.global = nlen % 3 == 0   ? &env.g_i32
                                : nlen % 3 == 1 ? &env.g_i64
                                                : &env.g_mut;
                return true;
        case WASM_KIND_TABLE:
                out->u.table = &env.table;
                return true;
        case WASM_KIND_MEMORY:
                out->u.memory = &env.memory;
                return true;
        default:
                return false;
        }
}

static uint8_t module_mem[8 << 20];

static struct wasm_instance *new_instance(const struct wasm_module *m, void **mem)
{
        size_t size = wasm_instance_arena_size(m, &fuzz_cfg);
        /* An agent's arena is bounded (the kernel gives fixed ones): a module whose minimum
         * memory alone needs more than this is refused, as RVM would refuse it. */
        if (size > (64u << 20)) {
                *mem = NULL;
                return NULL;
        }
        *mem = malloc(size);
        if (*mem == NULL) {
                return NULL;
        }
        struct wasm_arena a;
        wasm_arena_init(&a, *mem, size);
        struct wasm_instance *inst;
        if (wasm_instantiate(m, &fuzz_cfg, resolve, NULL, &a, &inst) != WASM_OK) {
                return NULL;
        }
        return inst;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (!env.ready) {
                env_init();
        }
        /* shared imports are reset so one input cannot influence the next */
        env.memory.pages = 1;
        memset(env.mem, 0, sizeof(env.mem));
        memset(env.elems, 0, sizeof(env.elems));
        env.g_mut.value = 0;

        struct wasm_arena a;
        wasm_arena_init(&a, module_mem, sizeof(module_mem));
        const struct wasm_module *m;
        if (wasm_module_decode(data, size, &a, &m) != WASM_OK) {
                return 0;
        }
        void *mem1 = NULL, *mem2 = NULL;
        struct wasm_instance *inst = new_instance(m, &mem1);
        if (inst == NULL) {
                free(mem1);
                return 0;
        }
        if (wasm_run(inst, 10000) == WASM_YIELD) {
                free(mem1);
                return 0; /* a start function that does not finish in budget */
        }
        static uint8_t snap[4 << 20];
        bool snapshotted = false;
        for (uint32_t i = 0; i < 64; i++) {
                const char *name;
                uint32_t nlen;
                struct wasm_extern ex;
                if (wasm_export_at(inst, i, &name, &nlen, &ex) != WASM_OK) {
                        break;
                }
                if (ex.kind != WASM_KIND_FUNC) {
                        continue;
                }
                uint64_t args[64] = {0};
                uint32_t np = wasm_func_type(ex.u.func)->nparams;
                if (np > 64 || wasm_call_begin(inst, ex.u.func, args, np) != WASM_OK) {
                        continue;
                }
                enum wasm_status st = wasm_run(inst, 2000);
                size_t len;
                if (st == WASM_YIELD && !snapshotted &&
                    wasm_snapshot_save(inst, snap, sizeof(snap), &len) == WASM_OK) {
                        /* restore into a fresh instance and let it run on */
                        snapshotted = true;
                        struct wasm_instance *copy = new_instance(m, &mem2);
                        if (copy != NULL && wasm_snapshot_restore(copy, snap, len) == WASM_OK) {
                                (void)wasm_run(copy, 2000);
                        }
                }
                for (int slice = 0; slice < 3 && st == WASM_YIELD; slice++) {
                        st = wasm_run(inst, 2000);
                }
                if (st == WASM_YIELD) {
                        break; /* the instance stays busy: stop here */
                }
        }
        free(mem1);
        free(mem2);
        return 0;
}
