/*
 * Freestanding stand-in for <stdlib.h>: the kernel has no heap. Third-party code
 * that names calloc/free is configured (mbedTLS: MBEDTLS_PLATFORM_MEMORY with
 * static buffers) so that these are never linked; declaring them lets it compile.
 */
#ifndef RVM_LIBC_STDLIB_H
#define RVM_LIBC_STDLIB_H

#include <stddef.h>

void *calloc(size_t n, size_t size);
void free(void *p);
unsigned long strtoul(const char *s, char **end, int base);

#endif
