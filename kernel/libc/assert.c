/*
 * kernel/libc/assert.c: where a third-party assert() lands in the kernel. Such an
 * assert guards the library's own invariants, so failing one is an RVM bug: panic.
 */
#include <assert.h>

#include "kernel/panic.h"

void libc_assert_fail(const char *expr, const char *file, int line)
{
        panic("assert(%s) failed at %s:%d", expr, file, line);
}
