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
extern const char witness_ws_magic_super[8], witness_ws_magic_batch[8], witness_ws_magic_anchor[8],
    witness_ws_magic_rot[8];

/* An anchor entry is two slots (WS_ANCHOR_SIZE): A = magic | seal seq u64 @8 | log slot
 * u32 @16 | boot u32 @20 | seal index u32 @24 | flags u32 @28 | head before the seal @32;
 * B = MAC @0 (HMAC(K(boot, index), "RVM-WITNESS-ANCHOR-v1" || A)) | zero | check @56
 * (SHA-256(A || B[0..55])[0..7]). */
#define WS_ANCHOR_SIZE 128u

bool witness_ws_is_fill(const uint8_t *b, size_t n, uint8_t v);
/* Zeros to program tombstones from (eight slots: an anchor entry, or a run of log slots).
 * Never written; not const, so that it is .bss rather than 512 bytes of the image. */
#define WS_ZERO_SIZE (WS_SLOT * 8)
extern uint8_t witness_ws_zero[WS_ZERO_SIZE];
void witness_ws_slot_make(uint8_t slot[WS_SLOT], const char magic[8]);
bool witness_ws_slot_check(const uint8_t slot[WS_SLOT], const char magic[8]);
bool witness_ws_geometry_ok(const struct witness_flash *f);
uint64_t witness_ws_log_off(const struct witness_flash *f);
uint64_t witness_ws_log_slots(const struct witness_flash *f);
enum witness_err witness_ws_read_super(const struct witness_flash *f, bool *blank);
/* Best anchor over both journal blocks, plus where the next one goes. */
/* Best anchor over both journal blocks (by container check only), where the next one goes,
 * and what else the journal holds: bad entries (the first one named) and whether the only
 * bad entry is an interrupted last write. */
struct witness_ws_journal {
        bool found;
        struct witness_ws_anchor best;
        bool rot_found; /* the latest rotation entry (highest first seq) */
        struct witness_ws_anchor rot;
        uint32_t active_block, next_free;
        uint64_t entries, bad;
        uint64_t first_bad; /* entry index block * per + i */
        bool torn;          /* the only bad entry is followed by erased flash */
        uint64_t torn_off;  /* its byte offset (boot zeroes it) */
};
enum witness_err witness_ws_read_journal(const struct witness_flash *f,
                                         struct witness_ws_journal *j,
                                         bool (*each)(void *ctx, const struct witness_ws_anchor *a),
                                         void *ctx);
/* Append an anchor or rotation entry; when the journal switches blocks, carry (the latest
 * rotation entry, if any) is copied into the fresh block first so it is never lost. */
enum witness_err witness_ws_write_anchor(const struct witness_flash *f, uint32_t *active_block,
                                         uint32_t *next_free, const struct witness_ws_anchor *a,
                                         const struct witness_ws_anchor *carry);
void witness_ws_anchor_encode(const struct witness_ws_anchor *a, uint8_t e[WS_ANCHOR_SIZE]);
/* MAC of an anchor with its seal's key (from ks, seeking from root). */
enum witness_err witness_ws_anchor_mac(const struct witness_ws_anchor *a, const uint8_t key[32],
                                       uint8_t mac[32]);
void witness_ws_batch_make(uint8_t slot[WS_SLOT], uint64_t first_seq, uint32_t count, uint32_t boot,
                           const uint8_t head[WITNESS_HEAD_SIZE]);
/* Scans from start_slot (wrapping at the end of the log area) until an erased slot, the
 * ring's start (stop_slot) again, or max_slots slots. */
void witness_ws_scan_run(struct witness_ws_scan *s, uint64_t start_slot);
void witness_ws_scan_to(struct witness_ws_scan *s, uint64_t start_slot, uint64_t max_slots);
/* After a scan that stopped on a bad slot: is it the start of the block a rotation was about
 * to erase when the power went (the rotation entry is written, the erase did not happen)? */
bool witness_ws_rotation_interrupted(const struct witness_ws_scan *s, bool rotated,
                                     uint64_t base_slot);
/* After a scan: is there an interrupted batch, and which sequence numbers did it lose? */
bool witness_ws_scan_lost(const struct witness_ws_scan *s, uint64_t *lost_first,
                          uint64_t *lost_last);
void witness_ws_put64(uint8_t *p, uint64_t v);
uint64_t witness_ws_get64(const uint8_t *p);

/* A forward scan of the log from its base, expecting the latest anchor the log knows of;
 * seal MACs checked with vkey (NULL: not checked). */
void witness_log_scan_begin(struct witness_ws_scan *s, struct witness_log *log,
                            const uint8_t *vkey);

/* With the lock held: append a record the log makes itself (no flush). witness/log.c. */
void witness_log_note_locked(struct witness_log *log, uint16_t kind, uint8_t flags, uint64_t target,
                             uint64_t cap, uint64_t payload);

/* With the lock held: until no batch is being programmed (another CPU's flush), give the
 * lock up and spin. Only a log with cfg.release ever programs without its lock. */
static inline void witness_wait_writer(struct witness_log *log)
{
        while (__atomic_load_n(&log->writing, __ATOMIC_ACQUIRE)) {
                log->cfg.release(log->cfg.lock_ctx);
                while (__atomic_load_n(&log->writing, __ATOMIC_ACQUIRE))
                        ;
                log->cfg.reacquire(log->cfg.lock_ctx);
        }
}

#endif
