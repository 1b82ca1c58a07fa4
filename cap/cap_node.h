/*
 * cap/ internals shared with proof/ (which walks derivation chains) and with tests (which
 * corrupt nodes on purpose to prove that P3 notices). Nothing else includes this header:
 * partitions and the kernel go through cap/cap.h.
 */
#ifndef RVM_CAP_CAP_NODE_H
#define RVM_CAP_CAP_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cap/cap.h"

/* One capability: a node of a derivation tree, referenced by exactly one table slot. */
struct cap_node {
        uint16_t parent; /* CAP_NODE_NONE for a root */
        uint16_t first_child;
        uint16_t next_sibling; /* also the free-list link while the node is free */
        uint16_t prev_sibling;
        cap_obj_t obj;
        uint16_t table; /* owning table index (partition id) */
        uint16_t slot;  /* slot in that table that references this node */
        uint8_t depth;  /* 0 for a root */
        uint8_t live;
        uint32_t rights;
        uint32_t epoch;      /* object epoch when derived (or re-stamped by an epoch bump) */
        uint64_t base, size; /* window within the object */
        uint64_t expiry;     /* absolute clock ticks, 0 = none */
};

struct cap_object {
        uint8_t type; /* enum cap_type; CAP_T_NONE while free */
        uint32_t owner;
        uint32_t epoch;
        uint64_t size;
        uint64_t ref;
};

struct cap_slot {
        uint16_t node; /* CAP_NODE_NONE while free */
        uint32_t gen;  /* never 0 */
};

/* Read access for proof/ (idx must be < CAP_ARENA_SIZE / obj < CAP_MAX_OBJECTS). */
const struct cap_node *cap_node_get(uint16_t idx);
const struct cap_object *cap_object_get(cap_obj_t obj);
/* The slot (table, slot) as it is now; NULL when out of range or the table is not live. */
const struct cap_slot *cap_slot_get(uint32_t table, uint32_t slot);

/* Tests only: mutable access to prove that corruption is detected. */
struct cap_node *cap_node_mut(uint16_t idx);

#endif
