/*
 * witness/log.c — struct witness_log: the RAM ring (indexed by sequence number), the chain
 * head, epoch batching to the store (batch header, records, seal, anchor), boot-time
 * recovery of the store, the store-full policy, and the global log behind witness_emit().
 *
 * Invariants (under the log's lock):
 *  - head is the SHA-256 chain head after record next_seq - 1;
 *  - records [flushed_seq, next_seq) are pending and still in the ring (auto-flush runs
 *    before the ring could overwrite one), unless the store is unusable, in which case
 *    flushed_seq == next_seq and every record appended is counted in st.unpersisted;
 *  - while writing is set (a batch being programmed, or a block being made ready for one
 *    by tombstones, a rotation entry and an erase, with the lock given up), only that
 *    writer changes flushed_seq, the write position, the rotation state and the anchor
 *    journal; a flush, the scrub and store verification wait for it or skip a turn;
 *  - marks[(s / 64) % (cap / 64)] is the head before record s, for s % 64 == 0.
 */
#include <string.h>

#include "witness/internal.h"

static void lock(struct witness_log *log)
{
        if (log->cfg.lock)
                log->cfg.lock(log->cfg.lock_ctx);
}

/* Releases the lock; then, if seals were made meanwhile, tells the owner (outside the
 * lock, so it may print the head: docs/WITNESS.md §3.1). */
static void unlock(struct witness_log *log)
{
        bool sealed = log->seal_notified != log->last_seal.count;

        log->seal_notified = log->last_seal.count;
        if (log->cfg.unlock)
                log->cfg.unlock(log->cfg.lock_ctx);
        if (sealed && log->cfg.on_seal)
                log->cfg.on_seal(log->cfg.seal_ctx);
}

static uint8_t *ring_slot(struct witness_log *log, uint64_t seq)
{
        return log->cfg.ring[seq % log->cfg.ring_cap];
}

enum witness_err witness_log_init(struct witness_log *log, const struct witness_log_config *cfg)
{
        if (log == NULL || cfg == NULL || cfg->ring == NULL || cfg->marks == NULL ||
            cfg->ring_cap == 0 || cfg->ring_cap % 64 != 0 || cfg->batch_max == 0 ||
            cfg->ring_cap < cfg->batch_max + 64 ||
            (cfg->key != NULL && (cfg->key_len < 16 || cfg->key_len > WITNESS_KEY_MAX)) ||
            (cfg->lock == NULL) != (cfg->unlock == NULL))
                return WITNESS_E_INVAL;
        if (witness_crypto_init() != WITNESS_OK)
                return WITNESS_E_CRYPTO;
        memset(log, 0, sizeof(*log));
        log->cfg = *cfg;
        /* No provisioned key: development seals under the public development root. */
        log->dev = cfg->key == NULL;
        log->cfg.key_len = log->dev ? sizeof(witness_dev_key) : cfg->key_len;
        memcpy(log->key, log->dev ? witness_dev_key : cfg->key, log->cfg.key_len);
        log->cfg.key = log->key;
        log->st.dev_key = log->dev;
        witness_genesis(log->head);
        memcpy(log->ring_start_head, log->head, WITNESS_HEAD_SIZE);
        log->boot = 1;
        log->store_state = WITNESS_STORE_NONE;
        return WITNESS_OK;
}

/* This boot's first epoch key, from the root, which is then wiped: from here on the log
 * can seal forward only. */
static void ensure_keys(struct witness_log *log)
{
        if (log->keys.valid || log->cfg.key_len == 0)
                return;
        (void)witness_keys_seek(&log->keys, log->key, log->cfg.key_len, log->boot, 0);
        witness_wipe(log->key, sizeof(log->key));
        log->cfg.key_len = 0;
}

/* After a seal (and its anchor): the next epoch's key replaces this one. */
static void evolve(struct witness_log *log)
{
        if (witness_keys_evolve(&log->keys) != WITNESS_OK)
                witness_wipe(&log->keys, sizeof(log->keys)); /* seals then fail verification */
}

/* The one place a record is made: fill, (seal: MAC), chain, mark. */
static void append_record(struct witness_log *log, const struct witness_event *ev)
{
        uint64_t seq = log->next_seq;
        uint8_t *slot = ring_slot(log, seq);
        /* Every field named (the link is zero until the chain step): no memset call. */
        struct witness_record r = {
            .seq = seq,
            .time_ns = log->cfg.clock_ns ? log->cfg.clock_ns(log->cfg.clock_ctx) : 0,
            .target = ev->target,
            .cap = ev->cap,
            .payload = ev->payload,
            .boot = log->boot,
            .actor = ev->actor,
            .kind = ev->kind,
            .tier = ev->tier,
            .flags = ev->flags,
        };
        if (ev->kind == WK_WIT_SEAL) {
                ensure_keys(log);
                r.actor = log->keys.index; /* the epoch: which key sealed it */
                r.flags = log->dev ? WITNESS_F_DEV : 0;
        }
        witness_record_encode(&r, slot);
        if (seq % 64 == 0)
                memcpy(log->cfg.marks[(seq / 64) % (log->cfg.ring_cap / 64)], log->head,
                       WITNESS_HEAD_SIZE);
        if (ev->kind == WK_WIT_SEAL) {
                uint8_t mac[WITNESS_MAC_SIZE];

                /* The key was validated at init; the only failure is mbedTLS running out of
                 * its arena, which leaves a zero MAC that every verifier rejects. */
                if (log->keys.valid && witness_seal_mac(log->keys.key, WITNESS_HEAD_SIZE, log->head,
                                                        slot, mac) == WITNESS_OK)
                        memcpy(slot + 16, mac, WITNESS_MAC_SIZE);
                log->st.seals++;
                memcpy(log->seal_before, log->head, WITNESS_HEAD_SIZE);
        }
        witness_chain_step(log->head, slot);
        if (ev->kind == WK_WIT_SEAL) {
                log->last_seal.seq = seq;
                memcpy(log->last_seal.head, log->head, WITNESS_HEAD_SIZE);
                log->last_seal.boot = r.boot;
                log->last_seal.time_ns = r.time_ns;
                log->last_seal.dev = log->dev;
                log->last_seal.count++;
                if (!log->in_flush)
                        evolve(log); /* a RAM-only seal has no anchor to MAC */
        }
        log->next_seq++;
        log->st.emitted++;
        if (log->store_state != WITNESS_STORE_OK) {
                log->flushed_seq = log->next_seq;
                log->st.unpersisted++;
        }
}

static void append_simple(struct witness_log *log, uint16_t kind, uint8_t flags, uint64_t target,
                          uint64_t cap, uint64_t payload)
{
        struct witness_event ev = {
            .kind = kind, .flags = flags, .target = target, .cap = cap, .payload = payload};

        append_record(log, &ev);
}

void witness_log_note_locked(struct witness_log *log, uint16_t kind, uint8_t flags, uint64_t target,
                             uint64_t cap, uint64_t payload)
{
        append_simple(log, kind, flags, target, cap, payload);
}

static void stop_store(struct witness_log *log, enum witness_store_state why, uint64_t reason)
{
        log->store_state = why;
        /* Pending records can no longer be written: account for them, then say so in the
         * chain itself so the RAM log and any serial capture show where persistence ended. */
        log->st.unpersisted += log->next_seq - log->flushed_seq;
        log->flushed_seq = log->next_seq;
        append_simple(log, WK_WIT_STORE_FULL, WITNESS_F_NOSTORE, log->wslot, 0, reason);
}

/* This boot's anchor of the seal seal_seq at slot whose chain head before it is head, or with
 * rotations > 0 its rotation entry for the batch there, MACed with this epoch's key. */
static enum witness_err make_anchor(struct witness_log *log, struct witness_ws_anchor *a,
                                    uint64_t seal_seq, uint64_t slot, const uint8_t *head,
                                    uint32_t rotations)
{
        memset(a, 0, sizeof(*a));
        a->rot = rotations != 0;
        a->rotations = rotations;
        a->seal_seq = seal_seq;
        a->slot = (uint32_t)slot;
        a->boot = log->boot;
        a->index = log->keys.index;
        a->flags = log->dev ? WITNESS_F_DEV : 0;
        memcpy(a->head, head, WITNESS_HEAD_SIZE);
        return witness_ws_anchor_mac(a, log->keys.key, a->mac);
}

/*
 * Rotation (cfg.rotate): the log area is a ring of erase blocks; a batch never spans two,
 * and each batch header carries the chain head before its first record. When the next
 * block to write is the oldest, it is erased and history begins at the first batch of the
 * block after it: a rotation entry (keyed like an anchor, with this epoch's key) in the
 * anchor journal records (seq, slot, head) there, and WK_WIT_ROTATED follows in the log.
 */
static enum witness_err rotate(struct witness_log *log)
{
        const struct witness_flash *f = &log->flash;
        uint64_t per = f->block_size / WS_SLOT, nb = log->log_slots / per;
        uint64_t old = log->base_slot / per, next = (old + 1) % nb, base = witness_ws_log_off(f);
        struct witness_ws_anchor r;
        uint8_t b[WS_SLOT];
        uint64_t i;

        if (nb < 3)
                return WITNESS_E_FULL;
        for (i = 0; i < per; i++) {
                if (f->read(f->ctx, base + (next * per + i) * WS_SLOT, b, WS_SLOT) != 0)
                        return WITNESS_E_FLASH;
                if (!witness_ws_is_fill(b, WS_SLOT, 0))
                        break;
        }
        if (i == per || !witness_ws_slot_check(b, witness_ws_magic_batch))
                return WITNESS_E_CORRUPT; /* every block begins with a batch */
        if (make_anchor(log, &r, witness_ws_get64(b + 8), next * per + i, b + 24,
                        log->have_rot ? log->rot.rotations + 1 : 1) != WITNESS_OK)
                return WITNESS_E_CRYPTO;
        /* The entry first: a power cut before the erase leaves a block the next boot
         * finds where the ring's end should be erased (reported, not hidden). */
        log->rot = r;
        log->have_rot = true;
        if (witness_ws_write_anchor(f, &log->anchor_block, &log->anchor_next, &r, &log->rot) !=
                WITNESS_OK ||
            f->erase_block(f->ctx, base + old * per * WS_SLOT) != 0)
                return WITNESS_E_FLASH;
        log->base_slot = r.slot;
        log->base_seq = r.seal_seq;
        memcpy(log->base_head, r.head, WITNESS_HEAD_SIZE);
        log->st.rotations = r.rotations;
        log->st.base_seq = r.seal_seq;
        log->scrub_active = false; /* its pass started from a base that is gone */
        log->rot_pending = true;
        return WITNESS_OK;
}

/* Rotating stores: put the next batch (need slots) inside one block, freeing it if needed. */
static enum witness_err make_room(struct witness_log *log, uint64_t need)
{
        const struct witness_flash *f = &log->flash;
        uint64_t per = f->block_size / WS_SLOT, base = witness_ws_log_off(f);
        uint8_t b[WS_SLOT];

        if (log->wslot % per + need > per) {
                /* Tombstones to the end of the block: the scan steps over them. */
                while (log->wslot % per != 0) {
                        uint64_t n = per - log->wslot % per;

                        if (n > WS_ZERO_SIZE / WS_SLOT)
                                n = WS_ZERO_SIZE / WS_SLOT;
                        if (f->program(f->ctx, base + log->wslot * WS_SLOT, witness_ws_zero,
                                       n * WS_SLOT) != 0)
                                return WITNESS_E_FLASH;
                        log->wslot = (log->wslot + n) % log->log_slots;
                }
        }
        if (log->wslot % per != 0)
                return WITNESS_OK;
        if (f->read(f->ctx, base + log->wslot * WS_SLOT, b, WS_SLOT) != 0)
                return WITNESS_E_FLASH;
        if (witness_ws_is_fill(b, WS_SLOT, 0xFF))
                return WITNESS_OK; /* a block never written */
        if (log->wslot / per != log->base_slot / per)
                return WITNESS_E_CORRUPT; /* written, yet not the oldest */
        return rotate(log);
}

/*
 * Room for the pending batch (header, records, ROTATED, seal) inside one block. With
 * cfg.release the tombstones, the rotation entry and the erase run with the lock given up,
 * as a batch's programming does (an erase takes up to seconds on real NOR, and every CPU's
 * records go through this lock). Appends go on meanwhile, so the room is checked again for
 * the batch as it has grown. It grows by at most one record a CPU past batch_max (an append
 * that reaches batch_max waits for this writer), which a fresh block holds: open rotates
 * only blocks of at least batch_max + 4 slots, and real ones have thousands. If it ever
 * did not fit, the store would stop (failed) rather than write a batch across two blocks.
 */
static enum witness_err room_for_batch(struct witness_log *log)
{
        uint64_t per = log->flash.block_size / WS_SLOT;
        bool unlocked = log->cfg.release != NULL && log->cfg.reacquire != NULL;
        enum witness_err e = WITNESS_OK;

        for (int tries = 0; e == WITNESS_OK; tries++) {
                uint64_t need = log->next_seq - log->flushed_seq + 3;

                if (tries > 0 && log->wslot % per + need <= per)
                        return WITNESS_OK;
                if (need > per || tries == 3)
                        return WITNESS_E_FULL; /* cannot happen with open's geometry check */
                if (unlocked) {
                        __atomic_store_n(&log->writing, true, __ATOMIC_RELEASE);
                        log->cfg.release(log->cfg.lock_ctx);
                }
                e = make_room(log, need);
                if (unlocked) {
                        log->cfg.reacquire(log->cfg.lock_ctx);
                        __atomic_store_n(&log->writing, false, __ATOMIC_RELEASE);
                }
        }
        return e;
}

/*
 * Write [flushed_seq, next_seq) (the last record being a seal) as one batch + anchor. The
 * header, the anchor and its MAC are made under the lock; with cfg.release the programming
 * runs with the lock given up (appends go on behind the seal, into ring slots this batch
 * does not use), and the log moves past the batch once it is taken back.
 */
static enum witness_err write_batch(struct witness_log *log)
{
        const struct witness_flash *f = &log->flash;
        uint64_t first = log->flushed_seq, count = log->next_seq - first;
        uint64_t base = witness_ws_log_off(f), wslot = log->wslot;
        uint8_t hdr[WS_SLOT], head_after[WITNESS_HEAD_SIZE];
        struct witness_ws_anchor a;
        bool unlocked = log->cfg.release != NULL && log->cfg.reacquire != NULL;
        enum witness_err e = WITNESS_OK;

        witness_ws_batch_make(hdr, first, (uint32_t)count, log->boot, log->batch_head);
        memcpy(head_after, log->head, WITNESS_HEAD_SIZE); /* after the seal: the next batch's */
        if (make_anchor(log, &a, log->next_seq - 1, wslot + count, log->seal_before, 0) !=
            WITNESS_OK)
                return WITNESS_E_CRYPTO;
        if (unlocked) {
                __atomic_store_n(&log->writing, true, __ATOMIC_RELEASE);
                log->cfg.release(log->cfg.lock_ctx);
        }
        if (f->program(f->ctx, base + wslot * WS_SLOT, hdr, WS_SLOT) != 0)
                e = WITNESS_E_FLASH;
        /* The records in as few programs as the ring allows (it is contiguous up to its
         * wrap): on real NOR and under QEMU, each program operation has a fixed cost. */
        for (uint64_t i = 0; e == WITNESS_OK && i < count;) {
                uint64_t run = log->cfg.ring_cap - (first + i) % log->cfg.ring_cap;

                if (run > count - i)
                        run = count - i;
                if (f->program(f->ctx, base + (wslot + 1 + i) * WS_SLOT, ring_slot(log, first + i),
                               run * WS_SLOT) != 0)
                        e = WITNESS_E_FLASH;
                i += run;
        }
        if (e == WITNESS_OK)
                e = witness_ws_write_anchor(f, &log->anchor_block, &log->anchor_next, &a,
                                            log->have_rot ? &log->rot : NULL);
        if (unlocked) {
                log->cfg.reacquire(log->cfg.lock_ctx);
                __atomic_store_n(&log->writing, false, __ATOMIC_RELEASE);
        }
        if (e != WITNESS_OK)
                return e;
        log->last_anchor = a;
        log->have_anchor = true;
        log->wslot = (wslot + count + 1) % log->log_slots;
        memcpy(log->batch_head, head_after, WITNESS_HEAD_SIZE);
        log->flushed_seq = first + count;
        log->st.persisted += count;
        log->st.flushes++;
        return WITNESS_OK;
}

static enum witness_err flush_locked(struct witness_log *log)
{
        uint64_t pending;
        bool final;
        enum witness_err e;

        witness_wait_writer(log); /* one batch at a time */
        if (log->store_state != WITNESS_STORE_OK)
                return WITNESS_E_NOSTORE;
        pending = log->next_seq - log->flushed_seq;
        if (pending == 0)
                return WITNESS_OK;
        /* Keep room for one more maximal batch plus header, STORE_FULL and seal, so the
         * batch that finds the store full can always be written whole. */
        final = !log->cfg.rotate &&
                log->log_slots - log->wslot < pending + 2 + (uint64_t)log->cfg.batch_max + 4;
        if (final)
                append_simple(log, WK_WIT_STORE_FULL, 0, log->wslot, 0, WITNESS_STOP_FULL);
        if (log->cfg.rotate) {
                e = room_for_batch(log);
                if (e != WITNESS_OK) {
                        log->st.flash_errors++;
                        stop_store(log, WITNESS_STORE_FAILED, WITNESS_STOP_FLASH);
                        return e;
                }
                if (log->rot_pending) {
                        log->rot_pending = false;
                        append_simple(log, WK_WIT_ROTATED, 0, log->base_seq, log->base_slot,
                                      log->st.rotations);
                }
        }
        log->in_flush = true;
        append_simple(log, WK_WIT_SEAL, 0, 0, 0, 0);
        log->in_flush = false;
        e = write_batch(log);
        evolve(log); /* the seal and its anchor are made: this epoch's key goes */

        if (e != WITNESS_OK) {
                log->st.flash_errors++;
                stop_store(log, WITNESS_STORE_FAILED, WITNESS_STOP_FLASH);
                return e;
        }
        if (final) {
                log->store_state = WITNESS_STORE_FULL;
                return WITNESS_E_FULL;
        }
        return WITNESS_OK;
}

static void append_locked(struct witness_log *log, const struct witness_event *ev)
{
        append_record(log, ev);
        if (log->store_state == WITNESS_STORE_OK &&
            log->next_seq - log->flushed_seq >= log->cfg.batch_max)
                (void)flush_locked(log);
}

enum witness_err witness_log_start(struct witness_log *log, const uint8_t digest[WITNESS_HEAD_SIZE])
{
        struct witness_event ev = {.kind = WK_BOOT_ATTEST};
        static const uint8_t none[WITNESS_HEAD_SIZE];

        if (log == NULL)
                return WITNESS_E_INVAL;
        if (digest == NULL)
                digest = none;
        lock(log);
        log->started = true;
        ensure_keys(log);
        ev.target = witness_ws_get64(digest);
        ev.cap = witness_ws_get64(digest + 8);
        ev.payload = witness_ws_get64(digest + 16);
        append_locked(log, &ev);
        if (log->st.recovered)
                append_simple(log, WK_WIT_RECOVERED, log->st.lost ? WITNESS_F_TORN : 0,
                              log->st.adopted_first,
                              log->st.lost ? log->st.lost_first : log->ring_start_seq,
                              log->st.lost ? log->st.lost_last : 0);
        if (log->store_state == WITNESS_STORE_OK && log->ring_start_seq > 0 && !log->clean_end) {
                /* The previous boot ended without a clean shutdown: whatever it held only in
                 * RAM after its last persisted record (at most one epoch, < batch_max
                 * records) existed and is lost. */
                log->st.unclean = true;
                log->st.unclean_last = log->ring_start_seq - 1;
                append_simple(log, WK_WIT_UNCLEAN, 0, log->ring_start_seq - 1, log->prev_last_time,
                              log->boot - 1);
        }
        if (log->store_state == WITNESS_STORE_FULL || log->store_state == WITNESS_STORE_FAILED ||
            log->store_state == WITNESS_STORE_CORRUPT)
                append_simple(log, WK_WIT_STORE_FULL, WITNESS_F_NOSTORE, log->wslot, 0,
                              log->store_state == WITNESS_STORE_FULL     ? WITNESS_STOP_FULL
                              : log->store_state == WITNESS_STORE_FAILED ? WITNESS_STOP_FLASH
                                                                         : WITNESS_STOP_CORRUPT);
        unlock(log);
        return WITNESS_OK;
}

enum witness_err witness_log_append(struct witness_log *log, const struct witness_event *ev)
{
        if (log == NULL || ev == NULL)
                return WITNESS_E_INVAL;
        lock(log);
        append_locked(log, ev);
        unlock(log);
        return WITNESS_OK;
}

enum witness_err witness_log_flush(struct witness_log *log)
{
        enum witness_err e;

        if (log == NULL)
                return WITNESS_E_INVAL;
        lock(log);
        e = flush_locked(log);
        unlock(log);
        return e;
}

enum witness_err witness_log_seal(struct witness_log *log)
{
        if (log == NULL)
                return WITNESS_E_INVAL;
        lock(log);
        if (log->store_state == WITNESS_STORE_OK)
                (void)flush_locked(log); /* a stored seal: the batch is written with it */
        else
                append_simple(log, WK_WIT_SEAL, 0, 0, 0, 0);
        unlock(log);
        return WITNESS_OK;
}

enum witness_err witness_log_shutdown(struct witness_log *log)
{
        enum witness_err e;

        if (log == NULL)
                return WITNESS_E_INVAL;
        lock(log);
        append_simple(log, WK_WIT_SHUTDOWN, 0, 0, 0, 0);
        e = flush_locked(log);
        if (e == WITNESS_E_NOSTORE)
                append_simple(log, WK_WIT_SEAL, 0, 0, 0, 0); /* the RAM chain ends sealed */
        unlock(log);
        return e;
}

void witness_log_last_seal(struct witness_log *log, struct witness_seal_info *out)
{
        if (log == NULL || out == NULL)
                return;
        lock(log);
        *out = log->last_seal;
        unlock(log);
}
