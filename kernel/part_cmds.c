/*
 * kernel/part_cmds.c: the monitor's partition commands: ps, kill, suspend, resume, sleep
 * (let the partitions run for a while before the next command is read) and wait (until a
 * partition has ended).
 */
#include <stdint.h>
#include <string.h>

#include "configs/features.h"
#include "hal/timer.h"
#include "kernel/cohere.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "kernel/run.h"
#include "partition/vdev.h"

static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
        uint64_t v = 0;

        if (s == NULL || *s == '\0') {
                return -1;
        }
        for (; *s != '\0'; s++) {
                if (*s < '0' || *s > '9') {
                        return -1;
                }
                v = v * 10 + (uint64_t)(*s - '0');
                if (v > max) {
                        return -1;
                }
        }
        *out = v;
        return 0;
}

static int cmd_ps(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        con_printf(
            "id name            state      cpu mode   press run-ms   switches hypercalls "
            "faults restarts con-lost\n");
        uint64_t now = hal_time_ns();
        run_lock_take();
        for (unsigned id = 1; id <= part_count(); id++) {
                const struct partition *p = part_get(id);
                /* Summed over its vCPUs; the CPU column is the first vCPU on a CPU now. */
                uint64_t run_ns = 0, switches = 0;
                char cpu[8] = "-";
                for (unsigned i = 0; i < p->nr_vcpus; i++) {
                        const struct vcpu *v = &p->vcpus[i];
                        run_ns += run_vcpu_time(v, now);
                        switches += run_vcpu_switches(v);
                        if (v->cpu >= 0 && cpu[0] == '-') {
                                cpu[0] = (char)('0' + v->cpu);
                                cpu[1] = '\0';
                        }
                }
                const struct sched_entity *e = run_entity(p);
                const char *mode = e == NULL                      ? "-"
                                   : e->mode == SCHED_MODE_REFLEX ? "reflex"
                                                                  : "flow";
                /* con-lost: console bytes it wrote faster than the UART drains, dropped */
                con_printf(
                    "%-2u %-15s %-10s %-3s %-6s %-5u %-8llu %-8llu %-10llu %-6llu %-8llu %llu\n",
                    p->id, p->name, part_state_name(p->state), cpu, mode,
                    e != NULL ? e->pressure_bp : 0, (unsigned long long)(run_ns / 1000000),
                    (unsigned long long)switches, (unsigned long long)part_hypercalls(p),
                    (unsigned long long)p->faults, (unsigned long long)p->restarts,
                    (unsigned long long)con_dropped(p->id));
        }
        run_lock_give();
        if (part_count() == 0) {
                con_puts("(no guest partitions)\n");
        }
        return 0;
}
MONITOR_CMD(ps, "ps", "", "partitions: state, CPU, mode, pressure, run time, faults", cmd_ps);

#ifdef RVM_WITH_INSPECT /* otherwise refused: kernel/absent_cmds.c */
static const char *vcpu_state_name(enum vcpu_state s)
{
        static const char *const names[] = {"off", "runnable", "running", "blocked"};

        return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static int cmd_vcpus(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        con_printf("part vcpu mpidr      state    cpu run-ms   switches fp-loads virqs\n");
        uint64_t now = hal_time_ns();
        run_lock_take();
        for (unsigned id = 1; id <= part_count(); id++) {
                const struct partition *p = part_get(id);
                if (p->cfg->kind != PART_KIND_GUEST) {
                        continue;
                }
                for (unsigned i = 0; i < p->nr_vcpus; i++) {
                        const struct vcpu *v = &p->vcpus[i];
                        con_printf("%-4u %-4u 0x%08llx %-8s %-3d %-8llu %-8llu %-8llu %llu\n",
                                   p->id, i, (unsigned long long)arch_guest_mpidr(i),
                                   vcpu_state_name(v->state), v->cpu,
                                   (unsigned long long)(run_vcpu_time(v, now) / 1000000),
                                   (unsigned long long)run_vcpu_switches(v),
                                   (unsigned long long)v->fp_loads, (unsigned long long)v->virqs);
                }
        }
        run_lock_give();
        return 0;
}
MONITOR_CMD(vcpus, "vcpus", "", "every guest vCPU: MPIDR, state, CPU, run time, switches",
            cmd_vcpus);
#endif

static int change_state(int argc, char **argv, enum part_state to)
{
        uint64_t id = 0;

        if (argc != 2 || parse_uint(argv[1], PART_MAX, &id) != 0 ||
            part_get((uint32_t)id) == NULL) {
                con_printf("usage: %s <partition id> (see ps)\n", argv[0]);
                return -1;
        }
        run_lock_take();
        struct partition *p = part_get((uint32_t)id);
        enum part_state from = p->state;
        enum part_err e = part_set_state(p, to, 0);
        run_partition_changed(p);
        run_lock_give();
        if (e != PART_OK) {
                con_printf("%s: partition %llu is %s; it cannot become %s\n", argv[0],
                           (unsigned long long)id, part_state_name(from), part_state_name(to));
                return -1;
        }
        con_printf("partition %llu (%s): %s -> %s\n", (unsigned long long)id, p->name,
                   part_state_name(from), part_state_name(to));
        return 0;
}

static int cmd_kill(int argc, char **argv)
{
        return change_state(argc, argv, PART_STOPPED);
}
MONITOR_CMD(kill, "kill", "<id>", "stop a partition", cmd_kill);

static int cmd_suspend(int argc, char **argv)
{
        return change_state(argc, argv, PART_SUSPENDED);
}
MONITOR_CMD(suspend, "suspend", "<id>", "suspend a running partition", cmd_suspend);

static int cmd_resume(int argc, char **argv)
{
        return change_state(argc, argv, PART_RUNNING);
}
MONITOR_CMD(resume, "resume", "<id>", "resume a suspended or stopped partition", cmd_resume);

static int cmd_sleep(int argc, char **argv)
{
        uint64_t ms = 0;

        if (argc != 2 || parse_uint(argv[1], 600000, &ms) != 0) {
                con_puts(RVM_SAY("usage: sleep <milliseconds> (at most 600000)\n",
                                 "usage: sleep <ms> (at most 600000)\n"));
                return -1;
        }
        monitor_hold(hal_time_ns() + ms * 1000000ULL);
        return 0;
}
MONITOR_CMD(sleep, "sleep", "<ms>", "let the partitions run before reading more input", cmd_sleep);

#ifdef RVM_WITH_INSPECT /* otherwise refused: kernel/absent_cmds.c */
/* A partition has ended: exited, faulted for good, or destroyed (not restarting). */
static bool part_ended(uint64_t id)
{
        const struct partition *p = part_get((uint32_t)id);
        enum part_state s =
            p == NULL ? PART_DESTROYED : __atomic_load_n(&p->state, __ATOMIC_RELAXED);

        return s == PART_STOPPED || s == PART_FAULTED || s == PART_DESTROYED;
}

static int cmd_wait(int argc, char **argv)
{
        uint64_t id = 0, ms = 0;

        if (argc != 3 || parse_uint(argv[1], PART_MAX, &id) != 0 ||
            part_get((uint32_t)id) == NULL || parse_uint(argv[2], 600000, &ms) != 0) {
                con_puts("usage: wait <partition id> <at most ms> (at most 600000)\n");
                return -1;
        }
        monitor_hold_while(hal_time_ns() + ms * 1000000ULL, part_ended, id);
        return 0;
}
MONITOR_CMD(wait, "wait", "<id> <ms>",
            "read no more input until the partition has ended (exited or faulted), at most ms",
            cmd_wait);

static int cmd_mode(int argc, char **argv)
{
        uint64_t id = 0;
        uint32_t mode = 0;

        if (argc == 3 && strcmp(argv[2], "reflex") == 0) {
                mode = SCHED_MODE_REFLEX;
        } else if (argc == 3 && strcmp(argv[2], "flow") == 0) {
                mode = SCHED_MODE_FLOW;
        }
        if (mode == 0 || parse_uint(argv[1], PART_MAX, &id) != 0 ||
            part_get((uint32_t)id) == NULL) {
                con_puts("usage: mode <partition id> reflex|flow\n");
                return -1;
        }
        run_lock_take();
        struct sched_entity *e = run_entity(part_get((uint32_t)id));
        enum sched_err err =
            e != NULL ? sched_set_mode((struct sched *)run_scheduler(), e, mode, hal_time_ns())
                      : SCHED_E_INVAL;
        run_lock_give();
        if (err != SCHED_OK) {
                con_printf("mode: partition %llu is not scheduled (start it first)\n",
                           (unsigned long long)id);
                return -1;
        }
        return 0;
}
MONITOR_CMD(mode, "mode", "<id> reflex|flow", "scheduling mode (witnessed)", cmd_mode);

static int cmd_pressure(int argc, char **argv)
{
        uint64_t id = 0;
        uint64_t bp = 0;

        bool automatic = argc == 3 && strcmp(argv[2], "auto") == 0;
        if (argc != 3 || parse_uint(argv[1], PART_MAX, &id) != 0 ||
            (!automatic && parse_uint(argv[2], 10000, &bp) != 0) ||
            part_get((uint32_t)id) == NULL) {
                con_puts("usage: pressure <partition id> <0..10000 basis points> | auto\n");
                return -1;
        }
        run_lock_take();
        /* By hand, the engine leaves it alone (the scheduler witnesses the change); 'auto'
         * gives it back to the coherence engine at its next epoch. */
        cohere_override((uint32_t)id, !automatic);
        int n = automatic ? 1
                          : sched_set_partition_pressure((struct sched *)run_scheduler(),
                                                         (uint32_t)id, (uint32_t)bp);
        run_lock_give();
        if (n <= 0) {
                con_printf("pressure: partition %llu is not scheduled\n", (unsigned long long)id);
                return -1;
        }
        return 0;
}
MONITOR_CMD(pressure, "pressure", "<id> <bp>|auto",
            "set cut pressure by hand (the scheduler's 2nd signal), or give it back to the engine",
            cmd_pressure);

static int cmd_degraded(int argc, char **argv)
{
        bool on = argc == 2 && strcmp(argv[1], "on") == 0;

        if (argc != 2 || (!on && strcmp(argv[1], "off") != 0)) {
                con_puts("usage: degraded on|off\n");
                return -1;
        }
        run_lock_take();
        sched_set_degraded((struct sched *)run_scheduler(), on); /* witnessed when it changes */
        run_lock_give();
        con_printf("scheduler: %s (cut pressure %s)\n", on ? "degraded" : "normal",
                   on ? "ignored" : "applied");
        return 0;
}
MONITOR_CMD(degraded, "degraded", "on|off",
            "DC-6 degraded mode: the scheduler ignores cut pressure (witnessed)", cmd_degraded);
#endif

/* A virtual UART's line: to the console, prefixed with the partition's name. */
void part_vdev_line(const struct partition *p, const char *text)
{
        (void)con_source_printf(p->id, "[%s] %s\n", p->name, text);
}

#ifdef RVM_WITH_INSPECT
static int cmd_vdevs(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        con_printf("partition        device  IPA                 reads       writes\n");
        run_lock_take();
        for (unsigned i = 0; i < vdev_total(); i++) {
                const struct vdev *d = vdev_get(i);
                con_printf("%-2u %-13s %-7s 0x%016llx  %-11llu %llu\n", d->part->id, d->part->name,
                           d->ops->name, (unsigned long long)ipa_addr(d->ipa),
                           (unsigned long long)d->reads, (unsigned long long)d->writes);
        }
        run_lock_give();
        if (vdev_total() == 0) {
                con_puts("(no virtual devices)\n");
        }
        return 0;
}
MONITOR_CMD(vdevs, "vdevs", "", "virtual devices RVM emulates, with access counts", cmd_vdevs);
#endif
