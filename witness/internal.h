/*
 * witness/internal.h — the store format shared by witness/store.c (format, scan, verify)
 * and witness/log.c (recovery and batch writes). Not part of the module's interface.
 */
#ifndef RVM_WITNESS_INTERNAL_H
#define RVM_WITNESS_INTERNAL_H

#include "witness/witness.h"

#define WS_SLOT          64u
#define WS_ANCHOR_BLOCK0 1u /* blocks 1 and 2 hold the anchor journal (ping-pong) */
#define WS_LOG_BLOCK     3u /* the log area starts at block 3 */
#define WS_VERSION       1u

/* Container slots: 8-byte magic, 48 bytes of fields, 8-byte check = SHA-256(0..55)[0..8]. */
extern const char witness_ws_magic_super[8], witness_ws_magic_batch[8], witness_ws_magic_anchor[8];

/* The latest seal: where it is and the chain head *before* it, so boot can re-verify the
 * seal (chain and HMAC) from the anchor alone. */
struct witness_ws_anchor {
        uint64_t seal_seq;
        uint32_t slot, boot;
        uint8_t head[WITNESS_HEAD_SIZE];
};

/* Forward scan of the log area, from a known chain state. */
struct witness_ws_scan {
        const struct witness_flash *f;
        uint64_t log_slots;
        struct witness_verifier v;
        bool anchored, anchor_ok;
        struct witness_ws_anchor anchor;
        uint64_t slot; /* where the scan stopped: first erased slot, torn or bad slot */
        bool torn, fault, ioerr;
        uint64_t batches, tombstones, batch_first, batch_count;
        bool have_batch;
        uint64_t unsealed_first;
        bool have_seal;
        uint64_t seal_slot;
        uint32_t seal_boot, last_boot;
        uint8_t seal_head[WITNESS_HEAD_SIZE]; /* head before the last seal */
        bool any_record;
        uint64_t first_seq;
        void (*on_record)(void *ctx, uint64_t slot, const uint8_t rec[WITNESS_RECORD_SIZE]);
        void *ctx;
};

bool witness_ws_is_fill(const uint8_t *b, size_t n, uint8_t v);
void witness_ws_slot_make(uint8_t slot[WS_SLOT], const char magic[8]);
bool witness_ws_slot_check(const uint8_t slot[WS_SLOT], const char magic[8]);
bool witness_ws_geometry_ok(const struct witness_flash *f);
uint64_t witness_ws_log_off(const struct witness_flash *f);
uint64_t witness_ws_log_slots(const struct witness_flash *f);
enum witness_err witness_ws_read_super(const struct witness_flash *f, bool *blank);
/* Best anchor over both journal blocks, plus where the next one goes. */
enum witness_err witness_ws_read_anchors(const struct witness_flash *f, bool *found,
                                         struct witness_ws_anchor *best, uint32_t *active_block,
                                         uint32_t *next_free);
enum witness_err witness_ws_write_anchor(const struct witness_flash *f, uint32_t *active_block,
                                         uint32_t *next_free, const struct witness_ws_anchor *a);
void witness_ws_batch_make(uint8_t slot[WS_SLOT], uint64_t first_seq, uint32_t count,
                           uint32_t boot);
void witness_ws_scan_run(struct witness_ws_scan *s, uint64_t start_slot);
/* After a scan: is there an interrupted batch, and which sequence numbers did it lose? */
bool witness_ws_scan_lost(const struct witness_ws_scan *s, uint64_t *lost_first,
                          uint64_t *lost_last);
void witness_ws_put64(uint8_t *p, uint64_t v);
uint64_t witness_ws_get64(const uint8_t *p);

#endif
