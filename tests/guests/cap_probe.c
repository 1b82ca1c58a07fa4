/*
 * tests/guests/cap_probe.c: a partition that attacks the capability system from EL1:
 * the other partition's handles, random (forged) handles, a handle after it was dropped
 * (stale), a replayed nonce, a nonce RVM never issued and a ticket past its window, and
 * derivations and grants that ask for more than the parent holds. Every attempt must be refused; it
 * reports the count, and tests/run checks that each refusal left a witness record. Two of these
 * run, each probing the other.
 */
#include "tests/guests/glib.h"

#define E_FORGED   (-4)
#define E_FOREIGN  (-5)
#define E_STALE    (-6)
#define E_RIGHTS   (-9)
#define E_ESCALATE (-10)
#define E_POLICY   (-16)

#define R_READ  1u
#define R_WRITE 2u
#define R_GRANT 4u

static unsigned attempts, refused, wrong;

static void expect_refused(const char *what, int64_t status, int64_t want)
{
        attempts++;
        if (status < 0) {
                refused++;
        }
        if (want != 0 && status != want) {
                wrong++;
                gprintf("cap_probe: %llu: unexpected status %lld\n", attempts,
                        (unsigned long long)status);
                (void)what;
        }
}

static struct rvm_ret derive(uint64_t parent, uint32_t rights)
{
        /* x1 parent, x2 rights, x3/x4 window (0 = whole), x5 expiry, x6 ticket, x7 unused */
        return rvm_call8(RVM_HC_CAP_DERIVE, parent, rights, 0, 0, 0, rvm_ticket(), 0);
}

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        uint64_t self = rvm_call(RVM_HC_SELF, 0, 0, 0).x1;
        uint64_t other = self == 1 ? 2 : 1;
        uint64_t mem = 0;

        for (uint64_t cursor = 0;;) {
                struct rvm_ret r = rvm_call(RVM_HC_CAP_LIST, cursor, 0, 0);
                if (r.x1 == 0) {
                        break;
                }
                if ((r.x3 & 0xff) == 2) { /* memory */
                        mem = r.x1;
                }
                cursor = r.x2;
        }
        gprintf("cap_probe: partition %llu probing partition %llu\n", self, other);

        /* 1. The other partition's handles: table id = partition + 1, slots 0..3, gen 1. */
        for (uint64_t slot = 0; slot < 4; slot++) {
                uint64_t h = (other + 1) << 48 | slot << 32 | 1;
                expect_refused("foreign", rvm_call(RVM_HC_CAP_INSPECT, h, 0, 0).status, E_FOREIGN);
        }
        /* 2. Random handles. */
        uint64_t seed = 0xca9ULL + self;
        for (unsigned i = 0; i < 100; i++) {
                expect_refused("forged", rvm_call(RVM_HC_CAP_INSPECT, grand(&seed), 0, 0).status,
                               0);
        }
        /* 3. A handle that was dropped. */
        struct rvm_ret child = derive(mem, R_READ);
        if (child.status != 0) {
                gprintf("cap_probe: legitimate derive failed: %lld\n",
                        (unsigned long long)child.status, 0);
                wrong++;
        }
        rvm_call(RVM_HC_CAP_DROP, child.x1, 0, 0);
        expect_refused("stale", rvm_call(RVM_HC_CAP_INSPECT, child.x1, 0, 0).status, E_STALE);
        /* 4. A replayed nonce (the same request twice). */
        uint64_t t = rvm_ticket();
        struct rvm_ret a = rvm_call8(RVM_HC_CAP_DERIVE, mem, R_READ, 0, 0, 0, t, 0);
        struct rvm_ret b = rvm_call8(RVM_HC_CAP_DERIVE, mem, R_READ, 0, 0, 0, t, 0);
        if (a.status != 0) {
                wrong++;
        }
        expect_refused("replay", b.status, E_POLICY);
        /* 4b. A nonce RVM never issued (ahead of its tickets), and a ticket past the
         * window (one second): the window rule (0x20) refuses both, whatever x7 claims. */
        struct rvm_ret c =
            rvm_call8(RVM_HC_CAP_DERIVE, mem, R_READ, 0, 0, 0, rvm_ticket() + 5, rvm_time_ns());
        expect_refused("unissued", c.status, E_POLICY);
        wrong += c.x1 != 0x20;
        uint64_t old = rvm_ticket(), until = rvm_time_ns() + 1100000000ULL;
        while (rvm_time_ns() < until) {
                rvm_yield();
        }
        c = rvm_call8(RVM_HC_CAP_DERIVE, mem, R_READ, 0, 0, 0, old, rvm_time_ns());
        expect_refused("expired", c.status, E_POLICY);
        wrong += c.x1 != 0x20;
        /* 5. Over-attenuated: derive from a READ|GRANT child more than it holds. */
        struct rvm_ret rg = derive(mem, R_READ | R_GRANT);
        expect_refused("escalate", derive(rg.x1, R_READ | R_WRITE).status, E_ESCALATE);
        /* 6. A grant to the other partition with more rights than held (P3). */
        expect_refused(
            "grant-escalate",
            rvm_call8(RVM_HC_CAP_GRANT, rg.x1, other | (uint64_t)(R_READ | R_WRITE) << 32, 0, 0, 0,
                      rvm_ticket(), 0)
                .status,
            E_ESCALATE);

        gprintf("cap_probe: %llu attempts, %llu refused\n", attempts, refused);
        gprintf("cap_probe: %llu unexpected results\n", wrong, 0);
        gspin();
}
