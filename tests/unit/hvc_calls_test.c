/*
 * Hypercall handler tests on the host (tests/unit/hvc_fixture.h has the world): every entry
 * of the table with boundary register values, the console's reads of guest RAM, memory
 * regions, PSCI and random registers. What is checked: nothing crashes (ASan, UBSan), the
 * witness rule holds for every call (hvc()), and hostile arguments change nothing they must
 * not. The CommEdge calls are in hvc_edge_test.c.
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

/* ---- the table ---- */

static void test_every_entry_is_found_by_the_hypercall_lookup(void **state)
{
        size_t count = 0;
        const struct gate_entry *t = hvc_entries(&count);

        (void)state;
        assert_true(count >= 27); /* 18 guest calls and 9 PSCI calls (no agents on the host) */
        for (size_t i = 0; i < count; i++) {
                assert_ptr_equal(gate_lookup(t[i].fid), &t[i]);
        }
        assert_null(gate_lookup(RVM_FID(0x1ff)));
        assert_null(gate_lookup(0x84000001u)); /* PSCI CPU_SUSPEND: not offered */
}

/* Every call of the table with boundary register values: misaligned, out of range,
 * overflowing, other partitions' handles, forged handles. */
static void test_every_call_with_hostile_arguments_is_refused_or_witnessed(void **state)
{
        const uint64_t values[] = {
            0,
            1,
            0xfff,
            0x1000,
            PART_IPA_BASE - 1,
            PART_IPA_BASE,
            PART_IPA_BASE + RAM - 8,
            PART_IPA_BASE + RAM,
            EDGES,
            DOORBELL,
            UART,
            0x7fffffffffffffffULL,
            0x8000000000000000ULL,
            ~0ULL,
            ~0ULL - 0xfff,
        };
        size_t count = 0;
        const struct gate_entry *t = hvc_entries(&count);
        const size_t nv = sizeof(values) / sizeof(values[0]);

        for (size_t i = 0; i < count; i++) {
                uint32_t fid = t[i].fid;
                if (fid == RVM_HC_EXIT || fid == PSCI_SYSTEM_OFF || fid == PSCI_CPU_OFF ||
                    fid == PSCI_SYSTEM_RESET) {
                        continue; /* end the caller: in test_psci */
                }
                const cap_handle_t handles[] = {0,        edge_h[1], edge_h[2],
                                                mem_h[1], mem_h[2],  0xdeadbeefULL};
                for (size_t h = 0; h < sizeof(handles) / sizeof(handles[0]); h++) {
                        for (size_t a = 0; a < nv; a++) {
                                setup(state);
                                /* As the guest: x1 a handle, or for the unprivileged calls
                                 * also a plain value; the rest boundary values. */
                                uint64_t x1 = (t[i].flags & GATE_F_UNPRIVILEGED) != 0 && h == 5
                                                  ? values[a]
                                                  : handles[h];
                                (void)hvc(1, fid, x1, values[a], values[(a + 3) % nv],
                                          values[(a + 5) % nv], values[(a + 7) % nv]);
                                teardown(state);
                        }
                }
        }
}

/* ---- console ---- */

static void test_console_write_reads_only_the_callers_ram(void **state)
{
        (void)state;
        memcpy(mem_ptr(pa_add(part[1]->mem_pa, 0x100)), "hello\n", 6);
        fake_uart_clear();
        assert_int_equal(hvc(1, RVM_HC_CONSOLE_WRITE, PART_IPA_BASE + 0x100, 6, 0, 0, 0), 0);
        assert_int_equal(regs[1], 6);
        assert_non_null(strstr(fake_uart_output(), "[one] hello"));

        fake_uart_clear();
        assert_true(hvc(1, RVM_HC_CONSOLE_WRITE, PART_IPA_BASE + RAM - 2, 8, 0, 0, 0) < 0);
        assert_true(hvc(1, RVM_HC_CONSOLE_WRITE, ~0ULL - 3, 16, 0, 0, 0) < 0); /* wraps */
        assert_true(hvc(1, RVM_HC_CONSOLE_WRITE, PART_IPA_BASE, 257, 0, 0, 0) < 0);
        assert_true(hvc(1, RVM_HC_CONSOLE_WRITE, UART, 4, 0, 0, 0) < 0); /* a device */
        assert_true(hvc(1, RVM_HC_CONSOLE_WRITE, EDGES + EDGE_STRIDE, 4, 0, 0, 0) < 0);
        assert_string_equal(fake_uart_output(), "");
}

/* EL2 copies guest memory only from normal RAM: a leased device's registers, mapped in the
 * partition, are refused as a console buffer, whole or in part. */
static void test_console_write_never_reads_a_leased_device(void **state)
{
        static const struct board_info board = {.rtc = {.base = 0x09010000, .size = 0x1000},
                                                .rtc_irq = 34};
        static const struct lease_env env = {.unforward = virq_unforward};

        (void)state;
        lease_init(&board, &env);
        assert_int_equal(lease_grant("rtc", part[1], 1000, 0), LEASE_OK);
        assert_int_equal(fake_s2_prot(part[1]->s2_root, 0x09010000) & ARCH_S2_DEVICE,
                         ARCH_S2_DEVICE);
        fake_uart_clear();
        assert_true(hvc(1, RVM_HC_CONSOLE_WRITE, 0x09010000, 4, 0, 0, 0) < 0);
        assert_true(hvc(1, RVM_HC_CONSOLE_WRITE, 0x09010ff8, 16, 0, 0, 0) < 0);
        assert_true(hvc(1, RVM_HC_CONSOLE_WRITE, 0x0900fff8, 16, 0, 0, 0) < 0);
        assert_string_equal(fake_uart_output(), "");
        lease_tick(2000ULL * 1000000ULL); /* expired: unmapped */
        assert_int_equal(fake_s2_prot(part[1]->s2_root, 0x09010000), -1);
}

/* ---- memory regions ---- */

static void test_hostile_offers_and_retrievals_map_nothing(void **state)
{
        const uint64_t before = fake_s2_mapped(NULL);
        const uint64_t share = 1;

        (void)state;
        /* offers: to itself, to nobody, nothing, misaligned, past its RAM, wrapping */
        assert_true(hvc(1, RVM_HC_MEM_OFFER, mem_h[1], PART_IPA_BASE, 0x1000, 1, share) < 0);
        assert_true(hvc(1, RVM_HC_MEM_OFFER, mem_h[1], PART_IPA_BASE, 0x1000, 9, share) < 0);
        assert_true(hvc(1, RVM_HC_MEM_OFFER, mem_h[1], PART_IPA_BASE, 0, 2, share) < 0);
        assert_true(hvc(1, RVM_HC_MEM_OFFER, mem_h[1], PART_IPA_BASE + 1, 0x1000, 2, share) < 0);
        assert_true(hvc(1, RVM_HC_MEM_OFFER, mem_h[1], PART_IPA_BASE + RAM, 0x1000, 2, share) < 0);
        assert_true(hvc(1, RVM_HC_MEM_OFFER, mem_h[1], ~0ULL - 0xfff, 0x2000, 2, share) < 0);
        assert_true(hvc(1, RVM_HC_MEM_OFFER, mem_h[1], PART_IPA_BASE, 0x1000, 2, 0xff00) < 0);
        assert_true(hvc(1, RVM_HC_MEM_OFFER, mem_h[2], PART_IPA_BASE, 0x1000, 2, share) < 0);
        assert_int_equal(fake_s2_mapped(NULL), before);

        /* A good offer; then retrievals where the peer may not put it. */
        assert_int_equal(hvc(1, RVM_HC_MEM_OFFER, mem_h[1], PART_IPA_BASE, 0x2000, 2, share), 0);
        cap_handle_t peer = regs[1];
        const uint64_t bad_ipa[] = {0,
                                    UART,
                                    part[2]->edge_ipa,
                                    part[2]->edge_ipa + EDGE_WINDOW - 0x1000, /* edge 15's */
                                    part[2]->edge_ipa + EDGE_WINDOW,          /* the doorbell */
                                    PART_IPA_BASE,                            /* over its own RAM */
                                    PART_IPA_BASE + RAM + 1,
                                    ~0ULL - 0xfff,
                                    1ULL << 40};
        for (size_t i = 0; i < sizeof(bad_ipa) / sizeof(bad_ipa[0]); i++) {
                assert_true(hvc(2, RVM_HC_MEM_RETRIEVE, peer, bad_ipa[i], 0, 0, 0) < 0);
        }
        assert_true(hvc(3, RVM_HC_MEM_RETRIEVE, peer, PART_IPA_BASE + RAM, 0, 0, 0) < 0);
        assert_int_equal(fake_s2_mapped(NULL), before);
        /* Where it may: mapped, shared pages writable. */
        assert_int_equal(hvc(2, RVM_HC_MEM_RETRIEVE, peer, PART_IPA_BASE + RAM, 0, 0, 0), 0);
        assert_int_equal(regs[1], 0x2000);
        assert_int_equal(fake_s2_mapped(NULL), before + 2);
        assert_true(hvc(2, RVM_HC_MEM_RETRIEVE, peer, PART_IPA_BASE + 2 * RAM, 0, 0, 0) < 0);
}

/* ---- PSCI ---- */

static void test_psci_acts_on_the_caller_only_and_checks_its_arguments(void **state)
{
        (void)state;
        assert_int_equal(hvc(1, PSCI_VERSION, 0, 0, 0, 0, 0), 0x10001);
        assert_int_equal(hvc(1, PSCI_FEATURES, PSCI_CPU_ON_64, 0, 0, 0, 0), 0);
        assert_true(hvc(1, PSCI_FEATURES, 0x84000001u, 0, 0, 0, 0) < 0);
        /* CPU_ON: a vCPU it does not have, outside its RAM, misaligned, already on. */
        assert_true(hvc(1, PSCI_CPU_ON_64, 2, PART_IPA_BASE, 0, 0, 0) < 0);
        assert_true(hvc(1, PSCI_CPU_ON_64, 1ULL << 8, PART_IPA_BASE, 0, 0, 0) < 0);
        assert_true(hvc(1, PSCI_CPU_ON_64, 1, PART_IPA_BASE + RAM, 0, 0, 0) < 0);
        assert_true(hvc(1, PSCI_CPU_ON_64, 1, PART_IPA_BASE + 2, 0, 0, 0) < 0);
        assert_true(hvc(1, PSCI_CPU_ON_64, 0, PART_IPA_BASE, 0, 0, 0) < 0);
        assert_int_equal(part_vcpus_on(part[1]), 1);
        assert_int_equal(hvc(1, PSCI_CPU_ON_64, 1, PART_IPA_BASE + 0x40, 7, 0, 0), 0);
        assert_int_equal(part_vcpus_on(part[1]), 2);
        assert_int_equal(hvc(1, PSCI_AFFINITY_INFO_64, 1, 0, 0, 0, 0), 0);
        assert_true(hvc(1, PSCI_AFFINITY_INFO_64, 1, 1, 0, 0, 0) < 0);
        /* SYSTEM_OFF stops partition 1 only. */
        assert_int_equal(hvc(1, PSCI_SYSTEM_OFF, 0, 0, 0, 0, 0), 0);
        assert_int_equal(part[1]->state, PART_STOPPED);
        assert_int_equal(part[2]->state, PART_RUNNING);
        assert_int_equal(part[3]->state, PART_RUNNING);
        /* SYSTEM_RESET restarts partition 2 from its image, only it. */
        memset(mem_ptr(part[2]->mem_pa), 0xAA, RAM);
        assert_int_equal(hvc(2, PSCI_SYSTEM_RESET, 0, 0, 0, 0, 0), 0);
        assert_int_equal(part[2]->restarts, 1);
        assert_ptr_equal(this_cpu()->reload, part[2]); /* its RAM: in bounded steps */
        assert_int_equal(part[2]->vcpus[0].state, VCPU_OFF);
        unsigned steps = 1;
        while (!part_reload_step(part[2])) {
                steps++;
        }
        assert_int_equal(steps, RAM / 4096 / PART_RELOAD_PAGES);
        assert_int_equal(part[2]->vcpus[0].state, VCPU_RUNNABLE);
        assert_memory_equal(mem_ptr(part[2]->mem_pa), world.image, world.image_size);
        assert_int_equal(((uint8_t *)mem_ptr(part[2]->mem_pa))[RAM - 1], 0);
        assert_int_equal(part[3]->restarts, 0);
}

/* ---- random registers ---- */

static void test_random_registers_never_crash_and_keep_the_witness_rule(void **state)
{
        size_t count = 0;
        const struct gate_entry *t = hvc_entries(&count);
        uint64_t seed = 0x9E3779B97F4A7C15ULL;

        for (unsigned round = 0; round < 20000; round++) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                uint32_t fid =
                    (seed & 7) == 0 ? (uint32_t)(seed >> 32) : t[(seed >> 8) % count].fid;
                if (fid == RVM_HC_EXIT || fid == PSCI_SYSTEM_OFF || fid == PSCI_CPU_OFF ||
                    fid == PSCI_SYSTEM_RESET) {
                        continue;
                }
                uint64_t x[5];
                for (int i = 0; i < 5; i++) {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        /* Mostly small values near what the calls take, sometimes anything. */
                        x[i] = (seed & 3) == 0   ? seed
                               : (seed & 3) == 1 ? PART_IPA_BASE + (seed >> 40) % (2 * RAM)
                               : (seed & 3) == 2 ? (seed >> 32) & 0xffff
                                                 : (i == 0 ? edge_h[1 + (seed >> 9) % 2] : 0x1000);
                }
                uint32_t caller = 1 + (uint32_t)((seed >> 20) % GUESTS);
                (void)hvc(caller, fid, x[0], x[1], x[2], x[3], x[4]);
                if (round % 2000 == 1999) {
                        teardown(state);
                        setup(state);
                }
        }
        (void)state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_every_entry_is_found_by_the_hypercall_lookup,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_every_call_with_hostile_arguments_is_refused_or_witnessed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_console_write_reads_only_the_callers_ram, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_console_write_never_reads_a_leased_device, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_hostile_offers_and_retrievals_map_nothing, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(
                test_psci_acts_on_the_caller_only_and_checks_its_arguments, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_random_registers_never_crash_and_keep_the_witness_rule, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
