/*
 * rvm-wasm: run one export of a WebAssembly module on the host, metered as RVM meters agents.
 *
 *   rvm-wasm [--fuel N] [--stats] MODULE.wasm FUNC [ARG...]
 *
 * The call runs in slices of N fuel (default 20000, an agent's turn in RVM), resuming after every
 * yield exactly as the kernel does. Arguments are parsed by the parameter's type: i32/i64 as
 * decimal (or 0x hex), f32/f64 as their IEEE bits. The result goes to stdout the same way (i32
 * and i64 in decimal, signed; floats as bits in hex). --stats prints the fuel used and the number
 * of slices on stderr. --migrate moves the call at every yield to a fresh instance of the module
 * through wasm_snapshot_save/restore (as RVM migrates an agent): the result must not change. A
 * module that does not decode, validate or link, a missing export, a wrong argument or a trap: a
 * message on stderr and a non-zero status. The module may import nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/wasm.h"

#define DEFAULT_FUEL 20000 /* kernel/agent.c AGENT_FUEL */

static int usage(void)
{
        fprintf(stderr,
                "usage: rvm-wasm [--fuel N] [--stats] [--migrate] MODULE.wasm FUNC [ARG...]\n");
        return 2;
}

static uint8_t *read_file(const char *path, size_t *len)
{
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
                perror(path);
                return NULL;
        }
        size_t cap = 1 << 16, n = 0;
        uint8_t *buf = malloc(cap);
        size_t got;
        while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
                n += got;
                if (n == cap) {
                        cap *= 2;
                        uint8_t *bigger = realloc(buf, cap);
                        if (bigger == NULL) {
                                free(buf);
                        }
                        buf = bigger;
                }
        }
        fclose(f);
        *len = n;
        return buf;
}

static bool parse_arg(const char *s, uint8_t type, uint64_t *out)
{
        char *end;
        errno = 0;
        if (type == WASM_I32 || type == WASM_I64) {
                bool neg = s[0] == '-';
                uint64_t v = neg ? (uint64_t)strtoll(s, &end, 0) : strtoull(s, &end, 0);
                if (type == WASM_I32) {
                        if (neg ? (int64_t)v < INT32_MIN : v > UINT32_MAX) {
                                return false;
                        }
                        v = (uint32_t)v;
                }
                *out = v;
        } else {
                *out = strtoull(s, &end, 0);
                if (type == WASM_F32 && *out > UINT32_MAX) {
                        return false;
                }
        }
        return errno == 0 && end != s && *end == '\0';
}

static void print_result(uint8_t type, uint64_t v)
{
        switch (type) {
        case WASM_I32:
                printf("%" PRId32 "\n", (int32_t)(uint32_t)v);
                break;
        case WASM_I64:
                printf("%" PRId64 "\n", (int64_t)v);
                break;
        case WASM_F32:
                printf("0x%08" PRIx32 "\n", (uint32_t)v);
                break;
        default:
                printf("0x%016" PRIx64 "\n", v);
                break;
        }
}

static bool resolve_nothing(void *ctx, const char *module, uint32_t module_len, const char *name,
                            uint32_t name_len, uint8_t kind, struct wasm_extern *out)
{
        (void)ctx, (void)kind, (void)out;
        fprintf(stderr, "rvm-wasm: import %.*s.%.*s is not provided\n", (int)module_len, module,
                (int)name_len, name);
        return false;
}

/* Everything one instance of the module needs; --migrate alternates between two. */
struct place {
        const struct wasm_module *m;
        struct wasm_config cfg;
        size_t size;
        void *mem[2];
        int cur;
        struct wasm_instance *inst;
        bool migrate;
};

static enum wasm_err place_instantiate(struct place *p, int which)
{
        struct wasm_arena a;
        wasm_arena_init(&a, p->mem[which], p->size);
        p->cur = which;
        return wasm_instantiate(p->m, &p->cfg, resolve_nothing, NULL, &a, &p->inst);
}

/* Save the yielded call and restore it into a fresh instance in the other arena. */
static bool migrate(struct place *p)
{
        size_t len = 0;
        if (wasm_snapshot_save(p->inst, NULL, 0, &len) != WASM_E_ARENA) {
                return false;
        }
        uint8_t *buf = malloc(len);
        bool ok = buf != NULL && wasm_snapshot_save(p->inst, buf, len, &len) == WASM_OK &&
                  place_instantiate(p, !p->cur) == WASM_OK &&
                  wasm_snapshot_restore(p->inst, buf, len) == WASM_OK;
        free(buf);
        return ok;
}

/* Runs the pending call to its end in slices; returns its status. */
static enum wasm_status run_sliced(struct place *p, int64_t slice, uint64_t *used, uint64_t *slices)
{
        enum wasm_status st;
        do {
                st = wasm_run(p->inst, slice);
                *used += (uint64_t)(slice - wasm_fuel_left(p->inst));
                (*slices)++;
                if (st == WASM_YIELD && p->migrate && !migrate(p)) {
                        fprintf(stderr, "rvm-wasm: migration failed\n");
                        exit(1);
                }
        } while (st == WASM_YIELD);
        return st;
}

int main(int argc, char **argv)
{
        int64_t slice = DEFAULT_FUEL;
        bool stats = false, do_migrate = false;
        int i = 1;
        for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
                if (strcmp(argv[i], "--stats") == 0) {
                        stats = true;
                } else if (strcmp(argv[i], "--migrate") == 0) {
                        do_migrate = true;
                } else if (strcmp(argv[i], "--fuel") == 0 && i + 1 < argc) {
                        char *end;
                        slice = strtoll(argv[++i], &end, 0);
                        if (*end != '\0' || slice <= 0) {
                                return usage();
                        }
                } else {
                        return usage();
                }
        }
        if (argc - i < 2) {
                return usage();
        }
        const char *path = argv[i], *fname = argv[i + 1];
        char **args = argv + i + 2;
        uint32_t nargs = (uint32_t)(argc - i - 2);

        size_t len;
        uint8_t *bytes = read_file(path, &len);
        if (bytes == NULL) {
                return 1;
        }
        size_t module_size = 64 * len + (1 << 20);
        struct wasm_arena ma;
        wasm_arena_init(&ma, malloc(module_size), module_size);
        const struct wasm_module *m;
        enum wasm_err e = wasm_module_decode(bytes, len, &ma, &m);
        if (e != WASM_OK) {
                fprintf(stderr, "rvm-wasm: %s: %s\n", path, wasm_err_name(e));
                return 1;
        }
        struct place p = {.m = m, .migrate = do_migrate};
        p.cfg =
            (struct wasm_config){.mem_cap_pages = 1024, .stack_slots = 1 << 16, .max_frames = 4096};
        p.size = wasm_instance_arena_size(m, &p.cfg);
        p.mem[0] = malloc(p.size);
        p.mem[1] = do_migrate ? malloc(p.size) : NULL;
        e = place_instantiate(&p, 0);
        if (e != WASM_OK) {
                fprintf(stderr, "rvm-wasm: %s: %s\n", path, wasm_err_name(e));
                return 1;
        }
        uint64_t used = 0, slices = 0;
        if (run_sliced(&p, slice, &used, &slices) != WASM_DONE) {
                fprintf(stderr, "rvm-wasm: start function trapped: %s\n",
                        wasm_trap_name(wasm_trap_code(p.inst)));
                return 1;
        }
        struct wasm_extern ex;
        if (wasm_export(p.inst, fname, strlen(fname), &ex) != WASM_OK ||
            ex.kind != WASM_KIND_FUNC) {
                fprintf(stderr, "rvm-wasm: no exported function %s\n", fname);
                return 1;
        }
        const struct wasm_functype *t = wasm_func_type(ex.u.func);
        if (nargs != t->nparams) {
                fprintf(stderr, "rvm-wasm: %s takes %u arguments\n", fname, t->nparams);
                return 1;
        }
        uint64_t *vals = calloc(nargs + 1, sizeof(uint64_t));
        if (vals == NULL) {
                return 1;
        }
        for (uint32_t k = 0; k < nargs; k++) {
                if (!parse_arg(args[k], t->types[k], &vals[k])) {
                        fprintf(stderr, "rvm-wasm: bad argument %s\n", args[k]);
                        return 1;
                }
        }
        e = wasm_call_begin(p.inst, ex.u.func, vals, nargs);
        if (e != WASM_OK) {
                fprintf(stderr, "rvm-wasm: %s: %s\n", fname, wasm_err_name(e));
                return 1;
        }
        used = slices = 0;
        enum wasm_status st = run_sliced(&p, slice, &used, &slices);
        if (stats) {
                fprintf(stderr, "fuel %" PRIu64 " slices %" PRIu64 "\n", used, slices);
        }
        if (st != WASM_DONE) {
                fprintf(stderr, "rvm-wasm: trap: %s\n", wasm_trap_name(wasm_trap_code(p.inst)));
                return 1;
        }
        uint64_t r;
        if (wasm_results(p.inst, &r, 1) == 1) {
                print_result(t->types[t->nparams], r);
        }
        return 0;
}
