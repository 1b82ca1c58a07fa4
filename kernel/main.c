/*
 * kernel/main.c: RVM's start. The boot CPU parses the DTB, brings up the console and
 * runs the seven boot phases of seeds/003 from the table below; then it prints the
 * banner and serves the monitor (or, in a test image, runs the in-kernel tests).
 * Secondary CPUs arrive in kernel_secondary_main, start their tick and idle.
 */
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "cap/cap.h"
#include "configs/partitions.h"
#include "configs/profile.h"
#include "hal/gic.h"
#include "hal/rtc.h"
#include "hal/timer.h"
#include "hal/uart.h"
#include "kernel/agents.h"
#include "kernel/cohere.h"
#include "kernel/console.h"
#include "kernel/fmt.h"
#include "kernel/hvc.h"
#include "kernel/ipc.h"
#include "kernel/leases.h"
#include "kernel/monitor.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "kernel/version.h"
#include "kernel/wlog.h"
#include "memory/memory.h"
#include "partition/edge.h"
#include "partition/partition.h"
#include "partition/share.h"
#include "partition/vdev.h"
#include "proof/proof.h"
#include "tests/qemu/ktest.h"
#include "witness/witness.h"

/* The EL2 timer: each CPU's tick (accounting, preemption), or an event between ticks. */
static void tick_handler(unsigned intid, void *ctx)
{
        (void)intid;
        (void)ctx;
        if (!hal_timer_rearm(this_cpu()->index)) {
                run_timer_event(); /* a vCPU's WFI deadline, between ticks */
                return;
        }
        this_cpu()->ticks++;
        run_tick();
}

static void uart_handler(unsigned intid, void *ctx)
{
        (void)intid;
        (void)ctx;
        hal_uart_irq();
        con_drain(); /* the transmit FIFO has room, or this is receive: feed it either way */
}

static void cpu_start_tick(void)
{
        struct percpu *c = this_cpu();

        if (hal_gic_enable(boot_state.board.timer_hyp_irq, c->mpidr, tick_handler, NULL) !=
            GIC_OK) {
                panic("cannot enable the EL2 timer interrupt %u", boot_state.board.timer_hyp_irq);
        }
        hal_timer_start(c->index, 1000000000ULL / rvm_profile.tick_hz);
}

static void percpu_setup(unsigned index, uint64_t mpidr)
{
        percpu[index].index = index;
        percpu[index].mpidr = mpidr;
        percpu[index].state = CPU_ONLINE;
        percpu[index].stack_top = arch_cpu_stack_top(index);
        percpu[index].local_ctx.call = &percpu[index].local_call;
        arch_set_percpu(&percpu[index]);
}

static enum boot_status phase_cap(char *msg, size_t cap)
{
        size_t count = 0;

        cap_init();
        proof_init();
        hvc_init();
        if (RVM_TERSE) {
                return BOOT_OK; /* the sizes below are the build's */
        }
        hvc_entries(&count);
        fmt_format(msg, cap,
                   "%u capability slots, %u objects, depth <= %u; gate holds %zu hypercalls, "
                   "each with rights, proof tier and witness kind",
                   CAP_ARENA_SIZE, CAP_MAX_OBJECTS, CAP_MAX_DEPTH, count);
        return BOOT_OK;
}

/*
 * The PL031 read once (hal/rtc.c), witnessed as WK_BOOT_CLOCK: target = its seconds since
 * 1970, cap = the counter's ns since reset at the read (the records' time base), payload =
 * its address; denied (payload = enum rtc_err) when the board has none or it is not a PL031.
 */
static void clock_anchor(void)
{
        const struct board_info *b = &boot_state.board;
        uint32_t secs;
        uint64_t at;
        enum rtc_err e = hal_rtc_read(b, &secs, &at);

        witness_emit(&(struct witness_event){.kind = WK_BOOT_CLOCK,
                                             .flags = e == RTC_OK ? 0 : WITNESS_F_DENIED,
                                             .target = secs,
                                             .cap = at,
                                             .payload = e == RTC_OK ? b->rtc.base : (uint64_t)e});
        if (e != RTC_OK) {
                con_printf(
                    RVM_SAY("rtc: no wall clock for this boot (%s): records carry time since "
                            "reset only\n",
                            "rtc: no wall clock for this boot (%s)\n"),
                    e == RTC_E_ABSENT ? "the DTB describes no PL031" : "not a PL031");
                return;
        }
        struct rtc_civil c;
        rtc_civil(secs, &c);
        con_printf(
            RVM_SAY("rtc: PL031 at 0x%llx reads %04u-%02u-%02uT%02u:%02u:%02u UTC at %llu ns "
                    "since reset (WK_BOOT_CLOCK anchors this boot's records)\n",
                    "rtc: PL031 at 0x%llx: %04u-%02u-%02uT%02u:%02u:%02u UTC at %llu ns\n"),
            (unsigned long long)b->rtc.base, c.year, c.month, c.day, c.hour, c.min, c.sec,
            (unsigned long long)at);
}

static enum boot_status phase_witness(char *msg, size_t cap)
{
        boot_measure_image();
        /* wlog_start also checks the image's version against the store (downgrade). */
        int started = wlog_start(boot_state.attest.digest, msg, cap);
        if (started == 0) {
                panic_boot_loop_check(wlog_failed_boots()); /* F4: a boot loop ends here */
                clock_anchor(); /* this boot's counter to UTC, witnessed */
        }
        if (BOOT_RVF_POSSIBLE && boot_rvf.upd_slot >= 0) {
                con_puts(boot_rvf.upd_line); /* an A/B update step taken before the verdict */
        }
        if (BOOT_RVF_POSSIBLE) {
                con_puts(boot_rvf.line); /* the verdict, or that bank 0 holds no image */
        }
        return started == 0 ? BOOT_OK : BOOT_FAILED;
}

static enum boot_status phase_sched(char *msg, size_t cap)
{
        percpu_count = boot_state.cpu_count;
        run_sched_init();
        run_cpu_online(0);
        cpu_start_tick();
        unsigned online = boot_smp_start();
        for (unsigned i = 0; i < boot_state.cpu_count; i++) {
                if (boot_state.cpu[i].state != BOOT_CPU_ONLINE) {
                        percpu[i].index = i;
                        percpu[i].mpidr = boot_state.cpu[i].mpidr;
                        percpu[i].state = CPU_FAILED;
                        percpu[i].psci_err = boot_state.cpu[i].psci_err;
                }
        }
        if (RVM_TERSE) { /* one CPU, the boot's own (a status FAILED says if not), and the
                          * tick: the build's */
                return online == boot_state.cpu_count ? BOOT_OK : BOOT_FAILED;
        }
        fmt_format(msg, cap,
                   "%u of %u CPU%s online (the board has %u), EL2 tick %u Hz; 2-signal scheduler "
                   "with a run queue per CPU",
                   online, boot_state.cpu_count, boot_state.cpu_count == 1 ? "" : "s",
                   boot_state.board.cpu_count_dtb, rvm_profile.tick_hz);
        return online == boot_state.cpu_count ? BOOT_OK : BOOT_FAILED;
}

static uint64_t boot_alloc_page(void *ctx)
{
        uint64_t pa = 0;

        (void)ctx;
        if (mem_alloc_pages(&boot_state.mem, 1, 1, &pa) != PALLOC_OK) {
                return 0;
        }
        boot_state.rvm_pages++; /* a high-water mark: `mem` counts them as RVM's */
        return pa;
}

/* A partition's RAM: 2 MiB aligned when it is at least that large, so that stage-2 maps it
 * with 2 MiB blocks (arch_s2_map); any alignment if no aligned run is left. */
static pa_t part_alloc_ram(void *ctx, uint64_t pages)
{
        const uint64_t block_pages = (2ULL << 20) / PALLOC_PAGE_SIZE;
        uint64_t pa = 0;

        (void)ctx;
        if ((pages < block_pages ||
             mem_alloc_pages(&boot_state.mem, pages, block_pages, &pa) != PALLOC_OK) &&
            mem_alloc_pages(&boot_state.mem, pages, 1, &pa) != PALLOC_OK) {
                return pa_init(0);
        }
        boot_state.guest_pages += pages;
        return pa_init(pa);
}

/*
 * The root partition is RVM's own partition 0: its capability table receives the root
 * capabilities of the objects RVM itself owns, from which every later grant derives.
 * Then the profile's guest partitions are created.
 */
/* Create table's partitions, then the CommEdges between them: an edge's ends are positions
 * in table (1 = its first), so a table created after others keeps its own numbering; agent
 * ends wait for agent_boot. */
static enum boot_status create_partitions(const struct part_config *table, size_t count,
                                          const struct edge_config *edges, size_t edge_total,
                                          unsigned *created, char *msg, size_t cap)
{
        unsigned base = part_count();

        for (size_t i = 0; i < count; i++) {
                struct partition *p;
                enum part_err e = part_create(&table[i], &p);
                if (e != PART_OK) {
                        fmt_format(msg, cap, "cannot create partition '%s' (error %d)",
                                   table[i].name, (int)e);
                        return BOOT_FAILED;
                }
                share_add_partition(p);
                if (vdev_attach(p) != 0) {
                        fmt_format(msg, cap, "partition '%s': invalid virtual device", p->name);
                        return BOOT_FAILED;
                }
                (*created)++;
        }
        for (size_t i = 0; i < edge_total; i++) {
                if (EDGE_IS_AGENT(edges[i].a) || EDGE_IS_AGENT(edges[i].b)) {
                        continue; /* an agent end: agent_boot makes it once agents exist */
                }
                struct partition *a = part_get(base + edges[i].a);
                struct partition *b = part_get(base + edges[i].b);
                if (a == NULL || b == NULL || edge_connect(a->id, b->id) != PART_OK) {
                        fmt_format(msg, cap, "cannot create CommEdge %u-%u", base + edges[i].a,
                                   base + edges[i].b);
                        return BOOT_FAILED;
                }
#ifdef RVM_KTEST
                /* Tests of the wrap: "edge_start=<n>" starts every ring's indices at n. */
                char start[16];
                ktest_bootarg(boot_state.board.bootargs, "edge_start", start, sizeof(start));
                uint64_t n = 0;
                for (const char *d = start; *d >= '0' && *d <= '9' && n <= 0xFFFFFFFFu; d++) {
                        n = n * 10 + (uint64_t)(*d - '0');
                }
                edge_start_indices(edge_count() - 1, (uint32_t)n);
#endif
        }
        return BOOT_OK;
}

static enum boot_status phase_root_partition(char *msg, size_t cap)
{
        /* RVM's own objects, each the only one of its type (reference 0). */
        static const uint8_t roots[] = {
            CAP_T_PARTITION,
            CAP_T_WITNESS_LOG,
            CAP_T_SCHEDULER,
            CAP_T_COHERENCE,
        };
        unsigned minted = 0;

        if (cap_table_create(0) != CAP_OK) {
                fmt_format(msg, cap, "cannot create partition 0's capability table");
                return BOOT_FAILED;
        }
        for (unsigned i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
                cap_obj_t obj;
                cap_handle_t h;
                if (cap_object_create(roots[i], 0, 0, 0, &obj) != CAP_OK ||
                    cap_mint_root(obj, 0, CAP_R_ALL, &h) != CAP_OK) {
                        fmt_format(msg, cap, "cannot mint the root %s capability",
                                   cap_type_name(roots[i]));
                        return BOOT_FAILED;
                }
                minted++;
        }
        witness_emit(&(struct witness_event){.kind = WK_PART_CREATE, .target = 0, .payload = 1});

        /* The profile's partitions (configs/<profile>/partitions.c), started at handoff. */
        static const struct part_env env = {
            .alloc_page = boot_alloc_page,
            .alloc_ram = part_alloc_ram,
            .release = share_release,
            .page_owned = share_page_owned,
        };
        part_init(&env);
        leases_init();
        share_init(pa_init(boot_state.image_start), pa_init(boot_state.image_end));
        edge_init();
        vdev_init(&(struct vdev_sink){
            .line = part_vdev_line, .raw = part_vdev_raw, .irq = part_vdev_irq});
        /* The verified image's tables; none when it was refused or there is none (the
         * appliance's rvm.bin links no partitions); when there is none, the linked ones in
         * the test images and in a profile without RVF boot (the Seed's rvm.bin links them). */
        struct profile_tables *pt = &boot_state.profile;
        if (BOOT_RVF_POSSIBLE && boot_rvf.state == BOOT_RVF_VERIFIED) {
                *pt = boot_rvf.tables;
        }
#ifdef RVM_LINKED_PROFILE
        if (boot_rvf.state == BOOT_RVF_NONE) {
                *pt = (struct profile_tables){.parts = rvm_partitions,
                                              .part_count = rvm_partition_count,
                                              .edges = rvm_edges,
                                              .edge_count = rvm_edge_count};
#ifdef RVM_HAVE_WASM
                pt->agents = rvm_agents;
                pt->agent_count = rvm_agent_count;
#endif
        }
#endif
        const struct part_config *table = pt->parts;
        size_t count = pt->part_count;
        const struct edge_config *edges = pt->edges;
        size_t edge_total = pt->edge_count;
#ifdef RVM_KTEST
        /* Test images: "scenario=<name>" boots a test scenario's partitions instead. */
        size_t scount = 0;
        const struct edge_config *sedges = NULL;
        size_t secount = 0;
        const struct part_config *scenario =
            ktest_scenario(boot_state.board.bootargs, &scount, &sedges, &secount);
        if (scenario != NULL) {
                table = scenario;
                count = scount;
                edges = sedges;
                edge_total = secount;
                size_t acount = 0;
                const struct agent_config *sagents =
                    ktest_scenario_agents(boot_state.board.bootargs, &acount);
                if (sagents != NULL && !board_has_arg(&boot_state.board, "appliance")) {
                        /* its own agents: agent_boot starts them and their edges */
                        *pt = (struct profile_tables){.parts = scenario,
                                                      .part_count = scount,
                                                      .agents = sagents,
                                                      .agent_count = acount,
                                                      .edges = sedges,
                                                      .edge_count = secount};
                }
        } else if (!board_has_arg(&boot_state.board, "run")) {
                count = 0; /* in-kernel tests run on a quiet machine */
                edge_total = 0;
        }
#endif
        if (kernel_safe_mode()) { /* F4: boots failed in a row: the monitor only */
                count = 0;
                edge_total = 0;
        }
#ifdef RVM_KTEST
        /* Test images, F4: "panic_at_boot" fails every boot here, until safe mode. */
        if (board_has_arg(&boot_state.board, "panic_at_boot") && !kernel_safe_mode()) {
                witness_emit(&(struct witness_event){.kind = WK_REC_INJECT});
                panic("injected at boot: RVM fails on purpose (test image, F4 boot loop)");
        }
#endif
        unsigned created = 0;
#ifdef RVM_KTEST
        /* "appliance": the profile's partitions first, then the scenario's (make soak). */
        if (scenario != NULL && !kernel_safe_mode() &&
            board_has_arg(&boot_state.board, "appliance") &&
            create_partitions(rvm_partitions, rvm_partition_count, rvm_edges, rvm_edge_count,
                              &created, msg, cap) != BOOT_OK) {
                return BOOT_FAILED;
        }
#endif
        if (create_partitions(table, count, edges, edge_total, &created, msg, cap) != BOOT_OK) {
                if (!BOOT_RVF_POSSIBLE || boot_rvf.state != BOOT_RVF_VERIFIED) {
                        return BOOT_FAILED;
                }
                /* A signed image asking for what this machine cannot give (RAM, an IPA size):
                 * refused like a bad one, to the monitor, not a panic. */
                boot_rvf_refuse_late(msg);
                con_puts(boot_rvf.line);
                boot_state.profile = (struct profile_tables){0};
        }
        cohere_init(); /* the communication graph starts with these partitions */
        if (RVM_TERSE) {
                return BOOT_OK; /* every root and the linked table's partitions and edges, or
                                 * a failure above said which not: counts the build fixes */
        }
        fmt_format(msg, cap,
                   "partition 0 (RVM) holds %u root capabilities; %u guest partition%s (stage-2, "
                   "VMID, capability table each), %u CommEdge%s",
                   minted, created, created == 1 ? "" : "s", edge_count(),
                   edge_count() == 1 ? "" : "s");
        return BOOT_OK;
}

static enum boot_status phase_handoff(char *msg, size_t cap)
{
        struct board_info *b = &boot_state.board;

        if (hal_gic_enable(b->uart_irq, this_cpu()->mpidr, uart_handler, NULL) != GIC_OK) {
                fmt_format(msg, cap, "cannot route UART interrupt %u", b->uart_irq);
                return BOOT_FAILED;
        }
        hal_uart_rx_irq_enable();
        unsigned started = 0;
        run_lock_take();
        /* A refused image starts nothing (what was created before the refusal stays idle). */
        for (unsigned id = 1;
             (!BOOT_RVF_POSSIBLE || boot_rvf.state != BOOT_RVF_REFUSED) && id <= part_count();
             id++) {
                struct partition *p = part_get(id);
                p->vcpus[0].state = VCPU_RUNNABLE;
                if (part_set_state(p, PART_RUNNING, 0) == PART_OK) {
                        run_partition_changed(p);
                        started++;
                }
        }
#ifdef RVM_KTEST
        /* "held=<id>": that partition starts suspended, so a test's monitor commands all
         * take effect before it runs; the test's "resume <id>" lets it go. */
        char held[8];
        ktest_bootarg(b->bootargs, "held", held, sizeof(held));
        if (held[0] >= '1' && held[0] <= '9' && held[1] == '\0') {
                struct partition *p = part_get((unsigned)(held[0] - '0'));
                if (p != NULL && part_set_state(p, PART_SUSPENDED, 0) == PART_OK) {
                        run_partition_changed(p);
                }
        }
#endif
        run_lock_give();
#ifdef RVM_HAVE_WASM
        unsigned agents = kernel_safe_mode() ? 0 : agent_boot();
#else
        unsigned agents = 0;
#endif
        /* An update tried for the first time passes its boot self-test when everything in
         * its image started: it is kept, or the next boot returns to the other slot. */
        if (BOOT_RVF_POSSIBLE && boot_rvf.upd_trying) {
                size_t want = 0; /* the agents it starts at boot */
                for (size_t i = 0; i < boot_rvf.tables.agent_count; i++) {
                        want += boot_rvf.tables.agents[i].on_demand ? 0 : 1;
                }
                char why[120];
                fmt_format(why, sizeof(why), "%u of %zu partitions and %u of %zu agents started",
                           started, boot_rvf.tables.part_count, agents, want);
                bool ok = boot_rvf.state == BOOT_RVF_VERIFIED &&
                          started == boot_rvf.tables.part_count && agents == want;
                boot_rvf_self_test(ok, boot_rvf.state == BOOT_RVF_VERIFIED ? why : boot_rvf.msg);
                con_puts(boot_rvf.upd_line);
        }
#ifdef RVM_KTEST
        fmt_format(msg, cap, "%u partition%s started; in-kernel tests on uart0 (test image)",
                   started, started == 1 ? "" : "s");
#elif defined(RVM_HAVE_WASM)
        fmt_format(msg, cap,
                   "%u partition%s and %u WebAssembly agent%s started; monitor on uart0 "
                   "(pl011@0x%llx)",
                   started, started == 1 ? "" : "s", agents, agents == 1 ? "" : "s",
                   (unsigned long long)b->uart.base);
#elif BOARD_READ_AT_BOOT /* no interpreter, no agents */
        fmt_format(msg, cap, "%u partition%s started; monitor on uart0 (pl011@0x%llx)", started,
                   started == 1 ? "" : "s", (unsigned long long)b->uart.base);
#else
        /* Nor a board read at boot: the monitor's UART is the build's. */
        fmt_format(msg, cap, "%u partition%s started", started, started == 1 ? "" : "s");
#endif
        return BOOT_OK;
}

static const struct boot_phase kernel_boot_phases[] = {
    {"hal init", boot_phase_hal},    {"memory init", boot_phase_memory},
    {"capability init", phase_cap},  {"witness init", phase_witness},
    {"scheduler init", phase_sched}, {"root partition", phase_root_partition},
    {"handoff", phase_handoff},
};

static void banner(void)
{
        uint64_t ram = 0;

        for (unsigned i = 0; i < boot_state.board.mem_count; i++) {
                ram += boot_state.board.mem[i].size;
        }
        con_printf(
            "\n"
            "  RVM %s - coherence-domain hypervisor at EL2\n"
            "  profile %s, toolchain %s (%s)\n"
            "  %u CPU%s, %llu MiB RAM, %s\n"
            "  boot took %llu ms; type 'help' for commands\n\n",
            RVM_VERSION, rvm_profile.name, RVM_TOOLCHAIN, RVM_COMPILER, boot_state.cpu_count,
            boot_state.cpu_count == 1 ? "" : "s", (unsigned long long)(ram >> 20),
            boot_state.board.model, (unsigned long long)(boot_state.boot_done_ns / 1000000));
}

void kernel_main(uint64_t dtb_pa)
{
        percpu_setup(0, arch_mpidr());
        boot_early(dtb_pa);
        kernel_set_semihosting(board_has_arg(&boot_state.board, "semihosting"));
        /* F4: a board reboots after a panic; a test harness (semihosting) sees it stop,
         * unless it asks for the reboot. */
        kernel_set_panic_reboot(!kernel_semihosting() ||
                                board_has_arg(&boot_state.board, "panic=reboot"));
        con_printf("\nRVM %s starting on CPU 0 (MPIDR 0x%llx) at EL%u, DTB at 0x%llx\n",
                   RVM_VERSION, (unsigned long long)arch_mpidr(), arch_current_el(),
                   (unsigned long long)dtb_pa);
        if (boot_state.board_err != BOARD_OK) {
                con_printf("boot: warning: %s\n", board_err_str(boot_state.board_err));
        }
        if (!boot_run(kernel_boot_phases,
                      sizeof(kernel_boot_phases) / sizeof(kernel_boot_phases[0]), con_puts)) {
                panic("boot failed");
        }
        percpu[0].online_ns = boot_state.cpu[0].online_ns;
        wlog_flush(); /* the boot's records reach flash before anyone can pull the plug */
        banner();
#ifdef RVM_KTEST
        if (!board_has_arg(&boot_state.board, "run")) {
                ktest_main(boot_state.board.bootargs);
        }
#endif
        monitor_start();
        con_start_buffering(); /* from here no one waits for the UART under a lock */
        run_loop();
}

void kernel_secondary_main(unsigned cpu_index)
{
        if (cpu_index >= RVM_MAX_CPUS) {
                panic("secondary CPU index %u out of range", cpu_index);
        }
        percpu_setup(cpu_index, arch_mpidr());
        if (hal_gic_cpu_init(arch_mpidr()) != GIC_OK) {
                panic("CPU %u: no GICv3 redistributor for MPIDR 0x%llx", cpu_index,
                      (unsigned long long)arch_mpidr());
        }
        run_cpu_online(cpu_index);
        cpu_start_tick();
        boot_cpu_arrived(cpu_index);
        run_loop();
}
