/*
 * The few string functions RVM's freestanding kernel provides (kernel/libc/string.c).
 * Third-party code compiled into the kernel (libfdt, mbedTLS) and RVM's own modules
 * include <string.h> and get these; on the host the same names come from libc.
 */
#ifndef RVM_LIBC_STRING_H
#define RVM_LIBC_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

#endif
