/*
 * witness/escalate.c: F4's look back (DC-14). Fed the store's records newest first
 * (witness_log_scan_back) before a boot starts its log, it finds how the previous boot
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

bool witness_escalation_visit(void *ctx, const struct witness_record *r)
{
        struct witness_escalation *e = ctx;

        if (e->visited == 0) {
                e->boot = r->boot;
        }
        if (r->boot != e->boot || e->visited >= WITNESS_ESCALATION_LOOKBACK) {
                return true; /* an older boot, or far enough */
        }
        e->visited++;
        if (r->kind == WK_REC_RVM_FAIL && !e->failed) {
                e->failed = true;
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
