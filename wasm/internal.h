/*
 * Engine-internal declarations shared by the decoder, compiler, interpreter, linker and
 * snapshotter: the decoded module, the instance, the internal code form and the byte reader.
 *
 * Internal code form: an array of 32-bit words per function. Each instruction is one opcode word
 * followed by its immediates. Numeric, load and store opcodes keep their WebAssembly numbers;
 * control and variable opcodes are renumbered below 0x28. Branch targets are word indices into
 * the function's code, resolved at translation time, and branches that must discard operands
 * carry the exact stack height to cut back to, so nothing scans for block ends at run time.
 */
#ifndef RVM_WASM_INTERNAL_H
#define RVM_WASM_INTERNAL_H

#include "wasm/wasm.h"

enum wasm_iop {
        IOP_UNREACHABLE = 0x00,
        IOP_FUEL = 0x01,          /* cost */
        IOP_BR = 0x02,            /* target */
        IOP_BR_IF = 0x03,         /* target */
        IOP_BR_UNWIND = 0x04,     /* arity height target */
        IOP_BR_IF_UNWIND = 0x05,  /* arity height target */
        IOP_BR_TABLE = 0x06,      /* n arity (target height) x (n+1) */
        IOP_IF_NOT = 0x07,        /* target: jump when the popped i32 is zero */
        IOP_RETURN = 0x08,        /* arity */
        IOP_CALL = 0x09,          /* function index */
        IOP_CALL_INDIRECT = 0x0A, /* type index */
        IOP_DROP = 0x0B,
        IOP_SELECT = 0x0C,
        IOP_LOCAL_GET = 0x0D, /* slot */
        IOP_LOCAL_SET = 0x0E,
        IOP_LOCAL_TEE = 0x0F,
        IOP_GLOBAL_GET = 0x10,
        IOP_GLOBAL_SET = 0x11,
        IOP_MEM_SIZE = 0x12,
        IOP_MEM_GROW = 0x13,
        IOP_CONST32 = 0x14, /* value */
        IOP_CONST64 = 0x15, /* low high */
        /* fused forms, produced by the translator's peephole */
        IOP_LOCAL_GET2 = 0x16, /* a b: push local a, push local b */
        IOP_BR_IF_NOT = 0x17,  /* target: jump when the popped i32 is zero (eqz; br_if) */
        IOP_BR_BACK = 0x18,    /* target: branch to a loop header, charging its fuel here */
        IOP_BR_IF_BACK = 0x19, /* target */
        /* i32.load with its address computation fused in */
        IOP_LOAD32_K = 0x1A,   /* k off:   load at u32(pop + k) + off */
        IOP_LOAD32_L = 0x1B,   /* x off:   load at u32(local x) + off */
        IOP_LOAD32_LK = 0x1C,  /* x k off: load at u32(local x + k) + off */
        IOP_COPY = 0x1D,       /* x d: local d = local x (local.get x; local.set d) */
        IOP_SET_K = 0x1E,      /* k d: local d = k (i32.const k; local.set d) */
        IOP_STORE32_LL = 0x1F, /* x y off: i32.store local y at u32(local x) + off */
        /* i32.load8_s/8_u/16_s/16_u from the address in a local: x off */
        IOP_LOAD8S_L = 0x20,
        IOP_LOAD8U_L = 0x21,
        IOP_LOAD16S_L = 0x22,
        IOP_LOAD16U_L = 0x23,
        /* loop and branch conditions taken from a local */
        IOP_BR_IF_BACK_L = 0x24, /* x target: local.get x; br_if (loop) */
        IOP_BR_IF_BACK_T = 0x25, /* x target: local.tee x; br_if (loop) */
        IOP_BR_IF_NOT_T = 0x26,  /* x target: local.tee x; i32.eqz; br_if */
        IOP_LOAD32_S = 0x27,     /* off d: i32.load; local.set d */
        /* 0xC0.. (above the WebAssembly numbers): i32.load from a local into a local */
        IOP_LOAD32_LS = 0xC0,  /* x off d: local.get x; i32.load off; local.set d */
        IOP_LOAD32_LT = 0xC1,  /* x off d: the same with local.tee d */
        IOP_CALL_LOCAL = 0xC2, /* function index: a call of a function defined in this module */
        IOP_COPY_T = 0xC3,     /* x d: local.get x; local.tee d */
        IOP_LOAD32_CT = 0xC4,  /* x d off: local.get x; local.tee d; i32.load off */
        IOP_LOAD32_CTS = 0xC5, /* x d off e: the same; local.set e */
        IOP_SETK_COPY = 0xC6,  /* k d x e: local d = k; local e = local x */
        IOP_BR_TABLE_L = 0xC7, /* x n arity (target height) x (n+1): the index from local x */
        IOP_LOAD32_LTB = 0xC8, /* x off d target: LOAD32_LT; br_if (loop) */
        IOP_COPY_BBL = 0xC9,   /* x d y target: COPY x d; BR_IF_BACK_L y target */
        IOP_LKS_ADD2 = 0xCA,   /* x k d y j e: local d = local x + k; local e = local y + j */
        IOP_LOAD8U_BNT = 0xCB, /* x off d target: LOAD8U_L x off; BR_IF_NOT_T d target */
        /* i32.load8_s/8_u/16_s/16_u at the address loaded from local x: x off off2 */
        IOP_LOAD8S_PL = 0xCC,
        IOP_LOAD8U_PL = 0xCD,
        IOP_LOAD16S_PL = 0xCE,
        IOP_LOAD16U_PL = 0xCF,
        IOP_LKT_ADD_BB = 0xD0,   /* x k d target: LKT_add x k d; br_if (loop) */
        IOP_LKT_AND_BEQ = 0xD1,  /* x k d j target: LKT_and x k d; BRC_K eq j target */
        IOP_SELECT_KAND = 0xD2,  /* k: i32.const k; i32.and; select */
        IOP_STORE32_KADD = 0xD3, /* k off: i32.const k; i32.add; i32.store off */
        IOP_MUL_LS_ADD = 0xD4,   /* y d: i32.mul; local.get y; i32.add; local.set d */
        IOP_LOAD16U_L2 = 0xD5,   /* x off y off2: LOAD16U_L x off; LOAD16U_L y off2 */
        IOP_LOAD16U_MUL = 0xD6,  /* x off y off2: the same; i32.mul */
        /* the compares 0x46..0x4F of two stack operands fused with br_if (SS + index) */
        IOP_BRC_SS = 0xE0,  /* target */
        IOP_BRCB_SS = 0xEA, /* target: to a loop header */
        /* 0x28..0x3E loads/stores (offset), 0x45..0xBF numerics: WebAssembly numbering */
        /*
         * i32 binary operators whose right operand is an immediate (K: "i32.const k; op") or a
         * local (L: "local.get x; op"): one dispatch instead of two. Index = position of the
         * operator in WASM_FUSABLE below.
         */
        IOP_FUSE_K = 0x100,  /* k:    push pop op k */
        IOP_FUSE_L = 0x120,  /* x:    push pop op local x */
        IOP_FUSE_LK = 0x140, /* x k:  push local x op k */
        IOP_FUSE_LL = 0x160, /* x y:  push local x op local y */
        /* compare-and-branch: the compares of WASM_FUSABLE (index - 9) fused with br_if */
        IOP_BRC_K = 0x180,  /* k target */
        IOP_BRC_L = 0x190,  /* x target */
        IOP_BRC_LK = 0x1A0, /* x k target */
        IOP_BRC_LL = 0x1B0, /* x y target */
        /*
         * the arithmetic forms (index < WASM_NARITH) writing a local: S = "op; local.set d",
         * T = "op; local.tee d"; the destination follows the form's immediates
         */
        IOP_FUSE_KS = 0x1C0,
        IOP_FUSE_LS = 0x1D0,
        IOP_FUSE_LKS = 0x1E0,
        IOP_FUSE_LLS = 0x1F0,
        IOP_FUSE_KT = 0x200,
        IOP_FUSE_LT = 0x210,
        IOP_FUSE_LKT = 0x220,
        IOP_FUSE_LLT = 0x230,
        /* compare-and-branch to a loop header (a back-edge, charging the loop's fuel) */
        IOP_BRCB_K = 0x240,
        IOP_BRCB_L = 0x250,
        IOP_BRCB_LK = 0x260,
        IOP_BRCB_LL = 0x270,
        /* "local.tee x; i32.const k; op" (the arithmetic ops): x k: local x = top, top op= k */
        IOP_FUSE_TK = 0x280,
        /* "local.get x; i32.const k; op; i32.const m; i32.and" (arithmetic op): x k m */
        IOP_FUSE_LKA = 0x290,
        /* "local.get a; local.get b; i32.const k; op" (arithmetic op): a b k */
        IOP_FUSE_GLK = 0x2A0,
        IOP_COUNT = 0x2B0,
};

/* The i32 binary operators that have K and L forms, in index order. */
#define WASM_FUSABLE                                                                          \
        {                                                                                     \
                0x6A, 0x6B, 0x6C, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x46, 0x47, 0x48, 0x49, \
                    0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F                                        \
        }
#define WASM_NFUSABLE 19
#define WASM_NARITH   9 /* the first nine are arithmetic, the rest compares */

struct wasm_constexpr {
        uint8_t op;     /* 0x41 i32.const, 0x42 i64.const, 0x43 f32.const, 0x44 f64.const, 0x23
                           global.get */
        uint64_t value; /* raw bits, or the global index */
};

struct wasm_import {
        const char *module;
        const char *name;
        uint32_t module_len, name_len;
        uint8_t kind;
        uint32_t index; /* func: type index; global: global index; */
};

struct wasm_export_def {
        const char *name;
        uint32_t name_len;
        uint8_t kind;
        uint32_t index;
};

struct wasm_global_def {
        uint8_t type;
        bool mut;
        struct wasm_constexpr init;
};

struct wasm_elem_seg {
        struct wasm_constexpr offset;
        uint32_t count;
        uint32_t *funcs;
};

struct wasm_data_seg {
        struct wasm_constexpr offset;
        uint32_t len;
        const uint8_t *bytes;
};

struct wasm_code {
        const uint32_t *code;
        uint32_t ncode;       /* words */
        uint32_t nparams;     /* slots */
        uint32_t nlocals;     /* declared locals, excluding parameters */
        uint32_t frame_slots; /* params + locals + max operand height */
        uint32_t index;       /* function index */
};

struct wasm_module {
        uint32_t ntypes;
        struct wasm_functype *types;
        uint32_t nimports;
        struct wasm_import *imports;
        uint32_t nfuncs, nfunc_imports;
        uint32_t *func_type;     /* type index of every function, imported first */
        struct wasm_code *codes; /* nfuncs - nfunc_imports */
        bool has_table, table_imported;
        struct wasm_limits table;
        bool has_mem, mem_imported;
        struct wasm_limits mem;
        uint32_t nglobals, nglobal_imports;
        struct wasm_global_def *globals;
        uint32_t nexports;
        struct wasm_export_def *exports;
        bool has_start;
        uint32_t start;
        uint32_t nelems;
        struct wasm_elem_seg *elems;
        uint32_t ndatas;
        struct wasm_data_seg *datas;
        uint64_t hash; /* FNV-1a of the binary: a snapshot names the module it belongs to */
};

struct wasm_frame {
        const uint32_t *pc;     /* return address in the caller */
        uint64_t *fp;           /* caller's locals */
        struct wasm_func *func; /* caller; NULL for the entry frame */
};

enum wasm_run_state {
        WASM_ST_IDLE = 0,
        WASM_ST_READY,      /* a call is set up (or yielded before its first instruction) */
        WASM_ST_HOST_ENTRY, /* the call is of a host function directly */
        WASM_ST_RUNNING,    /* wasm code started or yielded */
        WASM_ST_IN_HOST,    /* inside a host function called from wasm: no re-entry */
};

struct wasm_instance {
        const struct wasm_module *module;
        struct wasm_func **funcs;
        struct wasm_func *own_funcs;
        struct wasm_global **globals;
        struct wasm_global *own_globals;
        struct wasm_table *table;
        struct wasm_table own_table;
        struct wasm_memory *mem;
        struct wasm_memory own_mem;
        /*
         * Execution state: everything needed to resume lives here. The interpreter's registers
         * (sp, fp, pc, fuel) are kept apart from one another on purpose: stored side by side, they
         * invite the compilers' SLP vectorizers to pack them into vector registers in wasm_exec.
         */
        uint64_t *stack, *stack_end;
        uint64_t *sp;
        struct wasm_frame *frames;
        uint64_t *fp;
        uint32_t max_frames, nframes;
        const uint32_t *pc;
        struct wasm_func *cur;
        struct wasm_func *entry;
        uint32_t nresults;
        uint8_t state; /* enum wasm_run_state */
        uint8_t trap;  /* enum wasm_trap */
        int64_t fuel;
};

/* Return the first error a step gives (decode.c, compile.c, typestack.c). */
#define TRY(x)                          \
        do {                            \
                enum wasm_err e_ = (x); \
                if (e_ != WASM_OK) {    \
                        return e_;      \
                }                       \
        } while (0)

/* byte reader over untrusted input */
struct wasm_reader {
        const uint8_t *p, *end;
};

enum wasm_err wasm_rd_u8(struct wasm_reader *r, uint8_t *out);
enum wasm_err wasm_rd_u32(struct wasm_reader *r, uint32_t *out);
enum wasm_err wasm_rd_s32(struct wasm_reader *r, int32_t *out);
enum wasm_err wasm_rd_s64(struct wasm_reader *r, int64_t *out);
bool wasm_utf8_valid(const uint8_t *s, size_t len);

void *wasm_arena_temp(struct wasm_arena *a, size_t size, size_t align);

/* Translate one function body (validating it); fills *code. */
enum wasm_err wasm_compile(struct wasm_module *m, uint32_t func_index, const uint8_t *body,
                           size_t len, struct wasm_arena *a, struct wasm_code *code);

bool wasm_functype_eq(const struct wasm_functype *a, const struct wasm_functype *b);

/* The interpreter: runs inst's current call for at most ~fuel instructions. */
enum wasm_status wasm_exec(struct wasm_instance *inst);

#endif
