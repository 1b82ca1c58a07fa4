/*
 * WebAssembly spec-test runner: executes the commands of one wast2json JSON file against the
 * engine (module, register, action and every assert_* kind), with the `spectest` host module,
 * named modules and cross-module linking through registered names.
 *
 * Usage: spec_runner FILE.json...   For each file it prints failures as "file:line: ..." and one
 * line "RESULT file P F S" (passed, failed, skipped assertions); exit status 1 if any failed.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tests/wasm/json.h"
#include "wasm/wasm.h"

#define MAX_INST 512

struct named {
        char *name;
        struct wasm_instance *inst;
};

struct mapping {
        void *base;
        size_t size;
};

struct runner {
        const char *file;
        char dir[1024];
        struct named regs[MAX_INST]; /* registered import names */
        size_t nregs;
        struct named names[MAX_INST]; /* $names of modules */
        size_t nnames;
        struct wasm_instance *current;
        struct mapping maps[4 * MAX_INST];
        size_t nmaps;
        unsigned passed, failed, skipped;
        /* the spectest module */
        struct wasm_func print[7];
        struct wasm_global g_i32, g_i64, g_f32, g_f64;
        struct wasm_table table;
        struct wasm_func *table_elems[20];
        struct wasm_memory memory;
};

static const struct wasm_config run_cfg = {65536, 1u << 20, 20000};

static enum wasm_host_status host_print(void *ctx, struct wasm_instance *caller, uint64_t *slots)
{
        (void)ctx, (void)caller, (void)slots;
        return WASM_HOST_OK;
}

static void *map_arena(struct runner *r, size_t size)
{
        if (r->nmaps >= sizeof(r->maps) / sizeof(r->maps[0])) {
                /* never let a runner limit pass for an expected decode failure */
                fprintf(stderr, "spec_runner: out of arena slots\n");
                exit(3);
        }
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
                fprintf(stderr, "spec_runner: mmap of %zu bytes failed\n", size);
                exit(3);
        }
        r->maps[r->nmaps++] = (struct mapping){p, size};
        return p;
}

static void spectest_init(struct runner *r)
{
        static const char *const sigs[7] = {"", "i", "I", "f", "F", "if", "FF"};
        for (int i = 0; i < 7; i++) {
                wasm_host_func_init(&r->print[i], sigs[i], host_print, r);
        }
        r->g_i32 = (struct wasm_global){666, WASM_I32, false};
        r->g_i64 = (struct wasm_global){666, WASM_I64, false};
        float f = 666.6f;
        uint32_t fb;
        memcpy(&fb, &f, 4);
        r->g_f32 = (struct wasm_global){fb, WASM_F32, false};
        double d = 666.6;
        uint64_t db;
        memcpy(&db, &d, 8);
        r->g_f64 = (struct wasm_global){db, WASM_F64, false};
        memset(r->table_elems, 0, sizeof(r->table_elems));
        r->table = (struct wasm_table){r->table_elems, 10, {10, 20, true}};
        uint8_t *mem = map_arena(r, 2 * WASM_PAGE_SIZE);
        r->memory = (struct wasm_memory){mem, 1, 2, {1, 2, true}};
}

static bool spectest_resolve(struct runner *r, const char *name, uint32_t nlen,
                             struct wasm_extern *out)
{
        static const char *const prints[7] = {"print",        "print_i32", "print_i64",
                                              "print_f32",    "print_f64", "print_i32_f32",
                                              "print_f64_f64"};
        char n[64];
        if (nlen >= sizeof(n)) {
                return false;
        }
        memcpy(n, name, nlen);
        n[nlen] = 0;
        for (int i = 0; i < 7; i++) {
                if (strcmp(n, prints[i]) == 0) {
                        out->kind = WASM_KIND_FUNC;
                        out->u.func = &r->print[i];
                        return true;
                }
        }
        struct {
                const char *name;
                struct wasm_global *g;
        } globals[] = {{"global_i32", &r->g_i32},
                       {"global_i64", &r->g_i64},
                       {"global_f32", &r->g_f32},
                       {"global_f64", &r->g_f64}};
        for (int i = 0; i < 4; i++) {
                if (strcmp(n, globals[i].name) == 0) {
                        out->kind = WASM_KIND_GLOBAL;
                        out->u.global = globals[i].g;
                        return true;
                }
        }
        if (strcmp(n, "table") == 0) {
                out->kind = WASM_KIND_TABLE;
                out->u.table = &r->table;
                return true;
        }
        if (strcmp(n, "memory") == 0) {
                out->kind = WASM_KIND_MEMORY;
                out->u.memory = &r->memory;
                return true;
        }
        return false;
}

static bool resolve(void *ctx, const char *module, uint32_t mlen, const char *name, uint32_t nlen,
                    uint8_t kind, struct wasm_extern *out)
{
        struct runner *r = ctx;
        (void)kind;
        if (mlen == 8 && memcmp(module, "spectest", 8) == 0) {
                return spectest_resolve(r, name, nlen, out);
        }
        for (size_t i = r->nregs; i-- > 0;) {
                if (strlen(r->regs[i].name) == mlen && memcmp(r->regs[i].name, module, mlen) == 0) {
                        return wasm_export(r->regs[i].inst, name, nlen, out) == WASM_OK;
                }
        }
        return false;
}

static uint8_t *read_file(const char *path, size_t *len)
{
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
                return NULL;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *buf = malloc((size_t)n + 1);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
                free(buf);
                buf = NULL;
        }
        fclose(f);
        *len = (size_t)n;
        return buf;
}

/* Decode a module file; returns the error code. */
static enum wasm_err load_module(struct runner *r, const char *filename,
                                 const struct wasm_module **out)
{
        char path[2048];
        snprintf(path, sizeof(path), "%s/%s", r->dir, filename);
        size_t len;
        uint8_t *bytes = read_file(path, &len);
        if (bytes == NULL) {
                return WASM_E_STATE;
        }
        enum wasm_err e = WASM_E_ARENA;
        for (size_t size = 65536 + 16 * len; e == WASM_E_ARENA && size < (1u << 30); size *= 4) {
                void *mem = map_arena(r, size);
                if (mem == NULL) {
                        break;
                }
                struct wasm_arena a;
                wasm_arena_init(&a, mem, size);
                e = wasm_module_decode(bytes, len, &a, out);
                if (e != WASM_OK) {
                        /* the last mapping is this arena: give it back at once */
                        r->nmaps--;
                        munmap(r->maps[r->nmaps].base, r->maps[r->nmaps].size);
                }
        }
        free(bytes);
        return e;
}

static enum wasm_status run_to_end(struct wasm_instance *inst)
{
        enum wasm_status st;
        int slices = 0;
        do {
                st = wasm_run(inst, 100000000);
        } while (st == WASM_YIELD && ++slices < 1000);
        return st;
}

/* Instantiate; *trapped tells a start-function trap from a link error. */
static enum wasm_err instantiate(struct runner *r, const struct wasm_module *m,
                                 struct wasm_instance **out, bool *trapped)
{
        *trapped = false;
        size_t size = wasm_instance_arena_size(m, &run_cfg);
        void *mem = map_arena(r, size);
        if (mem == NULL) {
                return WASM_E_ARENA;
        }
        struct wasm_arena a;
        wasm_arena_init(&a, mem, size);
        enum wasm_err e = wasm_instantiate(m, &run_cfg, resolve, r, &a, out);
        if (e != WASM_OK) {
                return e;
        }
        if (run_to_end(*out) != WASM_DONE) {
                *trapped = true;
                return WASM_E_STATE;
        }
        return WASM_OK;
}

static struct wasm_instance *find_named(struct runner *r, const char *name)
{
        if (name == NULL) {
                return r->current;
        }
        for (size_t i = r->nnames; i-- > 0;) {
                if (strcmp(r->names[i].name, name) == 0) {
                        return r->names[i].inst;
                }
        }
        return NULL;
}

static uint64_t parse_value(const struct json *v)
{
        const char *s = json_str(v, "value");
        return s ? strtoull(s, NULL, 10) : 0;
}

/* Perform an action; returns its status, results in res. */
static enum wasm_status do_action(struct runner *r, const struct json *act, uint64_t *res,
                                  uint32_t *nres, struct wasm_instance **which, const char **err)
{
        struct wasm_instance *inst = find_named(r, json_str(act, "module"));
        const struct json *field = json_get(act, "field");
        const char *type = json_str(act, "type");
        *which = inst;
        *nres = 0;
        if (inst == NULL || field == NULL || type == NULL) {
                *err = "no such module";
                return WASM_TRAP;
        }
        struct wasm_extern ex;
        if (wasm_export(inst, field->str, field->len, &ex) != WASM_OK) {
                *err = "no such export";
                return WASM_TRAP;
        }
        if (strcmp(type, "get") == 0) {
                if (ex.kind != WASM_KIND_GLOBAL) {
                        *err = "not a global";
                        return WASM_TRAP;
                }
                res[0] = ex.u.global->value;
                *nres = 1;
                return WASM_DONE;
        }
        if (ex.kind != WASM_KIND_FUNC) {
                *err = "not a function";
                return WASM_TRAP;
        }
        const struct json *args = json_get(act, "args");
        uint64_t argv[64];
        uint32_t n = 0;
        for (size_t i = 0; args != NULL && i < args->n && i < 64; i++) {
                argv[n++] = parse_value(args->items[i]);
        }
        if (wasm_call_begin(inst, ex.u.func, argv, n) != WASM_OK) {
                *err = "call_begin failed";
                return WASM_TRAP;
        }
        enum wasm_status st = run_to_end(inst);
        if (st == WASM_DONE) {
                *nres = wasm_results(inst, res, 8);
        } else {
                *err = wasm_trap_name(wasm_trap_code(inst));
        }
        return st;
}

static bool value_matches(const struct json *exp, uint64_t got)
{
        const char *type = json_str(exp, "type");
        const char *val = json_str(exp, "value");
        if (type == NULL || val == NULL) {
                return false;
        }
        bool f32 = strcmp(type, "f32") == 0, f64 = strcmp(type, "f64") == 0;
        if (strncmp(val, "nan:", 4) == 0) {
                bool canonical = strcmp(val, "nan:canonical") == 0;
                if (f32) {
                        uint32_t b = (uint32_t)got & 0x7FFFFFFFu;
                        return canonical ? b == 0x7FC00000u : (b & 0x7FC00000u) == 0x7FC00000u;
                }
                if (f64) {
                        uint64_t b = got & 0x7FFFFFFFFFFFFFFFull;
                        return canonical ? b == 0x7FF8000000000000ull
                                         : (b & 0x7FF8000000000000ull) == 0x7FF8000000000000ull;
                }
                return false;
        }
        uint64_t want = strtoull(val, NULL, 10);
        if (strcmp(type, "i32") == 0 || f32) {
                return (uint32_t)got == (uint32_t)want;
        }
        return got == want;
}

static void fail(struct runner *r, int line, const char *what, const char *why)
{
        r->failed++;
        printf("%s:%d: %s: %s\n", r->file, line, what, why);
}

static void run_command(struct runner *r, const struct json *cmd)
{
        const char *type = json_str(cmd, "type");
        const struct json *jl = json_get(cmd, "line");
        int line = jl ? (int)jl->num : 0;
        const char *filename = json_str(cmd, "filename");
        const char *mtype = json_str(cmd, "module_type");
        const struct wasm_module *m;
        struct wasm_instance *inst;
        bool trapped;
        enum wasm_err e;
        if (type == NULL) {
                return;
        }
        if (strcmp(type, "module") == 0) {
                r->current = NULL;
                e = load_module(r, filename, &m);
                if (e == WASM_OK) {
                        e = instantiate(r, m, &inst, &trapped);
                }
                if (e != WASM_OK) {
                        fail(r, line, "module", "failed to load");
                        return;
                }
                r->current = inst;
                const char *name = json_str(cmd, "name");
                if (name != NULL && r->nnames < MAX_INST) {
                        r->names[r->nnames++] = (struct named){strdup(name), inst};
                }
                return;
        }
        if (strcmp(type, "register") == 0) {
                inst = find_named(r, json_str(cmd, "name"));
                const char *as = json_str(cmd, "as");
                if (inst == NULL || as == NULL || r->nregs >= MAX_INST) {
                        fail(r, line, "register", "no module");
                        return;
                }
                r->regs[r->nregs++] = (struct named){strdup(as), inst};
                return;
        }
        if (mtype != NULL && strcmp(mtype, "text") == 0) {
                r->skipped++;
                return;
        }
        uint64_t res[8];
        uint32_t nres;
        const char *err = "";
        if (strcmp(type, "action") == 0 || strcmp(type, "assert_return") == 0) {
                enum wasm_status st =
                    do_action(r, json_get(cmd, "action"), res, &nres, &inst, &err);
                if (st != WASM_DONE) {
                        fail(r, line, type, err);
                        return;
                }
                if (strcmp(type, "action") == 0) {
                        return;
                }
                const struct json *exp = json_get(cmd, "expected");
                size_t n = exp ? exp->n : 0;
                if (n != nres) {
                        fail(r, line, type, "result count");
                        return;
                }
                for (size_t i = 0; i < n; i++) {
                        if (!value_matches(exp->items[i], res[i])) {
                                char buf[128];
                                snprintf(buf, sizeof(buf), "got 0x%llx want %s",
                                         (unsigned long long)res[i],
                                         json_str(exp->items[i], "value"));
                                fail(r, line, type, buf);
                                return;
                        }
                }
                r->passed++;
        } else if (strcmp(type, "assert_trap") == 0 || strcmp(type, "assert_exhaustion") == 0) {
                enum wasm_status st =
                    do_action(r, json_get(cmd, "action"), res, &nres, &inst, &err);
                const char *text = json_str(cmd, "text");
                if (st != WASM_TRAP || inst == NULL) {
                        fail(r, line, type, "did not trap");
                        return;
                }
                const char *name = wasm_trap_name(wasm_trap_code(inst));
                bool ok = text != NULL && strncmp(name, text, strlen(text)) == 0;
                if (strcmp(type, "assert_exhaustion") == 0) {
                        enum wasm_trap t = wasm_trap_code(inst);
                        ok = t == WASM_TRAP_CALL_DEPTH || t == WASM_TRAP_STACK_OVERFLOW;
                }
                if (!ok) {
                        fail(r, line, type, name);
                        return;
                }
                r->passed++;
        } else if (strcmp(type, "assert_invalid") == 0 || strcmp(type, "assert_malformed") == 0) {
                e = load_module(r, filename, &m);
                if (e == WASM_OK) {
                        fail(r, line, type, "module accepted");
                        return;
                }
                if (e != WASM_E_MALFORMED && e != WASM_E_INVALID && e != WASM_E_LIMIT) {
                        fail(r, line, type, "module unreadable or arena exhausted");
                        return;
                }
                r->passed++;
        } else if (strcmp(type, "assert_unlinkable") == 0 ||
                   strcmp(type, "assert_uninstantiable") == 0) {
                bool want_trap = strcmp(type, "assert_uninstantiable") == 0;
                e = load_module(r, filename, &m);
                if (e != WASM_OK) {
                        fail(r, line, type, "module did not decode");
                        return;
                }
                e = instantiate(r, m, &inst, &trapped);
                if (e == WASM_OK || trapped != want_trap) {
                        fail(r, line, type, e == WASM_OK ? "instantiated" : "wrong failure");
                        return;
                }
                r->passed++;
        } else {
                fail(r, line, type, "unknown command");
        }
}

static int run_file(const char *path)
{
        struct runner *r = calloc(1, sizeof(*r));
        if (r == NULL) {
                return 1;
        }
        r->file = path;
        snprintf(r->dir, sizeof(r->dir), "%s", path);
        char *slash = strrchr(r->dir, '/');
        if (slash != NULL) {
                *slash = 0;
        } else {
                strcpy(r->dir, ".");
        }
        spectest_init(r);
        size_t len;
        char *text = (char *)read_file(path, &len);
        struct json *doc = text ? json_parse(text, len) : NULL;
        const struct json *cmds = json_get(doc, "commands");
        if (cmds == NULL) {
                printf("%s: cannot read JSON\n", path);
                r->failed++;
        }
        for (size_t i = 0; cmds != NULL && i < cmds->n; i++) {
                run_command(r, cmds->items[i]);
        }
        printf("RESULT %s %u %u %u\n", path, r->passed, r->failed, r->skipped);
        int rc = r->failed ? 1 : 0;
        json_free(doc);
        free(text);
        for (size_t i = 0; i < r->nmaps; i++) {
                munmap(r->maps[i].base, r->maps[i].size);
        }
        for (size_t i = 0; i < r->nregs; i++) {
                free(r->regs[i].name);
        }
        for (size_t i = 0; i < r->nnames; i++) {
                free(r->names[i].name);
        }
        free(r);
        return rc;
}

int main(int argc, char **argv)
{
        int rc = 0;
        for (int i = 1; i < argc; i++) {
                rc |= run_file(argv[i]);
        }
        return rc;
}
