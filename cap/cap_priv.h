/*
 * Private to the .c files of cap/: the static state and the helpers the tree operations (tree.c)
 * share with the registry and table code (cap.c).
 */
#ifndef RVM_CAP_CAP_PRIV_H
#define RVM_CAP_CAP_PRIV_H

#include "cap/cap.h"
#include "cap/cap_node.h"

struct cap_table {
        bool live;
        uint16_t used;
        struct cap_slot slots[CAP_TABLE_SLOTS];
};

struct cap_state {
        struct cap_node arena[CAP_ARENA_SIZE];
        uint16_t free_head; /* free nodes linked through next_sibling */
        uint16_t arena_used;
        struct cap_object objects[CAP_MAX_OBJECTS];
        struct cap_table tables[CAP_MAX_TABLES];
};

extern struct cap_state cap_g;

/* Emit one witness record; denials put the reason in payload bits 0..15 and the attempted
 * operation's witness kind in bits 16..31. */
void cap_witness(uint16_t kind, uint8_t tier, uint32_t actor, uint64_t target, cap_handle_t cap,
                 uint64_t payload);
void cap_witness_deny(uint16_t op_kind, uint8_t tier, uint32_t actor, cap_handle_t cap,
                      enum cap_err why);

/* Allocate a node and a slot in `table` for it; links nothing. */
enum cap_err cap_node_alloc(uint32_t table, uint16_t *node_out, cap_handle_t *handle_out);
/* Link `child` as the first child of `parent`. */
void cap_link_child(uint16_t parent, uint16_t child);
/* Free `root`'s descendants (and root itself if include_root); iterative, no recursion, work
 * bounded by 2 x the number of nodes freed. Returns how many nodes were freed. */
uint32_t cap_free_subtree(uint16_t root, bool include_root);
/* The handle that currently names node idx (from its slot). */
cap_handle_t cap_handle_of(uint16_t idx);

#endif
