/*
 * tests/fake/fake_hal.h: controls for the host fake of the UART and arch layer.
 */
#ifndef RVM_TESTS_FAKE_HAL_H
#define RVM_TESTS_FAKE_HAL_H

#include <stdbool.h>
#include <stddef.h>

const char *fake_uart_output(void);
void fake_uart_clear(void);
/* Whether what is written is kept for fake_uart_output (by default it is; the monitor's
 * fuzzer reads none of it, and keeping it was a tenth of its time). */
void fake_uart_capture(bool on);
void fake_uart_set_input(const void *bytes, size_t len);

#endif
