/*
 * witness/scrub.c — the background scrub over the store as written so far (see below); the
 * kernel runs it a bounded step at a time in idle time and each epoch.
 */
#include <string.h>

#include "witness/internal.h"

static void lock(struct witness_log *log)
{
        if (log->cfg.lock)
                log->cfg.lock(log->cfg.lock_ctx);
}

static void unlock(struct witness_log *log)
{
        if (log->cfg.unlock)
                log->cfg.unlock(log->cfg.lock_ctx);
}

/*
 * The background scrub: the same forward scan as recovery, a bounded piece at a time,
 * over the store as written so far. It checks the chain, the batch headers and the
 * anchored head; it cannot check seal MACs (this boot holds only its current epoch key,
 * by design) — tools/witness does that with the root key.
 */
enum witness_scrub witness_log_scrub_step(struct witness_log *log, uint32_t max_slots,
                                          uint64_t min_gap_ns)
{
        struct witness_ws_scan *s;
        enum witness_scrub done = WITNESS_SCRUB_IDLE;
        uint64_t now;

        if (log == NULL || max_slots == 0)
                return WITNESS_SCRUB_IDLE;
        lock(log);
        s = &log->scrub;
        now = log->cfg.clock_ns ? log->cfg.clock_ns(log->cfg.clock_ctx) : 0;
        if ((log->store_state != WITNESS_STORE_OK && log->store_state != WITNESS_STORE_FULL) ||
            log->st.scrub_alarm || log->writing)
                goto out; /* (a batch being programmed: the flash is busy; next turn) */
        if (!log->scrub_active) {
                if (log->st.scrub_passes > 0 && now - log->scrub_start_ns < min_gap_ns)
                        goto out;
                /* The latest anchor as this boot knows it (checked at open or written since):
                 * the scan must meet it. The journal itself is checked at open and by the
                 * tool; reading all of it here would be one long step. */
                witness_log_scan_begin(s, log, NULL);
                s->no_torn = true;
                log->scrub_active = true;
                log->scrub_start_ns = now;
                log->st.scrub_slot = log->base_slot;
        }
        done = WITNESS_SCRUB_WORKED;
        if (!s->fault) {
                /* Up to the write position, which may be around the ring from here. */
                uint64_t from = log->st.scrub_slot;
                uint64_t left = (log->wslot + log->log_slots - from) % log->log_slots;
                uint64_t n = left < max_slots ? left : max_slots, done_before = s->scanned;
                uint64_t before = s->v.records;

                if (left == 0 && s->scanned == 0 && log->wslot == log->base_slot &&
                    log->next_seq > log->base_seq)
                        n = left = max_slots; /* a full ring: all of it is behind wslot */
                if (n > 0)
                        witness_ws_scan_to(s, from, n);
                else
                        s->slot = from;
                log->st.scrub_records += s->v.records - before;
                if (s->ioerr)
                        goto out;
                if (!s->fault && s->scanned - done_before < n && s->slot != log->wslot) {
                        /* Erased flash below the write position: records were erased. */
                        s->fault = true;
                        s->v.fault = WV_TAIL_CUT;
                        s->v.fault_expected_seq = s->v.next_seq;
                }
                log->st.scrub_slot = s->slot;
        }
        if (s->fault) {
                log->st.scrub_alarm = true;
                log->st.scrub_verdict = s->v.fault == WV_OK ? WV_CONTENT : s->v.fault;
                log->st.scrub_bad_slot = s->slot;
                log->st.scrub_bad_seq = s->v.fault_expected_seq;
                witness_log_note_locked(log, WK_WIT_ALARM, 0, log->st.scrub_bad_seq,
                                        log->st.scrub_bad_slot, (uint64_t)log->st.scrub_verdict);
                log->scrub_active = false;
                done = WITNESS_SCRUB_DONE;
        } else if (log->st.scrub_slot == log->wslot) {
                log->st.scrub_passes++;
                log->scrub_active = false;
                done = WITNESS_SCRUB_DONE;
        }
out:
        unlock(log);
        return done;
}
