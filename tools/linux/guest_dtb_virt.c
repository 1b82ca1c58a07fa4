/*
 * tools/linux/guest_dtb_virt.c: write partition/guest_dtb.c's device tree for QEMU
 * virt's own addresses (RAM at 1 GiB, GICv3 at 0x08000000/0x080a0000, PL011 at
 * 0x09000000 on SPI 1), so the bare kernel booted with -dtb checks the writer:
 *
 *   build/tools/guest_dtb_virt OUT.dtb CPUS RAM_MIB
 *
 * QEMU fills /chosen's bootargs and initrd from -append and -initrd.
 */
#include <stdio.h>
#include <stdlib.h>

#include <libfdt.h>

#include "partition/guest_dtb.h"

int main(int argc, char **argv)
{
        static unsigned char buf[16384];
        struct guest_dtb_params p = {
            .ram_base = 0x40000000,
            .gicd_base = 0x08000000,
            .gicr_base = 0x080a0000,
            .uart_base = 0x09000000,
            .uart_intid = 33,
            .uart_clock_hz = 24000000,
            .bootargs = "console=ttyAMA0",
        };
        FILE *f;
        int err;

        if (argc != 4) {
                fprintf(stderr, "usage: %s OUT.dtb CPUS RAM_MIB\n", argv[0]);
                return 2;
        }
        p.cpus = (unsigned)strtoul(argv[2], NULL, 0);
        p.ram_size = (unsigned long long)strtoul(argv[3], NULL, 0) << 20;
        err = guest_dtb_write(buf, sizeof(buf), &p);
        if (err != GUEST_DTB_OK) {
                fprintf(stderr, "guest_dtb_write: error %d\n", err);
                return 1;
        }
        f = fopen(argv[1], "wb");
        if (f == NULL || fwrite(buf, 1, fdt_totalsize(buf), f) != fdt_totalsize(buf) ||
            fclose(f) != 0) {
                perror(argv[1]);
                return 1;
        }
        return 0;
}
