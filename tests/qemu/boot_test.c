/*
 * tests/qemu/boot_test.c: in-kernel checks of what the foundation sets up: EL2, the
 * MMU's permissions on RVM's own image, every CPU online and ticking, the page
 * allocator over real RAM, and the exception path (on request only: it ends the run).
 */
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "hal/timer.h"
#include "kernel/percpu.h"
#include "memory/memory.h"
#include "tests/qemu/ktest.h"

extern char __text_start[], __rodata_start[];

static const char ktest_rodata_probe[16] = "read-only";
static uint64_t ktest_data_probe = 1;

static uint64_t va(const volatile void *p)
{
        return (uint64_t)(uintptr_t)p;
}

KTEST(runs_at_el2)
{
        KT_EXPECT(arch_current_el() == 2);
        KT_EXPECT(arch_mmu_enabled());
}

KTEST(image_text_is_read_only_and_executable)
{
        uint64_t text = va(__text_start) + 0x100;
        uint64_t desc = arch_mmu_leaf(text);

        KT_EXPECT(arch_mmu_probe(text, false));
        KT_EXPECT(!arch_mmu_probe(text, true));
        KT_EXPECT(desc != 0 && !arch_mmu_leaf_xn(desc));
}

KTEST(image_rodata_is_read_only_and_not_executable)
{
        uint64_t ro = va(ktest_rodata_probe);

        KT_EXPECT(ro >= va(__rodata_start));
        KT_EXPECT(arch_mmu_probe(ro, false));
        KT_EXPECT(!arch_mmu_probe(ro, true));
        KT_EXPECT(arch_mmu_leaf_xn(arch_mmu_leaf(ro)));
}

KTEST(image_data_is_writable_and_not_executable)
{
        uint64_t rw = va(&ktest_data_probe);
        uint64_t local = 0;

        KT_EXPECT(arch_mmu_probe(rw, true));
        KT_EXPECT(arch_mmu_leaf_xn(arch_mmu_leaf(rw)));
        KT_EXPECT(arch_mmu_probe(va(&local), true)); /* the stack */
        KT_EXPECT(arch_mmu_leaf_xn(arch_mmu_leaf(va(&local))));
        KT_EXPECT(arch_mmu_wxn());
}

KTEST(every_cpu_online_and_ticking)
{
        uint64_t before[RVM_MAX_CPUS] = {0};

        KT_EXPECT(boot_state.cpu_count >= 1);
        for (unsigned i = 0; i < boot_state.cpu_count; i++) {
                KT_EXPECT(percpu[i].state == CPU_ONLINE);
                before[i] = __atomic_load_n(&percpu[i].ticks, __ATOMIC_RELAXED);
        }
        /* Five ticks' worth of time (at most 100 Hz in every profile). */
        uint64_t until = hal_time_ns() + 50000000ULL;
        while (hal_time_ns() < until) {
                arch_idle();
        }
        for (unsigned i = 0; i < boot_state.cpu_count; i++) {
                KT_EXPECT(__atomic_load_n(&percpu[i].ticks, __ATOMIC_RELAXED) > before[i]);
        }
}

KTEST(page_allocator_serves_real_ram)
{
        uint64_t free_before = mem_pool_free_pages(&boot_state.mem);
        uint64_t pa = 0;

        KT_EXPECT(mem_alloc_pages(&boot_state.mem, 16, 16, &pa) == PALLOC_OK);
        KT_EXPECT(pa % (16 * PALLOC_PAGE_SIZE) == 0);
        KT_EXPECT(pa >= boot_state.image_end ||
                  pa + 16 * PALLOC_PAGE_SIZE <= boot_state.image_start);
        volatile uint64_t *words = (volatile uint64_t *)(uintptr_t)pa;
        for (unsigned i = 0; i < 16 * 512; i++) {
                words[i] = i * 0x9e3779b97f4a7c15ULL;
        }
        for (unsigned i = 0; i < 16 * 512; i++) {
                KT_EXPECT(words[i] == i * 0x9e3779b97f4a7c15ULL);
                if (words[i] != i * 0x9e3779b97f4a7c15ULL) {
                        break;
                }
        }
        KT_EXPECT(mem_pool_free_pages(&boot_state.mem) == free_before - 16);
        KT_EXPECT(mem_free_pages(&boot_state.mem, pa, 16) == PALLOC_OK);
        KT_EXPECT(mem_free_pages(&boot_state.mem, pa, 16) == PALLOC_E_NOT_ALLOCATED);
        KT_EXPECT(mem_pool_free_pages(&boot_state.mem) == free_before);
}

/*
 * These end the machine through the unexpected-exception report: run each with
 * ktest=<name>. Executing data must take an instruction abort (data is XN); writing
 * text must take a data abort (text is read-only).
 */
KTEST_ONLY(execute_data_faults)
{
        void (*fn)(void) = (void (*)(void))(uintptr_t)&ktest_data_probe;

        fn();
}

KTEST_ONLY(write_to_text_faults)
{
        *(volatile uint32_t *)(uintptr_t)(va(__text_start) + 0x100) = 0;
}
