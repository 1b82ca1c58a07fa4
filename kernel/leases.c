/*
 * kernel/leases.c: the kernel's side of device leases (partition/lease.c): the leased
 * device's interrupt forwarded to the lessee, and the monitor's lease commands.
 */
#include "kernel/leases.h"
#include "boot/boot.h"
#include "hal/gic.h"
#include "hal/timer.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "partition/lease.h"
#include "partition/virq.h"

/* The leased device's SPI: to its lessee as the same vINTID (partition/virq.c), masked
 * meanwhile; nobody to take it: masked until the next lease. */
static void lease_irq(unsigned intid, void *ctx)
{
        run_lock_take(); /* IRQs reach EL2 only outside run_lock (idle or from EL1) */
        struct vcpu *v = lease_irq_target(ctx);
        if (v != NULL) {
                virq_forward(v, intid);
        } else {
                hal_gic_mask_spi(intid, true);
        }
        run_lock_give();
}

void leases_init(void)
{
        const struct lease_env env = {
            .irq_handler = lease_irq,
            .irq_mpidr = percpu[0].mpidr, /* routed to CPU 0, forwarded from there */
            .unforward = virq_unforward,
        };

        lease_init(&boot_state.board, &env);
}

static int parse_u32(const char *s, uint32_t *out)
{
        uint64_t v = 0;

        if (*s == '\0') {
                return -1;
        }
        for (; *s != '\0'; s++) {
                if (*s < '0' || *s > '9' || v > 0xffffffffULL / 10) {
                        return -1;
                }
                v = v * 10 + (uint64_t)(*s - '0');
        }
        if (v > 0xffffffffULL) {
                return -1;
        }
        *out = (uint32_t)v;
        return 0;
}

static int cmd_lease(int argc, char **argv)
{
        uint32_t id = 0;
        uint32_t ms = 0;

        if (argc != 4 || parse_u32(argv[2], &id) != 0 || parse_u32(argv[3], &ms) != 0) {
                con_puts("usage: lease <device> <partition id> <milliseconds>\n");
                return -1;
        }
        run_lock_take();
        enum lease_err e = lease_grant(argv[1], part_get(id), ms, 0);
        run_lock_give();
        if (e != LEASE_OK) {
                con_printf("lease: %s\n", lease_err_str(e));
                return -1;
        }
        con_printf("lease: %s to partition %u for %u ms\n", argv[1], id, ms);
        return 0;
}
MONITOR_CMD(lease, "lease", "<dev> <id> <ms>", "lend a device to a partition for a time",
            cmd_lease);

static int cmd_unlease(int argc, char **argv)
{
        if (argc != 2) {
                con_puts("usage: unlease <device>\n");
                return -1;
        }
        run_lock_take();
        enum lease_err e = lease_revoke(argv[1], 0);
        run_lock_give();
        if (e != LEASE_OK) {
                con_printf("unlease: %s\n", lease_err_str(e));
                return -1;
        }
        return 0;
}
MONITOR_CMD(unlease, "unlease", "<dev>", "revoke a device lease now", cmd_unlease);

static int cmd_leases(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        uint64_t now = hal_time_ns();

        con_printf("device  address             irq  forwarded  holder  ms left\n");
        run_lock_take();
        for (unsigned i = 0; i < lease_device_count(); i++) {
                const struct lease *l = lease_device(i);
                con_printf("%-7s 0x%016llx  %-4u %-10llu ", l->name,
                           (unsigned long long)pa_addr(l->pa), l->irq, (unsigned long long)l->irqs);
                if (l->partition == 0) {
                        con_puts("-\n");
                } else {
                        uint64_t left = l->expiry_ns > now ? (l->expiry_ns - now) / 1000000 : 0;
                        con_printf("%-7u %llu\n", l->partition, (unsigned long long)left);
                }
        }
        run_lock_give();
        if (lease_device_count() == 0) {
                con_puts("(no leasable device on this board)\n");
        }
        return 0;
}
MONITOR_CMD(leases, "leases", "", "leasable devices and who holds them", cmd_leases);
