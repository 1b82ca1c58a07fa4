/*
 * kernel/ipc.c: CommEdges (see ipc.h). Everything here runs under run_lock: the wait
 * handler checks the incoming ring and blocks in one step, and notify wakes in one step,
 * so a wake-up cannot be lost between them. Ring indices are read from guest-shared
 * memory and are untrusted: they only feed counters, bounded per notify.
 */
#include "kernel/ipc.h"

#include <string.h>

#include "boot/boot.h"
#include "cap/cap.h"
#include "kernel/console.h"
#include "kernel/fmt.h"
#include "kernel/monitor.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "kernel/share.h"
#include "memory/memory.h"
#include "witness/witness.h"

#define PAGE       4096ULL
#define RING_BYTES 2048u /* two rings per page */
#define RING_SLOTS 31u   /* 64-byte header + 31 slots of 64 bytes */
#define MSG_BYTES  64u

static struct ipc_edge edges[IPC_MAX_EDGES];
static unsigned edge_count;

/* The ring header both sides share: head advanced by the writer, tail by the reader. */
struct ring_hdr {
        uint32_t head;
        uint32_t tail;
};

static volatile struct ring_hdr *ring(const struct ipc_edge *e, unsigned dir)
{
        return (volatile struct ring_hdr *)(uintptr_t)(e->page_pa + dir * RING_BYTES);
}

unsigned ipc_edge_count(void)
{
        return edge_count;
}

int ipc_edge_create(struct partition *a, struct partition *b)
{
        return ipc_edge_connect(a->id, b->id);
}

static void (*end_waker)(uint32_t principal);

void ipc_set_end_waker(void (*wake)(uint32_t principal))
{
        end_waker = wake;
}

/* A guest end sees the page in its stage-2 space; an agent end (no partition) does not. */
static int map_end(uint32_t end, uint64_t ipa, uint64_t pa)
{
        struct partition *p = part_get(end);

        if (p == NULL) {
                return 0;
        }
        return p->s2_root != NULL && part_map_shared(p, ipa, pa, PAGE) == PART_OK ? 0 : -1;
}

int ipc_edge_connect(uint32_t end_a, uint32_t end_b)
{
        uint64_t pa = 0;

        if (edge_count == IPC_MAX_EDGES || end_a == end_b ||
            mem_alloc_pages(&boot_state.mem, 1, 1, &pa) != PALLOC_OK) {
                return -1;
        }
        struct ipc_edge *e = &edges[edge_count];
        memset(e, 0, sizeof(*e));
        memset((void *)(uintptr_t)pa, 0, PAGE);
        e->id = edge_count;
        e->end[0] = end_a;
        e->end[1] = end_b;
        e->page_pa = pa;
        share_add_edge(pa); /* a typed region: never offered by anyone */
        uint64_t ipa = IPC_EDGE_IPA + e->id * PAGE;
        if (map_end(end_a, ipa, pa) != 0 || map_end(end_b, ipa, pa) != 0) {
                return -1;
        }
        cap_obj_t obj;
        cap_handle_t h;
        if (cap_object_create(CAP_T_COMM_EDGE, end_a, PAGE, e->id, &obj) != CAP_OK ||
            cap_mint_root(obj, end_a, CAP_R_READ | CAP_R_WRITE, &h) != CAP_OK ||
            cap_mint_root(obj, end_b, CAP_R_READ | CAP_R_WRITE, &h) != CAP_OK) {
                return -1;
        }
        witness_emit(&(struct witness_event){
            .kind = WK_COMM_EDGE, .actor = end_a, .target = e->id, .payload = end_b});
        edge_count++;
        return 0;
}

/* Which end of the edge named by the caller's capability is the caller (or -1). */
static int end_of(const struct gate_ctx *ctx, struct ipc_edge **out)
{
        uint64_t id = ctx->cap.object_ref;

        if (id >= edge_count) {
                return -1;
        }
        struct ipc_edge *e = &edges[id];
        *out = e;
        return e->end[0] == ctx->call->caller ? 0 : e->end[1] == ctx->call->caller ? 1 : -1;
}

int32_t ipc_hc_notify(struct gate_ctx *ctx)
{
        struct ipc_edge *e;
        int me = end_of(ctx, &e);

        if (me < 0) {
                return GATE_E_INVALID;
        }
        /* Messages the caller added to its outgoing ring since its last notify. */
        uint32_t head = __atomic_load_n(&ring(e, (unsigned)me)->head, __ATOMIC_ACQUIRE);
        /*
         * Not bounded by the ring size: on two CPUs the peer drains while the sender
         * fills, so many ring-fulls may pass between two doorbells. A guest that lies about
         * its head distorts only its own edge's counters.
         */
        uint32_t n = head - e->seen_head[me];
        e->seen_head[me] = head;
        e->msgs[me] += n;
        e->bytes[me] += (uint64_t)n * MSG_BYTES;
        e->notifies[me]++;
        int peer = 1 - me;
        struct partition *pp = part_get(e->end[peer]);
        if (pp != NULL && pp->cfg->kind == PART_KIND_GUEST) {
                /* The doorbell interrupt goes to the peer's boot vCPU. */
                virq_raise(&pp->vcpus[0], IPC_VIRQ_BASE + e->id);
        }
        struct vcpu *w = e->waiter[peer];
        if (w != NULL) {
                e->waiter[peer] = NULL;
                if (w->state == VCPU_BLOCKED) {
                        w->state = VCPU_RUNNABLE;
                        run_vcpu_woken(w);
                }
        }
        if (e->agent_waiting[peer]) {
                e->agent_waiting[peer] = false;
                if (pp == NULL && end_waker != NULL) {
                        end_waker(e->end[peer]); /* an agent */
                }
        }
        ctx->target = e->id;
        ctx->payload = n;
        return 0;
}

int32_t ipc_hc_wait(struct gate_ctx *ctx)
{
        struct ipc_edge *e;
        int me = end_of(ctx, &e);

        if (me < 0) {
                return GATE_E_INVALID;
        }
        volatile struct ring_hdr *in = ring(e, (unsigned)(1 - me));
        if (__atomic_load_n(&in->head, __ATOMIC_ACQUIRE) != in->tail) {
                return 0; /* something to read already */
        }
        struct vcpu *v = run_current();
        if (v == NULL) {
                return GATE_E_INTERNAL;
        }
        if (e->waiter[me] != NULL && e->waiter[me] != v && e->waiter[me]->state == VCPU_BLOCKED) {
                return GATE_E_BUSY; /* another vCPU of the partition waits on this end */
        }
        e->waiter[me] = v;
        v->state = VCPU_BLOCKED; /* x0 = 0 when it runs again */
        run_vcpu_blocked(v);
        return 0;
}

/* Slot i of ring dir: after the 64-byte header, 64 bytes each. */
static uint8_t *ring_slot(const struct ipc_edge *e, unsigned dir, uint32_t i)
{
        return (uint8_t *)(uintptr_t)(e->page_pa + dir * RING_BYTES + MSG_BYTES +
                                      (i % RING_SLOTS) * MSG_BYTES);
}

/*
 * The agent side of the rings: what a guest does in its own mapping (rvm_guest.h rvm_send,
 * rvm_recv), RVM does here for an end without one. A guest peer can scribble on both ring
 * headers; every index is taken modulo the ring, so it can only confuse its own edge.
 */
int32_t ipc_end_put(const struct gate_ctx *ctx, const uint8_t msg[64])
{
        struct ipc_edge *e;
        int me = end_of(ctx, &e);

        if (me < 0) {
                return GATE_E_INVALID;
        }
        volatile struct ring_hdr *out = ring(e, (unsigned)me);
        uint32_t head = out->head;
        if (head - __atomic_load_n(&out->tail, __ATOMIC_ACQUIRE) >= RING_SLOTS) {
                return GATE_E_NO_SPACE;
        }
        memcpy(ring_slot(e, (unsigned)me, head), msg, MSG_BYTES);
        __atomic_store_n(&out->head, head + 1, __ATOMIC_RELEASE); /* the slot before the index */
        return 0;
}

int32_t ipc_end_take(const struct gate_ctx *ctx, uint8_t msg[64], bool wait)
{
        struct ipc_edge *e;
        int me = end_of(ctx, &e);

        if (me < 0) {
                return GATE_E_INVALID;
        }
        unsigned dir = (unsigned)(1 - me);
        volatile struct ring_hdr *in = ring(e, dir);
        uint32_t tail = in->tail;
        if (__atomic_load_n(&in->head, __ATOMIC_ACQUIRE) == tail) {
                e->agent_waiting[me] = wait;
                return 0;
        }
        memcpy(msg, ring_slot(e, dir, tail), MSG_BYTES);
        __atomic_store_n(&in->tail, tail + 1, __ATOMIC_RELEASE); /* the slot is read */
        return 1;
}

/* An end as `edges` prints it: a partition id, or "a<N>" for agent N. */
static const char *end_name(uint32_t end, char buf[8])
{
        if (part_get(end) != NULL || end == 0) {
                fmt_format(buf, 8, "%u", end);
        } else {
                fmt_format(buf, 8, "a%u", end - PART_MAX);
        }
        return buf;
}

static int cmd_edges(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        con_printf("edge  from -> to   messages   bytes       notifies\n");
        spin_lock(&run_lock);
        for (unsigned i = 0; i < edge_count; i++) {
                const struct ipc_edge *e = &edges[i];
                for (unsigned d = 0; d < 2; d++) {
                        char from[8], to[8];
                        con_printf("%-5u %-4s -> %-4s %-10llu %-11llu %llu\n", e->id,
                                   end_name(e->end[d], from), end_name(e->end[1 - d], to),
                                   (unsigned long long)e->msgs[d], (unsigned long long)e->bytes[d],
                                   (unsigned long long)e->notifies[d]);
                }
        }
        spin_unlock(&run_lock);
        if (edge_count == 0) {
                con_puts("(no CommEdges)\n");
        }
        return 0;
}
MONITOR_CMD(edges, "edges", "", "CommEdges with message and byte counts", cmd_edges);
