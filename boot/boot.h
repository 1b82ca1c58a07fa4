/*
 * boot/boot.h: the boot sequence of seeds/003 as data. kernel/main.c lists the seven
 * phases (HAL, memory, capabilities, witness, scheduler, root partition, handoff) in a
 * struct boot_phase table; boot_run() runs them in order, times each and prints one
 * line per phase. A phase whose module is not built says so ("skipped") instead of
 * pretending. boot/ itself implements the phases that are its own: the HAL bring-up,
 * memory (RVM's MMU and the page allocator) and starting the secondary CPUs.
 */
#ifndef RVM_BOOT_BOOT_H
#define RVM_BOOT_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "configs/features.h"
#include "hal/board.h"
#include "memory/memory.h"
#include "witness/witness.h"

enum boot_status {
        BOOT_OK = 0,
        BOOT_SKIPPED, /* the module this phase sets up is not part of this build */
        BOOT_FAILED,  /* RVM cannot go on: boot_run stops and reports */
};

struct boot_phase {
        const char *name;
        enum boot_status (*run)(char *msg, size_t cap);
};

/* CPU bring-up as boot sees it (kernel/percpu.h has the runtime side). */
enum boot_cpu_state {
        BOOT_CPU_OFF = 0,  /* not started: beyond the profile's limit */
        BOOT_CPU_STARTING, /* PSCI CPU_ON accepted, not yet arrived */
        BOOT_CPU_ONLINE,
        BOOT_CPU_FAILED, /* PSCI refused, or the CPU did not arrive in time */
};

struct boot_cpu {
        uint64_t mpidr;
        enum boot_cpu_state state;
        int32_t psci_err;
        uint64_t online_ns;
};

/* Everything boot learned and set up; read-only once boot_run has returned. */
struct boot_state {
        uint64_t dtb_pa;
        struct board_info board;
        enum board_err board_err;
        struct mem_pool mem;
        uint64_t bitmap_bytes; /* the page allocators' bitmaps, carved from RAM */
        uint64_t rvm_pages;    /* pages RVM took for itself: stage-2 tables, CommEdge rings */
        uint64_t guest_pages;  /* pages given to guest partitions as their RAM */
        uint64_t image_start, image_end;
        unsigned cpu_count; /* CPUs RVM manages: min(DTB, profile, arch) */
        struct boot_cpu cpu[8];
        uint32_t psci_version;
        uint64_t phase_ns[8];
        enum boot_status phase_status[8];
        uint64_t phase_meas[8]; /* first 8 bytes of SHA-256 of each phase's result line */
        unsigned phases_run;
        unsigned phases_witnessed;    /* WK_BOOT_PHASE records emitted so far */
        struct witness_attest attest; /* measured boot: image, DTB, profile, every phase */
        uint64_t boot_done_ns;
};

extern struct boot_state boot_state;

/* The RVF image given at boot (boot/rvf_boot.c), as checked before the log starts. */
struct boot_rvf {
        bool present, witnessed;
        int slot;        /* flash slot it came from (0 = A), -1 for a bare RVF */
        int err;         /* enum rvf_err: 0 = verified */
        int err_segment; /* where, when refused */
        uint64_t image_version, verify_ns;
        uint8_t digest[32]; /* the signed digest (zero when refused) */
        unsigned seg_count; /* segments witnessed */
        struct {
                uint64_t id, hash8;
                uint8_t type;
        } seg[64];
        char msg[200];
        char line[320]; /* the console line saying so (printed by the caller) */
};
#ifndef RVM_WITH_RVF
/* A profile without RVF boot (the Seed: no ECDSA in the image): an initrd is ignored and
 * its partitions start from the copies linked into RVM, as they do in the appliance. */
static inline void boot_rvf_check(void) {}
static inline void boot_rvf_witness(void) {}
#else
extern struct boot_rvf boot_rvf;
/* Parse and verify the initrd as an RVF image (or a make image flash file); measure it. */
void boot_rvf_check(void);
/* Once the log runs: WK_BOOT_RVF_SEGMENT per segment, then WK_BOOT_RVF (the verdict). */
void boot_rvf_witness(void);
#endif

/* Early: parse the DTB and bring the console up, before any phase prints. */
void boot_early(uint64_t dtb_pa);
/* Run the phases in order; returns false (after printing why) if one failed. */
/* report() prints each phase's line (the kernel's console). */
bool boot_run(const struct boot_phase *phases, unsigned count, void (*report)(const char *line));

/* Fold the image, the DTB and the profile into the attestation digest. */
void boot_measure_image(void);

/* The phases boot/ implements (see kernel/main.c for the table). */
enum boot_status boot_phase_hal(char *msg, size_t cap);
enum boot_status boot_phase_memory(char *msg, size_t cap);
/* Start CPUs 1..cpu_count-1 with PSCI; returns how many are online, the caller included. */
unsigned boot_smp_start(void);
/* Called by each secondary CPU once it runs RVM code. */
void boot_cpu_arrived(unsigned index);
const char *boot_cpu_state_name(enum boot_cpu_state s);
const char *boot_status_name(enum boot_status s);

#endif
