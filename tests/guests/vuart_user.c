/*
 * tests/guests/vuart_user.c: drives the virtual PL011 RVM emulates for it with every kind of
 * access the syndrome can describe: byte, halfword, word and doubleword loads and stores, a
 * load into XZR, a store of WZR, and sign-extending loads into X and W registers. Lines it
 * writes to DR must appear on RVM's console prefixed with its name; it checks the values it
 * reads and reports "vuart_user: N checks, U unexpected" (by hypercall, so the count does not
 * depend on the device it checks).
 */
#include "tests/guests/glib.h"

#define UART    RVM_VUART_BASE
#define FR      (UART + 0x018)
#define IMSC    (UART + 0x038)
#define CELLID1 (UART + 0xff4) /* 0xf0 */
#define CELLID3 (UART + 0xffc) /* 0xb1 */
#define FR_IDLE 0x90u          /* transmit FIFO empty, receive FIFO empty */

static unsigned checks, unexpected;

static void expect(const char *what, uint64_t got, uint64_t want)
{
        checks++;
        if (got != want) {
                unexpected++;
                char line[120];
                fmt_format(line, sizeof(line), "vuart_user: %s: got 0x%llx, want 0x%llx\n", what,
                           (unsigned long long)got, (unsigned long long)want);
                rvm_puts(line);
        }
}

static void put8(const char *s)
{
        for (; *s != '\0'; s++) {
                rvm_mmio_strb(UART, (uint8_t)*s);
        }
}

static void put16(const char *s)
{
        for (; *s != '\0'; s++) {
                rvm_mmio_strh(UART, (uint8_t)*s);
        }
}

static void put32(const char *s)
{
        for (; *s != '\0'; s++) {
                rvm_mmio_str32(UART, (uint8_t)*s);
        }
}

static void put64(const char *s)
{
        for (; *s != '\0'; s++) {
                /* the upper bytes land on RSR/ECR, which ignores writes */
                uint64_t v = 0xabcdef0000000000ULL | (uint8_t)*s;
                rvm_mmio_str64(UART, v);
        }
}

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;

        /* Loads of every width from FR. */
        expect("byte load of FR", rvm_mmio_ldrb(FR), FR_IDLE);
        expect("halfword load of FR", rvm_mmio_ldrh(FR), FR_IDLE);
        expect("word load of FR", rvm_mmio_ldr32(FR), FR_IDLE);
        expect("doubleword load of FR", rvm_mmio_ldr64(FR), FR_IDLE);
        /* Sign extension: X and W destinations. */
        expect("ldrsb into X", rvm_mmio_ldrsb64(CELLID1), 0xfffffffffffffff0ULL);
        expect("ldrsb into W", rvm_mmio_ldrsb32(CELLID3), 0xffffffb1ULL);
        expect("ldrsh of a positive halfword", rvm_mmio_ldrsh64(CELLID3), 0xb1);
        expect("ldrb zero-extends", rvm_mmio_ldrb(CELLID3), 0xb1);
        /* A load into XZR, and a store of WZR: the frame must stay intact (x30, ELR). */
        expect("load into XZR leaves x30 alone", rvm_mmio_ldr_xzr(FR, 0x5a5a5a5a5a5a5a5aULL),
               0x5a5a5a5a5a5a5a5aULL);
        rvm_mmio_str_wzr(IMSC);
        expect("still running after the XZR accesses", 1, 1);

        put8("vuart_user: bytes through DR\n");
        put16("vuart_user: halfwords through DR\n");
        put32("vuart_user: words through DR\n");
        put64("vuart_user: doublewords through DR\n");
        rvm_vuart_puts(
            "vuart_user: a long line that RVM must break because it is longer than "
            "one hundred and twenty characters, which is the line buffer's size\n");
        put8("vuart_user: control bytes \001\033 become ?\n");

        char line[80];
        fmt_format(line, sizeof(line), "vuart_user: %u checks, %u unexpected\n", checks,
                   unexpected);
        rvm_puts(line);
        gspin();
}
