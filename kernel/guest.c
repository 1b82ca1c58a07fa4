/*
 * kernel/guest.c: what a partition can ask of RVM. Hypercalls (HVC, SMCCC vendor-
 * hypervisor range) all go through the security gate, which checks each against its
 * declared rights and proof tier and witnesses it; the unprivileged calls here (console,
 * time, yield, ...) change nothing outside the caller. PSCI (by SMC or HVC) acts on the
 * calling partition only, never on the machine.
 */
#include <string.h>

#include "hal/timer.h"
#include "kernel/cohere.h"
#include "kernel/console.h"
#include "kernel/gate.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "partition/edge.h"
#include "partition/psci.h"
#include "partition/tiers.h"
#include "witness/witness.h"

#define CONSOLE_WRITE_MAX 256

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
        ipa_t ipa = ipa_init(ctx->call->x[1]);
        uint64_t len = ctx->call->x[2];
        char buf[CONSOLE_WRITE_MAX + 1];

        if (p == NULL || len > CONSOLE_WRITE_MAX) {
                return GATE_E_INVALID;
        }
        if (len == 0) {
                ctx->call->x[1] = 0; /* nothing to write: no "[name] " line of its own */
                return 0;
        }
        tiers_touch(p, ipa, len);
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
        /* Into its own console buffer: never waits; 0 bytes written if that is full. */
        bool kept = con_source_printf(p->id, "[%s] %s", p->name, buf);
        ctx->call->x[1] = kept ? len : 0;
        return 0;
}

int32_t guest_hc_yield(struct gate_ctx *ctx)
{
        /* Counted on the vCPU (only its CPU writes it): the coherence engine reads the sum per
         * epoch, and a partition that yields COHERE_ELASTIC_YIELDS times an epoch spins on
         * something, so its CPU time is elastic. */
        struct percpu *c = this_cpu();

        (void)ctx;
        if (c->current != NULL) {
                c->current->yields++;
        }
        run_yield_on(c);
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

/* x1 out = a ticket: the nonce (x6) of the caller's next P2 call, good for the gate's
 * window from now (docs/ABI.md). */
int32_t guest_hc_ticket(struct gate_ctx *ctx)
{
        ctx->call->x[1] = gate_ticket(ctx->call->caller);
        return 0;
}

int32_t guest_hc_self(struct gate_ctx *ctx)
{
        const struct partition *p = part_get(ctx->call->caller);

        ctx->call->x[1] = ctx->call->caller;
        /* Where its CommEdge window and doorbell page are (0: none), placed from its layout. */
        ctx->call->x[2] = p != NULL ? p->edge_ipa : 0;
        ctx->call->x[3] = p != NULL ? edge_db_ipa(p) : 0;
        return 0;
}

/*
 * A PSCI call of the running vCPU, through the gate (partition/psci.c decides, this carries
 * it out); its status is PSCI's return value. CPU_OFF and SYSTEM_RESET do not return: the
 * vCPU's frame is rewritten before it next runs, so the x0 the gate leaves is never seen.
 */
int32_t guest_hc_psci(struct gate_ctx *ctx)
{
        struct vcpu *v = run_current();
        struct psci_result r;

        if (ctx->call->agent || v == NULL || v->part->id != ctx->call->caller) {
                return PSCI_E_NOT_SUPPORTED; /* only a guest's own vCPU calls PSCI */
        }
        struct partition *p = v->part;
        psci_call(v, ctx->call->x, &r);
        switch (r.action) {
        case PSCI_DONE:
        case PSCI_REFUSED:
                break;
        case PSCI_VCPU_STARTED:
                run_vcpu_changed(r.vcpu);
                break;
        case PSCI_VCPU_STOPPED:
                run_vcpu_changed(v);
                this_cpu()->need_resched = true;
                break;
        case PSCI_PART_STOPPED:
                con_printf("rvm: partition %u (%s) powered itself off\n", p->id, p->name);
                run_partition_changed(p);
                this_cpu()->need_resched = true;
                break;
        case PSCI_PART_RESET:
                con_printf("rvm: partition %u (%s) reset itself\n", p->id, p->name);
                run_drop_current(p);
                tiers_wake(p); /* its RAM is reloaded in place: every page back first */
                part_restart(p, p->id);
                part_set_state(p, PART_RUNNING, p->id);
                this_cpu()->reload = p;   /* its RAM: once the lock is given (run_reload) */
                run_partition_changed(p); /* its other vCPUs: off now, their CPUs let go */
                break;
        }
        return (int32_t)r.ret;
}

void guest_smc(struct arch_regs *regs, struct vcpu *v)
{
        uint32_t fid = (uint32_t)regs->x[0];

        if (psci_is_call(fid)) {
                /* PSCI by SMC: the same gate (the trap path holds run_lock). */
                gate_dispatch_entry(&(struct gate_call){.caller = v->part->id, .x = regs->x},
                                    gate_lookup(fid));
                return;
        }
        /* No other SMC reaches firmware from a partition: refused and witnessed, on the
         * gate's denial budget as a refused hypercall is (past it, counted into the epoch's
         * WK_WIT_FOLDED): a guest looping on SMCs must not fill the log, and with it rotate
         * the store's oldest records away. */
        if (gate_denial_admit(v->part->id, WK_PROOF_DENY)) {
                witness_emit(&(struct witness_event){.kind = WK_PROOF_DENY,
                                                     .flags = WITNESS_F_DENIED,
                                                     .actor = v->part->id,
                                                     .target = v->part->id,
                                                     .payload = fid});
        }
        regs->x[0] = (uint64_t)(int64_t)PSCI_E_NOT_SUPPORTED;
}
