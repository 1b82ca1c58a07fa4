/*
 * partition/pl011.h: a PL011 UART (ARM PrimeCell r1p5, DDI 0183) emulated as a state machine
 * over plain data, for a partition's console (partition/vdev.c hands it the guest's register
 * accesses; kernel/ feeds it the bytes typed at an attached terminal).
 *
 * Model, as Linux's amba-pl011 driver uses it:
 *  - transmit: a byte written to DR goes out at once (pl011_write returns it), so the
 *    transmit FIFO is always empty: FR.TXFE set, TXFF and BUSY clear, and the transmit
 *    interrupt (RIS.TXRIS, "at or below the trigger level") always raised;
 *  - receive: a 32-entry FIFO (r1p5's depth) that RVM fills (pl011_receive) only while the
 *    guest has the UART and its receiver enabled (CR.UARTEN, CR.RXE); DR reads pop it, FR.RXFE
 *    and RXFF say empty and full; RIS.RXRIS is raised while the FIFO holds at least the
 *    IFLS trigger level, RIS.RTRIS while it holds anything (the receive timeout of a real
 *    PL011 elapses at once here: no byte is ever left waiting for a later one); both fall
 *    as reads drain it, whatever ICR says;
 *  - the interrupt line is RIS & IMSC (pl011_irq_level);
 *  - CR, LCR_H, IBRD, FBRD, IFLS, IMSC, DMACR and ILPR read back what was written (reset
 *    values as the TRM gives them); no line errors, no modem lines, no DMA;
 *  - PeriphID0..3 and PCellID0..3 read as a real r1p5's (part 0x011, designer 0x41 'A',
 *    revision 3: Linux sizes its FIFO as 32 from the revision).
 * Registers are 32 bits wide at word-aligned offsets; the caller splits other accesses.
 */
#ifndef RVM_PARTITION_PL011_H
#define RVM_PARTITION_PL011_H

#include <stdbool.h>
#include <stdint.h>

#define PL011_FIFO 32u

/* Register offsets. */
#define PL011_DR    0x000u
#define PL011_RSR   0x004u
#define PL011_FR    0x018u
#define PL011_ILPR  0x020u
#define PL011_IBRD  0x024u
#define PL011_FBRD  0x028u
#define PL011_LCR_H 0x02cu
#define PL011_CR    0x030u
#define PL011_IFLS  0x034u
#define PL011_IMSC  0x038u
#define PL011_RIS   0x03cu
#define PL011_MIS   0x040u
#define PL011_ICR   0x044u
#define PL011_DMACR 0x048u
#define PL011_PID0  0xfe0u /* PeriphID0..3, then PCellID0..3 at 0xff0 */

/* FR bits. */
#define PL011_FR_BUSY (1u << 3)
#define PL011_FR_RXFE (1u << 4)
#define PL011_FR_TXFF (1u << 5)
#define PL011_FR_RXFF (1u << 6)
#define PL011_FR_TXFE (1u << 7)

/* CR bits. */
#define PL011_CR_UARTEN (1u << 0)
#define PL011_CR_TXE    (1u << 8)
#define PL011_CR_RXE    (1u << 9)

/* Interrupt bits (IMSC, RIS, MIS, ICR). */
#define PL011_INT_RX (1u << 4)
#define PL011_INT_TX (1u << 5)
#define PL011_INT_RT (1u << 6)

struct pl011 {
        uint8_t rx[PL011_FIFO];
        uint32_t rx_head, rx_count;
        uint32_t cr, lcr_h, ibrd, fbrd, ifls, imsc, dmacr, ilpr;
};

/* Power-on state: FIFO empty, CR = TXE | RXE (UART disabled), IFLS half full, IMSC 0. */
void pl011_reset(struct pl011 *u);

/* The guest reads the register at off (word-aligned, below 0x1000; others read 0). A DR
 * read pops a byte from the receive FIFO. */
uint32_t pl011_read(struct pl011 *u, uint32_t off);

/* The guest writes val to the register at off. True, with *tx, when it was a byte to send
 * (DR); read-only and unknown offsets ignore writes. */
bool pl011_write(struct pl011 *u, uint32_t off, uint32_t val, uint8_t *tx);

/* Can the guest receive now (UART and receiver enabled, room in the FIFO)? */
bool pl011_can_receive(const struct pl011 *u);

/* A byte arrives at the receiver: into the FIFO if pl011_can_receive, else false (RVM keeps
 * it for later; nothing is lost inside the UART). */
bool pl011_receive(struct pl011 *u, uint8_t byte);

/* Raw and masked interrupt status, and the interrupt line (MIS != 0). */
uint32_t pl011_ris(const struct pl011 *u);
bool pl011_irq_level(const struct pl011 *u);

#endif
