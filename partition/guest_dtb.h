/*
 * partition/guest_dtb.h: the device tree a Linux partition boots with, written with
 * libfdt from a plain description of the partition's platform: RAM, vCPUs (PSCI over
 * HVC), the GICv3 distributor and redistributors, the architected timer's PPIs, one
 * PL011 with its clock, /chosen (bootargs, initrd, stdout-path), and RVM's CommEdge
 * window with its doorbell page (compatible "rvm,commedge").
 */
#ifndef RVM_PARTITION_GUEST_DTB_H
#define RVM_PARTITION_GUEST_DTB_H

#include <stddef.h>
#include <stdint.h>

#define GUEST_DTB_MAX_CPUS 8
/* One redistributor per vCPU: an RD frame and an SGI frame of 64 KiB each. */
#define GUEST_DTB_GICR_STRIDE 0x20000u
#define GUEST_DTB_GICD_SIZE   0x10000u
#define GUEST_DTB_UART_SIZE   0x1000u

/* The architected timer's PPIs as interrupt ids (the DTB lists them as PPI - 16). */
#define GUEST_TIMER_PPI_SEC_PHYS 29
#define GUEST_TIMER_PPI_PHYS     30
#define GUEST_TIMER_PPI_VIRT     27
#define GUEST_TIMER_PPI_HYP      26

struct guest_dtb_params {
        uint64_t ram_base;
        uint64_t ram_size;
        uint32_t cpus;       /* 1..GUEST_DTB_MAX_CPUS, MPIDR Aff0 = index */
        uint64_t gicd_base;  /* GUEST_DTB_GICD_SIZE */
        uint64_t gicr_base;  /* cpus * GUEST_DTB_GICR_STRIDE */
        uint64_t uart_base;  /* GUEST_DTB_UART_SIZE */
        uint32_t uart_intid; /* an SPI: 32..1019 */
        uint32_t uart_clock_hz;
        uint64_t initrd_start; /* [start, end) in guest IPA; start == end: none */
        uint64_t initrd_end;
        const char *bootargs; /* NUL-terminated; NULL: none */
        /* RVM's CommEdge window and its doorbell page (partition/edge.h): a node
         * "rvm,commedge" with reg = <window, size>, <doorbell, size>, for a guest without
         * RVM's calls to find them (tools/linux/test.sh). edge_size 0: no node. */
        uint64_t edge_base, edge_size;
        uint64_t doorbell_base, doorbell_size;
};

enum guest_dtb_err {
        GUEST_DTB_OK = 0,
        GUEST_DTB_EPARAM = -1, /* a parameter out of range (see the checks) */
        GUEST_DTB_ESPACE = -2, /* the buffer is too small */
        GUEST_DTB_EFDT = -3,   /* libfdt refused for another reason */
};

/* Write the tree into buf (size bytes). GUEST_DTB_OK or an error; never crashes. */
int guest_dtb_write(void *buf, size_t size, const struct guest_dtb_params *p);

#endif
