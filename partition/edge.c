/*
 * partition/edge.c: CommEdges (see edge.h). Ring indices are read from guest-shared memory
 * and are untrusted: they only feed counters and are reduced modulo the ring before any
 * slot is touched, so a guest that scribbles on a header confuses only its own edge.
 */
#include "partition/edge.h"

#include <string.h>

#include "cap/cap.h"
#include "memory/memory.h"
#include "partition/share.h"
#include "witness/witness.h"

#define PAGE 4096ULL

static struct edge edges[EDGE_MAX];
static unsigned edges_used;

/* The header of end d's page: the head of ring d and how far end d has read the other ring.
 * Only end d can write it (the page is read-only in the other end's stage-2 space). */
struct page_hdr {
        uint32_t head;
        uint32_t ack;
};

static volatile struct page_hdr *page(const struct edge *e, unsigned d)
{
        return (volatile struct page_hdr *)mem_ptr(e->ring_pa[d]);
}

/* Slot i of ring dir: after the 64-byte header, 64 bytes each. */
static uint8_t *ring_slot(const struct edge *e, unsigned dir, uint32_t i)
{
        return (uint8_t *)mem_ptr(
            pa_add(e->ring_pa[dir], EDGE_MSG_BYTES + (i % EDGE_RING_SLOTS) * EDGE_MSG_BYTES));
}

void edge_init(void)
{
        memset(edges, 0, sizeof(edges));
        edges_used = 0;
}

void edge_start_indices(uint32_t id, uint32_t index)
{
        if (id >= edges_used) {
                return;
        }
        for (unsigned d = 0; d < 2; d++) {
                page(&edges[id], d)->head = index;
                page(&edges[id], d)->ack = index;
                edges[id].side[d].seen_head = index;
                edges[id].side[d].seen_ack = index;
        }
}

unsigned edge_count(void)
{
        return edges_used;
}

const struct edge *edge_get(uint32_t id)
{
        return id < edges_used ? &edges[id] : NULL;
}

/* A guest end sees the page in its stage-2 space, at offset in its own edge window
 * (writable only if it is its own); an agent end (no partition) does not. */
static enum part_err map_end(uint32_t end, uint64_t offset, pa_t pa, bool own)
{
        struct partition *p = part_get(end);

        if (p == NULL) {
                return PART_OK;
        }
        return p->s2_root != NULL
                   ? part_map_shared(p, ipa_init(p->edge_ipa + offset), pa, PAGE, own)
                   : PART_E_BAD_CONFIG;
}

/* A partition with an emulated GICv3 takes only the interrupts its distributor gives: a
 * doorbell vINTID it never configured would be an unexpected interrupt to Linux. */
static bool has_gicv3(const struct partition *p)
{
        for (unsigned i = 0; i < p->cfg->vdev_count; i++) {
                if (p->cfg->vdevs[i].type == PART_VDEV_GICV3) {
                        return true;
                }
        }
        return false;
}

enum part_err edge_connect(uint32_t end_a, uint32_t end_b)
{
        if (edges_used == EDGE_MAX) {
                return PART_E_FULL;
        }
        if (end_a == end_b) {
                return PART_E_INVALID;
        }
        for (unsigned i = 0; i < 2; i++) {
                const struct partition *p = part_get(i == 0 ? end_a : end_b);
                if (p != NULL && p->s2_root != NULL && p->edge_ipa == 0) {
                        /* Its IPA space has no room for the window: refused, witnessed. */
                        witness_emit(&(struct witness_event){.kind = WK_COMM_EDGE,
                                                             .flags = WITNESS_F_DENIED,
                                                             .actor = end_a,
                                                             .target = edges_used,
                                                             .payload = end_b});
                        return PART_E_RANGE;
                }
        }
        struct edge *e = &edges[edges_used];
        memset(e, 0, sizeof(*e));
        e->id = edges_used;
        e->end[0] = end_a;
        e->end[1] = end_b;
        for (unsigned d = 0; d < 2; d++) {
                struct partition *p = part_get(e->end[d]);
                e->side[d].partition = p != NULL;
                if (p != NULL && p->cfg->kind == PART_KIND_GUEST && !has_gicv3(p)) {
                        e->side[d].irq_vcpu = &p->vcpus[0];
                }
        }
        for (unsigned dir = 0; dir < 2; dir++) {
                pa_t pa = part_alloc_page();
                if (pa_addr(pa) == 0) {
                        return PART_E_NOMEM;
                }
                memset(mem_ptr(pa), 0, PAGE);
                e->ring_pa[dir] = pa;
                share_add_edge(pa); /* a typed region: never offered by anyone */
                uint64_t offset = e->id * EDGE_STRIDE + dir * PAGE; /* in each end's window */
                enum part_err err = map_end(end_a, offset, pa, dir == 0);
                if (err == PART_OK) {
                        err = map_end(end_b, offset, pa, dir == 1);
                }
                if (err != PART_OK) {
                        return err;
                }
        }
        cap_obj_t obj;
        cap_handle_t h;
        if (cap_object_create(CAP_T_COMM_EDGE, end_a, PAGE, e->id, &obj) != CAP_OK ||
            cap_mint_root(obj, end_a, CAP_R_READ | CAP_R_WRITE, &h) != CAP_OK ||
            cap_mint_root(obj, end_b, CAP_R_READ | CAP_R_WRITE, &h) != CAP_OK) {
                return PART_E_FULL;
        }
        witness_emit(&(struct witness_event){
            .kind = WK_COMM_EDGE, .actor = end_a, .target = e->id, .payload = end_b});
        edges_used++;
        return PART_OK;
}

/* Which end of edge id the caller is (0 or 1), or -1. */
static int end_of(uint32_t id, uint32_t caller, struct edge **out)
{
        if (id >= edges_used) {
                return -1;
        }
        struct edge *e = &edges[id];
        *out = e;
        return e->end[0] == caller ? 0 : e->end[1] == caller ? 1 : -1;
}

enum part_err edge_notify(uint32_t id, uint32_t caller, struct edge_doorbell *out)
{
        struct edge *e;
        int me = end_of(id, caller, &e);

        *out = (struct edge_doorbell){0};
        if (me < 0) {
                return PART_E_INVALID;
        }
        unsigned peer = 1u - (unsigned)me;
        struct edge_side *s = &e->side[me];
        /*
         * Messages the caller added to its outgoing ring since its last notify, as far as RVM
         * can verify: not more than the peer has read since (its ack, in a page only the peer
         * can write) plus one ring. Many ring-fulls may pass between two doorbells when the
         * peer drains on another CPU; an honest writer is counted exactly, and a head that
         * claims more (or runs backwards) counts no more than the peer's reading vouches for.
         */
        uint32_t head = __atomic_load_n(&page(e, (unsigned)me)->head, __ATOMIC_ACQUIRE);
        uint32_t ack = __atomic_load_n(&page(e, peer)->ack, __ATOMIC_ACQUIRE);
        uint32_t claimed = head - s->seen_head;
        uint32_t bound = (ack - s->seen_ack) + EDGE_RING_SLOTS;
        uint32_t n = claimed <= bound ? claimed : bound;
        if (s->epoch_notifies == 0) {
                s->epoch_first = s->seen_head;
        }
        s->seen_head = head;
        s->seen_ack = ack;
        s->msgs += n;
        s->notifies++;
        s->epoch_msgs += n;
        s->epoch_notifies++;
        s->epoch_last = head;
        out->edge = e->id;
        out->peer = e->end[peer];
        out->messages = n;
        struct edge_side *ps = &e->side[peer];
        if (ps->irq_vcpu != NULL) {
                out->irq_vcpu = ps->irq_vcpu;
                out->vintid = EDGE_VIRQ_BASE + e->id;
        }
        struct vcpu *w = ps->waiter;
        if (w != NULL) {
                ps->waiter = NULL;
                if (w->state == VCPU_BLOCKED) {
                        w->state = VCPU_RUNNABLE;
                        out->woken = w;
                }
        }
        if (ps->agent_waiting) {
                ps->agent_waiting = false;
                if (!ps->partition) {
                        out->agent_woken = e->end[peer];
                }
        }
        return PART_OK;
}

bool edge_take_summary(uint32_t id, unsigned dir, struct edge_summary *out)
{
        if (id >= edges_used || dir > 1 || edges[id].side[dir].epoch_notifies == 0) {
                return false;
        }
        struct edge *e = &edges[id];
        *out = (struct edge_summary){.edge = id,
                                     .sender = e->end[dir],
                                     .messages = e->side[dir].epoch_msgs,
                                     .notifies = e->side[dir].epoch_notifies,
                                     .first = e->side[dir].epoch_first,
                                     .last = e->side[dir].epoch_last};
        e->side[dir].epoch_msgs = 0;
        e->side[dir].epoch_notifies = 0;
        return true;
}

/* Messages waiting for end me of e, and free slots in its own ring (indices from the
 * shared pages: untrusted, so both are clamped to the ring). */
static uint32_t waiting(const struct edge *e, unsigned me)
{
        uint32_t n = __atomic_load_n(&page(e, 1 - me)->head, __ATOMIC_ACQUIRE) - page(e, me)->ack;

        return n < EDGE_RING_SLOTS ? n : EDGE_RING_SLOTS;
}

static uint32_t space(const struct edge *e, unsigned me)
{
        uint32_t used =
            page(e, me)->head - __atomic_load_n(&page(e, 1 - me)->ack, __ATOMIC_ACQUIRE);

        return used < EDGE_RING_SLOTS ? EDGE_RING_SLOTS - used : 0;
}

enum edge_mmio edge_mmio(uint32_t caller, uint64_t offset, unsigned width, bool write,
                         uint32_t *value, bool *rang, struct edge_doorbell *out)
{
        *rang = false;
        if (width != 4) {
                return EDGE_MMIO_WIDTH;
        }
        if (offset == EDGE_DB_EDGES) {
                if (write) {
                        return EDGE_MMIO_READ_ONLY;
                }
                uint32_t mask = 0;
                for (uint32_t id = 0; id < edges_used; id++) {
                        if (edges[id].end[0] == caller || edges[id].end[1] == caller) {
                                mask |= 1u << id;
                        }
                }
                *value = mask;
                return EDGE_MMIO_OK;
        }
        uint64_t reg = (offset - EDGE_DB_BLOCK) % EDGE_DB_STRIDE;
        if (offset < EDGE_DB_BLOCK || offset >= EDGE_DB_BLOCK + EDGE_MAX * EDGE_DB_STRIDE ||
            reg > EDGE_DB_SPACE || (reg & 3) != 0) {
                return EDGE_MMIO_OFFSET; /* a gap, a reserved word, past the last block */
        }
        uint32_t id = (uint32_t)((offset - EDGE_DB_BLOCK) / EDGE_DB_STRIDE);
        struct edge *e;
        int me = end_of(id, caller, &e);
        if (me < 0) {
                return EDGE_MMIO_NOT_END;
        }
        if (write) {
                if (reg != EDGE_DB_RING) {
                        return EDGE_MMIO_READ_ONLY;
                }
                *rang = edge_notify(id, caller, out) == PART_OK;
                return EDGE_MMIO_OK;
        }
        *value = reg == EDGE_DB_RING  ? waiting(e, (unsigned)me)
                 : reg == EDGE_DB_END ? (uint32_t)me
                                      : space(e, (unsigned)me);
        return EDGE_MMIO_OK;
}

enum part_err edge_wait(uint32_t id, uint32_t caller, struct vcpu *v, bool *blocked)
{
        struct edge *e;
        int me = end_of(id, caller, &e);

        *blocked = false;
        if (me < 0 || v == NULL) {
                return PART_E_INVALID;
        }
        uint32_t in_head = __atomic_load_n(&page(e, (unsigned)(1 - me))->head, __ATOMIC_ACQUIRE);
        if (in_head != page(e, (unsigned)me)->ack) {
                return PART_OK; /* something to read already */
        }
        struct vcpu *w = e->side[me].waiter;
        if (w != NULL && w != v && w->state == VCPU_BLOCKED) {
                return PART_E_BUSY; /* another vCPU of the partition waits on this end */
        }
        e->side[me].waiter = v;
        v->state = VCPU_BLOCKED; /* x0 = 0 when it runs again */
        *blocked = true;
        return PART_OK;
}

/*
 * The agent side of the rings: what a guest does in its own mapping (rvm_guest.h rvm_send,
 * rvm_recv), RVM does here for an end without one.
 */
enum part_err edge_put(uint32_t id, uint32_t caller, const uint8_t msg[EDGE_MSG_BYTES])
{
        struct edge *e;
        int me = end_of(id, caller, &e);

        if (me < 0) {
                return PART_E_INVALID;
        }
        volatile struct page_hdr *mine = page(e, (unsigned)me);
        uint32_t head = mine->head;
        uint32_t read = __atomic_load_n(&page(e, (unsigned)(1 - me))->ack, __ATOMIC_ACQUIRE);
        if (head - read >= EDGE_RING_SLOTS) {
                return PART_E_NO_SPACE;
        }
        memcpy(ring_slot(e, (unsigned)me, head), msg, EDGE_MSG_BYTES);
        __atomic_store_n(&mine->head, head + 1, __ATOMIC_RELEASE); /* the slot before the index */
        return PART_OK;
}

enum part_err edge_take(uint32_t id, uint32_t caller, uint8_t msg[EDGE_MSG_BYTES], bool wait,
                        bool *got)
{
        struct edge *e;
        int me = end_of(id, caller, &e);

        *got = false;
        if (me < 0) {
                return PART_E_INVALID;
        }
        unsigned dir = (unsigned)(1 - me);
        volatile struct page_hdr *mine = page(e, (unsigned)me);
        uint32_t tail = mine->ack;
        if (__atomic_load_n(&page(e, dir)->head, __ATOMIC_ACQUIRE) == tail) {
                e->side[me].agent_waiting = wait;
                return PART_OK;
        }
        memcpy(msg, ring_slot(e, dir, tail), EDGE_MSG_BYTES);
        __atomic_store_n(&mine->ack, tail + 1, __ATOMIC_RELEASE); /* the slot is read */
        *got = true;
        return PART_OK;
}

void edge_state_save(uint32_t id, struct edge_state *st, uint8_t rings[2][4096])
{
        const struct edge *e = &edges[id];

        for (unsigned d = 0; d < 2; d++) {
                st->seen_head[d] = e->side[d].seen_head;
                st->seen_ack[d] = e->side[d].seen_ack;
                st->msgs[d] = e->side[d].msgs;
                st->bytes[d] = e->side[d].msgs * EDGE_MSG_BYTES; /* (kept by the format) */
                st->notifies[d] = e->side[d].notifies;
                memcpy(rings[d], mem_ptr(e->ring_pa[d]), PAGE);
        }
}

void edge_state_restore(uint32_t id, uint32_t part, const struct edge_state *st,
                        const uint8_t rings[2][4096])
{
        struct edge *e = &edges[id];

        for (unsigned d = 0; d < 2; d++) {
                e->side[d].seen_head = st->seen_head[d];
                e->side[d].seen_ack = st->seen_ack[d];
                e->side[d].msgs = st->msgs[d];
                e->side[d].notifies = st->notifies[d];
                memcpy(mem_ptr(e->ring_pa[d]), rings[d], PAGE);
                if (e->side[d].waiter != NULL && e->side[d].waiter->part->id == part) {
                        e->side[d].waiter = NULL;
                }
        }
}
