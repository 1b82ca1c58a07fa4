/*
 * Primitive decoding of untrusted bytes (strict LEB128 as the binary format requires, UTF-8
 * validation of names) and the arena allocator every other part of the engine draws from.
 */
#include <string.h>

#include "wasm/internal.h"

void wasm_arena_init(struct wasm_arena *a, void *mem, size_t size)
{
        a->base = mem;
        a->size = size;
        a->used = 0;
        a->top = size;
}

void *wasm_arena_alloc(struct wasm_arena *a, size_t size, size_t align)
{
        uintptr_t start = (uintptr_t)a->base + a->used;
        uintptr_t aligned = (start + (align - 1)) & ~(uintptr_t)(align - 1);
        size_t off = a->used + (size_t)(aligned - start);
        if (off > a->top || size > a->top - off) {
                return NULL;
        }
        a->used = off + size;
        return a->base + off;
}

/* Temporaries come from the top; the caller restores a->top when done with them. */
void *wasm_arena_temp(struct wasm_arena *a, size_t size, size_t align)
{
        if (size > a->top - a->used) {
                return NULL;
        }
        uintptr_t end = (uintptr_t)a->base + a->top - size;
        uintptr_t aligned = end & ~(uintptr_t)(align - 1);
        if (aligned < (uintptr_t)a->base + a->used) {
                return NULL;
        }
        a->top = (size_t)(aligned - (uintptr_t)a->base);
        return (void *)aligned;
}

enum wasm_err wasm_rd_u8(struct wasm_reader *r, uint8_t *out)
{
        if (r->p >= r->end) {
                return WASM_E_MALFORMED;
        }
        *out = *r->p++;
        return WASM_OK;
}

enum wasm_err wasm_rd_u32(struct wasm_reader *r, uint32_t *out)
{
        uint32_t v = 0;
        for (unsigned i = 0; i < 5; i++) {
                if (r->p >= r->end) {
                        return WASM_E_MALFORMED;
                }
                uint8_t b = *r->p++;
                if (i == 4 && (b & 0xF0) != 0) {
                        return WASM_E_MALFORMED; /* too long or too large */
                }
                v |= (uint32_t)(b & 0x7F) << (7 * i);
                if (!(b & 0x80)) {
                        *out = v;
                        return WASM_OK;
                }
        }
        return WASM_E_MALFORMED;
}

enum wasm_err wasm_rd_s32(struct wasm_reader *r, int32_t *out)
{
        uint32_t v = 0;
        for (unsigned i = 0; i < 5; i++) {
                if (r->p >= r->end) {
                        return WASM_E_MALFORMED;
                }
                uint8_t b = *r->p++;
                if (i == 4) {
                        if (b & 0x80) {
                                return WASM_E_MALFORMED;
                        }
                        /* the unused bits must sign-extend bit 31 */
                        uint8_t rest = b & 0x70;
                        if (rest != ((b & 0x08) ? 0x70 : 0x00)) {
                                return WASM_E_MALFORMED;
                        }
                        v |= (uint32_t)(b & 0x0F) << 28;
                        *out = (int32_t)v;
                        return WASM_OK;
                }
                v |= (uint32_t)(b & 0x7F) << (7 * i);
                if (!(b & 0x80)) {
                        unsigned shift = 7 * (i + 1);
                        if (b & 0x40) {
                                v |= ~(uint32_t)0 << shift;
                        }
                        *out = (int32_t)v;
                        return WASM_OK;
                }
        }
        return WASM_E_MALFORMED;
}

enum wasm_err wasm_rd_s64(struct wasm_reader *r, int64_t *out)
{
        uint64_t v = 0;
        for (unsigned i = 0; i < 10; i++) {
                if (r->p >= r->end) {
                        return WASM_E_MALFORMED;
                }
                uint8_t b = *r->p++;
                if (i == 9) {
                        if (b & 0x80) {
                                return WASM_E_MALFORMED;
                        }
                        uint8_t rest = b & 0x7E;
                        if (rest != ((b & 0x01) ? 0x7E : 0x00)) {
                                return WASM_E_MALFORMED;
                        }
                        v |= (uint64_t)(b & 0x01) << 63;
                        *out = (int64_t)v;
                        return WASM_OK;
                }
                v |= (uint64_t)(b & 0x7F) << (7 * i);
                if (!(b & 0x80)) {
                        unsigned shift = 7 * (i + 1);
                        if ((b & 0x40) && shift < 64) {
                                v |= ~(uint64_t)0 << shift;
                        }
                        *out = (int64_t)v;
                        return WASM_OK;
                }
        }
        return WASM_E_MALFORMED;
}

bool wasm_utf8_valid(const uint8_t *s, size_t len)
{
        size_t i = 0;
        while (i < len) {
                uint8_t c = s[i];
                if (c < 0x80) {
                        i++;
                        continue;
                }
                size_t n;
                uint32_t cp;
                if (c >= 0xC2 && c <= 0xDF) {
                        n = 1;
                        cp = c & 0x1F;
                } else if (c >= 0xE0 && c <= 0xEF) {
                        n = 2;
                        cp = c & 0x0F;
                } else if (c >= 0xF0 && c <= 0xF4) {
                        n = 3;
                        cp = c & 0x07;
                } else {
                        return false;
                }
                if (len - i <= n) {
                        return false;
                }
                for (size_t k = 1; k <= n; k++) {
                        uint8_t d = s[i + k];
                        if ((d & 0xC0) != 0x80) {
                                return false;
                        }
                        cp = (cp << 6) | (d & 0x3F);
                }
                /* reject overlong forms, surrogates and code points beyond U+10FFFF */
                if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
                    (cp >= 0xD800 && cp <= 0xDFFF)) {
                        return false;
                }
                i += n + 1;
        }
        return true;
}

bool wasm_functype_eq(const struct wasm_functype *a, const struct wasm_functype *b)
{
        if (a == b) {
                return true;
        }
        return a->nparams == b->nparams && a->nresults == b->nresults &&
               memcmp(a->types, b->types, a->nparams + a->nresults) == 0;
}
