/*
 * kernel/trap.c: what RVM does with each trap a partition takes. Hypercalls go through the
 * gate (kernel/gate.c, kernel/hvc.c) or PSCI (kernel/guest.c); WFI/WFE, trapped system
 * registers and SGIs, lazy FP and emulated devices are handled here; any other exception is
 * a fault, witnessed and handled by the partition's policy. Every path ends in
 * run_schedule (kernel/run_priv.h), whose answer is the frame vectors.S enters next.
 */
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "configs/profile.h"
#include "hal/gic.h"
#include "kernel/console.h"
#include "kernel/gate.h"
#include "kernel/ipc.h"
#include "kernel/monitor.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/run.h"
#include "kernel/run_priv.h"
#include "partition/checkpoint.h"
#include "partition/tiers.h"
#include "partition/vdev.h"
#include "partition/virq.h"
#include "witness/witness.h"

void run_fault(struct partition *p, uint32_t esr, uint64_t where, uint32_t code)
{
        p->faults++;
        witness_emit(&(struct witness_event){
            .kind = WK_PART_FAULT,
            .flags = WITNESS_F_DENIED,
            .actor = p->id,
            .target = p->id,
            .cap = where,
            .payload = (uint64_t)esr | (uint64_t)code << 32,
        });
        run_drop_current(p);
        if (p->cfg->fault_policy == PART_FAULT_RESTART && p->restarts < p->cfg->max_restarts) {
                tiers_wake(p); /* its RAM is reloaded in place: every page back first */
                part_restart(p, 0);
                this_cpu()->reload = p;   /* its RAM: once the lock is given (run_reload) */
                run_partition_changed(p); /* its other vCPUs: off now, their CPUs let go */
                return;
        }
        /* F2 (DC-14): beyond its restarts, rebuilt from its last checkpoint rather than
         * rebooted from its image; a bounded number of times, then it stays faulted. */
        if (p->cfg->fault_policy == PART_FAULT_RESTART && ckpt_can_reconstruct(p->id) &&
            (tiers_wake(p), ckpt_restore(p, 0, CKPT_OP_RECONSTRUCT) == PART_OK)) {
                con_printf(
                    "rvm: partition %u (%s) failed beyond its restarts: reconstructed "
                    "from its checkpoint (%u of %u)\n",
                    p->id, p->name, ckpt_get(p->id).reconstructs, CKPT_MAX_RECONSTRUCTS);
                run_partition_changed(p);
                return;
        }
        part_set_state(p, PART_FAULTED, 0);
        run_partition_changed(p);
}

/* Fault codes in WK_PART_FAULT payload bits 32..63. */
enum run_fault_code {
        FAULT_ABORT = 1,  /* stage-2 data/instruction abort outside its memory */
        FAULT_SYSREG = 2, /* a system register RVM does not let it touch */
        FAULT_SERROR = 3,
        FAULT_UNHANDLED = 4, /* any other exception class */
};

#define EC_WFX      0x01
#define EC_FP       0x07
#define EC_HVC64    0x16
#define EC_SMC64    0x17
#define EC_SYSREG   0x18
#define EC_IABT_LOW 0x20
#define EC_DABT_LOW 0x24
#define EC_SERROR   0x2f

/* DC ISW/CSW/CISW (set/way maintenance): op0=1 op1=0 CRn=7 CRm=6/10/14 op2=2. */
static bool is_set_way(uint64_t iss)
{
        unsigned op0 = (iss >> 20) & 3, op1 = (iss >> 14) & 7, crn = (iss >> 10) & 15;
        unsigned crm = (iss >> 1) & 15, op2 = (iss >> 17) & 7;

        return op0 == 1 && op1 == 0 && crn == 7 && (crm == 6 || crm == 10 || crm == 14) && op2 == 2;
}

/* A data abort on a virtual device's page: emulated, or said why not (then a fault); *kind
 * becomes the device's exit kind when there is one there. */
static bool emulate(struct partition *p, struct arch_regs *regs, uint64_t esr, enum vcpu_exit *kind)
{
        ipa_t ipa = ipa_init(arch_trap_hpfar_ipa());
        const char *device = "";
        enum vdev_result r = vdev_abort(p, regs, esr, ipa, &device, kind);

        if (r == VDEV_NOT_DEVICE && edge_db_hit(p, ipa)) {
                device = "doorbell"; /* the CommEdge doorbell page (kernel/ipc.c) */
                *kind = VCPU_EXIT_VDEV_OTHER;
                r = ipc_doorbell_abort(p, regs, esr, ipa);
        }
        if (r == VDEV_UNDECODABLE) {
                con_printf(
                    RVM_SAY("rvm: partition %u (%s): %s access at 0x%llx that RVM cannot emulate "
                            "(ESR 0x%llx)\n",
                            "rvm: partition %u (%s): %s access at 0x%llx not emulated (ESR "
                            "0x%llx)\n"),
                    p->id, p->name, device, (unsigned long long)ipa_addr(ipa),
                    (unsigned long long)esr);
        }
        return r == VDEV_DONE;
}

/*
 * Does the aborted access translate now? A block of its RAM split by another CPU
 * (break-before-make, arch/aarch64/s2_table.c) is invalid for a moment; that CPU holds the
 * run lock meanwhile, so once this one has it the table is in place and the access is
 * retried. Translation faults only (DFSC/IFSC 0b0001xx, any level): a permission fault
 * stays a fault. A data abort's WnR (ESR bit 6) says whether it needs write permission.
 * With one CPU no other can be splitting a block while a partition runs.
 */
static bool mapped_now(const struct partition *p, unsigned ec, uint64_t esr)
{
        pa_t pa;

        return (esr & 0x3c) == 0x04 &&
               arch_s2_translate(p->s2_root, ipa_init(arch_trap_hpfar_ipa()),
                                 ec == EC_DABT_LOW && (esr & (1ULL << 6)) != 0, &pa);
}

static struct arch_regs *lower_sync_slow(struct percpu *c, struct vcpu *v, struct arch_regs *regs,
                                         uint64_t esr);

/* A hypercall's exit kind by its function id's range (SMCCC: bit 30 is SMC64/HVC64). */
static enum vcpu_exit hvc_kind(uint64_t fid)
{
        uint32_t f = (uint32_t)fid & ~0x40000000u;

        if ((f & 0xff000000u) == 0x86000000u) {
                return VCPU_EXIT_HVC_RVM; /* vendor-specific hypervisor service calls */
        }
        return (f & 0xffffffe0u) == 0x84000000u ? VCPU_EXIT_HVC_PSCI : VCPU_EXIT_HVC_OTHER;
}

/* A hypercall through the gate's pipeline, under the run lock, then the next decision. The
 * gate reads and writes the argument registers in the frame itself. Out of line (but in a
 * build for size): the local calls' path in arch_hook_lower_sync keeps to the registers it
 * needs. */
#ifdef __OPTIMIZE_SIZE__
static struct arch_regs *hvc_gated(struct percpu *c, struct arch_regs *regs, struct vcpu *v)
#else
static __attribute__((noinline)) struct arch_regs *hvc_gated(struct percpu *c,
                                                             struct arch_regs *regs, struct vcpu *v)
#endif
{
        const struct gate_entry *e = gate_lookup((uint32_t)regs->x[0]);

        v->exits[hvc_kind(regs->x[0])]++;
        run_lock_take();
        gate_dispatch_entry(&(struct gate_call){.caller = v->part_id, .x = regs->x}, e);
        run_lock_give();
        if (c->reload != NULL) {
                run_reload(c); /* after a PSCI SYSTEM_RESET */
        }
        return run_schedule(regs);
}

struct arch_regs *arch_hook_lower_sync(struct arch_regs *regs, uint64_t esr)
{
        struct percpu *c = this_cpu();
        struct vcpu *v = c->current;

        if (v != NULL && (esr >> ESR_EC_SHIFT) == EC_HVC64) {
                /*
                 * The hypercall path. Calls that touch only the caller's registers and its
                 * CPU's flags (GATE_F_LOCAL) go to the gate without the run lock; unless one
                 * asked for a switch (a yield) the same vCPU goes on (a switch another CPU
                 * asks for comes as an interrupt, taken once we return). The rest (PSCI,
                 * capabilities, edges) go through the gate's pipeline, under the lock.
                 */
                gate_handler_fn local = gate_lookup_local((uint32_t)regs->x[0]);
                if (local != NULL) {
                        /* LOCAL calls are RVM's own (gate_table_check); the count is this
                         * vCPU's, written only here, and `ps` sums them per partition. A
                         * local handler reads the call's caller and registers, nothing else
                         * (gate.h): this CPU's local call, set when the vCPU was loaded. */
                        v->exits[VCPU_EXIT_HVC_RVM]++;
                        gate_dispatch_local(&c->local_ctx, regs->x, local);
                        /* Only a yield asks for a switch: its own path (run_priv.h). */
                        return c->need_resched ? run_yield_switch(c, regs) : regs;
                }
                return hvc_gated(c, regs, v);
        }
        return lower_sync_slow(c, v, regs, esr);
}

static __attribute__((noinline)) struct arch_regs *lower_sync_slow(struct percpu *c, struct vcpu *v,
                                                                   struct arch_regs *regs,
                                                                   uint64_t esr)
{
        unsigned ec = (unsigned)(esr >> ESR_EC_SHIFT) & 0x3f;

        if (v == NULL) {
                panic("trap from a lower EL with no vCPU on CPU %u (ESR 0x%llx)", c->index,
                      (unsigned long long)esr);
        }
        struct partition *p = v->part;
        enum vcpu_exit kind = VCPU_EXIT_OTHER;
        run_lock_take();
        switch (ec) {
        case EC_SMC64:
                kind = VCPU_EXIT_SMC;
                regs->elr += 4; /* a trapped SMC returns to itself */
                guest_smc(regs, v);
                break;
        case EC_FP:
                /* First FP/SIMD use since it was switched in: load its registers, retry. */
                kind = VCPU_EXIT_FP;
                arch_fp_trap(false);
                arch_fp_load(&v->fp);
                c->fp_owner = v;
                v->fp_loads++;
                break;
        case EC_WFX:
                kind = (esr & 1) != 0 ? VCPU_EXIT_WFE : VCPU_EXIT_WFI;
                regs->elr += 4;
                virq_wfx(v, (esr & 1) != 0);
                break;
        case EC_SYSREG:
                kind = VCPU_EXIT_SYSREG;
                if (is_set_way(esr & 0x1ffffff)) {
                        regs->elr += 4; /* HCR.SWIO/TSW: no set/way for guests; a no-op */
                        break;
                }
                if (virq_sgi_trap(v, regs, esr)) {
                        kind = VCPU_EXIT_SGI;
                        regs->elr += 4; /* an SGI to the partition's own vCPUs */
                        break;
                }
                run_fault(p, (uint32_t)esr, 0, FAULT_SYSREG);
                break;
        case EC_IABT_LOW:
        case EC_DABT_LOW:
                kind = VCPU_EXIT_ABORT_RAM;
#ifdef RVM_WITH_TIERS
                if ((esr & 0x3c) == 0x08 &&
                    arch_s2_access(p->s2_root, ipa_init(arch_trap_hpfar_ipa()))) {
                        break; /* an access flag the idle policy cleared: set, retried */
                }
#endif /* (without tiers no idle policy clears one: every entry is made with it set) */
                if (tiers_fault(p, ipa_init(arch_trap_hpfar_ipa()))) {
                        break; /* a dormant page, back now: the access is retried */
                }
                kind = VCPU_EXIT_ABORT;
                if (ec == EC_DABT_LOW && emulate(p, regs, esr, &kind)) {
                        break; /* an emulated device register */
                }
                if (RVM_MAX_CPUS > 1 && kind == VCPU_EXIT_ABORT && mapped_now(p, ec, esr)) {
                        kind = VCPU_EXIT_ABORT_RAM;
                        break; /* met a 2 MiB block being split: mapped again, retried */
                }
                run_fault(p, (uint32_t)esr, arch_trap_hpfar_ipa(), FAULT_ABORT);
                break;
        case EC_SERROR:
                kind = VCPU_EXIT_SERROR;
                run_fault(p, (uint32_t)esr, 0, FAULT_SERROR);
                break;
        default:
                run_fault(p, (uint32_t)esr, arch_trap_far(), FAULT_UNHANDLED);
                break;
        }
        v->exits[kind]++; /* this vCPU's own counter: only the CPU running it writes it */
        run_lock_give();
        run_reload(c);
        return run_schedule(regs);
}

struct arch_regs *arch_hook_irq(struct arch_regs *regs, bool from_partition)
{
        struct percpu *c = this_cpu();

        c->irqs++;
        if (from_partition && c->current != NULL) {
                c->current->exits[VCPU_EXIT_IRQ]++; /* the vCPU this CPU runs: its own counter */
        }
        hal_gic_handle();
        if (c->index == 0) {
                con_drain(); /* the tick feeds the UART too; no lock is held here */
        }
        if (c->index == 0 && monitor_wants_poll()) {
                /* Console input (or input a `sleep` holds back, or bytes an attached
                 * partition's UART had no room for yet, looked at again each tick): the
                 * monitor runs on CPU 0 between vCPUs. */
                c->console_input = true;
                c->need_resched = true;
        }
        return from_partition ? run_schedule(regs) : regs;
}
