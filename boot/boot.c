/*
 * boot/boot.c: the phase runner and the phases boot/ owns. Order matters and is
 * fixed by the table in kernel/main.c: the HAL phase brings up the GIC and timer the
 * later phases rely on; the memory phase switches RVM's own MMU on before anything
 * allocates.
 */
#include "boot/boot.h"

#include <string.h>

#include "arch/aarch64/arch.h"
#include "boot/rvf.h"
#include "configs/profile.h"
#include "hal/gic.h"
#include "hal/psci.h"
#include "hal/timer.h"
#include "hal/uart.h"
#include "kernel/fmt.h"

#include "configs/limits.h" /* the profile's sizes, if it sets them */
/* 1: SHA-256 on the CPU's instructions where it has them (arch/aarch64/sha256.c); 0 (the
 * Seed): mbedTLS's portable compression only, the same digests, slower. */
#ifndef BOOT_SHA256_CE
#define BOOT_SHA256_CE 1
#endif

struct boot_state boot_state;

#ifndef RVM_WITH_RVF
/* No RVF boot in this profile (boot/boot.h): the state the rest of RVM reads, in .bss (the
 * Seed's image budget), set when boot would have checked the flash. Its message and boot
 * line stay empty: that the partitions are the linked ones is the build's, and `info` says
 * RVF boot is not in this profile (kernel/cmds.c). */
struct boot_rvf boot_rvf;

void boot_rvf_check(void)
{
        boot_rvf.state = BOOT_RVF_NONE;
        boot_rvf.upd_slot = -1; /* no A/B update step taken, none being tried */
        boot_rvf.loop_other = -1;
}
#endif

extern char __image_start[], __image_end[];

/* The largest DTB we accept (QEMU's are ~1 MiB at most; Linux caps at 2 MiB). */
#define DTB_MAX_SIZE (2ULL << 20)

void boot_early(uint64_t dtb_pa)
{
        boot_state.sha256_ce = arch_sha256_probe(); /* used from boot_phase_memory on */
        boot_state.dtb_pa = dtb_pa;
        boot_state.image_start = (uint64_t)(uintptr_t)__image_start;
        boot_state.image_end = (uint64_t)(uintptr_t)__image_end;
        boot_state.board_err = board_parse((const void *)(uintptr_t)dtb_pa,
                                           dtb_pa != 0 ? DTB_MAX_SIZE : 0, &boot_state.board);
        hal_uart_init(boot_state.board.uart.base);
        witness_attest_init(&boot_state.attest);
}

void boot_measure_image(void)
{
        extern char __text_start[], __rodata_end[];
        const struct board_info *b = &boot_state.board;

        witness_attest_measure(&boot_state.attest, "image", __text_start,
                               (size_t)(__rodata_end - __text_start), NULL);
        /* The DTB's blocks, not the free space firmware pads it with. */
        witness_attest_measure(&boot_state.attest, "dtb", (const void *)(uintptr_t)b->dtb.base,
                               (size_t)b->dtb_used, NULL);
        witness_attest_measure(&boot_state.attest, "profile", &rvm_profile, sizeof(rvm_profile),
                               NULL);
        boot_rvf_check(); /* the RVF image in boot flash, if any: measured too */
}

/* Once the log runs, every phase that has finished gets its WK_BOOT_PHASE record. */
static void witness_phases(void)
{
        if (witness_global() == NULL) {
                return;
        }
        boot_rvf_witness();
        for (; boot_state.phases_witnessed < boot_state.phases_run; boot_state.phases_witnessed++) {
                unsigned i = boot_state.phases_witnessed;
                struct witness_event ev = {
                    .kind = WK_BOOT_PHASE,
                    .target = i + 1,
                    .cap = boot_state.phase_status[i],
                    .payload = boot_state.phase_meas[i],
                };
                witness_emit(&ev);
        }
}

const char *boot_status_name(enum boot_status s)
{
        return fmt_name("ok\0skipped\0FAILED\0?\0", (unsigned)s); /* enum boot_status */
}

const char *boot_cpu_state_name(enum boot_cpu_state s)
{
        /* In the order of enum boot_cpu_state, from BOOT_CPU_OFF. */
        return fmt_name("off\0starting\0online\0failed\0?\0", (unsigned)s);
}

bool boot_run(const struct boot_phase *phases, unsigned count, void (*report)(const char *line))
{
        for (unsigned i = 0; i < count; i++) {
                char msg[200];
                msg[0] = '\0';
                uint64_t t0 = hal_time_ns();
                enum boot_status st = phases[i].run(msg, sizeof(msg));
                uint64_t dt = hal_time_ns() - t0;
                /* Measured boot: the phase's name, status and result line. */
                uint8_t meas[WITNESS_HEAD_SIZE];
                char line[240];
                size_t n = fmt_format(line, sizeof(line), "%s|%s", boot_status_name(st), msg);
                witness_attest_measure(&boot_state.attest, phases[i].name, line,
                                       n < sizeof(line) ? n : sizeof(line) - 1, meas);
                if (i < 8) {
                        boot_state.phase_ns[i] = dt;
                        boot_state.phase_status[i] = st;
                        memcpy(&boot_state.phase_meas[i], meas, sizeof(uint64_t));
                        boot_state.phases_run = i + 1;
                }
                witness_phases();
                /* (no result line, as the Seed's phases that have nothing the build did
                 * not fix: the time where it would begin) */
                fmt_format(line, sizeof(line), "boot: [%u/%u] %-16s %-7s%s%s (%llu us)\n", i + 1,
                           count, phases[i].name, boot_status_name(st), msg[0] ? " " : "", msg,
                           (unsigned long long)(dt / 1000));
                report(line);
                if (st == BOOT_FAILED) {
                        fmt_format(line, sizeof(line),
                                   "boot: phase '%s' failed; RVM cannot continue\n",
                                   phases[i].name);
                        report(line);
                        return false;
                }
        }
        boot_state.boot_done_ns = hal_time_ns();
        uint64_t digest8;
        memcpy(&digest8, boot_state.attest.digest, sizeof(digest8));
        witness_emit(
            &(struct witness_event){.kind = WK_BOOT_DONE, .target = count, .payload = digest8});
        return true;
}

enum boot_status boot_phase_hal(char *msg, size_t cap)
{
        struct board_info *b = &boot_state.board;

        if (arch_current_el() != 2) {
                fmt_format(msg, cap,
                           RVM_SAY("RVM was entered at EL%u; it must be started at EL2",
                                   "RVM entered at EL%u, not EL2"),
                           arch_current_el());
                return BOOT_FAILED;
        }
        if (BOARD_READ_AT_BOOT && b->psci != BOARD_PSCI_SMC) {
                fmt_format(msg, cap, "firmware PSCI conduit is not SMC; RVM at EL2 cannot call it");
                return BOOT_FAILED;
        }
        boot_state.psci_version = hal_psci_version();

        unsigned cpus = b->cpu_count;
        if (cpus > rvm_profile.max_cpus) {
                cpus = rvm_profile.max_cpus;
        }
        boot_state.cpu_count = cpus;
        for (unsigned i = 0; i < cpus; i++) {
                boot_state.cpu[i].mpidr = b->cpu_mpidr[i];
        }
        /* The boot CPU is whichever one firmware started: make it CPU 0 in our table. */
        uint64_t self = arch_mpidr();
        for (unsigned i = 1; i < cpus; i++) {
                if (boot_state.cpu[i].mpidr == self) {
                        boot_state.cpu[i].mpidr = boot_state.cpu[0].mpidr;
                        break;
                }
        }
        boot_state.cpu[0].mpidr = self;
        boot_state.cpu[0].state = BOOT_CPU_ONLINE;

        hal_gic_init(b->gicd.base, b->gicr.base, b->gicr.size);
        if (hal_gic_cpu_init(self) != GIC_OK) {
                fmt_format(msg, cap, "no GICv3 redistributor for MPIDR 0x%llx",
                           (unsigned long long)self);
                return BOOT_FAILED;
        }
        if (!BOARD_READ_AT_BOOT) {
                return BOOT_OK; /* a board compiled in: its devices are the build's; `info`
                                 * shows what was read of them (PSCI, SPIs, timer) */
        }
        uint64_t freq = hal_timer_freq();
        fmt_format(msg, cap,
                   "%s%s; pl011@0x%llx irq %u; gicv3@0x%llx %u SPIs; timer %llu.%llu MHz; "
                   "psci %u.%u",
                   b->model, boot_state.board_err == BOARD_OK ? "" : " (DTB incomplete)",
                   (unsigned long long)b->uart.base, b->uart_irq, (unsigned long long)b->gicd.base,
                   hal_gic_spi_count(), (unsigned long long)(freq / 1000000),
                   (unsigned long long)(freq / 100000 % 10), boot_state.psci_version >> 16,
                   boot_state.psci_version & 0xffff);
        return BOOT_OK;
}

/* Is [a, a+n) clear of the image, the DTB and the initrd (a board read at boot's)? */
static bool range_free(uint64_t a, uint64_t n)
{
        const struct board_info *b = &boot_state.board;
        const uint64_t used[3][2] = {
            {boot_state.image_start, boot_state.image_end},
            {b->dtb.base, b->dtb.base + b->dtb.size},
            {b->initrd.base, b->initrd.base + b->initrd.size},
        };

        for (unsigned i = 0; i < (BOARD_READ_AT_BOOT ? 3 : 2); i++) {
                if (a < used[i][1] && used[i][0] < a + n) {
                        return false;
                }
        }
        return true;
}

enum boot_status boot_phase_memory(char *msg, size_t cap)
{
        struct board_info *b = &boot_state.board;
        struct arch_mem_range ram[BOARD_MAX_MEM];
        struct arch_mem_range dev[5];
        unsigned dev_count = 0;
        uint64_t ram_bytes = 0;

        for (unsigned i = 0; i < b->mem_count; i++) {
                ram[i] = (struct arch_mem_range){b->mem[i].base, b->mem[i].size};
                ram_bytes += b->mem[i].size;
        }
        if (ram_bytes < rvm_profile.min_ram_bytes) {
                fmt_format(msg, cap, "%llu KiB of RAM; profile %s needs %llu KiB",
                           (unsigned long long)(ram_bytes >> 10), rvm_profile.name,
                           (unsigned long long)(rvm_profile.min_ram_bytes >> 10));
                return BOOT_FAILED;
        }
        dev[dev_count++] = (struct arch_mem_range){b->uart.base, b->uart.size};
        dev[dev_count++] = (struct arch_mem_range){b->gicd.base, b->gicd.size};
        dev[dev_count++] = (struct arch_mem_range){b->gicr.base, b->gicr.size};
        /* Bank 0 is the boot flash: RVM reads its flash header and slots A and B from it and
         * programs the header's update words (boot/rvf_boot.c); the cold area below the header
         * holds cold memory and flash checkpoints (memory/cold.h). Nothing below that is
         * mapped, so address 0 stays unmapped and a NULL access still faults. Without RVF boot
         * and the tiers nothing uses bank 0, and none of it is mapped. Bank 1 is the witness
         * store. Device memory both. */
#if defined(RVM_WITH_RVF) || defined(RVM_WITH_TIERS)
        if (b->flash_count > 0 && b->flash[0].size >= RVF_FLASH_SIZE) {
                dev[dev_count++] = (struct arch_mem_range){b->flash[0].base + RVF_FLASH_COLD_OFFSET,
                                                           RVF_FLASH_SIZE - RVF_FLASH_COLD_OFFSET};
        }
#endif
        if (b->flash_count > 1) {
                dev[dev_count++] = (struct arch_mem_range){b->flash[1].base, b->flash[1].size};
        }
        if (arch_mmu_init(ram, b->mem_count, dev, dev_count) != 0) {
                fmt_format(msg, cap,
                           RVM_SAY("cannot build the EL2 page tables (RAM beyond 512 GiB?)",
                                   "cannot build the EL2 page tables"));
                return BOOT_FAILED;
        }
        /* From here every SHA-256 (the image measurement, the witness chain, RVF, HMAC) runs
         * on the CPU's SHA-256 instructions when it has them. Not before: with the MMU off
         * all data is Device memory, where the unaligned vector loads that code makes fault. */
        if (BOOT_SHA256_CE && boot_state.sha256_ce) {
                witness_sha256_accelerate(arch_sha256_blocks);
        }

        /* One page allocator per RAM range; each bitmap is carved from its own range. */
        for (unsigned i = 0; i < b->mem_count; i++) {
                uint64_t base = (b->mem[i].base + PALLOC_PAGE_SIZE - 1) & ~(PALLOC_PAGE_SIZE - 1);
                uint64_t end = (b->mem[i].base + b->mem[i].size) & ~(PALLOC_PAGE_SIZE - 1);
                if (end <= base) {
                        continue;
                }
                uint64_t pages = (end - base) >> PALLOC_PAGE_SHIFT;
                uint64_t bytes =
                    (palloc_bitmap_bytes(pages) + PALLOC_PAGE_SIZE - 1) & ~(PALLOC_PAGE_SIZE - 1);
                uint64_t at = base;
                if (boot_state.image_end > base && boot_state.image_end < end) {
                        at = boot_state.image_end; /* prefer right after the image */
                }
                while (at + bytes <= end && !range_free(at, bytes)) {
                        at += PALLOC_PAGE_SIZE;
                }
                if (at + bytes > end) {
                        continue; /* range too full to manage; leave it out */
                }
                if (mem_pool_add(&boot_state.mem, base, pages, (uint64_t *)(uintptr_t)at) !=
                    PALLOC_OK) {
                        continue;
                }
                mem_pool_reserve(&boot_state.mem, at, bytes);
                boot_state.bitmap_bytes += bytes;
        }
        mem_pool_reserve(&boot_state.mem, boot_state.image_start,
                         boot_state.image_end - boot_state.image_start);
        mem_pool_reserve(&boot_state.mem, b->dtb.base, b->dtb.size);
        if (BOARD_READ_AT_BOOT) {
                mem_pool_reserve(&boot_state.mem, b->initrd.base, b->initrd.size);
        }
        if (boot_state.mem.range_count == 0) {
                fmt_format(msg, cap, "no RAM range could be managed");
                return BOOT_FAILED;
        }

        uint64_t total = mem_pool_total_pages(&boot_state.mem);
        uint64_t free = mem_pool_free_pages(&boot_state.mem);
        if (RVM_TERSE) { /* the RAM free; the tables and ranges follow from the build */
                fmt_format(msg, cap, "%llu of %llu MiB free", (unsigned long long)(free >> 8),
                           (unsigned long long)(total >> 8));
                return BOOT_OK;
        }
        fmt_format(msg, cap,
                   "EL2 MMU on (text RX, rodata R, data RW+XN, %u tables); %llu of %llu MiB free "
                   "in %u range%s",
                   arch_mmu_tables_used(), (unsigned long long)(free >> 8),
                   (unsigned long long)(total >> 8), boot_state.mem.range_count,
                   boot_state.mem.range_count == 1 ? "" : "s");
        return BOOT_OK;
}
