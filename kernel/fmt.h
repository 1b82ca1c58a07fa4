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

/*
 * The name at index i of list: the names one after the other, each ending in '\0', the
 * last one the answer for any index past the others, then an empty one ("a\0b\0?\0"). A
 * table of names without a table of pointers beside it (8 bytes a name of .rodata). The
 * kernel has one copy (kernel/fmt.c); a host build, which may not link that, its own.
 */
static inline const char *fmt_name_in(const char *list, unsigned i)
{
        for (const char *next = list; i != 0; list = next, i--) {
                while (*next++ != '\0') {
                }
                if (*next == '\0') {
                        break;
                }
        }
        return list;
}
#ifdef RVM_KERNEL
const char *fmt_name(const char *list, unsigned i);
#else
#define fmt_name fmt_name_in
#endif

#endif
