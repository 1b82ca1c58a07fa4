/*
 * RVM WebAssembly engine: the whole public interface.
 *
 * A WebAssembly 1.0 (MVP) decoder, validator and interpreter that runs agents without a libc and
 * without allocating while it executes. Everything lives in caller-provided arenas:
 *   - wasm_module_decode() decodes, validates and translates a binary into a module arena (types,
 *     imports, compiled code, segments). The input bytes may be freed afterwards.
 *   - wasm_instantiate() carves an instance out of an instance arena: its function, global, table
 *     and memory instances, the linear memory reserved up to its maximum (or a configured cap), the
 *     value stack and the frame stack. Imports are resolved by a caller callback, so a module can
 *     link against other instances' exports and against host functions.
 *   - wasm_call_begin() + wasm_run(inst, fuel) execute. Fuel is charged per straight-line segment
 *     and checked at function entry, at every loop header (so at every back-edge) and before every
 *     host call. Running out of fuel returns WASM_YIELD with all state in the instance (no C stack
 *     state survives), and the next wasm_run() resumes exactly there.
 *   - wasm_snapshot_save()/wasm_snapshot_restore() serialise an instance's full state.
 * The struct layouts below are public so that callers can provide host functions, globals, tables
 * and memories of their own; fields marked "engine" are maintained by the engine only.
 */
#ifndef RVM_WASM_WASM_H
#define RVM_WASM_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wasm_err {
        WASM_OK = 0,
        WASM_E_MALFORMED,  /* the binary does not decode */
        WASM_E_INVALID,    /* it decodes but does not validate */
        WASM_E_ARENA,      /* an arena is too small */
        WASM_E_LIMIT,      /* an implementation limit (locals, parameters, stack) is exceeded */
        WASM_E_UNLINKABLE, /* an import is missing or has the wrong type, or a segment does not fit
                            */
        WASM_E_STATE,      /* the call does not fit the instance's current state */
        WASM_E_NOTFOUND,   /* no export of that name and kind */
        WASM_E_ARGS,       /* wrong argument count */
        WASM_E_SNAPSHOT,   /* a snapshot is corrupt, truncated or of another module */
};

/* What wasm_run() returns. */
enum wasm_status {
        WASM_DONE = 0, /* the call finished; wasm_results() gives its results */
        WASM_YIELD,    /* fuel ran out or a host function yielded; call wasm_run() again */
        WASM_TRAP,     /* the call trapped; wasm_trap_code() says why; the call is abandoned */
};

enum wasm_trap {
        WASM_TRAP_NONE = 0,
        WASM_TRAP_UNREACHABLE,
        WASM_TRAP_MEM_OOB,
        WASM_TRAP_DIV_ZERO,
        WASM_TRAP_INT_OVERFLOW,
        WASM_TRAP_INVALID_CONV,
        WASM_TRAP_UNDEF_ELEM,     /* call_indirect index beyond the table */
        WASM_TRAP_UNINIT_ELEM,    /* call_indirect through an empty table slot */
        WASM_TRAP_SIG_MISMATCH,   /* call_indirect type mismatch */
        WASM_TRAP_CALL_DEPTH,     /* frame stack exhausted */
        WASM_TRAP_STACK_OVERFLOW, /* value stack exhausted */
        WASM_TRAP_HOST,           /* a host function trapped */
};

enum wasm_valtype { WASM_I32 = 0x7F, WASM_I64 = 0x7E, WASM_F32 = 0x7D, WASM_F64 = 0x7C };
enum wasm_kind {
        WASM_KIND_FUNC = 0,
        WASM_KIND_TABLE = 1,
        WASM_KIND_MEMORY = 2,
        WASM_KIND_GLOBAL = 3
};
enum wasm_host_status { WASM_HOST_OK = 0, WASM_HOST_TRAP, WASM_HOST_YIELD };

#define WASM_PAGE_SIZE 65536u
#define WASM_MAX_PAGES 65536u

/* A bump allocator over caller memory; temporaries are taken from the top end. */
struct wasm_arena {
        uint8_t *base;
        size_t size;
        size_t used; /* bytes taken from the bottom */
        size_t top;  /* temporaries live in [top, size) */
};

struct wasm_functype {
        uint32_t nparams;
        uint32_t nresults;    /* 0 or 1 in MVP */
        const uint8_t *types; /* nparams parameter types, then the result types */
};

struct wasm_limits {
        uint32_t min;
        uint32_t max;
        bool has_max;
};

struct wasm_instance;
struct wasm_code;

/*
 * A host function: args arrive in slots[0..nparams), results go to slots[0..nresults). Values
 * are 64-bit slots: i32/f32 in the low 32 bits (zero-extended), f32/f64 as raw IEEE bits. On
 * WASM_HOST_YIELD, wasm_run() returns WASM_YIELD and the next wasm_run() calls the function
 * again with the same arguments (the way a blocking receive is retried).
 */
typedef enum wasm_host_status (*wasm_host_fn)(void *ctx, struct wasm_instance *caller,
                                              uint64_t *slots);

/* A function instance: a wasm function of an instance, or a host function. */
struct wasm_func {
        const struct wasm_functype *type;
        struct wasm_instance *inst;   /* owning instance (engine); NULL for host functions */
        const struct wasm_code *code; /* compiled body (engine); NULL for host functions */
        wasm_host_fn host;
        void *host_ctx;
        uint32_t index; /* index in the owning instance (engine) */
        struct wasm_functype own_type;
        uint8_t sig[12];
};

struct wasm_global {
        uint64_t value;
        uint8_t type; /* enum wasm_valtype */
        bool mut;
};

struct wasm_table {
        struct wasm_func **elems; /* NULL = uninitialised element */
        uint32_t size;
        struct wasm_limits lim;
};

struct wasm_memory {
        uint8_t *data;
        uint32_t pages;       /* current size */
        uint32_t limit_pages; /* memory.grow never goes beyond this (reserved bytes / 64 KiB) */
        struct wasm_limits lim;
};

struct wasm_extern {
        uint8_t kind; /* enum wasm_kind */
        union {
                struct wasm_func *func;
                struct wasm_table *table;
                struct wasm_memory *memory;
                struct wasm_global *global;
        } u;
};

/* Resolve import (module, name) of the given kind; return false if there is none. */
typedef bool (*wasm_resolve_fn)(void *ctx, const char *module, uint32_t module_len,
                                const char *name, uint32_t name_len, uint8_t kind,
                                struct wasm_extern *out);

struct wasm_config {
        uint32_t mem_cap_pages; /* reserve at most this many pages per memory (0 = 16) */
        uint32_t stack_slots;   /* value stack, 64-bit slots (0 = 16384) */
        uint32_t max_frames;    /* call depth (0 = 1024) */
};

struct wasm_module;

void wasm_arena_init(struct wasm_arena *a, void *mem, size_t size);
void *wasm_arena_alloc(struct wasm_arena *a, size_t size, size_t align);

/* Decode + validate + translate. On success *out points into the arena. */
enum wasm_err wasm_module_decode(const uint8_t *bytes, size_t len, struct wasm_arena *arena,
                                 const struct wasm_module **out);

/* Arena bytes wasm_instantiate() needs for this module and configuration. */
size_t wasm_instance_arena_size(const struct wasm_module *m, const struct wasm_config *cfg);

/*
 * Link and initialise (globals, tables, memory, element and data segments, checked before any is
 * written, as MVP requires). If the module has a start function, it is set up as the pending call:
 * run it with wasm_run() until WASM_DONE (wasm_run() returns WASM_DONE at once otherwise).
 */
enum wasm_err wasm_instantiate(const struct wasm_module *m, const struct wasm_config *cfg,
                               wasm_resolve_fn resolve, void *resolve_ctx, struct wasm_arena *arena,
                               struct wasm_instance **out);

enum wasm_err wasm_export(const struct wasm_instance *inst, const char *name, size_t name_len,
                          struct wasm_extern *out);
/* The i-th export (for listing an agent's entry points); WASM_E_NOTFOUND past the end. */
enum wasm_err wasm_export_at(const struct wasm_instance *inst, uint32_t i, const char **name,
                             uint32_t *name_len, struct wasm_extern *out);
const struct wasm_functype *wasm_func_type(const struct wasm_func *f);
struct wasm_memory *wasm_instance_memory(struct wasm_instance *inst);

/* Initialise a host function; sig is like "ii:i" (i i32, I i64, f f32, F f64), up to 8 params. */
enum wasm_err wasm_host_func_init(struct wasm_func *f, const char *sig, wasm_host_fn fn, void *ctx);

/* Start a call of f on inst's stacks (f may belong to another instance or be a host function). */
enum wasm_err wasm_call_begin(struct wasm_instance *inst, struct wasm_func *f, const uint64_t *args,
                              uint32_t nargs);
/*
 * Run with the given fuel (> 0); resumes a yielded call. Called by a host function on the very
 * instance that called it, it refuses (returns WASM_YIELD and changes nothing).
 */
enum wasm_status wasm_run(struct wasm_instance *inst, int64_t fuel);
/* Results of the finished call; returns their count. */
uint32_t wasm_results(const struct wasm_instance *inst, uint64_t *out, uint32_t max);
enum wasm_trap wasm_trap_code(const struct wasm_instance *inst);
const char *wasm_trap_name(enum wasm_trap t);
const char *wasm_err_name(enum wasm_err e);
/* Fuel left after the last wasm_run() (may be slightly negative: the last segment's overdraft). */
int64_t wasm_fuel_left(const struct wasm_instance *inst);
/* True while a call is pending or yielded. */
bool wasm_busy(const struct wasm_instance *inst);

/*
 * Serialise the instance's full state (memory, globals, table, value stack, frames, pc) into buf.
 * Returns WASM_OK and the size in *len, or WASM_E_ARENA with the needed size in *len. Restore into
 * a fresh instance of the same module, instantiated with the same imports (and not yet run).
 */
enum wasm_err wasm_snapshot_save(const struct wasm_instance *inst, uint8_t *buf, size_t cap,
                                 size_t *len);
enum wasm_err wasm_snapshot_restore(struct wasm_instance *inst, const uint8_t *buf, size_t len);

#endif
