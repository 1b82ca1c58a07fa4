/*
 * witness/ — RVM's tamper-evident audit log. This header is the module's whole interface:
 *  - the 64-byte record and its little-endian encoding,
 *  - the SHA-256 chain and HMAC-SHA256 seals (docs/WITNESS.md states the construction),
 *  - struct witness_log: RAM ring + optional persistent store on NOR flash,
 *  - witness_emit(), the one call every privileged path makes,
 *  - measured-boot attestation digest,
 *  - the serial framing ("W1 <hex>") and the verifier shared with tools/witness.
 *
 * Concurrency: a struct witness_log is not internally synchronised. Give it lock callbacks
 * in struct witness_log_config (the kernel passes its witness spinlock); every public
 * witness_log_* function and witness_emit() then runs under that lock. Callbacks invoked
 * while the lock is held (tail callbacks, flash callbacks, clock) must not call back in.
 */
#ifndef RVM_WITNESS_WITNESS_H
#define RVM_WITNESS_WITNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- kinds (fixed names and values; high byte = family) ---- */
enum witness_kind {
        WK_BOOT_PHASE = 0x0101,
        WK_BOOT_ATTEST = 0x0102,
        WK_BOOT_DONE = 0x0103,
        WK_BOOT_RVF = 0x0104,         /* RVF verdict: image version, err | segment << 32, digest */
        WK_BOOT_RVF_SEGMENT = 0x0105, /* a verified segment: id, type | index << 8, hash[0..7] */
        WK_BOOT_RVF_ALLOW = 0x0106,   /* the monitor allows booting image version target next */
        WK_BOOT_RVF_SLOT = 0x0107,    /* an A/B update step: slot, RVF_SLOT_EV_*, image version */
        WK_BOOT_CLOCK = 0x0108, /* the RTC read at boot: UTC seconds, counter ns (hal/rtc.h) */
        WK_PART_CREATE = 0x0201,
        WK_PART_STATE = 0x0202,
        WK_PART_DESTROY = 0x0203,
        WK_PART_FAULT = 0x0204,
        WK_PART_SPLIT = 0x0205,
        WK_PART_MERGE = 0x0206,
        WK_PART_VCPU = 0x0207, /* a vCPU on (CPU_ON) or off: payload = index | state << 32 */
        WK_CAP_DERIVE = 0x0301,
        WK_CAP_GRANT = 0x0302,
        WK_CAP_REVOKE = 0x0303,
        WK_CAP_DROP = 0x0304,
        WK_CAP_DENY = 0x0305,
        WK_CAP_INSPECT = 0x0306,
        WK_CAP_CREATE = 0x0307,
        WK_MEM_REGION = 0x0401,
        WK_MEM_MAP = 0x0402,
        WK_MEM_UNMAP = 0x0403,
        WK_MEM_TRANSFER = 0x0404,
        WK_MEM_TIER = 0x0405,
        WK_MEM_CHECKPOINT = 0x0406,
        WK_MEM_COLD = 0x0407, /* the cold tier and flash checkpoints (memory/cold.h) */
        WK_COMM_EDGE = 0x0501,
        WK_COMM_SEND = 0x0502,
        WK_COMM_EDGE_DESTROY = 0x0503,
        WK_COMM_LEND = 0x0504,
        WK_DEV_LEASE = 0x0601,
        WK_DEV_EXPIRE = 0x0602,
        WK_DEV_REVOKE = 0x0603,
        WK_DEV_CONSOLE = 0x0604, /* the monitor's terminal attached to a partition's UART */
        WK_PROOF_ALLOW = 0x0701,
        WK_PROOF_DENY = 0x0702,
        WK_SCHED_EPOCH = 0x0801,
        WK_SCHED_MODE = 0x0802,
        WK_REC_RESTART = 0x0901,
        WK_REC_RECONSTRUCT = 0x0902,
        WK_REC_ROLLBACK = 0x0903,
        WK_REC_INJECT = 0x0904,    /* a fault injected on purpose: test images only */
        WK_REC_RVM_FAIL = 0x0905,  /* F4: RVM itself failed (a panic), written on the way down */
        WK_REC_ESCALATE = 0x0906,  /* F4, the next boot: the chain that led to the failure */
        WK_REC_BOOT_LOOP = 0x0907, /* F4: boots failed in a row: the other slot, or safe mode */
        WK_COH_CUT = 0x0A01,
        WK_COH_DECISION = 0x0A02,
        WK_WASM_AGENT = 0x0B01,
        WK_WASM_HOSTCALL = 0x0B02,
        WK_WASM_EMIT = 0x0B03, /* an agent's own record (rvm.witness): tag, value */
        WK_WASM_MOVE = 0x0B04, /* an agent moved: from | to << 16 | result << 32 */
        WK_WIT_SEAL = 0x0C01,
        WK_WIT_STORE_FULL = 0x0C02,
        WK_WIT_RECOVERED = 0x0C03,
        WK_WIT_SHUTDOWN = 0x0C04, /* a clean poweroff/reboot: the last record before the seal */
        WK_WIT_UNCLEAN = 0x0C05,  /* the previous boot ended without WK_WIT_SHUTDOWN */
        WK_WIT_ALARM = 0x0C06,    /* the background scrub found damage in the store */
        WK_WIT_FOLDED = 0x0C07,   /* denials over the budget this epoch (witness/budget.h) */
        WK_WIT_ROTATED = 0x0C08,  /* the store erased its oldest block: history now begins later */
};

/* Record flags. */
#define WITNESS_F_DENIED  0x01u /* the action was refused */
#define WITNESS_F_TORN    0x02u /* WK_WIT_RECOVERED: a torn slot was found and zeroed */
#define WITNESS_F_NOSTORE 0x04u /* WK_WIT_STORE_FULL/RECOVERED: written while not persisting */
#define WITNESS_F_DEV     0x08u /* WK_WIT_SEAL: a development seal (no provisioned key) */

/* WK_WIT_STORE_FULL payload: why persistence stopped. */
#define WITNESS_STOP_FULL    1u
#define WITNESS_STOP_FLASH   2u /* the flash driver returned an error */
#define WITNESS_STOP_CORRUPT 3u /* the store failed verification at open; left untouched */

enum witness_err {
        WITNESS_OK = 0,
        WITNESS_E_INVAL,   /* bad argument or configuration */
        WITNESS_E_FLASH,   /* a flash callback failed */
        WITNESS_E_NOFMT,   /* no store superblock (and formatting was not requested) */
        WITNESS_E_CORRUPT, /* the store does not verify; nothing was written to it */
        WITNESS_E_FULL,    /* the store has no room; persistence stopped (witnessed) */
        WITNESS_E_CRYPTO,  /* mbedTLS failed (allocation in the HMAC path) */
        WITNESS_E_NOSTORE, /* the operation needs a store and there is none usable */
        WITNESS_E_STATE,   /* wrong order of calls (e.g. store attached after emitting) */
        WITNESS_E_NOENT,   /* no such record (witness_log_scan_back) */
};

/* ---- the record ---- */
#define WITNESS_RECORD_SIZE  64
#define WITNESS_CONTENT_SIZE 52 /* bytes 0..51 are content; 52..63 the chain link */
#define WITNESS_LINK_SIZE    12
#define WITNESS_HEAD_SIZE    32
#define WITNESS_MAC_SIZE     24 /* HMAC-SHA256 truncated to 192 bits, in target/cap/payload */
#define WITNESS_KEY_MAX      64

/* In-memory view. Its layout equals the encoded one on a little-endian machine, but all
 * storage goes through witness_record_encode/decode so the format never depends on it. */
struct witness_record {
        uint64_t seq;     /*  0: position in the chain, from 0, contiguous across boots */
        uint64_t time_ns; /*  8: generic-timer nanoseconds since this boot's reset */
        uint64_t target;  /* 16: object acted on */
        uint64_t cap;     /* 24: capability handle used (0 none) */
        uint64_t payload; /* 32: kind-specific (docs/WITNESS.md) */
        uint32_t boot;    /* 40: boot counter, +1 on every open of the store */
        uint32_t actor;   /* 44: partition that asked (0 = RVM) */
        uint16_t kind;    /* 48: enum witness_kind */
        uint8_t tier;     /* 50: proof tier 0..3 */
        uint8_t flags;    /* 51: WITNESS_F_* */
        uint8_t
            link[WITNESS_LINK_SIZE]; /* 52: first 12 bytes of the chain head after this record */
};
_Static_assert(sizeof(struct witness_record) == WITNESS_RECORD_SIZE, "record is 64 bytes");
_Static_assert(offsetof(struct witness_record, boot) == 40, "layout");
_Static_assert(offsetof(struct witness_record, kind) == 48, "layout");
_Static_assert(offsetof(struct witness_record, link) == WITNESS_CONTENT_SIZE, "layout");

void witness_record_encode(const struct witness_record *r, uint8_t out[WITNESS_RECORD_SIZE]);
void witness_record_decode(const uint8_t in[WITNESS_RECORD_SIZE], struct witness_record *r);

/* The event every privileged path reports (fields as in struct witness_record). */
struct witness_event {
        uint16_t kind;
        uint8_t tier;
        uint8_t flags;
        uint32_t actor;
        uint64_t target;
        uint64_t cap;
        uint64_t payload;
};

/* ---- crypto and chain ---- */
/* Kernel: points mbedTLS's calloc at a static arena (HMAC needs it). Host: no-op. */
enum witness_err witness_crypto_init(void);
void witness_sha256(const void *a, size_t alen, const void *b, size_t blen,
                    uint8_t out[WITNESS_HEAD_SIZE]);
/*
 * Kernel: every SHA-256 in RVM (this module's, HMAC's, RVF's, checkpoints') compresses its
 * 64-byte blocks through one function (mbedTLS's MBEDTLS_SHA256_PROCESS_ALT hook): mbedTLS's
 * portable C, or `fn` once the boot hands one over (the CPU's SHA-256 instructions, which
 * the boot found; NULL: portable again). Returns the one it replaces. Both give the same
 * digests, so switching while other CPUs hash is harmless.
 */
typedef void witness_sha256_blocks_fn(uint32_t state[8], const uint8_t *data, size_t blocks);
witness_sha256_blocks_fn *witness_sha256_accelerate(witness_sha256_blocks_fn *fn);
/* Kernel: mbedTLS's portable compression of `blocks` blocks into state[8] (the fallback). */
void witness_sha256_portable(uint32_t state[8], const uint8_t *data, size_t blocks);
/* The chain head before record 0. */
void witness_genesis(uint8_t head[WITNESS_HEAD_SIZE]);
/* head <- SHA-256(head || rec[0..51]); writes the truncated link into rec[52..63]. */
void witness_chain_step(uint8_t head[WITNESS_HEAD_SIZE], uint8_t rec[WITNESS_RECORD_SIZE]);
/* Same without writing: true when rec's link matches; head is advanced either way. */
bool witness_chain_check(uint8_t head[WITNESS_HEAD_SIZE], const uint8_t rec[WITNESS_RECORD_SIZE]);
/* Seal MAC over the head before the seal and the seal's own fields (docs/WITNESS.md). */
enum witness_err witness_seal_mac(const uint8_t *key, size_t key_len,
                                  const uint8_t head_before[WITNESS_HEAD_SIZE],
                                  const uint8_t rec[WITNESS_RECORD_SIZE],
                                  uint8_t mac[WITNESS_MAC_SIZE]);
/* The root of development seals (WITNESS_F_DEV): public by design, used only when the
 * board provisioned no key; every verifier reports such seals as "not authenticated". */
extern const uint8_t witness_dev_key[32];

/*
 * Forward-secure seal keys (docs/WITNESS.md §2). From the board's root key R:
 *   G(b,0)   = HMAC(R, "RVM-WITNESS-BOOT-v1" || le32(b))       one per boot b
 *   G(b,g+1) = HMAC(G(b,g), "RVM-WITNESS-GROUP-v1")
 *   K(b,1024g)   = HMAC(G(b,g), "RVM-WITNESS-EPOCH-v1")        seal 1024g of boot b
 *   K(b,i+1)     = HMAC(K(b,i), "RVM-WITNESS-EVOLVE-v1")        (i+1 not a multiple of 1024)
 * Seal i of boot b (its index is in the seal's actor field) and its anchor are MACed with
 * K(b,i). The log holds only K(b,i) and G(b,g+1); every step wipes what it replaces, so
 * whoever reads RVM's memory at seal i cannot compute any earlier key. A verifier holding
 * R seeks any key in at most (i / 1024) + 1024 steps.
 */
#define WITNESS_KEY_GROUP 1024u
struct witness_keys {
        uint8_t key[WITNESS_HEAD_SIZE];   /* K(boot, index) */
        uint8_t group[WITNESS_HEAD_SIZE]; /* G(boot, index / 1024 + 1) */
        uint32_t boot, index;
        bool valid;
};
enum witness_err witness_keys_seek(struct witness_keys *ks, const uint8_t *root, size_t root_len,
                                   uint32_t boot, uint32_t index);
enum witness_err witness_keys_evolve(struct witness_keys *ks);
/* The key for (boot, index), moving ks forward when it can, seeking from root otherwise. */
enum witness_err witness_keys_at(struct witness_keys *ks, const uint8_t *root, size_t root_len,
                                 uint32_t boot, uint32_t index);
void witness_wipe(void *p, size_t n);
/* The 64-byte key blob a board's secure world hands over (and build/witness.key under
 * QEMU): "RVMWKEY1" | key length u32 @8 (16..32) | 0 u32 | key @16 (32 bytes, zero-padded)
 * | SHA-256(bytes 0..47)[0..15] @48. */
#define WITNESS_KEY_BLOB 64
bool witness_key_blob_parse(const uint8_t blob[WITNESS_KEY_BLOB], uint8_t key[32], size_t *len);
void witness_key_blob_make(const uint8_t *key, size_t len, uint8_t blob[WITNESS_KEY_BLOB]);
/* out <- HMAC-SHA256(key, a || b). */
enum witness_err witness_hmac(const uint8_t *key, size_t key_len, const void *a, size_t alen,
                              const void *b, size_t blen, uint8_t out[32]);

/* ---- measured boot ---- */
struct witness_attest {
        uint8_t digest[WITNESS_HEAD_SIZE];
        uint32_t phases;
};
void witness_attest_init(struct witness_attest *a);
/* digest <- SHA-256("RVM-ATTEST-v1" || digest || SHA-256(phase name) || SHA-256(data)).
 * meas (optional) receives SHA-256(data) so the caller can witness it as WK_BOOT_PHASE. */
void witness_attest_measure(struct witness_attest *a, const char *phase, const void *data,
                            size_t len, uint8_t meas[WITNESS_HEAD_SIZE]);

/* ---- flash (NOR semantics: erase sets 0xFF, program only clears bits) ---- */
struct witness_flash {
        void *ctx;
        int (*read)(void *ctx, uint64_t off, void *buf, size_t len);          /* 0 = ok */
        int (*program)(void *ctx, uint64_t off, const void *buf, size_t len); /* 0 = ok */
        int (*erase_block)(void *ctx, uint64_t off);                          /* 0 = ok */
        /* Optional: 1 if [off, off+len) is all 0xFF, 0 if not, -1 on error; tested where it
         * lies, without a copy (off 8-aligned, len a multiple of 64). NULL: read and test. */
        int (*erased)(void *ctx, uint64_t off, size_t len);
        uint32_t block_size; /* power of two, >= 128 */
        uint64_t size;       /* multiple of block_size, >= 4 blocks */
};

enum witness_err witness_store_format(const struct witness_flash *f);

/* ---- verification (shared with tools/witness) ---- */
enum witness_verdict {
        WV_OK = 0,
        WV_CONTENT,   /* a record's content or link was changed (or a foreign record) */
        WV_SEQ_FIELD, /* the record is intact except its sequence number */
        WV_MISSING,   /* sequence jumps forward: records deleted */
        WV_ORDER,     /* sequence goes backward or repeats: reordered/inserted/duplicated */
        WV_BAD_SEAL,  /* a seal's HMAC does not match (wrong key, or forged) */
        WV_TAIL_CUT,  /* the log ends before its anchor / a partial record at the end */
        WV_TORN,      /* the tail holds an interrupted batch (power cut, not yet recovered) */
        WV_FORMAT,    /* the container (superblock, batch header, anchor) is malformed */
        WV_ANCHOR,    /* an anchor is damaged, forged, or names what the log does not hold */
        WV_RANGE,     /* a sequence number at the end of the 64-bit space (cannot continue) */
};
const char *witness_verdict_name(enum witness_verdict v);

struct witness_verifier {
        uint8_t head[WITNESS_HEAD_SIZE];
        uint64_t next_seq;
        const uint8_t *key; /* root key; NULL: keyed seals are not checked (unchecked) */
        size_t key_len;
        struct witness_keys ks, ks_dev; /* epoch keys derived from key / witness_dev_key */
        bool seal_pos;                  /* seal_boot/seal_next are known */
        uint32_t seal_boot, seal_next;  /* next seal of boot seal_boot has index seal_next */
        uint64_t records, seals_ok, seals_unchecked, seals_dev;
        uint64_t last_seal_seq; /* valid when seals_ok + seals_unchecked > 0 */
        uint64_t index;         /* records consumed, including the bad one */
        enum witness_verdict fault;
        uint64_t fault_index, fault_expected_seq, fault_found_seq;
};
/* start_head NULL: genesis. */
void witness_verify_init(struct witness_verifier *v, const uint8_t *start_head, uint64_t start_seq,
                         const uint8_t *key, size_t key_len);
/* The next seal of boot must have index (a verifier started at an anchor). */
void witness_verify_expect_seal(struct witness_verifier *v, uint32_t boot, uint32_t index);
/* Consumes one record; after the first fault every call returns that fault. */
enum witness_verdict witness_verify_record(struct witness_verifier *v,
                                           const uint8_t rec[WITNESS_RECORD_SIZE]);

/* Full verification of a store (tool and monitor): */
struct witness_store_report {
        enum witness_verdict verdict;
        uint64_t bad_slot, bad_seq; /* where the first fault is (when verdict != WV_OK) */
        uint64_t expected_seq, found_seq;
        uint64_t records, seals_ok, seals_unchecked, seals_dev, tombstones, batches, log_slots,
            used_slots;
        uint64_t first_seq, next_seq; /* records present: [first_seq, next_seq) */
        uint32_t last_boot;
        bool anchored; /* a valid anchor was found */
        uint64_t anchor_seq, anchor_slot;
        uint64_t anchors, anchors_ok, anchors_unchecked; /* journal entries, MACs checked */
        bool anchor_bad;           /* a journal entry is damaged or its MAC fails */
        uint64_t anchor_bad_entry; /* its index in the journal (block * per + entry) */
        bool anchor_bad_mac;       /* intact container, wrong MAC: forged or wrong key */
        bool anchor_torn;          /* one interrupted anchor write (power cut) */
        bool clean_end;            /* the log ends with WK_WIT_SHUTDOWN + seal */
        bool rotated;              /* history begins after rotations (below) */
        uint64_t rotations, base_seq, base_slot;
        uint32_t rot_boot;
        bool rot_gap;                    /* more is erased than rotation explains */
        bool rot_interrupted;            /* a power cut between a rotation entry and its erase */
        bool anchor_ok;                  /* the anchored seal was found with the same head */
        bool lost;                       /* an interrupted batch at the tail */
        uint64_t lost_first, lost_last;  /* lost_last = UINT64_MAX when unknown */
        uint64_t unsealed_first;         /* records >= this are after the last seal */
        uint8_t head[WITNESS_HEAD_SIZE]; /* head after the last good record */
};
/* on_record (optional) sees every record that verified, in order. */
enum witness_err witness_store_verify(const struct witness_flash *f, const uint8_t *key,
                                      size_t key_len, struct witness_store_report *rep,
                                      void (*on_record)(void *ctx, uint64_t slot,
                                                        const uint8_t rec[WITNESS_RECORD_SIZE]),
                                      void *ctx);

/* ---- the log ---- */
struct witness_stats {
        uint64_t emitted; /* records appended this boot (all kinds) */
        uint64_t next_seq;
        uint32_t boot;
        uint64_t persisted; /* records written to the store this boot */
        uint64_t pending;   /* appended, not yet persisted */
        uint64_t flushes, seals;
        uint64_t unpersisted; /* appended while the store could not take them */
        uint64_t store_slots, store_used;
        int store_state;   /* enum witness_store_state */
        uint64_t unlogged; /* witness_emit() calls with no global log */
        uint64_t flash_errors;
        /* what opening the store found */
        bool recovered, lost;
        uint64_t lost_first, lost_last, adopted_first;
        bool dev_key;          /* no provisioned key: seals are development seals */
        bool unclean;          /* the previous boot ended without a clean shutdown */
        uint64_t unclean_last; /* last persisted seq of that boot */
        /* background scrub */
        uint64_t rotations, base_seq; /* the store rotated; history begins at base_seq */
        uint64_t scrub_passes, scrub_records, scrub_slot;
        bool scrub_alarm;
        int scrub_verdict; /* enum witness_verdict of the first damage found */
        uint64_t scrub_bad_slot, scrub_bad_seq;
};

enum witness_store_state {
        WITNESS_STORE_NONE = 0, /* RAM only */
        WITNESS_STORE_OK,
        WITNESS_STORE_FULL,
        WITNESS_STORE_FAILED,  /* flash error */
        WITNESS_STORE_CORRUPT, /* did not verify at open: left untouched */
};

struct witness_log_config {
        uint8_t (*ring)[WITNESS_RECORD_SIZE]; /* ring_cap records */
        uint8_t (*marks)[WITNESS_HEAD_SIZE];  /* ring_cap / 64 heads */
        uint32_t ring_cap;                    /* multiple of 64, >= batch_max + 64 */
        uint32_t batch_max;                   /* records per flush before an automatic flush */
        uint64_t (*clock_ns)(void *ctx);
        void *clock_ctx;
        bool rotate;        /* a full store erases its oldest block instead of stopping */
        const uint8_t *key; /* the board's root key; NULL: development seals (WITNESS_F_DEV) */
        size_t key_len;     /* 16..64 */
        void (*lock)(void *ctx);
        void (*unlock)(void *ctx);
        void *lock_ctx;
        /* Optional: give up and take back the lock alone, leaving masked whatever lock()
         * masks (interrupts). With them, a batch is programmed into the store, and a full
         * store's oldest block erased, with the lock given up, so appends on other CPUs never
         * wait for flash; without them the lock is held throughout. */
        void (*release)(void *ctx);
        void (*reacquire)(void *ctx);
        /* Optional: called after a public call that made a seal, outside the lock (the
         * kernel publishes the head and scrubs a little). It may call the log again. */
        void (*on_seal)(void *ctx);
        void *seal_ctx;
};

/* ---- store scanning (shared by recovery, verification and the scrub) ---- */
struct witness_ws_anchor {
        bool rot;           /* a rotation entry ("history begins here"), not an anchor */
        uint32_t rotations; /* rotation entries: how many rotations so far (flags >> 8) */
        uint64_t seal_seq;  /* anchor: the seal's seq; rotation: first seq of history */
        uint32_t slot, boot, index, flags; /* flags: WITNESS_F_DEV */
        uint8_t head[WITNESS_HEAD_SIZE];   /* chain head before the seal */
        uint8_t mac[WITNESS_HEAD_SIZE];
};

/* Forward scan of the log area, from a known chain state. */
struct witness_ws_scan {
        const struct witness_flash *f;
        uint64_t log_slots;
        struct witness_verifier v;
        bool anchored, anchor_ok, no_torn;
        uint64_t stop_slot; /* the scan ends on reaching it again (the ring's start) */
        uint64_t scanned;   /* slots looked at */
        bool anchor_passed; /* the anchored seal is behind the scan */
        struct witness_ws_anchor anchor;
        uint64_t slot; /* where the scan stopped: first erased slot, torn or bad slot */
        bool torn, fault, ioerr;
        uint64_t batches, tombstones, batch_first, batch_count;
        bool have_batch;
        uint64_t unsealed_first;
        bool have_seal;
        uint64_t seal_slot;
        uint32_t seal_boot, seal_index, last_boot;
        uint8_t seal_flags;
        uint8_t seal_head[WITNESS_HEAD_SIZE]; /* head before the last seal */
        bool any_record;
        uint64_t first_seq;
        uint16_t last_kind,
            before_seal_kind; /* kinds of the last record / record before the seal */
        uint64_t last_time;
        void (*on_record)(void *ctx, uint64_t slot, const uint8_t rec[WITNESS_RECORD_SIZE]);
        void *ctx;
};

struct witness_seal_info {
        uint64_t seq;                    /* the seal's sequence number */
        uint8_t head[WITNESS_HEAD_SIZE]; /* chain head after the seal */
        uint32_t boot;
        uint64_t time_ns;
        bool dev;       /* a development seal */
        uint64_t count; /* seals made this boot (0: none yet) */
};

struct witness_log {
        struct witness_log_config cfg;
        uint8_t key[WITNESS_KEY_MAX]; /* the root key: held from init until start, then wiped */
        bool dev;
        struct witness_keys keys; /* this boot's current epoch key (after start) */
        bool in_flush;            /* a seal is being written with its anchor */
        /* A batch is being programmed, or a block erased for one, with the lock given up
         * (cfg.release): one writer at a time; its records stay in the ring, and flushed_seq, the
         * write position and the anchor state move only when it ends. Read without the lock by
         * waiting flushers. */
        bool writing;
        uint64_t seal_notified;               /* last_seal.count when on_seal was last called */
        struct witness_ws_anchor last_anchor; /* the latest anchor (read at open, or written) */
        bool have_anchor;
        /* where history begins (rotation) and the head before flushed_seq */
        bool have_rot;
        struct witness_ws_anchor rot;
        uint64_t base_slot, base_seq;
        uint8_t base_head[WITNESS_HEAD_SIZE];
        uint8_t batch_head[WITNESS_HEAD_SIZE];
        bool rot_pending;
        struct witness_seal_info last_seal;
        bool clean_end;
        uint64_t prev_last_time;
        struct witness_ws_scan scrub; /* background scrub state */
        bool scrub_active;
        uint64_t scrub_start_ns;
        uint8_t head[WITNESS_HEAD_SIZE];
        uint8_t seal_before[WITNESS_HEAD_SIZE]; /* head before the last seal (its anchor) */
        uint64_t next_seq;
        uint32_t boot;
        bool started;
        uint64_t ring_start_seq; /* first seq appended since init/attach */
        uint8_t ring_start_head[WITNESS_HEAD_SIZE];
        uint64_t flushed_seq; /* records below this are persisted or abandoned */
        struct witness_flash flash;
        enum witness_store_state store_state;
        uint64_t log_slots, wslot;          /* log area size and next free slot */
        uint32_t anchor_block, anchor_next; /* active anchor block (0/1) and next free slot */
        struct witness_stats st;
};

/* Storage for a ring: static arrays sized for cap records. */
#define WITNESS_RING_DEFINE(name, cap)                             \
        static uint8_t name##_records[(cap)][WITNESS_RECORD_SIZE]; \
        static uint8_t name##_marks[(cap) / 64][WITNESS_HEAD_SIZE]

enum witness_err witness_log_init(struct witness_log *log, const struct witness_log_config *cfg);
/* Recover the store (format it if blank and format_if_blank), continue its chain, boot+1.
 * Must precede witness_log_start. Returns OK, E_FULL (store full: RAM only), E_CORRUPT
 * (store fails verification or has a foreign superblock: left untouched, RAM only),
 * E_FLASH, or E_NOFMT (blank and not formatted: RAM only). The log works in every case
 * and witness_log_start() records why the store is not being written. */
enum witness_err witness_log_attach_store(struct witness_log *log, const struct witness_flash *f,
                                          bool format_if_blank);
/* After attach (before start, or after it while no batch of this boot is written: the
 * store's slots [base, wslot) are then the earlier boots'): the store's records newest
 * first (witness/find.c) until visit returns true (WITNESS_OK); E_NOENT when it never
 * does, E_NOSTORE (no store, or one that did not verify) or E_FLASH. */
enum witness_err witness_log_scan_back(const struct witness_log *log,
                                       bool (*visit)(void *ctx, const struct witness_record *r),
                                       void *ctx);
/*
 * F4's look back (witness/escalate.c): visit for witness_log_scan_back. It reads the newest
 * boot in the store (at most WITNESS_ESCALATION_LOOKBACK of its records): the
 * WK_REC_RVM_FAIL it wrote on the way down, if it did, and its recovery steps (partition
 * faults, F1-F3 records, injected faults). witness_escalation_event then gives the new
 * boot's WK_REC_ESCALATE: target = the failure's seq, cap = the first step's seq
 * (UINT64_MAX: none), payload = steps | failure class << 24 (0 none, WLOG's 1 panic,
 * 2 exception) | that boot's number << 32.
 */
#define WITNESS_ESCALATION_LOOKBACK 4096u
struct witness_escalation {
        uint32_t boot;             /* the boot looked at (the newest in the store) */
        uint32_t visited;          /* its records read, newest first */
        uint32_t steps;            /* recovery steps among them */
        bool failed;               /* it wrote WK_REC_RVM_FAIL */
        uint64_t fail_seq;         /* ... at this seq */
        uint64_t where, why, what; /* ... its target, cap and payload */
        uint64_t first_step_seq;   /* the oldest step read (valid when steps > 0) */
        /* Boots in a row, newest first, that ended in WK_REC_RVM_FAIL (the newest boot
         * included; 0 when it did not fail): a boot loop (docs/WITNESS.md, F4). Read from
         * each older boot's last WITNESS_ESCALATION_TAIL records, at most
         * WITNESS_ESCALATION_BOOTS boots and WITNESS_ESCALATION_TOTAL records in all. */
        uint32_t failed_boots;
        uint32_t total;     /* records read in all */
        uint32_t tail_boot; /* the older boot being read, and its records read so far */
        uint32_t tail_seen;
        bool tail_failed, tail_valid;
};
#define WITNESS_ESCALATION_TAIL  8u
#define WITNESS_ESCALATION_BOOTS 64u
#define WITNESS_ESCALATION_TOTAL 65536u
bool witness_escalation_visit(void *ctx, const struct witness_record *r);
void witness_escalation_event(const struct witness_escalation *e, struct witness_event *ev);

/* First record of the boot: WK_BOOT_ATTEST carrying the digest (then WK_WIT_RECOVERED if
 * the store was recovered, WK_WIT_STORE_FULL if it cannot be written). */
enum witness_err witness_log_start(struct witness_log *log,
                                   const uint8_t digest[WITNESS_HEAD_SIZE]);
/* Append one record; flushes automatically when batch_max records are pending. */
enum witness_err witness_log_append(struct witness_log *log, const struct witness_event *ev);
/* Seal the pending records and write them as one batch (no-op when nothing is pending). */
enum witness_err witness_log_flush(struct witness_log *log);
/* Seal now: with a writable store this is witness_log_flush(); otherwise a seal record is
 * appended to the RAM chain only (RAM-only logs, serial capture). */
enum witness_err witness_log_seal(struct witness_log *log);
/* Calls cb for the last n records in the ring, oldest first; head_before receives the full
 * chain head before the first one (print it as a "W1H" line). Returns the count. cb runs
 * under the log's lock: it may print, it must not emit. */
uint32_t witness_log_tail(struct witness_log *log, uint32_t n,
                          uint8_t head_before[WITNESS_HEAD_SIZE], uint64_t *first_seq,
                          void (*cb)(void *ctx, const uint8_t rec[WITNESS_RECORD_SIZE]), void *ctx);
/* Verify the records still in the RAM ring (chain + seals). */
enum witness_verdict witness_log_verify_ring(struct witness_log *log, uint64_t *bad_seq);
/* Verify the whole store (reads all of it; slow, holds the lock). */
enum witness_err witness_log_verify_store(struct witness_log *log,
                                          struct witness_store_report *rep);
void witness_log_stats(struct witness_log *log, struct witness_stats *out);
/* A clean stop: appends WK_WIT_SHUTDOWN and flushes (the next boot then knows). */
enum witness_err witness_log_shutdown(struct witness_log *log);
/* The latest seal (to publish off the flash as a "W1S" head line). */
void witness_log_last_seal(struct witness_log *log, struct witness_seal_info *out);
/* Background scrub: verify at most max_slots store slots (chain, containers, anchored
 * head) from where the last call stopped; a pass restarts after min_gap_ns. Damage is
 * witnessed once as WK_WIT_ALARM and kept in stats. */
enum witness_scrub {
        WITNESS_SCRUB_WORKED = 0, /* checked some slots; the pass goes on */
        WITNESS_SCRUB_DONE,       /* a pass completed, or damage was found */
        WITNESS_SCRUB_IDLE,       /* nothing to do (no store, an alarm, next pass not due) */
};
enum witness_scrub witness_log_scrub_step(struct witness_log *log, uint32_t max_slots,
                                          uint64_t min_gap_ns);

/* ---- the global log used by witness_emit ---- */
void witness_set_global(struct witness_log *log);
struct witness_log *witness_global(void);
void witness_emit(const struct witness_event *ev);
uint64_t witness_unlogged(void); /* emits that found no global log */

/* ---- serial framing ---- */
#define WITNESS_SERIAL_LINE_MAX 132 /* "W1 " + 128 hex + NUL */
void witness_serial_format(const uint8_t rec[WITNESS_RECORD_SIZE],
                           char out[WITNESS_SERIAL_LINE_MAX]);
/* "W1H <seq:16 hex> <head:64 hex>": the head before record seq (start of a partial capture). */
#define WITNESS_SERIAL_HEAD_MAX 87
void witness_serial_format_head(uint64_t seq, const uint8_t head[WITNESS_HEAD_SIZE],
                                char out[WITNESS_SERIAL_HEAD_MAX]);
/* "W1S <seq:16 hex> <head after it:64 hex> <boot:8 hex> <time_ns:16 hex> <k|d>": a
 * published seal head (k keyed, d development seal). */
#define WITNESS_SERIAL_PUB_MAX 116
void witness_serial_format_pub(const struct witness_seal_info *s, char out[WITNESS_SERIAL_PUB_MAX]);
enum witness_serial_item {
        WITNESS_SER_RECORD = 1,
        WITNESS_SER_HEAD = 2,
        WITNESS_SER_MALFORMED = 3, /* a "W1" frame that is cut or has bad characters */
        WITNESS_SER_PUB = 4,       /* a W1S line: seq, rec[0..31] head, rec[32..35] boot,
                                      rec[36..43] time, rec[44] 'k' or 'd' */
};
/* Scans text for frames anywhere in it (console output may surround them). For each
 * frame calls cb; rec is set for RECORD, seq+rec[0..31] (the head) for HEAD. */
void witness_serial_scan(const char *text, size_t len,
                         void (*cb)(void *ctx, enum witness_serial_item item, uint64_t seq,
                                    const uint8_t rec[WITNESS_RECORD_SIZE], size_t offset),
                         void *ctx);

#endif
