/*
 * Code emission for the translator (compile.c): appending words, fuel segments, forward-branch
 * patch chains, branches with their resolved stack cuts, and the peephole that fuses common
 * instruction sequences into single internal instructions (internal.h lists them). Fusion never
 * crosses a branch target: c->barrier marks the latest position a branch lands on.
 */
#include "wasm/compile.h"

void wasm_emit(struct cc *c, uint32_t w)
{
        if (!c->live) {
                return;
        }
        if (c->n >= c->cap) {
                c->oom = true;
                return;
        }
        c->code[c->n++] = w;
}

void wasm_emit_op(struct cc *c, uint32_t op)
{
        if (c->live) {
                c->prev2_op = c->prev_op;
                c->prev_op = c->last_op;
                c->last_op = c->n;
                wasm_emit(c, op);
        }
}

/* Close the current fuel segment and open a new one at the current position. */
void wasm_emit_segment(struct cc *c)
{
        if (!c->live) {
                return;
        }
        if (c->fuel_site) {
                c->code[c->fuel_site] = c->fuel_n;
        }
        wasm_emit_op(c, IOP_FUEL);
        wasm_emit(c, 0);
        c->fuel_site = c->n - 1;
        c->fuel_n = 0;
}

void wasm_emit_patch(struct cc *c, uint32_t head, uint32_t target)
{
        c->barrier = c->label = target;
        while (head) {
                uint32_t idx = head - 1;
                head = c->code[idx];
                c->code[idx] = target;
        }
}

void wasm_emit_target(struct cc *c, struct ctl *t)
{
        if (!c->live) {
                return;
        }
        if (t->kind == K_LOOP) {
                wasm_emit(c, t->loop_pc);
        } else {
                wasm_emit(c, t->patches);
                t->patches = c->n; /* index + 1 of the word just emitted */
        }
}

/* True (and the eqz removed) if the last instruction is an i32.eqz that may be folded. */
bool wasm_emit_take_eqz(struct cc *c)
{
        if (c->live && c->n > 0 && c->last_op + 1 == c->n && c->code[c->last_op] == 0x45 &&
            c->barrier != c->n) {
                c->n--;
                c->last_op = c->n; /* nothing else to fuse with */
                c->barrier = c->n;
                return true;
        }
        return false;
}

/*
 * "compare; br_if" where the compare is a fused form: one compare-and-branch instruction (a
 * back-edge form when the label is a loop).
 */
static bool fuse_compare_branch(struct cc *c, struct ctl *t)
{
        if (!c->live || c->barrier == c->n || c->n == 0) {
                return false;
        }
        uint32_t at = c->last_op, op = c->code[at];
        static const uint32_t forms[4][4] = {{IOP_FUSE_K, IOP_BRC_K, IOP_BRCB_K, 2},
                                             {IOP_FUSE_L, IOP_BRC_L, IOP_BRCB_L, 2},
                                             {IOP_FUSE_LK, IOP_BRC_LK, IOP_BRCB_LK, 3},
                                             {IOP_FUSE_LL, IOP_BRC_LL, IOP_BRCB_LL, 3}};
        int back = t->kind == K_LOOP ? 2 : 1;
        if (op >= 0x46 && op <= 0x4F && at + 1 == c->n) {
                c->code[at] = (back == 2 ? IOP_BRCB_SS : IOP_BRC_SS) + (op - 0x46);
                wasm_emit_target(c, t);
                c->barrier = c->n;
                return true;
        }
        if (back == 1 && op == IOP_FUSE_K + 9 && at + 2 == c->n && c->prev_op + 4 == at &&
            c->code[c->prev_op] == IOP_FUSE_LKT + 3 && c->label != at) {
                /* "local.get x; i32.const k; i32.and; local.tee d; i32.const j; i32.eq; br_if" */
                c->code[c->prev_op] = IOP_LKT_AND_BEQ;
                c->code[at] = c->code[at + 1];
                c->n = at + 1;
                c->last_op = c->prev_op;
                wasm_emit_target(c, t);
                c->barrier = c->n;
                return true;
        }
        for (int i = 0; i < 4; i++) {
                if (op >= forms[i][0] + 9 && op < forms[i][0] + WASM_NFUSABLE &&
                    at + forms[i][3] == c->n) {
                        c->code[at] = forms[i][back] + (op - forms[i][0] - 9);
                        wasm_emit_target(c, t);
                        c->barrier = c->n;
                        return true;
                }
        }
        return false;
}

/*
 * "local.get x; br_if loop", "local.tee x; br_if loop" and "local.tee x; i32.eqz; br_if": the
 * condition comes from the local. False if the code does not end that way.
 */
static bool fuse_local_branch(struct cc *c, struct ctl *t)
{
        if (!c->live || c->label == c->n || c->n < 2) {
                return false;
        }
        uint32_t at = c->last_op, op = c->code[at];
        if (t->kind == K_LOOP && op == IOP_LOAD32_LT && at + 4 == c->n) {
                /* "local.get x; i32.load; local.tee d; br_if loop" */
                c->code[at] = IOP_LOAD32_LTB;
                wasm_emit_target(c, t);
                c->barrier = c->n;
                return true;
        }
        if (t->kind == K_LOOP && op == IOP_FUSE_LKT && at + 4 == c->n) {
                /* "local.get x; i32.const k; i32.add; local.tee d; br_if loop" */
                c->code[at] = IOP_LKT_ADD_BB;
                wasm_emit_target(c, t);
                c->barrier = c->n;
                return true;
        }
        if (c->barrier == c->n) {
                return false;
        }
        if (t->kind == K_LOOP && at + 2 == c->n && op == IOP_LOCAL_GET && c->prev_op + 3 == at &&
            c->code[c->prev_op] == IOP_COPY && c->label != at) {
                /* "local.get x; local.set d; local.get y; br_if loop" */
                c->code[c->prev_op] = IOP_COPY_BBL;
                c->code[at] = c->code[at + 1];
                c->n = at + 1;
                c->last_op = c->prev_op;
                wasm_emit_target(c, t);
                c->barrier = c->n;
                return true;
        }
        if (t->kind == K_LOOP && at + 2 == c->n && (op == IOP_LOCAL_GET || op == IOP_LOCAL_TEE)) {
                c->code[at] = op == IOP_LOCAL_GET ? IOP_BR_IF_BACK_L : IOP_BR_IF_BACK_T;
        } else if (t->kind != K_LOOP && op == 0x45 && at + 1 == c->n && c->prev_op + 2 == at &&
                   c->code[c->prev_op] == IOP_LOCAL_TEE && c->barrier <= c->prev_op &&
                   c->prev2_op + 3 == c->prev_op && c->code[c->prev2_op] == IOP_LOAD8U_L &&
                   c->label != c->prev_op) {
                /* "local.get x; i32.load8_u; local.tee d; i32.eqz; br_if" */
                c->code[c->prev2_op] = IOP_LOAD8U_BNT;
                c->code[c->prev_op] = c->code[c->prev_op + 1];
                c->n = c->prev_op + 1;
                c->last_op = c->prev2_op;
        } else if (t->kind != K_LOOP && op == 0x45 && at + 1 == c->n && c->prev_op + 2 == at &&
                   c->code[c->prev_op] == IOP_LOCAL_TEE && c->barrier <= c->prev_op) {
                c->code[c->prev_op] = IOP_BR_IF_NOT_T;
                c->n = at;
                c->last_op = c->prev_op;
        } else {
                return false;
        }
        wasm_emit_target(c, t);
        c->barrier = c->n;
        return true;
}

/* A branch to label t; h is the operand height with the branch's values still on the stack. */
void wasm_emit_br(struct cc *c, struct ctl *t, uint32_t h, bool cond)
{
        uint32_t arity = label_arity(t);
        if (h == t->height + arity || t->kind == K_FUNC) {
                if (cond && fuse_compare_branch(c, t)) {
                        return;
                }
                if (cond && fuse_local_branch(c, t)) {
                        return;
                }
                if (t->kind == K_LOOP) {
                        /* back-edge: the branch itself charges the loop header's fuel */
                        wasm_emit_op(c, cond ? IOP_BR_IF_BACK : IOP_BR_BACK);
                        wasm_emit_target(c, t);
                        return;
                }
                wasm_emit_op(c, !cond ? IOP_BR : wasm_emit_take_eqz(c) ? IOP_BR_IF_NOT : IOP_BR_IF);
        } else {
                wasm_emit_op(c, cond ? IOP_BR_IF_UNWIND : IOP_BR_UNWIND);
                wasm_emit(c, arity);
                wasm_emit(c, c->nlocals + t->height);
        }
        wasm_emit_target(c, t);
}

/* Numeric op, fused with a preceding i32.const / local.get where a K or L form exists. */
void wasm_emit_numeric(struct cc *c, uint8_t op)
{
        static const uint8_t fusable[WASM_NFUSABLE] = WASM_FUSABLE;
        int k = -1;
        for (int i = 0; i < WASM_NFUSABLE; i++) {
                if (fusable[i] == op) {
                        k = i;
                }
        }
        if (k >= 0 && c->live && c->barrier != c->n && c->n > 0) {
                uint32_t at = c->last_op, prev = c->code[at];
                if (op == 0x6C && prev == IOP_LOAD16U_L2 && at + 5 == c->n) {
                        c->code[at] = IOP_LOAD16U_MUL;
                        c->barrier = c->n;
                        return;
                }
                if (at + 2 == c->n && prev == IOP_CONST32 && c->prev_op + 2 == at &&
                    c->code[c->prev_op] == IOP_LOCAL_GET && c->barrier <= c->prev_op) {
                        /* local.get x; i32.const k; op */
                        at = c->prev_op;
                        c->code[at] = IOP_FUSE_LK + (uint32_t)k;
                        c->code[at + 2] = c->code[at + 3];
                        c->n = at + 3;
                        c->last_op = at; /* may still take a load or a local */
                        c->prev_op = c->prev2_op;
                        return;
                }
                if (k < WASM_NARITH && at + 2 == c->n && prev == IOP_CONST32 &&
                    c->prev_op + 3 == at && c->code[c->prev_op] == IOP_LOCAL_GET2 &&
                    c->barrier <= c->prev_op) {
                        /* "local.get a; local.get b; i32.const k; op" */
                        at = c->prev_op;
                        c->code[at] = IOP_FUSE_GLK + (uint32_t)k;
                        c->code[at + 3] = c->code[at + 4];
                        c->n = at + 4;
                        c->last_op = at;
                        c->prev_op = c->prev2_op;
                        return;
                }
                if (k == 3 && at + 2 == c->n && prev == IOP_CONST32 && c->prev_op + 3 == at &&
                    c->code[c->prev_op] >= IOP_FUSE_LK &&
                    c->code[c->prev_op] < IOP_FUSE_LK + WASM_NARITH && c->barrier <= c->prev_op) {
                        /* "local.get x; i32.const k; op; i32.const m; i32.and" */
                        at = c->prev_op;
                        c->code[at] += IOP_FUSE_LKA - IOP_FUSE_LK;
                        c->code[at + 3] = c->code[at + 4];
                        c->n = at + 4;
                        c->last_op = at;
                        c->prev_op = c->prev2_op;
                        return;
                }
                if (k < WASM_NARITH && at + 2 == c->n && prev == IOP_CONST32 &&
                    c->prev_op + 2 == at && c->code[c->prev_op] == IOP_LOCAL_TEE &&
                    c->barrier <= c->prev_op) {
                        /* local.tee x; i32.const k; op (arithmetic: compares keep BRC forms) */
                        at = c->prev_op;
                        c->code[at] = IOP_FUSE_TK + (uint32_t)k;
                        c->code[at + 2] = c->code[at + 3];
                        c->n = at + 3;
                        c->last_op = at;
                        return;
                }
                if (at + 2 == c->n && (prev == IOP_CONST32 || prev == IOP_LOCAL_GET)) {
                        c->code[at] = (prev == IOP_CONST32 ? IOP_FUSE_K : IOP_FUSE_L) + (uint32_t)k;
                        return;
                }
                if (at + 3 == c->n && prev == IOP_LOCAL_GET2) {
                        c->code[at] = IOP_FUSE_LL + (uint32_t)k;
                        return;
                }
        }
        wasm_emit_op(c, op);
}
/*
 * A load or store; "address computation; i32.load" becomes one fused load where possible, as do
 * the narrow i32 loads from a local and "local.get x; local.get y; i32.store".
 */
void wasm_emit_load(struct cc *c, uint8_t op, uint32_t offset)
{
        if (c->live && c->barrier != c->n && c->n > 0) {
                uint32_t at = c->last_op, prev = c->code[at];
                if (op >= 0x2C && op <= 0x2F && prev == IOP_LOAD32_L && at + 3 == c->n) {
                        /* "local.get x; i32.load off; i32.load8/16 off2" */
                        c->code[at] = IOP_LOAD8S_PL + (op - 0x2Cu);
                        wasm_emit(c, offset);
                        c->barrier = c->n;
                        return;
                }
                if (op == 0x2F && prev == IOP_LOCAL_GET && at + 2 == c->n && c->prev_op + 3 == at &&
                    c->code[c->prev_op] == IOP_LOAD16U_L && c->label != at) {
                        /* two "local.get; i32.load16_u" in a row */
                        c->code[c->prev_op] = IOP_LOAD16U_L2;
                        c->code[at] = c->code[at + 1];
                        c->n = at + 1;
                        wasm_emit(c, offset);
                        c->last_op = c->prev_op;
                        c->prev_op = c->prev2_op;
                        return;
                }
                if (op >= 0x2C && op <= 0x2F && prev == IOP_LOCAL_GET && at + 2 == c->n) {
                        c->code[at] = IOP_LOAD8S_L + (op - 0x2Cu);
                        wasm_emit(c, offset);
                        c->barrier = c->n;
                        return;
                }
                if (op == 0x36 && prev == IOP_FUSE_K && at + 2 == c->n) {
                        c->code[at] = IOP_STORE32_KADD; /* i32.const k; i32.add; i32.store */
                        wasm_emit(c, offset);
                        c->barrier = c->n;
                        return;
                }
                if (op == 0x36 && prev == IOP_LOCAL_GET2 && at + 3 == c->n) {
                        c->code[at] = IOP_STORE32_LL;
                        wasm_emit(c, offset);
                        c->barrier = c->n;
                        return;
                }
        }
        if (op == 0x28 && c->live && c->barrier != c->n && c->n > 0) {
                uint32_t at = c->last_op, prev = c->code[at];
                if (prev == IOP_COPY_T && at + 3 == c->n) {
                        c->code[at] = IOP_LOAD32_CT;
                        wasm_emit(c, offset); /* may still take a local.set */
                        return;
                }
                uint32_t len = (prev == IOP_FUSE_LK) ? 3 : 2;
                if (at + len == c->n &&
                    (prev == IOP_FUSE_K || prev == IOP_LOCAL_GET || prev == IOP_FUSE_LK)) {
                        c->code[at] = prev == IOP_FUSE_K      ? IOP_LOAD32_K
                                      : prev == IOP_LOCAL_GET ? IOP_LOAD32_L
                                                              : IOP_LOAD32_LK;
                        wasm_emit(c, offset); /* may still take a local.set/tee */
                        return;
                }
        }
        wasm_emit_op(c, op);
        wasm_emit(c, offset);
}

/*
 * "fused arithmetic; local.set/tee d": the result goes straight to the local; so does a local or
 * an i32 constant set into a local.
 */
bool wasm_emit_fuse_dest(struct cc *c, uint32_t local, bool tee)
{
        if (!c->live || c->barrier == c->n || c->n == 0) {
                return false;
        }
        static const uint32_t forms[4][4] = {{IOP_FUSE_K, IOP_FUSE_KS, IOP_FUSE_KT, 2},
                                             {IOP_FUSE_L, IOP_FUSE_LS, IOP_FUSE_LT, 2},
                                             {IOP_FUSE_LK, IOP_FUSE_LKS, IOP_FUSE_LKT, 3},
                                             {IOP_FUSE_LL, IOP_FUSE_LLS, IOP_FUSE_LLT, 3}};
        uint32_t at = c->last_op, op = c->code[at];
        if (tee && op == IOP_LOCAL_GET && at + 2 == c->n) {
                c->code[at] = IOP_COPY_T; /* may still take an i32.load */
                wasm_emit(c, local);
                return true;
        }
        if (!tee && op == IOP_LOAD32_CT && at + 4 == c->n) {
                c->code[at] = IOP_LOAD32_CTS;
                wasm_emit(c, local);
                c->barrier = c->n;
                return true;
        }
        if (!tee && op == IOP_LOCAL_GET && at + 2 == c->n && c->prev_op + 3 == at &&
            c->code[c->prev_op] == IOP_SET_K && c->label != at) {
                /* "i32.const k; local.set d; local.get x; local.set e" */
                c->code[c->prev_op] = IOP_SETK_COPY;
                c->code[at] = c->code[at + 1];
                c->n = at + 1;
                wasm_emit(c, local);
                c->last_op = c->prev_op;
                c->barrier = c->n;
                return true;
        }
        if (!tee && (op == IOP_LOCAL_GET || op == IOP_CONST32 || op == 0x28) && at + 2 == c->n) {
                c->code[at] = op == IOP_LOCAL_GET ? IOP_COPY
                              : op == 0x28        ? IOP_LOAD32_S
                                                  : IOP_SET_K;
                wasm_emit(c, local);
                c->barrier = c->n;
                return true;
        }
        if (op == IOP_LOAD32_L && at + 3 == c->n) {
                c->code[at] = tee ? IOP_LOAD32_LT : IOP_LOAD32_LS;
                wasm_emit(c, local);
                c->barrier = c->n;
                return true;
        }
        if (!tee && op == IOP_FUSE_L && at + 2 == c->n && c->prev_op + 1 == at &&
            c->code[c->prev_op] == 0x6C && c->label != at) {
                /* "i32.mul; local.get y; i32.add; local.set d" */
                c->code[c->prev_op] = IOP_MUL_LS_ADD;
                c->code[at] = c->code[at + 1];
                c->n = at + 1;
                wasm_emit(c, local);
                c->last_op = c->prev_op;
                c->barrier = c->n;
                return true;
        }
        if (!tee && op == IOP_FUSE_LK && at + 3 == c->n && c->prev_op + 4 == at &&
            c->code[c->prev_op] == IOP_FUSE_LKS && c->label != at) {
                /* two "local.get x; i32.const k; i32.add; local.set d" in a row */
                c->code[c->prev_op] = IOP_LKS_ADD2;
                c->code[at] = c->code[at + 1];
                c->code[at + 1] = c->code[at + 2];
                c->n = at + 2;
                wasm_emit(c, local);
                c->last_op = c->prev_op;
                c->barrier = c->n;
                return true;
        }
        for (int i = 0; i < 4; i++) {
                if (op >= forms[i][0] && op < forms[i][0] + WASM_NARITH &&
                    at + forms[i][3] == c->n) {
                        c->code[at] = forms[i][tee ? 2 : 1] + (op - forms[i][0]);
                        wasm_emit(c, local);
                        c->barrier = c->n;
                        return true;
                }
        }
        return false;
}
