/*
 * arch/aarch64/guest/rvm_guest.h: the guest side of RVM's hypercall ABI (docs/ABI.md),
 * for the small EL1 programs in tests/guests/ and configs/<profile>/guests/. SMCCC: x0 is
 * the function id, arguments in x1..x7, status back in x0 (negative = error), results
 * in x1..x3. RVM enters a guest at its load address with the MMU off, SP_EL1 at the top
 * of its RAM and x0 = DTB (0: none).
 */
#ifndef RVM_GUEST_H
#define RVM_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "arch/aarch64/guest/rvm_calls.h" /* RVM_HC_<call> and PSCI_<call> function ids */

struct rvm_ret {
        int64_t status;
        uint64_t x1, x2, x3;
};

static inline struct rvm_ret rvm_call8(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3,
                                       uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7)
{
        register uint64_t x0 __asm__("x0") = fid;
        register uint64_t x1 __asm__("x1") = a1;
        register uint64_t x2 __asm__("x2") = a2;
        register uint64_t x3 __asm__("x3") = a3;
        register uint64_t x4 __asm__("x4") = a4;
        register uint64_t x5 __asm__("x5") = a5;
        register uint64_t x6 __asm__("x6") = a6;
        register uint64_t x7 __asm__("x7") = a7;

        __asm__ volatile("hvc #0"
                         : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6),
                           "+r"(x7)
                         :
                         : "memory");
        return (struct rvm_ret){(int64_t)x0, x1, x2, x3};
}

static inline struct rvm_ret rvm_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
        return rvm_call8(fid, a1, a2, a3, 0, 0, 0, 0);
}

static inline int64_t rvm_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
        register uint64_t x0 __asm__("x0") = fid;
        register uint64_t x1 __asm__("x1") = a1;
        register uint64_t x2 __asm__("x2") = a2;
        register uint64_t x3 __asm__("x3") = a3;

        __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
        return (int64_t)x0;
}

/* Things only a hostile test guest does (RVM must contain them). */
static inline void rvm_dc_isw(uint64_t setway)
{
        __asm__ volatile("dc isw, %0" : : "r"(setway) : "memory");
}

static inline void rvm_write_actlr(uint64_t v)
{
        __asm__ volatile("msr actlr_el1, %0" : : "r"(v) : "memory");
}

/*
 * Device register accesses in every form the stage-2 syndrome can describe, and one it
 * cannot (a load pair): the tests of RVM's MMIO emulation use them.
 */
#define RVM_MMIO_LOAD(name, op)                                                 \
        static inline uint64_t name(uint64_t addr)                              \
        {                                                                       \
                uint64_t v;                                                     \
                __asm__ volatile(op ", [%1]" : "=r"(v) : "r"(addr) : "memory"); \
                return v;                                                       \
        }
#define RVM_MMIO_STORE(name, op)                                                \
        static inline void name(uint64_t addr, uint64_t v)                      \
        {                                                                       \
                __asm__ volatile(op ", [%1]" : : "r"(v), "r"(addr) : "memory"); \
        }
RVM_MMIO_LOAD(rvm_mmio_ldrb, "ldrb %w0")
RVM_MMIO_LOAD(rvm_mmio_ldrh, "ldrh %w0")
RVM_MMIO_LOAD(rvm_mmio_ldr32, "ldr %w0")
RVM_MMIO_LOAD(rvm_mmio_ldr64, "ldr %0")
RVM_MMIO_LOAD(rvm_mmio_ldrsb64, "ldrsb %0")
RVM_MMIO_LOAD(rvm_mmio_ldrsb32, "ldrsb %w0")
RVM_MMIO_LOAD(rvm_mmio_ldrsh64, "ldrsh %0")
RVM_MMIO_STORE(rvm_mmio_strb, "strb %w0")
RVM_MMIO_STORE(rvm_mmio_strh, "strh %w0")
RVM_MMIO_STORE(rvm_mmio_str32, "str %w0")
RVM_MMIO_STORE(rvm_mmio_str64, "str %0")

/* A load into XZR with x30 holding a marker; returns x30 afterwards (must be the marker). */
static inline uint64_t rvm_mmio_ldr_xzr(uint64_t addr, uint64_t marker)
{
        uint64_t after;

        __asm__ volatile("mov x30, %1\n ldr xzr, [%2]\n mov %0, x30"
                         : "=r"(after)
                         : "r"(marker), "r"(addr)
                         : "x30", "memory");
        return after;
}

static inline void rvm_mmio_str_wzr(uint64_t addr)
{
        __asm__ volatile("str wzr, [%0]" : : "r"(addr) : "memory");
}

/* A load pair: its syndrome has ISV = 0, so RVM cannot emulate it. */
static inline uint64_t rvm_mmio_ldp(uint64_t addr)
{
        uint64_t a, b;

        __asm__ volatile("ldp %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"(addr) : "memory");
        return a ^ b;
}

/* The virtual counter (readable at EL1; RVM sets CNTVOFF_EL2 = 0). */
static inline uint64_t rvm_read_cntvct(void)
{
        uint64_t v;

        __asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(v) : : "memory");
        return v;
}

/* The counter's frequency in Hz (CNTFRQ_EL0, as firmware set it; readable at EL1). */
static inline uint64_t rvm_read_cntfrq(void)
{
        uint64_t f;

        __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
        return f;
}

/* This vCPU's MPIDR_EL1 (RVM sets it: aff0 = the vCPU's index in its partition). */
static inline uint64_t rvm_read_mpidr(void)
{
        uint64_t v;

        __asm__ volatile("mrs %0, mpidr_el1" : "=r"(v));
        return v;
}

static inline void rvm_wfi(void)
{
        __asm__ volatile("wfi" ::: "memory");
}

static inline size_t rvm_strlen(const char *s)
{
        size_t n = 0;

        while (s[n] != '\0') {
                n++;
        }
        return n;
}

static inline void rvm_puts(const char *s)
{
        rvm_call(RVM_HC_CONSOLE_WRITE, (uint64_t)(uintptr_t)s, rvm_strlen(s), 0);
}

static inline void rvm_yield(void)
{
        rvm_call(RVM_HC_YIELD, 0, 0, 0);
}

static inline __attribute__((noreturn)) void rvm_exit(uint64_t code)
{
        for (;;) {
                rvm_call(RVM_HC_EXIT, code, 0, 0);
        }
}

static inline uint64_t rvm_time_ns(void)
{
        return rvm_call(RVM_HC_TIME, 0, 0, 0).x1;
}

/* The nonce (x6) of the next P2 call (CAP_DERIVE, CAP_GRANT, CAP_REVOKE): RVM issues it and
 * accepts it once, within its request window (one second) of issuing it. */
static inline uint64_t rvm_ticket(void)
{
        return rvm_call(RVM_HC_TICKET, 0, 0, 0).x1;
}

/*
 * CommEdges. Edge n is two shared pages at the partition's edge window + n * 8 KiB, one per
 * end: the partition that owns the edge object has the first, its peer the second. RVM places
 * the window from the partition's layout (the first 2 MiB boundary at or above the end of its
 * RAM); SELF gives it in x2 (rvm_edge_window; 0: no room, no edges), the doorbell page in x3. Each
 * end writes only its own page (the other is mapped read-only): a 64-byte header — head, how many
 * messages it has put in its ring; ack, how many of the peer's it has read — and its ring of
 * 32 slots of 64 bytes. Both counters are free-running 32-bit: message i is in slot i % 32,
 * right across the wrap at 2^32.
 */
#define RVM_EDGE_STRIDE 0x2000ULL
#define RVM_RING_SLOTS  32u

struct rvm_ring {
        volatile uint32_t head; /* messages put in this page's ring */
        volatile uint32_t ack;  /* messages of the other page's ring read */
        uint32_t pad[14];
        volatile uint64_t slot[RVM_RING_SLOTS][8];
};

struct rvm_edge {
        uint64_t handle;
        uint32_t id; /* the edge number: its doorbell is RVM_VIRQ_EDGE(id) */
        struct rvm_ring *out;
        struct rvm_ring *in;
};

/* A hypercall with all eight result registers (CAP_INSPECT returns up to x6). */
static inline int64_t rvm_call_regs(uint64_t x[8])
{
        register uint64_t x0 __asm__("x0") = x[0];
        register uint64_t x1 __asm__("x1") = x[1];
        register uint64_t x2 __asm__("x2") = x[2];
        register uint64_t x3 __asm__("x3") = x[3];
        register uint64_t x4 __asm__("x4") = x[4];
        register uint64_t x5 __asm__("x5") = x[5];
        register uint64_t x6 __asm__("x6") = x[6];
        register uint64_t x7 __asm__("x7") = x[7];

        __asm__ volatile("hvc #0"
                         : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6),
                           "+r"(x7)
                         :
                         : "memory");
        x[0] = x0, x[1] = x1, x[2] = x2, x[3] = x3, x[4] = x4, x[5] = x5, x[6] = x6, x[7] = x7;
        return (int64_t)x0;
}

/* The caller's CommEdge window (edge n's rings at this + n * RVM_EDGE_STRIDE), 0 if none. */
static inline uint64_t rvm_edge_window(void)
{
        return rvm_call(RVM_HC_SELF, 0, 0, 0).x2;
}

/* The nth (from 0, in capability-table order) CommEdge capability the caller holds, and its
 * rings; 0 on success. */
static inline int rvm_edge_open_nth(struct rvm_edge *e, unsigned nth)
{
        struct rvm_ret me = rvm_call(RVM_HC_SELF, 0, 0, 0);
        uint64_t self = me.x1;

        if (me.x2 == 0) {
                return -1; /* no window: its IPA space has no room for one */
        }
        for (uint64_t cursor = 0;;) {
                struct rvm_ret r = rvm_call(RVM_HC_CAP_LIST, cursor, 0, 0);
                if (r.x1 == 0) {
                        return -1;
                }
                cursor = r.x2;
                if ((r.x3 & 0xff) != 3 || nth-- != 0) { /* not a comm edge, or not yet the nth */
                        continue;
                }
                /* CAP_INSPECT: x1 bits 63:32 = owner partition, x5 = object id = edge number. */
                uint64_t x[8] = {RVM_HC_CAP_INSPECT, r.x1};
                if (rvm_call_regs(x) != 0) {
                        return -1;
                }
                uintptr_t rings = (uintptr_t)(me.x2 + x[5] * RVM_EDGE_STRIDE);
                unsigned mine = (x[1] >> 32) == self ? 0 : 1;
                e->handle = r.x1;
                e->id = (uint32_t)x[5];
                e->out = (struct rvm_ring *)(rings + mine * 4096);
                e->in = (struct rvm_ring *)(rings + (1 - mine) * 4096);
                return 0;
        }
}

/* The first CommEdge capability the caller holds, and its rings; 0 on success. */
static inline int rvm_edge_open(struct rvm_edge *e)
{
        return rvm_edge_open_nth(e, 0);
}

/* Copy one 64-byte message into the outgoing ring; false if it is full. */
static inline int rvm_send(struct rvm_edge *e, const uint64_t msg[8])
{
        uint32_t head = e->out->head;

        if (head - e->in->ack >= RVM_RING_SLOTS) { /* the peer acks what it read in its page */
                return 0;
        }
        volatile uint64_t *slot = e->out->slot[head % RVM_RING_SLOTS];
#pragma GCC unroll 8 /* (gcc keeps a loop over volatile words otherwise: 7 instructions each) */
        for (int i = 0; i < 8; i++) {
                slot[i] = msg[i];
        }
        __asm__ volatile("dmb ish" ::: "memory"); /* the slot before the index */
        e->out->head = head + 1;
        return 1;
}

/* Take one message from the incoming ring; false if it is empty. */
static inline int rvm_recv(struct rvm_edge *e, uint64_t msg[8])
{
        uint32_t tail = e->out->ack;

        if (tail == e->in->head) {
                return 0;
        }
        __asm__ volatile("dmb ish" ::: "memory"); /* the index before the slot */
        const volatile uint64_t *slot = e->in->slot[tail % RVM_RING_SLOTS];
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++) {
                msg[i] = slot[i];
        }
        __asm__ volatile("dmb ish" ::: "memory");
        e->out->ack = tail + 1;
        return 1;
}

/* The doorbell: RVM counts what was sent and wakes the peer if it waits. */
static inline int64_t rvm_notify(struct rvm_edge *e)
{
        return rvm_call(RVM_HC_EDGE_NOTIFY, e->handle, 0, 0).status;
}

/* Block until the incoming ring has a message (returns at once if it has one). */
static inline int64_t rvm_wait(struct rvm_edge *e)
{
        return rvm_call(RVM_HC_EDGE_WAIT, e->handle, 0, 0).status;
}

/* rvm_notify, then rvm_wait, in one call: a request and the wait for its answer (the peer
 * it wakes usually runs next, in the caller's place). The handle needs both rights. */
static inline int64_t rvm_notify_wait(struct rvm_edge *e)
{
        return rvm_call(RVM_HC_EDGE_NOTIFY_WAIT, e->handle, 0, 0).status;
}

/*
 * Memory regions (docs/ABI.md): zero-copy share, lend or donate of pages of the caller's RAM
 * to one peer. The offer is a capability: the peer gets a handle to retrieve (map the pages
 * at an IPA it chooses) and relinquish; the owner a handle to reclaim.
 */
#define RVM_MEM_SHARE     1u
#define RVM_MEM_LEND      2u
#define RVM_MEM_DONATE    3u
#define RVM_MEM_READ_ONLY 0x100u /* with SHARE or LEND: the peer maps it read-only */

struct rvm_offer {
        int64_t status;
        uint64_t peer_handle;  /* to pass to the peer (e.g. over a CommEdge) */
        uint64_t owner_handle; /* for rvm_mem_reclaim */
};

/* The first memory capability in the caller's table: its RAM, with GRANT (0 if none). */
static inline uint64_t rvm_mem_cap(void)
{
        for (uint64_t cursor = 0;;) {
                struct rvm_ret r = rvm_call(RVM_HC_CAP_LIST, cursor, 0, 0);
                if (r.x1 == 0) {
                        return 0;
                }
                cursor = r.x2;
                if ((r.x3 & 0xff) == 2 && ((r.x3 >> 8) & 0x04) != 0) {
                        return r.x1;
                }
        }
}

/* Offer [ipa, ipa + size) to partition peer; kind RVM_MEM_SHARE/LEND/DONATE [| READ_ONLY]. */
static inline struct rvm_offer rvm_mem_offer(uint64_t mem_cap, uint64_t ipa, uint64_t size,
                                             uint64_t peer, uint64_t kind)
{
        struct rvm_ret r = rvm_call8(RVM_HC_MEM_OFFER, mem_cap, ipa, size, peer, kind, 0, 0);
        return (struct rvm_offer){r.status, r.x1, r.x2};
}

/* Map the offer at ipa (x1 back = bytes mapped). */
static inline int64_t rvm_mem_retrieve(uint64_t handle, uint64_t ipa)
{
        return rvm_call(RVM_HC_MEM_RETRIEVE, handle, ipa, 0).status;
}

static inline int64_t rvm_mem_relinquish(uint64_t handle)
{
        return rvm_call(RVM_HC_MEM_RELINQUISH, handle, 0, 0).status;
}

static inline int64_t rvm_mem_reclaim(uint64_t owner_handle)
{
        return rvm_call(RVM_HC_MEM_RECLAIM, owner_handle, 0, 0).status;
}

/*
 * A PL011-compatible console UART that RVM emulates for the partition when its configuration
 * asks for one (docs/ABI.md "Virtual devices"), where QEMU virt has its UART. Lines written
 * to DR appear on RVM's console prefixed with the partition's name.
 */
#define RVM_VUART_BASE 0x09000000ULL
#define RVM_VUART_DR   0x000
#define RVM_VUART_FR   0x018
#define RVM_VUART_TXFF (1u << 5)

static inline void rvm_vuart_putc(char c)
{
        volatile uint32_t *uart = (volatile uint32_t *)(uintptr_t)RVM_VUART_BASE;

        while (uart[RVM_VUART_FR / 4] & RVM_VUART_TXFF) {
        }
        uart[RVM_VUART_DR / 4] = (uint8_t)c;
}

static inline void rvm_vuart_puts(const char *s)
{
        while (*s != '\0') {
                rvm_vuart_putc(*s++);
        }
}

/* FP register d8 <- v; returns what d8 held (a value kept in an FP register across traps,
 * for tests of saved and restored FP state). */
static inline uint64_t rvm_fp_d8_swap(uint64_t v)
{
        uint64_t old;

        __asm__ volatile("fmov %0, d8\n fmov d8, %1" : "=&r"(old) : "r"(v));
        return old;
}

/*
 * Fill every FP/SIMD register with a value derived from seed, yield the CPU (another
 * partition runs and uses its own FP state), and count the registers that no longer hold
 * their value. All in one asm block so the compiler keeps nothing of its own in V0-V31.
 */
static inline uint64_t rvm_fp_yield_check(uint64_t seed)
{
        uint64_t bad = 0;

        __asm__ volatile(
            "add x9, %[seed], #0\n dup v0.2d, x9\n"
            "add x9, %[seed], #1\n dup v1.2d, x9\n"
            "add x9, %[seed], #2\n dup v2.2d, x9\n"
            "add x9, %[seed], #3\n dup v3.2d, x9\n"
            "add x9, %[seed], #4\n dup v4.2d, x9\n"
            "add x9, %[seed], #5\n dup v5.2d, x9\n"
            "add x9, %[seed], #6\n dup v6.2d, x9\n"
            "add x9, %[seed], #7\n dup v7.2d, x9\n"
            "add x9, %[seed], #8\n dup v8.2d, x9\n"
            "add x9, %[seed], #9\n dup v9.2d, x9\n"
            "add x9, %[seed], #10\n dup v10.2d, x9\n"
            "add x9, %[seed], #11\n dup v11.2d, x9\n"
            "add x9, %[seed], #12\n dup v12.2d, x9\n"
            "add x9, %[seed], #13\n dup v13.2d, x9\n"
            "add x9, %[seed], #14\n dup v14.2d, x9\n"
            "add x9, %[seed], #15\n dup v15.2d, x9\n"
            "add x9, %[seed], #16\n dup v16.2d, x9\n"
            "add x9, %[seed], #17\n dup v17.2d, x9\n"
            "add x9, %[seed], #18\n dup v18.2d, x9\n"
            "add x9, %[seed], #19\n dup v19.2d, x9\n"
            "add x9, %[seed], #20\n dup v20.2d, x9\n"
            "add x9, %[seed], #21\n dup v21.2d, x9\n"
            "add x9, %[seed], #22\n dup v22.2d, x9\n"
            "add x9, %[seed], #23\n dup v23.2d, x9\n"
            "add x9, %[seed], #24\n dup v24.2d, x9\n"
            "add x9, %[seed], #25\n dup v25.2d, x9\n"
            "add x9, %[seed], #26\n dup v26.2d, x9\n"
            "add x9, %[seed], #27\n dup v27.2d, x9\n"
            "add x9, %[seed], #28\n dup v28.2d, x9\n"
            "add x9, %[seed], #29\n dup v29.2d, x9\n"
            "add x9, %[seed], #30\n dup v30.2d, x9\n"
            "add x9, %[seed], #31\n dup v31.2d, x9\n"
            "mov x0, %[yield]\n hvc #0\n"
            "add x9, %[seed], #0\n mov x10, v0.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n mov "
            "x10, v0.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #1\n mov x10, v1.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n mov "
            "x10, v1.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #2\n mov x10, v2.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n mov "
            "x10, v2.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #3\n mov x10, v3.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n mov "
            "x10, v3.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #4\n mov x10, v4.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n mov "
            "x10, v4.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #5\n mov x10, v5.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n mov "
            "x10, v5.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #6\n mov x10, v6.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n mov "
            "x10, v6.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #7\n mov x10, v7.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n mov "
            "x10, v7.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #8\n mov x10, v8.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n mov "
            "x10, v8.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #9\n mov x10, v9.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n mov "
            "x10, v9.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #10\n mov x10, v10.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v10.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #11\n mov x10, v11.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v11.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #12\n mov x10, v12.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v12.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #13\n mov x10, v13.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v13.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #14\n mov x10, v14.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v14.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #15\n mov x10, v15.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v15.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #16\n mov x10, v16.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v16.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #17\n mov x10, v17.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v17.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #18\n mov x10, v18.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v18.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #19\n mov x10, v19.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v19.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #20\n mov x10, v20.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v20.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #21\n mov x10, v21.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v21.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #22\n mov x10, v22.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v22.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #23\n mov x10, v23.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v23.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #24\n mov x10, v24.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v24.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #25\n mov x10, v25.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v25.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #26\n mov x10, v26.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v26.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #27\n mov x10, v27.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v27.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #28\n mov x10, v28.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v28.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #29\n mov x10, v29.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v29.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #30\n mov x10, v30.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v30.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            "add x9, %[seed], #31\n mov x10, v31.d[0]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n "
            "mov x10, v31.d[1]\n cmp x9, x10\n cinc %[bad], %[bad], ne\n"
            : [bad] "+r"(bad)
            : [seed] "r"(seed), [yield] "r"((uint64_t)RVM_HC_YIELD)
            : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x9", "x10", "cc", "memory", "v0",
              "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13",
              "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25",
              "v26", "v27", "v28", "v29", "v30", "v31");
        return bad;
}

#include "arch/aarch64/guest/rvm_irq.h" /* virtual interrupts: vectors, GIC, timer */

/* The guest's entry point: the linker script places .text.entry at the load address. */
#define RVM_GUEST_ENTRY(fn) \
        __attribute__((section(".text.entry"), used, noreturn)) void fn(uint64_t dtb)

#endif
