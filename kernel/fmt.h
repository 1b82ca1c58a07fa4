/*
 * kernel/fmt.h: printf-style formatting into a bounded buffer, freestanding. Supports
 * %s %c %d %i %u %x %X %p %% with flags '-' '0', a width, and the length modifiers
 * l, ll, z. Anything else is printed literally, never read as an argument.
 */
#ifndef RVM_KERNEL_FMT_H
#define RVM_KERNEL_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Like vsnprintf: always NUL-terminates when cap > 0; returns the untruncated length. */
size_t fmt_vformat(char *buf, size_t cap, const char *fmt, va_list ap);
size_t fmt_format(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
