/*
 * tests/guests/bench_hvc.c: the guest side of `make bench` under QEMU -icount
 * shift=0,sleep=off, where every instruction advances virtual time by 1 ns: the virtual
 * counter then counts instructions (62.5 MHz: 16 per tick). It measures a null hypercall
 * round trip (with the SMCCC argument set-up of rvm_call: x0-x7), and a yield that
 * switches to the other bench partition and back.
 */
#include "tests/guests/glib.h"

#define BATCHES 16
#define ROUNDS  250 /* per batch */

static inline uint64_t cntvct(void)
{
        return rvm_read_cntvct();
}

static void null_call(void)
{
        rvm_call(RVM_HC_NULL, 0, 0, 0);
}

static void nothing(void) {}

/*
 * Virtual-counter ticks for ROUNDS calls of fn, the least of BATCHES batches: a batch an
 * interrupt (the scheduler tick, console input) happened to land in does not count.
 */
static uint64_t least_ticks(void (*fn)(void))
{
        uint64_t best = ~0ULL;

        for (unsigned b = 0; b < BATCHES; b++) {
                uint64_t t0 = cntvct();
                for (volatile unsigned i = 0; i < ROUNDS; i++) {
                        fn();
                }
                uint64_t t = cntvct() - t0;
                best = t < best ? t : best;
        }
        return best;
}

/* 1 ns per instruction, 16 ns per 62.5 MHz tick; the empty loop subtracted. */
static uint64_t insns(uint64_t ticks, uint64_t loop)
{
        return (ticks - loop) * 16 / ROUNDS;
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
        uint64_t loop = least_ticks(nothing);
        uint64_t null = least_ticks(null_call);
        uint64_t pingpong = least_ticks(rvm_yield);
        gprintf("BENCH hvc_null_roundtrip %llu instructions\n", insns(null, loop), 0);
        /* Each round: yield here, switch to the partner, its yield, switch back. */
        gprintf("BENCH vcpu_switch %llu instructions\n", insns(pingpong, loop) / 2, 0);
        rvm_smc(PSCI_SYSTEM_OFF, 0, 0, 0);
        gspin();
}
