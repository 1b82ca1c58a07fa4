/*
 * tests/unit/uart_test.c: hal/uart.c's receive path against a model of the PL011 behind its
 * registers (hal/mmio.h's host seam). The model's receive interrupt is raised when its FIFO
 * fills to the trigger level and cleared by UARTICR or by reads that take the FIFO below it
 * (ARM DDI 0183, "UARTRXINTR"; QEMU's pl011 keeps the level at 1 byte and has no receive
 * timeout interrupt, which on hardware comes when bytes wait in a quiet line), and the sender is
 * flow-controlled: a byte enters only when the FIFO has room. Input typed ahead of the reader
 * (the monitor holding input during `sleep`) fills the driver's ring; every byte must still
 * reach the reader, in order, with interrupts delivered only when the model raises them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hal/uart.h"

#define BASE    0x09000000ULL
#define DR      0x000
#define FR      0x018
#define IMSC    0x038
#define ICR     0x044
#define FR_RXFE (1u << 4)
#define INT_RX  (1u << 4)
#define INT_RT  (1u << 6)
#define FIFO    32
#define INPUT   5000 /* well past the driver's 1 KiB ring and the FIFO together */

static struct {
        uint8_t fifo[FIFO];
        unsigned head, count, trigger;
        bool timeout; /* the receive-timeout interrupt (hardware has it; QEMU's pl011 not) */
        uint32_t int_level, imsc;
        const uint8_t *line; /* what the sender has yet to send */
        size_t line_left;
} m;

static uint8_t input[INPUT];

/* The sender: as many bytes as the FIFO has room for. */
static void feed(void)
{
        while (m.line_left > 0 && m.count < FIFO) {
                m.fifo[(m.head + m.count) % FIFO] = *m.line++;
                m.line_left--;
                if (++m.count == m.trigger) {
                        m.int_level |= INT_RX;
                }
        }
}

uint32_t mmio_read32(uint64_t addr)
{
        switch (addr - BASE) {
        case DR: {
                if (m.count == 0) {
                        return 0;
                }
                uint8_t b = m.fifo[m.head];
                m.head = (m.head + 1) % FIFO;
                if (--m.count == m.trigger - 1) {
                        m.int_level &= ~INT_RX;
                }
                feed();
                return b;
        }
        case FR:
                return m.count == 0 ? FR_RXFE : 0; /* transmit: never full */
        case IMSC:
                return m.imsc;
        default:
                return 0;
        }
}

void mmio_write32(uint64_t addr, uint32_t v)
{
        switch (addr - BASE) {
        case IMSC:
                m.imsc = v;
                break;
        case ICR:
                m.int_level &= ~v;
                break;
        default:
                break; /* DR: the bytes the driver transmits */
        }
}

static bool irq_line(void)
{
        return (m.int_level & m.imsc) != 0;
}

/* Interrupts while the reader holds input, then a transmit interrupt (the console's drain
 * runs the same handler) with the ring full; then the reader takes everything. */
static void typed_ahead(unsigned trigger, bool timeout)
{
        for (size_t i = 0; i < INPUT; i++) {
                input[i] = (uint8_t)(' ' + i % 95);
        }
        memset(&m, 0, sizeof(m));
        m.trigger = trigger;
        m.timeout = timeout;
        m.line = input;
        m.line_left = INPUT;
        feed();
        hal_uart_init(BASE);
        hal_uart_rx_irq_enable();
        for (unsigned n = 0; irq_line() && n < 100000; n++) {
                hal_uart_irq();
        }
        hal_uart_irq(); /* a transmit interrupt: the same handler, the ring full */

        size_t got = 0;
        unsigned idle = 0;
        while (got < INPUT && idle < 3) {
                if (irq_line()) {
                        hal_uart_irq();
                        continue;
                }
                int c = hal_uart_getc();
                if (c < 0) {
                        if (m.timeout && m.count > 0) {
                                m.int_level |= INT_RT; /* the line stayed quiet a while */
                        }
                        idle++; /* nothing to read and no interrupt coming: deaf */
                        continue;
                }
                idle = 0;
                assert_int_equal(c, input[got]);
                got++;
        }
        if (got != INPUT) {
                fail_msg(
                    "the console went deaf after %zu of %d typed-ahead bytes (%u in the "
                    "FIFO, %zu not yet sent)",
                    got, INPUT, m.count, m.line_left);
        }
        assert_false(hal_uart_pending());
}

static void typed_ahead_all_read_trigger_1(void **state)
{
        (void)state;
        typed_ahead(1, false); /* QEMU's pl011 */
}

static void typed_ahead_all_read_trigger_16(void **state)
{
        (void)state;
        typed_ahead(16, true); /* a PL011 with its FIFO level at half, and its timeout */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(typed_ahead_all_read_trigger_1),
            cmocka_unit_test(typed_ahead_all_read_trigger_16),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
