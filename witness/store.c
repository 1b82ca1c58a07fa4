/*
 * witness/store.c — the persistent store on NOR flash: its format (superblock, anchor
 * journal, log area of 64-byte slots) and the forward scan that both boot-time recovery and
 * full verification (witness/store_verify.c) use. Every byte read from flash is untrusted
 * here: a bad value gives a verdict or an error code, never an assert.
 */
#include <string.h>

#include "witness/internal.h"

const char witness_ws_magic_super[8] = {'R', 'V', 'M', 'W', 'S', 'T', 'R', '1'};
const char witness_ws_magic_batch[8] = {'R', 'V', 'M', 'W', 'B', 'A', 'T', '1'};
const char witness_ws_magic_anchor[8] = {'R', 'V', 'M', 'W', 'A', 'N', 'C', '1'};
const char witness_ws_magic_rot[8] = {'R', 'V', 'M', 'W', 'R', 'O', 'T', '1'};

void witness_ws_put64(uint8_t *p, uint64_t v)
{
        for (int i = 0; i < 8; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t witness_ws_get64(const uint8_t *p)
{
        uint64_t v = 0;

        for (int i = 7; i >= 0; i--)
                v = (v << 8) | p[i];
        return v;
}

static void put32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Tombstones are programmed from these zeros (internal.h). */
uint8_t witness_ws_zero[WS_ZERO_SIZE];

/*
 * Whether n bytes at b all equal v. The journal and the log are mostly fill, read
 * and tested entry by entry at every boot, so an 8-byte-aligned buffer is compared a
 * word at a time (aligned loads: before the MMU is on, stack memory is Device memory).
 */
bool witness_ws_is_fill(const uint8_t *b, size_t n, uint8_t v)
{
        /* A word that may alias the byte buffer (a memcpy here is a call under
         * -mstrict-align and -ffreestanding, one per word). */
        typedef uint64_t __attribute__((may_alias)) word;
        size_t i = 0;

        if (((uintptr_t)b & 7) == 0) {
                const word *a = (const word *)(const void *)b;
                uint64_t fill = 0x0101010101010101ULL * v;

                for (; i + 8 <= n; i += 8)
                        if (a[i / 8] != fill)
                                return false;
        }
        for (; i < n; i++)
                if (b[i] != v)
                        return false;
        return true;
}

void witness_ws_slot_make(uint8_t slot[WS_SLOT], const char magic[8])
{
        uint8_t h[WITNESS_HEAD_SIZE];

        memcpy(slot, magic, 8);
        witness_sha256(slot, 56, NULL, 0, h);
        memcpy(slot + 56, h, 8);
}

bool witness_ws_slot_check(const uint8_t slot[WS_SLOT], const char magic[8])
{
        uint8_t h[WITNESS_HEAD_SIZE];

        if (memcmp(slot, magic, 8) != 0)
                return false;
        witness_sha256(slot, 56, NULL, 0, h);
        return memcmp(slot + 56, h, 8) == 0;
}

bool witness_ws_geometry_ok(const struct witness_flash *f)
{
        uint32_t b = f->block_size;

        if (b < 128 || (b & (b - 1)) != 0 || b > (1u << 24))
                return false;
        if (f->size % b != 0 || f->size / b < WS_LOG_BLOCK + 1 || f->size > (1ull << 36))
                return false;
        return true;
}

uint64_t witness_ws_log_off(const struct witness_flash *f)
{
        return (uint64_t)WS_LOG_BLOCK * f->block_size;
}

uint64_t witness_ws_log_slots(const struct witness_flash *f)
{
        return (f->size - witness_ws_log_off(f)) / WS_SLOT;
}

static enum witness_err rd(const struct witness_flash *f, uint64_t off, uint8_t *buf)
{
        return f->read(f->ctx, off, buf, WS_SLOT) == 0 ? WITNESS_OK : WITNESS_E_FLASH;
}

/* The superblock a store of f's geometry has: version, block size, size. */
static void super_make(const struct witness_flash *f, uint8_t sb[WS_SLOT])
{
        memset(sb, 0, WS_SLOT);
        put32(sb + 8, WS_VERSION);
        put32(sb + 12, f->block_size);
        witness_ws_put64(sb + 16, f->size);
        witness_ws_slot_make(sb, witness_ws_magic_super);
}

enum witness_err witness_store_format(const struct witness_flash *f)
{
        uint8_t sb[WS_SLOT];

        if (f == NULL || !witness_ws_geometry_ok(f) || !f->erase_block || !f->program)
                return WITNESS_E_INVAL;
        /* Superblock last: a power cut during format leaves a blank-looking store. */
        for (uint64_t off = 0; off < f->size; off += f->block_size)
                if (f->erase_block(f->ctx, off) != 0)
                        return WITNESS_E_FLASH;
        super_make(f, sb);
        return f->program(f->ctx, 0, sb, sizeof(sb)) == 0 ? WITNESS_OK : WITNESS_E_FLASH;
}

enum witness_err witness_ws_read_super(const struct witness_flash *f, bool *blank)
{
        uint8_t sb[WS_SLOT], first[WS_SLOT];
        enum witness_err e;

        *blank = false;
        if ((e = rd(f, 0, sb)) != WITNESS_OK)
                return e;
        if (!witness_ws_slot_check(sb, witness_ws_magic_super)) {
                /* Blank = nothing anyone could have meant to keep: superblock and first
                 * log slot erased or zero-filled (a fresh image file). */
                if ((e = rd(f, witness_ws_log_off(f), first)) != WITNESS_OK)
                        return e;
                *blank =
                    (witness_ws_is_fill(sb, WS_SLOT, 0xFF) || witness_ws_is_fill(sb, WS_SLOT, 0)) &&
                    (witness_ws_is_fill(first, WS_SLOT, 0xFF) ||
                     witness_ws_is_fill(first, WS_SLOT, 0));
                return WITNESS_E_NOFMT;
        }
        super_make(f, first); /* what this geometry's superblock says */
        return memcmp(sb + 8, first + 8, 16) == 0 ? WITNESS_OK : WITNESS_E_CORRUPT;
}

static const char anchor_domain[] = "RVM-WITNESS-ANCHOR-v1";

/*
 * An entry is its magic, then bytes 8 to 96 of struct witness_ws_anchor as they lie in memory
 * (little-endian: seal_seq, slot, boot, index, then the flags word, which
 * holds the rotation count above the flags, the head and the MAC), zeros, and the first 8
 * bytes of the SHA-256 of the 120 before them. Copied whole, the flags word fixed after.
 */
#define ANCHOR_BODY  8u /* where the copied part begins, in the entry and in the struct */
#define ANCHOR_FLAGS 28 /* the flags word */
_Static_assert(offsetof(struct witness_ws_anchor, seal_seq) == ANCHOR_BODY &&
                   offsetof(struct witness_ws_anchor, slot) == 16 &&
                   offsetof(struct witness_ws_anchor, boot) == 20 &&
                   offsetof(struct witness_ws_anchor, index) == 24 &&
                   offsetof(struct witness_ws_anchor, flags) == ANCHOR_FLAGS &&
                   offsetof(struct witness_ws_anchor, head) == 32 &&
                   offsetof(struct witness_ws_anchor, mac) == 64 &&
                   sizeof(struct witness_ws_anchor) == 96,
               "an anchor entry's bytes 8..96 are struct witness_ws_anchor's");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "an anchor entry is little-endian");

static void anchor_encode(const struct witness_ws_anchor *a, uint8_t e[WS_ANCHOR_SIZE])
{
        uint8_t h[WITNESS_HEAD_SIZE];

        memset(e, 0, WS_ANCHOR_SIZE);
        memcpy(e, a->rot ? witness_ws_magic_rot : witness_ws_magic_anchor, 8);
        memcpy(e + ANCHOR_BODY, (const uint8_t *)a + ANCHOR_BODY, sizeof(*a) - ANCHOR_BODY);
        put32(e + ANCHOR_FLAGS, (a->flags & 0xFFu) | (a->rot ? a->rotations << 8 : 0));
        witness_sha256(e, 120, NULL, 0, h);
        memcpy(e + 120, h, 8);
}

/* Container check only (damage); the MAC is the caller's to check (authenticity). */
static bool anchor_parse(const uint8_t e[WS_ANCHOR_SIZE], struct witness_ws_anchor *a)
{
        uint8_t h[WITNESS_HEAD_SIZE];

        bool rot = memcmp(e, witness_ws_magic_rot, 8) == 0;

        if (!rot && memcmp(e, witness_ws_magic_anchor, 8) != 0)
                return false;
        witness_sha256(e, 120, NULL, 0, h);
        if (memcmp(e + 120, h, 8) != 0)
                return false;
        memcpy((uint8_t *)a + ANCHOR_BODY, e + ANCHOR_BODY, sizeof(*a) - ANCHOR_BODY);
        a->rot = rot;
        a->rotations = rot ? a->flags >> 8 : 0;
        a->flags &= 0xFFu;
        return true;
}

enum witness_err witness_ws_anchor_mac(const struct witness_ws_anchor *a, const uint8_t key[32],
                                       uint8_t mac[32])
{
        uint8_t e[WS_ANCHOR_SIZE];

        /* HMAC over the domain and the first slot (everything but the MAC and check). */
        anchor_encode(a, e);
        return witness_hmac(key, WITNESS_HEAD_SIZE, anchor_domain, sizeof(anchor_domain) - 1, e, 64,
                            mac);
}

/* Journal entries tested for erasure in one go (a 4 KiB run). */
#define JOURNAL_RUN 32u

/* 1 if the run of entries at off is all erased, 0 if not (or the flash cannot tell in
 * place), -1 on a flash error. */
static int journal_run_erased(const struct witness_flash *f, uint64_t off)
{
        if (f->erased == NULL)
                return 0;
        return f->erased(f->ctx, off, (size_t)JOURNAL_RUN * WS_ANCHOR_SIZE);
}

enum witness_err witness_ws_read_journal(const struct witness_flash *f,
                                         struct witness_ws_journal *j,
                                         bool (*each)(void *ctx, const struct witness_ws_anchor *a),
                                         void *ctx)
{
        uint32_t per = f->block_size / WS_ANCHOR_SIZE, last_used[2] = {0, 0};
        _Alignas(8) uint8_t e[WS_ANCHOR_SIZE];
        struct witness_ws_anchor a;
        uint64_t bad_off[2] = {0, 0}, bad_i[2] = {0, 0};
        bool bad_last[2] = {false, false};
        uint32_t valid[2] = {0, 0};

        memset(j, 0, sizeof(*j));
        for (uint32_t b = 0; b < 2; b++) {
                uint64_t base = (uint64_t)(WS_ANCHOR_BLOCK0 + b) * f->block_size;

                for (uint32_t i = 0; i < per; i++) {
                        uint64_t off = base + (uint64_t)i * WS_ANCHOR_SIZE;

                        if (i % JOURNAL_RUN == 0 && per - i >= JOURNAL_RUN) {
                                /* Mostly erased: a run of erased entries changes nothing
                                 * below, so it is skipped whole when the flash says so. */
                                int r = journal_run_erased(f, off);

                                if (r < 0)
                                        return WITNESS_E_FLASH;
                                if (r > 0) {
                                        i += JOURNAL_RUN - 1;
                                        continue;
                                }
                        }
                        if (f->read(f->ctx, off, e, WS_ANCHOR_SIZE) != 0)
                                return WITNESS_E_FLASH;
                        if (witness_ws_is_fill(e, WS_ANCHOR_SIZE, 0xFF))
                                continue;
                        last_used[b] = i + 1;
                        bad_last[b] = false;
                        if (witness_ws_is_fill(e, WS_ANCHOR_SIZE, 0))
                                continue; /* tombstone: an interrupted write, zeroed at boot */
                        j->entries++;
                        if (!anchor_parse(e, &a)) {
                                if (j->bad++ == 0)
                                        j->first_bad = (uint64_t)b * per + i;
                                bad_off[b] = off;
                                bad_i[b] = (uint64_t)b * per + i;
                                bad_last[b] = true;
                                continue;
                        }
                        if (each && !each(ctx, &a)) {
                                if (j->bad++ == 0)
                                        j->first_bad = (uint64_t)b * per + i;
                                continue;
                        }
                        valid[b]++;
                        if (a.rot) {
                                if (!j->rot_found || a.seal_seq > j->rot.seal_seq) {
                                        j->rot = a;
                                        j->rot_found = true;
                                }
                                continue;
                        }
                        if (!j->found || a.seal_seq > j->best.seal_seq) {
                                j->best = a;
                                j->found = true;
                                j->active_block = b;
                        }
                }
        }
        /* A power cut during an anchor write leaves one bad entry, the newest write: the
         * last used entry of the block holding the best anchor, or the first entry of a
         * block just erased when the other one filled. That alone is not tampering. */
        for (uint32_t b = 0; b < 2; b++)
                if (j->bad == 1 && bad_last[b] &&
                    ((j->found && b == j->active_block) ||
                     (valid[b] == 0 && last_used[b] == 1 && last_used[b ^ 1] == per))) {
                        j->torn = true;
                        j->torn_off = bad_off[b];
                        j->first_bad = bad_i[b];
                        if (!j->found)
                                j->active_block = b;
                }
        j->next_free = last_used[j->active_block];
        return WITNESS_OK;
}

enum witness_err witness_ws_write_anchor(const struct witness_flash *f, uint32_t *active_block,
                                         uint32_t *next_free, const struct witness_ws_anchor *a,
                                         const struct witness_ws_anchor *carry)
{
        uint32_t per = f->block_size / WS_ANCHOR_SIZE;
        uint8_t e[WS_ANCHOR_SIZE];

        if (*next_free >= per) {
                /* The other block only holds older anchors: erasing it loses nothing the
                 * active block does not already supersede, once the latest rotation entry
                 * is copied over (the active block keeps it until then). */
                *active_block ^= 1;
                if (f->erase_block(
                        f->ctx, (uint64_t)(WS_ANCHOR_BLOCK0 + *active_block) * f->block_size) != 0)
                        return WITNESS_E_FLASH;
                *next_free = 0;
                if (carry != NULL && carry != a) {
                        anchor_encode(carry, e);
                        if (f->program(f->ctx,
                                       (uint64_t)(WS_ANCHOR_BLOCK0 + *active_block) * f->block_size,
                                       e, WS_ANCHOR_SIZE) != 0)
                                return WITNESS_E_FLASH;
                        *next_free = 1;
                }
        }
        anchor_encode(a, e);
        if (f->program(f->ctx,
                       (uint64_t)(WS_ANCHOR_BLOCK0 + *active_block) * f->block_size +
                           (uint64_t)*next_free * WS_ANCHOR_SIZE,
                       e, WS_ANCHOR_SIZE) != 0)
                return WITNESS_E_FLASH;
        (*next_free)++;
        return WITNESS_OK;
}

void witness_ws_anchor_encode(const struct witness_ws_anchor *a, uint8_t e[WS_ANCHOR_SIZE])
{
        anchor_encode(a, e);
}

void witness_ws_batch_make(uint8_t slot[WS_SLOT], uint64_t first_seq, uint32_t count, uint32_t boot,
                           const uint8_t head[WITNESS_HEAD_SIZE])
{
        memset(slot, 0, WS_SLOT);
        witness_ws_put64(slot + 8, first_seq);
        put32(slot + 16, count);
        put32(slot + 20, boot);
        memcpy(slot + 24, head, WITNESS_HEAD_SIZE); /* the chain head before first_seq */
        witness_ws_slot_make(slot, witness_ws_magic_batch);
}

void witness_ws_scan_run(struct witness_ws_scan *s, uint64_t start_slot)
{
        witness_ws_scan_to(s, start_slot, s->log_slots);
}

void witness_ws_scan_to(struct witness_ws_scan *s, uint64_t start_slot, uint64_t max_slots)
{
        const struct witness_flash *f = s->f;
        uint64_t base = witness_ws_log_off(f);
        _Alignas(8) uint8_t b[WS_SLOT];
        uint8_t before[WITNESS_HEAD_SIZE];

        s->slot = start_slot % s->log_slots;
        for (uint64_t n = 0; n < max_slots && s->scanned < s->log_slots;
             n++, s->scanned++, s->slot = (s->slot + 1) % s->log_slots) {
                if (s->scanned > 0 && s->slot == s->stop_slot)
                        return; /* around the ring: back at its start */
                if (rd(f, base + s->slot * WS_SLOT, b) != WITNESS_OK) {
                        s->ioerr = true;
                        return;
                }
                if (witness_ws_is_fill(b, WS_SLOT, 0xFF))
                        return;
                if (witness_ws_is_fill(b, WS_SLOT, 0)) {
                        s->tombstones++;
                        continue;
                }
                if (witness_ws_slot_check(b, witness_ws_magic_batch)) {
                        uint64_t first = witness_ws_get64(b + 8);
                        uint32_t count = get32(b + 16);

                        if (first != s->v.next_seq || count == 0 ||
                            memcmp(b + 24, s->v.head, WITNESS_HEAD_SIZE) != 0) {
                                s->fault = true;
                                s->v.fault = WV_FORMAT;
                                s->v.fault_expected_seq = s->v.next_seq;
                                s->v.fault_found_seq = first;
                                return;
                        }
                        s->have_batch = true;
                        s->batch_first = first;
                        s->batch_count = count;
                        s->batches++;
                        continue;
                }
                if (s->anchored && s->slot == s->anchor.slot) {
                        s->anchor_ok = s->v.next_seq == s->anchor.seal_seq &&
                                       memcmp(s->v.head, s->anchor.head, WITNESS_HEAD_SIZE) == 0;
                        if (!s->anchor_ok) {
                                s->fault = true;
                                s->v.fault = WV_FORMAT;
                                s->v.fault_expected_seq = s->anchor.seal_seq;
                                s->v.fault_found_seq = s->v.next_seq;
                                return;
                        }
                }
                memcpy(before, s->v.head, WITNESS_HEAD_SIZE);
                if (witness_verify_record(&s->v, b) != WV_OK) {
                        uint64_t next = (s->slot + 1) % s->log_slots;
                        bool last = next == s->stop_slot;
                        uint8_t nb[WS_SLOT];

                        if (!last && rd(f, base + next * WS_SLOT, nb) != WITNESS_OK) {
                                s->ioerr = true;
                                return;
                        }
                        /* A power cut leaves at most one half-programmed slot, followed by
                         * erased flash, and only after the last anchored seal (anchors are
                         * written after their seal is complete). Anything else is damage. */
                        if (!s->no_torn && (last || witness_ws_is_fill(nb, WS_SLOT, 0xFF)) &&
                            (!s->anchored || s->anchor_passed)) {
                                s->torn = true;
                                s->v.fault = WV_OK;
                                s->v.index--;
                        } else {
                                s->fault = true;
                                /* The expected record right after: two were swapped. */
                                if (s->v.fault == WV_MISSING && !last &&
                                    !witness_ws_is_fill(nb, WS_SLOT, 0xFF) &&
                                    witness_ws_get64(nb) == s->v.fault_expected_seq)
                                        s->v.fault = WV_ORDER;
                        }
                        return;
                }
                if (s->anchored && s->slot == s->anchor.slot)
                        s->anchor_passed = true;
                if (!s->any_record) {
                        s->any_record = true;
                        s->first_seq = s->v.next_seq - 1;
                }
                struct witness_record r;
                witness_record_decode(b, &r);
                s->last_boot = r.boot;
                s->last_time = r.time_ns;
                if (r.kind == WK_WIT_SEAL) {
                        s->before_seal_kind = s->last_kind;
                        s->have_seal = true;
                        s->seal_slot = s->slot;
                        s->seal_boot = r.boot;
                        s->seal_index = r.actor; /* a seal's epoch key index */
                        s->seal_flags = r.flags;
                        memcpy(s->seal_head, before, WITNESS_HEAD_SIZE);
                        s->unsealed_first = s->v.next_seq;
                }
                s->last_kind = r.kind;
                if (s->on_record)
                        s->on_record(s->ctx, s->slot, b);
        }
}

bool witness_ws_rotation_interrupted(const struct witness_ws_scan *s, bool rotated,
                                     uint64_t base_slot)
{
        uint64_t per = s->f->block_size / WS_SLOT, nb = s->log_slots / per;

        /* The log ran to the end of the block before it (no erased slot on the way) and the
         * bad slot opens the block the rotation freed: old, rotated-away records. */
        return rotated && s->fault && s->slot % per == 0 && nb >= 3 &&
               s->slot / per == (base_slot / per + nb - 1) % nb;
}

bool witness_ws_scan_lost(const struct witness_ws_scan *s, uint64_t *lost_first,
                          uint64_t *lost_last)
{
        uint64_t batch_end = s->have_batch ? s->batch_first + s->batch_count - 1 : 0;
        bool open_batch = s->have_batch && s->v.next_seq <= batch_end;

        if (!s->torn && !open_batch)
                return false;
        *lost_first = s->v.next_seq;
        *lost_last = open_batch ? batch_end : UINT64_MAX;
        return true;
}
