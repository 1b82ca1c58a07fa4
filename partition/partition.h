/*
 * partition/partition.h: partitions, the unit of isolation. Each has its own stage-2
 * address space (guest RAM at PART_IPA_BASE: 2 MiB blocks where aligned, split into 4 KiB
 * pages where a page changes), a VMID, vCPUs, a capability
 * table, and a lifecycle whose every transition is validated and witnessed.
 */
#ifndef RVM_PARTITION_PARTITION_H
#define RVM_PARTITION_PARTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "memory/addr.h"

#include "configs/limits.h" /* the profile's sizes, if it sets them */
#ifndef PART_MAX
#define PART_MAX 8 /* partitions 1..PART_MAX; 0 is RVM itself */
#endif
#ifndef PART_MAX_VCPUS
#define PART_MAX_VCPUS 4 /* vCPUs per partition (aff0 of the guest's MPIDR) */
#endif
#define PART_VCPU_STACK 0x10000ULL    /* vCPU n starts with SP_EL1 at RAM top - n * this */
#define PART_IPA_BASE   0x40000000ULL /* guest RAM, where QEMU virt puts RAM */
#define PART_NAME_LEN   16

/* Numbers as docs/WITNESS.md §6 gives them (replay prints them). */
enum part_state {
        PART_CREATED = 0,
        PART_RUNNING = 1,
        PART_SUSPENDED = 2,
        PART_STOPPED = 3,
        PART_FAULTED = 4,
        PART_MIGRATING = 5,
        PART_HIBERNATED = 6,
        PART_DESTROYED = 7,
};

enum part_fault_policy {
        PART_FAULT_STOP = 0, /* a fault stops the partition (state faulted) */
        PART_FAULT_RESTART,  /* a fault restarts it from its image, up to max_restarts */
};

enum part_err {
        PART_OK = 0,
        PART_E_FULL,       /* no free partition slot */
        PART_E_NOMEM,      /* no RAM for the guest or its tables */
        PART_E_BAD_CONFIG, /* image larger than RAM, zero size, ... */
        PART_E_STATE,      /* the transition is not allowed from the current state */
        PART_E_NOT_FOUND,
        /* Requests a partition (or an agent) makes of the mechanisms in partition/: */
        PART_E_INVALID,      /* a bad argument */
        PART_E_NO_SPACE,     /* a ring or table is full */
        PART_E_BUSY,         /* already offered, retrieved, leased or waited on */
        PART_E_RANGE,        /* an address range outside what the caller may use */
        PART_E_FOREIGN,      /* an object that belongs to someone else */
        PART_E_STALE,        /* an object that no longer exists */
        PART_E_TYPE,         /* a capability of the right type for another kind of object */
        PART_E_NOT_OWNER,    /* the range is not RAM the caller owns */
        PART_E_NOT_HELD,     /* the caller does not hold what it gives back */
        PART_E_NO_PARTITION, /* the named partition does not exist or has no memory */
};

enum part_kind {
        PART_KIND_GUEST = 0, /* an EL1 guest behind stage-2 */
        PART_KIND_WASM,      /* WebAssembly agents, run by RVM's interpreter (wasm/agent.c) */
};

/* A virtual device RVM emulates for a partition (kernel/vdev.c), at an IPA in the device
 * window below PART_IPA_BASE. */
enum part_vdev_type {
        PART_VDEV_PL011 = 1, /* console UART, PL011-compatible registers */
        /* GICv3 distributor at ipa (64 KiB) and one redistributor per vCPU at
         * ipa + PART_VGIC_GICR_OFFSET (128 KiB each), as on QEMU virt (partition/vgic.c) */
        PART_VDEV_GICV3 = 2,
};
#define PART_VGIC_GICR_OFFSET 0xa0000ULL
/* The SPI of a partition's PL011 (QEMU virt's; a Linux guest's device tree names it). */
#define PART_PL011_INTID 33u
struct part_vdev {
        enum part_vdev_type type;
        ipa_t ipa;
};

/* A partition as a profile describes it (configs/<profile>/partitions.c): the pointers and
 * 8-byte sizes first, then the smaller fields, without padding between them. */
struct part_config {
        const char *name;
        const uint8_t *image; /* flat binary, loaded at PART_IPA_BASE, entered there */
        const size_t *image_size;
        uint64_t mem_size;             /* guest RAM bytes (multiple of 4 KiB) */
        const struct part_vdev *vdevs; /* virtual devices, vdev_count of them */
        enum part_kind kind;
        enum part_fault_policy fault_policy;
        uint32_t max_restarts;
        uint8_t vdev_count;
        uint8_t vcpus; /* 1..PART_MAX_VCPUS (0 = 1): vCPU 0 starts, the guest starts the rest */
        /* Its IPA space: 2^ipa_bits bytes, ARCH_S2_IPA_MIN_BITS..MAX_BITS (0 = the most the
         * CPU supports up to MAX); its RAM must fit. */
        uint8_t ipa_bits;
        /* A Linux guest (arm64 boot protocol): the image is loaded at PART_IPA_BASE (2 MiB
         * aligned), the initrd and a device tree written by partition/guest_dtb.c at the top
         * of RAM, and vCPU 0 entered with x0 = the device tree's IPA. The tree describes the
         * GICv3 and PL011 the partition's vdevs must provide (QEMU virt's addresses). */
        bool linux_boot;
        const uint8_t *initrd;
        const size_t *initrd_size;
        const char *bootargs;
};

enum vcpu_state {
        VCPU_OFF = 0,
        VCPU_RUNNABLE,
        VCPU_RUNNING, /* on a CPU now */
        VCPU_BLOCKED, /* waiting (a CommEdge receive); woken by the peer's notify */
};

struct partition;
struct sched_entity;

/*
 * Why a vCPU left its guest for EL2, by kind: kernel/trap.c counts each trap once as it
 * classifies it (and the IRQ path those taken while it ran), the `exits` command shows them.
 */
enum vcpu_exit {
        VCPU_EXIT_HVC_RVM,    /* HVC: one of RVM's own calls (0xC6000000 + n) */
        VCPU_EXIT_HVC_PSCI,   /* HVC: PSCI (0x84000000 / 0xC4000000 ranges) */
        VCPU_EXIT_HVC_OTHER,  /* HVC: any other function id (SMCCC, unknown) */
        VCPU_EXIT_SMC,        /* a trapped SMC (PSCI over SMC) */
        VCPU_EXIT_GICD,       /* data abort at the emulated GICv3 distributor */
        VCPU_EXIT_GICR,       /* ... at a redistributor */
        VCPU_EXIT_PL011,      /* ... at the emulated PL011 */
        VCPU_EXIT_VDEV_OTHER, /* ... at another virtual device */
        VCPU_EXIT_ABORT_RAM,  /* stage-2 abort on its RAM: a dormant page back, a block split,
                               * an access flag (kernel/tier_idle.c) */
        VCPU_EXIT_ABORT,      /* any other stage-2 abort (a fault) */
        VCPU_EXIT_SGI,        /* system register trap: ICC_SGI1R_EL1, an SGI to its vCPUs */
        VCPU_EXIT_SYSREG,     /* any other system register trap (set/way, refused) */
        VCPU_EXIT_WFI,
        VCPU_EXIT_WFE,
        VCPU_EXIT_FP,         /* first FP/SIMD use since it was switched in (lazy FP) */
        VCPU_EXIT_IRQ,        /* a physical interrupt taken while it ran */
        VCPU_EXIT_IRQ_VTIMER, /* of those, its own virtual timer's PPI */
        VCPU_EXIT_SERROR,
        VCPU_EXIT_OTHER, /* any other exception class */
        VCPU_EXIT_KINDS
};

struct vcpu {
        /* Where a trap from it saves its registers (arch_regs: SP_EL2 points just past it
         * while it runs). A reset is applied by whoever next puts it on a CPU (reset_pending):
         * until then a CPU still running the old context may trap into it. */
        struct arch_regs regs;
        uint32_t index;   /* its number in the partition: the guest's MPIDR aff0 */
        uint32_t part_id; /* part->id, one load nearer for the hypercall fast path */
        uint32_t ctx_gen; /* bumped when its context is reset (a CPU running it drops it) */
        bool reset_pending;
        uint64_t reset_entry, reset_arg;
        /* With reset_pending: the frame to enter instead of reset_entry (a checkpoint
         * restore, partition/checkpoint.c), or NULL. */
        const struct arch_regs *restore_regs;
        struct arch_el1_ctx el1;
        struct arch_fp fp; /* valid unless this vCPU's FP state is live on its CPU */
        uint64_t fp_loads; /* lazy FP switches (first FP use after being switched in) */
        struct partition *part;
        enum vcpu_state state;
        int cpu;                   /* CPU it runs on, -1 if none */
        struct arch_vgic vgic;     /* its virtual GIC interface (valid while not running) */
        uint64_t virq_pending;     /* vINTIDs 0..63 raised, not yet in a list register */
        uint64_t doorbell_pending; /* bit n: vINTID RVM_VIRQ_DOORBELL_BASE + n raised */
        uint64_t doorbell_queued;  /* bit n: in a list register at the last entry */
        uint64_t virq_masked;      /* vINTIDs whose source RVM masked until the guest's EOI */
        bool wfi;                  /* asleep in WFI: an interrupt for it, or its timer, wakes it */
        uint64_t wfi_until;        /* its virtual timer's deadline, counter value (0: none) */
        uint64_t virqs;            /* virtual interrupts delivered into list registers */
        /* Traps to EL2 by kind; written only by the CPU running this vCPU (no lock). */
        uint64_t exits[VCPU_EXIT_KINDS];
        uint64_t yields;         /* yield hypercalls (kernel/guest.c; only its own CPU writes it) */
        struct sched_entity *se; /* the run loop's entity for it (kernel/run.c), once attached */
};

struct partition {
        uint32_t id;
        char name[PART_NAME_LEN];
        enum part_state state;
        const struct part_config *cfg;
        pa_t mem_pa; /* guest RAM (contiguous), at IPA PART_IPA_BASE */
        uint64_t mem_size;
        uint64_t *s2_root; /* stage-2 root table */
        uint16_t vmid;
        uint64_t vmid_gen;
        uint64_t vttbr;   /* VMID << 48 | s2_root, once part_vttbr_renew gave it a VMID */
        uint8_t ipa_bits; /* its IPA space is 2^ipa_bits bytes (VTCR_EL2.T0SZ = 64 - this) */
        uint64_t vtcr;
        /* Its CommEdge window (edge n's rings at edge_ipa + n * EDGE_STRIDE, the doorbell page
         * right above it), placed from its layout at creation (edge_window_place in
         * partition/edge.h); 0: its IPA space has no room, and it can have no edge. */
        uint64_t edge_ipa;
        struct vcpu vcpus[PART_MAX_VCPUS]; /* nr_vcpus of them; vCPU 0 is the boot vCPU */
        uint32_t nr_vcpus;
        uint64_t faults, restarts; /* hypercalls: part_hypercalls, from the vCPUs' exits */
        bool reloading;            /* a restart is copying its image back (part_reload_step) */
        uint64_t reload_next;      /* the next RAM offset to reload */
};

/*
 * Give vCPU idx of p a fresh context entering EL1 at entry (MMU off) with x0 = arg and its
 * stack pointer at RAM top - idx * PART_VCPU_STACK, and make it runnable (PSCI CPU_ON; the
 * boot vCPU at load). Witnessed (WK_PART_VCPU). Other vCPU state: see part_vcpu_off.
 */
void part_vcpu_start(struct partition *p, unsigned idx, uint64_t entry, uint64_t arg);
/* vCPU idx is off (PSCI CPU_OFF, or not started): witnessed when it was on. */
void part_vcpu_off(struct partition *p, unsigned idx);
/* How many of p's vCPUs are not off. */
unsigned part_vcpus_on(const struct partition *p);

/* Hooks the partition module needs from the kernel (set once at boot). */
struct part_env {
        arch_page_alloc_fn alloc_page; /* page for tables */
        arch_page_free_fn free_page;   /* one given back (optional: NULL keeps them) */
        void *alloc_ctx;
        /* RAM for a guest: count contiguous pages, returns physical address or 0. */
        pa_t (*alloc_ram)(void *ctx, uint64_t pages);
        /* Memory lent, shared or donated between partitions (partition/share.c; optional): p
         * stops, faults, restarts or is destroyed, so it lets go of every transaction; and
         * does p still own a page of its RAM (a restart reloads only those)? */
        void (*release)(void *ctx, struct partition *p);
        bool (*page_owned)(void *ctx, const struct partition *p, pa_t pa);
};

void part_init(const struct part_env *env);
/* One page for a mechanism of partition/ (a CommEdge's rings), from the boot allocator; 0 if
 * none is left. */
pa_t part_alloc_page(void);
enum part_err part_create(const struct part_config *cfg, struct partition **out);
/* Lifecycle. Every change is witnessed (WK_PART_STATE, actor = who asked). */
enum part_err part_set_state(struct partition *p, enum part_state next, uint32_t actor);
/* Restart p from its image (restart policy, PSCI SYSTEM_RESET): its vCPUs reset and off,
 * witnessed; then the caller runs part_reload_step, each call under the lock, until it says
 * done, when the boot vCPU is runnable again. Each step copies at most PART_RELOAD_PAGES. */
#define PART_RELOAD_PAGES 16
enum part_err part_restart(struct partition *p, uint32_t actor);
bool part_reload_step(struct partition *p);
struct partition *part_get(uint32_t id);
unsigned part_count(void);
const char *part_state_name(enum part_state s);
bool part_transition_ok(enum part_state from, enum part_state to);

/* Map a page range that another partition also sees (CommEdge rings): never executable,
 * writable or read-only. */
enum part_err part_map_shared(struct partition *p, ipa_t ipa, pa_t pa, uint64_t size,
                              bool writable);

/* Map a device region (leases): RW device memory, never executable; not witnessed here
 * (the lease is). */
enum part_err part_map_device(struct partition *p, ipa_t ipa, pa_t pa, uint64_t size);

/* The frame holding RAM page off (a multiple of 4 KiB) of p: where its stage-2 tables map
 * it (the dormant tier, memory/tier.c, may have brought it back into another frame than
 * mem_pa + off), else mem_pa + off. */
pa_t part_ram_frame(const struct partition *p, uint64_t off);

/* Copy from guest memory (IPA) through its stage-2 tables; false if any byte is unmapped. */
bool part_read_guest(const struct partition *p, ipa_t ipa, void *dst, size_t len);

/* The end of p's IPA space: nothing is mapped at or above it. */
/* Hypercalls p's vCPUs made (each vCPU counts its own, by kind: vcpu.exits). */
static inline uint64_t part_hypercalls(const struct partition *p)
{
        uint64_t n = 0;

        for (uint32_t i = 0; i < p->nr_vcpus; i++) {
                n += p->vcpus[i].exits[VCPU_EXIT_HVC_RVM] + p->vcpus[i].exits[VCPU_EXIT_HVC_PSCI] +
                     p->vcpus[i].exits[VCPU_EXIT_HVC_OTHER];
        }
        return n;
}

static inline uint64_t part_ipa_limit(const struct partition *p)
{
        return 1ULL << p->ipa_bits;
}

/*
 * The VTTBR value for running p. Inline while its VMID is of the current generation (every
 * world switch asks); part_vttbr_renew allocates or refreshes it otherwise.
 */
extern const uint64_t *const part_vmid_gen;
uint64_t part_vttbr_renew(struct partition *p);
static inline uint64_t part_vttbr(struct partition *p)
{
        /* (A generation is only ever recorded with a VMID: vmid_get, vmid_keep.) */
        if (p->vmid_gen != *part_vmid_gen) {
                return part_vttbr_renew(p);
        }
        return p->vttbr;
}

#endif
