/*
 * tests/guests/smp_guest.c: a partition with three vCPUs. vCPU 0 starts the others with
 * PSCI CPU_ON (each at its own entry, with a context argument, on its own stack), checks the
 * errors a real PSCI gives (ALREADY_ON, an MPIDR it does not have, an entry outside its
 * RAM), then all three count in shared memory at once. Each secondary reports its MPIDR and
 * the context it was given, counts to its target and turns itself off with CPU_OFF;
 * AFFINITY_INFO then says OFF for it, and it can be started again.
 */
#include "tests/guests/glib.h"

#define PSCI_CPU_ON_64    0xC4000003u
#define PSCI_AFFINITY_64  0xC4000004u
#define PSCI_E_INVALID    (-2)
#define PSCI_E_ALREADY_ON (-4)
#define PSCI_E_BAD_ADDR   (-9)
#define TARGET            2000000u

#include <stdbool.h>

static volatile uint64_t mpidr_seen[3], ctx_seen[3], counted[3], done[3], runs[3];
static volatile uint32_t sgi_seen[3], other_irqs;

#define SGI_GO 3u

RVM_GUEST_IRQ_VECTORS(on_irq);

void on_irq(void)
{
        uint32_t intid = rvm_irq_ack();
        unsigned me = (unsigned)(rvm_read_mpidr() & 0xff);

        if (intid == RVM_IRQ_SPURIOUS) {
                return;
        }
        if (intid == SGI_GO && me < 3) {
                sgi_seen[me]++;
        } else {
                other_irqs++;
        }
        rvm_irq_eoi(intid);
}

static void count(unsigned me)
{
        for (uint64_t i = 0; i < TARGET; i++) {
                counted[me]++;
        }
}

__attribute__((noreturn)) void secondary(uint64_t ctx);
__attribute__((noreturn)) void secondary(uint64_t ctx)
{
        unsigned me = (unsigned)(rvm_read_mpidr() & 0xff);

        if (me < 3) {
                mpidr_seen[me] = rvm_read_mpidr();
                ctx_seen[me] = ctx;
                uint32_t seen = sgi_seen[me];
                runs[me]++;
                rvm_gic_init();
                rvm_irqs_on();
                while (sgi_seen[me] == seen) {
                        rvm_yield(); /* vCPU 0 checks the PSCI errors, then sends SGI_GO */
                }
                count(me);
                __atomic_store_n(&done[me], 1, __ATOMIC_RELEASE);
        }
        rvm_smc(PSCI_CPU_OFF, 0, 0, 0); /* does not return */
        gspin();
}

static void wait_done(unsigned who)
{
        while (!__atomic_load_n(&done[who], __ATOMIC_ACQUIRE)) {
                rvm_yield();
        }
}

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        uint64_t entry = (uint64_t)(uintptr_t)secondary;
        int64_t outside = rvm_smc(PSCI_CPU_ON_64, 2, 0x1000, 0);
        int64_t on1 = rvm_smc(PSCI_CPU_ON_64, 1, entry, 0x1111);
        int64_t on2 = rvm_smc(PSCI_CPU_ON_64, 2, entry, 0x2222);
        int64_t again = rvm_smc(PSCI_CPU_ON_64, 1, entry, 0);
        int64_t missing = rvm_smc(PSCI_CPU_ON_64, 3, entry, 0);
        gprintf("smp: CPU_ON vCPU 1 -> %lld, vCPU 2 -> %lld\n", (unsigned long long)on1,
                (unsigned long long)on2);
        gprintf("smp: CPU_ON again -> %lld, no such vCPU -> %lld\n", (unsigned long long)again,
                (unsigned long long)missing);
        gprintf("smp: CPU_ON outside RAM -> %lld; vCPU 0 MPIDR 0x%llx\n",
                (unsigned long long)outside, rvm_read_mpidr());
        rvm_send_sgi(SGI_GO, 0x6); /* to vCPUs 1 and 2 */
        uint64_t others = counted[1] + counted[2];
        count(0);
        others = counted[1] + counted[2] - others;
        gprintf("smp: the others counted %llu while vCPU 0 counted %llu\n", others, counted[0]);
        wait_done(1);
        wait_done(2);
        for (unsigned i = 1; i < 3; i++) {
                gprintf("smp: vCPU %llu saw MPIDR 0x%llx\n", i, mpidr_seen[i]);
                gprintf("smp: its context 0x%llx, it counted %llu\n", ctx_seen[i], counted[i]);
        }
        /* Off now (it called CPU_OFF, which takes effect before the next instruction). */
        while (rvm_smc(PSCI_AFFINITY_64, 1, 0, 0) != 1) {
                rvm_yield();
        }
        gprintf("smp: AFFINITY_INFO(1) -> off; restart it\n", 0, 0);
        done[1] = 0;
        int64_t re = rvm_smc(PSCI_CPU_ON_64, 1, entry, 0x3333);
        rvm_send_sgi(SGI_GO, 0x2); /* held pending until vCPU 1 unmasks it */
        wait_done(1);
        gprintf("smp: restarted vCPU 1 -> %lld, ran %llu times\n", (unsigned long long)re, runs[1]);
        gprintf("smp: its context 0x%llx; it counted %llu in all\n", ctx_seen[1], counted[1]);
        bool sgi_ok = sgi_seen[1] == 2 && sgi_seen[2] == 1 && sgi_seen[0] == 0 && other_irqs == 0;
        bool ok = on1 == 0 && on2 == 0 && again == PSCI_E_ALREADY_ON && missing == PSCI_E_INVALID &&
                  outside == PSCI_E_BAD_ADDR && (rvm_read_mpidr() & 0xff) == 0 &&
                  (mpidr_seen[1] & 0xff) == 1 && (mpidr_seen[2] & 0xff) == 2 &&
                  ctx_seen[2] == 0x2222 && ctx_seen[1] == 0x3333 && runs[1] == 2 &&
                  counted[0] == TARGET && counted[1] == 2 * TARGET && counted[2] == TARGET &&
                  sgi_ok;
        gprintf("smp: SGI %llu taken by vCPU 1 twice, vCPU 2 once: %llu\n", SGI_GO, sgi_ok);
        rvm_puts(ok ? "smp: all checks pass\n" : "smp: FAILED\n");
        rvm_exit(ok ? 0 : 1);
}
