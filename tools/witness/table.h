/*
 * tools/witness/table.h — the replay's object tables: objects in creation order plus an
 * open-addressing index id -> latest live object, so a hostile log with a million distinct
 * ids replays in linear time. Shared by replay.c (partitions, capabilities, regions, edges,
 * leases) and members.c (agents).
 */
#ifndef RVM_TOOLS_WITNESS_TABLE_H
#define RVM_TOOLS_WITNESS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wt_obj {
        uint64_t id, a, b, c, d; /* meaning depends on the table (see its user) */
        uint64_t seq, time;      /* last change */
        uint32_t actor;          /* who made the last change */
        bool alive;
};

struct wt_table {
        struct wt_obj *v;
        size_t n, cap;
        size_t *slot; /* index + 1, 0 = empty */
        size_t nslot; /* power of two */
};

/* The live object with this id, or NULL. */
struct wt_obj *wt_table_find(struct wt_table *t, uint64_t id);
/* The live object with this id, a new zeroed live one if there is none; NULL (and *oom set)
 * when out of memory. */
struct wt_obj *wt_table_add(struct wt_table *t, uint64_t id, int *oom);
/* Drops every object (a new boot rebuilds RVM's RAM state from nothing). */
void wt_table_clear(struct wt_table *t);
void wt_table_free(struct wt_table *t);

#endif
