/*
 * partition/pl011.c: the PL011 UART model (see pl011.h). Offsets and bits: PL011 TRM,
 * DDI 0183, "Register descriptions".
 */
#include "partition/pl011.h"

#include <stddef.h>

#define CR_RESET   (PL011_CR_TXE | PL011_CR_RXE)
#define IFLS_RESET 0x12u /* receive and transmit at half full */
#define INT_ALL    0x7ffu

void pl011_reset(struct pl011 *u)
{
        *u = (struct pl011){.cr = CR_RESET, .ifls = IFLS_RESET};
}

/* The receive trigger level IFLS[5:3] selects: 1/8, 1/4, 1/2, 3/4 or 7/8 of the FIFO. */
static uint32_t rx_trigger(const struct pl011 *u)
{
        static const uint8_t eighths[8] = {1, 2, 4, 6, 7, 4, 4, 4}; /* reserved: half */

        return PL011_FIFO * eighths[(u->ifls >> 3) & 7] / 8;
}

uint32_t pl011_ris(const struct pl011 *u)
{
        uint32_t ris = PL011_INT_TX; /* the transmit FIFO is always empty */

        if (u->rx_count >= rx_trigger(u)) {
                ris |= PL011_INT_RX;
        }
        if (u->rx_count > 0) {
                ris |= PL011_INT_RT;
        }
        return ris;
}

bool pl011_irq_level(const struct pl011 *u)
{
        return (pl011_ris(u) & u->imsc) != 0;
}

static uint32_t flags(const struct pl011 *u)
{
        uint32_t fr = PL011_FR_TXFE;

        if (u->rx_count == 0) {
                fr |= PL011_FR_RXFE;
        }
        if (u->rx_count == PL011_FIFO) {
                fr |= PL011_FR_RXFF;
        }
        return fr;
}

uint32_t pl011_read(struct pl011 *u, uint32_t off)
{
        /* PeriphID0..3 (part 0x011, designer 0x41, revision 3 = r1p5), then PCellID0..3. */
        static const uint8_t ids[8] = {0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

        switch (off) {
        case PL011_DR: {
                if (u->rx_count == 0) {
                        return 0;
                }
                uint8_t byte = u->rx[u->rx_head];
                u->rx_head = (u->rx_head + 1) % PL011_FIFO;
                u->rx_count--;
                return byte; /* error bits 11:8 clear: no line errors */
        }
        case PL011_FR:
                return flags(u);
        case PL011_ILPR:
                return u->ilpr;
        case PL011_IBRD:
                return u->ibrd;
        case PL011_FBRD:
                return u->fbrd;
        case PL011_LCR_H:
                return u->lcr_h;
        case PL011_CR:
                return u->cr;
        case PL011_IFLS:
                return u->ifls;
        case PL011_IMSC:
                return u->imsc;
        case PL011_RIS:
                return pl011_ris(u);
        case PL011_MIS:
                return pl011_ris(u) & u->imsc;
        case PL011_DMACR:
                return u->dmacr;
        default:
                break;
        }
        if (off >= PL011_PID0 && off < PL011_PID0 + 32 && (off & 3) == 0) {
                return ids[(off - PL011_PID0) / 4];
        }
        return 0; /* RSR (no errors), ICR and reserved offsets */
}

bool pl011_write(struct pl011 *u, uint32_t off, uint32_t val, uint8_t *tx)
{
        switch (off) {
        case PL011_DR:
                *tx = (uint8_t)val;
                return true;
        case PL011_ILPR:
                u->ilpr = val & 0xff;
                break;
        case PL011_IBRD:
                u->ibrd = val & 0xffff;
                break;
        case PL011_FBRD:
                u->fbrd = val & 0x3f;
                break;
        case PL011_LCR_H:
                u->lcr_h = val & 0xff;
                break;
        case PL011_CR:
                u->cr = val & 0xff87;
                break;
        case PL011_IFLS:
                u->ifls = val & 0x3f;
                break;
        case PL011_IMSC:
                u->imsc = val & INT_ALL;
                break;
        case PL011_DMACR:
                u->dmacr = val & 7;
                break;
        default:
                break; /* RSR/ECR and ICR: no latched errors or edges to clear */
        }
        return false;
}

bool pl011_can_receive(const struct pl011 *u)
{
        return (u->cr & (PL011_CR_UARTEN | PL011_CR_RXE)) == (PL011_CR_UARTEN | PL011_CR_RXE) &&
               u->rx_count < PL011_FIFO;
}

bool pl011_receive(struct pl011 *u, uint8_t byte)
{
        if (!pl011_can_receive(u)) {
                return false;
        }
        u->rx[(u->rx_head + u->rx_count) % PL011_FIFO] = byte;
        u->rx_count++;
        return true;
}
