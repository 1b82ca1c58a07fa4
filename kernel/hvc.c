/*
 * kernel/hvc.c: the hypercall table (SMCCC vendor-hypervisor range, docs/ABI.md) and its
 * installation in the security gate. Every privileged call is an entry here, and each row is
 * checked as it is compiled: one that does not declare its rights, proof tier and witness
 * kind as the gate's rules require (GATE_RULE_*, kernel/gate.h), or that shares a function
 * id, does not build, so no privileged path can bypass P1/P2/P3 and the witness.
 */
#include "kernel/hvc.h"

#include "hal/timer.h"
#include "kernel/agents.h"
#include "kernel/gate.h"
#include "kernel/ipc.h"

/* P2's request window: a call's time stamp (x7) may be at most this old, in clock ticks. */
#define HVC_MAX_AGE_NS 1000000000ULL

int32_t guest_hc_null(struct gate_ctx *ctx);
int32_t guest_hc_console_write(struct gate_ctx *ctx);
int32_t guest_hc_yield(struct gate_ctx *ctx);
int32_t guest_hc_exit(struct gate_ctx *ctx);
int32_t guest_hc_cap_list(struct gate_ctx *ctx);
int32_t guest_hc_time(struct gate_ctx *ctx);
int32_t guest_hc_self(struct gate_ctx *ctx);
int32_t guest_hc_ticket(struct gate_ctx *ctx);
int32_t guest_hc_psci(struct gate_ctx *ctx);

/* The table: every row of arch/aarch64/guest/rvm_calls.h, nothing else. */
static const struct gate_entry hvc_table[] = {RVM_GUEST_CALLS(GATE_ENTRY)
#ifdef RVM_HAVE_WASM
                                                  RVM_AGENT_CALLS(GATE_ENTRY)
#endif
                                                      RVM_PSCI_CALLS(GATE_PSCI_ENTRY)};

/* Each row keeps the gate's rules (gate_table_check's, but at compile time). */
#define HVC_ROW_OK_(f_, nm, ty, rt, tr, ro, rl, wk, fl, fn)                               \
        _Static_assert(GATE_RULE_FID(f_) && sizeof(nm) > 1 && GATE_RULE_RIGHTS(rt, fl) && \
                           GATE_RULE_TIER(tr, fl) && GATE_RULE_WITNESS(wk, fl) &&         \
                           GATE_RULE_TYPE(ty, fl) && GATE_RULE_RANGE(ro, rl, tr) &&       \
                           GATE_ROW_FITS_(f_, rt, wk),                                    \
                       "hypercall " nm ": not declared as the gate requires (GATE_RULE_*)");
#define HVC_ROW_OK(n, id, ...)      HVC_ROW_OK_(RVM_FID(n), __VA_ARGS__)
#define HVC_PSCI_ROW_OK(n, id, ...) HVC_ROW_OK_(n, __VA_ARGS__)
RVM_GUEST_CALLS(HVC_ROW_OK)
#ifdef RVM_HAVE_WASM
RVM_AGENT_CALLS(HVC_ROW_OK)
#endif
RVM_PSCI_CALLS(HVC_PSCI_ROW_OK)

/* No two rows share a function id: a repeated case label does not compile. Never called. */
#define HVC_CASE(n, id, ...)      case RVM_FID(n):
#define HVC_PSCI_CASE(n, id, ...) case n:
static inline __attribute__((unused)) void hvc_fids_distinct(uint32_t fid)
{
        switch (fid) {
                RVM_GUEST_CALLS(HVC_CASE)
                RVM_AGENT_CALLS(HVC_CASE)
                RVM_PSCI_CALLS(HVC_PSCI_CASE)
                break;
        default:
                break;
        }
}

static uint64_t hvc_clock(void)
{
        return hal_time_ns();
}

const struct gate_entry *hvc_entries(size_t *count)
{
        *count = sizeof(hvc_table) / sizeof(hvc_table[0]);
        return hvc_table;
}

/* 128 (caller, kind) pairs an epoch: 24 principals by the few denial kinds, with room. */
#ifndef HVC_BUDGET_SLOTS
#define HVC_BUDGET_SLOTS 128 /* configs/<profile>/limits.h */
#endif
_Static_assert(HVC_BUDGET_SLOTS >= 16 && (HVC_BUDGET_SLOTS & (HVC_BUDGET_SLOTS - 1)) == 0,
               "witness_budget_init takes a power of two >= 16");
static struct witness_budget_slot budget_slots[HVC_BUDGET_SLOTS];
static struct witness_budget budget;

/*
 * Each principal's actions recorded an epoch (a second, kernel/run_sched.c): 1,024 by default,
 * far above what a partition or agent does in its work (a few capability, memory-region or
 * PSCI calls a second), and low enough that one looping on an action takes a quarter of an
 * hour, not seconds, to turn a full store of a million records over (docs/WITNESS.md).
 * Principals are those with a capability table (a privileged call needs one; PSCI's callers
 * are partitions).
 */
/* No principal can take the capability space another is owed: the arena holds every table
 * full, and at most half of a table is others' grants (CAP_GRANTED_MAX, cap/cap.h). */
_Static_assert(CAP_ARENA_SIZE >= CAP_MAX_TABLES * CAP_TABLE_SLOTS,
               "the capability arena must hold every table full");

#ifndef HVC_ACTIONS_PER_EPOCH
#define HVC_ACTIONS_PER_EPOCH 1024 /* configs/<profile>/limits.h */
#endif
static struct witness_quota_slot quota_slots[CAP_MAX_TABLES];
static struct witness_quota quota;

void hvc_init(void)
{
        if (witness_budget_init(&budget, budget_slots, HVC_BUDGET_SLOTS) == WITNESS_OK) {
                gate_set_budget(&budget); /* under run_lock, as the gate is */
        }
        if (witness_quota_init(&quota, quota_slots, CAP_MAX_TABLES, HVC_ACTIONS_PER_EPOCH) ==
            WITNESS_OK) {
                gate_set_quota(&quota);
        }
        gate_install(hvc_table, sizeof(hvc_table) / sizeof(hvc_table[0]), hvc_clock,
                     HVC_MAX_AGE_NS);
}

/* A byte, out of line: the statuses fit one, so the switch compiles to a table of bytes
 * (inlined into its int32_t caller, clang made it a table of 32-bit words). */
__attribute__((noinline)) static int8_t status_from_part(enum part_err e)
{
        switch (e) {
        case PART_OK:
                return GATE_OK;
        case PART_E_FULL:
        case PART_E_NOMEM:
        case PART_E_NO_SPACE:
                return GATE_E_NO_SPACE;
        case PART_E_BAD_CONFIG:
        case PART_E_INVALID:
                return GATE_E_INVALID;
        case PART_E_STATE:
        case PART_E_BUSY:
                return GATE_E_BUSY;
        case PART_E_NOT_FOUND:
        case PART_E_STALE:
                return GATE_E_STALE;
        case PART_E_RANGE:
                return GATE_E_RANGE;
        case PART_E_FOREIGN:
                return GATE_E_FOREIGN;
        case PART_E_TYPE:
                return GATE_E_TYPE;
        case PART_E_NOT_OWNER:
                return GATE_E_NOT_OWNER;
        case PART_E_NOT_HELD:
                return GATE_E_NOT_HELD;
        case PART_E_NO_PARTITION:
                return GATE_E_NO_PARTITION;
        }
        return GATE_E_INTERNAL;
}

int32_t gate_status_from_part(enum part_err e)
{
        return status_from_part(e);
}
