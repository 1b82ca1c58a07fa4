/*
 * What the scheduler witnesses: one WK_SCHED_EPOCH summary per epoch (DC-10: no record per
 * switch, which would flood the log at thousands of switches a second) and WK_SCHED_MODE for
 * the changes an auditor must see: an entity moving between Reflex and Flow, and the scheduler
 * entering or leaving degraded mode (DC-6).
 */
#include <string.h>

#include "sched/sched.h"
#include "sched/sched_internal.h"
#include "sched/sched_witness.h"

static uint64_t sat(uint64_t v, uint64_t max)
{
        return v > max ? max : v;
}

static uint64_t pack_epoch(const struct sched_epoch_summary *sum)
{
        return sat(sum->switches, 0xFFFFu) | sat(sum->busy_ns / 1000u, 0xFFFFFFu) << 16 |
               sat(sum->migrations, 0xFFu) << 40 | sat(sum->runnable, 0xFFu) << 48 |
               sat(sum->throttles, 0x3Fu) << 56 | (uint64_t)(sum->degraded ? 1u : 0u) << 63;
}

void sched_epoch(struct sched *s, uint64_t now, struct sched_epoch_summary *out)
{
        struct sched_epoch_summary sum;
        struct witness_event ev;

        memset(&sum, 0, sizeof(sum));
        for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
                struct sched_rq *rq = &s->rq[c];

                if (!rq->online) {
                        continue;
                }
                /* Charge running entities so the epoch's busy time is complete. */
                sched_account(s, rq, now);
                for (unsigned i = 0; i < rq->nr_members; i++) {
                        struct sched_entity *e = rq->members[i];
                        e->last_run_ns = e->run_ns - e->epoch_run_mark_ns;
                        e->last_wait_ns = e->epoch_wait_ns;
                        e->epoch_run_mark_ns = e->run_ns;
                        e->epoch_wait_ns = 0;
                }
                sum.switches += rq->switches - rq->epoch_switches_base;
                sum.busy_ns += rq->epoch_busy_ns;
                sum.runnable += rq->nr_runnable;
                rq->epoch_switches_base = rq->switches;
                rq->epoch_busy_ns = 0;
        }
        sum.seq = ++s->epoch_seq;
        sum.duration_ns = now > s->epoch_start_ns ? now - s->epoch_start_ns : 0;
        s->last_epoch_ns = sum.duration_ns;
        sum.migrations = s->epoch_migrations;
        sum.throttles = s->epoch_throttles;
        sum.degraded = s->degraded;
        sum.payload = pack_epoch(&sum);
        s->epoch_migrations = 0;
        s->epoch_throttles = 0;
        s->epoch_start_ns = now;

        memset(&ev, 0, sizeof(ev));
        ev.kind = WK_SCHED_EPOCH;
        ev.actor = 0;
        ev.target = sum.seq;
        ev.payload = sum.payload;
        witness_emit(&ev);
        if (out != NULL) {
                *out = sum;
        }
}

unsigned sched_partition_need(const struct sched *s, uint32_t partition, uint64_t *run_ns,
                              uint64_t *wait_ns, uint64_t *epoch_ns)
{
        uint64_t run = 0, wait = 0;
        unsigned n = 0;

        for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
                const struct sched_rq *rq = &s->rq[c];

                for (unsigned i = 0; rq->online && i < rq->nr_members; i++) {
                        const struct sched_entity *e = rq->members[i];
                        if (e->partition == partition) {
                                run += e->last_run_ns;
                                wait += e->last_wait_ns;
                                n++;
                        }
                }
        }
        if (run_ns != NULL) {
                *run_ns = run;
        }
        if (wait_ns != NULL) {
                *wait_ns = wait;
        }
        if (epoch_ns != NULL) {
                *epoch_ns = s->last_epoch_ns;
        }
        return n;
}

static void emit_mode(uint32_t actor, uint64_t target, uint64_t payload)
{
        struct witness_event ev;

        memset(&ev, 0, sizeof(ev));
        ev.kind = WK_SCHED_MODE;
        ev.actor = actor;
        ev.target = target;
        ev.payload = payload;
        witness_emit(&ev);
}

enum sched_err sched_set_mode(struct sched *s, struct sched_entity *e, uint32_t mode, uint64_t now)
{
        uint8_t old = e->mode;

        if (mode != SCHED_MODE_REFLEX && mode != SCHED_MODE_FLOW) {
                return SCHED_E_INVAL;
        }
        if (mode == old) {
                return SCHED_OK;
        }
        sched_apply_mode(s, e, (enum sched_mode)mode, now);
        if (e->state != SCHED_DETACHED && s->rq[e->cpu].current == e) {
                s->rq[e->cpu].need_resched = true; /* its class changed under it */
        }
        emit_mode(e->partition, e->id, SCHED_MODE_PAYLOAD(old, mode, SCHED_MODE_SCOPE_ENTITY));
        return SCHED_OK;
}

void sched_set_degraded(struct sched *s, bool degraded)
{
        if (s->degraded == degraded) {
                return;
        }
        s->degraded = degraded;
        emit_mode(0, 0, SCHED_MODE_PAYLOAD(!degraded, degraded, SCHED_MODE_SCOPE_DEGRADED));
}
