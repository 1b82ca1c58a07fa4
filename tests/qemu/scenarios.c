/*
 * tests/qemu/scenarios.c: partition tables for the integration scenarios tests/run boots
 * with "run scenario=<name>": the guests come from tests/guests/.
 */
#include <string.h>

#include "configs/partitions.h"
#include "tests/qemu/ktest.h"

GUEST_IMAGE(victim);
GUEST_IMAGE(spinner);
GUEST_IMAGE(bad_read);
GUEST_IMAGE(bad_write);
GUEST_IMAGE(fault_loop);
GUEST_IMAGE(hvc_fuzz);
GUEST_IMAGE(sys_probe);
GUEST_IMAGE(cap_probe);
GUEST_IMAGE(denial_flood);
GUEST_IMAGE(action_flood);
GUEST_IMAGE(soak_attacker);
GUEST_IMAGE(bench_hvc);
GUEST_IMAGE(ipc_sender);
GUEST_IMAGE(ipc_receiver);
GUEST_IMAGE(fp_keeper);
GUEST_IMAGE(rtc_reader);
GUEST_IMAGE(lat_sender);
GUEST_IMAGE(lat_receiver);
GUEST_IMAGE(bench_ipc);
GUEST_IMAGE(ipc_flood);
GUEST_IMAGE(vtimer);
GUEST_IMAGE(irq_receiver);
GUEST_IMAGE(pressure_waker);
GUEST_IMAGE(pressure_sleeper);
GUEST_IMAGE(rtc_alarm);
GUEST_IMAGE(smp_guest);
GUEST_IMAGE(share_party);
GUEST_IMAGE(vuart_user);
GUEST_IMAGE(vuart_bad);
GUEST_IMAGE(con_flood);
GUEST_IMAGE(vgic_probe);
GUEST_IMAGE(ckpt_counter);
GUEST_IMAGE(tier_guest);

#define MIB (1ULL << 20)

#define GUEST(nm, img, policy)                                                       \
        {                                                                            \
                .name = nm, .image = guest_##img, .image_size = &guest_##img##_size, \
                .mem_size = 1 * MIB, .fault_policy = policy, .max_restarts = 3       \
        }

/* Checkpoints (issue 17): ckpt_a is saved and restored by hand; ckpt_b faults at count 60
 * every time, is restarted from its image once, then rebuilt from its checkpoint (F2);
 * ckpt_c never has a checkpoint. */
static const struct part_config scenario_ckpt[] = {
    GUEST("ckpt_a", ckpt_counter, PART_FAULT_RESTART),
    {.name = "ckpt_b",
     .image = guest_ckpt_counter,
     .image_size = &guest_ckpt_counter_size,
     .mem_size = 1 * MIB,
     .fault_policy = PART_FAULT_RESTART,
     .max_restarts = 1},
    GUEST("ckpt_c", ckpt_counter, PART_FAULT_STOP),
};

/* The dormant tier (issue 17): tier_guest's 512 KiB pattern made dormant and faulted back. */
static const struct part_config scenario_tier[] = {
    {.name = "tier_guest",
     .image = guest_tier_guest,
     .image_size = &guest_tier_guest_size,
     .mem_size = 2 * MIB,
     .fault_policy = PART_FAULT_STOP},
};

/* make bench: restoring a 16 MiB guest from its checkpoint. */
static const struct part_config scenario_ckpt16[] = {
    {.name = "ckpt16",
     .image = guest_ckpt_counter,
     .image_size = &guest_ckpt_counter_size,
     .mem_size = 16 * MIB,
     .fault_policy = PART_FAULT_STOP},
};

static const struct part_config scenario_two[] = {
    GUEST("alpha", victim, PART_FAULT_STOP),
    GUEST("beta", victim, PART_FAULT_STOP),
};

/* Every hostile behaviour of issue 5 beside one well-behaved partition. */
static const struct part_config scenario_hostile[] = {
    GUEST("victim", victim, PART_FAULT_STOP),
    GUEST("spinner", spinner, PART_FAULT_STOP),
    GUEST("bad_read", bad_read, PART_FAULT_STOP),
    GUEST("bad_write", bad_write, PART_FAULT_STOP),
    GUEST("fault_loop", fault_loop, PART_FAULT_RESTART),
    GUEST("hvc_fuzz", hvc_fuzz, PART_FAULT_STOP),
    GUEST("sys_probe", sys_probe, PART_FAULT_STOP),
    GUEST("ipc_flood", ipc_flood, PART_FAULT_STOP),
};
/* The flooder's edge goes to spinner, which never reads it. */
static const struct edge_config edges_hostile[] = {{8, 2}};

/* Two partitions probing each other's capabilities (issue 4). */
static const struct part_config scenario_caps[] = {
    GUEST("cap_a", cap_probe, PART_FAULT_STOP),
    GUEST("cap_b", cap_probe, PART_FAULT_STOP),
};

/* Two million refused hypercalls, then privileged actions, beside a well-behaved partition. */
static const struct part_config scenario_denial_flood[] = {
    GUEST("flooder", denial_flood, PART_FAULT_STOP),
    GUEST("victim", victim, PART_FAULT_STOP),
};

/* 300,000 successful privileged actions in a row, beside a well-behaved partition. */
static const struct part_config scenario_action_flood[] = {
    GUEST("flooder", action_flood, PART_FAULT_STOP),
    GUEST("victim", victim, PART_FAULT_STOP),
};

/* make bench: hypercall and switch costs (two partitions on one CPU). */
static const struct part_config scenario_bench[] = {
    GUEST("bench_a", bench_hvc, PART_FAULT_STOP),
    GUEST("bench_b", bench_hvc, PART_FAULT_STOP),
};

/* Two partitions whose FP/SIMD registers must stay their own across switches. */
static const struct part_config scenario_fp[] = {
    GUEST("fp_a", fp_keeper, PART_FAULT_STOP),
    GUEST("fp_b", fp_keeper, PART_FAULT_STOP),
};

/* Wake-up latency of a receiver while a hog saturates the CPU (Reflex vs Flow). */
static const struct part_config scenario_latency[] = {
    GUEST("hog", spinner, PART_FAULT_STOP),
    GUEST("lat_sender", lat_sender, PART_FAULT_STOP),
    GUEST("lat_receiver", lat_receiver, PART_FAULT_STOP),
};
static const struct edge_config edges_latency[] = {{2, 3}};

/* Two equal workers: cut pressure on one must change which runs (the 2nd signal). */
static const struct part_config scenario_pressure[] = {
    GUEST("plain", spinner, PART_FAULT_STOP),
    GUEST("pressed", spinner, PART_FAULT_STOP),
};

/* make bench: one message each way between two partitions. */
static const struct part_config scenario_bench_ipc[] = {
    GUEST("bench_a", bench_ipc, PART_FAULT_STOP),
    GUEST("bench_b", bench_ipc, PART_FAULT_STOP),
};
static const struct edge_config edges_bench_ipc[] = {{1, 2}};

/* A partition that is lent the RTC for a while. */
static const struct part_config scenario_lease[] = {
    GUEST("rtc_reader", rtc_reader, PART_FAULT_STOP),
};

/* 100,000 messages from a producer to a consumer over one CommEdge. */
static const struct part_config scenario_ipc[] = {
    GUEST("sender", ipc_sender, PART_FAULT_STOP),
    GUEST("receiver", ipc_receiver, PART_FAULT_STOP),
};
static const struct edge_config edges_ipc[] = {{1, 2}};

/* A partition with three vCPUs beside a one-vCPU partition (PSCI CPU_ON/OFF, AFFINITY_INFO). */
static const struct part_config scenario_smp[] = {
    {.name = "smp",
     .image = guest_smp_guest,
     .image_size = &guest_smp_guest_size,
     .mem_size = 1 * MIB,
     .fault_policy = PART_FAULT_STOP,
     .vcpus = 3},
    GUEST("victim", victim, PART_FAULT_STOP),
};

/* A leased device's interrupt forwarded to its lessee. */
static const struct part_config scenario_lease_irq[] = {
    GUEST("rtc_alarm", rtc_alarm, PART_FAULT_STOP),
};

/* Cut pressure deciding which of two sleepers woken together runs first (tests/run sets it). */
static const struct part_config scenario_wake_order[] = {
    GUEST("waker", pressure_waker, PART_FAULT_STOP),
    GUEST("sleeper_a", pressure_sleeper, PART_FAULT_STOP),
    GUEST("sleeper_b", pressure_sleeper, PART_FAULT_STOP),
};
static const struct edge_config edges_wake_order[] = {{1, 2}, {1, 3}};

/* Virtual interrupts: a guest's own virtual timer, and the doorbell driving a receiver. */
static const struct part_config scenario_virq[] = {
    GUEST("vtick", vtimer, PART_FAULT_STOP),
    GUEST("sender", ipc_sender, PART_FAULT_STOP),
    GUEST("irq_rx", irq_receiver, PART_FAULT_STOP),
};
static const struct edge_config edges_virq[] = {{2, 3}};
/* The virtual timer alone, so its lateness is the wake-up path's (tests/run, -icount). */
static const struct part_config scenario_vtimer[] = {
    GUEST("vtick", vtimer, PART_FAULT_STOP),
};

/* Zero-copy memory transactions: a lender, a borrower and a thief (tests/guests/). */
static const struct part_config scenario_share[] = {
    GUEST("lender", share_party, PART_FAULT_STOP),
    /* An IPA space of 4 GiB (the others: the most the CPU supports, up to 2^39). */
    {.name = "borrower",
     .image = guest_share_party,
     .image_size = &guest_share_party_size,
     .mem_size = 1 * MIB,
     .fault_policy = PART_FAULT_STOP,
     .max_restarts = 3,
     .ipa_bits = 32},
    GUEST("thief", share_party, PART_FAULT_STOP),
};
static const struct edge_config edges_share[] = {{1, 2}, {1, 3}};

/* MMIO emulation: two partitions with a virtual PL011, one using it right, one not. */
static const struct part_vdev vuart[] = {{.type = PART_VDEV_PL011, .ipa = {0x09000000}}};
#define GUEST_VUART(nm, img)                                                          \
        {                                                                             \
                .name = nm, .image = guest_##img, .image_size = &guest_##img##_size,  \
                .mem_size = 1 * MIB, .fault_policy = PART_FAULT_STOP, .vdevs = vuart, \
                .vdev_count = 1                                                       \
        }
static const struct part_config scenario_vdev[] = {
    GUEST_VUART("vuart_user", vuart_user),
    GUEST_VUART("vuart_bad", vuart_bad),
};

/* Every guest-driven path that takes run_lock, with hostile arguments, beside a well-behaved
 * partition: the lock-statistics image measures the longest hold (tests/run, make bench).
 * Partition 8 runs no agent at boot: tests/run spawns the appliance's `supervisor` there,
 * whose rvm.spawn calls start two `crunch` workers (a spawn, a module's load, an agent's end). */
static const struct part_config scenario_lockhold[] = {
    GUEST("victim", victim, PART_FAULT_STOP),
    GUEST("spinner", spinner, PART_FAULT_STOP),
    GUEST_VUART("con_flood", con_flood),
    GUEST("hvc_fuzz", hvc_fuzz, PART_FAULT_STOP),
    GUEST("ipc_flood", ipc_flood, PART_FAULT_STOP),
    GUEST("fault_loop", fault_loop, PART_FAULT_RESTART),
    GUEST("bad_write", bad_write, PART_FAULT_STOP),
#ifdef RVM_HAVE_WASM
    {.name = "agents", .kind = PART_KIND_WASM},
#endif
};
static const struct edge_config edges_lockhold[] = {{5, 2}};

/* F1 for agents (issue 17): one WASM partition and no agent at boot; tests/run spawns the
 * appliance's `counter` (checkpointed at its rvm.yield) and `looper` (never yields, its
 * neighbour) there, then makes the counter trap with the test-only `agent inject`. */
#ifdef RVM_HAVE_WASM
static const struct part_config scenario_agent_trap[] = {
    {.name = "agents", .kind = PART_KIND_WASM},
};
#endif

/* make soak ("run appliance scenario=soak": after the appliance's six partitions and its
 * agents): an attacker that keeps sending random hypercalls, doorbell and console floods
 * and forged handles, its doorbells at a partition that faults at once and is restarted by
 * policy, again and again, so never reads. */
static const struct part_config scenario_soak[] = {
    GUEST("attacker", soak_attacker, PART_FAULT_STOP),
    {.name = "fault_loop",
     .image = guest_fault_loop,
     .image_size = &guest_fault_loop_size,
     .mem_size = 1 * MIB,
     .fault_policy = PART_FAULT_RESTART,
     .max_restarts = 1000000},
};
static const struct edge_config edges_soak[] = {{1, 2}};

/* Debian's arm64 cloud kernel with the initramfs of tools/linux/initramfs, linked into the
 * test image when build/linux/Image exists (Makefile: LINUX_BLOBS); weak, so without them
 * the scenario's partition is refused as a bad configuration. */
extern const uint8_t linux_image[] __attribute__((weak));
extern const size_t linux_image_size __attribute__((weak));
extern const uint8_t linux_initrd[] __attribute__((weak));
extern const size_t linux_initrd_size __attribute__((weak));
static const struct part_vdev linux_devices[] = {
    {.type = PART_VDEV_GICV3, .ipa = {0x08000000}},
    {.type = PART_VDEV_PL011, .ipa = {0x09000000}},
};
#define LINUX_ARGS "console=ttyAMA0 panic=-1 quiet printk.time=1"
#define LINUX_PART_MEM(n, mib, args)                                                            \
        {                                                                                       \
                .name = "linux", .image = linux_image, .image_size = &linux_image_size,         \
                .mem_size = (mib)*MIB, .fault_policy = PART_FAULT_STOP, .vdevs = linux_devices, \
                .vdev_count = 2, .vcpus = n, .linux_boot = true, .initrd = linux_initrd,        \
                .initrd_size = &linux_initrd_size, .bootargs = args                             \
        }
#define LINUX_PART(n, args) LINUX_PART_MEM(n, 256, args)
/* Beside Linux, a WASM partition whose agent (the appliance's ponger: word 1 + 1) answers
 * on a CommEdge whose Linux end has no driver: tools/linux/test.sh writes the ring and rings
 * the doorbell register with busybox devmem (partition/edge.h, docs/ABI.md). */
#define LINUX_AGENTS                                     \
        {                                                \
                .name = "agents", .kind = PART_KIND_WASM \
        }
/* `linux` has 320 MiB, more than the 256 MiB below 0x50000000 where the edge window once was
 * fixed: its window is placed above its RAM (0x54000000, the doorbell page at 0x54020000) and
 * its device tree says so; `linux2` keeps 256 MiB (window 0x50000000). */
static const struct part_config scenario_linux[] = {LINUX_PART_MEM(1, 320, LINUX_ARGS),
                                                    LINUX_AGENTS};
static const struct part_config scenario_linux2[] = {LINUX_PART(2, LINUX_ARGS), LINUX_AGENTS};
static const struct edge_config edges_linux[] = {{1, EDGE_AGENT(1)}};
#ifdef RVM_HAVE_WASM
AGENT_MODULE(ponger);
static const struct agent_config agents_linux[] = {
    {.name = "ponger", .wasm = agent_ponger, .wasm_size = &agent_ponger_size, .partition = 2},
};
#endif
/* The same Linux left at its shell (tools/linux/test.sh does nothing with rvm.shell), for
 * the monitor's `console`. */
static const struct part_config scenario_linux_console[] = {LINUX_PART(1, LINUX_ARGS " rvm.shell")};
/* The same Linux counting once a second (tools/linux/test.sh with rvm.count), to be
 * checkpointed and restored while it counts. */
static const struct part_config scenario_linux_ckpt[] = {LINUX_PART(1, LINUX_ARGS " rvm.count")};
static const struct part_config scenario_linux2_ckpt[] = {LINUX_PART(2, LINUX_ARGS " rvm.count")};

/* GICv3 distributor and redistributors emulated for a two-vCPU partition. */
static const struct part_vdev vgicv3[] = {{.type = PART_VDEV_GICV3, .ipa = {0x08000000}}};
static const struct part_config scenario_vgic[] = {
    {.name = "vgic_probe",
     .image = guest_vgic_probe,
     .image_size = &guest_vgic_probe_size,
     .mem_size = 1 * MIB,
     .fault_policy = PART_FAULT_STOP,
     .vdevs = vgicv3,
     .vdev_count = 1,
     .vcpus = 2},
};

static const struct {
        const char *name;
        const struct part_config *table;
        size_t count;
        const struct edge_config *edges;
        size_t edge_count;
} scenarios[] = {
    {"two", scenario_two, sizeof(scenario_two) / sizeof(scenario_two[0]), NULL, 0},
    {"hostile", scenario_hostile, sizeof(scenario_hostile) / sizeof(scenario_hostile[0]),
     edges_hostile, 1},
    {"caps", scenario_caps, sizeof(scenario_caps) / sizeof(scenario_caps[0]), NULL, 0},
    {"denial_flood", scenario_denial_flood, 2, NULL, 0},
    {"action_flood", scenario_action_flood, 2, NULL, 0},
    {"bench", scenario_bench, sizeof(scenario_bench) / sizeof(scenario_bench[0]), NULL, 0},
    {"ipc", scenario_ipc, sizeof(scenario_ipc) / sizeof(scenario_ipc[0]), edges_ipc, 1},
    {"fp", scenario_fp, sizeof(scenario_fp) / sizeof(scenario_fp[0]), NULL, 0},
    {"lease", scenario_lease, 1, NULL, 0},
    {"bench_ipc", scenario_bench_ipc, 2, edges_bench_ipc, 1},
    {"latency", scenario_latency, 3, edges_latency, 1},
    {"pressure", scenario_pressure, 2, NULL, 0},
    {"virq", scenario_virq, 3, edges_virq, 1},
    {"vtimer", scenario_vtimer, 1, NULL, 0},
    {"wake_order", scenario_wake_order, 3, edges_wake_order, 2},
    {"lease_irq", scenario_lease_irq, 1, NULL, 0},
    {"smp", scenario_smp, 2, NULL, 0},
    {"share", scenario_share, 3, edges_share, 2},
    {"vdev", scenario_vdev, 2, NULL, 0},
    {"lockhold", scenario_lockhold, sizeof(scenario_lockhold) / sizeof(scenario_lockhold[0]),
     edges_lockhold, 1},
    {"soak", scenario_soak, 2, edges_soak, 1},
    {"vgic", scenario_vgic, 1, NULL, 0},
    {"ckpt", scenario_ckpt, 3, NULL, 0},
#ifdef RVM_HAVE_WASM
    {"agent_trap", scenario_agent_trap, 1, NULL, 0},
#endif
    {"tier", scenario_tier, 1, NULL, 0},
    {"ckpt16", scenario_ckpt16, 1, NULL, 0},
    {"linux", scenario_linux, 2, edges_linux, 1},
    {"linux2", scenario_linux2, 2, edges_linux, 1},
    {"linux_console", scenario_linux_console, 1, NULL, 0},
    {"linux_ckpt", scenario_linux_ckpt, 1, NULL, 0},
    {"linux2_ckpt", scenario_linux2_ckpt, 1, NULL, 0},
};

const struct part_config *ktest_scenario(const char *bootargs, size_t *count,
                                         const struct edge_config **edges, size_t *edge_count)
{
        char name[32];

        ktest_bootarg(bootargs, "scenario", name, sizeof(name));
        if (name[0] == '\0') {
                return NULL;
        }
        for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
                if (strcmp(name, scenarios[i].name) == 0) {
                        *edges = scenarios[i].edges;
                        *edge_count = scenarios[i].edge_count;
                        *count = scenarios[i].count;
                        return scenarios[i].table;
                }
        }
        *count = 0;
        return scenarios[0].table; /* an unknown name boots no partition at all */
}

const struct agent_config *ktest_scenario_agents(const char *bootargs, size_t *count)
{
        char name[32];

        ktest_bootarg(bootargs, "scenario", name, sizeof(name));
        *count = 0;
#ifdef RVM_HAVE_WASM
        if (strcmp(name, "linux") == 0 || strcmp(name, "linux2") == 0) {
                *count = sizeof(agents_linux) / sizeof(agents_linux[0]);
                return agents_linux;
        }
#endif
        return NULL;
}
