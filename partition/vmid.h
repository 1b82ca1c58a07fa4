/*
 * partition/vmid.h: VMIDs for more partitions than the hardware has VMIDs (seeds/003
 * DC-12). A VMID is valid for one generation. When the space runs out the generation
 * advances, every TLB entry of every VMID is invalidated (the caller does that: the
 * function says so), and VMIDs are handed out again; partitions running at that moment
 * keep theirs, carried into the new generation, so no two live partitions ever share one.
 */
#ifndef RVM_PARTITION_VMID_H
#define RVM_PARTITION_VMID_H

#include <stdbool.h>
#include <stdint.h>

#define VMID_MAX_BITS 16

struct vmid_space {
        uint64_t gen;   /* current generation, starts at 1 */
        uint32_t count; /* usable VMIDs: 1..count (0 is RVM's own) */
        uint32_t next;  /* next candidate */
        uint64_t used[(1u << VMID_MAX_BITS) / 64];
};

void vmid_space_init(struct vmid_space *s, unsigned bits);

/*
 * Make (*gen, *vmid) valid in the current generation. On a rollover keep_running is
 * called first, to vmid_keep() every partition running at that moment, and the function
 * returns true: the caller must then invalidate all stage-1/2 TLB entries of all VMIDs
 * (on every CPU) before running anything with the new VMID.
 */
bool vmid_get(struct vmid_space *s, uint64_t *gen, uint16_t *vmid,
              void (*keep_running)(struct vmid_space *s, void *ctx), void *ctx);

/* Carry a running partition's VMID into the generation just started. */
void vmid_keep(struct vmid_space *s, uint64_t *gen, uint16_t vmid);

#endif
