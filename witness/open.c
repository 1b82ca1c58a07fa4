/*
 * witness/open.c — opening a store at boot (witness_log_attach_store): the superblock, the
 * anchor journal (keyed anchors checked, a damaged or forged one named), the forward scan
 * that recovers the chain up to the end of the log, the torn final batch a power cut leaves
 * told apart from tampering, and the write position for this boot. The log itself
 * (appending, batching, sealing) is witness/log.c.
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

/* The MAC of anchor a with its seal's key, sought from the root (the public development root
 * for a development seal): 0; 1 when a development log has no key to make it (a keyed
 * seal); -1 on a crypto error. */
static int anchor_mac(struct witness_log *log, const struct witness_ws_anchor *a, uint8_t mac[32])
{
        bool dev = (a->flags & WITNESS_F_DEV) != 0;
        struct witness_keys ks;
        int r = -1;

        if (!dev && log->dev)
                return 1;
        if (witness_keys_seek(&ks, dev ? witness_dev_key : log->key,
                              dev ? sizeof(witness_dev_key) : log->cfg.key_len, a->boot,
                              a->index) == WITNESS_OK &&
            witness_ws_anchor_mac(a, ks.key, mac) == WITNESS_OK)
                r = 0;
        witness_wipe(&ks, sizeof(ks));
        return r;
}

/* Is a the authentic anchor of its seal? A development log cannot check a keyed anchor
 * (it has no key): it takes it on its chain alone. */
static bool anchor_authentic(struct witness_log *log, const struct witness_ws_anchor *a)
{
        uint8_t mac[32], d = 0;
        int r = anchor_mac(log, a, mac);

        if (r != 0)
                return r > 0;
        for (int i = 0; i < 32; i++)
                d |= (uint8_t)(mac[i] ^ a->mac[i]);
        return d == 0;
}

/* A scan of the log from its base (the oldest record the store keeps), checking the latest
 * anchor the log knows of, if any; seal MACs checked with vkey (NULL: not checked). Opening
 * the store and the scrub (witness/scrub.c) both begin so. */
void witness_log_scan_begin(struct witness_ws_scan *s, struct witness_log *log, const uint8_t *vkey)
{
        memset(s, 0, sizeof(*s));
        s->f = &log->flash;
        s->log_slots = log->log_slots;
        s->stop_slot = log->base_slot;
        witness_verify_init(&s->v, log->have_rot ? log->base_head : NULL, log->base_seq, vkey,
                            log->cfg.key_len);
        s->anchored = log->have_anchor;
        s->anchor = log->last_anchor;
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
        log->have_anchor = j.found;
        log->last_anchor = j.best;
        witness_log_scan_begin(&s, log, vkey);
        if (s.anchored && s.anchor.slot < s.log_slots) {
                /* Fast path: the anchor is authentic; re-verify its seal (chain link and
                 * HMAC) from the head it recorded, as the scan's first slot, and scan only
                 * what follows. */
                witness_verify_init(&s.v, s.anchor.head, s.anchor.seal_seq, vkey, log->cfg.key_len);
                witness_verify_expect_seal(&s.v, s.anchor.boot, s.anchor.index);
                witness_ws_scan_to(&s, s.anchor.slot, 1);
                if (s.ioerr) {
                        e = WITNESS_E_FLASH;
                        goto out;
                }
                if (s.have_seal && s.seal_slot == s.anchor.slot && !s.fault) {
                        uint8_t pb[WS_SLOT];
                        uint64_t off = witness_ws_log_off(f) + (uint64_t)s.anchor.slot * WS_SLOT;

                        start = s.slot;
                        fast = true;
                        /* Was the record before the seal a clean shutdown? (Its link is the
                         * first 12 bytes of the head the anchor holds.) */
                        if (s.anchor.slot > 0 && f->read(f->ctx, off - WS_SLOT, pb, WS_SLOT) == 0 &&
                            memcmp(pb + WITNESS_CONTENT_SIZE, s.anchor.head, WITNESS_LINK_SIZE) ==
                                0)
                                s.before_seal_kind = (uint16_t)(pb[48] | pb[49] << 8);
                } else {
                        witness_log_scan_begin(&s, log, vkey);
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
                _Static_assert(WS_ANCHOR_SIZE <= WS_ZERO_SIZE, "an anchor's zeros");

                /* An interrupted anchor write: zeroed (a journal tombstone). */
                if (f->program(f->ctx, j.torn_off, witness_ws_zero, WS_ANCHOR_SIZE) != 0) {
                        e = WITNESS_E_FLASH;
                        goto out;
                }
        }
        if (s.torn) {
                /* Zeroing is always possible on NOR; a zero slot is a tombstone. */
                if (f->program(f->ctx, witness_ws_log_off(f) + s.slot * WS_SLOT, witness_ws_zero,
                               WS_SLOT) != 0) {
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
                int r;

                memcpy(a.head, s.seal_head, WITNESS_HEAD_SIZE);
                r = anchor_mac(log, &a, a.mac);
                if (r > 0) {
                        e = WITNESS_OK; /* cannot MAC a keyed anchor without the key */
                } else if (r < 0) {
                        e = WITNESS_E_CRYPTO;
                } else {
                        log->last_anchor = a;
                        log->have_anchor = true;
                        e = witness_ws_write_anchor(&log->flash, &log->anchor_block,
                                                    &log->anchor_next, &a,
                                                    log->have_rot ? &log->rot : NULL);
                }
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
