/*
 * Freestanding <assert.h> for third-party code. RVM's own code uses CHECK()
 * (kernel/panic.h); a third-party assert that fails is an RVM bug and panics.
 */
#ifndef RVM_LIBC_ASSERT_H
#define RVM_LIBC_ASSERT_H

void libc_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));

#ifdef NDEBUG
#define assert(e) ((void)0)
#else
#define assert(e) ((e) ? (void)0 : libc_assert_fail(#e, __FILE__, __LINE__))
#endif

#endif
