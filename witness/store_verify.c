/*
 * witness/store_verify.c — witness_store_verify(): a whole store read back from flash, its
 * anchors authenticated against their seals' keys and its log scanned record by record, with
 * a verdict naming the first bad one. Flash bytes are untrusted, as in witness/store.c.
 */
#include <string.h>

#include "witness/internal.h"

struct anchor_check {
        const uint8_t *key;
        size_t key_len;
        struct witness_keys ks, ks_dev;
        uint64_t ok, unchecked;
        bool bad_mac;
};

/* Every anchor in the journal: authentic (its MAC under its seal's key) or not. */
static bool anchor_each(void *ctx, const struct witness_ws_anchor *a)
{
        struct anchor_check *c = ctx;
        bool dev = (a->flags & WITNESS_F_DEV) != 0;
        struct witness_keys *ks = dev ? &c->ks_dev : &c->ks;
        uint8_t mac[32];
        uint8_t d = 0;

        if (!dev && c->key == NULL) {
                c->unchecked++;
                return true;
        }
        if (witness_keys_at(ks, dev ? witness_dev_key : c->key,
                            dev ? sizeof(witness_dev_key) : c->key_len, a->boot,
                            a->index) != WITNESS_OK ||
            witness_ws_anchor_mac(a, ks->key, mac) != WITNESS_OK) {
                c->bad_mac = true;
                return false;
        }
        for (int i = 0; i < 32; i++)
                d |= (uint8_t)(mac[i] ^ a->mac[i]);
        if (d != 0) {
                c->bad_mac = true;
                return false;
        }
        if (!dev)
                c->ok++; /* a development anchor is intact but authenticates nothing */
        return true;
}

enum witness_err witness_store_verify(const struct witness_flash *f, const uint8_t *key,
                                      size_t key_len, struct witness_store_report *rep,
                                      void (*on_record)(void *ctx, uint64_t slot,
                                                        const uint8_t rec[WITNESS_RECORD_SIZE]),
                                      void *ctx)
{
        struct witness_ws_scan s;
        struct witness_ws_journal j;
        struct anchor_check ac;
        bool blank;
        enum witness_err e;

        memset(rep, 0, sizeof(*rep));
        if (f == NULL || !witness_ws_geometry_ok(f) || f->read == NULL)
                return WITNESS_E_INVAL;
        e = witness_ws_read_super(f, &blank);
        if (e != WITNESS_OK)
                return e;
        memset(&s, 0, sizeof(s));
        memset(&ac, 0, sizeof(ac));
        ac.key = key;
        ac.key_len = key_len;
        s.f = f;
        s.log_slots = witness_ws_log_slots(f);
        s.on_record = on_record;
        s.ctx = ctx;
        witness_verify_init(&s.v, NULL, 0, key, key_len);
        if ((e = witness_ws_read_journal(f, &j, anchor_each, &ac)) != WITNESS_OK)
                return e;
        witness_wipe(&ac.ks, sizeof(ac.ks));
        s.anchored = j.found;
        s.anchor = j.best;
        rep->anchors = j.entries;
        rep->anchors_ok = ac.ok;
        rep->anchors_unchecked = ac.unchecked;
        rep->anchor_bad = j.bad > 0 && !j.torn;
        rep->anchor_bad_entry = j.first_bad;
        rep->anchor_bad_mac = ac.bad_mac;
        rep->anchor_torn = j.torn;
        if (j.rot_found) {
                /* History begins where the latest (authenticated) rotation entry says. */
                witness_verify_init(&s.v, j.rot.head, j.rot.seal_seq, key, key_len);
                s.stop_slot = j.rot.slot % s.log_slots;
                rep->rotated = true;
                rep->rotations = j.rot.rotations;
                rep->base_seq = j.rot.seal_seq;
                rep->base_slot = j.rot.slot;
                rep->rot_boot = j.rot.boot;
        }
        witness_ws_scan_run(&s, s.stop_slot);
        if (s.ioerr)
                return WITNESS_E_FLASH;
        if (witness_ws_rotation_interrupted(&s, j.rot_found, s.stop_slot)) {
                s.fault = false; /* a power cut mid-rotation: the block is erased at boot */
                rep->rot_interrupted = true;
        } else if (j.rot_found && !s.fault) {
                /* After a rotation the log fills every block: it ends in the block just
                 * before the one history begins in. More erased means more was cut. */
                uint64_t per = f->block_size / WS_SLOT, nb = s.log_slots / per;

                rep->rot_gap = !(s.slot / per == (s.stop_slot / per + nb - 1) % nb ||
                                 (s.slot == s.stop_slot && s.scanned > 0));
        }
        rep->records = s.v.records;
        rep->seals_ok = s.v.seals_ok;
        rep->seals_unchecked = s.v.seals_unchecked;
        rep->seals_dev = s.v.seals_dev;
        rep->clean_end = s.have_seal && s.unsealed_first == s.v.next_seq &&
                         s.before_seal_kind == WK_WIT_SHUTDOWN;
        /* After a clean shutdown nothing was being written when the power went: its
         * seal's anchor must be there and whole. */
        if (rep->clean_end && !s.fault && (j.torn || !j.found || j.best.slot != s.seal_slot)) {
                rep->anchor_bad = true;
                rep->anchor_torn = false;
                rep->anchor_bad_entry = j.torn ? j.first_bad : j.entries;
        }
        rep->tombstones = s.tombstones;
        rep->batches = s.batches;
        rep->log_slots = s.log_slots;
        rep->used_slots = s.slot;
        rep->first_seq = s.any_record ? s.first_seq : 0;
        rep->next_seq = s.v.next_seq;
        rep->last_boot = s.last_boot;
        rep->anchored = s.anchored;
        rep->anchor_seq = s.anchor.seal_seq;
        rep->anchor_slot = s.anchor.slot;
        rep->anchor_ok = s.anchor_ok;
        rep->unsealed_first = s.have_seal ? s.unsealed_first : rep->first_seq;
        memcpy(rep->head, s.v.head, WITNESS_HEAD_SIZE);
        rep->lost = witness_ws_scan_lost(&s, &rep->lost_first, &rep->lost_last);
        if (s.fault) {
                rep->verdict = s.v.fault;
                rep->bad_slot = s.slot;
                rep->bad_seq = s.v.fault_expected_seq;
                rep->expected_seq = s.v.fault_expected_seq;
                rep->found_seq = s.v.fault_found_seq;
        } else if (rep->rot_gap) {
                rep->verdict = WV_MISSING;
                rep->bad_slot = s.slot;
                rep->bad_seq = s.v.next_seq;
        } else if (rep->anchor_bad) {
                rep->verdict = WV_ANCHOR;
                rep->bad_slot = j.first_bad;
                rep->bad_seq = s.v.next_seq;
        } else if (s.anchored && !s.anchor_ok) {
                rep->verdict = WV_TAIL_CUT;
                rep->bad_slot = s.slot;
                rep->bad_seq = s.v.next_seq;
                rep->expected_seq = s.anchor.seal_seq;
                rep->found_seq = s.v.next_seq;
        } else if (rep->lost || rep->rot_interrupted) {
                rep->verdict = WV_TORN;
                rep->bad_slot = s.slot;
                rep->bad_seq = rep->lost_first;
        }
        return WITNESS_OK;
}
