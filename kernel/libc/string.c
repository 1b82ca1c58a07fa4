/*
 * kernel/libc/string.c: the freestanding memory and string routines the kernel and the
 * third-party code compiled into it need. memcpy and memset move 8 bytes at a time when
 * both pointers allow it (the kernel is built with -mstrict-align, so the compiler never
 * does this for us), and fall back to bytes otherwise.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
        unsigned char *d = dst;
        const unsigned char *s = src;

        if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
                for (; n >= 8; n -= 8, d += 8, s += 8) {
                        *(uint64_t *)(void *)d = *(const uint64_t *)(const void *)s;
                }
        }
        while (n--) {
                *d++ = *s++;
        }
        return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
        unsigned char *d = dst;
        const unsigned char *s = src;

        if (d < s) {
                while (n--) {
                        *d++ = *s++;
                }
        } else {
                while (n--) {
                        d[n] = s[n];
                }
        }
        return dst;
}

void *memset(void *dst, int c, size_t n)
{
        unsigned char *d = dst;
        uint64_t pattern = 0x0101010101010101ULL * (unsigned char)c;

        while (n > 0 && ((uintptr_t)d & 7) != 0) {
                *d++ = (unsigned char)c;
                n--;
        }
        for (; n >= 8; n -= 8, d += 8) {
                *(uint64_t *)(void *)d = pattern;
        }
        while (n--) {
                *d++ = (unsigned char)c;
        }
        return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
        const unsigned char *x = a;
        const unsigned char *y = b;

        for (size_t i = 0; i < n; i++) {
                if (x[i] != y[i]) {
                        return x[i] - y[i];
                }
        }
        return 0;
}

void *memchr(const void *s, int c, size_t n)
{
        const unsigned char *p = s;

        for (size_t i = 0; i < n; i++) {
                if (p[i] == (unsigned char)c) {
                        return (void *)(p + i);
                }
        }
        return NULL;
}

size_t strlen(const char *s)
{
        size_t n = 0;

        while (s[n] != '\0') {
                n++;
        }
        return n;
}

size_t strnlen(const char *s, size_t max)
{
        size_t n = 0;

        while (n < max && s[n] != '\0') {
                n++;
        }
        return n;
}

int strcmp(const char *a, const char *b)
{
        while (*a != '\0' && *a == *b) {
                a++;
                b++;
        }
        return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (a[i] != b[i] || a[i] == '\0') {
                        return (unsigned char)a[i] - (unsigned char)b[i];
                }
        }
        return 0;
}

char *strchr(const char *s, int c)
{
        for (;; s++) {
                if (*s == (char)c) {
                        return (char *)s;
                }
                if (*s == '\0') {
                        return NULL;
                }
        }
}

char *strrchr(const char *s, int c)
{
        const char *last = NULL;

        for (;; s++) {
                if (*s == (char)c) {
                        last = s;
                }
                if (*s == '\0') {
                        return (char *)last;
                }
        }
}
