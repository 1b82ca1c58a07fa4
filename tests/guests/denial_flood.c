/*
 * tests/guests/denial_flood.c: two million refused hypercalls, alternating an unknown RVM
 * function number and a capability call with a forged handle, then 200,000 SMCs that are
 * not PSCI (SiP and OEM service calls, which no partition may send to firmware), then 16
 * privileged actions
 * (derive a read-only capability from its memory capability, and drop it). tests/run checks
 * that the witness log accounts for every refusal (each recorded in full, or counted in a
 * per-epoch WK_WIT_FOLDED record), that the 16 derivations were persisted, and that the
 * chain verifies: the flood costs the log no privileged action.
 */
#include "tests/guests/glib.h"

#define FLOOD   2000000u
#define SMCS    200000u
#define ACTIONS 16u

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        uint64_t mem = rvm_mem_cap();
        uint64_t seed = 0xf100dULL, refused = 0, derived = 0;

        for (uint32_t i = 0; i < FLOOD; i++) {
                int64_t st = (i & 1) == 0
                                 ? rvm_call(RVM_FID(0x7F0 + (i >> 1) % 8), i, 0, 0).status
                                 : rvm_call(RVM_HC_CAP_INSPECT, grand(&seed) | 1, 0, 0).status;
                refused += st < 0;
        }
        for (uint32_t i = 0; i < SMCS; i++) {
                uint64_t fid = ((i & 1) == 0 ? 0x82000000u : 0xC3000000u) + (i >> 1) % 32;
                refused += rvm_smc(fid, i, 0, 0) < 0;
        }
        for (uint64_t n = 0; n < ACTIONS; n++) {
                /* x1 parent, x2 rights (read), x3/x4 window (0 = whole), x5 expiry, x6 ticket,
                 * x7 unused */
                struct rvm_ret r = rvm_call8(RVM_HC_CAP_DERIVE, mem, 1, 0, 0, 0, rvm_ticket(), 0);
                if (r.status >= 0) {
                        derived++;
                        rvm_call(RVM_HC_CAP_DROP, r.x1, 0, 0);
                }
        }
        gprintf("denial_flood: %llu of 2200000 refused, %llu of 16 derived\n", refused, derived);
        rvm_exit(0);
}
