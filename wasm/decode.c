/*
 * The module decoder: walks the sections of a WebAssembly 1.0 binary, checks their structure and
 * the module-level validation rules (indices, limits, constant expressions, exports, start), and
 * hands every function body to the translator (compile.c). Everything it keeps is copied into the
 * module arena, so the input bytes may go away afterwards.
 */
#include <string.h>

#include "wasm/internal.h"

#define ALLOC(ptr, n, arena)                                                            \
        do {                                                                            \
                (ptr) = wasm_arena_alloc((arena), sizeof(*(ptr)) * (size_t)(n) + 1, 8); \
                if ((ptr) == NULL) {                                                    \
                        return WASM_E_ARENA;                                            \
                }                                                                       \
        } while (0)

static enum wasm_err rd_valtype(struct wasm_reader *r, uint8_t *out)
{
        TRY(wasm_rd_u8(r, out));
        return (*out >= WASM_F64 && *out <= WASM_I32) ? WASM_OK : WASM_E_MALFORMED;
}

/* A vector count: each element takes at least one byte, which bounds what we allocate. */
static enum wasm_err rd_count(struct wasm_reader *r, uint32_t *out)
{
        TRY(wasm_rd_u32(r, out));
        return *out <= (size_t)(r->end - r->p) ? WASM_OK : WASM_E_MALFORMED;
}

static enum wasm_err rd_name(struct wasm_reader *r, struct wasm_arena *a, const char **out,
                             uint32_t *len)
{
        TRY(wasm_rd_u32(r, len));
        if (*len > (size_t)(r->end - r->p)) {
                return WASM_E_MALFORMED;
        }
        if (!wasm_utf8_valid(r->p, *len)) {
                return WASM_E_MALFORMED;
        }
        if (a != NULL) {
                char *s = wasm_arena_alloc(a, *len + 1, 1);
                if (s == NULL) {
                        return WASM_E_ARENA;
                }
                memcpy(s, r->p, *len);
                s[*len] = 0;
                *out = s;
        }
        r->p += *len;
        return WASM_OK;
}

static enum wasm_err rd_limits(struct wasm_reader *r, struct wasm_limits *l, bool memory)
{
        uint8_t flag;
        TRY(wasm_rd_u8(r, &flag));
        if (flag > 1) {
                return WASM_E_MALFORMED;
        }
        TRY(wasm_rd_u32(r, &l->min));
        l->has_max = flag == 1;
        l->max = 0;
        if (l->has_max) {
                TRY(wasm_rd_u32(r, &l->max));
        }
        if (memory && (l->min > WASM_MAX_PAGES || (l->has_max && l->max > WASM_MAX_PAGES))) {
                return WASM_E_INVALID;
        }
        if (l->has_max && l->min > l->max) {
                return WASM_E_INVALID;
        }
        return WASM_OK;
}

static enum wasm_err rd_global_type(struct wasm_reader *r, uint8_t *type, bool *mut)
{
        uint8_t m;
        TRY(rd_valtype(r, type));
        TRY(wasm_rd_u8(r, &m));
        if (m > 1) {
                return WASM_E_MALFORMED;
        }
        *mut = m == 1;
        return WASM_OK;
}

/* A constant expression of the given type: one const or global.get of an immutable import. */
static enum wasm_err rd_constexpr(struct wasm_reader *r, const struct wasm_module *m, uint8_t type,
                                  struct wasm_constexpr *ce)
{
        uint8_t op, end, want;
        TRY(wasm_rd_u8(r, &op));
        ce->op = op;
        switch (op) {
        case 0x41: {
                int32_t v;
                TRY(wasm_rd_s32(r, &v));
                ce->value = (uint32_t)v;
                want = WASM_I32;
                break;
        }
        case 0x42: {
                int64_t v;
                TRY(wasm_rd_s64(r, &v));
                ce->value = (uint64_t)v;
                want = WASM_I64;
                break;
        }
        case 0x43:
        case 0x44: {
                unsigned n = op == 0x43 ? 4 : 8;
                if ((size_t)(r->end - r->p) < n) {
                        return WASM_E_MALFORMED;
                }
                ce->value = 0;
                memcpy(&ce->value, r->p, n);
                r->p += n;
                want = op == 0x43 ? WASM_F32 : WASM_F64;
                break;
        }
        case 0x23: {
                uint32_t idx;
                TRY(wasm_rd_u32(r, &idx));
                if (idx >= m->nglobal_imports) {
                        return WASM_E_INVALID;
                }
                if (m->globals[idx].mut) {
                        return WASM_E_INVALID;
                }
                ce->value = idx;
                want = m->globals[idx].type;
                break;
        }
        case 0x0B:
                return WASM_E_INVALID; /* empty: no value */
        default:
                return WASM_E_INVALID;
        }
        TRY(wasm_rd_u8(r, &end));
        if (end != 0x0B) {
                return WASM_E_INVALID;
        }
        return want == type ? WASM_OK : WASM_E_INVALID;
}

static enum wasm_err sec_type(struct wasm_reader *r, struct wasm_module *m, struct wasm_arena *a)
{
        TRY(rd_count(r, &m->ntypes));
        ALLOC(m->types, m->ntypes, a);
        for (uint32_t i = 0; i < m->ntypes; i++) {
                uint8_t form;
                uint32_t np, nr;
                TRY(wasm_rd_u8(r, &form));
                if (form != 0x60) {
                        return WASM_E_MALFORMED;
                }
                TRY(rd_count(r, &np));
                const uint8_t *pp = r->p;
                for (uint32_t k = 0; k < np; k++) {
                        uint8_t t;
                        TRY(rd_valtype(r, &t));
                }
                TRY(rd_count(r, &nr));
                const uint8_t *rp = r->p;
                for (uint32_t k = 0; k < nr; k++) {
                        uint8_t t;
                        TRY(rd_valtype(r, &t));
                }
                if (nr > 1) {
                        return WASM_E_INVALID;
                }
                uint8_t *types = wasm_arena_alloc(a, (size_t)np + nr + 1, 1);
                if (types == NULL) {
                        return WASM_E_ARENA;
                }
                memcpy(types, pp, np);
                memcpy(types + np, rp, nr);
                m->types[i] = (struct wasm_functype){np, nr, types};
        }
        return WASM_OK;
}

static enum wasm_err sec_import(struct wasm_reader *r, struct wasm_module *m, struct wasm_arena *a)
{
        TRY(rd_count(r, &m->nimports));
        ALLOC(m->imports, m->nimports, a);
        /* globals are appended to as we go; the global section extends the same array later */
        ALLOC(m->globals, m->nimports, a);
        ALLOC(m->func_type, m->nimports, a);
        for (uint32_t i = 0; i < m->nimports; i++) {
                struct wasm_import *im = &m->imports[i];
                TRY(rd_name(r, a, &im->module, &im->module_len));
                TRY(rd_name(r, a, &im->name, &im->name_len));
                TRY(wasm_rd_u8(r, &im->kind));
                switch (im->kind) {
                case WASM_KIND_FUNC:
                        TRY(wasm_rd_u32(r, &im->index));
                        if (im->index >= m->ntypes) {
                                return WASM_E_INVALID;
                        }
                        m->func_type[m->nfunc_imports++] = im->index;
                        break;
                case WASM_KIND_TABLE: {
                        uint8_t et;
                        TRY(wasm_rd_u8(r, &et));
                        if (et != 0x70) {
                                return WASM_E_MALFORMED;
                        }
                        TRY(rd_limits(r, &m->table, false));
                        if (m->has_table) {
                                return WASM_E_INVALID;
                        }
                        m->has_table = m->table_imported = true;
                        break;
                }
                case WASM_KIND_MEMORY:
                        TRY(rd_limits(r, &m->mem, true));
                        if (m->has_mem) {
                                return WASM_E_INVALID;
                        }
                        m->has_mem = m->mem_imported = true;
                        break;
                case WASM_KIND_GLOBAL: {
                        struct wasm_global_def *g = &m->globals[m->nglobal_imports];
                        TRY(rd_global_type(r, &g->type, &g->mut));
                        im->index = m->nglobal_imports++;
                        break;
                }
                default:
                        return WASM_E_MALFORMED;
                }
        }
        m->nfuncs = m->nfunc_imports;
        m->nglobals = m->nglobal_imports;
        return WASM_OK;
}

static enum wasm_err sec_function(struct wasm_reader *r, struct wasm_module *m,
                                  struct wasm_arena *a)
{
        uint32_t n;
        TRY(rd_count(r, &n));
        uint32_t *ft;
        ALLOC(ft, (size_t)m->nfunc_imports + n, a);
        if (m->nfunc_imports) {
                memcpy(ft, m->func_type, sizeof(uint32_t) * m->nfunc_imports);
        }
        for (uint32_t i = 0; i < n; i++) {
                TRY(wasm_rd_u32(r, &ft[m->nfunc_imports + i]));
                if (ft[m->nfunc_imports + i] >= m->ntypes) {
                        return WASM_E_INVALID;
                }
        }
        m->func_type = ft;
        m->nfuncs = m->nfunc_imports + n;
        return WASM_OK;
}

static enum wasm_err sec_table_mem(struct wasm_reader *r, struct wasm_module *m, bool memory)
{
        uint32_t n;
        TRY(rd_count(r, &n));
        for (uint32_t i = 0; i < n; i++) {
                if (!memory) {
                        uint8_t et;
                        TRY(wasm_rd_u8(r, &et));
                        if (et != 0x70) {
                                return WASM_E_MALFORMED;
                        }
                }
                TRY(rd_limits(r, memory ? &m->mem : &m->table, memory));
                bool *has = memory ? &m->has_mem : &m->has_table;
                if (*has) {
                        return WASM_E_INVALID;
                }
                *has = true;
        }
        return WASM_OK;
}

static enum wasm_err sec_global(struct wasm_reader *r, struct wasm_module *m, struct wasm_arena *a)
{
        uint32_t n;
        TRY(rd_count(r, &n));
        struct wasm_global_def *g;
        ALLOC(g, (size_t)m->nglobal_imports + n, a);
        if (m->nglobal_imports) {
                memcpy(g, m->globals, sizeof(*g) * m->nglobal_imports);
        }
        m->globals = g;
        for (uint32_t i = 0; i < n; i++) {
                struct wasm_global_def *d = &g[m->nglobal_imports + i];
                TRY(rd_global_type(r, &d->type, &d->mut));
                TRY(rd_constexpr(r, m, d->type, &d->init));
        }
        m->nglobals = m->nglobal_imports + n;
        return WASM_OK;
}

static enum wasm_err sec_export(struct wasm_reader *r, struct wasm_module *m, struct wasm_arena *a)
{
        TRY(rd_count(r, &m->nexports));
        ALLOC(m->exports, m->nexports, a);
        for (uint32_t i = 0; i < m->nexports; i++) {
                struct wasm_export_def *e = &m->exports[i];
                TRY(rd_name(r, a, &e->name, &e->name_len));
                TRY(wasm_rd_u8(r, &e->kind));
                TRY(wasm_rd_u32(r, &e->index));
                uint32_t limit;
                switch (e->kind) {
                case WASM_KIND_FUNC:
                        limit = m->nfuncs;
                        break;
                case WASM_KIND_TABLE:
                        limit = m->has_table;
                        break;
                case WASM_KIND_MEMORY:
                        limit = m->has_mem;
                        break;
                case WASM_KIND_GLOBAL:
                        limit = m->nglobals;
                        break;
                default:
                        return WASM_E_MALFORMED;
                }
                if (e->index >= limit) {
                        return WASM_E_INVALID;
                }
                for (uint32_t k = 0; k < i; k++) {
                        if (m->exports[k].name_len == e->name_len &&
                            memcmp(m->exports[k].name, e->name, e->name_len) == 0) {
                                return WASM_E_INVALID;
                        }
                }
        }
        return WASM_OK;
}

static enum wasm_err sec_elem(struct wasm_reader *r, struct wasm_module *m, struct wasm_arena *a)
{
        TRY(rd_count(r, &m->nelems));
        ALLOC(m->elems, m->nelems, a);
        for (uint32_t i = 0; i < m->nelems; i++) {
                struct wasm_elem_seg *s = &m->elems[i];
                uint32_t table;
                TRY(wasm_rd_u32(r, &table));
                if (table != 0 || !m->has_table) {
                        return WASM_E_INVALID;
                }
                TRY(rd_constexpr(r, m, WASM_I32, &s->offset));
                TRY(rd_count(r, &s->count));
                ALLOC(s->funcs, s->count, a);
                for (uint32_t k = 0; k < s->count; k++) {
                        TRY(wasm_rd_u32(r, &s->funcs[k]));
                        if (s->funcs[k] >= m->nfuncs) {
                                return WASM_E_INVALID;
                        }
                }
        }
        return WASM_OK;
}

static enum wasm_err sec_code(struct wasm_reader *r, struct wasm_module *m, struct wasm_arena *a)
{
        uint32_t n;
        TRY(rd_count(r, &n));
        if (n != m->nfuncs - m->nfunc_imports) {
                return WASM_E_MALFORMED;
        }
        ALLOC(m->codes, n, a);
        for (uint32_t i = 0; i < n; i++) {
                uint32_t size;
                TRY(wasm_rd_u32(r, &size));
                if (size > (size_t)(r->end - r->p)) {
                        return WASM_E_MALFORMED;
                }
                TRY(wasm_compile(m, m->nfunc_imports + i, r->p, size, a, &m->codes[i]));
                r->p += size;
        }
        return WASM_OK;
}

static enum wasm_err sec_data(struct wasm_reader *r, struct wasm_module *m, struct wasm_arena *a)
{
        TRY(rd_count(r, &m->ndatas));
        ALLOC(m->datas, m->ndatas, a);
        for (uint32_t i = 0; i < m->ndatas; i++) {
                struct wasm_data_seg *s = &m->datas[i];
                uint32_t mem;
                TRY(wasm_rd_u32(r, &mem));
                if (mem != 0 || !m->has_mem) {
                        return WASM_E_INVALID;
                }
                TRY(rd_constexpr(r, m, WASM_I32, &s->offset));
                TRY(wasm_rd_u32(r, &s->len));
                if (s->len > (size_t)(r->end - r->p)) {
                        return WASM_E_MALFORMED;
                }
                uint8_t *b = wasm_arena_alloc(a, s->len + 1, 1);
                if (b == NULL) {
                        return WASM_E_ARENA;
                }
                memcpy(b, r->p, s->len);
                s->bytes = b;
                r->p += s->len;
        }
        return WASM_OK;
}

static enum wasm_err decode(const uint8_t *bytes, size_t len, struct wasm_arena *a,
                            struct wasm_module *m)
{
        static const uint8_t preamble[8] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
        if (len < 8 || memcmp(bytes, preamble, 4) != 0 || memcmp(bytes + 4, preamble + 4, 4)) {
                return WASM_E_MALFORMED;
        }
        struct wasm_reader r = {bytes + 8, bytes + len};
        uint8_t last = 0;
        bool have_code = false;
        while (r.p < r.end) {
                uint8_t id;
                uint32_t size;
                TRY(wasm_rd_u8(&r, &id));
                TRY(wasm_rd_u32(&r, &size));
                if (size > (size_t)(r.end - r.p)) {
                        return WASM_E_MALFORMED;
                }
                struct wasm_reader s = {r.p, r.p + size};
                r.p += size;
                if (id == 0) {
                        const char *name;
                        uint32_t nlen;
                        TRY(rd_name(&s, NULL, &name, &nlen));
                        continue;
                }
                if (id > 11 || id <= last) {
                        return WASM_E_MALFORMED;
                }
                last = id;
                switch (id) {
                case 1:
                        TRY(sec_type(&s, m, a));
                        break;
                case 2:
                        TRY(sec_import(&s, m, a));
                        break;
                case 3:
                        TRY(sec_function(&s, m, a));
                        break;
                case 4:
                        TRY(sec_table_mem(&s, m, false));
                        break;
                case 5:
                        TRY(sec_table_mem(&s, m, true));
                        break;
                case 6:
                        TRY(sec_global(&s, m, a));
                        break;
                case 7:
                        TRY(sec_export(&s, m, a));
                        break;
                case 8: {
                        TRY(wasm_rd_u32(&s, &m->start));
                        if (m->start >= m->nfuncs) {
                                return WASM_E_INVALID;
                        }
                        const struct wasm_functype *t = &m->types[m->func_type[m->start]];
                        if (t->nparams || t->nresults) {
                                return WASM_E_INVALID;
                        }
                        m->has_start = true;
                        break;
                }
                case 9:
                        TRY(sec_elem(&s, m, a));
                        break;
                case 10:
                        TRY(sec_code(&s, m, a));
                        have_code = true;
                        break;
                case 11:
                        TRY(sec_data(&s, m, a));
                        break;
                }
                if (s.p != s.end) {
                        return WASM_E_MALFORMED;
                }
        }
        if (!have_code && m->nfuncs != m->nfunc_imports) {
                return WASM_E_MALFORMED;
        }
        return WASM_OK;
}

enum wasm_err wasm_module_decode(const uint8_t *bytes, size_t len, struct wasm_arena *arena,
                                 const struct wasm_module **out)
{
        size_t used = arena->used, top = arena->top;
        struct wasm_module *m = wasm_arena_alloc(arena, sizeof(*m), 8);
        if (m == NULL) {
                return WASM_E_ARENA;
        }
        memset(m, 0, sizeof(*m));
        enum wasm_err e = decode(bytes, len, arena, m);
        arena->top = top;
        if (e != WASM_OK) {
                arena->used = used;
                return e;
        }
        uint64_t h = 0xcbf29ce484222325ull;
        for (size_t i = 0; i < len; i++) {
                h = (h ^ bytes[i]) * 0x100000001b3ull;
        }
        m->hash = h;
        *out = m;
        return WASM_OK;
}
