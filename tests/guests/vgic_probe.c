/*
 * tests/guests/vgic_probe.c: probes the GICv3 distributor and redistributors RVM emulates
 * for it (kernel/vdev.c over partition/vgic.c) the way Linux's GICv3 driver does: PIDR2,
 * TYPER, CTLR; the redistributor walk by GICR_TYPER (64-bit and as 32-bit halves) to the
 * Last bit; the WAKER handshake; SGI-frame enables and byte priorities; SPI priorities,
 * configuration and IROUTER halves. Reports "vgic_probe: N checks, U unexpected", then a
 * halfword access to GICD_CTLR, which RVM must refuse (the partition faults).
 */
#include "tests/guests/glib.h"

#define GICD 0x08000000ULL
#define GICR (GICD + 0xa0000ULL)
#define SGI  0x10000ULL

static unsigned checks, unexpected;

static void expect(const char *what, uint64_t got, uint64_t want)
{
        checks++;
        if (got != want) {
                unexpected++;
                char line[120];
                fmt_format(line, sizeof(line), "vgic_probe: %s: got 0x%llx, want 0x%llx\n", what,
                           (unsigned long long)got, (unsigned long long)want);
                rvm_puts(line);
        }
}

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;

        expect("GICD_PIDR2.ArchRev", rvm_mmio_ldr32(GICD + 0xffe8) & 0xf0, 0x30);
        expect("GICD_TYPER.ITLinesNumber", rvm_mmio_ldr32(GICD + 0x4) & 0x1f, 3);
        rvm_mmio_str32(GICD + 0x0, 0x12); /* ARE | EnableGrp1 */
        expect("GICD_CTLR", rvm_mmio_ldr32(GICD + 0x0), 0x52);

        /* two redistributors (two vCPUs configured), the second the last */
        expect("GICR0_TYPER", rvm_mmio_ldr64(GICR + 0x8), 0x0ULL);
        expect("GICR1_TYPER", rvm_mmio_ldr64(GICR + 0x20000 + 0x8), 1ULL << 32 | 1 << 8 | 1 << 4);
        expect("GICR1_TYPER high half", rvm_mmio_ldr32(GICR + 0x20000 + 0xc), 1);
        expect("GICR_WAKER asleep at reset", rvm_mmio_ldr32(GICR + 0x14), 6);
        rvm_mmio_str32(GICR + 0x14, 0);
        expect("GICR_WAKER awake", rvm_mmio_ldr32(GICR + 0x14), 0);

        rvm_mmio_str32(GICR + SGI + 0x100, 1u << 27); /* virtual timer PPI */
        expect("GICR_ISENABLER0", rvm_mmio_ldr32(GICR + SGI + 0x100), 1u << 27);
        rvm_mmio_strb(GICR + SGI + 0x400 + 27, 0xa0);
        expect("GICR_IPRIORITYR6", rvm_mmio_ldr32(GICR + SGI + 0x400 + 24), 0xa0000000);

        rvm_mmio_str32(GICD + 0x400 + 32, 0x80808080);
        expect("GICD_IPRIORITYR byte", rvm_mmio_ldrb(GICD + 0x400 + 33), 0x80);
        rvm_mmio_str32(GICD + 0xc00 + 8, 0x8);
        expect("GICD_ICFGR2", rvm_mmio_ldr32(GICD + 0xc00 + 8), 0x8);
        rvm_mmio_str32(GICD + 0x6000 + 8 * 33, 1);
        rvm_mmio_str32(GICD + 0x6000 + 8 * 33 + 4, 0);
        expect("GICD_IROUTER33", rvm_mmio_ldr64(GICD + 0x6000 + 8 * 33), 1);
        expect("reserved offset reads zero", rvm_mmio_ldr32(GICD + 0x40), 0);

        char line[80];
        fmt_format(line, sizeof(line), "vgic_probe: %u checks, %u unexpected\n", checks,
                   unexpected);
        rvm_puts(line);
        rvm_mmio_strh(GICD + 0x0, 0);
        rvm_puts("vgic_probe: ESCAPED a halfword GICD_CTLR write\n");
        gspin();
}
