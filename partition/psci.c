/*
 * partition/psci.c: PSCI for partitions (see psci.h). A vCPU is named by its MPIDR: aff0 is
 * its index in the partition, higher affinity levels 0.
 */
#include "partition/psci.h"

#include "witness/witness.h"

/* The vCPU of p that an MPIDR names, or NULL. */
static struct vcpu *psci_target(struct partition *p, uint64_t mpidr)
{
        uint64_t aff = mpidr & 0xff00ffffffULL;

        return (aff >> 8) == 0 && aff < p->nr_vcpus ? &p->vcpus[aff] : NULL;
}

static int64_t cpu_on(struct partition *p, uint64_t mpidr, uint64_t entry, uint64_t ctx, bool smc32,
                      struct vcpu **started)
{
        struct vcpu *t = psci_target(p, smc32 ? (uint32_t)mpidr : mpidr);

        if (smc32) {
                entry = (uint32_t)entry;
                ctx = (uint32_t)ctx;
        }
        if (t == NULL) {
                return PSCI_E_INVALID_PARAMS;
        }
        /* With one vCPU a partition (the Seed's) the only target is the caller, which is on. */
        if (PART_MAX_VCPUS == 1 || t->state != VCPU_OFF) {
                return PSCI_E_ALREADY_ON;
        }
        /* It must start in its own RAM, on an instruction boundary. */
        if (entry < PART_IPA_BASE || entry >= PART_IPA_BASE + p->mem_size || (entry & 3) != 0) {
                return PSCI_E_INVALID_ADDR;
        }
        part_vcpu_start(p, t->index, entry, ctx); /* witnessed */
        *started = t;
        return 0;
}

static bool supported(uint32_t q)
{
        return q == PSCI_VERSION || q == PSCI_CPU_OFF || q == PSCI_SYSTEM_OFF ||
               q == PSCI_SYSTEM_RESET || q == PSCI_FEATURES || q == PSCI_CPU_ON_32 ||
               q == PSCI_CPU_ON_64 || q == PSCI_AFFINITY_INFO_32 || q == PSCI_AFFINITY_INFO_64;
}

void psci_call(struct vcpu *v, const uint64_t x[4], struct psci_result *out)
{
        struct partition *p = v->part;
        uint32_t fid = (uint32_t)x[0];

        out->action = PSCI_DONE;
        out->ret = 0;
        out->vcpu = v;
        switch (fid) {
        case PSCI_VERSION:
                out->ret = 0x10001; /* PSCI 1.1 */
                return;
        case PSCI_FEATURES:
                out->ret = supported((uint32_t)x[1]) ? 0 : PSCI_E_NOT_SUPPORTED;
                return;
        case PSCI_CPU_ON_32:
        case PSCI_CPU_ON_64: {
                struct vcpu *t = NULL;
                out->ret = cpu_on(p, x[1], x[2], x[3], fid == PSCI_CPU_ON_32, &t);
                if (t != NULL) {
                        out->action = PSCI_VCPU_STARTED;
                        out->vcpu = t;
                }
                return;
        }
        case PSCI_AFFINITY_INFO_32:
        case PSCI_AFFINITY_INFO_64: {
                /* x1 target affinity, x2 lowest level (only 0: one vCPU): 0 on, 1 off. */
                const struct vcpu *t = psci_target(p, x[1]);
                out->ret = t == NULL || x[2] != 0 ? PSCI_E_INVALID_PARAMS
                           : t->state == VCPU_OFF ? 1
                                                  : 0;
                return;
        }
        case PSCI_CPU_OFF:
                if (PART_MAX_VCPUS > 1 && part_vcpus_on(p) > 1) {
                        /* One of several: only this vCPU stops; CPU_OFF does not return. */
                        part_vcpu_off(p, v->index);
                        out->action = PSCI_VCPU_STOPPED;
                        return;
                }
                /* The last one on: the partition is off. */
                /* fall through */
        case PSCI_SYSTEM_OFF:
                /* Off means this partition, not the machine. */
                part_set_state(p, PART_STOPPED, p->id);
                out->action = PSCI_PART_STOPPED;
                return;
        case PSCI_SYSTEM_RESET:
                out->action = PSCI_PART_RESET;
                return;
        default:
                break;
        }
        witness_emit(&(struct witness_event){.kind = WK_PROOF_DENY,
                                             .flags = WITNESS_F_DENIED,
                                             .actor = p->id,
                                             .target = p->id,
                                             .payload = fid});
        out->action = PSCI_REFUSED;
        out->ret = PSCI_E_NOT_SUPPORTED;
}
