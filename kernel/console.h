/*
 * kernel/console.h: text output on the first UART. Lines from different CPUs do not
 * interleave (one lock per call); the panic path bypasses the lock.
 */
#ifndef RVM_KERNEL_CONSOLE_H
#define RVM_KERNEL_CONSOLE_H

#include <stddef.h>

void con_write(const char *s, size_t n);
void con_puts(const char *s);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* After a panic: never wait for a lock another CPU may hold forever. */
void con_panic_mode(void);

#endif
