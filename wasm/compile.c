/*
 * The function-body translator: validates one body against the MVP typing rules and, in the same
 * pass, emits the internal code form (see internal.h). The validator knows the exact operand
 * stack height at every reachable instruction, so each branch is emitted with its resolved target
 * and, where operands must be discarded, the exact height to cut back to. Code that validation
 * proves unreachable is checked but not emitted.
 *
 * Metering: every function starts with a FUEL op, and so does every loop header (the target of
 * every back-edge) and the code after every loop. Each FUEL op charges the number of instructions
 * in its straight-line segment; the interpreter yields when fuel is exhausted at one of them.
 */
#include <string.h>

#include "wasm/compile.h"

static enum wasm_err memop(struct cc *c, uint8_t op)
{
        /* natural alignment (log2) and value type of 0x28..0x3E */
        static const uint8_t align[] = {2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1,
                                        2, 2, 2, 3, 2, 3, 0, 1, 0, 1, 2};
        static const char vt[] = "ILFDIIIILLLLLLILFDIILLL";
        uint32_t a, offset;
        TRY(wasm_rd_u32(&c->r, &a));
        TRY(wasm_rd_u32(&c->r, &offset));
        if (a > align[op - 0x28] || !c->m->has_mem) {
                return WASM_E_INVALID;
        }
        char v = vt[op - 0x28];
        uint8_t t = v == 'I' ? WASM_I32 : v == 'L' ? WASM_I64 : v == 'F' ? WASM_F32 : WASM_F64;
        if (op <= 0x35) {
                TRY(cc_pop1(c, WASM_I32));
                cc_push(c, t);
        } else {
                TRY(cc_pop1(c, t));
                TRY(cc_pop1(c, WASM_I32));
        }
        wasm_emit_load(c, op, offset);
        return WASM_OK;
}

static enum wasm_err op_end(struct cc *c, const struct wasm_functype *ft)
{
        struct ctl *f = &c->cs[c->cn - 1];
        if (f->kind == K_IF && f->rtype) {
                return WASM_E_INVALID; /* the missing else would produce no value */
        }
        if (f->rtype) {
                TRY(cc_pop1(c, f->rtype));
        }
        if (c->th != f->height) {
                return WASM_E_INVALID;
        }
        if (f->kind == K_FUNC) {
                wasm_emit_patch(c, f->patches, c->n);
                c->live = !f->dead; /* the final return is reached by branches too */
                wasm_emit_op(c, IOP_RETURN);
                wasm_emit(c, ft->nresults);
                if (c->fuel_site) {
                        c->code[c->fuel_site] = c->fuel_n;
                }
                c->cn--;
                return WASM_OK;
        }
        wasm_emit_patch(c, f->patches, c->n);
        if (f->else_site) {
                wasm_emit_patch(c, f->else_site, c->n);
        }
        bool was_loop = f->kind == K_LOOP;
        uint8_t rtype = f->rtype;
        c->cn--;
        cc_relive(c);
        if (rtype) {
                cc_push(c, rtype);
        }
        if (was_loop) {
                wasm_emit_segment(c);
        }
        return WASM_OK;
}

static enum wasm_err op_br_table(struct cc *c)
{
        uint32_t n;
        TRY(wasm_rd_u32(&c->r, &n));
        if (n > (size_t)(c->r.end - c->r.p)) {
                return WASM_E_MALFORMED;
        }
        TRY(cc_pop1(c, WASM_I32));
        /* read the labels once to type them, then again to emit them */
        struct wasm_reader save = c->r;
        struct ctl *t;
        uint8_t type = 0;
        for (uint32_t pass = 0; pass < 2; pass++) {
                c->r = save;
                if (pass == 1 && c->live && c->barrier != c->n && c->n >= 2 &&
                    c->last_op + 2 == c->n && c->code[c->last_op] == IOP_LOCAL_GET) {
                        /* local.get x; br_table: the index comes from the local */
                        c->code[c->last_op] = IOP_BR_TABLE_L;
                        wasm_emit(c, n);
                        wasm_emit(c, type ? 1 : 0);
                } else if (pass == 1) {
                        wasm_emit_op(c, IOP_BR_TABLE);
                        wasm_emit(c, n);
                        wasm_emit(c, type ? 1 : 0);
                }
                for (uint32_t i = 0; i <= n; i++) {
                        TRY(cc_rd_label(c, &t));
                        if (pass == 0) {
                                if (i == 0) {
                                        type = cc_label_type(t);
                                } else if (cc_label_type(t) != type) {
                                        return WASM_E_INVALID;
                                }
                                continue;
                        }
                        wasm_emit_target(c, t);
                        wasm_emit(c, c->nlocals + t->height);
                }
        }
        if (type) {
                TRY(cc_pop1(c, type));
        }
        cc_set_unreachable(c);
        return WASM_OK;
}

static enum wasm_err op_call(struct cc *c, const struct wasm_functype *ft)
{
        for (uint32_t i = ft->nparams; i-- > 0;) {
                TRY(cc_pop1(c, ft->types[i]));
        }
        for (uint32_t i = 0; i < ft->nresults; i++) {
                cc_push(c, ft->types[ft->nparams + i]);
        }
        return WASM_OK;
}

static enum wasm_err op_local(struct cc *c, uint8_t op)
{
        uint32_t x;
        TRY(wasm_rd_u32(&c->r, &x));
        if (x >= c->nlocals) {
                return WASM_E_INVALID;
        }
        uint8_t t = c->ltypes[x];
        if (op != 0x20) {
                TRY(cc_pop1(c, t));
        }
        if (op != 0x21) {
                cc_push(c, t);
        }
        /* peephole: local.set a; local.get b  and  local.get a; local.get b */
        if (c->live && op == 0x20 && c->n >= 2 && c->last_op == c->n - 2 &&
            c->code[c->last_op] == IOP_LOCAL_GET && c->barrier != c->n) {
                c->code[c->last_op] = IOP_LOCAL_GET2;
                wasm_emit(c, x);
                return WASM_OK;
        }
        if (op != 0x20 && wasm_emit_fuse_dest(c, x, op == 0x22)) {
                return WASM_OK;
        }
        wasm_emit_op(c, op == 0x20 ? IOP_LOCAL_GET : op == 0x21 ? IOP_LOCAL_SET : IOP_LOCAL_TEE);
        wasm_emit(c, x);
        return WASM_OK;
}

static enum wasm_err op_misc(struct cc *c, uint8_t op, const struct wasm_functype *ft)
{
        const struct wasm_module *m = c->m;
        struct wasm_reader *r = &c->r;
        struct ctl *t;
        uint32_t x;
        uint8_t ty, ty2;
        switch (op) {
        case 0x00:
                wasm_emit_op(c, IOP_UNREACHABLE);
                cc_set_unreachable(c);
                return WASM_OK;
        case 0x01:
                return WASM_OK;
        case 0x02:
        case 0x03:
                TRY(cc_rd_blocktype(c, &ty));
                x = c->n;
                if (op == 0x03) {
                        wasm_emit_segment(c);
                        c->barrier = c->label = c->n;
                }
                cc_push_ctl(c, op == 0x02 ? K_BLOCK : K_LOOP, ty);
                c->cs[c->cn - 1].loop_pc = x;
                return WASM_OK;
        case 0x04:
                TRY(cc_rd_blocktype(c, &ty));
                TRY(cc_pop1(c, WASM_I32));
                wasm_emit_op(c, wasm_emit_take_eqz(c) ? IOP_BR_IF : IOP_IF_NOT);
                wasm_emit(c, 0);
                TRY(cc_push_ctl(c, K_IF, ty));
                c->cs[c->cn - 1].else_site = c->live ? c->n : 0;
                return WASM_OK;
        case 0x05:
                t = &c->cs[c->cn - 1];
                if (t->kind != K_IF) {
                        return WASM_E_INVALID;
                }
                if (t->rtype) {
                        TRY(cc_pop1(c, t->rtype));
                }
                if (c->th != t->height) {
                        return WASM_E_INVALID;
                }
                wasm_emit_op(c, IOP_BR);
                wasm_emit_target(c, t);
                if (t->else_site) {
                        wasm_emit_patch(c, t->else_site, c->n);
                        t->else_site = 0;
                }
                t->kind = K_ELSE;
                t->unreachable = false;
                cc_relive(c);
                return WASM_OK;
        case 0x0B:
                return op_end(c, ft);
        case 0x0C:
                TRY(cc_rd_label(c, &t));
                if (cc_label_type(t)) {
                        TRY(cc_pop1(c, cc_label_type(t)));
                }
                wasm_emit_br(c, t, c->th + label_arity(t), false);
                cc_set_unreachable(c);
                return WASM_OK;
        case 0x0D:
                TRY(cc_rd_label(c, &t));
                TRY(cc_pop1(c, WASM_I32));
                if (cc_label_type(t)) {
                        TRY(cc_pop1(c, cc_label_type(t)));
                        cc_push(c, cc_label_type(t));
                }
                wasm_emit_br(c, t, c->th, true);
                return WASM_OK;
        case 0x0E:
                return op_br_table(c);
        case 0x0F:
                if (ft->nresults) {
                        TRY(cc_pop1(c, ft->types[ft->nparams]));
                }
                wasm_emit_op(c, IOP_RETURN);
                wasm_emit(c, ft->nresults);
                cc_set_unreachable(c);
                return WASM_OK;
        case 0x10:
                TRY(wasm_rd_u32(r, &x));
                if (x >= m->nfuncs) {
                        return WASM_E_INVALID;
                }
                TRY(op_call(c, &m->types[m->func_type[x]]));
                wasm_emit_op(c, x >= m->nfunc_imports ? IOP_CALL_LOCAL : IOP_CALL);
                wasm_emit(c, x);
                return WASM_OK;
        case 0x11: {
                uint8_t zero;
                TRY(wasm_rd_u32(r, &x));
                TRY(wasm_rd_u8(r, &zero));
                if (zero != 0) {
                        return WASM_E_MALFORMED;
                }
                if (x >= m->ntypes || !m->has_table) {
                        return WASM_E_INVALID;
                }
                TRY(cc_pop1(c, WASM_I32));
                TRY(op_call(c, &m->types[x]));
                wasm_emit_op(c, IOP_CALL_INDIRECT);
                wasm_emit(c, x);
                return WASM_OK;
        }
        case 0x1A:
                TRY(cc_pop1(c, ANY));
                wasm_emit_op(c, IOP_DROP);
                return WASM_OK;
        case 0x1B:
                TRY(cc_pop1(c, WASM_I32));
                TRY(cc_pop(c, ANY, &ty));
                TRY(cc_pop(c, ty, &ty2));
                cc_push(c, ty == ANY ? ty2 : ty);
                if (c->live && c->barrier != c->n && c->n >= 2 && c->last_op + 2 == c->n &&
                    c->code[c->last_op] == IOP_FUSE_K + 3) {
                        c->code[c->last_op] = IOP_SELECT_KAND; /* i32.const k; i32.and; select */
                        c->barrier = c->n;
                        return WASM_OK;
                }
                wasm_emit_op(c, IOP_SELECT);
                return WASM_OK;
        case 0x20:
        case 0x21:
        case 0x22:
                return op_local(c, op);
        case 0x23:
        case 0x24:
                TRY(wasm_rd_u32(r, &x));
                if (x >= m->nglobals) {
                        return WASM_E_INVALID;
                }
                if (op == 0x23) {
                        cc_push(c, m->globals[x].type);
                } else {
                        if (!m->globals[x].mut) {
                                return WASM_E_INVALID;
                        }
                        TRY(cc_pop1(c, m->globals[x].type));
                }
                wasm_emit_op(c, op == 0x23 ? IOP_GLOBAL_GET : IOP_GLOBAL_SET);
                wasm_emit(c, x);
                return WASM_OK;
        case 0x3F:
        case 0x40: {
                uint8_t zero;
                TRY(wasm_rd_u8(r, &zero));
                if (zero != 0) {
                        return WASM_E_MALFORMED;
                }
                if (!m->has_mem) {
                        return WASM_E_INVALID;
                }
                if (op == 0x40) {
                        TRY(cc_pop1(c, WASM_I32));
                }
                cc_push(c, WASM_I32);
                wasm_emit_op(c, op == 0x3F ? IOP_MEM_SIZE : IOP_MEM_GROW);
                return WASM_OK;
        }
        case 0x41: {
                int32_t v;
                TRY(wasm_rd_s32(r, &v));
                cc_push(c, WASM_I32);
                wasm_emit_op(c, IOP_CONST32);
                wasm_emit(c, (uint32_t)v);
                return WASM_OK;
        }
        case 0x42: {
                int64_t v;
                TRY(wasm_rd_s64(r, &v));
                cc_push(c, WASM_I64);
                wasm_emit_op(c, IOP_CONST64);
                wasm_emit(c, (uint32_t)(uint64_t)v);
                wasm_emit(c, (uint32_t)((uint64_t)v >> 32));
                return WASM_OK;
        }
        case 0x43:
        case 0x44: {
                uint32_t w[2] = {0, 0};
                size_t n = op == 0x43 ? 4 : 8;
                if ((size_t)(r->end - r->p) < n) {
                        return WASM_E_MALFORMED;
                }
                memcpy(w, r->p, n);
                r->p += n;
                cc_push(c, op == 0x43 ? WASM_F32 : WASM_F64);
                wasm_emit_op(c, op == 0x43 ? IOP_CONST32 : IOP_CONST64);
                wasm_emit(c, w[0]);
                if (op == 0x44) {
                        wasm_emit(c, w[1]);
                }
                return WASM_OK;
        }
        default:
                return WASM_E_MALFORMED;
        }
}

static enum wasm_err rd_locals(struct cc *c, const struct wasm_functype *ft, struct wasm_arena *a)
{
        struct wasm_reader *r = &c->r;
        uint32_t groups;
        TRY(wasm_rd_u32(r, &groups));
        /* first pass: count, rejecting sums beyond 2^32 as the format requires */
        struct wasm_reader save = *r;
        uint64_t total = ft->nparams;
        for (uint32_t i = 0; i < groups; i++) {
                uint32_t n;
                uint8_t t;
                TRY(wasm_rd_u32(r, &n));
                TRY(wasm_rd_u8(r, &t));
                total += n;
                if (total - ft->nparams > UINT32_MAX) {
                        return WASM_E_MALFORMED;
                }
                if (t < WASM_F64 || t > WASM_I32) {
                        return WASM_E_MALFORMED;
                }
        }
        if (total > MAX_LOCALS) {
                return WASM_E_LIMIT;
        }
        c->nlocals = (uint32_t)total;
        c->ltypes = wasm_arena_temp(a, total + 1, 1);
        if (c->ltypes == NULL) {
                return WASM_E_ARENA;
        }
        memcpy(c->ltypes, ft->types, ft->nparams);
        *r = save;
        uint32_t k = ft->nparams;
        for (uint32_t i = 0; i < groups; i++) {
                uint32_t n;
                uint8_t t;
                TRY(wasm_rd_u32(r, &n));
                TRY(wasm_rd_u8(r, &t));
                memset(c->ltypes + k, t, n);
                k += n;
        }
        return WASM_OK;
}

enum wasm_err wasm_compile(struct wasm_module *m, uint32_t func_index, const uint8_t *body,
                           size_t len, struct wasm_arena *a, struct wasm_code *code)
{
        const struct wasm_functype *ft = &m->types[m->func_type[func_index]];
        struct cc c;
        memset(&c, 0, sizeof(c));
        c.r = (struct wasm_reader){body, body + len};
        c.m = m;
        size_t top = a->top;
        TRY(rd_locals(&c, ft, a));
        c.ts = wasm_arena_temp(a, len + 2, 1);
        c.cs = wasm_arena_temp(a, sizeof(struct ctl) * (len + 2), 8);
        if (c.ts == NULL || c.cs == NULL) {
                a->top = top;
                return WASM_E_ARENA;
        }
        /* code goes to the free space between the bottom and the temporaries */
        uint32_t *start = wasm_arena_alloc(a, 0, 4);
        if (start == NULL) {
                a->top = top;
                return WASM_E_ARENA;
        }
        c.code = start;
        c.cap = (uint32_t)((a->top - a->used) / 4);
        c.live = true;
        cc_push_ctl(&c, K_FUNC, ft->nresults ? ft->types[ft->nparams] : 0);
        wasm_emit_segment(&c);
        enum wasm_err e = WASM_OK;
        while (c.cn > 0 && e == WASM_OK) {
                uint8_t op;
                e = wasm_rd_u8(&c.r, &op);
                if (e != WASM_OK) {
                        break;
                }
                if (c.live) {
                        c.fuel_n++;
                }
                if (op >= 0x45 && op <= 0xBF) {
                        uint8_t ta, tb, tr;
                        cc_numeric_sig(op, &ta, &tb, &tr);
                        if (tb) {
                                e = cc_pop1(&c, tb);
                        }
                        if (e == WASM_OK) {
                                e = cc_pop1(&c, ta);
                        }
                        cc_push(&c, tr);
                        wasm_emit_numeric(&c, op);
                } else if (op >= 0x28 && op <= 0x3E) {
                        e = memop(&c, op);
                } else {
                        e = op_misc(&c, op, ft);
                }
        }
        a->top = top;
        if (e == WASM_OK && c.r.p != c.r.end) {
                e = WASM_E_MALFORMED;
        }
        if (e == WASM_OK && c.oom) {
                e = WASM_E_ARENA;
        }
        if (e != WASM_OK) {
                return e;
        }
        a->used += (size_t)c.n * 4;
        code->code = start;
        code->ncode = c.n;
        code->nparams = ft->nparams;
        code->nlocals = c.nlocals - ft->nparams;
        code->frame_slots = c.nlocals + c.tmax + 2;
        code->index = func_index;
        return WASM_OK;
}
