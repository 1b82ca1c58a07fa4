/*
 * arch/aarch64/arch.h: the interface between arch/ and the rest of RVM. Everything
 * above hal/ sees the machine only through these functions; tests/fake/ implements the
 * same interface for host unit tests.
 */
#ifndef RVM_ARCH_ARCH_H
#define RVM_ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/aarch64/layout.h"
#include "memory/addr.h"

/*
 * The register frame every exception saves (arch/aarch64/vectors.S): on the EL2 stack for a
 * trap from RVM itself; for a trap from a partition, in the running vCPU's own frame, which
 * SP_EL2 points just past while the vCPU runs. Offsets used by the assembly are generated
 * from this struct (asm_offsets.c).
 */
struct arch_regs {
        _Alignas(16) uint64_t x[31]; /* 16-aligned: SP_EL2 points at the frame's end */
        uint64_t elr;
        uint64_t spsr;
        uint64_t host_sp; /* the EL2 stack a trap from this context runs on (arch_frame_bind) */
};

extern uint8_t arch_cpu_stacks[RVM_MAX_CPUS][RVM_STACK_SIZE];

/* The top of CPU cpu's stack: what arch_frame_bind takes for it. */
static inline uint64_t arch_cpu_stack_top(unsigned cpu)
{
        return (uint64_t)(uintptr_t)(arch_cpu_stacks[cpu] + RVM_STACK_SIZE);
}

/* Traps from the context in f will run their C code on the stack whose top is stack_top (a
 * CPU's, arch_cpu_stack_top, set when the context is put on that CPU; the stack is empty
 * whenever a partition runs). */
static inline void arch_frame_bind(struct arch_regs *f, uint64_t stack_top)
{
        f->host_sp = stack_top;
}

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
uint64_t arch_time_ns(void); /* arch_counter_to_ns(arch_counter()) */
#ifndef RVM_HOST
/* The same, inline, for the world switch (kernel/run.c): the counter's ns multiplier, set
 * by arch_primary_main before anything reads the clock (0 only if CNTFRQ_EL0 reads 0: then
 * 0, as arch_time_ns). */
extern uint64_t arch_ns_mult;
static inline uint64_t arch_time_ns_inline(void)
{
#ifdef __OPTIMIZE_SIZE__
        return arch_time_ns(); /* a build for size (the Seed) keeps one copy */
#endif
        uint64_t mult = __atomic_load_n(&arch_ns_mult, __ATOMIC_RELAXED);
        uint64_t t;

        __asm__ volatile("isb\n\tmrs %0, cntpct_el0" : "=r"(t)::"memory"); /* as arch_counter */
        return (uint64_t)(((unsigned __int128)t * mult) >> 32);
}
#endif

/* Per-CPU pointer (TPIDR_EL2): set once per CPU, read on every trap, hence inline. */
void arch_set_percpu(void *p);
#ifdef RVM_HOST
void *arch_percpu(void); /* host unit tests: the fake arch layer (tests/fake/arch_fake.c) */
#else
static inline void *arch_percpu(void)
{
        void *p;

        __asm__("mrs %0, tpidr_el2" : "=r"(p)); /* not volatile: constant on a CPU */
        return p;
}
#endif

/* Spin-wait hint (YIELD), once per turn of a lock's wait loop. On hardware it lets an SMT
 * sibling run; under QEMU's round-robin TCG (one host thread for every CPU) it ends this
 * CPU's turn, so the CPU whose ticket is being served gets to run: without it a waiter can
 * spin through its whole time slice, every slice, while the next owner never runs. */
#ifdef RVM_HOST
static inline void arch_cpu_relax(void) {}
#else
static inline void arch_cpu_relax(void)
{
        __asm__ volatile("yield" ::: "memory");
}
#endif

/* Secure monitor call with the SMCCC register convention; returns x0. */
uint64_t arch_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3);

/* Semihosting (only when the boot arguments say the host enabled it). */
__attribute__((noreturn)) void arch_semihost_exit(unsigned code);

/* Interrupt masking and idling. arch_irq_save masks IRQs and returns the previous state. */
void arch_irqs_on(void);
void arch_irqs_off(void);
uint64_t arch_irq_save(void);
void arch_irq_restore(uint64_t saved);
void arch_idle(void); /* WFI: returns once an interrupt is pending, even a masked one */

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
/* Bytes of .bss RVM's own page tables take (the root and the pool), for `mem`. */
unsigned long arch_mmu_table_bytes(void);
void arch_mmu_enable_secondary(void);
bool arch_mmu_enabled(void);
/* Would an EL2 read (or write) of va translate without a fault? (AT S1E2R/W) */
bool arch_mmu_probe(uint64_t va, bool write);
/* RVM's own leaf descriptor for va (0 if unmapped), and whether it is execute-never. */
uint64_t arch_mmu_leaf(uint64_t va);
bool arch_mmu_leaf_xn(uint64_t desc);
/* Is SCTLR_EL2.WXN (writable implies execute-never) set? */
bool arch_mmu_wxn(void);

/* Stage-2 translation for partitions (arch/aarch64/stage2.c, tables in s2_table.c). */
#define ARCH_S2_READ   0u /* every mapping is readable */
#define ARCH_S2_WRITE  1u
#define ARCH_S2_EXEC   2u
#define ARCH_S2_DEVICE 4u
#define ARCH_S2_BLOCKS 8u /* 2 MiB blocks where IPA and PA are 2 MiB aligned (RAM) */
typedef uint64_t (*arch_page_alloc_fn)(void *ctx);         /* a zeroable 4 KiB page, 0 if none */
typedef void (*arch_page_free_fn)(void *ctx, uint64_t pa); /* a page alloc gave, given back */
/* A partition's IPA space is 2^bits bytes, bits within these (and the CPU's PA size). */
#define ARCH_S2_IPA_MIN_BITS 31
#define ARCH_S2_IPA_MAX_BITS 39
unsigned arch_s2_ipa_bits(unsigned want); /* want, brought within what the CPU supports */
uint64_t arch_vtcr(unsigned ipa_bits);    /* VTCR_EL2 for a partition with that IPA space */
uint64_t arch_s2_ipa_limit(void);         /* 2^ARCH_S2_IPA_MAX_BITS: what any walk covers */
/*
 * Map and unmap [ipa, ipa + size). Either may have to split a 2 MiB block into pages
 * (break-before-make, TLB entries of vmid flushed) and so takes a page for the new table from
 * alloc (NULL: a block that would need it makes the call fail). An unmap that cannot split
 * leaves that block mapped and returns -1; it flushes vmid's TLB entries before returning.
 */
int arch_s2_map(uint64_t *root, ipa_t ipa, pa_t pa, uint64_t size, unsigned prot, uint16_t vmid,
                arch_page_alloc_fn alloc, void *ctx);
int arch_s2_unmap(uint64_t *root, ipa_t ipa, uint64_t size, uint16_t vmid, arch_page_alloc_fn alloc,
                  void *ctx);
bool arch_s2_translate(const uint64_t *root, ipa_t ipa, bool write, pa_t *pa);
/* The same, readable normal memory only (a device window translates to false). */
bool arch_s2_translate_ram(const uint64_t *root, ipa_t ipa, pa_t *pa);
/* Table pages reachable from root, the root included; *blocks (if given) counts blocks. */
unsigned arch_s2_table_pages(const uint64_t *root, unsigned *blocks);
/* Access tracking: clear the access flag of every leaf mapping [at, at + size), count the
 * 4 KiB pages that had it (bits in touched, if given), flush the VMID's TLB entries. */
uint64_t arch_s2_age(uint64_t *root, ipa_t at, uint64_t size, uint16_t vmid, uint64_t *touched);
/* An access flag fault at at: the flag set again on its leaf (false: nothing mapped there). */
bool arch_s2_access(uint64_t *root, ipa_t at);
/*
 * A stage-2 space no vCPU will enter again (its partition destroyed): every TLB and
 * walk-cache entry of vmid flushed (on every CPU, completed), and only then every table
 * page, all levels, each after the tables below it (the root last), handed to free_page. Returns
 * how many pages it gave back (0 for a NULL root).
 */
unsigned arch_s2_free(uint64_t *root, uint16_t vmid, arch_page_free_fn free_page, void *ctx);
void arch_s2_publish(void); /* DSB ISHST: descriptors written so far reach the walkers */
void arch_s2_flush_vmid(uint16_t vmid);
void arch_s2_flush_all(void);
unsigned arch_vmid_bits(void);
/*
 * Guest memory RVM wrote (an image loaded, a checkpoint restored, a page brought back from
 * a tier) may be executed by the guest: arch_icache_sync_range cleans its data lines to the
 * point of unification and, where the instruction cache is PIPT, invalidates its lines there
 * (IC IVAU, broadcast to every CPU); arch_icache_sync_finish, once after a batch, invalidates
 * the whole instruction cache instead where it is not PIPT (an alias could survive IVAU).
 * Either way no CPU fetches the old contents or code left by the frame's previous owner.
 * (Whole-cache IC IALLUIS is avoided where not needed: under QEMU 7.2's TCG on 2 CPUs it
 * stopped the EL2 timer interrupt of every CPU.)
 */
void arch_icache_sync_range(const void *va, uint64_t size);
void arch_icache_sync_finish(void);

/*
 * A vCPU's EL1 state that is not in the trap frame, saved and loaded by C
 * (arch/aarch64/vcpu.c) when RVM switches the CPU between vCPUs.
 */
struct arch_el1_ctx {
        uint64_t sctlr, ttbr0, ttbr1, tcr, mair, amair, vbar, contextidr;
        uint64_t sp_el0, sp_el1, elr_el1, spsr_el1, esr_el1, far_el1, afsr0, afsr1, par;
        uint64_t tpidr_el0, tpidrro_el0, tpidr_el1, cpacr, csselr, cntkctl;
        uint64_t cntv_cval, cntv_ctl, mdscr; /* in the order arch_el1_load writes them */
        uint64_t vmpidr, hcr; /* the vCPU's own, set by arch_el1_reset (not saved: fixed) */
};
/* The MPIDR_EL1 value vCPU index of a partition reads (aff0 = index, uniprocessor bit clear). */
uint64_t arch_guest_mpidr(unsigned index);
/* A vCPU's FP/SIMD registers (arch/aarch64/fp.S moves them; offsets from asm_offsets.c). */
struct arch_fp {
        __uint128_t q[32];
        uint64_t fpsr;
        uint64_t fpcr;
};
void arch_fp_save(struct arch_fp *fp);
void arch_fp_load(const struct arch_fp *fp);
/* FPCR and FPSR to 0: round to nearest even, no flush to zero, no exceptions recorded. */
void arch_fp_reset(void);
/* Trap (true) or allow (false) FP/SIMD at EL1/EL0 and EL2 (CPTR_EL2.TFP). */
void arch_fp_trap(bool on);
/* SHA-256 on the CPU's instructions (arch/aarch64/sha256.c): does this CPU have them (read
 * once at boot), and the compression of `blocks` 64-byte blocks into state[8], safe to call
 * with anyone's FP/SIMD state live (the registers are saved around it, or trapped). */
bool arch_sha256_probe(void);
void arch_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);
#ifndef RVM_HOST
/* arch_fp_trap(true), inline for the world switch: nothing but a read when FP is already
 * trapped (the vCPU put away used none). CPTR_EL2: RES1 0x33ff, TFP bit 10 (regs.h). */
static inline void arch_fp_trap_on(void)
{
#ifdef __OPTIMIZE_SIZE__
        arch_fp_trap(true); /* a build for size (the Seed) keeps one copy */
        return;
#endif
        uint64_t v;

        __asm__ volatile("mrs %0, cptr_el2" : "=r"(v));
        if (v != (0x33ffULL | (1ULL << 10))) {
                __asm__ volatile("msr cptr_el2, %0\n\tisb" ::"r"(0x33ffULL | (1ULL << 10))
                                 : "memory");
        }
}
#endif
/* Is FP/SIMD trapped now (CPTR_EL2.TFP)? For tests. */
bool arch_fp_trapped(void);

/*
 * A vCPU's virtual GIC CPU interface (arch/aarch64/vgic.c): the list registers through which
 * RVM injects virtual interrupts, and the guest's own interface state (ICH_VMCR_EL2: its
 * priority mask and group enables; ICH_AP1R0_EL2: active priorities). Virtual interrupts are
 * Group 1, priority ARCH_VIRQ_PRIORITY unless the partition's emulated GIC gives one (then
 * the priority the guest wrote there), purely virtual (no HW link to a physical one).
 * RVM uses at most ARCH_VGIC_LRS list registers (GICv3 has 1 to 16; QEMU's TCG GIC has 4).
 */
#define ARCH_VGIC_LRS      4
#define ARCH_VIRQ_PRIORITY 0xa0
#define ARCH_VTIMER_INTID  27 /* the EL1 virtual timer's PPI */
struct arch_vgic {
        uint64_t lr[ARCH_VGIC_LRS]; /* valid where used has a bit set */
        uint64_t vmcr, ap1r0;
        uint8_t used; /* bit i: list register i held an interrupt (all 0: a fresh interface) */
};
/* Once per CPU: how many list registers there are (0: no virtual interface), and enable it. */
unsigned arch_vgic_cpu_init(void);
void arch_vgic_save(struct arch_vgic *g); /* and clear the hardware's list registers */
void arch_vgic_load(const struct arch_vgic *g);
/* Does saved state g hold vintid pending (not active) in a list register? */
bool arch_vgic_saved_pending(const struct arch_vgic *g, uint32_t vintid);
/*
 * The live interface on this CPU (the running vCPU's). Make vintid pending at priority prio
 * (kept if it is already in a list register): true if it is (it was already, or a free list
 * register took it), false if all are busy. Holds: is it in a list register, pending or
 * active (not yet ended by the guest)? State: its list register's state field (bit 0
 * pending, bit 1 active; 0: in none).
 */
bool arch_vgic_live_add(uint32_t vintid, uint8_t prio);
bool arch_vgic_live_holds(uint32_t vintid);
unsigned arch_vgic_live_state(uint32_t vintid);
/* Mask (true) or unmask the live EL1 virtual timer's interrupt output (CNTV_CTL.IMASK). */
void arch_vtimer_mask(bool mask);
/* Does the live interface hold an interrupt the guest has not yet taken (state pending)? */
bool arch_vgic_live_pending(void);
/* Has the running guest enabled Group 1 interrupts (ICH_VMCR_EL2.VENG1)? */
bool arch_vgic_live_enabled(void);
/* The live virtual timer's deadline in counter ticks if it is armed and unmasked, else 0. */
uint64_t arch_vtimer_deadline(void);
/* Make the live virtual timer's status current (CNTV_CTL.ISTATUS, its interrupt line) before
 * its interrupt is delivered: its compare value is written back unchanged. */
void arch_vtimer_recheck(void);

/* Reset values for a fresh EL1 (MMU off, caches off) with its stack pointer at sp, for the
 * vCPU of index vcpu_index in its partition: the MPIDR it reads, HCR_EL2 while it runs. */
void arch_el1_reset(struct arch_el1_ctx *c, uint64_t sp, unsigned vcpu_index);
void arch_el1_save(struct arch_el1_ctx *c);
/* Load c and enter guest mode: stage-2 tables and VMID from vttbr (VMID << 48 | root), the
 * partition's VTCR_EL2 (arch_vtcr), c's HCR_EL2 and MPIDR. */
void arch_el1_load(const struct arch_el1_ctx *c, uint64_t vttbr, uint64_t vtcr);
void arch_host_mode(void); /* back to RVM's own HCR, VTTBR cleared */
/* A frame that enters EL1h at entry with x0 = arg and interrupts masked. */
void arch_frame_el1_entry(struct arch_regs *f, uint64_t entry, uint64_t arg);
/* Fault information of the current trap from a lower EL. */
uint64_t arch_trap_far(void);
uint64_t arch_trap_hpfar_ipa(void); /* IPA of a stage-2 fault (HPFAR_EL2 + FAR page offset) */

/*
 * A stage-2 data abort decoded for MMIO emulation (arch/aarch64/mmio.c; a pure function of
 * the ESR). arch_mmio_decode is false when the syndrome does not describe the access (ISV=0:
 * load/store pair, writeback, SIMD, ...), or it is not a stage-2 translation fault of a plain
 * load or store: such an access cannot be emulated.
 */
struct arch_mmio_access {
        uint8_t width; /* bytes: 1, 2, 4 or 8 */
        uint8_t reg;   /* Xt/Wt; 31 = the zero register (nothing is written, stores 0) */
        bool write;
        bool sign_extend; /* loads: sign-extend from width */
        bool reg64;       /* Xt; else Wt (the upper 32 bits read as zero) */
};
bool arch_mmio_decode(uint64_t esr, struct arch_mmio_access *out);
/* The value a load leaves in Xt, from the device's raw value. */
uint64_t arch_mmio_load_value(const struct arch_mmio_access *a, uint64_t raw);
/* The value a store sends to the device, from Xt (0 for the zero register). */
uint64_t arch_mmio_store_value(const struct arch_mmio_access *a, uint64_t reg);

/*
 * Hooks arch/ calls into the kernel (kernel/trap.c implements them). A trap from a partition
 * (from_partition, and every lower synchronous exception) returns the frame to enter next:
 * regs itself, or the frame of the vCPU the scheduler put on this CPU instead.
 */
struct arch_regs *arch_hook_irq(struct arch_regs *regs, bool from_partition);
struct arch_regs *arch_hook_lower_sync(struct arch_regs *regs, uint64_t esr);
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
/* The counter is 32 bits wide: take differences as uint32_t (mod 2^32). */
uint32_t arch_pmu_insn_read(void);
/*
 * Where this CPU's instructions go: event counters 1 and 2 count retired instructions at EL2
 * only and at every EL, from arch_pmu_el2_share_start on this CPU (32 bits each; QEMU counts
 * instructions only under -icount, and arch_pmu_insn_start's reset zeroes them too).
 */
void arch_pmu_el2_share_start(void);
void arch_pmu_el2_share_read(uint32_t *el2, uint32_t *all);

/* Enter the context in frame, bound to this CPU (arch_frame_bind): the first entry of a
 * CPU's run loop. */
__attribute__((noreturn)) void arch_enter_frame(struct arch_regs *frame);

#endif
