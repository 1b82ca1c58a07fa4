/*
 * tests/fake/fake_hal.c: the host's stand-in for the UART and the few arch calls the
 * kernel's console and monitor make. Output is captured for assertions; input is a
 * byte queue the test fills.
 */
#include "tests/fake/fake_hal.h"

#include <string.h>

#include "arch/aarch64/arch.h"
#include "hal/timer.h"
#include "hal/uart.h"

static char out_buf[1 << 16];
static size_t out_len;
static bool out_dropped; /* fake_uart_capture(false) */
static const uint8_t *in_bytes;
static size_t in_len;
static size_t in_pos;

void hal_uart_init(uint64_t base)
{
        (void)base;
}

void hal_uart_putc(char c)
{
        if (!out_dropped && out_len + 1 < sizeof(out_buf)) {
                out_buf[out_len++] = c;
                out_buf[out_len] = '\0';
        }
}

bool hal_uart_tx_ready(void)
{
        return true;
}

void hal_uart_tx_irq(bool on)
{
        (void)on;
}

bool hal_uart_pending(void)
{
        return in_pos < in_len;
}

int hal_uart_getc(void)
{
        return in_pos < in_len ? in_bytes[in_pos++] : -1;
}

void arch_idle(void) {}

/* The console's lock masks interrupts (kernel/console.c); a host test has none to mask. */
uint64_t arch_irq_save(void)
{
        return 0;
}

void arch_irq_restore(uint64_t saved)
{
        (void)saved;
}

const char *fake_uart_output(void)
{
        return out_buf;
}

void fake_uart_clear(void)
{
        out_len = 0;
        out_buf[0] = '\0';
}

void fake_uart_capture(bool on)
{
        out_dropped = !on;
}

void fake_uart_set_input(const void *bytes, size_t len)
{
        in_bytes = bytes;
        in_len = len;
        in_pos = 0;
}

/* Time stands still on the host fake (the monitor's `sleep` reads it). */
uint64_t hal_time_ns(void)
{
        return 0;
}
