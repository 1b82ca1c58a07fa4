/*
 * kernel/console.c: formatted output to the PL011. "\n" becomes "\r\n" for terminals.
 */
#include "kernel/console.h"

#include <stdarg.h>
#include <stdbool.h>

#include "hal/uart.h"
#include "kernel/fmt.h"
#include "kernel/spinlock.h"

#define CON_LINE 512

static struct spinlock con_lock = SPINLOCK_INIT;
static bool con_no_lock;

static void raw_write(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '\n') {
                        hal_uart_putc('\r');
                }
                hal_uart_putc(s[i]);
        }
}

void con_write(const char *s, size_t n)
{
        if (con_no_lock) {
                raw_write(s, n);
                return;
        }
        spin_lock(&con_lock);
        raw_write(s, n);
        spin_unlock(&con_lock);
}

void con_puts(const char *s)
{
        size_t n = 0;

        while (s[n] != '\0') {
                n++;
        }
        con_write(s, n);
}

void con_printf(const char *fmt, ...)
{
        char line[CON_LINE];
        va_list ap;

        va_start(ap, fmt);
        size_t n = fmt_vformat(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (n >= sizeof(line)) {
                /* Say that it was cut rather than silently dropping the tail. */
                static const char cut[] = "...[truncated]\n";
                n = sizeof(line) - sizeof(cut);
                for (size_t i = 0; i < sizeof(cut); i++) {
                        line[n + i] = cut[i];
                }
                n += sizeof(cut) - 1;
        }
        con_write(line, n);
}

void con_panic_mode(void)
{
        con_no_lock = true;
}
