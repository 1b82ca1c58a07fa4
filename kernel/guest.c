/*
 * kernel/guest.c: what a partition can ask of RVM. Hypercalls (HVC, SMCCC vendor-
 * hypervisor range) all go through the security gate, which checks each against its
 * declared rights and proof tier and witnesses it; the unprivileged calls here (console,
 * time, yield, ...) change nothing outside the caller. PSCI (by SMC or HVC) acts on the
 * calling partition only, never on the machine.
 */
#include <string.h>

#include "hal/timer.h"
#include "kernel/console.h"
#include "kernel/gate.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "witness/witness.h"

#define CONSOLE_WRITE_MAX 256

#define PSCI_VERSION          0x84000000u
#define PSCI_CPU_OFF          0x84000002u
#define PSCI_CPU_ON_32        0x84000003u
#define PSCI_CPU_ON_64        0xC4000003u
#define PSCI_FEATURES         0x8400000Au
#define PSCI_AFFINITY_INFO_32 0x84000004u
#define PSCI_AFFINITY_INFO_64 0xC4000004u
#define PSCI_E_ALREADY_ON     (-4)
#define PSCI_E_INVALID_ADDR   (-9)
#define PSCI_SYSTEM_OFF       0x84000008u
#define PSCI_SYSTEM_RESET     0x84000009u
#define PSCI_E_NOT_SUPPORTED  (-1)
#define PSCI_E_INVALID_PARAMS (-2)

static struct partition *caller_part(const struct gate_ctx *ctx)
{
        return part_get(ctx->call->caller);
}

int32_t guest_hc_null(struct gate_ctx *ctx)
{
        (void)ctx;
        return 0;
}

int32_t guest_hc_console_write(struct gate_ctx *ctx)
{
        struct partition *p = caller_part(ctx);
        uint64_t ipa = ctx->call->x[1];
        uint64_t len = ctx->call->x[2];
        char buf[CONSOLE_WRITE_MAX + 1];

        if (p == NULL || len > CONSOLE_WRITE_MAX) {
                return GATE_E_INVALID;
        }
        if (!part_read_guest(p, ipa, buf, (size_t)len)) {
                return GATE_E_RANGE;
        }
        /* Untrusted bytes: printable ASCII and newlines only reach the console. */
        for (uint64_t i = 0; i < len; i++) {
                char ch = buf[i];
                if (ch != '\n' && (ch < 0x20 || ch > 0x7e)) {
                        buf[i] = '?';
                }
        }
        buf[len] = '\0';
        con_printf("[%s] %s", p->name, buf);
        ctx->call->x[1] = len;
        return 0;
}

int32_t guest_hc_yield(struct gate_ctx *ctx)
{
        (void)ctx;
        run_yield();
        return 0;
}

int32_t guest_hc_exit(struct gate_ctx *ctx)
{
        struct partition *p = caller_part(ctx);

        if (p == NULL) {
                return GATE_E_INVALID;
        }
        con_printf("rvm: partition %u (%s) exited with code %llu\n", p->id, p->name,
                   (unsigned long long)ctx->call->x[1]);
        part_set_state(p, PART_STOPPED, p->id);
        run_partition_changed(p);
        this_cpu()->need_resched = true;
        return 0;
}

int32_t guest_hc_cap_list(struct gate_ctx *ctx)
{
        uint32_t cursor = (uint32_t)ctx->call->x[1];
        cap_handle_t h = cap_table_next(ctx->call->caller, &cursor);
        struct cap_info info;

        ctx->call->x[1] = h;
        ctx->call->x[2] = cursor;
        ctx->call->x[3] = 0;
        if (h != 0 && cap_info_of(ctx->call->caller, h, &info) == CAP_OK) {
                ctx->call->x[3] =
                    (uint64_t)info.type | (uint64_t)info.rights << 8 | (uint64_t)info.depth << 16;
        }
        return 0;
}

int32_t guest_hc_time(struct gate_ctx *ctx)
{
        ctx->call->x[1] = hal_time_ns();
        return 0;
}

int32_t guest_hc_self(struct gate_ctx *ctx)
{
        ctx->call->x[1] = ctx->call->caller;
        return 0;
}

static bool is_psci(uint32_t fid)
{
        return (fid & 0xbfffffe0u) == 0x84000000u; /* 0x8400_00xx and 0xC400_00xx */
}

/* The vCPU of p that an MPIDR names (aff0 = index, higher affinity 0), or NULL. */
static struct vcpu *psci_target(struct partition *p, uint64_t mpidr)
{
        uint64_t aff = mpidr & 0xff00ffffffULL;

        return (aff >> 8) == 0 && aff < p->nr_vcpus ? &p->vcpus[aff] : NULL;
}

static int64_t psci_cpu_on(struct partition *p, uint64_t mpidr, uint64_t entry, uint64_t ctx,
                           bool smc32)
{
        struct vcpu *t = psci_target(p, smc32 ? (uint32_t)mpidr : mpidr);

        if (smc32) {
                entry = (uint32_t)entry;
                ctx = (uint32_t)ctx;
        }
        if (t == NULL) {
                return PSCI_E_INVALID_PARAMS;
        }
        if (t->state != VCPU_OFF) {
                return PSCI_E_ALREADY_ON;
        }
        /* It must start in its own RAM, on an instruction boundary. */
        if (entry < PART_IPA_BASE || entry >= PART_IPA_BASE + p->mem_size || (entry & 3) != 0) {
                return PSCI_E_INVALID_ADDR;
        }
        part_vcpu_start(p, t->index, entry, ctx); /* witnessed */
        run_vcpu_changed(t);
        return 0;
}

static void psci(struct arch_regs *regs, struct vcpu *v)
{
        struct partition *p = v->part;
        uint32_t fid = (uint32_t)regs->x[0];
        int64_t ret = PSCI_E_NOT_SUPPORTED;

        switch (fid) {
        case PSCI_VERSION:
                ret = 0x10001; /* PSCI 1.1 */
                break;
        case PSCI_FEATURES: {
                uint32_t q = (uint32_t)regs->x[1];
                ret = (q == PSCI_VERSION || q == PSCI_CPU_OFF || q == PSCI_SYSTEM_OFF ||
                       q == PSCI_SYSTEM_RESET || q == PSCI_FEATURES || q == PSCI_CPU_ON_32 ||
                       q == PSCI_CPU_ON_64 || q == PSCI_AFFINITY_INFO_32 ||
                       q == PSCI_AFFINITY_INFO_64)
                          ? 0
                          : PSCI_E_NOT_SUPPORTED;
                break;
        }
        case PSCI_CPU_ON_32:
        case PSCI_CPU_ON_64:
                ret = psci_cpu_on(p, regs->x[1], regs->x[2], regs->x[3], fid == PSCI_CPU_ON_32);
                break;
        case PSCI_AFFINITY_INFO_32:
        case PSCI_AFFINITY_INFO_64: {
                /* x1 target affinity, x2 lowest level (only 0: one vCPU): 0 on, 1 off. */
                const struct vcpu *t = psci_target(p, regs->x[1]);
                ret = t == NULL || regs->x[2] != 0 ? PSCI_E_INVALID_PARAMS
                      : t->state == VCPU_OFF       ? 1
                                                   : 0;
                break;
        }
        case PSCI_CPU_OFF:
                if (part_vcpus_on(p) > 1) {
                        /* One of several: only this vCPU stops; PSCI CPU_OFF does not return. */
                        part_vcpu_off(p, v->index);
                        run_vcpu_changed(v);
                        this_cpu()->need_resched = true;
                        return;
                }
                /* The last one on: the partition is off. */
                /* fall through */
        case PSCI_SYSTEM_OFF:
                /* Off means this partition, not the machine. */
                con_printf("rvm: partition %u (%s) powered itself off\n", p->id, p->name);
                part_set_state(p, PART_STOPPED, p->id);
                run_partition_changed(p);
                this_cpu()->need_resched = true;
                ret = 0;
                break;
        case PSCI_SYSTEM_RESET:
                con_printf("rvm: partition %u (%s) reset itself\n", p->id, p->name);
                run_drop_current(p);
                part_restart(p, p->id);
                part_set_state(p, PART_RUNNING, p->id);
                run_partition_changed(p); /* its other vCPUs: off now, their CPUs let go */
                return;
        default:
                break;
        }
        if (ret == PSCI_E_NOT_SUPPORTED) {
                witness_emit(&(struct witness_event){.kind = WK_PROOF_DENY,
                                                     .flags = WITNESS_F_DENIED,
                                                     .actor = p->id,
                                                     .target = p->id,
                                                     .payload = fid});
        }
        regs->x[0] = (uint64_t)ret;
}

void guest_hvc(struct arch_regs *regs, struct vcpu *v, const struct gate_entry *e)
{
        spin_lock(&run_lock);
        if (is_psci((uint32_t)regs->x[0])) {
                psci(regs, v);
        } else {
                /* The gate reads and writes the argument registers in the frame itself. */
                gate_dispatch_entry(&(struct gate_call){.caller = v->part->id, .x = regs->x}, e);
        }
        spin_unlock(&run_lock);
}

void guest_smc(struct arch_regs *regs, struct vcpu *v)
{
        uint32_t fid = (uint32_t)regs->x[0];

        if (is_psci(fid)) {
                psci(regs, v);
                return;
        }
        /* No other SMC reaches firmware from a partition: refused and witnessed. */
        witness_emit(&(struct witness_event){.kind = WK_PROOF_DENY,
                                             .flags = WITNESS_F_DENIED,
                                             .actor = v->part->id,
                                             .target = v->part->id,
                                             .payload = fid});
        regs->x[0] = (uint64_t)(int64_t)PSCI_E_NOT_SUPPORTED;
}
