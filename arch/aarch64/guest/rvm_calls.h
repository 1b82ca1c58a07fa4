/*
 * arch/aarch64/guest/rvm_calls.h: every call a partition or an agent can make of RVM, once.
 *
 * The kernel's gate table (kernel/hvc.c), the guests' function ids (rvm_guest.h), the agents'
 * host calls (wasm/) and the table in docs/ABI.md are all made from these lists, so a call
 * cannot exist in one and not in another (`make check` compares docs/ABI.md with them).
 *
 * One row a call:
 *   X(number, ID, name, object type, rights, proof tier, range registers (offset, length),
 *     witness kind, flags, kernel handler)
 * The function id of number n is 0xC6000000 | n (SMCCC: fast call, SMC64, owner 6 = vendor
 * hypervisor service). Type, rights, tier, witness kind, flags and handler are the kernel's
 * names (cap/cap.h, proof/proof.h, witness/witness.h, kernel/gate.h); a guest that includes
 * this file never expands them. RVM_UNPRIV is a call that needs no capability: it touches
 * only the caller, and witnesses what it changes itself. The witness kind is what the call's
 * records are, written on success or refusal; WK_NONE: a call that never refuses and changes
 * nothing outside the caller's own state (TICKET: the caller's next nonce), so it writes no
 * record and declares none.
 */
#ifndef RVM_CALLS_H
#define RVM_CALLS_H

#define RVM_FID(n) (0xC6000000u | (n))

/* clang-format off */
/* Calls of guest partitions (agents reach TIME, CAP_LIST and EDGE_NOTIFY too). */
#define RVM_GUEST_CALLS(X) RVM_KERNEL_CALLS(X) RVM_CAP_CALLS(X)

/* The kernel's own: console, time, CommEdges, memory regions. */
#define RVM_KERNEL_CALLS(X)                                                                        \
    X(0x000, NULL, "null", CAP_T_NONE, GATE_RIGHTS_NONE, PROOF_TIER_NONE, 0, 0, WK_NONE,           \
      RVM_UNPRIV | GATE_F_LOCAL, guest_hc_null)                                                    \
    X(0x001, CONSOLE_WRITE, "console_write", CAP_T_NONE, GATE_RIGHTS_NONE, PROOF_TIER_NONE, 0,     \
      0, WK_PROOF_ALLOW, RVM_UNPRIV, guest_hc_console_write)                                       \
    X(0x002, YIELD, "yield", CAP_T_NONE, GATE_RIGHTS_NONE, PROOF_TIER_NONE, 0, 0, WK_NONE,         \
      RVM_UNPRIV | GATE_F_LOCAL, guest_hc_yield)                                                   \
    X(0x003, EXIT, "exit", CAP_T_NONE, GATE_RIGHTS_NONE, PROOF_TIER_NONE, 0, 0, WK_PART_STATE,     \
      RVM_UNPRIV, guest_hc_exit)                                                                   \
    X(0x004, CAP_LIST, "cap_list", CAP_T_NONE, GATE_RIGHTS_NONE, PROOF_TIER_NONE, 0, 0, WK_NONE,   \
      RVM_UNPRIV, guest_hc_cap_list)                                                               \
    X(0x005, TIME, "time", CAP_T_NONE, GATE_RIGHTS_NONE, PROOF_TIER_NONE, 0, 0, WK_NONE,           \
      RVM_UNPRIV | GATE_F_LOCAL, guest_hc_time)                                                    \
    X(0x006, SELF, "self", CAP_T_NONE, GATE_RIGHTS_NONE, PROOF_TIER_NONE, 0, 0, WK_NONE,           \
      RVM_UNPRIV | GATE_F_LOCAL, guest_hc_self)                                                    \
    X(0x007, TICKET, "ticket", CAP_T_NONE, GATE_RIGHTS_NONE, PROOF_TIER_NONE, 0, 0, WK_NONE,       \
      RVM_UNPRIV, guest_hc_ticket)                                                                 \
    X(0x010, EDGE_NOTIFY, "edge_notify", CAP_T_COMM_EDGE, CAP_R_WRITE, PROOF_TIER_P1, 0, 0,        \
      WK_COMM_SEND, GATE_F_SELF_WITNESS, ipc_hc_notify)                                            \
    X(0x011, EDGE_WAIT, "edge_wait", CAP_T_COMM_EDGE, CAP_R_READ, PROOF_TIER_P1, 0, 0,             \
      WK_COMM_SEND, GATE_F_SELF_WITNESS, ipc_hc_wait)                                              \
    X(0x012, EDGE_NOTIFY_WAIT, "edge_notify_wait", CAP_T_COMM_EDGE, CAP_R_WRITE | CAP_R_READ,      \
      PROOF_TIER_P1, 0, 0, WK_COMM_SEND, GATE_F_SELF_WITNESS, ipc_hc_notify_wait)                  \
    X(0x020, MEM_OFFER, "mem_offer", CAP_T_MEMORY, CAP_R_GRANT, PROOF_TIER_P1, 0, 0,               \
      WK_COMM_LEND, GATE_F_ACTION, share_hc_offer)                                                 \
    X(0x021, MEM_RETRIEVE, "mem_retrieve", CAP_T_MEMORY, CAP_R_READ, PROOF_TIER_P1, 0, 0,          \
      WK_COMM_LEND, GATE_F_ACTION, share_hc_retrieve)                                              \
    X(0x022, MEM_RELINQUISH, "mem_relinquish", CAP_T_MEMORY, CAP_R_READ, PROOF_TIER_P1, 0, 0,      \
      WK_COMM_LEND, GATE_F_ACTION, share_hc_relinquish)                                            \
    X(0x023, MEM_RECLAIM, "mem_reclaim", CAP_T_MEMORY, CAP_R_REVOKE, PROOF_TIER_P1, 0, 0,          \
      WK_COMM_LEND, GATE_F_ACTION, share_hc_reclaim)

/* Capabilities (cap/): derive, grant, revoke, inspect, drop. */
#define RVM_CAP_CALLS(X)                                                                           \
    X(0x100, CAP_DERIVE, "cap_derive", CAP_T_NONE, CAP_R_GRANT | CAP_R_GRANT_ONCE,                 \
      PROOF_TIER_P2, 3, 4, WK_CAP_DERIVE,                                                          \
      GATE_F_RIGHTS_ANY | GATE_F_ANY_TYPE | GATE_F_SELF_WITNESS | GATE_F_ACTION,                   \
      gate_hvc_cap_derive)                                                                         \
    X(0x101, CAP_GRANT, "cap_grant", CAP_T_NONE, CAP_R_GRANT | CAP_R_GRANT_ONCE,                   \
      PROOF_TIER_P3, 3, 4, WK_CAP_GRANT,                                                           \
      GATE_F_RIGHTS_ANY | GATE_F_ANY_TYPE | GATE_F_SELF_WITNESS | GATE_F_ACTION,                   \
      gate_hvc_cap_grant)                                                                          \
    X(0x102, CAP_REVOKE, "cap_revoke", CAP_T_NONE, CAP_R_REVOKE, PROOF_TIER_P2, 0, 0,              \
      WK_CAP_REVOKE, GATE_F_ANY_TYPE | GATE_F_SELF_WITNESS | GATE_F_ACTION, gate_hvc_cap_revoke)   \
    X(0x103, CAP_INSPECT, "cap_inspect", CAP_T_NONE, GATE_RIGHTS_NONE, PROOF_TIER_P1, 0, 0,        \
      WK_CAP_INSPECT,                                                                              \
      GATE_F_ANY_TYPE | GATE_F_STALE_EPOCH_OK | GATE_F_SELF_WITNESS | GATE_F_ACTION,               \
      gate_hvc_cap_inspect)                                                                        \
    X(0x104, CAP_DROP, "cap_drop", CAP_T_NONE, GATE_RIGHTS_NONE, PROOF_TIER_P1, 0, 0,              \
      WK_CAP_DROP,                                                                                 \
      GATE_F_ANY_TYPE | GATE_F_STALE_EPOCH_OK | GATE_F_SELF_WITNESS | GATE_F_ACTION,               \
      gate_hvc_cap_drop)

/* Host calls of WebAssembly agents (GATE_F_AGENT: a guest gets NOT_SUPPORTED). The imports
 * of module "rvm" (docs/WASM.md) make these calls with the agent as the caller. */
#define RVM_AGENT_CALLS(X)                                                                         \
    X(0x200, AGENT_LOG, "agent_log", CAP_T_NONE, GATE_RIGHTS_NONE, PROOF_TIER_NONE, 0, 0,          \
      WK_WASM_HOSTCALL, RVM_UNPRIV | GATE_F_AGENT, agent_hc_log)                                   \
    X(0x201, AGENT_SEND, "agent_send", CAP_T_COMM_EDGE, CAP_R_WRITE, PROOF_TIER_P1, 0, 0,          \
      WK_COMM_SEND, GATE_F_SELF_WITNESS | GATE_F_AGENT, agent_hc_send)                             \
    X(0x202, AGENT_RECV, "agent_recv", CAP_T_COMM_EDGE, CAP_R_READ, PROOF_TIER_P1, 0, 0,           \
      WK_WASM_HOSTCALL, GATE_F_SELF_WITNESS | GATE_F_AGENT, agent_hc_recv)                         \
    X(0x203, AGENT_WITNESS, "agent_witness", CAP_T_WITNESS_LOG, CAP_R_WRITE, PROOF_TIER_P1, 0,     \
      0, WK_WASM_EMIT, GATE_F_AGENT | GATE_F_ACTION, agent_hc_witness)                             \
    X(0x204, AGENT_SPAWN, "agent_spawn", CAP_T_PARTITION, CAP_R_EXECUTE, PROOF_TIER_P1, 0, 0,      \
      WK_WASM_AGENT, GATE_F_SELF_WITNESS | GATE_F_AGENT | GATE_F_ACTION, agent_hc_spawn)           \
    X(0x205, AGENT_PUT, "agent_put", CAP_T_COMM_EDGE, CAP_R_WRITE, PROOF_TIER_P1, 0, 0,            \
      WK_WASM_HOSTCALL, GATE_F_SELF_WITNESS | GATE_F_AGENT, agent_hc_put)

/* PSCI (Arm DEN 0022) for partitions, by HVC or SMC: through the same gate, acting on the
 * calling partition only. Function ids are PSCI's own (X's number is the whole id). */
#define RVM_PSCI_CALLS(X)                                                                          \
    X(0x84000000, PSCI_VERSION, "psci_version", CAP_T_NONE, GATE_RIGHTS_NONE, PROOF_TIER_NONE,     \
      0, 0, WK_PART_VCPU, RVM_UNPRIV, guest_hc_psci)                                               \
    X(0x84000002, PSCI_CPU_OFF, "psci_cpu_off", CAP_T_NONE, GATE_RIGHTS_NONE, PROOF_TIER_NONE,     \
      0, 0, WK_PART_VCPU, RVM_UNPRIV, guest_hc_psci)                                               \
    X(0x84000003, PSCI_CPU_ON_32, "psci_cpu_on32", CAP_T_NONE, GATE_RIGHTS_NONE,                   \
      PROOF_TIER_NONE, 0, 0, WK_PART_VCPU, RVM_UNPRIV | GATE_F_ACTION, guest_hc_psci)              \
    X(0x84000004, PSCI_AFFINITY_INFO_32, "psci_affinity_info32", CAP_T_NONE, GATE_RIGHTS_NONE,     \
      PROOF_TIER_NONE, 0, 0, WK_PART_VCPU, RVM_UNPRIV, guest_hc_psci)                              \
    X(0x84000008, PSCI_SYSTEM_OFF, "psci_system_off", CAP_T_NONE, GATE_RIGHTS_NONE,                \
      PROOF_TIER_NONE, 0, 0, WK_PART_STATE, RVM_UNPRIV, guest_hc_psci)                             \
    X(0x84000009, PSCI_SYSTEM_RESET, "psci_system_reset", CAP_T_NONE, GATE_RIGHTS_NONE,            \
      PROOF_TIER_NONE, 0, 0, WK_REC_RESTART, RVM_UNPRIV | GATE_F_ACTION, guest_hc_psci)            \
    X(0x8400000A, PSCI_FEATURES, "psci_features", CAP_T_NONE, GATE_RIGHTS_NONE, PROOF_TIER_NONE,   \
      0, 0, WK_PART_VCPU, RVM_UNPRIV, guest_hc_psci)                                               \
    X(0xC4000003, PSCI_CPU_ON_64, "psci_cpu_on64", CAP_T_NONE, GATE_RIGHTS_NONE,                   \
      PROOF_TIER_NONE, 0, 0, WK_PART_VCPU, RVM_UNPRIV | GATE_F_ACTION, guest_hc_psci)              \
    X(0xC4000004, PSCI_AFFINITY_INFO_64, "psci_affinity_info64", CAP_T_NONE, GATE_RIGHTS_NONE,     \
      PROOF_TIER_NONE, 0, 0, WK_PART_VCPU, RVM_UNPRIV, guest_hc_psci)
/* clang-format on */

/* The function ids: RVM_HC_<ID> for RVM's calls, <ID> for PSCI's. */
#define RVM_CALL_ID_(n, id, ...) RVM_HC_##id = RVM_FID(n),
#define RVM_PSCI_ID_(n, id, ...) id = (n),
enum rvm_call_id { RVM_GUEST_CALLS(RVM_CALL_ID_) RVM_AGENT_CALLS(RVM_CALL_ID_) };
enum rvm_psci_id { RVM_PSCI_CALLS(RVM_PSCI_ID_) };
#undef RVM_CALL_ID_
#undef RVM_PSCI_ID_

#endif
