/*
 * The scheduler's view of the witness API (witness/witness.h).
 *
 * sched/ emits exactly two kinds: WK_SCHED_EPOCH (one summary per epoch, DC-10) and
 * WK_SCHED_MODE (an entity's Reflex/Flow change, or entering/leaving degraded mode). When the
 * witness module's header is present we use it; until it lands in the tree, this header declares
 * the same struct and constants (names and values are fixed by the project conventions), so the
 * scheduler builds and its host test can link a fake witness_emit.
 */
#ifndef RVM_SCHED_SCHED_WITNESS_H
#define RVM_SCHED_SCHED_WITNESS_H

#include <stdint.h>

#if defined(__has_include)
#if __has_include("witness/witness.h")
#include "witness/witness.h"
#define SCHED_HAVE_WITNESS_H 1
#endif
#endif

#ifndef SCHED_HAVE_WITNESS_H
struct witness_event {
        uint16_t kind;    /* enum witness_kind */
        uint8_t tier;     /* proof tier that gated the action: 0 none, 1 P1, 2 P2, 3 P3 */
        uint8_t flags;    /* WITNESS_F_DENIED = 1 (the action was refused), ... */
        uint32_t actor;   /* partition id that asked (0 = RVM itself / the monitor) */
        uint64_t target;  /* object id acted on */
        uint64_t cap;     /* capability handle used (0 if none) */
        uint64_t payload; /* kind-specific */
};
enum {
        WK_SCHED_EPOCH = 0x0801,
        WK_SCHED_MODE = 0x0802,
};
void witness_emit(const struct witness_event *ev);
#endif

#endif
