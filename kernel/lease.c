/*
 * kernel/lease.c: device leases (see lease.h) and the monitor's lease commands. A leased
 * region appears in the partition at the same address as in the machine (devices sit far
 * below partition RAM at PART_IPA_BASE). Everything runs under run_lock.
 */
#include "kernel/lease.h"

#include <string.h>

#include "boot/boot.h"
#include "cap/cap.h"
#include "hal/gic.h"
#include "hal/timer.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "kernel/virq.h"
#include "witness/witness.h"

#define LEASE_DEVICES 2

struct lease {
        const char *name;
        uint64_t pa, size;
        uint32_t partition; /* 0: not leased */
        unsigned irq;       /* its SPI, forwarded to the lessee (0: none) */
        uint64_t irqs;      /* interrupts forwarded */
        uint64_t expiry_ns;
        cap_obj_t obj;
};

static struct lease leases[LEASE_DEVICES];
static unsigned lease_count;

void lease_init(void)
{
        const struct board_info *b = &boot_state.board;

        lease_count = 0;
        if (b->rtc.size != 0) {
                leases[lease_count++] = (struct lease){.name = "rtc",
                                                       .pa = b->rtc.base & ~0xfffULL,
                                                       .size = 0x1000,
                                                       .irq = b->rtc_irq};
        }
}

/* The leased device's SPI: to its lessee as the same vINTID (kernel/run.c), masked meanwhile. */
static void lease_irq(unsigned intid, void *ctx)
{
        struct lease *l = ctx;

        spin_lock(&run_lock); /* IRQs reach EL2 only outside run_lock (idle or from EL1) */
        struct partition *p = l->partition != 0 ? part_get(l->partition) : NULL;
        if (p != NULL && p->state == PART_RUNNING) {
                l->irqs++;
                virq_forward(&p->vcpus[0], intid); /* to its boot vCPU */
        } else {
                hal_gic_mask_spi(intid, true); /* nobody to take it until the next lease */
        }
        spin_unlock(&run_lock);
}

static struct lease *find(const char *name)
{
        for (unsigned i = 0; i < lease_count; i++) {
                if (strcmp(leases[i].name, name) == 0) {
                        return &leases[i];
                }
        }
        return NULL;
}

enum lease_err lease_grant(const char *device, struct partition *p, uint32_t ms, uint32_t actor)
{
        struct lease *l = find(device);

        if (l == NULL) {
                return LEASE_E_NO_DEVICE;
        }
        if (l->partition != 0) {
                return LEASE_E_BUSY;
        }
        if (p == NULL || p->state != PART_RUNNING) {
                return LEASE_E_PARTITION;
        }
        if (ms == 0 || ms > LEASE_MAX_MS) {
                return LEASE_E_DURATION;
        }
        if (part_map_device(p, l->pa, l->pa, l->size) != PART_OK) {
                return LEASE_E_MAP;
        }
        cap_handle_t h;
        if (cap_object_create(CAP_T_DEVICE, p->id, l->size, (uint64_t)(l - leases), &l->obj) !=
                CAP_OK ||
            cap_mint_root(l->obj, p->id, CAP_R_READ | CAP_R_WRITE, &h) != CAP_OK) {
                arch_s2_unmap(p->s2_root, l->pa, l->size, p->vmid);
                return LEASE_E_MAP;
        }
        l->partition = p->id;
        l->expiry_ns = hal_time_ns() + (uint64_t)ms * 1000000ULL;
        if (l->irq >= 32 && l->irq < 64) {
                /* Its interrupt goes with it: routed to CPU 0, forwarded from there. */
                hal_gic_enable(l->irq, percpu[0].mpidr, lease_irq, l);
        }
        witness_emit(&(struct witness_event){.kind = WK_DEV_LEASE,
                                             .actor = p->id,
                                             .target = (uint64_t)(l - leases),
                                             .cap = h,
                                             .payload = l->expiry_ns});
        (void)actor;
        return LEASE_OK;
}

static void lease_end(struct lease *l, uint16_t kind, uint32_t actor)
{
        struct partition *p = part_get(l->partition);

        if (p != NULL) {
                /* Unmap, then invalidate every CPU's TLB entries of that VMID. */
                arch_s2_unmap(p->s2_root, l->pa, l->size, p->vmid);
                if (l->irq >= 32 && l->irq < 64) {
                        virq_unforward(&p->vcpus[0],
                                       l->irq); /* masked; its EOI no longer unmasks */
                }
        } else if (l->irq >= 32 && l->irq < 64) {
                hal_gic_mask_spi(l->irq, true);
        }
        cap_object_destroy(l->obj); /* its capability goes too */
        witness_emit(&(struct witness_event){.kind = kind,
                                             .actor = actor,
                                             .target = (uint64_t)(l - leases),
                                             .payload = l->partition});
        l->partition = 0;
}

enum lease_err lease_revoke(const char *device, uint32_t actor)
{
        struct lease *l = find(device);

        if (l == NULL) {
                return LEASE_E_NO_DEVICE;
        }
        if (l->partition == 0) {
                return LEASE_E_NOT_LEASED;
        }
        lease_end(l, WK_DEV_REVOKE, actor);
        return LEASE_OK;
}

void lease_tick(uint64_t now_ns)
{
        for (unsigned i = 0; i < lease_count; i++) {
                if (leases[i].partition != 0 && now_ns >= leases[i].expiry_ns) {
                        lease_end(&leases[i], WK_DEV_EXPIRE, 0);
                }
        }
}

const char *lease_err_str(enum lease_err e)
{
        switch (e) {
        case LEASE_OK:
                return "ok";
        case LEASE_E_NO_DEVICE:
                return "no such device (see leases)";
        case LEASE_E_BUSY:
                return "the device is already leased";
        case LEASE_E_NOT_LEASED:
                return "the device is not leased";
        case LEASE_E_PARTITION:
                return "no such running partition";
        case LEASE_E_MAP:
                return "cannot map the device into the partition";
        case LEASE_E_DURATION:
                return "duration must be 1..3600000 ms";
        }
        return "?";
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
        spin_lock(&run_lock);
        enum lease_err e = lease_grant(argv[1], part_get(id), ms, 0);
        spin_unlock(&run_lock);
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
        spin_lock(&run_lock);
        enum lease_err e = lease_revoke(argv[1], 0);
        spin_unlock(&run_lock);
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
        spin_lock(&run_lock);
        for (unsigned i = 0; i < lease_count; i++) {
                const struct lease *l = &leases[i];
                con_printf("%-7s 0x%016llx  %-4u %-10llu ", l->name, (unsigned long long)l->pa,
                           l->irq, (unsigned long long)l->irqs);
                if (l->partition == 0) {
                        con_puts("-\n");
                } else {
                        uint64_t left = l->expiry_ns > now ? (l->expiry_ns - now) / 1000000 : 0;
                        con_printf("%-7u %llu\n", l->partition, (unsigned long long)left);
                }
        }
        spin_unlock(&run_lock);
        if (lease_count == 0) {
                con_puts("(no leasable device on this board)\n");
        }
        return 0;
}
MONITOR_CMD(leases, "leases", "", "leasable devices and who holds them", cmd_leases);
