/*
 * hal/uart.c: ARM PL011 (ARM DDI 0183). Transmit by polling FR.TXFF; receive by the RX
 * and receive-timeout interrupts into a single-producer (IRQ) single-consumer (monitor)
 * ring. When the ring is full the receive interrupts are masked and the bytes wait in
 * the FIFO (the sender is flow-controlled), so no input is lost; the reader unmasks them
 * once it has made room. Baud rate and line settings are left as firmware set them.
 */
#include "hal/uart.h"

#include <stdint.h>

#include "hal/mmio.h"

#define UART_DR   0x000
#define UART_FR   0x018
#define UART_IMSC 0x038
#define UART_ICR  0x044

#define BIT32(n) (1U << (n))
#define FR_RXFE  BIT32(4) /* receive FIFO empty */
#define FR_TXFF  BIT32(5) /* transmit FIFO full */
#define INT_RX   BIT32(4)
#define INT_RT   BIT32(6)
#define INT_TX   BIT32(5) /* transmit FIFO at or below its trigger level */

#define RX_RING 1024 /* power of two */

static uint64_t uart_base;
static uint8_t rx_ring[RX_RING];
static volatile uint32_t rx_head;   /* written by the IRQ handler */
static volatile uint32_t rx_tail;   /* written by the reader */
static volatile uint32_t rx_masked; /* the handler masked RX because the ring was full */

/* The interrupt mask; written on CPU 0 only (the UART's interrupt and the console drain). */
static uint32_t imsc;

static void set_imsc(uint32_t v)
{
        imsc = v;
        mmio_write32(uart_base + UART_IMSC, v);
}

void hal_uart_init(uint64_t base)
{
        uart_base = base;
}

void hal_uart_putc(char c)
{
        if (uart_base == 0) {
                return;
        }
        while (mmio_read32(uart_base + UART_FR) & FR_TXFF) {
        }
        mmio_write32(uart_base + UART_DR, (uint8_t)c);
}

void hal_uart_rx_irq_enable(void)
{
        set_imsc(imsc | INT_RX | INT_RT);
        /* Bytes that arrived before now raised no interrupt we saw: take them here. */
        hal_uart_irq();
}

void hal_uart_irq(void)
{
        /*
         * Clear first, then drain: a byte that lands after the last read raises a fresh
         * interrupt; clearing after the drain could swallow that one and strand the byte.
         */
        mmio_write32(uart_base + UART_ICR, INT_RX | INT_RT);
        while (!(mmio_read32(uart_base + UART_FR) & FR_RXFE)) {
                uint32_t head = rx_head;
                if (head - __atomic_load_n(&rx_tail, __ATOMIC_ACQUIRE) >= RX_RING) {
                        set_imsc(imsc & ~(INT_RX | INT_RT));
                        __atomic_store_n(&rx_masked, 1, __ATOMIC_RELEASE);
                        return;
                }
                uint8_t byte = (uint8_t)mmio_read32(uart_base + UART_DR);
                rx_ring[head % RX_RING] = byte;
                __atomic_store_n(&rx_head, head + 1, __ATOMIC_RELEASE);
        }
}

bool hal_uart_tx_ready(void)
{
        return uart_base == 0 || (mmio_read32(uart_base + UART_FR) & FR_TXFF) == 0;
}

void hal_uart_tx_irq(bool on)
{
        if (uart_base != 0 && on != ((imsc & INT_TX) != 0)) {
                set_imsc(on ? imsc | INT_TX : imsc & ~INT_TX);
        }
}

bool hal_uart_pending(void)
{
        return __atomic_load_n(&rx_head, __ATOMIC_ACQUIRE) != rx_tail;
}

int hal_uart_getc(void)
{
        uint32_t tail = rx_tail;

        if (__atomic_load_n(&rx_head, __ATOMIC_ACQUIRE) == tail) {
                return -1;
        }
        int c = rx_ring[tail % RX_RING];
        __atomic_store_n(&rx_tail, tail + 1, __ATOMIC_RELEASE);
        if (__atomic_load_n(&rx_masked, __ATOMIC_ACQUIRE) &&
            __atomic_load_n(&rx_head, __ATOMIC_ACQUIRE) - (tail + 1) <= RX_RING / 2) {
                /*
                 * Half the ring free again: unmask, and take what waits in the FIFO now. The
                 * handler cleared the receive interrupt before it found the ring full, and the
                 * PL011 raises it again only when its FIFO next reaches the trigger level
                 * (ARM DDI 0183 "UARTRXINTR"): a full FIFO receives nothing more, so unmasking
                 * alone left the console deaf for good once input had filled the ring (a
                 * pasted script of more than 1 KiB). The reader is CPU 0's monitor, IRQs
                 * masked: the handler cannot run meanwhile.
                 */
                __atomic_store_n(&rx_masked, 0, __ATOMIC_RELEASE);
                set_imsc(imsc | INT_RX | INT_RT);
                hal_uart_irq();
        }
        return c;
}
