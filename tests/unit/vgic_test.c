/*
 * tests/unit/vgic_test.c: partition/vgic.c as Linux's GICv3 driver drives it: probe
 * (PIDR2, TYPER, CTLR), the redistributor walk (TYPER affinity and Last, in 64-bit and
 * 32-bit halves), waking, enables/priorities/configuration/routing, and delivery by
 * priority to the routed vCPU; SGIs by ICC_SGI1R_EL1; bad accesses refused, never a crash.
 * The delivery policy partition/virq.c follows: a disabled interrupt waits pending and goes
 * out at the guest's priority once enabled; what the list registers hold (vgic_fold) shows
 * in ISPENDR0/ISACTIVER0 until the guest ends it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "partition/vgic.h"

static struct vgic g;

static uint64_t dread(uint32_t vcpu, uint32_t off, unsigned width)
{
        uint64_t v = 0xdeadbeef;

        assert_int_equal(vgic_dist_access(&g, vcpu, off, width, false, &v), VGIC_OK);
        return v;
}

static void dwrite(uint32_t off, unsigned width, uint64_t v)
{
        assert_int_equal(vgic_dist_access(&g, 0, off, width, true, &v), VGIC_OK);
}

static uint64_t rread(uint32_t off, unsigned width)
{
        uint64_t v = 0xdeadbeef;

        assert_int_equal(vgic_redist_access(&g, off, width, false, &v), VGIC_OK);
        return v;
}

static void rwrite(uint32_t off, unsigned width, uint64_t v)
{
        assert_int_equal(vgic_redist_access(&g, off, width, true, &v), VGIC_OK);
}

static void distributor_identifies_as_gicv3(void **state)
{
        (void)state;
        assert_int_equal(vgic_init(&g, 2, NULL), VGIC_OK);
        assert_int_equal(dread(0, 0xffe8, 4) & 0xf0, 0x30); /* PIDR2.ArchRev = 3 */
        uint64_t typer = dread(0, 0x0004, 4);
        assert_int_equal(32 * ((typer & 0x1f) + 1), VGIC_NR_IRQS);
        assert_int_equal((typer >> 19) & 0x1f, 9);
        assert_int_equal(typer & (1u << 17), 0); /* no LPIs */
        assert_int_not_equal(dread(0, 0x0008, 4), 0);
        /* CTLR: ARE and DS read as one, group enables stick, RWP never set */
        assert_int_equal(dread(0, 0, 4), 0x50);
        dwrite(0, 4, 0x80000013);
        assert_int_equal(dread(0, 0, 4), 0x53);
}

static void redistributor_walk_finds_each_vcpu_and_the_last(void **state)
{
        const uint64_t aff[3] = {0x000, 0x001, 0x100};
        (void)state;

        assert_int_equal(vgic_init(&g, 3, aff), VGIC_OK);
        for (uint32_t c = 0; c < 3; c++) {
                uint32_t base = c * VGIC_GICR_SIZE;
                uint64_t typer = rread(base + 8, 8);

                assert_int_equal(typer >> 32, aff[c]);
                assert_int_equal((typer >> 8) & 0xffff, c);
                assert_int_equal((typer >> 4) & 1, c == 2);
                /* the same register read as two 32-bit halves */
                assert_int_equal(rread(base + 8, 4), typer & 0xffffffffu);
                assert_int_equal(rread(base + 12, 4), typer >> 32);
                assert_int_equal(rread(base + 0xffe8, 4) & 0xf0, 0x30);
        }
        /* past the last redistributor: refused */
        uint64_t v;
        assert_int_equal(vgic_redist_access(&g, 3 * VGIC_GICR_SIZE + 8, 8, false, &v),
                         VGIC_EACCESS);
}

static void waker_clears_children_asleep_with_processor_sleep(void **state)
{
        (void)state;
        assert_int_equal(vgic_init(&g, 1, NULL), VGIC_OK);
        assert_int_equal(rread(0x14, 4), 6);
        rwrite(0x14, 4, 0);
        assert_int_equal(rread(0x14, 4), 0);
        rwrite(0x14, 4, 2);
        assert_int_equal(rread(0x14, 4), 6);
}

static void spi_enable_priority_config_and_routing_round_trip(void **state)
{
        (void)state;
        assert_int_equal(vgic_init(&g, 2, NULL), VGIC_OK);
        /* SPI 33: group 1, enabled, priority 0xa0, edge, routed to vCPU 1 */
        dwrite(0x0080 + 4, 4, 0xffffffff);
        assert_int_equal(dread(0, 0x0080 + 4, 4), 0xffffffff);
        dwrite(0x0100 + 4, 4, 1u << 1);
        assert_int_equal(dread(0, 0x0100 + 4, 4), 1u << 1);
        assert_int_equal(dread(0, 0x0180 + 4, 4), 1u << 1);
        dwrite(0x0400 + 33, 1, 0xa0);
        assert_int_equal(dread(0, 0x0400 + 32, 4), 0xa000);
        dwrite(0x0400 + 32, 4, 0x11223344);
        assert_int_equal(dread(0, 0x0400 + 33, 1), 0x30); /* 0x33 & 0xf8 */
        assert_int_equal(dread(0, 0x0400 + 32, 4), 0x10203040);
        dwrite(0x0c00 + 8, 4, 2u << 2); /* SPI 33 edge */
        assert_int_equal(dread(0, 0x0c00 + 8, 4), 2u << 2);
        dwrite(0x6000 + 8 * 33, 8, 0xffffffffffffffffull);
        assert_int_equal(dread(0, 0x6000 + 8 * 33, 8), 0x000000ff80ffffffull);
        /* IROUTER written as two 32-bit halves, low then high */
        dwrite(0x6000 + 8 * 33, 4, 0x00000001);
        dwrite(0x6000 + 8 * 33 + 4, 4, 0);
        assert_int_equal(dread(0, 0x6000 + 8 * 33, 8), 1);
        assert_int_equal(dread(0, 0x6000 + 8 * 33 + 4, 4), 0);
        assert_int_equal(vgic_spi_target(&g, 33), 1);
        /* disable */
        dwrite(0x0180 + 4, 4, 1u << 1);
        assert_int_equal(dread(0, 0x0100 + 4, 4), 0);
}

static void private_interrupts_are_raz_wi_in_the_distributor(void **state)
{
        (void)state;
        assert_int_equal(vgic_init(&g, 1, NULL), VGIC_OK);
        dwrite(0x0100, 4, 0xffffffff);
        assert_int_equal(dread(0, 0x0100, 4), 0);
        dwrite(0x0400, 4, 0xffffffff);
        assert_int_equal(dread(0, 0x0400, 4), 0);
        assert_int_equal(rread(0x10000 + 0x100, 4), 0);
}

static void delivery_picks_highest_priority_enabled_for_that_vcpu(void **state)
{
        uint8_t prio = 0;
        (void)state;

        assert_int_equal(vgic_init(&g, 2, NULL), VGIC_OK);
        dwrite(0, 4, 2);                       /* EnableGrp1 */
        rwrite(0x10000 + 0x80, 4, 0xffffffff); /* vCPU 0: all group 1 */
        rwrite(0x10000 + 0x100, 4, 1u << 27);  /* vCPU 0: virtual timer enabled */
        rwrite(0x10000 + 0x400 + 27, 1, 0xa0);
        dwrite(0x0080 + 4, 4, 0xffffffff);
        dwrite(0x0100 + 4, 4, 1u << 1); /* SPI 33 enabled, prio 0x80 */
        dwrite(0x0400 + 33, 1, 0x80);
        dwrite(0x6000 + 8 * 33, 8, 0); /* to vCPU 0 */

        assert_int_equal(vgic_next(&g, 0, &prio), VGIC_SPURIOUS);
        assert_int_equal(vgic_raise(&g, 0, 27), VGIC_OK);
        assert_int_equal(vgic_raise(&g, 1, 33), VGIC_OK); /* an SPI goes where routed */
        assert_int_equal(vgic_raise(&g, 0, 28), VGIC_OK); /* not enabled: stays */
        assert_int_equal(vgic_next(&g, 1, &prio), VGIC_SPURIOUS);
        assert_int_equal(vgic_next(&g, 0, &prio), 33);
        assert_int_equal(prio, 0x80);
        assert_int_equal(vgic_next(&g, 0, &prio), 27);
        assert_int_equal(prio, 0xa0);
        assert_int_equal(vgic_next(&g, 0, &prio), VGIC_SPURIOUS);
        /* 28 is pending (ISPENDR0 shows it) and arrives once enabled; 27, handed to a list
         * register that no fold has yet seen emptied, still shows pending there */
        assert_int_equal(rread(0x10000 + 0x200, 4), (1u << 28) | (1u << 27));
        rwrite(0x10000 + 0x100, 4, 1u << 28);
        assert_int_equal(vgic_next(&g, 0, NULL), 28);
        /* group 1 disabled: nothing */
        assert_int_equal(vgic_raise(&g, 0, 27), VGIC_OK);
        dwrite(0, 4, 0);
        assert_int_equal(vgic_next(&g, 0, NULL), VGIC_SPURIOUS);
        /* ICPENDR clears it */
        rwrite(0x10000 + 0x280, 4, 1u << 27);
        dwrite(0, 4, 2);
        assert_int_equal(vgic_next(&g, 0, NULL), VGIC_SPURIOUS);
}

/* The policy as partition/virq.c runs it: raise, then deliver what vgic_next hands over. */
static void disabled_ppi_waits_and_goes_out_at_the_guests_priority_once_enabled(void **state)
{
        uint8_t prio = 0;
        (void)state;

        assert_int_equal(vgic_init(&g, 2, NULL), VGIC_OK);
        dwrite(0, 4, 2);
        rwrite(0x20000 + 0x10000 + 0x80, 4, 0xffffffff);       /* vCPU 1: all group 1 */
        rwrite(0x20000 + 0x10000 + 0x400 + 24, 4, 0x60000000); /* 27: 0x60 (a word write) */
        assert_int_equal(vgic_raise(&g, 1, 27), VGIC_OK);      /* the timer fires, disabled */
        assert_int_equal(vgic_peek(&g, 1, NULL), VGIC_SPURIOUS);
        assert_int_equal(vgic_next(&g, 1, &prio), VGIC_SPURIOUS);
        assert_true(vgic_waiting(&g, 1, 27));  /* kept: its source stays masked */
        assert_false(vgic_waiting(&g, 0, 27)); /* banked: vCPU 0's 27 is another one */
        assert_int_equal(rread(0x20000 + 0x10000 + 0x200, 4), 1u << 27);
        assert_int_equal(rread(0x10000 + 0x200, 4), 0);
        /* a second raise while it waits is the same pending interrupt */
        assert_int_equal(vgic_raise(&g, 1, 27), VGIC_OK);
        rwrite(0x20000 + 0x10000 + 0x100, 4, 1u << 27); /* ISENABLER0 */
        assert_int_equal(vgic_peek(&g, 1, &prio), 27);  /* peek changes nothing */
        assert_int_equal(prio, 0x60);
        assert_int_equal(vgic_peek(&g, 1, NULL), 27);
        assert_true(vgic_waiting(&g, 1, 27));
        prio = 0;
        assert_int_equal(vgic_next(&g, 1, &prio), 27);
        assert_int_equal(prio, 0x60); /* the list register's priority field */
        assert_false(vgic_waiting(&g, 1, 27));
        assert_int_equal(vgic_next(&g, 1, NULL), VGIC_SPURIOUS);
        assert_int_equal(vgic_next(&g, 0, NULL), VGIC_SPURIOUS);
        /* disabled again before the next one: it waits again, nothing is lost */
        rwrite(0x20000 + 0x10000 + 0x180, 4, 1u << 27); /* ICENABLER0 */
        assert_int_equal(vgic_raise(&g, 1, 27), VGIC_OK);
        assert_int_equal(vgic_next(&g, 1, NULL), VGIC_SPURIOUS);
        rwrite(0x20000 + 0x10000 + 0x400 + 27, 1, 0x20); /* a new priority meanwhile */
        rwrite(0x20000 + 0x10000 + 0x100, 4, 1u << 27);
        assert_int_equal(vgic_next(&g, 1, &prio), 27);
        assert_int_equal(prio, 0x20);
}

/* A fake set of list registers for vgic_fold: state by intid. */
static unsigned lr_states[VGIC_NR_IRQS];

static unsigned fake_lr(uint32_t intid, void *ctx)
{
        assert_ptr_equal(ctx, lr_states);
        return intid < VGIC_NR_IRQS ? lr_states[intid] : 0;
}

static void list_register_state_shows_in_pending_and_active_reads(void **state)
{
        const uint32_t ispendr0 = 0x10000 + 0x200, isactiver0 = 0x10000 + 0x300;
        (void)state;

        memset(lr_states, 0, sizeof(lr_states));
        assert_int_equal(vgic_init(&g, 2, NULL), VGIC_OK);
        dwrite(0, 4, 2);
        rwrite(0x10000 + 0x80, 4, 0xffffffff);
        rwrite(0x10000 + 0x100, 4, (1u << 27) | (1u << 1)); /* timer, SGI 1 */
        dwrite(0x0080 + 4, 4, 0xffffffff);
        dwrite(0x0100 + 4, 4, 1u << 1); /* SPI 33 to vCPU 0 */

        assert_int_equal(vgic_raise(&g, 0, 27), VGIC_OK);
        assert_int_equal(vgic_raise(&g, 0, 33), VGIC_OK);
        assert_int_equal(vgic_next(&g, 0, NULL), 27);
        assert_int_equal(vgic_next(&g, 0, NULL), 33);
        lr_states[27] = VGIC_LR_PENDING;
        lr_states[33] = VGIC_LR_PENDING;
        /* handed over: still pending as the guest sees it, not gone */
        assert_int_equal(rread(ispendr0, 4), 1u << 27);
        assert_int_equal(dread(0, 0x0200 + 4, 4), 1u << 1);
        vgic_fold(&g, 0, fake_lr, lr_states);
        assert_int_equal(rread(ispendr0, 4), 1u << 27);
        assert_int_equal(rread(isactiver0, 4), 0);
        /* the guest took 27 (IAR): active, no longer pending */
        lr_states[27] = VGIC_LR_ACTIVE;
        vgic_fold(&g, 0, fake_lr, lr_states);
        assert_int_equal(rread(ispendr0, 4), 0);
        assert_int_equal(rread(isactiver0, 4), 1u << 27);
        /* raised again while active: waits beside it, and is handed over again */
        assert_int_equal(vgic_raise(&g, 0, 27), VGIC_OK);
        assert_true(vgic_waiting(&g, 0, 27));
        assert_int_equal(rread(ispendr0, 4), 1u << 27);
        assert_int_equal(vgic_next(&g, 0, NULL), 27);
        lr_states[27] = VGIC_LR_ACTIVE | VGIC_LR_PENDING;
        vgic_fold(&g, 0, fake_lr, lr_states);
        assert_int_equal(rread(ispendr0, 4), 1u << 27);
        assert_int_equal(rread(isactiver0, 4), 1u << 27);
        /* ended (EOI): the list registers are empty, nothing shows */
        lr_states[27] = 0;
        lr_states[33] = 0;
        vgic_fold(&g, 1, fake_lr, lr_states); /* another vCPU's fold leaves vCPU 0's alone */
        assert_int_equal(rread(isactiver0, 4), 1u << 27);
        assert_int_equal(dread(0, 0x0200 + 4, 4), 1u << 1);
        vgic_fold(&g, 0, fake_lr, lr_states);
        assert_int_equal(rread(ispendr0, 4), 0);
        assert_int_equal(rread(isactiver0, 4), 0);
        assert_int_equal(dread(0, 0x0200 + 4, 4), 0);
        assert_int_equal(dread(0, 0x0300 + 4, 4), 0);
        assert_false(g.cpu[0].priv[27].in_lr);
        assert_int_equal(vgic_next(&g, 0, NULL), VGIC_SPURIOUS);
        /* bad arguments: nothing happens */
        vgic_fold(&g, 5, fake_lr, lr_states);
        vgic_fold(&g, 0, NULL, NULL);
        assert_false(vgic_waiting(&g, 9, 27));
        assert_false(vgic_waiting(&g, 0, 500));
        assert_int_equal(vgic_peek(&g, 9, NULL), VGIC_SPURIOUS);
}

static void sgi1r_targets_by_list_and_broadcast(void **state)
{
        (void)state;
        assert_int_equal(vgic_init(&g, 3, NULL), VGIC_OK);
        dwrite(0, 4, 2);
        for (uint32_t c = 0; c < 3; c++) {
                rwrite(c * VGIC_GICR_SIZE + 0x10000 + 0x80, 4, 0xffffffff);
                rwrite(c * VGIC_GICR_SIZE + 0x10000 + 0x100, 4, 0xffff);
        }
        /* SGI 3 to target list {1, 2} (Aff1..3 = 0, RS = 0) */
        assert_int_equal(vgic_sgi1r(&g, 0, 3ull << 24 | 6), 6);
        assert_int_equal(vgic_next(&g, 1, NULL), 3);
        assert_int_equal(vgic_next(&g, 2, NULL), 3);
        assert_int_equal(vgic_next(&g, 0, NULL), VGIC_SPURIOUS);
        /* IRM: everyone but the sender */
        assert_int_equal(vgic_sgi1r(&g, 1, 5ull << 24 | 1ull << 40), 5);
        /* a list naming Aff1 = 1: nobody */
        assert_int_equal(vgic_sgi1r(&g, 0, 1ull << 16 | 1), 0);
        /* SGIs' configuration is fixed edge */
        rwrite(0x10000 + 0xc00, 4, 0);
        assert_int_equal(rread(0x10000 + 0xc00, 4), 0xaaaaaaaa);
}

static void bad_accesses_are_refused_and_change_nothing(void **state)
{
        uint64_t v = 0xffffffff;
        (void)state;

        assert_int_equal(vgic_init(&g, 1, NULL), VGIC_OK);
        assert_int_equal(vgic_dist_access(&g, 0, 0x10000, 4, false, &v), VGIC_EACCESS);
        assert_int_equal(vgic_dist_access(&g, 0, 0x0102, 4, true, &v), VGIC_EACCESS);
        assert_int_equal(vgic_dist_access(&g, 0, 0x0100, 3, true, &v), VGIC_EACCESS);
        assert_int_equal(vgic_dist_access(&g, 0, 0x0104, 1, true, &v), VGIC_EACCESS);
        assert_int_equal(vgic_dist_access(&g, 0, 0x0104, 2, true, &v), VGIC_EACCESS);
        assert_int_equal(vgic_dist_access(&g, 0, 0x0000, 8, true, &v), VGIC_EACCESS);
        assert_int_equal(vgic_dist_access(&g, 0, 0x6000 + 8 * 33, 1, true, &v), VGIC_EACCESS);
        assert_int_equal(vgic_dist_access(&g, 1, 0x0000, 4, false, &v), VGIC_EPARAM);
        assert_int_equal(vgic_dist_access(&g, 0, 0x0000, 4, false, NULL), VGIC_EPARAM);
        assert_int_equal(vgic_redist_access(&g, 0x8, 2, false, &v), VGIC_EACCESS);
        assert_int_equal(vgic_redist_access(&g, 0x14, 8, false, &v), VGIC_EACCESS);
        assert_int_equal(vgic_redist_access(&g, 0xffffffff, 1, false, &v), VGIC_EACCESS);
        assert_int_equal(dread(0, 0x0104, 4), 0);
        assert_int_equal(vgic_raise(&g, 0, VGIC_NR_IRQS), VGIC_EPARAM);
        assert_int_equal(vgic_raise(&g, 1, 27), VGIC_EPARAM);
        assert_int_equal(vgic_init(&g, 0, NULL), VGIC_EPARAM);
        assert_int_equal(vgic_init(&g, VGIC_MAX_CPUS + 1, NULL), VGIC_EPARAM);
}

static void reserved_offsets_read_as_zero_and_ignore_writes(void **state)
{
        (void)state;
        assert_int_equal(vgic_init(&g, 1, NULL), VGIC_OK);
        dwrite(0x0040, 4, 0xffffffff);
        assert_int_equal(dread(0, 0x0040, 4), 0);
        assert_int_equal(dread(0, 0x0d00, 4), 0); /* IGRPMODR */
        assert_int_equal(dread(0, 0x8000, 8), 0);
        assert_int_equal(dread(0, 0x0c00 + VGIC_NR_IRQS / 4, 4), 0);
        assert_int_equal(rread(0x10000 + 0xd00, 4), 0);
        assert_int_equal(rread(0x0, 4), 0); /* GICR_CTLR: no LPIs */
}

/* Every offset, width and direction over both frames, with random values: never a
 * crash, and only VGIC_OK or VGIC_EACCESS. */
static void every_access_is_handled(void **state)
{
        uint64_t seed = 1;
        (void)state;

        assert_int_equal(vgic_init(&g, 2, NULL), VGIC_OK);
        for (uint32_t off = 0; off < 0x20000 * 2 + 64; off += 1) {
                for (unsigned w = 1; w <= 8; w++) {
                        uint64_t v;
                        int rc;

                        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                        v = seed;
                        rc = vgic_redist_access(&g, off, w, (seed >> 63) != 0, &v);
                        assert_true(rc == VGIC_OK || rc == VGIC_EACCESS);
                        if (off < 0x10010) {
                                v = seed;
                                rc = vgic_dist_access(&g, seed & 1, off, w, (seed >> 62) & 1, &v);
                                assert_true(rc == VGIC_OK || rc == VGIC_EACCESS);
                        }
                }
        }
        (void)vgic_next(&g, 0, NULL);
        (void)vgic_next(&g, 1, NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(distributor_identifies_as_gicv3),
            cmocka_unit_test(redistributor_walk_finds_each_vcpu_and_the_last),
            cmocka_unit_test(waker_clears_children_asleep_with_processor_sleep),
            cmocka_unit_test(spi_enable_priority_config_and_routing_round_trip),
            cmocka_unit_test(private_interrupts_are_raz_wi_in_the_distributor),
            cmocka_unit_test(delivery_picks_highest_priority_enabled_for_that_vcpu),
            cmocka_unit_test(disabled_ppi_waits_and_goes_out_at_the_guests_priority_once_enabled),
            cmocka_unit_test(list_register_state_shows_in_pending_and_active_reads),
            cmocka_unit_test(sgi1r_targets_by_list_and_broadcast),
            cmocka_unit_test(bad_accesses_are_refused_and_change_nothing),
            cmocka_unit_test(reserved_offsets_read_as_zero_and_ignore_writes),
            cmocka_unit_test(every_access_is_handled),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
