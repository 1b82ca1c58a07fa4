/*
 * partition/lease.c: device leases (see lease.h). A leased region appears in the partition
 * at the same address as in the machine (devices sit far below partition RAM at
 * PART_IPA_BASE). Callers hold run_lock.
 */
#include "partition/lease.h"

#include <string.h>

#include "cap/cap.h"
#include "hal/gic.h"
#include "hal/timer.h"
#include "witness/witness.h"

#define LEASE_DEVICES 2

static struct lease leases[LEASE_DEVICES];
static unsigned lease_count;
static struct lease_env env;

void lease_init(const struct board_info *b, const struct lease_env *e)
{
        env = *e;
        lease_count = 0;
        if (b->rtc.size != 0) {
                leases[lease_count++] = (struct lease){.name = "rtc",
                                                       .pa = pa_init(b->rtc.base & ~0xfffULL),
                                                       .size = 0x1000,
                                                       .irq = b->rtc_irq};
        }
}

unsigned lease_device_count(void)
{
        return lease_count;
}

const struct lease *lease_device(unsigned i)
{
        return i < lease_count ? &leases[i] : NULL;
}

struct vcpu *lease_irq_target(struct lease *l)
{
        struct partition *p = l->partition != 0 ? part_get(l->partition) : NULL;

        if (p == NULL || p->state != PART_RUNNING) {
                return NULL;
        }
        l->irqs++;
        return &p->vcpus[0]; /* its boot vCPU */
}

/* Where the lessee sees l: at the same address as the machine. */
static ipa_t lease_ipa(const struct lease *l)
{
        return ipa_init(pa_addr(l->pa));
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
        if (part_map_device(p, lease_ipa(l), l->pa, l->size) != PART_OK) {
                return LEASE_E_MAP;
        }
        cap_handle_t h;
        if (cap_object_create(CAP_T_DEVICE, p->id, l->size, (uint64_t)(l - leases), &l->obj) !=
                CAP_OK ||
            cap_mint_root(l->obj, p->id, CAP_R_READ | CAP_R_WRITE, &h) != CAP_OK) {
                (void)arch_s2_unmap(p->s2_root, lease_ipa(l), l->size, p->vmid, NULL, NULL);
                return LEASE_E_MAP;
        }
        l->partition = p->id;
        l->expiry_ns = hal_time_ns() + (uint64_t)ms * 1000000ULL;
        if (l->irq >= 32 && l->irq < 64) {
                /* Its interrupt goes with it: routed to CPU 0, forwarded from there. */
                hal_gic_enable(l->irq, env.irq_mpidr, env.irq_handler, l);
        }
        /* actor: who granted it (0: RVM's monitor); target: the lessee above the device. */
        witness_emit(
            &(struct witness_event){.kind = WK_DEV_LEASE,
                                    .actor = actor,
                                    .target = (uint64_t)p->id << 32 | (uint64_t)(l - leases),
                                    .cap = h,
                                    .payload = l->expiry_ns});
        return LEASE_OK;
}

static void lease_end(struct lease *l, uint16_t kind, uint32_t actor)
{
        struct partition *p = part_get(l->partition);

        if (p != NULL) {
                /* Unmap, then invalidate every CPU's TLB entries of that VMID. */
                (void)arch_s2_unmap(p->s2_root, lease_ipa(l), l->size, p->vmid, NULL, NULL);
                if (l->irq >= 32 && l->irq < 64) {
                        env.unforward(&p->vcpus[0], l->irq); /* masked; EOI no longer unmasks */
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
