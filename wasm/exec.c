/*
 * The interpreter loop over the internal code form: threaded dispatch by computed goto, 64-bit
 * value slots, resolved branch targets. All execution state (pc, value stack, frames, current
 * function) is loaded from the instance on entry and stored back on every exit, so a fuel yield
 * or a yielding host call can be resumed by simply calling wasm_exec() again.
 */
#include <string.h>

#include "wasm/internal.h"
#include "wasm/numeric.h"

/*
 * pc points at the current instruction's opcode word; IMM(k) is its k-th immediate. NEXT(n)
 * steps over an instruction of n words and dispatches the next; JUMP() dispatches at pc.
 */
#define IMM(k) pc[(k) + 1]
#define JUMP() goto *labels[*pc]
#define NEXT(n)            \
        do {               \
                pc += (n); \
                JUMP();    \
        } while (0)
#define TRAP(t)                  \
        do {                     \
                trap_code = (t); \
                goto trap;       \
        } while (0)

/*
 * The current instance's memory, cached in locals; reloaded whenever the current instance or its
 * memory size may change.
 */
#define RELOAD()                                                                 \
        do {                                                                     \
                mbase = ci->mem ? ci->mem->data : NULL;                          \
                msize = ci->mem ? (uint64_t)ci->mem->pages * WASM_PAGE_SIZE : 0; \
        } while (0)

/* ti->cur and ti->nframes are kept current as calls and returns happen; the rest is saved here. */
#define SAVE()                   \
        do {                     \
                ti->pc = pc;     \
                ti->sp = sp;     \
                ti->fp = fp;     \
                ti->fuel = fuel; \
        } while (0)

/*
 * Every call out of the loop (libm, memset, host functions) is bracketed by SAVE() and RESTORE():
 * none of the loop's registers is live across a call, so no compiler has to keep them in
 * callee-saved registers (there are too few) or spill them for the whole loop.
 */
#define RESTORE()                            \
        do {                                 \
                pc = ti->pc;                 \
                sp = ti->sp;                 \
                fp = ti->fp;                 \
                fuel = ti->fuel;             \
                ci = ti->cur->inst;          \
                cbase = ti->cur->code->code; \
                RELOAD();                    \
        } while (0)

/*
 * Out of bounds has its own exit: through the shared one, whose trap code is a phi, clang set
 * the code in a register before every bounds check (one instruction per memory access). The
 * other traps are rarer checks; giving them all their own exits cost clang's fib 3 per call.
 */
#define TRAP_OOB() goto oob

#define U32(x) ((uint32_t)(x))
#define S32(x) ((int32_t)(uint32_t)(x))
#define S64(x) ((int64_t)(x))

#define BIN(T, CONV, expr)          \
        {                           \
                T b = CONV(sp[-1]); \
                T a = CONV(sp[-2]); \
                sp--;               \
                sp[-1] = (expr);    \
                NEXT(1);            \
        }
/* a unary operator computed by a call */
#define UN_CALL(T, CONV, expr)       \
        {                            \
                T a = CONV(sp[-1]);  \
                SAVE();              \
                uint64_t r = (expr); \
                RESTORE();           \
                sp[-1] = r;          \
                NEXT(1);             \
        }
#define UN(T, CONV, expr)           \
        {                           \
                T a = CONV(sp[-1]); \
                sp[-1] = (expr);    \
                NEXT(1);            \
        }

/* fused forms: right operand from the immediate (K) or from a local (L) */
#define BINK(T, CONV, expr)         \
        {                           \
                T a = CONV(sp[-1]); \
                T b = CONV(IMM(0)); \
                sp[-1] = (expr);    \
                NEXT(2);            \
        }
#define BINL(T, CONV, expr)             \
        {                               \
                T a = CONV(sp[-1]);     \
                T b = CONV(fp[IMM(0)]); \
                sp[-1] = (expr);        \
                NEXT(2);                \
        }

#define BINLK(T, CONV, expr)            \
        {                               \
                T a = CONV(fp[IMM(0)]); \
                T b = CONV(IMM(1));     \
                *sp++ = (expr);         \
                NEXT(3);                \
        }
#define BINLL(T, CONV, expr)            \
        {                               \
                T a = CONV(fp[IMM(0)]); \
                T b = CONV(fp[IMM(1)]); \
                *sp++ = (expr);         \
                NEXT(3);                \
        }

/*
 * Arithmetic into local IMM(n). push: 0 = the result only goes to the local (an operand was
 * popped or none was on the stack), 1 = it also replaces the top of stack, 2 = it is also pushed.
 */
#define DEST(T, A, B, n, push, expr)    \
        {                               \
                T a = A;                \
                T b = B;                \
                uint64_t r = (expr);    \
                fp[IMM(n)] = r;         \
                if (push == 1) {        \
                        sp[-1] = r;     \
                } else if (push == 2) { \
                        *sp++ = r;      \
                }                       \
                NEXT(n + 2);            \
        }

/* compare-and-branch: n immediates before the target */
#define BRC(T, A, B, n, expr)                              \
        {                                                  \
                T a = A;                                   \
                T b = B;                                   \
                pc = (expr) ? cbase + IMM(n) : pc + n + 2; \
                JUMP();                                    \
        }

/* the same to a loop header: taken, it charges the loop's fuel like any back-edge */
#define BRCB(T, A, B, n, expr)                 \
        {                                      \
                T a = A;                       \
                T b = B;                       \
                if (expr) {                    \
                        head = cbase + IMM(n); \
                        goto back_edge;        \
                }                              \
                NEXT(n + 2);                   \
        }

#define L(x) [x] = &&L_##x
#define TKS(i)                                                          \
        [IOP_FUSE_TK + i] = &&L_TK##i, [IOP_FUSE_LKA + i] = &&L_LKA##i, \
                       [IOP_FUSE_GLK + i] = &&L_GLK##i
#define SS(i) [IOP_BRC_SS + i] = &&L_BSS##i, [IOP_BRCB_SS + i] = &&L_BBSS##i

enum wasm_status wasm_exec(struct wasm_instance *ti)
{
        /* clang-format off */
#define FUSED(i) [IOP_FUSE_K + i] = &&L_K##i, [IOP_FUSE_L + i] = &&L_L##i, \
        [IOP_FUSE_LK + i] = &&L_LK##i, [IOP_FUSE_LL + i] = &&L_LL##i
#define DESTS(i) [IOP_FUSE_KS + i] = &&L_KS##i, [IOP_FUSE_LS + i] = &&L_LS##i, \
        [IOP_FUSE_LKS + i] = &&L_LKS##i, [IOP_FUSE_LLS + i] = &&L_LLS##i, \
        [IOP_FUSE_KT + i] = &&L_KT##i, [IOP_FUSE_LT + i] = &&L_LT##i, \
        [IOP_FUSE_LKT + i] = &&L_LKT##i, [IOP_FUSE_LLT + i] = &&L_LLT##i
#define BRCS(i) [IOP_BRC_K + i] = &&L_BK##i, [IOP_BRC_L + i] = &&L_BL##i, \
        [IOP_BRC_LK + i] = &&L_BLK##i, [IOP_BRC_LL + i] = &&L_BLL##i, \
        [IOP_BRCB_K + i] = &&L_BBK##i, [IOP_BRCB_L + i] = &&L_BBL##i, \
        [IOP_BRCB_LK + i] = &&L_BBLK##i, [IOP_BRCB_LL + i] = &&L_BBLL##i
        static const void *const labels[IOP_COUNT] = {
            [IOP_UNREACHABLE] = &&L_UNREACHABLE, [IOP_FUEL] = &&L_FUEL, [IOP_BR] = &&L_BR,
            [IOP_BR_IF] = &&L_BR_IF, [IOP_BR_UNWIND] = &&L_BR_UNWIND,
            [IOP_BR_IF_UNWIND] = &&L_BR_IF_UNWIND, [IOP_BR_TABLE] = &&L_BR_TABLE,
            [IOP_IF_NOT] = &&L_IF_NOT, [IOP_RETURN] = &&L_RETURN, [IOP_CALL] = &&L_CALL,
            [IOP_CALL_INDIRECT] = &&L_CALL_INDIRECT, [IOP_DROP] = &&L_DROP,
            [IOP_SELECT] = &&L_SELECT, [IOP_LOCAL_GET] = &&L_LOCAL_GET,
            [IOP_LOCAL_SET] = &&L_LOCAL_SET, [IOP_LOCAL_TEE] = &&L_LOCAL_TEE,
            [IOP_GLOBAL_GET] = &&L_GLOBAL_GET, [IOP_GLOBAL_SET] = &&L_GLOBAL_SET,
            [IOP_MEM_SIZE] = &&L_MEM_SIZE, [IOP_MEM_GROW] = &&L_MEM_GROW,
            [IOP_CONST32] = &&L_CONST32, [IOP_CONST64] = &&L_CONST64,
            [IOP_LOCAL_GET2] = &&L_LOCAL_GET2, [IOP_BR_IF_NOT] = &&L_BR_IF_NOT,
            [IOP_LOAD32_K] = &&L_LOAD32_K, [IOP_LOAD32_L] = &&L_LOAD32_L,
            [IOP_LOAD32_LK] = &&L_LOAD32_LK, [IOP_BR_BACK] = &&L_BR_BACK,
            [IOP_BR_IF_BACK] = &&L_BR_IF_BACK, [IOP_COPY] = &&L_COPY, [IOP_SET_K] = &&L_SET_K,
            [IOP_STORE32_LL] = &&L_STORE32_LL, [IOP_LOAD8S_L] = &&L_LOAD8S_L,
            [IOP_LOAD8U_L] = &&L_LOAD8U_L, [IOP_LOAD16S_L] = &&L_LOAD16S_L,
            [IOP_LOAD16U_L] = &&L_LOAD16U_L, [IOP_BR_IF_BACK_L] = &&L_BR_IF_BACK_L,
            [IOP_BR_IF_BACK_T] = &&L_BR_IF_BACK_T, [IOP_BR_IF_NOT_T] = &&L_BR_IF_NOT_T,
            [IOP_LOAD32_S] = &&L_LOAD32_S, [IOP_LOAD32_LS] = &&L_LOAD32_LS,
            [IOP_LOAD32_LT] = &&L_LOAD32_LT, [IOP_CALL_LOCAL] = &&L_CALL_LOCAL,
            [IOP_COPY_T] = &&L_COPY_T, [IOP_LOAD32_CT] = &&L_LOAD32_CT,
            [IOP_LOAD32_CTS] = &&L_LOAD32_CTS, [IOP_SETK_COPY] = &&L_SETK_COPY,
            [IOP_BR_TABLE_L] = &&L_BR_TABLE_L, [IOP_LOAD32_LTB] = &&L_LOAD32_LTB,
            [IOP_COPY_BBL] = &&L_COPY_BBL, [IOP_LKS_ADD2] = &&L_LKS_ADD2,
            [IOP_LOAD8U_BNT] = &&L_LOAD8U_BNT,
            [IOP_LOAD8S_PL] = &&L_LOAD8S_PL, [IOP_LOAD8U_PL] = &&L_LOAD8U_PL,
            [IOP_LOAD16S_PL] = &&L_LOAD16S_PL, [IOP_LOAD16U_PL] = &&L_LOAD16U_PL,
            [IOP_LKT_ADD_BB] = &&L_LKT_ADD_BB,
            [IOP_LKT_AND_BEQ] = &&L_LKT_AND_BEQ, [IOP_SELECT_KAND] = &&L_SELECT_KAND,
            [IOP_STORE32_KADD] = &&L_STORE32_KADD, [IOP_MUL_LS_ADD] = &&L_MUL_LS_ADD,
            [IOP_LOAD16U_L2] = &&L_LOAD16U_L2, [IOP_LOAD16U_MUL] = &&L_LOAD16U_MUL,
            SS(0), SS(1), SS(2), SS(3), SS(4), SS(5), SS(6), SS(7), SS(8), SS(9),
            L(0x28), L(0x29), L(0x2A), L(0x2B), L(0x2C), L(0x2D), L(0x2E), L(0x2F), L(0x30),
            L(0x31), L(0x32), L(0x33), L(0x34), L(0x35), L(0x36), L(0x37), L(0x38), L(0x39),
            L(0x3A), L(0x3B), L(0x3C), L(0x3D), L(0x3E), L(0x45), L(0x46), L(0x47), L(0x48),
            L(0x49), L(0x4A), L(0x4B), L(0x4C), L(0x4D), L(0x4E), L(0x4F), L(0x50), L(0x51),
            L(0x52), L(0x53), L(0x54), L(0x55), L(0x56), L(0x57), L(0x58), L(0x59), L(0x5A),
            L(0x5B), L(0x5C), L(0x5D), L(0x5E), L(0x5F), L(0x60), L(0x61), L(0x62), L(0x63),
            L(0x64), L(0x65), L(0x66), L(0x67), L(0x68), L(0x69), L(0x6A), L(0x6B), L(0x6C),
            L(0x6D), L(0x6E), L(0x6F), L(0x70), L(0x71), L(0x72), L(0x73), L(0x74), L(0x75),
            L(0x76), L(0x77), L(0x78), L(0x79), L(0x7A), L(0x7B), L(0x7C), L(0x7D), L(0x7E),
            L(0x7F), L(0x80), L(0x81), L(0x82), L(0x83), L(0x84), L(0x85), L(0x86), L(0x87),
            L(0x88), L(0x89), L(0x8A), L(0x8B), L(0x8C), L(0x8D), L(0x8E), L(0x8F), L(0x90),
            L(0x91), L(0x92), L(0x93), L(0x94), L(0x95), L(0x96), L(0x97), L(0x98), L(0x99),
            L(0x9A), L(0x9B), L(0x9C), L(0x9D), L(0x9E), L(0x9F), L(0xA0), L(0xA1), L(0xA2),
            L(0xA3), L(0xA4), L(0xA5), L(0xA6), L(0xA7), L(0xA8), L(0xA9), L(0xAA), L(0xAB),
            L(0xAC), L(0xAD), L(0xAE), L(0xAF), L(0xB0), L(0xB1), L(0xB2), L(0xB3), L(0xB4),
            L(0xB5), L(0xB6), L(0xB7), L(0xB8), L(0xB9), L(0xBA), L(0xBB), L(0xBC), L(0xBD),
            L(0xBE), L(0xBF),
            FUSED(0), FUSED(1), FUSED(2), FUSED(3), FUSED(4), FUSED(5), FUSED(6), FUSED(7),
            FUSED(8), FUSED(9), FUSED(10), FUSED(11), FUSED(12), FUSED(13), FUSED(14),
            FUSED(15), FUSED(16), FUSED(17), FUSED(18),
            BRCS(0), BRCS(1), BRCS(2), BRCS(3), BRCS(4), BRCS(5), BRCS(6), BRCS(7), BRCS(8),
            BRCS(9),
            DESTS(0), DESTS(1), DESTS(2), DESTS(3), DESTS(4), DESTS(5), DESTS(6), DESTS(7),
            DESTS(8),
            TKS(0), TKS(1), TKS(2), TKS(3), TKS(4), TKS(5), TKS(6), TKS(7), TKS(8),
        };
#undef FUSED
#undef BRCS
#undef DESTS
#undef TKS
#undef SS
        /* clang-format on */
        /*
         * Only what the hot handlers use lives in locals, so that both compilers can keep it all
         * in registers; the frame stack, the current function and the rest stay in the instance.
         */
        const uint32_t *pc = ti->pc;
        uint64_t *sp = ti->sp, *fp = ti->fp;
        struct wasm_instance *ci = ti->cur->inst;
        const uint32_t *cbase = ti->cur->code->code;
        int64_t fuel = ti->fuel;
        uint8_t *mbase;
        uint64_t msize;
        enum wasm_trap trap_code;
        const uint32_t *head;
        struct wasm_func *callee;
        const uint32_t *op_pc;
        uint64_t *op_sp;
        RELOAD();
        JUMP();

L_UNREACHABLE:
        TRAP(WASM_TRAP_UNREACHABLE);
L_FUEL:
        if (fuel <= 0) {
                SAVE();
                return WASM_YIELD;
        }
        fuel -= IMM(0);
        NEXT(2);
L_BR:
        pc = cbase + IMM(0);
        JUMP();
L_BR_IF:
        pc = U32(*--sp) ? cbase + IMM(0) : pc + 2;
        JUMP();
L_BR_IF_BACK_L:
        if (!U32(fp[IMM(0)])) {
                NEXT(3);
        }
        head = cbase + IMM(1);
        goto back_edge;
L_BR_IF_BACK_T:
        fp[IMM(0)] = *--sp;
        if (!U32(fp[IMM(0)])) {
                NEXT(3);
        }
        head = cbase + IMM(1);
        goto back_edge;
L_BR_IF_NOT_T:
        fp[IMM(0)] = *--sp;
        pc = U32(fp[IMM(0)]) ? pc + 3 : cbase + IMM(1);
        JUMP();
L_BR_IF_BACK:
        if (!U32(*--sp)) {
                NEXT(2);
        }
        /* fall through */
L_BR_BACK:
        head = cbase + IMM(0); /* the loop header's FUEL op */
back_edge : {
        if (fuel <= 0) {
                pc = head;
                SAVE();
                return WASM_YIELD;
        }
        fuel -= head[1];
        pc = head + 2;
        JUMP();
}
L_BR_IF_NOT:
L_IF_NOT:
        pc = U32(*--sp) ? pc + 2 : cbase + IMM(0);
        JUMP();
L_BR_IF_UNWIND:
        if (!U32(*--sp)) {
                NEXT(4);
        }
        /* fall through */
L_BR_UNWIND : {
        uint64_t *base = fp + IMM(1);
        if (IMM(0)) {
                base[0] = sp[-1];
        }
        sp = base + IMM(0);
        pc = cbase + IMM(2);
        JUMP();
}
L_BR_TABLE : {
        uint32_t n = IMM(0), arity = IMM(1);
        uint32_t i = U32(*--sp);
        if (i > n) {
                i = n;
        }
        const uint32_t *e = pc + 3 + 2 * i;
        uint64_t *base = fp + e[1];
        if (arity) {
                base[0] = sp[-1];
        }
        sp = base + arity;
        pc = cbase + e[0];
        JUMP();
}
L_RETURN : {
        uint32_t arity = IMM(0);
        if (arity) {
                fp[0] = sp[-1];
        }
        sp = fp + arity;
        uint32_t depth = ti->nframes - 1;
        const struct wasm_frame *f = &ti->frames[depth];
        struct wasm_func *cur = f->func;
        ti->nframes = depth;
        pc = f->pc;
        fp = f->fp;
        ti->cur = cur;
        if (depth == 0) {
                SAVE();
                ti->state = WASM_ST_IDLE;
                return WASM_DONE;
        }
        cbase = cur->code->code;
        if (cur->inst != ci) {
                ci = cur->inst;
                RELOAD();
        }
        JUMP();
}
L_CALL:
        op_pc = pc;
        op_sp = sp;
        callee = ci->funcs[IMM(0)];
        pc += 2; /* the return address */
        goto do_call;
L_CALL_INDIRECT : {
        op_pc = pc;
        op_sp = sp;
        const struct wasm_functype *want = &ci->module->types[IMM(0)];
        pc += 2;
        uint32_t idx = U32(*--sp);
        struct wasm_table *tab = ci->table;
        if (idx >= tab->size) {
                TRAP(WASM_TRAP_UNDEF_ELEM);
        }
        callee = tab->elems[idx];
        if (callee == NULL) {
                TRAP(WASM_TRAP_UNINIT_ELEM);
        }
        if (callee->type != want) {
                SAVE();
                bool same = wasm_functype_eq(callee->type, want);
                RESTORE();
                if (!same) {
                        TRAP(WASM_TRAP_SIG_MISMATCH);
                }
        }
        goto do_call;
}
do_call:
        if (callee->host) {
                /* host calls are metered too: one unit, and never with no fuel left */
                if (fuel <= 0) {
                        pc = op_pc;
                        sp = op_sp;
                        SAVE();
                        return WASM_YIELD;
                }
                fuel--;
                uint32_t np = callee->type->nparams, nr = callee->type->nresults;
                uint64_t buf[16];
                uint64_t *args = sp - np;
                uint64_t *slots = (np <= 16) ? buf : args;
                SAVE();
                if (slots == buf && np) {
                        memcpy(buf, args, np * sizeof(uint64_t));
                }
                ti->state = WASM_ST_IN_HOST;
                enum wasm_host_status hs = callee->host(callee->host_ctx, ci, slots);
                ti->state = WASM_ST_RUNNING;
                RESTORE();
                if (hs == WASM_HOST_TRAP) {
                        TRAP(WASM_TRAP_HOST);
                }
                if (hs == WASM_HOST_YIELD) {
                        pc = op_pc;
                        sp = op_sp;
                        SAVE();
                        return WASM_YIELD;
                }
                args = sp - np;
                for (uint32_t i = 0; i < nr; i++) {
                        args[i] = slots[i];
                }
                sp = args + nr;
                JUMP();
        }
        if (callee->inst != ci) {
                ci = callee->inst;
                RELOAD();
        }
        goto enter;
L_CALL_LOCAL: /* a function of this instance: neither a host function nor another instance's */
        callee = ci->funcs[IMM(0)];
        pc += 2; /* the return address */
enter : {
        const struct wasm_code *code = callee->code;
        uint64_t *nfp = sp - code->nparams;
        uint32_t depth = ti->nframes;
        if (depth >= ti->max_frames) {
                TRAP(WASM_TRAP_CALL_DEPTH);
        }
        if (code->frame_slots > (size_t)(ti->stack_end - nfp)) {
                TRAP(WASM_TRAP_STACK_OVERFLOW);
        }
        ti->nframes = depth + 1;
        struct wasm_frame *f = &ti->frames[depth];
        f->pc = pc;
        f->fp = fp;
        f->func = ti->cur;
        fp = nfp;
        /*
         * Declared locals start at zero: four at a time, then the rest (stores a
         * compiler cannot turn into a call of memset, which costs more than this).
         */
        uint32_t n = code->nlocals;
        for (; n >= 4; n -= 4, sp += 4) {
                sp[0] = 0;
                sp[1] = 0;
                sp[2] = 0;
                sp[3] = 0;
        }
        switch (n) {
        case 3:
                sp[2] = 0;
                /* fall through */
        case 2:
                sp[1] = 0;
                /* fall through */
        case 1:
                sp[0] = 0;
                /* fall through */
        default:
                break;
        }
        sp += n;
        ti->cur = callee;
        cbase = pc = code->code;
        goto L_FUEL; /* every body starts with its first segment's FUEL */
}
L_DROP:
        sp--;
        NEXT(1);
L_SELECT:
        if (!U32(sp[-1])) {
                sp[-3] = sp[-2];
        }
        sp -= 2;
        NEXT(1);
L_LOCAL_GET:
        *sp++ = fp[IMM(0)];
        NEXT(2);
L_LOCAL_GET2:
        sp[0] = fp[IMM(0)];
        sp[1] = fp[IMM(1)];
        sp += 2;
        NEXT(3);
L_LOCAL_SET:
        fp[IMM(0)] = *--sp;
        NEXT(2);
L_LOCAL_TEE:
        fp[IMM(0)] = sp[-1];
        NEXT(2);
L_COPY:
        fp[IMM(1)] = fp[IMM(0)];
        NEXT(3);
L_SET_K:
        fp[IMM(1)] = IMM(0);
        NEXT(3);
#include "wasm/exec_fused.inc"
L_GLOBAL_GET:
        *sp++ = ci->globals[IMM(0)]->value;
        NEXT(2);
L_GLOBAL_SET:
        ci->globals[IMM(0)]->value = *--sp;
        NEXT(2);
L_MEM_SIZE:
        *sp++ = ci->mem->pages;
        NEXT(1);
L_MEM_GROW : {
        struct wasm_memory *mem = ci->mem;
        uint32_t delta = U32(sp[-1]), old = mem->pages;
        if (old > mem->limit_pages || delta > mem->limit_pages - old) {
                sp[-1] = 0xFFFFFFFFu;
        } else {
                /* the arena is not zeroed for us: new pages must read as zero */
                SAVE();
                memset(mem->data + (size_t)old * WASM_PAGE_SIZE, 0, (size_t)delta * WASM_PAGE_SIZE);
                mem->pages = old + delta;
                RESTORE();
                sp[-1] = old;
        }
        NEXT(1);
}
L_CONST32:
        *sp++ = IMM(0);
        NEXT(2);
L_CONST64:
        *sp++ = (uint64_t)IMM(0) | ((uint64_t)IMM(1) << 32);
        NEXT(3);

#include "wasm/exec_memory.inc"
#include "wasm/exec_numeric.inc"

oob:
        ti->trap = WASM_TRAP_MEM_OOB;
        ti->state = WASM_ST_IDLE;
        ti->nframes = 0;
        ti->fuel = fuel;
        return WASM_TRAP;
trap:
        ti->trap = (uint8_t)trap_code;
        ti->state = WASM_ST_IDLE;
        ti->nframes = 0;
        ti->fuel = fuel;
        return WASM_TRAP;
}
