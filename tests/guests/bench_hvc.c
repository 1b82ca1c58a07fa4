/*
 * tests/guests/bench_hvc.c: the guest side of `make bench` under QEMU -icount
 * shift=0,sleep=off, where every instruction advances virtual time by 1 ns: the virtual
 * counter then counts instructions (62.5 MHz: 16 per tick). It measures a null hypercall
 * round trip, and a yield that switches to the other bench partition and back.
 */
#include "tests/guests/glib.h"

#define ROUNDS 2000

static inline uint64_t cntvct(void)
{
        return rvm_read_cntvct();
}

static uint64_t insns(uint64_t ticks)
{
        return ticks * 16 / ROUNDS; /* 1 ns per instruction, 16 ns per 62.5 MHz tick */
}

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        uint64_t self = rvm_call(RVM_HC_SELF, 0, 0, 0).x1;

        if (self != 1) {
                for (;;) {
                        rvm_yield(); /* the partner: hands the CPU straight back */
                }
        }
        uint64_t t0 = cntvct();
        for (volatile unsigned i = 0; i < ROUNDS; i++) {
        }
        uint64_t loop = cntvct() - t0;
        t0 = cntvct();
        for (volatile unsigned i = 0; i < ROUNDS; i++) {
                rvm_call(RVM_HC_NULL, 0, 0, 0);
        }
        uint64_t null = cntvct() - t0 - loop;
        t0 = cntvct();
        for (volatile unsigned i = 0; i < ROUNDS; i++) {
                rvm_yield();
        }
        uint64_t pingpong = cntvct() - t0 - loop;
        gprintf("BENCH hvc_null_roundtrip %llu instructions\n", insns(null), 0);
        /* Each round: yield here, switch to the partner, its yield, switch back. */
        gprintf("BENCH vcpu_switch %llu instructions\n", insns(pingpong) / 2, 0);
        rvm_smc(PSCI_SYSTEM_OFF, 0, 0, 0);
        gspin();
}
