/*
 * partition/edge.h: CommEdges, the channels between principals (guest partitions and
 * WebAssembly agents). An edge is two pages RVM owns, one per end, mapped into each guest
 * end's stage-2 space at the partition's edge window (placed from its layout by
 * edge_window_place below; a guest learns it from SELF or its device tree): end d's page holds ring
 * d (the messages end d sends) and a 64-byte header with that ring's head and end d's ack of the
 * other ring; it is writable by end d only, read-only for its peer, so neither end can move the
 * other's index. An agent end reaches its rings through RVM (edge_put, edge_take). Indices are
 * free-running 32-bit counters over EDGE_RING_SLOTS 64-byte slots, a power of two, so slot = index
 * % slots stays right when they wrap at 2^32. RVM counts every edge's messages and bytes: the
 * weights the coherence engine reads.
 *
 * This module is the mechanism only: it says what happened (who to wake, which virtual
 * interrupt to raise) and the kernel does it. It never prints and takes no lock: its
 * callers hold run_lock, so a wait that finds the ring empty and a notify that fills it
 * cannot interleave.
 */
#ifndef RVM_PARTITION_EDGE_H
#define RVM_PARTITION_EDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "memory/addr.h"
#include "partition/partition.h"

#include "configs/limits.h" /* the profile's sizes, if it sets them */
#ifndef EDGE_MAX
#define EDGE_MAX 16
#endif
#define EDGE_STRIDE     0x2000ULL /* ring 0's page, then ring 1's */
#define EDGE_WINDOW     (EDGE_MAX * EDGE_STRIDE)
#define EDGE_MSG_BYTES  64u
#define EDGE_RING_SLOTS 32u
_Static_assert((EDGE_RING_SLOTS & (EDGE_RING_SLOTS - 1)) == 0, "a power of two: wrap is harmless");
_Static_assert(EDGE_MSG_BYTES *(EDGE_RING_SLOTS + 1) <= 4096, "header and slots in one page");
/* A notify raises vINTID EDGE_VIRQ_BASE + n in a guest peer: above every SPI a board of
 * ours has, below the special 1020..1023. Not in a partition with an emulated GICv3 (a
 * Linux guest): its interrupts come from its distributor only, so it polls (below). */
#define EDGE_VIRQ_BASE 1000u

/*
 * The doorbell page (docs/ABI.md, "CommEdge doorbell registers"): one page right above the
 * edge window, never mapped, so each access is a stage-2 data abort RVM emulates, for a
 * guest that cannot make RVM's hypercalls (Linux with busybox `devmem`). 32-bit accesses
 * only. EDGES (read): bit n set when the partition is an end of edge n. Edge n's block at
 * EDGE_DB_BLOCK + n * EDGE_DB_STRIDE: RING (write any value: the doorbell, as
 * RVM_HC_EDGE_NOTIFY; read: messages waiting in its incoming ring), END (read: 0 or 1, the
 * page of the edge's pair that is its own, outgoing, ring), SPACE (read: free slots in that
 * ring). Anything else is refused: RVM witnesses it, a read gives all ones, a write is
 * dropped, and the guest goes on.
 */
#define EDGE_DB_SIZE   0x1000ULL
#define EDGE_DB_EDGES  0x000u
#define EDGE_DB_BLOCK  0x100u
#define EDGE_DB_STRIDE 0x10u
#define EDGE_DB_RING   0x0u
#define EDGE_DB_END    0x4u
#define EDGE_DB_SPACE  0x8u
_Static_assert(EDGE_DB_BLOCK + EDGE_MAX * EDGE_DB_STRIDE <= EDGE_DB_SIZE, "blocks in the page");
_Static_assert(EDGE_MAX <= 32, "EDGES is one 32-bit register");

/*
 * Where a partition's edge window goes (docs/ABI.md, "CommEdges"): placed from its layout
 * when it is created (part_create), not a constant. Guest RAM is the only thing RVM puts
 * above the device window, so the rule is: the first 2 MiB-aligned IPA at or above the end
 * of RAM (RAM keeps its 2 MiB blocks, and the window is never in it), the window's
 * EDGE_WINDOW bytes (edge n's rings at window + n * EDGE_STRIDE), then the doorbell page at
 * window + EDGE_WINDOW. 0 when the partition's IPA space (ipa_limit bytes) cannot hold it
 * all: that partition can have no edge (edge_connect refuses it, PART_E_RANGE) and has no
 * doorbell page. Anything a guest maps later (a retrieved share) must stay clear of it.
 */
#define EDGE_WINDOW_ALIGN 0x200000ULL
#define EDGE_SPAN         (EDGE_WINDOW + EDGE_DB_SIZE) /* the window and its doorbell page */
static inline uint64_t edge_window_place(uint64_t ram_base, uint64_t ram_size, uint64_t ipa_limit)
{
        uint64_t end = ram_base + ram_size;
        uint64_t ipa = (end + EDGE_WINDOW_ALIGN - 1) & ~(EDGE_WINDOW_ALIGN - 1);

        if (end < ram_base || ipa < end || ipa + EDGE_SPAN < ipa || ipa + EDGE_SPAN > ipa_limit) {
                return 0;
        }
        return ipa;
}
/* p's doorbell page (0: none); is ipa on it? */
static inline uint64_t edge_db_ipa(const struct partition *p)
{
        return p->edge_ipa != 0 ? p->edge_ipa + EDGE_WINDOW : 0;
}
static inline bool edge_db_hit(const struct partition *p, ipa_t ipa)
{
        return p->edge_ipa != 0 && ipa_addr(ipa) - edge_db_ipa(p) < EDGE_DB_SIZE;
}

/* What RVM keeps for end d of an edge: the counts of ring d, which end d writes, and
 * whether end d waits. One struct per end, so a doorbell's bookkeeping is one base pointer. */
struct edge_side {
        uint32_t seen_head;      /* ring d's head at end d's last notify */
        uint32_t seen_ack;       /* the other end's ack of ring d at that notify */
        uint64_t msgs, notifies; /* (bytes: msgs * EDGE_MSG_BYTES) */
        /* This epoch's doorbells, for its summary record (DC-10). */
        uint32_t epoch_msgs, epoch_notifies;
        uint32_t epoch_first, epoch_last; /* ring indices: first and past the last */
        struct vcpu *waiter;              /* end d's vCPU blocked in wait, or NULL */
        bool agent_waiting;               /* end d is an agent waiting in rvm.recv */
        /* Fixed at connect: is end d a partition (else an agent's principal), and the vCPU
         * its doorbell interrupt goes to (a guest's boot vCPU, unless the guest has an
         * emulated GICv3), or NULL. */
        bool partition;
        struct vcpu *irq_vcpu;
};

struct edge {
        uint32_t id;
        uint32_t end[2]; /* principals: end[0] writes ring 0, end[1] ring 1 */
        pa_t ring_pa[2]; /* ring i: written by end[i] */
        struct edge_side side[2];
};

/* What a doorbell did, for the kernel to carry out and witness. */
struct edge_doorbell {
        uint32_t edge;
        uint32_t peer;         /* the other end's principal */
        uint32_t messages;     /* added to the caller's ring since its last doorbell */
        struct vcpu *irq_vcpu; /* raise vintid here (a guest peer's boot vCPU), or NULL */
        uint32_t vintid;
        struct vcpu *woken;   /* was blocked in edge_wait, now runnable; or NULL */
        uint32_t agent_woken; /* an agent's principal waiting in rvm.recv, or 0 */
};

/* Boot: forget every edge. */
void edge_init(void);
/* Tests of the wrap: both rings' indices (and RVM's view of them) start at `index`. */
void edge_start_indices(uint32_t id, uint32_t index);
/* An edge between two principals: a page, mapped into each guest end, a READ|WRITE root
 * capability for each end, witnessed (WK_COMM_EDGE). */
enum part_err edge_connect(uint32_t end_a, uint32_t end_b);
unsigned edge_count(void);
const struct edge *edge_get(uint32_t id);

/* One direction's doorbells since the last summary: taken (and reset); false if none. */
struct edge_summary {
        uint32_t edge, sender;
        uint32_t messages, notifies;
        uint32_t first, last; /* ring indices of the first message and past the last */
};
bool edge_take_summary(uint32_t id, unsigned dir, struct edge_summary *out);

/* The doorbell of `caller` on edge id (its capability named it). */
/* For checkpoints (partition/checkpoint.c): an edge's counts and both ring pages. Restoring
 * rolls the edge back for both ends; a waiter of partition part is let go (its vCPU is
 * restored too), the other end's is kept. */
struct edge_state {
        uint32_t seen_head[2], seen_ack[2];
        uint64_t msgs[2], bytes[2], notifies[2];
};
void edge_state_save(uint32_t id, struct edge_state *st, uint8_t rings[2][4096]);
void edge_state_restore(uint32_t id, uint32_t part, const struct edge_state *st,
                        const uint8_t rings[2][4096]);

enum part_err edge_notify(uint32_t id, uint32_t caller, struct edge_doorbell *out);

/* An access of partition `caller` to offset of its doorbell page, as the syndrome decoded
 * it. EDGE_MMIO_OK: a read's *value is set; a write to RING rang the doorbell (*rang true,
 * *out as edge_notify's). Otherwise refused, for the reason given (the kernel witnesses it). */
enum edge_mmio {
        EDGE_MMIO_OK = 0,
        EDGE_MMIO_WIDTH = 1,     /* not a 32-bit access */
        EDGE_MMIO_OFFSET = 2,    /* no register there */
        EDGE_MMIO_NOT_END = 3,   /* a block of an edge the caller is not an end of */
        EDGE_MMIO_READ_ONLY = 4, /* a write to EDGES, END or SPACE */
};
enum edge_mmio edge_mmio(uint32_t caller, uint64_t offset, unsigned width, bool write,
                         uint32_t *value, bool *rang, struct edge_doorbell *out);
/* Wait on edge id as vCPU v of caller: PART_OK with *blocked false when something is there
 * already, or true when v now waits (state VCPU_BLOCKED) for the peer's doorbell. */
enum part_err edge_wait(uint32_t id, uint32_t caller, struct vcpu *v, bool *blocked);
/* Append one message to the caller's outgoing ring (PART_E_NO_SPACE when full). */
enum part_err edge_put(uint32_t id, uint32_t caller, const uint8_t msg[EDGE_MSG_BYTES]);
/* Take one message from the caller's incoming ring into msg: *got true, or false when it is
 * empty (then, with wait, the caller's end is marked waiting for the next doorbell). */
enum part_err edge_take(uint32_t id, uint32_t caller, uint8_t msg[EDGE_MSG_BYTES], bool wait,
                        bool *got);

#endif
