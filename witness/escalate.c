/*
 * witness/escalate.c: F4's look back (DC-14). Fed the store's records newest first
 * (witness_log_scan_back) as a boot starts its log, it finds how the previous boot
 * ended: the WK_REC_RVM_FAIL that boot wrote on its way down, if it could, and the
 * recovery steps before it. The new boot records that chain as one WK_REC_ESCALATE.
 */
#include "witness/witness.h"

/* A step of recovery at a smaller level than RVM itself (or a fault injected on purpose). */
static bool is_step(uint16_t kind)
{
        return kind == WK_PART_FAULT || kind == WK_REC_RESTART || kind == WK_REC_RECONSTRUCT ||
               kind == WK_REC_ROLLBACK || kind == WK_REC_INJECT;
}

/* An older boot (newest first): failed when one of its last records is RVM's failure. */
static bool older_boot(struct witness_escalation *e, const struct witness_record *r)
{
        if (!e->tail_valid || r->boot != e->tail_boot) {
                if (e->tail_valid && !e->tail_failed) {
                        return true; /* the boot before did not fail: the streak ends */
                }
                e->tail_valid = true;
                e->tail_boot = r->boot;
                e->tail_seen = 0;
                e->tail_failed = false;
        }
        if (e->tail_failed) {
                return false; /* counted: read on to the boot before it */
        }
        if (++e->tail_seen > WITNESS_ESCALATION_TAIL) {
                return true; /* it ended some other way (a clean stop, a power cut) */
        }
        if (r->kind == WK_REC_RVM_FAIL) {
                e->tail_failed = true;
                e->failed_boots++;
                return e->failed_boots >= WITNESS_ESCALATION_BOOTS;
        }
        return false;
}

bool witness_escalation_visit(void *ctx, const struct witness_record *r)
{
        struct witness_escalation *e = ctx;

        if (e->total == 0) {
                e->boot = r->boot;
        }
        if (++e->total > WITNESS_ESCALATION_TOTAL) {
                return true;
        }
        if (r->boot != e->boot) {
                /* The newest boot failed: how many before it failed too, in a row. */
                return !e->failed || older_boot(e, r);
        }
        if (e->visited >= WITNESS_ESCALATION_LOOKBACK) {
                return false; /* far enough for its chain; read on for the boots before */
        }
        e->visited++;
        if (r->kind == WK_REC_RVM_FAIL && !e->failed) {
                e->failed = true;
                e->failed_boots = 1;
                e->fail_seq = r->seq;
                e->where = r->target;
                e->why = r->cap;
                e->what = r->payload;
        } else if (is_step(r->kind)) {
                e->steps++;
                e->first_step_seq = r->seq;
        }
        return false;
}

void witness_escalation_event(const struct witness_escalation *e, struct witness_event *ev)
{
        uint64_t steps = e->steps < 0xffffffu ? e->steps : 0xffffffu;
        uint64_t class = e->failed ? e->what & 0xff : 0;

        *ev = (struct witness_event){
            .kind = WK_REC_ESCALATE,
            .target = e->failed ? e->fail_seq : UINT64_MAX,
            .cap = e->steps > 0 ? e->first_step_seq : UINT64_MAX,
            .payload = steps | class << 24 | (uint64_t)e->boot << 32,
        };
}
