/*
 * tests/fake/hvc_world.h: the machine the hypercall host tests and fuzzer run calls in, over
 * the fake arch layer: RVM's real gate table installed, three guest partitions (64 KiB of
 * RAM each; the first with two vCPUs and a virtual PL011, the third with a 2^32 IPA space),
 * running, and a CommEdge between the first two.
 */
#ifndef RVM_TESTS_HVC_WORLD_H
#define RVM_TESTS_HVC_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "cap/cap.h"
#include "partition/partition.h"

#define WORLD_RAM    (64u << 10)
#define WORLD_UART   0x09000000ULL
#define WORLD_GUESTS 3

struct hvc_world {
        struct partition *part[WORLD_GUESTS + 1]; /* by partition id */
        cap_handle_t edge_h[WORLD_GUESTS + 1];    /* each partition's handle on edge 0 (0: none) */
        cap_handle_t mem_h[WORLD_GUESTS + 1];     /* each partition's memory capability */
        const uint8_t *image;                     /* what every partition's RAM starts with */
        uint64_t image_size;
};

/* Build it afresh (the fake arch's pages of the last one are freed); a virtual UART's lines go
 * to vuart_line. False if any step failed. */
bool hvc_world_build(struct hvc_world *w,
                     void (*vuart_line)(const struct partition *p, const char *text));

#endif
