/*
 * Translator state shared by the validator/translator (compile.c) and the code emitter (emit.c).
 * Private to the engine.
 */
#ifndef RVM_WASM_COMPILE_H
#define RVM_WASM_COMPILE_H

#include "wasm/internal.h"

#define ANY        0
#define MAX_LOCALS 50000u

enum ctl_kind { K_BLOCK, K_LOOP, K_IF, K_ELSE, K_FUNC };

struct ctl {
        uint8_t kind;
        uint8_t rtype;    /* 0 or the result type */
        bool unreachable; /* the rest of this frame is stack-polymorphic */
        bool dead;        /* entered in unreachable code: nothing of it is emitted */
        uint32_t height;  /* operand height at entry */
        uint32_t patches; /* chain of forward-branch sites to patch at end (index + 1) */
        uint32_t loop_pc;
        uint32_t else_site; /* IF_NOT target word (index + 1) */
};

struct cc {
        struct wasm_reader r;
        const struct wasm_module *m;
        uint32_t *code;
        uint32_t n, cap;
        bool live, oom;
        uint8_t *ts; /* operand types */
        uint32_t th, tmax;
        struct ctl *cs;
        uint32_t cn;
        uint8_t *ltypes;
        uint32_t nlocals; /* params + locals */
        uint32_t fuel_site, fuel_n;
        uint32_t last_op;  /* start of the last emitted instruction */
        uint32_t prev_op;  /* start of the one before */
        uint32_t prev2_op; /* and of the one before that */
        uint32_t barrier;  /* a branch lands here: no fusion across it */
        uint32_t label;    /* the latest position a branch really lands on (barrier may be later) */
};

static inline uint32_t label_arity(const struct ctl *t)
{
        return (t->kind == K_LOOP || t->rtype == 0) ? 0 : 1;
}

/* wasm/typestack.c */
void cc_relive(struct cc *c);
void cc_push(struct cc *c, uint8_t t);
enum wasm_err cc_pop(struct cc *c, uint8_t want, uint8_t *got);
enum wasm_err cc_pop1(struct cc *c, uint8_t want);
void cc_set_unreachable(struct cc *c);
enum wasm_err cc_push_ctl(struct cc *c, uint8_t kind, uint8_t rtype);
uint8_t cc_label_type(const struct ctl *t);
enum wasm_err cc_rd_blocktype(struct cc *c, uint8_t *rtype);
enum wasm_err cc_rd_label(struct cc *c, struct ctl **t);
void cc_numeric_sig(uint8_t op, uint8_t *a, uint8_t *b, uint8_t *res);

/* wasm/emit.c */
void wasm_emit(struct cc *c, uint32_t w);
void wasm_emit_op(struct cc *c, uint32_t op);
void wasm_emit_segment(struct cc *c);
void wasm_emit_patch(struct cc *c, uint32_t head, uint32_t target);
void wasm_emit_target(struct cc *c, struct ctl *t);
bool wasm_emit_take_eqz(struct cc *c);
void wasm_emit_br(struct cc *c, struct ctl *t, uint32_t h, bool cond);
void wasm_emit_numeric(struct cc *c, uint8_t op);
void wasm_emit_load(struct cc *c, uint8_t op, uint32_t offset);
bool wasm_emit_fuse_dest(struct cc *c, uint32_t local, bool tee);

#endif
