/*
 * tests/fake/arch_fake.h: controls of the host fake of arch/ and of the kernel services the
 * hypercall handlers call (tests/fake/arch_fake.c, kernel_fake.c), after Hafnium's
 * src/arch/fake: the real partition mechanisms and gate handlers run over these on the host.
 *
 * Physical memory is host memory: a "physical address" is the address of a host allocation
 * (RVM maps RAM with VA = PA, so memory/memory.h's mem_ptr is the identity on both).
 * Stage-2 tables are a map from (root, IPA page) to (PA page, permissions).
 */
#ifndef RVM_TESTS_ARCH_FAKE_H
#define RVM_TESTS_ARCH_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "partition/partition.h"

/* Forget every stage-2 mapping and free every page handed out. */
void fake_arch_reset(void);
/* A zeroed, 4 KiB-aligned page / run of pages of host memory, as a physical address. */
uint64_t fake_alloc_pages(uint64_t pages);
/* The same, shaped as the allocation callbacks of struct part_env and arch_s2_map's table
 * pages (ctx unused): one page, and a run of pages. */
uint64_t fake_page(void *ctx);
pa_t fake_pages(void *ctx, uint64_t pages);
/* How many pages are mapped under root (all roots: NULL). */
uint64_t fake_s2_mapped(const uint64_t *root);
/* The permissions (ARCH_S2_*) of the page at ipa under root, or -1 if unmapped. */
int fake_s2_prot(const uint64_t *root, uint64_t ipa);

/* The kernel services (kernel_fake.c): what the handlers asked for. */
struct fake_kernel {
        unsigned woken, blocked; /* run_vcpu_woken / run_vcpu_blocked calls */
        unsigned vcpu_changed, part_changed, dropped;
        struct vcpu *last_virq_vcpu; /* virq_raise */
        uint32_t last_virq;
        unsigned virqs, forwarded, unforwarded;
        uint64_t now_ns; /* hal_time_ns() */
};
extern struct fake_kernel fake_kernel;

#endif
