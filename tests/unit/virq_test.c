/*
 * tests/unit/virq_test.c: virtual interrupts (partition/virq.c) over a model of one CPU's
 * list registers, the distributor's SPI masks and the virtual timer, and fake virq_run_
 * functions that record what the run loop was asked: a raised vINTID reaches a list register
 * at the next entry and wakes a vCPU asleep in WFI; a forwarded SPI stays masked until the
 * guest has ended it; WFI sleeps, yields or takes a due timer; a guest SGI reaches only the
 * vCPUs it names in its own partition; the tick wakes who is due.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/aarch64/arch.h"
#include "hal/gic.h"
#include "hal/timer.h"
#include "partition/vdev.h"
#include "partition/virq.h"

/* ---- the model: one CPU's list registers, SPI masks, the virtual timer, a counter ---- */

#define LRS 4

static struct {
        uint32_t lr[LRS]; /* vINTID held, 0: free (the tests never deliver vINTID 0) */
        bool enabled;     /* the guest has enabled its virtual interrupts */
        bool spi_masked[64];
        unsigned unmasks; /* hal_gic_mask_spi(_, false) calls */
        bool vtimer_masked;
        uint64_t vtimer_deadline, counter;
} hw;

bool arch_vgic_live_add(uint32_t vintid, uint8_t prio)
{
        (void)prio;
        for (unsigned i = 0; i < LRS; i++) {
                if (hw.lr[i] == 0) {
                        hw.lr[i] = vintid;
                        return true;
                }
        }
        return false;
}

bool arch_vgic_live_holds(uint32_t vintid)
{
        for (unsigned i = 0; i < LRS; i++) {
                if (hw.lr[i] == vintid) {
                        return true;
                }
        }
        return false;
}

unsigned arch_vgic_live_state(uint32_t vintid)
{
        return arch_vgic_live_holds(vintid) ? 1 : 0;
}

bool arch_vgic_saved_pending(const struct arch_vgic *g, uint32_t vintid)
{
        (void)g;
        (void)vintid;
        return false;
}

bool arch_vgic_live_pending(void)
{
        for (unsigned i = 0; i < LRS; i++) {
                if (hw.lr[i] != 0) {
                        return true;
                }
        }
        return false;
}

bool arch_vgic_live_enabled(void)
{
        return hw.enabled;
}

void arch_vtimer_mask(bool mask)
{
        hw.vtimer_masked = mask;
}

uint64_t arch_vtimer_deadline(void)
{
        return hw.vtimer_deadline;
}

void arch_vtimer_recheck(void) {}

uint64_t arch_counter(void)
{
        return hw.counter;
}

enum gic_err hal_gic_mask_spi(unsigned intid, bool masked)
{
        assert_true(intid >= 32 && intid < 64);
        hw.spi_masked[intid] = masked;
        hw.unmasks += !masked;
        return GIC_OK;
}

/* The guest ends vintid: its list register empties. */
static void guest_eoi(uint32_t vintid)
{
        for (unsigned i = 0; i < LRS; i++) {
                if (hw.lr[i] == vintid) {
                        hw.lr[i] = 0;
                }
        }
}

/* ---- the partitions: two, so that an SGI can be seen not to leave its own ---- */

static struct partition part[2];

unsigned part_count(void)
{
        return 2;
}

struct partition *part_get(uint32_t id)
{
        return id >= 1 && id <= 2 ? &part[id - 1] : NULL;
}

struct vgic *vdev_vgic(const struct partition *p)
{
        (void)p;
        return NULL; /* small guests: the list registers only */
}

/* ---- the fake run loop ---- */

static struct {
        unsigned locks, woken, sleeps, yields, kicks;
        struct vcpu *last_woken;
        uint64_t timer_event; /* hal_timer_event: when this CPU's timer is to interrupt */
        unsigned timer_cpu;
        int last_kick;
} run;

void virq_run_lock(void)
{
        run.locks++;
}

void virq_run_unlock(void) {}

void virq_run_woken(struct vcpu *v)
{
        run.woken++;
        run.last_woken = v;
}

void virq_run_blocked(struct vcpu *v)
{
        assert_int_equal(v->state, VCPU_BLOCKED);
        run.sleeps++;
}

void hal_timer_event(unsigned cpu, uint64_t at)
{
        run.timer_cpu = cpu;
        run.timer_event = at;
}

void virq_run_yield(void)
{
        run.yields++;
}

void virq_run_kick(int cpu)
{
        run.kicks++;
        run.last_kick = cpu;
}

static int setup(void **state)
{
        (void)state;
        memset(&hw, 0, sizeof(hw));
        memset(&run, 0, sizeof(run));
        memset(part, 0, sizeof(part));
        hw.enabled = true;
        hw.counter = 1000;
        for (uint32_t p = 0; p < 2; p++) {
                part[p].id = p + 1;
                part[p].nr_vcpus = 4;
                for (uint32_t i = 0; i < 4; i++) {
                        struct vcpu *v = &part[p].vcpus[i];
                        v->index = i;
                        v->part = &part[p];
                        v->state = VCPU_RUNNABLE;
                        v->cpu = -1;
                }
        }
        return 0;
}

static struct vcpu *vcpu(uint32_t p, uint32_t i)
{
        return &part[p].vcpus[i];
}

/* A raised vINTID waits as a bit until the vCPU's next entry puts it in a list register;
 * a vCPU running on another CPU is kicked for it. */
static void test_raise_then_sync_delivers(void **state)
{
        (void)state;
        struct vcpu *v = vcpu(0, 0);

        assert_false(virq_attention(v));
        virq_raise(v, 5);
        assert_true(virq_attention(v));
        assert_int_equal(run.kicks, 1);
        assert_int_equal(run.last_kick, -1); /* not running anywhere: nobody to kick */
        assert_false(arch_vgic_live_holds(5));

        virq_sync(v);
        assert_true(arch_vgic_live_holds(5));
        assert_int_equal(v->virqs, 1);
        assert_false(virq_attention(v));
        assert_int_equal(run.locks, 0); /* no emulated GIC: lock-free */

        v->cpu = 3;
        virq_raise(v, 6);
        assert_int_equal(run.last_kick, 3);

        /* Out of range: neither an SGI/PPI/SPI below 64 nor a doorbell. */
        virq_raise(v, 64);
        virq_raise(v, RVM_VIRQ_DOORBELL_BASE + 16);
        assert_int_equal(run.kicks, 2);
}

/* With every list register taken, what is raised stays raised for the next entry. */
static void test_full_list_registers_keep_it_raised(void **state)
{
        (void)state;
        struct vcpu *v = vcpu(0, 0);

        for (uint32_t i = 1; i <= LRS + 1; i++) {
                virq_raise(v, i);
        }
        virq_sync(v);
        assert_int_equal(v->virqs, LRS);
        assert_true(virq_attention(v));
        assert_int_equal(v->virq_pending, 1ULL << (LRS + 1));

        guest_eoi(1);
        virq_sync(v);
        assert_true(arch_vgic_live_holds(LRS + 1));
        assert_false(virq_attention(v));
}

/* A doorbell is its own bitmap above the SPIs; once its list register is taken, the next
 * ring is not kicked (the guest has not ended the last one), and is delivered at entry. */
static void test_doorbell(void **state)
{
        (void)state;
        struct vcpu *v = vcpu(0, 1);

        v->cpu = 2;
        virq_raise(v, RVM_VIRQ_DOORBELL_BASE + 3);
        assert_int_equal(v->doorbell_pending, 1u << 3);
        assert_int_equal(run.kicks, 1);

        virq_sync(v);
        assert_true(arch_vgic_live_holds(RVM_VIRQ_DOORBELL_BASE + 3));
        assert_int_equal(v->doorbell_queued, 1u << 3);

        virq_raise(v, RVM_VIRQ_DOORBELL_BASE + 3);
        assert_int_equal(run.kicks, 1); /* no kick: still in its list register */
        assert_int_equal(v->doorbell_pending, 1u << 3);

        guest_eoi(RVM_VIRQ_DOORBELL_BASE + 3);
        virq_sync(v);
        assert_true(arch_vgic_live_holds(RVM_VIRQ_DOORBELL_BASE + 3));
        assert_int_equal(v->doorbell_pending, 0);
}

/* A forwarded SPI (a leased device's) is masked at the distributor until the guest has
 * ended it; after the lease ends it stays masked. */
static void test_forwarded_spi_masked_until_eoi(void **state)
{
        (void)state;
        struct vcpu *v = vcpu(1, 0);

        virq_forward(v, 40);
        assert_true(hw.spi_masked[40]);
        virq_sync(v);
        assert_true(arch_vgic_live_holds(40));
        assert_true(hw.spi_masked[40]); /* the guest has not ended it */
        assert_true(virq_attention(v)); /* masked: each entry looks again */

        guest_eoi(40);
        virq_sync(v);
        assert_false(hw.spi_masked[40]);
        assert_int_equal(hw.unmasks, 1);
        assert_false(virq_attention(v));

        /* Fires again, and the lease ends before the guest's EOI: never unmasked. */
        virq_forward(v, 40);
        virq_sync(v);
        virq_unforward(v, 40);
        guest_eoi(40);
        virq_sync(v);
        assert_true(hw.spi_masked[40]);
        assert_int_equal(hw.unmasks, 1);

        /* Not an SPI: refused. */
        virq_forward(v, 27);
        virq_forward(v, 64);
        assert_int_equal(v->virq_pending, 0);
}

/* WFI with interrupts enabled and none pending sleeps until its timer; a raise wakes it. */
static void test_wfi_sleeps_and_raise_wakes(void **state)
{
        (void)state;
        struct vcpu *v = vcpu(0, 2);

        v->cpu = 1; /* it runs on CPU 1, which takes its WFI */
        hw.vtimer_deadline = 5000;
        virq_wfx(v, false);
        assert_int_equal(run.sleeps, 1);
        assert_int_equal(run.timer_cpu, 1); /* that CPU's timer: woken on time */
        assert_int_equal(run.timer_event, 5000);
        assert_true(v->wfi);
        assert_int_equal(v->wfi_until, 5000);
        assert_int_equal(v->state, VCPU_BLOCKED);
        assert_int_equal(run.yields, 0);

        virq_raise(v, 9);
        assert_false(v->wfi);
        assert_int_equal(v->state, VCPU_RUNNABLE);
        assert_int_equal(run.woken, 1);
        assert_ptr_equal(run.last_woken, v);
}

/* WFE, a guest without interrupts enabled, or one with an interrupt pending: yield. */
static void test_wfx_yields(void **state)
{
        (void)state;
        struct vcpu *v = vcpu(0, 0);

        virq_wfx(v, true);
        assert_int_equal(run.yields, 1);

        hw.enabled = false;
        virq_wfx(v, false);
        assert_int_equal(run.yields, 2);

        hw.enabled = true;
        virq_raise(v, 7);
        virq_wfx(v, false); /* delivered first, then pending in a list register */
        assert_true(arch_vgic_live_holds(7));
        assert_int_equal(run.yields, 3);
        assert_int_equal(run.sleeps, 0);
        assert_int_equal(v->state, VCPU_RUNNABLE);
}

/* A timer already due at WFI is taken at once: masked, in a list register, no sleep. */
static void test_wfi_due_timer_taken(void **state)
{
        (void)state;
        struct vcpu *v = vcpu(0, 0);

        hw.vtimer_deadline = hw.counter;
        virq_wfx(v, false);
        assert_int_equal(run.sleeps, 0);
        assert_int_equal(run.yields, 0);
        assert_true(arch_vgic_live_holds(ARCH_VTIMER_INTID));
        assert_true(hw.vtimer_masked);
        assert_int_equal(v->state, VCPU_RUNNABLE);

        guest_eoi(ARCH_VTIMER_INTID);
        virq_sync(v);
        assert_false(hw.vtimer_masked);
}

/* The timer's PPI for the running vCPU counts the exit and raises it masked; with none
 * running, it is only masked. */
static void test_vtimer_fired(void **state)
{
        (void)state;
        struct vcpu *v = vcpu(1, 1);

        virq_vtimer_fired(NULL);
        assert_true(hw.vtimer_masked);
        hw.vtimer_masked = false;

        virq_vtimer_fired(v);
        assert_true(hw.vtimer_masked);
        assert_int_equal(v->exits[VCPU_EXIT_IRQ_VTIMER], 1);
        assert_int_equal(v->virq_pending, 1ULL << ARCH_VTIMER_INTID);
        assert_int_equal(v->virq_masked, 1ULL << ARCH_VTIMER_INTID);
}

/* ESR of MSR ICC_SGI1R_EL1, X<rt> (EC 0x18 trapped system register access). */
static uint64_t sgi1r_esr(unsigned rt)
{
        uint64_t iss = (3ULL << 20) | (0ULL << 14) | (12ULL << 10) | (11ULL << 1) | (5ULL << 17);

        return (0x18ULL << 26) | iss | ((uint64_t)rt << 5);
}

static uint64_t pending_of(uint32_t p, uint32_t i)
{
        return vcpu(p, i)->virq_pending;
}

/* SGIs reach the vCPUs of the target list, or all others with IRM, in the sender's own
 * partition only; another affinity reaches nobody; a vCPU that is off gets nothing. */
static void test_guest_sgi(void **state)
{
        (void)state;
        struct vcpu *v = vcpu(0, 0);
        struct arch_regs regs;

        memset(&regs, 0, sizeof(regs));
        vcpu(0, 3)->state = VCPU_OFF;
        regs.x[4] = (3ULL << 24) | 0x0d; /* INTID 3 to vCPUs 0, 2, 3 */
        assert_true(virq_sgi_trap(v, &regs, sgi1r_esr(4)));
        assert_int_equal(pending_of(0, 0), 1u << 3);
        assert_int_equal(pending_of(0, 1), 0);
        assert_int_equal(pending_of(0, 2), 1u << 3);
        assert_int_equal(pending_of(0, 3), 0); /* off */
        for (uint32_t i = 0; i < 4; i++) {
                assert_int_equal(pending_of(1, i), 0);
        }

        regs.x[4] = (1ULL << 40) | (5ULL << 24); /* INTID 5 to all others */
        assert_true(virq_sgi_trap(v, &regs, sgi1r_esr(4)));
        assert_int_equal(pending_of(0, 0), 1u << 3);
        assert_int_equal(pending_of(0, 1), 1u << 5);
        assert_int_equal(pending_of(0, 2), (1u << 3) | (1u << 5));

        regs.x[4] = (1ULL << 16) | (6ULL << 24) | 0x2; /* Aff1 = 1: nobody */
        assert_true(virq_sgi_trap(v, &regs, sgi1r_esr(4)));
        assert_int_equal(pending_of(0, 1), 1u << 5);

        /* A read of ICC_SGI1R_EL1 (direction bit set) or another register: not an SGI. */
        assert_false(virq_sgi_trap(v, &regs, sgi1r_esr(4) | 1));
        assert_false(virq_sgi_trap(v, &regs, sgi1r_esr(4) ^ (1ULL << 17)));
}

/* The tick wakes vCPUs in WFI whose timer is due, and returns the next deadline. */
static void test_tick(void **state)
{
        (void)state;
        struct vcpu *a = vcpu(0, 1), *b = vcpu(1, 2), *c = vcpu(1, 3);

        a->cpu = b->cpu = c->cpu = 0; /* each takes its WFI running on CPU 0 */
        hw.vtimer_deadline = 1500;
        virq_wfx(a, false);
        hw.vtimer_deadline = 3000;
        virq_wfx(b, false);
        hw.vtimer_deadline = 2000;
        virq_wfx(c, false);
        assert_int_equal(run.sleeps, 3);

        assert_int_equal(virq_tick(), 1500);
        assert_int_equal(run.woken, 0);

        hw.counter = 2000;
        assert_int_equal(virq_tick(), 3000);
        assert_int_equal(run.woken, 2);
        assert_false(a->wfi);
        assert_false(c->wfi);
        assert_true(b->wfi);
        assert_int_equal(a->state, VCPU_RUNNABLE);
        assert_int_equal(b->state, VCPU_BLOCKED);

        hw.counter = 3000;
        assert_int_equal(virq_tick(), 0);
        assert_int_equal(run.woken, 3);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_raise_then_sync_delivers, setup),
            cmocka_unit_test_setup(test_full_list_registers_keep_it_raised, setup),
            cmocka_unit_test_setup(test_doorbell, setup),
            cmocka_unit_test_setup(test_forwarded_spi_masked_until_eoi, setup),
            cmocka_unit_test_setup(test_wfi_sleeps_and_raise_wakes, setup),
            cmocka_unit_test_setup(test_wfx_yields, setup),
            cmocka_unit_test_setup(test_wfi_due_timer_taken, setup),
            cmocka_unit_test_setup(test_vtimer_fired, setup),
            cmocka_unit_test_setup(test_guest_sgi, setup),
            cmocka_unit_test_setup(test_tick, setup),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
