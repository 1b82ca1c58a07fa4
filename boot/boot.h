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
#include "configs/partitions.h"
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
        bool sha256_ce; /* SHA-256 on the CPU's instructions (ID_AA64ISAR0_EL1.SHA2) */
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
        /* What the root-partition phase created partitions and agents from: the verified RVF
         * image's tables (boot_rvf), or in the test images the tables linked into them. */
        struct profile_tables profile;
};

extern struct boot_state boot_state;

/*
 * The RVF image in boot flash (boot/rvf_boot.c): `make image`'s file in flash bank 0 holds a
 * flash header naming slot A. If there is one, boot_rvf_check (witness phase, before the
 * log starts) copies the slot to RAM, parses and verifies it against the public key RVM was
 * built with, and builds the partition table of its PROFILE segment; the verdict is
 * measured into the attestation digest and, once the log runs, witnessed (each segment
 * WK_BOOT_RVF_SEGMENT, the verdict WK_BOOT_RVF, denied when refused).
 */
enum boot_rvf_state {
        BOOT_RVF_NONE = 0, /* no flash header in bank 0: nothing starts (test images, and a
                            * profile without RVF boot: their linked tables) */
        BOOT_RVF_VERIFIED, /* partitions and agents come from the image */
        BOOT_RVF_REFUSED,  /* nothing is started: msg says what is wrong */
};
struct boot_rvf {
        enum boot_rvf_state state;
        bool witnessed;
        int slot;        /* flash slot (0 = A) */
        int err;         /* enum rvf_err: 0 = verified */
        int err_segment; /* where, when refused (-1: the file or the flash header) */
        uint64_t image_version, length, copy_ns, verify_ns;
        bool floor_known;   /* the store said which version was booted or allowed last */
        uint64_t floor;     /* ...that version: older images are refused */
        uint8_t digest[32]; /* the signed digest (zero when refused) */
        unsigned seg_count; /* segments witnessed */
        struct {
                uint64_t id, hash8;
                uint8_t type;
        } seg[64];
        const uint8_t *slot_copy; /* the slot in RAM (NULL once refused: given back) */
        /* A/B update (boot/rvf_update.h): the step this boot took on the update slot
         * (upd_slot >= 0), witnessed as WK_BOOT_RVF_SLOT, and the console line saying so. */
        int upd_slot;
        unsigned upd_event; /* RVF_SLOT_EV_* */
        uint64_t upd_version;
        bool upd_trying;    /* booting the update for the first time: self-test pending */
        bool upd_flash_err; /* programming an update word failed */
        int loop_other;     /* booting a confirmed update: the slot it replaced, else -1 */
        char upd_msg[360];
        char upd_line[440];
        char floor_reason[200];
        char msg[320];
        char line[440];               /* the console line saying so (kernel/main.c prints it) */
        struct profile_tables tables; /* VERIFIED: its PROFILE as boot's tables */
};
/* Defined in both cases: kernel/main.c, kernel/cmds.c and kernel/wlog.c read its state. */
extern struct boot_rvf boot_rvf;
/* Whether boot_rvf can say anything but BOOT_RVF_NONE (no image verified or refused, no A/B
 * update step or self-test): a constant 0 without RVF boot, so those paths compile out. */
#ifdef RVM_WITH_RVF
#define BOOT_RVF_POSSIBLE 1
#else
#define BOOT_RVF_POSSIBLE 0
#endif
/* Read, copy, parse and verify the image in flash bank 0 (if any) and measure the verdict.
 * Without RVF boot (boot/boot.c): the state stays BOOT_RVF_NONE, upd_slot -1. */
void boot_rvf_check(void);
#ifdef RVM_WITH_RVF
const char *boot_rvf_state_name(enum boot_rvf_state s);
/* Downgrade protection, after the witness store is attached and before the log starts: f is
 * what the store says (rvf_floor_visit, boot/rvf_update.h): the version this machine last
 * booted, or the one the monitor last allowed. A verified image older than that is refused
 * (RVF_E_DOWNGRADE), measured as such. */
struct rvf_floor;
void boot_rvf_check_floor(const struct rvf_floor *f);
/* The boot self-test of an update being tried (handoff: passed when everything in the image
 * started; why when not): CONFIRMED or REJECTED programmed for its slot, witnessed, and
 * boot_rvf.upd_line says so. Nothing when this boot is not trying an update. */
void boot_rvf_self_test(bool passed, const char *why);
/* Once the log runs: WK_BOOT_RVF_SEGMENT per segment, then WK_BOOT_RVF (the verdict). */
void boot_rvf_witness(void);
/* F4, a boot loop (kernel/panic.c): boots of this image failed in a row. When the slot booted
 * is a confirmed update, REJECTED is programmed for it (witnessed, WK_BOOT_RVF_SLOT step 5)
 * and the slot it replaced is returned: the next boot takes that last good image. Else -1:
 * there is no other good image. */
int boot_rvf_loop_escape(void);
/* A verified image whose partitions could not be created (why): refused after all, and
 * witnessed so (root-partition phase); boot_rvf.line says so. */
void boot_rvf_refuse_late(const char *why);
#else
/* A profile without RVF boot (the Seed: no ECDSA in the image, configs/features.h): flash
 * bank 0 is not read, boot_rvf stays BOOT_RVF_NONE (upd_slot -1: no A/B update step, never
 * trying one; boot/boot.c) and the partitions start from the tables linked into RVM (the
 * Makefile links them into this profile's rvm.bin). `image` is refused (kernel/absent_cmds.c). */
struct rvf_floor;
static inline void boot_rvf_check_floor(const struct rvf_floor *f)
{
        (void)f;
}
static inline void boot_rvf_self_test(bool passed, const char *why)
{
        (void)passed;
        (void)why;
}
static inline void boot_rvf_witness(void) {}
static inline int boot_rvf_loop_escape(void)
{
        return -1;
}
static inline void boot_rvf_refuse_late(const char *why)
{
        (void)why;
}
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
