/*
 * The validator's two stacks (see compile.h): the operand types, with the polymorphic ANY an
 * unreachable frame pops, and the control frames of blocks, loops and ifs; plus reading a block
 * type or a label depth, and the operand and result types of each numeric opcode.
 */
#include "wasm/compile.h"

void cc_relive(struct cc *c)
{
        struct ctl *f = &c->cs[c->cn - 1];
        c->live = !f->unreachable && !f->dead;
}

void cc_push(struct cc *c, uint8_t t)
{
        c->ts[c->th++] = t;
        if (c->th > c->tmax) {
                c->tmax = c->th;
        }
}

enum wasm_err cc_pop(struct cc *c, uint8_t want, uint8_t *got)
{
        struct ctl *f = &c->cs[c->cn - 1];
        if (c->th == f->height) {
                if (f->unreachable) {
                        *got = want;
                        return WASM_OK;
                }
                return WASM_E_INVALID;
        }
        uint8_t t = c->ts[--c->th];
        if (want != ANY && t != ANY && t != want) {
                return WASM_E_INVALID;
        }
        *got = t == ANY ? want : t;
        return WASM_OK;
}

enum wasm_err cc_pop1(struct cc *c, uint8_t want)
{
        uint8_t t;
        return cc_pop(c, want, &t);
}

void cc_set_unreachable(struct cc *c)
{
        struct ctl *f = &c->cs[c->cn - 1];
        c->th = f->height;
        f->unreachable = true;
        c->live = false;
}

enum wasm_err cc_push_ctl(struct cc *c, uint8_t kind, uint8_t rtype)
{
        struct ctl *f = &c->cs[c->cn];
        f->kind = kind;
        f->rtype = rtype;
        f->unreachable = false;
        f->dead = !c->live;
        f->height = c->th;
        f->patches = 0;
        f->loop_pc = c->n;
        f->else_site = 0;
        c->cn++;
        return WASM_OK;
}

uint8_t cc_label_type(const struct ctl *t)
{
        return t->kind == K_LOOP ? 0 : t->rtype;
}

enum wasm_err cc_rd_blocktype(struct cc *c, uint8_t *rtype)
{
        uint8_t b;
        TRY(wasm_rd_u8(&c->r, &b));
        if (b == 0x40) {
                *rtype = 0;
                return WASM_OK;
        }
        if (b >= WASM_F64 && b <= WASM_I32) {
                *rtype = b;
                return WASM_OK;
        }
        return WASM_E_MALFORMED;
}

enum wasm_err cc_rd_label(struct cc *c, struct ctl **t)
{
        uint32_t depth;
        TRY(wasm_rd_u32(&c->r, &depth));
        if (depth >= c->cn) {
                return WASM_E_INVALID;
        }
        *t = &c->cs[c->cn - 1 - depth];
        return WASM_OK;
}

/* Operand and result types of a numeric opcode 0x45..0xBF: "ab>r" packed as three bytes. */
void cc_numeric_sig(uint8_t op, uint8_t *a, uint8_t *b, uint8_t *res)
{
        const uint8_t I = WASM_I32, L = WASM_I64, F = WASM_F32, D = WASM_F64;
        *b = 0;
        if (op == 0x45) {
                *a = I, *res = I;
        } else if (op <= 0x4F) {
                *a = *b = I, *res = I;
        } else if (op == 0x50) {
                *a = L, *res = I;
        } else if (op <= 0x5A) {
                *a = *b = L, *res = I;
        } else if (op <= 0x60) {
                *a = *b = F, *res = I;
        } else if (op <= 0x66) {
                *a = *b = D, *res = I;
        } else if (op <= 0x69) {
                *a = I, *res = I;
        } else if (op <= 0x78) {
                *a = *b = I, *res = I;
        } else if (op <= 0x7B) {
                *a = L, *res = L;
        } else if (op <= 0x8A) {
                *a = *b = L, *res = L;
        } else if (op <= 0x91) {
                *a = F, *res = F;
        } else if (op <= 0x98) {
                *a = *b = F, *res = F;
        } else if (op <= 0x9F) {
                *a = D, *res = D;
        } else if (op <= 0xA6) {
                *a = *b = D, *res = D;
        } else {
                /* conversions 0xA7..0xBF: source and result */
                static const char src[] = "LFFDDIIFFDDIILLDIILLFFDIL";
                static const char dst[] = "IIIIILLLLLLFFFFFDDDDDILFD";
                char s = src[op - 0xA7], d = dst[op - 0xA7];
                *a = s == 'I' ? I : s == 'L' ? L : s == 'F' ? F : D;
                *res = d == 'I' ? I : d == 'L' ? L : d == 'F' ? F : D;
        }
}
