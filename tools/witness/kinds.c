/*
 * tools/witness/kinds.c: the name of each witness kind (witness/witness.h) as the tool
 * prints and parses it.
 */
#include <stddef.h>
#include <strings.h>

#include "tools/witness/witness_tool.h"

/* The family is the kind's high byte (witness/witness.h); 13..15 are unassigned. */
static const char *const families[] = {"",          "BOOT",   "PARTITION", "CAP",   "MEMORY",
                                       "COMM",      "DEVICE", "PROOF",     "SCHED", "RECOVERY",
                                       "COHERENCE", "WASM",   "WITNESS"};

static const struct {
        uint16_t kind;
        const char *name;
} kinds[] = {
    {WK_BOOT_PHASE, "WK_BOOT_PHASE"},
    {WK_BOOT_ATTEST, "WK_BOOT_ATTEST"},
    {WK_BOOT_DONE, "WK_BOOT_DONE"},
    {WK_BOOT_RVF, "WK_BOOT_RVF"},
    {WK_BOOT_RVF_SEGMENT, "WK_BOOT_RVF_SEGMENT"},
    {WK_BOOT_RVF_ALLOW, "WK_BOOT_RVF_ALLOW"},
    {WK_BOOT_RVF_SLOT, "WK_BOOT_RVF_SLOT"},
    {WK_BOOT_CLOCK, "WK_BOOT_CLOCK"},
    {WK_PART_CREATE, "WK_PART_CREATE"},
    {WK_PART_STATE, "WK_PART_STATE"},
    {WK_PART_VCPU, "WK_PART_VCPU"},
    {WK_PART_DESTROY, "WK_PART_DESTROY"},
    {WK_PART_FAULT, "WK_PART_FAULT"},
    {WK_PART_SPLIT, "WK_PART_SPLIT"},
    {WK_PART_MERGE, "WK_PART_MERGE"},
    {WK_CAP_DERIVE, "WK_CAP_DERIVE"},
    {WK_CAP_GRANT, "WK_CAP_GRANT"},
    {WK_CAP_REVOKE, "WK_CAP_REVOKE"},
    {WK_CAP_DROP, "WK_CAP_DROP"},
    {WK_CAP_DENY, "WK_CAP_DENY"},
    {WK_CAP_INSPECT, "WK_CAP_INSPECT"},
    {WK_CAP_CREATE, "WK_CAP_CREATE"},
    {WK_MEM_REGION, "WK_MEM_REGION"},
    {WK_MEM_MAP, "WK_MEM_MAP"},
    {WK_MEM_UNMAP, "WK_MEM_UNMAP"},
    {WK_MEM_TRANSFER, "WK_MEM_TRANSFER"},
    {WK_MEM_TIER, "WK_MEM_TIER"},
    {WK_MEM_CHECKPOINT, "WK_MEM_CHECKPOINT"},
    {WK_MEM_COLD, "WK_MEM_COLD"},
    {WK_COMM_EDGE, "WK_COMM_EDGE"},
    {WK_COMM_SEND, "WK_COMM_SEND"},
    {WK_COMM_EDGE_DESTROY, "WK_COMM_EDGE_DESTROY"},
    {WK_COMM_LEND, "WK_COMM_LEND"},
    {WK_DEV_LEASE, "WK_DEV_LEASE"},
    {WK_DEV_EXPIRE, "WK_DEV_EXPIRE"},
    {WK_DEV_REVOKE, "WK_DEV_REVOKE"},
    {WK_DEV_CONSOLE, "WK_DEV_CONSOLE"},
    {WK_PROOF_ALLOW, "WK_PROOF_ALLOW"},
    {WK_PROOF_DENY, "WK_PROOF_DENY"},
    {WK_SCHED_EPOCH, "WK_SCHED_EPOCH"},
    {WK_SCHED_MODE, "WK_SCHED_MODE"},
    {WK_REC_RESTART, "WK_REC_RESTART"},
    {WK_REC_RECONSTRUCT, "WK_REC_RECONSTRUCT"},
    {WK_REC_ROLLBACK, "WK_REC_ROLLBACK"},
    {WK_REC_INJECT, "WK_REC_INJECT"},
    {WK_REC_RVM_FAIL, "WK_REC_RVM_FAIL"},
    {WK_REC_ESCALATE, "WK_REC_ESCALATE"},
    {WK_REC_BOOT_LOOP, "WK_REC_BOOT_LOOP"},
    {WK_COH_CUT, "WK_COH_CUT"},
    {WK_COH_DECISION, "WK_COH_DECISION"},
    {WK_WASM_AGENT, "WK_WASM_AGENT"},
    {WK_WASM_HOSTCALL, "WK_WASM_HOSTCALL"},
    {WK_WASM_EMIT, "WK_WASM_EMIT"},
    {WK_WASM_MOVE, "WK_WASM_MOVE"},
    {WK_WIT_SEAL, "WK_WIT_SEAL"},
    {WK_WIT_STORE_FULL, "WK_WIT_STORE_FULL"},
    {WK_WIT_RECOVERED, "WK_WIT_RECOVERED"},
    {WK_WIT_SHUTDOWN, "WK_WIT_SHUTDOWN"},
    {WK_WIT_UNCLEAN, "WK_WIT_UNCLEAN"},
    {WK_WIT_ALARM, "WK_WIT_ALARM"},
    {WK_WIT_FOLDED, "WK_WIT_FOLDED"},
    {WK_WIT_ROTATED, "WK_WIT_ROTATED"},
};

const char *wt_kind_name(uint16_t kind)
{
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
                if (kinds[i].kind == kind)
                        return kinds[i].name;
        return NULL;
}

const char *wt_family_name(unsigned family)
{
        return family > 0 && family < sizeof(families) / sizeof(families[0]) ? families[family]
                                                                             : NULL;
}

/* A kind by its name, with or without "WK_", or a family by its name (any case). */
bool wt_kind_by_name(const char *s, uint16_t *kind, uint16_t *mask)
{
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
                if (strcasecmp(s, kinds[i].name) == 0 || strcasecmp(s, kinds[i].name + 3) == 0) {
                        *kind = kinds[i].kind;
                        *mask = 0xFFFF;
                        return true;
                }
        for (unsigned i = 1; wt_family_name(i) != NULL; i++)
                if (strcasecmp(s, families[i]) == 0) {
                        *kind = (uint16_t)(i << 8);
                        *mask = 0xFF00;
                        return true;
                }
        return false;
}
