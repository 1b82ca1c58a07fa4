/*
 * libFuzzer target for the WebAssembly engine: decode + validate + instantiate + bounded execution
 * of every exported function (zero-valued arguments, small fuel, a few slices), plus a snapshot
 * save/restore of the instance mid-call. Imports are satisfied by a small host environment so
 * linking code is exercised too. Malformed input must only ever produce error codes.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz/wasm_fuzz.c wasm/(*).c
 */
#include <sanitizer/asan_interface.h>
#include <stdint.h>
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
        bool memory_linked; /* an instance of this input imported memory: it may have written */
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
                env.memory_linked = true;
                return true;
        default:
                return false;
        }
}

static uint8_t module_mem[8 << 20];

/*
 * The instances' arenas (an input makes at most two: the instance and its snapshot's copy).
 * An agent's arena is bounded (the kernel gives fixed ones): a module whose minimum memory
 * alone needs more than INST_MAX is refused, as RVM would refuse it. They are static and
 * reused, not malloc'd per input: fresh heap pages (ASan's quarantine keeps freed ones out
 * of reach) cost a fifth of the fuzzer's time in page faults. What malloc gave is kept: the
 * bytes just before and after the arena are poisoned, like ASan's redzones, and its first
 * 4 KiB are filled with ASan's malloc_fill_byte instead of the last input's data.
 */
#define INST_MAX   (64u << 20)
#define INST_GUARD 4096u
static _Alignas(INST_GUARD) uint8_t inst_mem[2][INST_GUARD + INST_MAX + INST_GUARD];
static size_t inst_given[2]; /* what each was last given (its guard after that is poisoned) */

static struct wasm_instance *new_instance(const struct wasm_module *m, unsigned k)
{
        size_t size = wasm_instance_arena_size(m, &fuzz_cfg);
        if (size > INST_MAX) {
                return NULL;
        }
        uint8_t *mem = inst_mem[k] + INST_GUARD;
        ASAN_POISON_MEMORY_REGION(inst_mem[k], INST_GUARD);
        ASAN_UNPOISON_MEMORY_REGION(mem + inst_given[k], INST_GUARD);
        ASAN_POISON_MEMORY_REGION(mem + size, INST_GUARD);
        inst_given[k] = size;
        memset(mem, 0xbe, size < 4096 ? size : 4096);
        struct wasm_arena a;
        wasm_arena_init(&a, mem, size);
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
        /* shared imports are reset so one input cannot influence the next (the memory only
         * if the last input linked it: most do not, and it is 128 KiB) */
        env.memory.pages = 1;
        if (env.memory_linked) {
                memset(env.mem, 0, sizeof(env.mem));
                env.memory_linked = false;
        }
        memset(env.elems, 0, sizeof(env.elems));
        env.g_mut.value = 0;

        struct wasm_arena a;
        wasm_arena_init(&a, module_mem, sizeof(module_mem));
        const struct wasm_module *m;
        if (wasm_module_decode(data, size, &a, &m) != WASM_OK) {
                return 0;
        }
        struct wasm_instance *inst = new_instance(m, 0);
        if (inst == NULL) {
                return 0;
        }
        if (wasm_run(inst, 10000) == WASM_YIELD) {
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
                        struct wasm_instance *copy = new_instance(m, 1);
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
        return 0;
}

/*
 * A structure-aware mutator: most mutations stay inside one section's payload, or inside one
 * function body of the code section, or insert a short valid instruction sequence into a
 * body, and the lengths around them are rewritten, so the module still splits into sections
 * and bodies and the mutation reaches validation and execution instead of dying in the
 * decoder. The rest are libFuzzer's own byte-level mutations.
 */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#define MUT_MAX (64 * 1024)

struct span {
        size_t hdr;     /* where its id byte is */
        size_t at, len; /* payload offset and length within the input */
        uint8_t id;
};

static bool leb_u32(const uint8_t *p, size_t end, size_t *at, uint32_t *v)
{
        uint32_t x = 0;

        for (unsigned shift = 0; shift < 35; shift += 7) {
                if (*at >= end) {
                        return false;
                }
                uint8_t b = p[(*at)++];
                x |= (uint32_t)(b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                        *v = x;
                        return true;
                }
        }
        return false;
}

static size_t put_leb(uint8_t *out, uint32_t v)
{
        size_t n = 0;

        do {
                uint8_t b = v & 0x7f;
                v >>= 7;
                out[n++] = (uint8_t)(b | (v != 0 ? 0x80 : 0));
        } while (v != 0);
        return n;
}

/* The sections of a module (after the 8-byte header); false if it does not split cleanly. */
static bool split(const uint8_t *d, size_t size, struct span *s, unsigned *n, unsigned cap)
{
        size_t at = 8;

        *n = 0;
        if (size < 8 || memcmp(d, "\0asm\1\0\0\0", 8) != 0) {
                return false;
        }
        while (at < size) {
                size_t hdr = at;
                uint8_t id = d[at++];
                uint32_t len;
                if (*n == cap || !leb_u32(d, size, &at, &len) || len > size - at) {
                        return false;
                }
                s[(*n)++] = (struct span){hdr, at, len, id};
                at += len;
        }
        return true;
}

/* Short, valid instruction sequences with a neutral stack effect (they push and drop, or
 * branch within a fresh block), to splice into a function body. */
static const uint8_t snippets[][12] = {
    {3, 0x41, 0x2a, 0x1a},                         /* i32.const 42; drop */
    {5, 0x41, 0x01, 0x41, 0x02, 0x6a},             /* i32.const 1; i32.const 2; i32.add */
    {3, 0x02, 0x40, 0x0b},                         /* block; end */
    {5, 0x02, 0x40, 0x0c, 0x00, 0x0b},             /* block; br 0; end */
    {6, 0x03, 0x40, 0x41, 0x00, 0x0d, 0x00},       /* loop; i32.const 0; br_if 0 (+end) */
    {1, 0x01},                                     /* nop */
    {4, 0x42, 0x7f, 0x50, 0x1a},                   /* i64.const -1; i64.eqz; drop */
    {6, 0x41, 0x00, 0x28, 0x02, 0x00, 0x1a},       /* i32.load (memory 0); drop */
    {7, 0x41, 0x00, 0x41, 0x07, 0x36, 0x02, 0x00}, /* i32.store */
    {3, 0x3f, 0x00, 0x1a},                         /* memory.size; drop */
    {5, 0x41, 0x00, 0x04, 0x40, 0x0b},             /* i32.const 0; if; end */
    {1, 0x00},                                     /* unreachable */
};

static uint32_t rnd(unsigned *seed)
{
        *seed = *seed * 1103515245u + 12345u;
        return *seed >> 8;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned seed)
{
        static uint8_t piece[MUT_MAX], out[MUT_MAX + 16];
        struct span s[64];
        unsigned n;

        if (rnd(&seed) % 4 == 0 || max_size > MUT_MAX || !split(data, size, s, &n, 64) || n == 0) {
                return LLVMFuzzerMutate(data, size, max_size);
        }
        /* Which section: the code section (id 10) half the time, if there is one. */
        unsigned k = rnd(&seed) % n;
        for (unsigned i = 0; i < n && rnd(&seed) % 2 == 0; i++) {
                if (s[i].id == 10) {
                        k = i;
                }
        }
        size_t from = s[k].at, len = s[k].len, inner_hdr = 0;
        /* In the code section: one function body (count, then size-prefixed bodies). */
        size_t body_at = 0, body_len = 0;
        if (s[k].id == 10) {
                size_t at = from;
                uint32_t count, pick;
                if (leb_u32(data, from + len, &at, &count) && count > 0) {
                        pick = rnd(&seed) % count;
                        for (uint32_t i = 0; i <= pick; i++) {
                                uint32_t bl;
                                size_t size_at = at;
                                if (!leb_u32(data, from + len, &at, &bl) || bl > from + len - at) {
                                        body_len = 0;
                                        break;
                                }
                                body_at = at;
                                body_len = bl;
                                inner_hdr = at - size_at;
                                at += bl;
                        }
                }
        }
        size_t m_at = body_len != 0 ? body_at : from;
        size_t m_len = body_len != 0 ? body_len : len;
        size_t room = max_size - (size - m_len);
        if (room > MUT_MAX) {
                room = MUT_MAX;
        }
        if (m_len > room) {
                return LLVMFuzzerMutate(data, size, max_size);
        }
        memcpy(piece, data + m_at, m_len);
        size_t new_len;
        if (body_len != 0 && m_len > 0 && rnd(&seed) % 2 == 0) {
                /* Insert a snippet at a random place before the body's final `end`. */
                const uint8_t *sn = snippets[rnd(&seed) % (sizeof(snippets) / sizeof(snippets[0]))];
                size_t at = rnd(&seed) % m_len;
                if (m_len + sn[0] > room) {
                        return LLVMFuzzerMutate(data, size, max_size);
                }
                memmove(piece + at + sn[0], piece + at, m_len - at);
                memcpy(piece + at, sn + 1, sn[0]);
                new_len = m_len + sn[0];
        } else {
                new_len = LLVMFuzzerMutate(piece, m_len, room);
        }
        /* Rebuild: everything before the piece's length prefix, the new prefix(es), the piece,
         * everything after it. */
        size_t o = s[k].hdr + 1;
        memcpy(out, data, o);                   /* everything before the section, and its id */
        size_t sec_new = len - m_len + new_len; /* payload without a body-size change */
        uint8_t body_leb[5];
        size_t body_leb_len = 0;
        if (body_len != 0) {
                body_leb_len = put_leb(body_leb, (uint32_t)new_len);
                sec_new = len - m_len - inner_hdr + body_leb_len + new_len;
        }
        o += put_leb(out + o, (uint32_t)sec_new);
        if (body_len != 0) {
                size_t before = (body_at - inner_hdr) - from;
                memcpy(out + o, data + from, before);
                o += before;
                memcpy(out + o, body_leb, body_leb_len);
                o += body_leb_len;
        }
        memcpy(out + o, piece, new_len);
        o += new_len;
        size_t tail = size - (m_at + m_len);
        if (o + tail > max_size) {
                return LLVMFuzzerMutate(data, size, max_size);
        }
        memcpy(out + o, data + m_at + m_len, tail);
        o += tail;
        memcpy(data, out, o);
        return o;
}
