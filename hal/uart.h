/*
 * hal/uart.h: the PL011 console. Output is written while the transmit FIFO has room (the
 * kernel's console buffers feed it, from the transmit interrupt among others; a panic
 * polls); input is interrupt-driven into a ring the monitor reads.
 */
#ifndef RVM_HAL_UART_H
#define RVM_HAL_UART_H

#include <stdbool.h>
#include <stdint.h>

void hal_uart_init(uint64_t base);
/* Write one byte, waiting while the transmit FIFO is full. */
void hal_uart_putc(char c);
/* Can a byte be written without waiting? */
bool hal_uart_tx_ready(void);
/* Interrupt when the transmit FIFO has room (on), or not (CPU 0 only). */
void hal_uart_tx_irq(bool on);
/* Unmask the receive interrupts; the caller routes the UART's SPI to this CPU. */
void hal_uart_rx_irq_enable(void);
/* The UART interrupt handler: drains the receive FIFO into the input ring (the caller then
 * feeds the transmit FIFO). */
void hal_uart_irq(void);
/* Is a received byte waiting? */
bool hal_uart_pending(void);
/* Next received byte, or -1 if none is waiting. */
int hal_uart_getc(void);

#endif
