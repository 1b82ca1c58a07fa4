/*
 * tests/unit/pl011_test.c: partition/pl011.c as Linux's amba-pl011 driver drives it: the
 * identification registers of an r1p5, reset values, the receive FIFO (only while the UART
 * and its receiver are enabled, 32 deep, in order, DR pops, FR's empty/full flags), the
 * receive and timeout interrupts against the IFLS trigger level and IMSC, the transmit
 * side (DR writes hand the byte out; the FIFO always empty), registers reading back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "partition/pl011.h"

static struct pl011 u;

static void enable(void)
{
        uint8_t tx = 0;

        pl011_reset(&u);
        assert_false(pl011_write(&u, PL011_CR, PL011_CR_UARTEN | PL011_CR_RXE | PL011_CR_TXE, &tx));
}

static void ids_read_as_a_pl011_r1p5(void **state)
{
        static const uint32_t want[8] = {0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

        (void)state;
        pl011_reset(&u);
        for (unsigned i = 0; i < 8; i++) {
                assert_int_equal(pl011_read(&u, PL011_PID0 + 4 * i), want[i]);
        }
        /* Linux's amba bus: periphid 0x00341011, revision (bits 23:20) 3 -> 32-entry FIFO */
        uint32_t pid = 0;
        for (unsigned i = 0; i < 4; i++) {
                pid |= pl011_read(&u, PL011_PID0 + 4 * i) << (8 * i);
        }
        assert_int_equal(pid, 0x00341011);
        assert_int_equal((pid >> 20) & 0xf, 3);
}

static void reset_state_is_the_trms(void **state)
{
        (void)state;
        pl011_reset(&u);
        assert_int_equal(pl011_read(&u, PL011_CR), PL011_CR_TXE | PL011_CR_RXE);
        assert_int_equal(pl011_read(&u, PL011_IFLS), 0x12);
        assert_int_equal(pl011_read(&u, PL011_IMSC), 0);
        assert_int_equal(pl011_read(&u, PL011_FR), PL011_FR_TXFE | PL011_FR_RXFE);
        assert_int_equal(pl011_read(&u, PL011_RIS), PL011_INT_TX);
        assert_int_equal(pl011_read(&u, PL011_MIS), 0);
        assert_false(pl011_irq_level(&u));
}

static void nothing_is_received_while_the_uart_or_receiver_is_disabled(void **state)
{
        uint8_t tx;

        (void)state;
        pl011_reset(&u); /* RXE set, UARTEN clear */
        assert_false(pl011_can_receive(&u));
        assert_false(pl011_receive(&u, 'a'));
        pl011_write(&u, PL011_CR, PL011_CR_UARTEN | PL011_CR_TXE, &tx); /* RXE clear */
        assert_false(pl011_receive(&u, 'a'));
        assert_int_equal(pl011_read(&u, PL011_FR) & PL011_FR_RXFE, PL011_FR_RXFE);
        enable();
        assert_true(pl011_receive(&u, 'a'));
}

static void fifo_keeps_order_and_fills_at_32(void **state)
{
        (void)state;
        enable();
        for (unsigned i = 0; i < PL011_FIFO; i++) {
                assert_true(pl011_receive(&u, (uint8_t)('A' + i)));
                assert_int_equal(pl011_read(&u, PL011_FR) & PL011_FR_RXFE, 0);
        }
        assert_int_equal(pl011_read(&u, PL011_FR) & PL011_FR_RXFF, PL011_FR_RXFF);
        assert_false(pl011_can_receive(&u));
        assert_false(pl011_receive(&u, '!')); /* full: refused, kept by the sender */
        for (unsigned i = 0; i < PL011_FIFO; i++) {
                assert_int_equal(pl011_read(&u, PL011_DR), 'A' + i);
                assert_int_equal(pl011_read(&u, PL011_FR) & PL011_FR_RXFF, 0);
        }
        assert_int_equal(pl011_read(&u, PL011_FR) & PL011_FR_RXFE, PL011_FR_RXFE);
        assert_int_equal(pl011_read(&u, PL011_DR), 0); /* empty: nothing more */
        /* it wraps around */
        assert_true(pl011_receive(&u, 'x'));
        assert_int_equal(pl011_read(&u, PL011_DR), 'x');
}

static void rx_interrupts_follow_the_fifo_and_the_mask(void **state)
{
        uint8_t tx;

        (void)state;
        enable();
        /* Linux: IFLS RX 1/2 (16), IMSC = RTIM | RXIM */
        pl011_write(&u, PL011_IMSC, PL011_INT_RT | PL011_INT_RX, &tx);
        assert_false(pl011_irq_level(&u));
        assert_true(pl011_receive(&u, 'e'));
        assert_int_equal(pl011_read(&u, PL011_RIS) & (PL011_INT_RX | PL011_INT_RT), PL011_INT_RT);
        assert_int_equal(pl011_read(&u, PL011_MIS), PL011_INT_RT);
        assert_true(pl011_irq_level(&u));
        /* ICR does not strand a byte: the timeout elapses again at once */
        pl011_write(&u, PL011_ICR, 0x7ff, &tx);
        assert_true(pl011_irq_level(&u));
        assert_int_equal(pl011_read(&u, PL011_DR), 'e');
        assert_false(pl011_irq_level(&u)); /* drained: the line falls */
        for (unsigned i = 0; i < 16; i++) {
                assert_true(pl011_receive(&u, 'x'));
        }
        assert_int_equal(pl011_read(&u, PL011_RIS) & PL011_INT_RX, PL011_INT_RX);
        pl011_read(&u, PL011_DR);
        assert_int_equal(pl011_read(&u, PL011_RIS) & PL011_INT_RX, 0); /* below 16 */
        assert_int_equal(pl011_read(&u, PL011_RIS) & PL011_INT_RT, PL011_INT_RT);
        /* masked: the status stays, the line does not */
        pl011_write(&u, PL011_IMSC, 0, &tx);
        assert_false(pl011_irq_level(&u));
        assert_int_equal(pl011_read(&u, PL011_MIS), 0);
        /* trigger at 1/8 (4 entries) */
        pl011_write(&u, PL011_IFLS, 0, &tx);
        assert_int_equal(pl011_read(&u, PL011_RIS) & PL011_INT_RX, PL011_INT_RX);
}

static void transmit_hands_each_byte_out_and_is_always_ready(void **state)
{
        uint8_t tx = 0;

        (void)state;
        enable();
        assert_true(pl011_write(&u, PL011_DR, 0x141, &tx)); /* bits above 7 ignored */
        assert_int_equal(tx, 0x41);
        uint32_t fr = pl011_read(&u, PL011_FR);
        assert_int_equal(fr & (PL011_FR_TXFE | PL011_FR_TXFF | PL011_FR_BUSY), PL011_FR_TXFE);
        /* TX interrupt: raised while enabled in IMSC, gone when masked (Linux's stop_tx) */
        pl011_write(&u, PL011_IMSC, PL011_INT_TX, &tx);
        assert_true(pl011_irq_level(&u));
        pl011_write(&u, PL011_IMSC, 0, &tx);
        assert_false(pl011_irq_level(&u));
}

static void registers_read_back_and_read_only_ones_ignore_writes(void **state)
{
        uint8_t tx = 0;

        (void)state;
        pl011_reset(&u);
        assert_false(pl011_write(&u, PL011_IBRD, 13, &tx));
        assert_false(pl011_write(&u, PL011_FBRD, 1, &tx));
        assert_false(pl011_write(&u, PL011_LCR_H, 0x70, &tx));
        assert_false(pl011_write(&u, PL011_IMSC, 0x50, &tx));
        assert_int_equal(pl011_read(&u, PL011_IBRD), 13);
        assert_int_equal(pl011_read(&u, PL011_FBRD), 1);
        assert_int_equal(pl011_read(&u, PL011_LCR_H), 0x70);
        assert_int_equal(pl011_read(&u, PL011_IMSC), 0x50);
        assert_false(pl011_write(&u, PL011_FR, 0, &tx));
        assert_false(pl011_write(&u, PL011_RIS, 0xffff, &tx));
        assert_false(pl011_write(&u, PL011_PID0, 0, &tx));
        assert_int_equal(pl011_read(&u, PL011_FR), PL011_FR_TXFE | PL011_FR_RXFE);
        assert_int_equal(pl011_read(&u, PL011_PID0), 0x11);
        assert_int_equal(pl011_read(&u, 0x800), 0);          /* reserved */
        assert_int_equal(pl011_read(&u, PL011_PID0 + 1), 0); /* not a word */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(ids_read_as_a_pl011_r1p5),
            cmocka_unit_test(reset_state_is_the_trms),
            cmocka_unit_test(nothing_is_received_while_the_uart_or_receiver_is_disabled),
            cmocka_unit_test(fifo_keeps_order_and_fills_at_32),
            cmocka_unit_test(rx_interrupts_follow_the_fifo_and_the_mask),
            cmocka_unit_test(transmit_hands_each_byte_out_and_is_always_ready),
            cmocka_unit_test(registers_read_back_and_read_only_ones_ignore_writes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
