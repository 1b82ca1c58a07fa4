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
 *  - while writing is set (a batch being programmed with the lock given up), only that
 *    writer changes flushed_seq, the write position and the anchor journal; a flush, the
 *    scrub and store verification wait for it or skip a turn;
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
        struct witness_record r;
        uint64_t seq = log->next_seq;
        uint8_t *slot = ring_slot(log, seq);

        memset(&r, 0, sizeof(r));
        r.seq = seq;
        r.time_ns = log->cfg.clock_ns ? log->cfg.clock_ns(log->cfg.clock_ctx) : 0;
        r.boot = log->boot;
        r.kind = ev->kind;
        r.tier = ev->tier;
        r.flags = ev->flags;
        r.actor = ev->actor;
        r.target = ev->target;
        r.cap = ev->cap;
        r.payload = ev->payload;
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

static void stop_store(struct witness_log *log, enum witness_store_state why, uint64_t reason)
{
        log->store_state = why;
        /* Pending records can no longer be written: account for them, then say so in the
         * chain itself so the RAM log and any serial capture show where persistence ended. */
        log->st.unpersisted += log->next_seq - log->flushed_seq;
        log->flushed_seq = log->next_seq;
        append_simple(log, WK_WIT_STORE_FULL, WITNESS_F_NOSTORE, log->wslot, 0, reason);
}

/* Is a the authentic anchor of its seal? A development log cannot check a keyed anchor
 * (it has no key): it takes it on its chain alone. */
static bool anchor_authentic(struct witness_log *log, const struct witness_ws_anchor *a)
{
        bool dev = (a->flags & WITNESS_F_DEV) != 0;
        struct witness_keys ks;
        uint8_t mac[32], d = 0;

        if (!dev && log->dev)
                return true;
        if (witness_keys_seek(&ks, dev ? witness_dev_key : log->key,
                              dev ? sizeof(witness_dev_key) : log->cfg.key_len, a->boot,
                              a->index) != WITNESS_OK ||
            witness_ws_anchor_mac(a, ks.key, mac) != WITNESS_OK) {
                witness_wipe(&ks, sizeof(ks));
                return false;
        }
        witness_wipe(&ks, sizeof(ks));
        for (int i = 0; i < 32; i++)
                d |= (uint8_t)(mac[i] ^ a->mac[i]);
        return d == 0;
}

/* Write an anchor for a seal, MACed with the seal's key. */
static enum witness_err put_anchor(struct witness_log *log, struct witness_ws_anchor *a,
                                   const uint8_t key[32])
{
        if (witness_ws_anchor_mac(a, key, a->mac) != WITNESS_OK)
                return WITNESS_E_CRYPTO;
        log->last_anchor = *a;
        log->have_anchor = true;
        return witness_ws_write_anchor(&log->flash, &log->anchor_block, &log->anchor_next, a,
                                       log->have_rot ? &log->rot : NULL);
}

enum witness_err witness_log_attach_store(struct witness_log *log, const struct witness_flash *f,
                                          bool format_if_blank)
{
        struct witness_ws_scan s;
        struct witness_ws_journal j;
        bool blank = false;
        enum witness_err e;
        uint64_t start = 0;
        bool fast = false;
        const uint8_t *vkey;

        if (log == NULL || f == NULL || !witness_ws_geometry_ok(f) || !f->read || !f->program ||
            !f->erase_block)
                return WITNESS_E_INVAL;
        if (log->started || log->next_seq != 0 || log->store_state != WITNESS_STORE_NONE ||
            log->cfg.key_len == 0)
                return WITNESS_E_STATE;
        lock(log);
        log->flash = *f;
        log->log_slots = witness_ws_log_slots(f);
        if (log->cfg.rotate && (log->log_slots / (f->block_size / WS_SLOT) < 3 ||
                                (uint64_t)log->cfg.batch_max + 4 > f->block_size / WS_SLOT))
                log->cfg.rotate = false; /* too small to rotate: it fills and stops */
        /* Keyed seals are checked with the root; a development log can only check its own. */
        vkey = log->dev ? NULL : log->key;
        e = witness_ws_read_super(f, &blank);
        if (e == WITNESS_E_NOFMT && blank && format_if_blank)
                e = witness_store_format(f);
        if (e != WITNESS_OK)
                goto out;
        memset(&s, 0, sizeof(s));
        s.f = f;
        s.log_slots = log->log_slots;
        witness_verify_init(&s.v, NULL, 0, vkey, log->cfg.key_len);
        e = witness_ws_read_journal(f, &j, NULL, NULL);
        if (e != WITNESS_OK)
                goto out;
        log->anchor_block = j.active_block;
        log->anchor_next = j.next_free;
        if ((j.bad > 0 && !j.torn) || (j.found && !anchor_authentic(log, &j.best)) ||
            (j.rot_found && !anchor_authentic(log, &j.rot))) {
                /* A damaged or forged anchor is evidence, not a power cut. */
                e = WITNESS_E_CORRUPT;
                goto out;
        }
        witness_genesis(log->base_head);
        if (j.rot_found) {
                /* The store has rotated: history begins at the latest rotation entry. */
                log->have_rot = true;
                log->rot = j.rot;
                log->base_slot = j.rot.slot % log->log_slots;
                log->base_seq = j.rot.seal_seq;
                memcpy(log->base_head, j.rot.head, WITNESS_HEAD_SIZE);
                log->st.rotations = j.rot.rotations;
                log->st.base_seq = j.rot.seal_seq;
        }
        s.stop_slot = log->base_slot;
        witness_verify_init(&s.v, j.rot_found ? log->base_head : NULL, log->base_seq, vkey,
                            log->cfg.key_len);
        s.anchored = j.found;
        s.anchor = j.best;
        log->have_anchor = j.found;
        log->last_anchor = j.best;
        if (s.anchored && s.anchor.slot < s.log_slots) {
                /* Fast path: the anchor is authentic; re-verify its seal (chain link and
                 * HMAC) from the head it recorded, and scan only what follows. */
                uint8_t b[WS_SLOT];
                struct witness_record r;
                uint64_t off = witness_ws_log_off(f) + (uint64_t)s.anchor.slot * WS_SLOT;

                if (f->read(f->ctx, off, b, WS_SLOT) != 0) {
                        e = WITNESS_E_FLASH;
                        goto out;
                }
                witness_record_decode(b, &r);
                witness_verify_init(&s.v, s.anchor.head, s.anchor.seal_seq, vkey, log->cfg.key_len);
                witness_verify_expect_seal(&s.v, s.anchor.boot, s.anchor.index);
                if (r.kind == WK_WIT_SEAL && witness_verify_record(&s.v, b) == WV_OK) {
                        uint8_t pb[WS_SLOT];

                        start = ((uint64_t)s.anchor.slot + 1) % s.log_slots;
                        fast = true;
                        if (start == s.stop_slot)
                                s.scanned = 1; /* the ring is full: nothing follows */
                        s.anchor_ok = true;
                        s.have_seal = true;
                        s.any_record = true;
                        s.first_seq = r.seq;
                        s.seal_slot = s.anchor.slot;
                        s.seal_index = s.anchor.index;
                        s.seal_flags = r.flags;
                        s.unsealed_first = r.seq + 1;
                        s.last_boot = r.boot;
                        s.seal_boot = r.boot;
                        s.last_kind = WK_WIT_SEAL;
                        s.last_time = r.time_ns;
                        memcpy(s.seal_head, s.anchor.head, WITNESS_HEAD_SIZE);
                        /* Was the record before the seal a clean shutdown? (Its link is the
                         * first 12 bytes of the head the anchor holds.) */
                        if (s.anchor.slot > 0 && f->read(f->ctx, off - WS_SLOT, pb, WS_SLOT) == 0 &&
                            memcmp(pb + WITNESS_CONTENT_SIZE, s.anchor.head, WITNESS_LINK_SIZE) ==
                                0)
                                s.before_seal_kind = (uint16_t)(pb[48] | pb[49] << 8);
                        s.anchor_passed = true;
                } else {
                        witness_verify_init(&s.v, j.rot_found ? log->base_head : NULL,
                                            log->base_seq, vkey, log->cfg.key_len);
                }
        }
        if (!fast)
                start = log->base_slot;
        witness_ws_scan_run(&s, start);
        if (s.ioerr) {
                e = WITNESS_E_FLASH;
                goto out;
        }
        /* Continue the chain from the last good record whatever happens next. */
        memcpy(log->head, s.v.head, WITNESS_HEAD_SIZE);
        memcpy(log->ring_start_head, s.v.head, WITNESS_HEAD_SIZE);
        log->next_seq = log->ring_start_seq = log->flushed_seq = s.v.next_seq;
        log->boot = s.last_boot + 1;
        log->wslot = s.slot;
        if (!log->have_rot && s.scanned > 0 && s.slot == log->base_slot && s.any_record &&
            !log->cfg.rotate)
                log->wslot = log->log_slots; /* every slot written: full, not slot 0 again */
        memcpy(log->batch_head, s.v.head, WITNESS_HEAD_SIZE);
        log->clean_end = s.have_seal && s.unsealed_first == s.v.next_seq &&
                         s.before_seal_kind == WK_WIT_SHUTDOWN;
        log->prev_last_time = s.last_time;
        if (witness_ws_rotation_interrupted(&s, log->have_rot, log->base_slot)) {
                /* The power went between a rotation entry and its erase: finish it. */
                if (f->erase_block(f->ctx, witness_ws_log_off(f) + s.slot * WS_SLOT) != 0) {
                        e = WITNESS_E_FLASH;
                        goto out;
                }
                s.fault = false;
                log->st.recovered = true;
        }
        if (s.fault || (s.anchored && !s.anchor_ok) ||
            (log->clean_end && (j.torn || !s.anchored || s.seal_slot != s.anchor.slot))) {
                /* Not a power cut: evidence of damage or tampering (after a clean shutdown
                 * the last anchor is whole). Leave it as it is. */
                log->store_state = WITNESS_STORE_CORRUPT;
                e = WITNESS_E_CORRUPT;
                goto out;
        }
        log->store_state = WITNESS_STORE_OK;
        log->st.adopted_first = s.have_seal ? s.unsealed_first : (s.any_record ? s.first_seq : 0);
        log->st.lost_first = log->st.lost_last = 0;
        log->st.lost = witness_ws_scan_lost(&s, &log->st.lost_first, &log->st.lost_last);
        if (log->st.lost || log->st.adopted_first < log->next_seq)
                log->st.recovered = true;
        if (j.torn) {
                static const uint8_t zero[WS_ANCHOR_SIZE];

                /* An interrupted anchor write: zeroed (a journal tombstone). */
                if (f->program(f->ctx, j.torn_off, zero, WS_ANCHOR_SIZE) != 0) {
                        e = WITNESS_E_FLASH;
                        goto out;
                }
        }
        if (s.torn) {
                static const uint8_t zero[WS_SLOT];

                /* Zeroing is always possible on NOR; a zero slot is a tombstone. */
                if (f->program(f->ctx, witness_ws_log_off(f) + s.slot * WS_SLOT, zero, WS_SLOT) !=
                    0) {
                        e = WITNESS_E_FLASH;
                        goto out;
                }
                log->wslot = (s.slot + 1) % log->log_slots;
        }
        if (s.have_seal && (!s.anchored || s.seal_slot != s.anchor.slot)) {
                /* Power was cut between a seal and its anchor: anchor it now, with its key. */
                struct witness_ws_anchor a = {.seal_seq = s.unsealed_first - 1,
                                              .slot = (uint32_t)s.seal_slot,
                                              .boot = s.seal_boot,
                                              .index = s.seal_index,
                                              .flags = s.seal_flags & WITNESS_F_DEV};
                bool dev = (s.seal_flags & WITNESS_F_DEV) != 0;
                struct witness_keys ks;

                memcpy(a.head, s.seal_head, WITNESS_HEAD_SIZE);
                if (!dev && log->dev) {
                        e = WITNESS_OK; /* cannot MAC a keyed anchor without the key */
                } else if (witness_keys_seek(&ks, dev ? witness_dev_key : log->key,
                                             dev ? sizeof(witness_dev_key) : log->cfg.key_len,
                                             a.boot, a.index) != WITNESS_OK) {
                        e = WITNESS_E_CRYPTO;
                } else {
                        e = put_anchor(log, &a, ks.key);
                }
                witness_wipe(&ks, sizeof(ks));
                if (e != WITNESS_OK) {
                        e = WITNESS_E_FLASH;
                        goto out;
                }
        }
        if (!log->cfg.rotate && log->log_slots - log->wslot < (uint64_t)log->cfg.batch_max + 4) {
                log->store_state = WITNESS_STORE_FULL;
                e = WITNESS_E_FULL;
        }
out:
        /* Whatever went wrong, the log keeps working in RAM; start() witnesses why. */
        if (e == WITNESS_E_FLASH) {
                log->store_state = WITNESS_STORE_FAILED;
                log->st.flash_errors++;
        } else if (e == WITNESS_E_CORRUPT || (e == WITNESS_E_NOFMT && !blank)) {
                log->store_state = WITNESS_STORE_CORRUPT;
                e = WITNESS_E_CORRUPT;
        }
        unlock(log);
        return e;
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
        memset(&r, 0, sizeof(r));
        r.rot = true;
        r.rotations = log->have_rot ? log->rot.rotations + 1 : 1;
        r.seal_seq = witness_ws_get64(b + 8);
        r.slot = (uint32_t)(next * per + i);
        r.boot = log->boot;
        r.index = log->keys.index;
        r.flags = log->dev ? WITNESS_F_DEV : 0;
        memcpy(r.head, b + 24, WITNESS_HEAD_SIZE);
        if (witness_ws_anchor_mac(&r, log->keys.key, r.mac) != WITNESS_OK)
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
        static const uint8_t zero[WS_SLOT * 8];
        uint8_t b[WS_SLOT];

        if (log->wslot % per + need > per) {
                /* Tombstones to the end of the block: the scan steps over them. */
                while (log->wslot % per != 0) {
                        uint64_t n = per - log->wslot % per;

                        if (n > sizeof(zero) / WS_SLOT)
                                n = sizeof(zero) / WS_SLOT;
                        if (f->program(f->ctx, base + log->wslot * WS_SLOT, zero, n * WS_SLOT) != 0)
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
        memset(&a, 0, sizeof(a));
        a.seal_seq = log->next_seq - 1;
        a.slot = (uint32_t)(wslot + count);
        a.boot = log->boot;
        a.index = log->keys.index;
        a.flags = log->dev ? WITNESS_F_DEV : 0;
        memcpy(a.head, log->seal_before, WITNESS_HEAD_SIZE);
        if (witness_ws_anchor_mac(&a, log->keys.key, a.mac) != WITNESS_OK)
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
                /* Room for the batch (header, records, ROTATED, seal) inside one block. */
                e = make_room(log, pending + 3);
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
                memset(s, 0, sizeof(*s));
                s->f = &log->flash;
                s->log_slots = log->log_slots;
                s->no_torn = true;
                s->stop_slot = log->base_slot;
                witness_verify_init(&s->v, log->have_rot ? log->base_head : NULL, log->base_seq,
                                    NULL, 0);
                /* The latest anchor as this boot knows it (checked at open or written since):
                 * the scan must meet it. The journal itself is checked at open and by the
                 * tool; reading all of it here would be one long step. */
                s->anchored = log->have_anchor;
                s->anchor = log->last_anchor;
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
                append_simple(log, WK_WIT_ALARM, 0, log->st.scrub_bad_seq, log->st.scrub_bad_slot,
                              (uint64_t)log->st.scrub_verdict);
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
