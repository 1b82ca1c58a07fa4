/*
 * arch/aarch64/arch.h: the interface between arch/ and the rest of RVM. Everything
 * above hal/ sees the machine only through these functions; tests/fake/ implements the
 * same interface for host unit tests.
 */
#ifndef RVM_ARCH_ARCH_H
#define RVM_ARCH_ARCH_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The register frame every exception saves on the EL2 stack (arch/aarch64/vectors.S).
 * Offsets used by the assembly are generated from this struct (asm_offsets.c).
 */
struct arch_regs {
        uint64_t x[31];
        uint64_t elr;
        uint64_t spsr;
        uint64_t pad;
};

/* Which of the 16 vector entries was taken: group * 4 + type. */
enum arch_vector {
        ARCH_VEC_CUR_SP0_SYNC = 0,
        ARCH_VEC_CUR_SPX_SYNC = 4,
        ARCH_VEC_CUR_SPX_IRQ = 5,
        ARCH_VEC_LOWER64_SYNC = 8,
        ARCH_VEC_LOWER64_IRQ = 9,
        ARCH_VEC_COUNT = 16,
};

/* Exception syndrome classes RVM decodes (ESR_ELx.EC, ARM ARM D17.2.37). */
#define ESR_EC_SHIFT    26
#define ESR_EC_UNKNOWN  0x00
#define ESR_EC_HVC64    0x16
#define ESR_EC_SMC64    0x17
#define ESR_EC_IABT_CUR 0x21
#define ESR_EC_DABT_CUR 0x25
#define ESR_EC_BRK      0x3c

/* Exception-level, CPU identity and time. */
unsigned arch_current_el(void);
uint64_t arch_mpidr(void);
uint64_t arch_counter(void);
uint64_t arch_counter_freq(void);
uint64_t arch_counter_to_ns(uint64_t ticks);

/* Per-CPU pointer (TPIDR_EL2). */
void arch_set_percpu(void *p);
void *arch_percpu(void);

/* Secure monitor call with the SMCCC register convention; returns x0. */
uint64_t arch_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3);

/* Semihosting (only when the boot arguments say the host enabled it). */
void arch_semihost_write(const char *s);
__attribute__((noreturn)) void arch_semihost_exit(unsigned code);

/* Interrupt masking and idling. arch_irq_save masks IRQs and returns the previous state. */
void arch_irqs_on(void);
void arch_irqs_off(void);
uint64_t arch_irq_save(void);
void arch_irq_restore(uint64_t saved);
void arch_idle(void);

/* Secondary-CPU entry point (physical address for PSCI CPU_ON). */
uint64_t arch_secondary_entry_pa(void);

/* EL2 stage-1 MMU: build the tables for the image and RAM, switch them on. */
struct arch_mem_range {
        uint64_t base;
        uint64_t size;
};
int arch_mmu_init(const struct arch_mem_range *ram, unsigned ram_count,
                  const struct arch_mem_range *dev, unsigned dev_count);
unsigned arch_mmu_tables_used(void);
void arch_mmu_enable_secondary(void);
bool arch_mmu_enabled(void);
/* Would an EL2 read (or write) of va translate without a fault? (AT S1E2R/W) */
bool arch_mmu_probe(uint64_t va, bool write);
/* RVM's own leaf descriptor for va (0 if unmapped), and whether it is execute-never. */
uint64_t arch_mmu_leaf(uint64_t va);
bool arch_mmu_leaf_xn(uint64_t desc);
/* Is SCTLR_EL2.WXN (writable implies execute-never) set? */
bool arch_mmu_wxn(void);

/* Hooks arch/ calls into the kernel (kernel/trap.c implements them). */
void arch_hook_irq(struct arch_regs *regs);
__attribute__((noreturn)) void arch_hook_unexpected(struct arch_regs *regs, unsigned vector,
                                                    uint64_t esr, uint64_t far);

/* Kernel entry points arch/ calls once the CPU is set up. */
__attribute__((noreturn)) void kernel_main(uint64_t dtb_pa);
__attribute__((noreturn)) void kernel_secondary_main(unsigned cpu_index);

/*
 * Benchmarks: one EL2->EL2 trap round trip through the full save/restore path, and the
 * PMU's retired-instruction counter for EL2 (event 0x08 with PMEVTYPER.NSH set).
 */
#define ARCH_SELF_TRAP_IMM 0xbe
void arch_self_trap(void);
void arch_pmu_insn_start(void);
uint64_t arch_pmu_insn_read(void);

/* Return from an exception into the frame (used to enter a context for the first time). */
__attribute__((noreturn)) void arch_enter_frame(struct arch_regs *frame);

#endif
