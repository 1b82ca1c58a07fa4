/*
 * kernel/run_sched.c: the run loop's side of the scheduler. Each vCPU's entity in sched/ is
 * kept in step with the vCPU and its partition (created, woken, blocked), CPUs are kicked to
 * look at their queues, the tick charges and closes epochs, and the monitor reads a vCPU's
 * accounting from here. kernel/run.c applies sched/'s decisions (the world switch).
 */
#include "kernel/run.h"

#include "arch/aarch64/arch.h"
#include "hal/gic.h"
#include "hal/timer.h"
#include "kernel/cohere.h"
#include "kernel/gate.h"
#include "kernel/ipc.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/run_priv.h"
#include "kernel/tier.h"
#include "kernel/virq.h"
#include "kernel/wlog.h"
#include "partition/lease.h"
#include "partition/virq.h"
#include "sched/sched.h"

#define SGI_RESCHED 1 /* "look at your run queue": sent to the CPU a wake-up targets */
static void resched_sgi(unsigned intid, void *ctx);

/*
 * The 2-signal scheduler (sched/) decides; kernel/run.c applies its decisions. One entity per
 * vCPU; its id is the partition id for vCPU 0 (so records and commands about a partition's
 * boot vCPU read as before) and partition id | index << 16 for the others. All of it under
 * run_lock.
 */
struct sched run_sched;

static struct run_entity run_se[PART_MAX + 1][PART_MAX_VCPUS];

static uint64_t entity_id(const struct vcpu *v)
{
        return v->part->id | (uint64_t)v->index << 16;
}

void run_sched_init(void)
{
        sched_init(&run_sched, NULL, hal_time_ns());
}

void run_cpu_online(unsigned cpu)
{
        run_lock_take();
        sched_cpu_init(&run_sched, cpu, hal_time_ns());
        this_cpu()->rq = &run_sched.rq[cpu];
        run_lock_give();
        hal_gic_enable(SGI_RESCHED, arch_mpidr(), resched_sgi, NULL);
        panic_cpu_online(); /* a panic elsewhere stops this CPU */
        virq_cpu_online();
}

/* e is runnable again: the CPU whose queue holds it looks again now, not at its next tick. */
static inline __attribute__((always_inline)) void entity_woken(struct sched_entity *e, uint64_t now)
{
        if (!sched_wake(&run_sched, e, now)) {
                return;
        }
        if (RVM_MAX_CPUS == 1 || e->cpu == this_cpu()->index) {
                this_cpu()->need_resched = true;
        } else if (e->cpu < percpu_count) {
                hal_gic_send_sgi(SGI_RESCHED, percpu[e->cpu].mpidr);
        }
}

/* Keep the scheduler's view of one vCPU in step with its state and its partition's. */
void vcpu_changed(struct vcpu *v, uint64_t now)
{
        struct partition *p = v->part;
        struct sched_entity *e = v->se;
        /* Runnable for the scheduler: its partition runs and the vCPU is on and not waiting. */
        bool runnable =
            p->state == PART_RUNNING && v->state != VCPU_BLOCKED && v->state != VCPU_OFF;

        if (e == NULL) {
                if (p->state != PART_RUNNING) {
                        return;
                }
                struct run_entity *re = &run_se[p->id][v->index];
                e = &re->se;
                sched_entity_init(&run_sched, e, entity_id(v), p->id, SCHED_MODE_FLOW, 0);
                /* Spread vCPUs over the CPUs that are up; balancing moves them later. */
                unsigned cpus = percpu_count > 0 ? percpu_count : 1;
                sched_add(&run_sched, e, (p->id - 1 + v->index) % cpus, runnable, now);
                re->v = v;
                v->se = e;
                return;
        }
        if (runnable) {
                if (e->state == SCHED_BLOCKED) {
                        entity_woken(e, now); /* resumed, powered on: also on another CPU */
                }
        } else if (e->state != SCHED_BLOCKED) {
                sched_block(&run_sched, e, now);
        }
}

/* Keep the scheduler's view in step with p's lifecycle state (caller holds run_lock). */
void run_partition_changed(struct partition *p)
{
        uint64_t now = hal_time_ns();

        for (unsigned i = 0; i < p->nr_vcpus; i++) {
                vcpu_changed(&p->vcpus[i], now);
        }
        run_kick_partition(p);
}

void run_kick_cpu(int cpu)
{
        if (RVM_MAX_CPUS > 1 && cpu >= 0 && (unsigned)cpu != this_cpu()->index &&
            (unsigned)cpu < percpu_count) {
                hal_gic_send_sgi(SGI_RESCHED, percpu[cpu].mpidr);
        }
}

void run_kick_partition(struct partition *p)
{
        for (unsigned i = 0; i < p->nr_vcpus; i++) {
                run_kick_cpu(p->vcpus[i].cpu);
        }
}

void run_vcpu_changed(struct vcpu *v)
{
        vcpu_changed(v, hal_time_ns());
}

void run_vcpu_blocked(struct vcpu *v)
{
        if (v->se != NULL) {
                sched_block(&run_sched, v->se, arch_time_ns_inline());
        }
        this_cpu()->need_resched = true;
}

void run_vcpu_woken(struct vcpu *v)
{
        struct sched_entity *e = v->se;

        if (e == NULL || e->state != SCHED_BLOCKED) {
                return;
        }
        entity_woken(e, arch_time_ns_inline()); /* the IPC path: the clock read inline */
}

static void resched_sgi(unsigned intid, void *ctx)
{
        (void)intid;
        (void)ctx;
        this_cpu()->need_resched = true;
}

uint64_t run_vcpu_time(const struct vcpu *v, uint64_t now)
{
        const struct sched_entity *e = v->se;

        if (e == NULL) {
                return 0;
        }
        uint64_t t = e->run_ns;
        const struct sched_rq *rq = e->cpu < SCHED_MAX_CPUS ? &run_sched.rq[e->cpu] : NULL;
        if (rq != NULL && rq->current == e && now > rq->last_account_ns) {
                t += now - rq->last_account_ns; /* the slice in progress */
        }
        return t;
}

uint64_t run_vcpu_switches(const struct vcpu *v)
{
        return v->se != NULL ? v->se->switches_in : 0;
}

struct sched_entity *run_entity(const struct partition *p)
{
        return p->vcpus[0].se;
}

const struct sched *run_scheduler(void)
{
        return &run_sched;
}

#define RUN_EPOCH_TICKS 100 /* one scheduler epoch (and its witness record) per second */

void run_tick(void)
{
        struct percpu *c = this_cpu();
        uint64_t now = hal_time_ns();

        run_lock_take();
        if (sched_tick(&run_sched, c->index, now)) {
                c->need_resched = true;
        } else if (RVM_MAX_CPUS > 1 && c->current != NULL && c->current->se != NULL &&
                   sched_send_home(&run_sched, c->index)) {
                /* The vCPU held here has another home (the coherence engine's placement) and
                 * goes there now: one that never blocks would otherwise stay. The tick came
                 * from it (EL2 takes interrupts only idle or in agents' turns, holding no
                 * vCPU), so its registers are in its frame: it is put away here, and its home,
                 * which would have found it still held, is told. */
                struct vcpu *v = c->current;
                run_park(v->part);
                run_kick_cpu(v->se->cpu);
        }
        if (c->index == 0) {
                lease_tick(now); /* device leases end on time, whoever is running */
        }
        /* vCPUs asleep in WFI whose virtual timer is due (a tick can take the place of the
         * event that was due with it); the next such deadline gets an event here. */
        hal_timer_event(c->index, virq_tick());
        bool epoch = c->index == 0 && c->ticks % RUN_EPOCH_TICKS == 0;
        if (epoch) {
                sched_balance(&run_sched, now);
                sched_epoch(&run_sched, now, NULL); /* DC-10: one summary record per epoch */
                ipc_epoch();                        /* and one per edge direction in use */
                cohere_shared_epoch();              /* shared pages weigh in like traffic */
                gate_epoch();          /* denials over the budget, counted per caller */
                mem_tier_idle_epoch(); /* small guests asleep long enough go dormant */
        }
        run_lock_give();
        if (c->index == 0) {
                wlog_tick(); /* the witness store is written outside run_lock */
        }
        if (epoch) {
                /* Work that needs no run_lock: the traffic just counted gives each partition
                 * its cut pressure (the graph is CPU 0's), then the scheduler is told; the
                 * store is checked a little even when the machine is never idle. */
                cohere_compute();
                run_lock_take();
                cohere_apply();
                run_lock_give();
                wlog_epoch_scrub();
        }
}

void run_timer_event(void)
{
        run_lock_take();
        uint64_t next = virq_tick(); /* wake who is due */
        run_lock_give();
        hal_timer_event(this_cpu()->index, next);
}
