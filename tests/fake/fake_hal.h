/*
 * tests/fake/fake_hal.h: controls for the host fake of the UART and arch layer.
 */
#ifndef RVM_TESTS_FAKE_HAL_H
#define RVM_TESTS_FAKE_HAL_H

#include <stddef.h>

const char *fake_uart_output(void);
void fake_uart_clear(void);
void fake_uart_set_input(const void *bytes, size_t len);

#endif
