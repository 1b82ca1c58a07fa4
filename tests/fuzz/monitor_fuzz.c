/*
 * tests/fuzz/monitor_fuzz.c: libFuzzer target over the monitor's input: its line discipline
 * (kernel/monitor.c: echo, backspace, Ctrl-C/U, over-long and binary lines) and the argument
 * parsing of the real commands linked here (partitions and their states, modes and pressure,
 * leases, CommEdges, regions, virtual devices, help) over the fake machine the hypercall
 * tests use (tests/fake/hvc_world.c: three running partitions, a CommEdge, a virtual UART).
 * The input is typed as it is, byte by byte, up to its eighth line end, and ended with a
 * carriage return; the machine is rebuilt every 64 inputs (what the commands change carries
 * over until then, as it would at a console). Whatever is typed, nothing may crash. Eight
 * lines, because libFuzzer keeps an input for each new number of times a path ran: it had
 * drifted to inputs of `help` and `ps` over and over, most of the time spent printing the
 * same table again, and later lines reach nothing the first eight and the next input do not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "kernel/monitor.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "sched/sched.h"
#include "tests/fake/fake_hal.h"
#include "tests/fake/hvc_world.h"
#include "witness/witness.h"

void witness_emit(const struct witness_event *ev)
{
        (void)ev;
}

/* What the commands reach beyond the fake machine: no scheduler entities (ps shows none),
 * scheduler changes accepted, one CPU. */
struct boot_state boot_state;
struct percpu percpu[RVM_MAX_CPUS];
static struct sched fuzz_sched;

struct sched_entity *run_entity(const struct partition *p)
{
        (void)p;
        return NULL;
}

uint64_t run_vcpu_time(const struct vcpu *v, uint64_t now)
{
        (void)v;
        (void)now;
        return 0;
}

uint64_t run_vcpu_switches(const struct vcpu *v)
{
        (void)v;
        return 0;
}

const struct sched *run_scheduler(void)
{
        return &fuzz_sched;
}

enum sched_err sched_set_mode(struct sched *s, struct sched_entity *e, uint32_t mode, uint64_t now)
{
        (void)s, (void)e, (void)now;
        return mode <= 1 ? SCHED_OK : SCHED_E_INVAL;
}

int sched_set_partition_pressure(struct sched *s, uint32_t partition, uint32_t pressure_bp)
{
        (void)s, (void)partition;
        return pressure_bp <= SCHED_PRESSURE_MAX_BP ? 1 : -1;
}

void sched_set_degraded(struct sched *s, bool degraded)
{
        s->degraded = degraded;
}

uint64_t arch_guest_mpidr(unsigned index)
{
        return index;
}

static void vuart_line(const struct partition *p, const char *text)
{
        (void)p;
        (void)text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct hvc_world w;
        static unsigned inputs;

        if (inputs++ % 64 == 0) {
                fake_uart_capture(false); /* what the monitor prints is not looked at */
                if (!hvc_world_build(&w, vuart_line)) {
                        abort();
                }
        }
        monitor_start();
        for (size_t i = 0, lines = 0; i < size && lines < 8; i++) {
                monitor_input(data[i]);
                lines += data[i] == '\r' || data[i] == '\n';
        }
        monitor_input('\r');
        return 0;
}
