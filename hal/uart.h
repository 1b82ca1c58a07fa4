/*
 * hal/uart.h: the PL011 console. Output is polled (console lines are short and must
 * work from a panic); input is interrupt-driven into a ring the monitor reads.
 */
#ifndef RVM_HAL_UART_H
#define RVM_HAL_UART_H

#include <stdbool.h>
#include <stdint.h>

void hal_uart_init(uint64_t base);
void hal_uart_putc(char c);
/* Unmask the receive interrupts; the caller routes the UART's SPI to this CPU. */
void hal_uart_rx_irq_enable(void);
/* The UART interrupt handler: drains the receive FIFO into the input ring. */
void hal_uart_irq(void);
/* Is a received byte waiting? */
bool hal_uart_pending(void);
/* Next received byte, or -1 if none is waiting. */
int hal_uart_getc(void);

#endif
