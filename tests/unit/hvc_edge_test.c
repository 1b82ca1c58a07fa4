/*
 * CommEdge hypercall tests on the host (tests/unit/hvc_fixture.h has the world): notify,
 * wait and notify-wait, ring indices across their wrap, the edge window's placement, RVM's
 * own counts, refusals on someone else's edge, and the doorbell page's emulated registers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cap/cap.h"
#include "kernel/gate.h"
#include "kernel/hvc.h"
#include "kernel/ipc.h"
#include "kernel/percpu.h"
#include "memory/memory.h"
#include "partition/edge.h"
#include "partition/lease.h"
#include "partition/partition.h"
#include "partition/share.h"
#include "partition/vdev.h"
#include "partition/virq.h"
#include "proof/proof.h"
#include "tests/fake/arch_fake.h"
#include "tests/fake/fake_hal.h"
#include "tests/fake/hvc_world.h"
#include "tests/unit/hvc_fixture.h"
#include "witness/witness.h"

/* ---- CommEdges ---- */

/* End `end`'s page header of edge 0: [0] the head of its ring, [1] its ack of the other. */
static uint32_t *ring_head(unsigned end)
{
        return mem_ptr(edge_get(0)->ring_pa[end]);
}

static void test_edge_notify_counts_wakes_and_raises_the_doorbell(void **state)
{
        (void)state;
        /* Partition 2 waits on an empty ring: it blocks. */
        assert_int_equal(hvc(2, RVM_HC_EDGE_WAIT, edge_h[2], 0, 0, 0, 0), 0);
        assert_int_equal(fake_kernel.blocked, 1);
        assert_int_equal(part[2]->vcpus[0].state, VCPU_BLOCKED);
        /* Partition 1 writes three messages and rings. */
        ring_head(0)[0] = 3;
        assert_int_equal(hvc(1, RVM_HC_EDGE_NOTIFY, edge_h[1], 0, 0, 0, 0), 0);
        assert_int_equal(fake_kernel.woken, 1);
        assert_int_equal(part[2]->vcpus[0].state, VCPU_RUNNABLE);
        assert_ptr_equal(fake_kernel.last_virq_vcpu, &part[2]->vcpus[0]);
        assert_int_equal(fake_kernel.last_virq, EDGE_VIRQ_BASE + 0);
        assert_int_equal(edge_get(0)->side[0].msgs, 3);
        /* Waiting again finds messages: no block. */
        assert_int_equal(hvc(2, RVM_HC_EDGE_WAIT, edge_h[2], 0, 0, 0, 0), 0);
        assert_int_equal(fake_kernel.blocked, 1);
}

/* EDGE_NOTIFY_WAIT is the doorbell, then the wait: the caller's message wakes the waiting
 * peer, and the caller blocks until the peer answers; the answer wakes it in turn. */
static void test_edge_notify_wait_rings_then_waits_for_the_answer(void **state)
{
        (void)state;
        assert_int_equal(hvc(2, RVM_HC_EDGE_WAIT, edge_h[2], 0, 0, 0, 0), 0);
        assert_int_equal(fake_kernel.blocked, 1);
        /* 1 sends one message and calls: 2 wakes, 1 blocks on its empty incoming ring. */
        ring_head(0)[0] = 1;
        assert_int_equal(hvc(1, RVM_HC_EDGE_NOTIFY_WAIT, edge_h[1], 0, 0, 0, 0), 0);
        assert_int_equal(fake_kernel.woken, 1);
        assert_int_equal(fake_kernel.blocked, 2);
        assert_int_equal(part[2]->vcpus[0].state, VCPU_RUNNABLE);
        assert_int_equal(part[1]->vcpus[0].state, VCPU_BLOCKED);
        assert_int_equal(edge_get(0)->side[0].msgs, 1);
        assert_int_equal(edge_get(0)->side[0].notifies, 1);
        /* 2 reads it (acks 1), answers and calls: 1 wakes, 2 blocks in its turn. */
        ring_head(1)[1] = 1;
        ring_head(1)[0] = 1;
        assert_int_equal(hvc(2, RVM_HC_EDGE_NOTIFY_WAIT, edge_h[2], 0, 0, 0, 0), 0);
        assert_int_equal(fake_kernel.woken, 2);
        assert_int_equal(fake_kernel.blocked, 3);
        assert_int_equal(part[1]->vcpus[0].state, VCPU_RUNNABLE);
        assert_int_equal(part[2]->vcpus[0].state, VCPU_BLOCKED);
        assert_int_equal(edge_get(0)->side[1].msgs, 1);
        /* An answer already there: the call rings and returns without blocking. */
        ring_head(1)[0] = 2;
        assert_int_equal(hvc(1, RVM_HC_EDGE_NOTIFY_WAIT, edge_h[1], 0, 0, 0, 0), 0);
        assert_int_equal(fake_kernel.blocked, 3);
}

/* Ring indices are free-running 32-bit counters: across their wrap at 2^32 no message lands
 * on an unread one and none is lost or reordered (the slot count is a power of two). */
static void test_edge_ring_indices_wrap_without_aliasing(void **state)
{
        uint8_t msg[EDGE_MSG_BYTES];
        uint64_t sent = 0, got = 0;

        (void)state;
        edge_start_indices(0, 0xFFFFFFF0u);
        for (unsigned round = 0; round < 6; round++) {
                /* Fill the ring (up to the slot count, then NO_SPACE), then drain it. */
                for (;;) {
                        memset(msg, 0, sizeof(msg));
                        memcpy(msg, &sent, sizeof(sent));
                        if (edge_put(0, 1, msg) != PART_OK) {
                                break;
                        }
                        sent++;
                }
                assert_int_equal(sent - got, EDGE_RING_SLOTS);
                bool any;
                while (edge_take(0, 2, msg, false, &any) == PART_OK && any) {
                        uint64_t seq;
                        memcpy(&seq, msg, sizeof(seq));
                        assert_int_equal(seq, got);
                        got++;
                }
                assert_int_equal(got, sent);
        }
        assert_true(ring_head(0)[0] < 0x100); /* it did wrap */
}

/* ---- the edge window: placed from each partition's layout, not a constant ---- */

/* The rule (partition/edge.h): the first 2 MiB boundary at or above the end of RAM, the
 * window and its doorbell page inside the IPA space, never over RAM; 0 when there is no
 * room. */
static void test_edge_window_is_placed_above_ram_or_refused(void **state)
{
        const uint64_t mib = 1ULL << 20, limit = 1ULL << 32;

        (void)state;
        assert_int_equal(edge_window_place(PART_IPA_BASE, 64 << 10, limit), 0x40200000);
        assert_int_equal(edge_window_place(PART_IPA_BASE, 2 * mib, limit), 0x40200000);
        assert_int_equal(edge_window_place(PART_IPA_BASE, 256 * mib, limit), 0x50000000);
        assert_int_equal(edge_window_place(PART_IPA_BASE, 320 * mib, limit), 0x54000000);
        assert_int_equal(edge_window_place(PART_IPA_BASE, 320 * mib + 0x1000, limit), 0x54200000);
        for (uint64_t ram = 0x1000; ram <= 1024 * mib; ram = ram * 3 + 0x1000) {
                uint64_t ipa = edge_window_place(PART_IPA_BASE, ram, limit);
                assert_true(ipa >= PART_IPA_BASE + ram);                /* clear of RAM */
                assert_true(ipa < PART_IPA_BASE + ram + 2 * mib);       /* right above it */
                assert_int_equal(ipa % (2 * mib), 0);                   /* RAM keeps its blocks */
                assert_true(ipa + EDGE_WINDOW + EDGE_DB_SIZE <= limit); /* in the IPA space */
        }
        /* No room: RAM to the top of a 4 GiB IPA space, or up to less than the window below
         * it; a wrap. */
        assert_int_equal(edge_window_place(PART_IPA_BASE, limit - PART_IPA_BASE, limit), 0);
        assert_int_equal(edge_window_place(PART_IPA_BASE, limit - PART_IPA_BASE - mib, limit), 0);
        assert_int_equal(edge_window_place(PART_IPA_BASE, ~0ULL - 0xfff, ~0ULL), 0);
        assert_int_equal(edge_window_place(PART_IPA_BASE, limit - PART_IPA_BASE - 4 * mib, limit),
                         limit - 4 * mib);
}

/* Each partition's window is its own: stored at creation, told by SELF (x2 the window, x3
 * the doorbell page), the doorbell page found only there; a partition whose IPA space had no
 * room gets no edge. */
static void test_edge_window_is_the_partitions_and_self_tells_it(void **state)
{
        (void)state;
        for (uint32_t id = 1; id <= GUESTS; id++) {
                const struct partition *p = part[id];
                assert_int_equal(p->edge_ipa,
                                 edge_window_place(PART_IPA_BASE, p->mem_size, part_ipa_limit(p)));
                assert_int_equal(hvc(id, RVM_HC_SELF, 0, 0, 0, 0, 0), 0);
                assert_int_equal(regs[1], id);
                assert_int_equal(regs[2], p->edge_ipa);
                assert_int_equal(regs[3], p->edge_ipa + EDGE_WINDOW);
                assert_true(edge_db_hit(p, ipa_init(regs[3])) &&
                            edge_db_hit(p, ipa_init(regs[3] + 0xfff)));
                assert_false(edge_db_hit(p, ipa_init(regs[3] - 1)) ||
                             edge_db_hit(p, ipa_init(regs[3] + 0x1000)));
        }
        assert_int_equal(EDGES, 0x40200000);
        /* The edge's rings are mapped at each end's own window. */
        assert_int_equal(fake_s2_prot(part[2]->s2_root, part[2]->edge_ipa + 0x1000), ARCH_S2_WRITE);
        /* No room for a window: no doorbell page, no edge, nothing mapped. */
        size_t before = fake_s2_mapped(NULL);
        unsigned edges = edge_count();
        uint64_t saved = part[3]->edge_ipa;
        part[3]->edge_ipa = 0;
        assert_false(edge_db_hit(part[3], ipa_init(saved + EDGE_WINDOW)));
        assert_int_equal(edge_db_ipa(part[3]), 0);
        size_t records = wit_n;
        assert_int_equal(edge_connect(3, 1), PART_E_RANGE);
        assert_int_equal(edge_connect(1, 3), PART_E_RANGE);
        assert_int_equal(edge_count(), edges);
        assert_int_equal(wit_n, records + 2); /* each refusal witnessed */
        assert_int_equal(wit[records % WIT_MAX].kind, WK_COMM_EDGE);
        assert_int_equal(wit[records % WIT_MAX].flags, WITNESS_F_DENIED);
        assert_int_equal(wit[records % WIT_MAX].actor, 3);
        assert_int_equal(fake_s2_mapped(NULL), before);
        assert_int_equal(hvc(3, RVM_HC_SELF, 0, 0, 0, 0, 0), 0);
        assert_int_equal(regs[2], 0);
        assert_int_equal(regs[3], 0);
        part[3]->edge_ipa = saved;
}

/* Each end writes only its own page, and RVM counts what the reader's progress vouches
 * for: a writer that claims a million messages is counted one ring's worth. */
static void test_edge_counts_are_rvms_and_pages_are_each_ends_own(void **state)
{
        (void)state;
        assert_int_equal(fake_s2_prot(part[1]->s2_root, EDGES), ARCH_S2_WRITE);
        assert_int_equal(fake_s2_prot(part[1]->s2_root, EDGES + 0x1000), ARCH_S2_READ);
        assert_int_equal(fake_s2_prot(part[2]->s2_root, part[2]->edge_ipa), ARCH_S2_READ);
        assert_int_equal(fake_s2_prot(part[2]->s2_root, part[2]->edge_ipa + 0x1000), ARCH_S2_WRITE);
        ring_head(0)[0] = 1000000;
        assert_int_equal(hvc(1, RVM_HC_EDGE_NOTIFY, edge_h[1], 0, 0, 0, 0), 0);
        assert_int_equal(edge_get(0)->side[0].msgs, EDGE_RING_SLOTS);
        /* The reader acks 100 (in its own page): the next claim is bounded by that. */
        ring_head(1)[1] = 100;
        ring_head(0)[0] = 2000000;
        assert_int_equal(hvc(1, RVM_HC_EDGE_NOTIFY, edge_h[1], 0, 0, 0, 0), 0);
        assert_int_equal(edge_get(0)->side[0].msgs, EDGE_RING_SLOTS + 100 + EDGE_RING_SLOTS);
}

static void test_edge_calls_on_someone_elses_edge_are_refused(void **state)
{
        (void)state;
        /* Partition 1's handle presented by 3: not in 3's table. */
        assert_true(hvc(3, RVM_HC_EDGE_NOTIFY, edge_h[1], 0, 0, 0, 0) < 0);
        assert_true(hvc(3, RVM_HC_EDGE_WAIT, edge_h[1], 0, 0, 0, 0) < 0);
        assert_true(hvc(1, RVM_HC_EDGE_NOTIFY, mem_h[1], 0, 0, 0, 0) < 0); /* wrong type */
        assert_true(hvc(3, RVM_HC_EDGE_NOTIFY_WAIT, edge_h[1], 0, 0, 0, 0) < 0);
        assert_true(hvc(1, RVM_HC_EDGE_NOTIFY_WAIT, mem_h[1], 0, 0, 0, 0) < 0);
        /* EDGE_NOTIFY_WAIT needs both rights: a handle to edge 0 that may only ring (a root
         * capability of its own, minted write-only to 1) is refused it. */
        cap_obj_t obj;
        cap_handle_t ring_only = 0;
        assert_int_equal(cap_object_create(CAP_T_COMM_EDGE, 1, 1, 0, &obj), CAP_OK);
        assert_int_equal(cap_mint_root(obj, 1, CAP_R_WRITE, &ring_only), CAP_OK);
        assert_true(hvc(1, RVM_HC_EDGE_NOTIFY_WAIT, ring_only, 0, 0, 0, 0) < 0);
        assert_int_not_equal(part[1]->vcpus[0].state, VCPU_BLOCKED);
        assert_int_equal(edge_get(0)->side[0].notifies + edge_get(0)->side[1].notifies, 0);
        assert_int_equal(fake_kernel.virqs, 0);
        assert_int_equal(hvc(1, RVM_HC_EDGE_NOTIFY, ring_only, 0, 0, 0, 0), 0); /* it may ring */
}

/* ---- the doorbell page: a CommEdge without hypercalls (kernel/ipc.c, partition/edge.c) ---- */

/* A stage-2 data abort's syndrome for a load or store of width bytes with register reg, as
 * arch_mmio_decode reads it (ISV set, a level-3 translation fault). */
static uint64_t dabt_esr(unsigned width, unsigned reg, bool write)
{
        return 0x24ULL << 26 | 1ULL << 25 | 1ULL << 24 | (uint64_t)__builtin_ctz(width) << 22 |
               (uint64_t)reg << 16 | (width == 8 ? 1ULL << 15 : 0) | (write ? 1ULL << 6 : 0) | 0x07;
}

/* One access of partition id at offset of its doorbell page with x5 (reads land there):
 * emulated, stepped over; refused ones witnessed DENIED by id, the rest not. */
static uint64_t db_access(uint32_t id, uint64_t offset, unsigned width, bool write, uint64_t val,
                          bool refused)
{
        struct arch_regs r = {.elr = 0x40001000};
        size_t before = wit_n, all, denied;
        uint64_t folded = gate_denials_folded();

        r.x[5] = write ? val : 0x5555;
        assert_int_equal(ipc_doorbell_abort(part[id], &r, dabt_esr(width, 5, write),
                                            ipa_init(edge_db_ipa(part[id]) + offset)),
                         VDEV_DONE);
        assert_int_equal(r.elr, 0x40001004);
        records_since(before, &all, &denied, id);
        /* in full, or past the denial budget counted for the epoch's WK_WIT_FOLDED */
        assert_int_equal(denied + (gate_denials_folded() - folded), refused ? 1 : 0);
        if (denied != 0) {
                assert_int_equal(wit[before % WIT_MAX].kind, WK_COMM_SEND);
                assert_int_equal(wit[before % WIT_MAX].target, edge_db_ipa(part[id]) + offset);
        }
        return r.x[5];
}

static void test_edge_doorbell_page_rings_reads_and_refuses(void **state)
{
        const uint64_t ring0 = EDGE_DB_BLOCK; /* edge 0's block */

        (void)state;
        /* Who is an end of what, which page is whose, how much room. */
        assert_int_equal(db_access(1, EDGE_DB_EDGES, 4, false, 0, false), 1);
        assert_int_equal(db_access(2, EDGE_DB_EDGES, 4, false, 0, false), 1);
        assert_int_equal(db_access(3, EDGE_DB_EDGES, 4, false, 0, false), 0);
        assert_int_equal(db_access(1, ring0 + EDGE_DB_END, 4, false, 0, false), 0);
        assert_int_equal(db_access(2, ring0 + EDGE_DB_END, 4, false, 0, false), 1);
        assert_int_equal(db_access(1, ring0 + EDGE_DB_SPACE, 4, false, 0, false), EDGE_RING_SLOTS);
        assert_int_equal(db_access(2, ring0 + EDGE_DB_RING, 4, false, 0, false), 0);
        /* Partition 1 puts two messages and writes the doorbell: counted, the peer's
         * interrupt raised and its RING reads 2; 1's SPACE is 30 until 2 acks them. */
        ring_head(0)[0] = 2;
        assert_int_equal(db_access(1, ring0 + EDGE_DB_RING, 4, true, 1, false), 1); /* kept */
        assert_int_equal(edge_get(0)->side[0].msgs, 2);
        assert_int_equal(edge_get(0)->side[0].notifies, 1);
        assert_ptr_equal(fake_kernel.last_virq_vcpu, &part[2]->vcpus[0]);
        assert_int_equal(fake_kernel.last_virq, EDGE_VIRQ_BASE + 0);
        assert_int_equal(db_access(2, ring0 + EDGE_DB_RING, 4, false, 0, false), 2);
        assert_int_equal(db_access(1, ring0 + EDGE_DB_SPACE, 4, false, 0, false), 30);
        ring_head(1)[1] = 2; /* 2 acks them in its own page */
        assert_int_equal(db_access(2, ring0 + EDGE_DB_RING, 4, false, 0, false), 0);
        /* A header that lies is clamped to the ring. */
        ring_head(0)[0] = 1000;
        assert_int_equal(db_access(2, ring0 + EDGE_DB_RING, 4, false, 0, false), EDGE_RING_SLOTS);
        assert_int_equal(db_access(1, ring0 + EDGE_DB_SPACE, 4, false, 0, false), 0);

        /* Refused, witnessed, reads all ones, writes dropped: other widths, a gap, a reserved
         * word, unaligned, past the last block, an edge it is not an end of (partition 3: no
         * edge at all), a read-only register written. */
        unsigned virqs = fake_kernel.virqs;
        assert_int_equal(db_access(1, EDGE_DB_EDGES, 1, false, 0, true), 0xff);
        assert_int_equal(db_access(1, EDGE_DB_EDGES, 2, false, 0, true), 0xffff);
        assert_int_equal(db_access(1, EDGE_DB_EDGES, 8, false, 0, true), ~0ULL);
        db_access(1, ring0 + EDGE_DB_RING, 8, true, 1, true);
        assert_int_equal(db_access(1, 0x4, 4, false, 0, true), 0xffffffff);
        assert_int_equal(db_access(1, ring0 + 0xc, 4, false, 0, true), 0xffffffff);
        assert_int_equal(db_access(1, ring0 + 2, 4, false, 0, true), 0xffffffff);
        assert_int_equal(db_access(1, EDGE_DB_BLOCK + EDGE_MAX * EDGE_DB_STRIDE, 4, false, 0, true),
                         0xffffffff);
        assert_int_equal(db_access(1, EDGE_DB_SIZE - 2, 4, false, 0, true), 0xffffffff);
        assert_int_equal(db_access(1, ring0 + EDGE_DB_STRIDE, 4, false, 0, true), 0xffffffff);
        assert_int_equal(db_access(3, ring0 + EDGE_DB_RING, 4, false, 0, true), 0xffffffff);
        db_access(3, ring0 + EDGE_DB_RING, 4, true, 1, true);
        db_access(1, EDGE_DB_EDGES, 4, true, 1, true);
        db_access(1, ring0 + EDGE_DB_END, 4, true, 1, true);
        assert_int_equal(edge_get(0)->side[0].notifies + edge_get(0)->side[1].notifies, 1);
        assert_int_equal(fake_kernel.virqs, virqs);

        /* What the syndrome does not describe (ISV clear) is not emulated: the caller faults. */
        struct arch_regs r = {0};
        assert_int_equal(ipc_doorbell_abort(part[1], &r, dabt_esr(4, 5, false) & ~(1ULL << 24),
                                            ipa_init(DOORBELL)),
                         VDEV_UNDECODABLE);
        assert_int_equal(r.elr, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_edge_notify_counts_wakes_and_raises_the_doorbell,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_edge_notify_wait_rings_then_waits_for_the_answer,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_edge_ring_indices_wrap_without_aliasing, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_edge_window_is_placed_above_ram_or_refused, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_edge_window_is_the_partitions_and_self_tells_it,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_edge_counts_are_rvms_and_pages_are_each_ends_own,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_edge_calls_on_someone_elses_edge_are_refused,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_edge_doorbell_page_rings_reads_and_refuses, setup,
                                            teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
