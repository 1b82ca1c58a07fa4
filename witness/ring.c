/*
 * witness/ring.c — reading the RAM ring (tail, verification, statistics) and the global
 * log behind witness_emit(). The ring is indexed by sequence number; the checkpoint heads
 * ("marks") every 64 records let a reader start the chain anywhere in the ring.
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

/* Earliest record from which the chain can be rebuilt, and the head before it. */
static uint64_t ring_base(struct witness_log *log, uint64_t at_or_after, uint8_t head[32])
{
        uint64_t cap = log->cfg.ring_cap;
        uint64_t oldest = log->next_seq > cap ? log->next_seq - cap : 0;
        uint64_t s;

        if (oldest < log->ring_start_seq)
                oldest = log->ring_start_seq;
        if (at_or_after < oldest)
                at_or_after = oldest;
        s = at_or_after & ~(uint64_t)63;
        if (s < oldest) {
                if (oldest == log->ring_start_seq && s < log->ring_start_seq) {
                        memcpy(head, log->ring_start_head, WITNESS_HEAD_SIZE);
                        return log->ring_start_seq;
                }
                s += 64; /* the mark below 'oldest' may already be overwritten */
        }
        if (s >= log->next_seq) {
                memcpy(head, log->head, WITNESS_HEAD_SIZE);
                return log->next_seq;
        }
        memcpy(head, log->cfg.marks[(s / 64) % (cap / 64)], WITNESS_HEAD_SIZE);
        return s;
}

uint32_t witness_log_tail(struct witness_log *log, uint32_t n,
                          uint8_t head_before[WITNESS_HEAD_SIZE], uint64_t *first_seq,
                          void (*cb)(void *ctx, const uint8_t rec[WITNESS_RECORD_SIZE]), void *ctx)
{
        uint8_t head[WITNESS_HEAD_SIZE];
        uint64_t want, s;
        uint32_t count = 0;

        if (log == NULL)
                return 0;
        lock(log);
        want = log->next_seq > n ? log->next_seq - n : 0;
        s = ring_base(log, want, head);
        /* Hash forward from the checkpoint to the first record shown (< 64 steps). */
        for (; s < want && s < log->next_seq; s++)
                (void)witness_chain_check(head, log->cfg.ring[s % log->cfg.ring_cap]);
        if (head_before)
                memcpy(head_before, head, WITNESS_HEAD_SIZE);
        if (first_seq)
                *first_seq = s;
        for (; s < log->next_seq; s++, count++)
                if (cb)
                        cb(ctx, log->cfg.ring[s % log->cfg.ring_cap]);
        unlock(log);
        return count;
}

enum witness_verdict witness_log_verify_ring(struct witness_log *log, uint64_t *bad_seq)
{
        struct witness_verifier v;
        uint8_t head[WITNESS_HEAD_SIZE];
        enum witness_verdict r = WV_OK;
        uint64_t s;

        if (log == NULL)
                return WV_FORMAT;
        lock(log);
        s = ring_base(log, 0, head);
        /* Chain only: the log holds no key that could check an earlier seal (by design). */
        witness_verify_init(&v, head, s, NULL, 0);
        for (; s < log->next_seq && r == WV_OK; s++)
                r = witness_verify_record(&v, log->cfg.ring[s % log->cfg.ring_cap]);
        /* The ring must end exactly at the live head (catches a rewritten last record). */
        if (r == WV_OK && memcmp(v.head, log->head, WITNESS_HEAD_SIZE) != 0) {
                r = WV_CONTENT;
                v.fault_expected_seq = log->next_seq - 1;
        }
        if (r != WV_OK && bad_seq)
                *bad_seq = v.fault_expected_seq;
        unlock(log);
        return r;
}

enum witness_err witness_log_verify_store(struct witness_log *log, struct witness_store_report *rep)
{
        enum witness_err e;

        if (log == NULL || rep == NULL)
                return WITNESS_E_INVAL;
        lock(log);
        witness_wait_writer(log); /* the flash reads as status while it is programmed */
        if (log->store_state == WITNESS_STORE_NONE)
                e = WITNESS_E_NOSTORE;
        else
                e = witness_store_verify(&log->flash, NULL, 0, rep, NULL, NULL);
        unlock(log);
        return e;
}

static struct witness_log *global_log;
static uint64_t global_unlogged;

void witness_log_stats(struct witness_log *log, struct witness_stats *out)
{
        if (log == NULL || out == NULL)
                return;
        lock(log);
        *out = log->st;
        out->next_seq = log->next_seq;
        out->boot = log->boot;
        out->pending = log->next_seq - log->flushed_seq;
        out->store_slots = log->log_slots;
        out->store_used = log->wslot;
        out->store_state = log->store_state;
        out->unlogged = global_unlogged;
        unlock(log);
}

void witness_set_global(struct witness_log *log)
{
        global_log = log;
}

struct witness_log *witness_global(void)
{
        return global_log;
}

void witness_emit(const struct witness_event *ev)
{
        struct witness_log *log = global_log;

        if (log == NULL || ev == NULL) {
                /* Before the kernel registers its log (single CPU, early boot): counted,
                 * and reported by witness_log_stats once a log exists. */
                global_unlogged++;
                return;
        }
        (void)witness_log_append(log, ev);
}

uint64_t witness_unlogged(void)
{
        return global_unlogged;
}
