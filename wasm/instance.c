/*
 * Instances: carving an instance out of its arena, resolving and type-checking imports (other
 * instances' exports or host functions), initialising globals, table, memory and segments, and the
 * call/run entry points that drive the interpreter.
 */
#include <string.h>

#include "wasm/internal.h"

#define ALIGN_UP(x, a) (((x) + (a)-1) & ~(size_t)((a)-1))

static void cfg_defaults(const struct wasm_config *cfg, struct wasm_config *out)
{
        struct wasm_config c = {16, 16384, 1024};
        if (cfg != NULL) {
                if (cfg->mem_cap_pages) {
                        c.mem_cap_pages = cfg->mem_cap_pages;
                }
                if (cfg->stack_slots) {
                        c.stack_slots = cfg->stack_slots;
                }
                if (cfg->max_frames) {
                        c.max_frames = cfg->max_frames;
                }
        }
        if (c.mem_cap_pages > WASM_MAX_PAGES) {
                c.mem_cap_pages = WASM_MAX_PAGES;
        }
        *out = c;
}

static uint32_t mem_reserve_pages(const struct wasm_module *m, const struct wasm_config *c)
{
        if (!m->has_mem || m->mem_imported) {
                return 0;
        }
        uint32_t want = m->mem.has_max ? m->mem.max : WASM_MAX_PAGES;
        if (want > c->mem_cap_pages) {
                want = c->mem_cap_pages;
        }
        return want < m->mem.min ? m->mem.min : want;
}

size_t wasm_instance_arena_size(const struct wasm_module *m, const struct wasm_config *cfg)
{
        struct wasm_config c;
        cfg_defaults(cfg, &c);
        uint32_t own_funcs = m->nfuncs - m->nfunc_imports;
        uint32_t own_globals = m->nglobals - m->nglobal_imports;
        size_t s = sizeof(struct wasm_instance) + 64;
        s += ALIGN_UP(sizeof(void *) * (m->nfuncs + 1), 8) + 8;
        s += ALIGN_UP(sizeof(struct wasm_func) * (own_funcs + 1), 8) + 8;
        s += ALIGN_UP(sizeof(void *) * (m->nglobals + 1), 8) + 8;
        s += ALIGN_UP(sizeof(struct wasm_global) * (own_globals + 1), 8) + 8;
        if (m->has_table && !m->table_imported) {
                s += sizeof(void *) * ((size_t)m->table.min + 1) + 8;
        }
        s += sizeof(struct wasm_frame) * ((size_t)c.max_frames + 1) + 8;
        s += sizeof(uint64_t) * ((size_t)c.stack_slots + 1) + 8;
        s += (size_t)mem_reserve_pages(m, &c) * WASM_PAGE_SIZE + 16;
        return s;
}

static bool limits_match(uint32_t size, const struct wasm_limits *have,
                         const struct wasm_limits *want)
{
        if (size < want->min) {
                return false;
        }
        if (want->has_max) {
                return have->has_max && have->max <= want->max;
        }
        return true;
}

static enum wasm_err link_imports(struct wasm_instance *inst, wasm_resolve_fn resolve, void *ctx)
{
        const struct wasm_module *m = inst->module;
        uint32_t fi = 0, gi = 0;
        for (uint32_t i = 0; i < m->nimports; i++) {
                const struct wasm_import *im = &m->imports[i];
                struct wasm_extern ex;
                memset(&ex, 0, sizeof(ex));
                if (resolve == NULL || !resolve(ctx, im->module, im->module_len, im->name,
                                                im->name_len, im->kind, &ex)) {
                        return WASM_E_UNLINKABLE;
                }
                if (ex.kind != im->kind || ex.u.func == NULL) {
                        return WASM_E_UNLINKABLE;
                }
                switch (im->kind) {
                case WASM_KIND_FUNC:
                        if (!wasm_functype_eq(ex.u.func->type, &m->types[im->index])) {
                                return WASM_E_UNLINKABLE;
                        }
                        inst->funcs[fi++] = ex.u.func;
                        break;
                case WASM_KIND_TABLE:
                        if (!limits_match(ex.u.table->size, &ex.u.table->lim, &m->table)) {
                                return WASM_E_UNLINKABLE;
                        }
                        inst->table = ex.u.table;
                        break;
                case WASM_KIND_MEMORY:
                        if (!limits_match(ex.u.memory->pages, &ex.u.memory->lim, &m->mem)) {
                                return WASM_E_UNLINKABLE;
                        }
                        inst->mem = ex.u.memory;
                        break;
                default: {
                        const struct wasm_global_def *g = &m->globals[gi];
                        if (ex.u.global->type != g->type || ex.u.global->mut != g->mut) {
                                return WASM_E_UNLINKABLE;
                        }
                        inst->globals[gi++] = ex.u.global;
                        break;
                }
                }
        }
        return WASM_OK;
}

static uint64_t eval_const(const struct wasm_instance *inst, const struct wasm_constexpr *ce)
{
        if (ce->op == 0x23) {
                return inst->globals[ce->value]->value;
        }
        return ce->value;
}

/* MVP: every segment is checked before any is written; a misfit fails instantiation. */
static enum wasm_err init_segments(struct wasm_instance *inst)
{
        const struct wasm_module *m = inst->module;
        for (uint32_t i = 0; i < m->nelems; i++) {
                uint64_t off = (uint32_t)eval_const(inst, &m->elems[i].offset);
                if (off + m->elems[i].count > inst->table->size) {
                        return WASM_E_UNLINKABLE;
                }
        }
        for (uint32_t i = 0; i < m->ndatas; i++) {
                uint64_t off = (uint32_t)eval_const(inst, &m->datas[i].offset);
                if (off + m->datas[i].len > (uint64_t)inst->mem->pages * WASM_PAGE_SIZE) {
                        return WASM_E_UNLINKABLE;
                }
        }
        for (uint32_t i = 0; i < m->nelems; i++) {
                uint32_t off = (uint32_t)eval_const(inst, &m->elems[i].offset);
                for (uint32_t k = 0; k < m->elems[i].count; k++) {
                        inst->table->elems[off + k] = inst->funcs[m->elems[i].funcs[k]];
                }
        }
        for (uint32_t i = 0; i < m->ndatas; i++) {
                uint32_t off = (uint32_t)eval_const(inst, &m->datas[i].offset);
                if (m->datas[i].len) {
                        memcpy(inst->mem->data + off, m->datas[i].bytes, m->datas[i].len);
                }
        }
        return WASM_OK;
}

#define TAKE(ptr, n, align)                                                               \
        do {                                                                              \
                (ptr) = wasm_arena_alloc(arena, sizeof(*(ptr)) * (size_t)(n) + 1, align); \
                if ((ptr) == NULL) {                                                      \
                        arena->used = used;                                               \
                        return WASM_E_ARENA;                                              \
                }                                                                         \
        } while (0)

enum wasm_err wasm_instantiate(const struct wasm_module *m, const struct wasm_config *cfg,
                               wasm_resolve_fn resolve, void *resolve_ctx, struct wasm_arena *arena,
                               struct wasm_instance **out)
{
        struct wasm_config c;
        cfg_defaults(cfg, &c);
        size_t used = arena->used;
        struct wasm_instance *inst;
        TAKE(inst, 1, 16);
        memset(inst, 0, sizeof(*inst));
        inst->module = m;
        uint32_t own_funcs = m->nfuncs - m->nfunc_imports;
        uint32_t own_globals = m->nglobals - m->nglobal_imports;
        TAKE(inst->funcs, m->nfuncs, 8);
        TAKE(inst->own_funcs, own_funcs, 8);
        TAKE(inst->globals, m->nglobals, 8);
        TAKE(inst->own_globals, own_globals, 8);
        TAKE(inst->frames, c.max_frames, 8);
        TAKE(inst->stack, c.stack_slots, 8);
        inst->stack_end = inst->stack + c.stack_slots;
        inst->max_frames = c.max_frames;
        enum wasm_err e = link_imports(inst, resolve, resolve_ctx);
        if (e != WASM_OK) {
                arena->used = used;
                return e;
        }
        for (uint32_t i = 0; i < own_funcs; i++) {
                struct wasm_func *f = &inst->own_funcs[i];
                memset(f, 0, sizeof(*f));
                f->index = m->nfunc_imports + i;
                f->type = &m->types[m->func_type[f->index]];
                f->inst = inst;
                f->code = &m->codes[i];
                inst->funcs[f->index] = f;
        }
        for (uint32_t i = 0; i < own_globals; i++) {
                const struct wasm_global_def *d = &m->globals[m->nglobal_imports + i];
                struct wasm_global *g = &inst->own_globals[i];
                g->type = d->type;
                g->mut = d->mut;
                g->value = eval_const(inst, &d->init);
                inst->globals[m->nglobal_imports + i] = g;
        }
        if (m->has_table && !m->table_imported) {
                TAKE(inst->own_table.elems, m->table.min, 8);
                memset(inst->own_table.elems, 0, sizeof(void *) * m->table.min);
                inst->own_table.size = m->table.min;
                inst->own_table.lim = m->table;
                inst->table = &inst->own_table;
        }
        if (m->has_mem && !m->mem_imported) {
                uint32_t pages = mem_reserve_pages(m, &c);
                TAKE(inst->own_mem.data, (size_t)pages * WASM_PAGE_SIZE, 16);
                memset(inst->own_mem.data, 0, (size_t)m->mem.min * WASM_PAGE_SIZE);
                inst->own_mem.pages = m->mem.min;
                inst->own_mem.limit_pages = pages;
                inst->own_mem.lim = m->mem;
                inst->mem = &inst->own_mem;
        }
        e = init_segments(inst);
        if (e != WASM_OK) {
                arena->used = used;
                return e;
        }
        inst->state = WASM_ST_IDLE;
        if (m->has_start) {
                e = wasm_call_begin(inst, inst->funcs[m->start], NULL, 0);
                if (e != WASM_OK) {
                        arena->used = used;
                        return e;
                }
        }
        *out = inst;
        return WASM_OK;
}

enum wasm_err wasm_export(const struct wasm_instance *inst, const char *name, size_t name_len,
                          struct wasm_extern *out)
{
        const struct wasm_module *m = inst->module;
        for (uint32_t i = 0; i < m->nexports; i++) {
                const struct wasm_export_def *e = &m->exports[i];
                if (e->name_len != name_len || memcmp(e->name, name, name_len) != 0) {
                        continue;
                }
                out->kind = e->kind;
                switch (e->kind) {
                case WASM_KIND_FUNC:
                        out->u.func = inst->funcs[e->index];
                        break;
                case WASM_KIND_TABLE:
                        out->u.table = inst->table;
                        break;
                case WASM_KIND_MEMORY:
                        out->u.memory = inst->mem;
                        break;
                default:
                        out->u.global = inst->globals[e->index];
                        break;
                }
                return WASM_OK;
        }
        return WASM_E_NOTFOUND;
}

enum wasm_err wasm_export_at(const struct wasm_instance *inst, uint32_t i, const char **name,
                             uint32_t *name_len, struct wasm_extern *out)
{
        const struct wasm_module *m = inst->module;
        if (i >= m->nexports) {
                return WASM_E_NOTFOUND;
        }
        *name = m->exports[i].name;
        *name_len = m->exports[i].name_len;
        return wasm_export(inst, *name, *name_len, out);
}

const struct wasm_functype *wasm_func_type(const struct wasm_func *f)
{
        return f->type;
}

struct wasm_memory *wasm_instance_memory(struct wasm_instance *inst)
{
        return inst->mem;
}

enum wasm_err wasm_host_func_init(struct wasm_func *f, const char *sig, wasm_host_fn fn, void *ctx)
{
        memset(f, 0, sizeof(*f));
        uint32_t n = 0, np = 0;
        bool results = false;
        for (const char *p = sig; *p; p++) {
                uint8_t t;
                switch (*p) {
                case ':':
                        if (results) {
                                return WASM_E_ARGS;
                        }
                        results = true;
                        np = n;
                        continue;
                case 'i':
                        t = WASM_I32;
                        break;
                case 'I':
                        t = WASM_I64;
                        break;
                case 'f':
                        t = WASM_F32;
                        break;
                case 'F':
                        t = WASM_F64;
                        break;
                default:
                        return WASM_E_ARGS;
                }
                if (n >= sizeof(f->sig)) {
                        return WASM_E_ARGS;
                }
                f->sig[n++] = t;
        }
        if (!results) {
                np = n;
        }
        if (np > 8 || n - np > 1) {
                return WASM_E_ARGS;
        }
        f->own_type = (struct wasm_functype){np, n - np, f->sig};
        f->type = &f->own_type;
        f->host = fn;
        f->host_ctx = ctx;
        return WASM_OK;
}

enum wasm_err wasm_call_begin(struct wasm_instance *inst, struct wasm_func *f, const uint64_t *args,
                              uint32_t nargs)
{
        if (inst->state != WASM_ST_IDLE) {
                return WASM_E_STATE;
        }
        if (nargs != f->type->nparams) {
                return WASM_E_ARGS;
        }
        size_t slots = (size_t)(inst->stack_end - inst->stack);
        if (f->host && (nargs > 16 || f->type->nresults > 16)) {
                return WASM_E_LIMIT; /* host calls go through a 16-slot buffer */
        }
        size_t need = f->host ? (size_t)nargs + 1 : f->code->frame_slots;
        if (need > slots || inst->max_frames < 2) {
                return WASM_E_LIMIT;
        }
        for (uint32_t i = 0; i < nargs; i++) {
                inst->stack[i] = args[i];
        }
        inst->entry = f;
        inst->nresults = f->type->nresults;
        inst->trap = WASM_TRAP_NONE;
        if (f->host) {
                inst->state = WASM_ST_HOST_ENTRY;
                return WASM_OK;
        }
        uint64_t *sp = inst->stack + nargs;
        for (uint32_t i = 0; i < f->code->nlocals; i++) {
                *sp++ = 0;
        }
        inst->frames[0] = (struct wasm_frame){NULL, NULL, NULL};
        inst->nframes = 1;
        inst->fp = inst->stack;
        inst->sp = sp;
        inst->pc = f->code->code;
        inst->cur = f;
        inst->state = WASM_ST_READY;
        return WASM_OK;
}

enum wasm_status wasm_run(struct wasm_instance *inst, int64_t fuel)
{
        if (inst->state == WASM_ST_IN_HOST) {
                return WASM_YIELD; /* re-entry from one of its own host calls: refused */
        }
        inst->fuel = fuel;
        switch (inst->state) {
        case WASM_ST_IDLE:
                return inst->trap ? WASM_TRAP : WASM_DONE;
        case WASM_ST_HOST_ENTRY: {
                if (fuel <= 0) {
                        return WASM_YIELD;
                }
                inst->fuel = fuel - 1;
                struct wasm_func *f = inst->entry;
                uint64_t slots[16];
                memcpy(slots, inst->stack, sizeof(uint64_t) * f->type->nparams);
                enum wasm_host_status hs = f->host(f->host_ctx, inst, slots);
                if (hs == WASM_HOST_YIELD) {
                        return WASM_YIELD;
                }
                inst->state = WASM_ST_IDLE;
                if (hs == WASM_HOST_TRAP) {
                        inst->trap = WASM_TRAP_HOST;
                        return WASM_TRAP;
                }
                memcpy(inst->stack, slots, sizeof(uint64_t) * f->type->nresults);
                return WASM_DONE;
        }
        default:
                inst->state = WASM_ST_RUNNING;
                return wasm_exec(inst);
        }
}

uint32_t wasm_results(const struct wasm_instance *inst, uint64_t *out, uint32_t max)
{
        uint32_t n = inst->nresults < max ? inst->nresults : max;
        for (uint32_t i = 0; i < n; i++) {
                out[i] = inst->stack[i];
        }
        return inst->nresults;
}

enum wasm_trap wasm_trap_code(const struct wasm_instance *inst)
{
        return (enum wasm_trap)inst->trap;
}

const char *wasm_err_name(enum wasm_err e)
{
        static const char *const names[] = {
            "ok",
            "malformed module",
            "invalid module",
            "arena too small",
            "implementation limit exceeded",
            "unlinkable",
            "wrong instance state",
            "no such export",
            "wrong argument count",
            "bad snapshot",
        };
        return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

const char *wasm_trap_name(enum wasm_trap t)
{
        static const char *const names[] = {
            "none",
            "unreachable",
            "out of bounds memory access",
            "integer divide by zero",
            "integer overflow",
            "invalid conversion to integer",
            "undefined element",
            "uninitialized element",
            "indirect call type mismatch",
            "call stack exhausted",
            "value stack exhausted",
            "host trap",
        };
        return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

int64_t wasm_fuel_left(const struct wasm_instance *inst)
{
        return inst->fuel;
}

bool wasm_busy(const struct wasm_instance *inst)
{
        return inst->state != WASM_ST_IDLE;
}
