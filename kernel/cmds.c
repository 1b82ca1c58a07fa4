/*
 * kernel/cmds.c: the monitor's built-in commands: info, image, cpus, mem, reboot, poweroff.
 */
#include <stdint.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "boot/rvf.h"
#include "cap/cap.h"
#include "configs/features.h"
#include "configs/profile.h"
#include "hal/gic.h"
#include "hal/psci.h"
#include "hal/timer.h"
#include "kernel/console.h"
#include "kernel/gate.h"
#include "kernel/ipc.h"
#include "kernel/monitor.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "kernel/tier.h"
#include "kernel/version.h"
#include "kernel/wlog.h"
#include "witness/witness.h"

static int cmd_info(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        const struct board_info *b = &boot_state.board;
        uint64_t up = hal_time_ns();

        con_printf("RVM %s, profile %s (%s)\n", RVM_VERSION, rvm_profile.name, rvm_profile.summary);
        con_printf("built with %s (toolchain %s)\n", RVM_COMPILER, RVM_TOOLCHAIN);
        if (BOARD_HAS_ARGS) {
                con_printf("board: %s; DTB at 0x%llx (%llu bytes)%s\n", b->model,
                           (unsigned long long)b->dtb.base, (unsigned long long)b->dtb.size,
                           b->from_dtb ? "" : ", using the QEMU virt fallback");
        } else { /* compiled in, and nothing of the DTB read (hal/board.h) */
                con_printf("board: %s\n", b->model);
        }
        con_printf("image: 0x%llx-0x%llx (%llu KiB)\n", (unsigned long long)boot_state.image_start,
                   (unsigned long long)boot_state.image_end,
                   (unsigned long long)((boot_state.image_end - boot_state.image_start) >> 10));
        if (RVM_TERSE) { /* one CPU, the board's: what was read of the firmware and GIC */
                con_printf("psci %u.%u; gicv3 %u SPIs (iidr 0x%08x)\n",
                           boot_state.psci_version >> 16, boot_state.psci_version & 0xffff,
                           hal_gic_spi_count(), hal_gic_iidr());
        } else {
                con_printf(
                    "cpus: %u managed, %u on the board; psci %u.%u; gicv3 %u SPIs (iidr 0x%08x)\n",
                    boot_state.cpu_count, b->cpu_count_dtb, boot_state.psci_version >> 16,
                    boot_state.psci_version & 0xffff, hal_gic_spi_count(), hal_gic_iidr());
        }
        con_printf("timer: %llu Hz counter, tick %u Hz; uptime %llu.%03llu s\n",
                   (unsigned long long)hal_timer_freq(), rvm_profile.tick_hz,
                   (unsigned long long)(up / 1000000000ULL),
                   (unsigned long long)(up / 1000000ULL % 1000));
        if (BOARD_HAS_ARGS) {
                con_printf("bootargs: \"%s\"%s\n", b->bootargs,
                           kernel_semihosting() ? " (semihosting exit codes on)" : "");
        }
        if (BOARD_READ_AT_BOOT && b->initrd.size != 0) {
                con_printf("initrd: 0x%llx (%llu bytes)\n", (unsigned long long)b->initrd.base,
                           (unsigned long long)b->initrd.size);
        }
#ifdef RVM_WITH_RVF
#ifdef RVM_LINKED_PROFILE
        const char *none = "none in flash bank 0 (the partitions linked into this test image)";
#else
        const char *none = "none in flash bank 0: no partitions (they come from a signed image)";
#endif
        con_printf("rvf image: %s\n", boot_rvf.state == BOOT_RVF_NONE ? none : boot_rvf.msg);
#else
        monitor_absent_say("rvf image", "RVF boot");
#endif
        wlog_banner();
        return 0;
}
MONITOR_CMD(info, "info", "", "version, profile, toolchain, board, uptime", cmd_info);

#ifdef RVM_WITH_RVF /* otherwise `image` is refused: kernel/absent_cmds.c */
/* `image allow-downgrade V`: the next boot may run image version V (or newer) even when an
 * earlier boot ran a newer one. The permission is a witness record (WK_BOOT_RVF_ALLOW)
 * written to the store now; the next boot reads it (kernel/wlog.c). */
static int image_allow(const char *arg)
{
        uint64_t v;

        if (monitor_parse_u64(arg, &v) != 0) {
                con_puts("usage: image allow-downgrade <version>\n");
                return -1;
        }
        witness_emit(&(struct witness_event){.kind = WK_BOOT_RVF_ALLOW, .target = v});
        wlog_flush();
        struct witness_log *log = witness_global();
        struct witness_stats st = {0};
        if (log != NULL) {
                witness_log_stats(log, &st);
        }
        if (log == NULL || st.store_state != WITNESS_STORE_OK) {
                con_printf(
                    "image version %llu allowed in this boot's log only: the witness store "
                    "is not being written, so the next boot will not see it\n",
                    (unsigned long long)v);
                return -1;
        }
        con_printf("the next boot may run image version %llu or newer (witnessed)\n",
                   (unsigned long long)v);
        return 0;
}

/* The RVF image boot found in flash bank 0 (boot/rvf_boot.c): its verdict and segments. */
static int cmd_image(int argc, char **argv)
{
        if (argc == 3 && strcmp(argv[1], "allow-downgrade") == 0) {
                return image_allow(argv[2]);
        }
        if (argc != 1) {
                con_puts("usage: image [allow-downgrade <version>]\n");
                return -1;
        }
        if (boot_rvf.state == BOOT_RVF_NONE) {
                con_printf(
                    "no RVF image in flash bank 0: partitions and agents are the ones "
                    "linked into RVM\n");
                return 0;
        }
        con_printf("slot %c, %llu bytes, image version %llu: %s\n",
                   boot_rvf.slot < 0 ? '-' : 'A' + boot_rvf.slot,
                   (unsigned long long)boot_rvf.length, (unsigned long long)boot_rvf.image_version,
                   boot_rvf.msg);
        /* Under -icount shift=0 a nanosecond is an instruction (make bench reads this). */
        con_printf("copied from flash in %llu ns, checked in %llu ns\n",
                   (unsigned long long)boot_rvf.copy_ns, (unsigned long long)boot_rvf.verify_ns);
        if (boot_rvf.floor_known) {
                con_printf("downgrade protection: images older than version %llu are refused\n",
                           (unsigned long long)boot_rvf.floor);
        } else {
                con_puts(
                    "downgrade protection: no earlier boot of a verified image in the "
                    "witness store\n");
        }
        for (unsigned i = 0; i < boot_rvf.seg_count; i++) {
                /* The content hash's first 8 bytes in file order, as `rvf inspect` prints it. */
                char hex[17];
                uint64_t h = boot_rvf.seg[i].hash8;
                for (unsigned b = 0; b < 8; b++, h >>= 8) {
                        hex[2 * b] = "0123456789abcdef"[(h >> 4) & 0xf];
                        hex[2 * b + 1] = "0123456789abcdef"[h & 0xf];
                }
                hex[16] = '\0';
                con_printf("  %2u %-8s id %-4llu content hash %s...\n", i,
                           rvf_seg_type_name(boot_rvf.seg[i].type),
                           (unsigned long long)boot_rvf.seg[i].id, hex);
        }
        return 0;
}
MONITOR_CMD(image, "image", "[allow-downgrade <version>]",
            "the RVF image booted from flash: verdict and segments; allow an older one next boot",
            cmd_image);
#endif

#ifdef RVM_WITH_INSPECT /* otherwise refused: kernel/absent_cmds.c */
static int cmd_cpus(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        con_printf("cpu  mpidr       state     ticks       irqs\n");
        for (unsigned i = 0; i < boot_state.cpu_count; i++) {
                const struct percpu *c = &percpu[i];
                con_printf("%-4u 0x%08llx  %-9s %-11llu %llu\n", i, (unsigned long long)c->mpidr,
                           cpu_state_name(c->state), (unsigned long long)c->ticks,
                           (unsigned long long)c->irqs);
                if (c->state == CPU_FAILED && c->psci_err != 0) {
                        con_printf("     PSCI CPU_ON: %s\n", hal_psci_err_str(c->psci_err));
                }
        }
        if (boot_state.board.cpu_count_dtb > boot_state.cpu_count) {
                con_printf("(%u more CPU%s on the board, beyond the %s profile's limit of %u)\n",
                           boot_state.board.cpu_count_dtb - boot_state.cpu_count,
                           boot_state.board.cpu_count_dtb - boot_state.cpu_count == 1 ? "" : "s",
                           rvm_profile.name, rvm_profile.max_cpus);
        }
        return 0;
}
MONITOR_CMD(cpus, "cpus", "", "list the CPUs, one line each", cmd_cpus);
#endif

/*
 * Where RVM's own memory went: its image (text, rodata, data, and .bss with its big
 * tables named), the page allocators' bitmaps and the pages it took at run time. Sizes,
 * not measurements: they do not vary run to run (make test checks the Seed's budget).
 */
static void mem_account(void)
{
        extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
        extern char __bss_start[], __bss_end[], __image_start[], __image_end[];
        const unsigned long bss = (unsigned long)(__bss_end - __bss_start);
        const struct {
                const char *what;
                unsigned long bytes;
        } bss_items[] = {
            {"EL2 stacks", sizeof(arch_cpu_stacks)},
            {"EL2 page tables", arch_mmu_table_bytes()},
            {"witness ring", wlog_ring_bytes()},
            {"console buffers", con_buffer_bytes()},
        };
        unsigned long named = 0;
        uint64_t rt = boot_state.bitmap_bytes + boot_state.rvm_pages * 4096ULL;
        uint64_t total = (uint64_t)(__image_end - __image_start) + boot_state.bitmap_bytes +
                         boot_state.rvm_pages * 4096ULL;

        con_printf("rvm: text %lu, rodata %lu, data %lu bytes (image)\n",
                   (unsigned long)(__text_end - __text_start),
                   (unsigned long)(__rodata_end - __rodata_start),
                   (unsigned long)(__bss_start - __rodata_end));
        con_printf("rvm: bss %lu bytes:", bss);
        for (unsigned i = 0; i < sizeof(bss_items) / sizeof(bss_items[0]); i++) {
                con_printf(" %s %lu,", bss_items[i].what, bss_items[i].bytes);
                named += bss_items[i].bytes;
        }
        con_printf(" other tables and records %lu\n", bss - named);
        con_printf(RVM_SAY("rvm: run time %llu bytes: page bitmaps %llu, %llu pages taken (stage-2 "
                           "tables, CommEdge rings)\n",
                           "rvm: run time %llu bytes: page bitmaps %llu, %llu pages taken\n"),
                   (unsigned long long)rt, (unsigned long long)boot_state.bitmap_bytes,
                   (unsigned long long)boot_state.rvm_pages);
        con_printf("rvm: %llu bytes in use by RVM", (unsigned long long)total);
        if (rvm_profile.ram_budget != 0) {
                con_printf(" of its %u-byte budget (%s)", rvm_profile.ram_budget,
                           total <= rvm_profile.ram_budget ? "within" : "OVER");
        }
        con_printf("; guests' RAM %llu bytes\n",
                   (unsigned long long)(boot_state.guest_pages * 4096));
}

static int cmd_mem(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        const struct mem_pool *m = &boot_state.mem;

        /* A board compiled in has the build's RAM ranges: the total below says what is free. */
        if (BOARD_READ_AT_BOOT) {
                con_printf("range  base                end                 pages     free\n");
                for (unsigned i = 0; i < m->range_count; i++) {
                        const struct palloc *p = &m->range[i];
                        con_printf("%-6u 0x%016llx  0x%016llx  %-9llu %llu\n", i,
                                   (unsigned long long)p->base,
                                   (unsigned long long)(p->base + p->page_count * PALLOC_PAGE_SIZE),
                                   (unsigned long long)p->page_count,
                                   (unsigned long long)p->free_count);
                }
        }
        uint64_t total = mem_pool_total_pages(m);
        uint64_t free = mem_pool_free_pages(m);
        con_printf("total %llu KiB, free %llu KiB, used %llu KiB (RVM image %llu KiB)\n",
                   (unsigned long long)(total * 4), (unsigned long long)(free * 4),
                   (unsigned long long)((total - free) * 4),
                   (unsigned long long)((boot_state.image_end - boot_state.image_start) >> 10));
        run_lock_take();
        mem_tier_show(true);
        run_lock_give();
        mem_account();
        return 0;
}
MONITOR_CMD(mem, "mem", "", "physical memory ranges and usage", cmd_mem);

/* Partition states as docs/WITNESS.md §6 numbers them. */
#define PART_STATE_RUNNING 1
#define PART_STATE_STOPPED 3

/*
 * An orderly stop: witness that partition 0 (RVM) stops, and flush, so the log on flash
 * ends with a seal that covers the stop itself.
 */
static void shutdown_witness(void)
{
        run_lock_take();
        ipc_epoch();  /* the CommEdges' traffic since the last epoch */
        gate_epoch(); /* and the denials folded since */
        run_lock_give();
        witness_emit(&(struct witness_event){
            .kind = WK_PART_STATE,
            .target = 0,
            .payload = PART_STATE_STOPPED | (uint64_t)PART_STATE_RUNNING << 32});
        wlog_shutdown();
}

static int cmd_reboot(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        shutdown_witness();
        con_puts("rvm: rebooting\n");
        con_flush();
        hal_psci_system_reset();
}
MONITOR_CMD(reboot, "reboot", "", "reset the machine (PSCI SYSTEM_RESET)", cmd_reboot);

static int cmd_poweroff(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        shutdown_witness();
        con_puts("rvm: powering off\n");
        kernel_exit(RVM_EXIT_OK);
}
MONITOR_CMD(poweroff, "poweroff", "", "power the machine off (exit status 0)", cmd_poweroff);

#ifdef RVM_WITH_INSPECT
static int cmd_caps(int argc, char **argv)
{
        uint32_t part = 0;

        if (argc > 2) {
                con_puts("usage: caps [partition]\n");
                return -1;
        }
        if (argc == 2) {
                const char *p = argv[1];
                if (*p == '\0') {
                        return -1;
                }
                for (; *p != '\0'; p++) {
                        if (*p < '0' || *p > '9' || part > 100000) {
                                con_printf("caps: '%s' is not a partition number\n", argv[1]);
                                return -1;
                        }
                        part = part * 10 + (uint32_t)(*p - '0');
                }
        }
        if (!cap_table_exists(part)) {
                con_printf("caps: partition %u has no capability table\n", part);
                return -1;
        }
        con_printf("handle              type          rights   depth  owner  object\n");
        uint32_t cursor = 0;
        unsigned n = 0;
        for (cap_handle_t h = cap_table_next(part, &cursor); h != 0;
             h = cap_table_next(part, &cursor)) {
                struct cap_info info;
                char rights[8];
                if (cap_info_of(part, h, &info) != CAP_OK) {
                        continue;
                }
                cap_rights_format(info.rights, rights);
                con_printf("0x%016llx  %-12s  %-7s  %-5u  %-5u  %llu%s\n", (unsigned long long)h,
                           cap_type_name(info.type), rights, info.depth, info.owner,
                           (unsigned long long)info.object_ref,
                           info.epoch_current ? "" : " (stale epoch)");
                n++;
        }
        con_printf(
            "%u capabilit%s (rights: R read, W write, G grant, V revoke, X execute, "
            "P prove, O grant-once)\n",
            n, n == 1 ? "y" : "ies");
        return 0;
}
MONITOR_CMD(caps, "caps", "[partition]", "list a partition's capabilities", cmd_caps);
#endif
