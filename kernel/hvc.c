/*
 * kernel/hvc.c: the hypercall table (SMCCC vendor-hypervisor range, docs/ABI.md) and its
 * installation in the security gate. Every privileged call is an entry here; the gate
 * refuses to install a table with an entry that does not declare its rights, proof tier
 * and witness kind, so no privileged path can bypass P1/P2/P3 and the witness.
 */
#include "kernel/hvc.h"

#include "hal/timer.h"
#include "kernel/agents.h"
#include "kernel/gate.h"
#include "kernel/ipc.h"
#include "kernel/share.h"

/* P2's request window: a call's time stamp (x7) may be at most this old, in clock ticks. */
#define HVC_MAX_AGE_NS 1000000000ULL

int32_t guest_hc_null(struct gate_ctx *ctx);
int32_t guest_hc_console_write(struct gate_ctx *ctx);
int32_t guest_hc_yield(struct gate_ctx *ctx);
int32_t guest_hc_exit(struct gate_ctx *ctx);
int32_t guest_hc_cap_list(struct gate_ctx *ctx);
int32_t guest_hc_time(struct gate_ctx *ctx);
int32_t guest_hc_self(struct gate_ctx *ctx);

/*
 * Calls that touch nothing outside the caller: no capability, tier 0. They are still
 * declared in full (the gate refuses an entry that is not); the one that changes state,
 * exit, witnesses it through the partition module.
 */
#define HVC_UNPRIV(n, nm, kind, fn, more)                                                       \
        {                                                                                       \
                .fid = GATE_FID(n), .name = nm, .type = CAP_T_NONE, .rights = GATE_RIGHTS_NONE, \
                .tier = 0, .witness_kind = kind,                                                \
                .flags = GATE_F_UNPRIVILEGED | GATE_F_ANY_TYPE | GATE_F_SELF_WITNESS | (more),  \
                .handler = fn                                                                   \
        }

static const struct gate_entry hvc_table[] = {
    /* GATE_F_LOCAL: only the caller's registers and its CPU's flags (yield asks for a
     * switch), so no run lock (console_write reads the caller's stage-2 tables, which other
     * CPUs may change: it takes the lock). */
    HVC_UNPRIV(0x00, "null", WK_PROOF_ALLOW, guest_hc_null, GATE_F_LOCAL),
    HVC_UNPRIV(0x01, "console_write", WK_PROOF_ALLOW, guest_hc_console_write, 0),
    HVC_UNPRIV(0x02, "yield", WK_SCHED_MODE, guest_hc_yield, GATE_F_LOCAL),
    HVC_UNPRIV(0x03, "exit", WK_PART_STATE, guest_hc_exit, 0),
    HVC_UNPRIV(0x04, "cap_list", WK_CAP_INSPECT, guest_hc_cap_list, 0),
    HVC_UNPRIV(0x05, "time", WK_PROOF_ALLOW, guest_hc_time, GATE_F_LOCAL),
    HVC_UNPRIV(0x06, "self", WK_PROOF_ALLOW, guest_hc_self, GATE_F_LOCAL),
    /* CommEdges: the doorbell needs WRITE on the edge, waiting needs READ. */
    {.fid = GATE_FID(0x10),
     .name = "edge_notify",
     .type = CAP_T_COMM_EDGE,
     .rights = CAP_R_WRITE,
     .tier = PROOF_TIER_P1,
     .witness_kind = WK_COMM_SEND,
     .handler = ipc_hc_notify},
    {.fid = GATE_FID(0x11),
     .name = "edge_wait",
     .type = CAP_T_COMM_EDGE,
     .rights = CAP_R_READ,
     .tier = PROOF_TIER_P1,
     .witness_kind = WK_COMM_SEND,
     .flags = GATE_F_SELF_WITNESS, /* waiting changes nothing: no record */
     .handler = ipc_hc_wait},
    /* Memory regions (kernel/share.c): the offer needs GRANT on a memory capability of the
     * caller; the peer's offer capability has READ (retrieve, relinquish), the owner's
     * REVOKE (reclaim). */
    {.fid = GATE_FID(0x20),
     .name = "mem_offer",
     .type = CAP_T_MEMORY,
     .rights = CAP_R_GRANT,
     .tier = PROOF_TIER_P1,
     .witness_kind = WK_COMM_LEND,
     .handler = share_hc_offer},
    {.fid = GATE_FID(0x21),
     .name = "mem_retrieve",
     .type = CAP_T_MEMORY,
     .rights = CAP_R_READ,
     .tier = PROOF_TIER_P1,
     .witness_kind = WK_COMM_LEND,
     .handler = share_hc_retrieve},
    {.fid = GATE_FID(0x22),
     .name = "mem_relinquish",
     .type = CAP_T_MEMORY,
     .rights = CAP_R_READ,
     .tier = PROOF_TIER_P1,
     .witness_kind = WK_COMM_LEND,
     .handler = share_hc_relinquish},
    {.fid = GATE_FID(0x23),
     .name = "mem_reclaim",
     .type = CAP_T_MEMORY,
     .rights = CAP_R_REVOKE,
     .tier = PROOF_TIER_P1,
     .witness_kind = WK_COMM_LEND,
     .handler = share_hc_reclaim},
    GATE_CAP_ENTRIES,
#ifdef RVM_HAVE_WASM
    /* WebAssembly agents' host functions (kernel/agents.c): only agents reach them. */
    {.fid = GATE_FID(0x200),
     .name = "agent_log",
     .type = CAP_T_NONE,
     .rights = GATE_RIGHTS_NONE,
     .witness_kind = WK_WASM_HOSTCALL, /* refusals only */
     .flags = GATE_F_UNPRIVILEGED | GATE_F_ANY_TYPE | GATE_F_SELF_WITNESS | GATE_F_AGENT,
     .handler = agent_hc_log},
    {.fid = GATE_FID(0x201),
     .name = "agent_send",
     .type = CAP_T_COMM_EDGE,
     .rights = CAP_R_WRITE,
     .tier = PROOF_TIER_P1,
     .witness_kind = WK_COMM_SEND,
     .flags = GATE_F_AGENT,
     .handler = agent_hc_send},
    {.fid = GATE_FID(0x202),
     .name = "agent_recv",
     .type = CAP_T_COMM_EDGE,
     .rights = CAP_R_READ,
     .tier = PROOF_TIER_P1,
     .witness_kind = WK_WASM_HOSTCALL, /* refusals only: taking a message changes only its ring */
     .flags = GATE_F_SELF_WITNESS | GATE_F_AGENT,
     .handler = agent_hc_recv},
    {.fid = GATE_FID(0x203),
     .name = "agent_witness",
     .type = CAP_T_WITNESS_LOG,
     .rights = CAP_R_WRITE,
     .tier = PROOF_TIER_P1,
     .witness_kind = WK_WASM_EMIT,
     .flags = GATE_F_AGENT,
     .handler = agent_hc_witness},
    {.fid = GATE_FID(0x204),
     .name = "agent_spawn",
     .type = CAP_T_PARTITION,
     .rights = CAP_R_EXECUTE,
     .tier = PROOF_TIER_P1,
     .witness_kind = WK_WASM_AGENT, /* the new agent's lifecycle records */
     .flags = GATE_F_SELF_WITNESS | GATE_F_AGENT,
     .handler = agent_hc_spawn},
    {.fid = GATE_FID(0x205),
     .name = "agent_put",
     .type = CAP_T_COMM_EDGE,
     .rights = CAP_R_WRITE,
     .tier = PROOF_TIER_P1,
     .witness_kind = WK_WASM_HOSTCALL, /* refusals only: the doorbell after a burst is witnessed */
     .flags = GATE_F_SELF_WITNESS | GATE_F_AGENT,
     .handler = agent_hc_put},
#endif
};

static uint64_t hvc_clock(void)
{
        return hal_time_ns();
}

const struct gate_entry *hvc_entries(size_t *count)
{
        *count = sizeof(hvc_table) / sizeof(hvc_table[0]);
        return hvc_table;
}

enum gate_check hvc_init(size_t *bad_index)
{
        enum gate_check c =
            gate_table_check(hvc_table, sizeof(hvc_table) / sizeof(hvc_table[0]), bad_index);
        if (c != GATE_CHECK_OK) {
                return c;
        }
        return gate_init(hvc_table, sizeof(hvc_table) / sizeof(hvc_table[0]), hvc_clock,
                         HVC_MAX_AGE_NS);
}
