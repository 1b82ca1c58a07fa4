/*
 * Exact WebAssembly numerics that C operators do not give directly: float min/max/nearest/sqrt,
 * sign manipulation on raw bits (so NaN payloads survive), trapping float-to-int conversions.
 * f32 work stays in float: nothing is widened through double, so single rounding is preserved.
 * Rounding builtins compile to single AArch64 instructions (frintp/frintm/frintz/frintn).
 */
#ifndef RVM_WASM_NUMERIC_H
#define RVM_WASM_NUMERIC_H

#include <stdint.h>
#include <string.h>

static inline float wf32(uint64_t s)
{
        uint32_t u = (uint32_t)s;
        float f;
        memcpy(&f, &u, 4);
        return f;
}

static inline uint64_t wb32(float f)
{
        uint32_t u;
        memcpy(&u, &f, 4);
        return u;
}

static inline double wf64(uint64_t s)
{
        double d;
        memcpy(&d, &s, 8);
        return d;
}

static inline uint64_t wb64(double d)
{
        uint64_t u;
        memcpy(&u, &d, 8);
        return u;
}

static inline float wasm_fminf(float a, float b)
{
        if (a != a || b != b) {
                return a + b; /* a quiet NaN */
        }
        if (a == b) {
                return (wb32(a) & 0x80000000u) ? a : b; /* -0 < +0 */
        }
        return a < b ? a : b;
}

static inline float wasm_fmaxf(float a, float b)
{
        if (a != a || b != b) {
                return a + b;
        }
        if (a == b) {
                return (wb32(a) & 0x80000000u) ? b : a;
        }
        return a > b ? a : b;
}

static inline double wasm_fmin(double a, double b)
{
        if (a != a || b != b) {
                return a + b;
        }
        if (a == b) {
                return (wb64(a) >> 63) ? a : b;
        }
        return a < b ? a : b;
}

static inline double wasm_fmax(double a, double b)
{
        if (a != a || b != b) {
                return a + b;
        }
        if (a == b) {
                return (wb64(a) >> 63) ? b : a;
        }
        return a > b ? a : b;
}

static inline float wasm_sqrtf(float a)
{
        return __builtin_sqrtf(a); /* one fsqrt on AArch64 (with -fno-math-errno) */
}

static inline double wasm_sqrt(double a)
{
        return __builtin_sqrt(a); /* one fsqrt on AArch64 (with -fno-math-errno) */
}

/* Round to nearest, ties to even, independent of the current rounding mode. */
static inline float wasm_nearestf(float a)
{
#if defined(__aarch64__)
        /* frinti: ties-to-even under FPCR.RMode 0, which RVM never changes */
        return __builtin_nearbyintf(a);
#else
        /* libm may hand a signalling NaN back unquieted */
        return a != a ? a + a : __builtin_nearbyintf(a);
#endif
}

static inline double wasm_nearest(double a)
{
#if defined(__aarch64__)
        /* frinti: ties-to-even under FPCR.RMode 0, which RVM never changes */
        return __builtin_nearbyint(a);
#else
        /* libm may hand a signalling NaN back unquieted */
        return a != a ? a + a : __builtin_nearbyint(a);
#endif
}

static inline float wasm_ceilf(float a)
{
#if defined(__aarch64__)
        /* one frintp instruction; it quiets a signalling NaN itself */
        return __builtin_ceilf(a);
#else
        /* libm may hand a signalling NaN back unquieted */
        return a != a ? a + a : __builtin_ceilf(a);
#endif
}

static inline double wasm_ceil(double a)
{
#if defined(__aarch64__)
        /* one frintp instruction; it quiets a signalling NaN itself */
        return __builtin_ceil(a);
#else
        /* libm may hand a signalling NaN back unquieted */
        return a != a ? a + a : __builtin_ceil(a);
#endif
}

static inline float wasm_floorf(float a)
{
#if defined(__aarch64__)
        /* one frintm instruction; it quiets a signalling NaN itself */
        return __builtin_floorf(a);
#else
        /* libm may hand a signalling NaN back unquieted */
        return a != a ? a + a : __builtin_floorf(a);
#endif
}

static inline double wasm_floor(double a)
{
#if defined(__aarch64__)
        /* one frintm instruction; it quiets a signalling NaN itself */
        return __builtin_floor(a);
#else
        /* libm may hand a signalling NaN back unquieted */
        return a != a ? a + a : __builtin_floor(a);
#endif
}

static inline float wasm_truncf(float a)
{
#if defined(__aarch64__)
        /* one frintz instruction; it quiets a signalling NaN itself */
        return __builtin_truncf(a);
#else
        /* libm may hand a signalling NaN back unquieted */
        return a != a ? a + a : __builtin_truncf(a);
#endif
}

static inline double wasm_trunc(double a)
{
#if defined(__aarch64__)
        /* one frintz instruction; it quiets a signalling NaN itself */
        return __builtin_trunc(a);
#else
        /* libm may hand a signalling NaN back unquieted */
        return a != a ? a + a : __builtin_trunc(a);
#endif
}

static inline uint32_t wasm_rotl32(uint32_t x, uint32_t n)
{
        n &= 31;
        return (x << n) | (x >> ((32 - n) & 31));
}

static inline uint32_t wasm_rotr32(uint32_t x, uint32_t n)
{
        n &= 31;
        return (x >> n) | (x << ((32 - n) & 31));
}

static inline uint64_t wasm_rotl64(uint64_t x, uint64_t n)
{
        n &= 63;
        return (x << n) | (x >> ((64 - n) & 63));
}

static inline uint64_t wasm_rotr64(uint64_t x, uint64_t n)
{
        n &= 63;
        return (x >> n) | (x << ((64 - n) & 63));
}

static inline uint32_t wasm_popcnt64(uint64_t x)
{
        return (uint32_t)__builtin_popcountll(x);
}

#endif
