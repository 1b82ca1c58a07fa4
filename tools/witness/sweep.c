/*
 * tools/witness/sweep.c — the tamper sweep (make test): an attacker who holds a copy of
 * the witness store (and, for the forward-secure case, RVM's in-memory key at a time T)
 * tries every class of edit; each result must be caught by `witness verify` with the key
 * and the captured console (published heads). Prints "sweep CLASS caught/tried" per class;
 * exits 1 if any attempt went undetected, 2 if the unmodified store does not verify.
 *
 *   witness-sweep STORE KEYFILE CAPTURE [--rollback IMG]... [--other IMG] [--seed N]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/witness/witness_tool.h"
#include "witness/internal.h"

struct image {
        uint8_t *d;
        size_t len;
        uint32_t bs;
        uint64_t log_off, log_slots, used; /* used: log slots up to the first erased one */
        uint64_t anchor_off[4096];         /* byte offsets of used journal entries */
        size_t anchors;
};

static const char *keyfile, *capture;
static uint8_t root[32];
static size_t root_len;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

static uint8_t *slurp(const char *path, size_t *len)
{
        FILE *f = fopen(path, "rb");
        uint8_t *b;
        long n;

        if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
            fseek(f, 0, SEEK_SET) != 0 || (b = malloc((size_t)n)) == NULL ||
            fread(b, 1, (size_t)n, f) != (size_t)n) {
                fprintf(stderr, "witness-sweep: cannot read %s: %s\n", path, strerror(errno));
                exit(2);
        }
        fclose(f);
        *len = (size_t)n;
        return b;
}

static void scan_image(struct image *im)
{
        im->bs =
            (uint32_t)(im->d[12] | im->d[13] << 8 | im->d[14] << 16 | (uint32_t)im->d[15] << 24);
        im->log_off = (uint64_t)WS_LOG_BLOCK * im->bs;
        im->log_slots = (im->len - im->log_off) / WS_SLOT;
        for (im->used = 0; im->used < im->log_slots; im->used++)
                if (witness_ws_is_fill(im->d + im->log_off + im->used * WS_SLOT, WS_SLOT, 0xFF))
                        break;
        im->anchors = 0;
        for (uint64_t off = (uint64_t)WS_ANCHOR_BLOCK0 * im->bs;
             off < (uint64_t)WS_LOG_BLOCK * im->bs && im->anchors < 4096; off += WS_ANCHOR_SIZE)
                if (!witness_ws_is_fill(im->d + off, WS_ANCHOR_SIZE, 0xFF))
                        im->anchor_off[im->anchors++] = off;
}

static uint8_t *slot(struct image *im, uint64_t i)
{
        return im->d + im->log_off + i * WS_SLOT;
}

static bool is_record(struct image *im, uint64_t i)
{
        const uint8_t *p = slot(im, i);

        return !witness_ws_is_fill(p, WS_SLOT, 0xFF) && !witness_ws_is_fill(p, WS_SLOT, 0) &&
               !witness_ws_slot_check(p, witness_ws_magic_batch);
}

static uint16_t kind_of(const uint8_t *r)
{
        return (uint16_t)(r[48] | r[49] << 8);
}

static uint32_t u32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 0 intact+authenticated, 1 tampered, 2 unusable, 3 torn, 4 not authenticated. */
static int verify(const struct image *im)
{
        char *argv[] = {"witness",       "verify",  "sweep",        "--key-file",
                        (char *)keyfile, "--heads", (char *)capture};
        FILE *null = fopen("/dev/null", "w");
        int rc = witness_tool_run_buffer(7, argv, im->d, im->len, null, null);

        fclose(null);
        return rc;
}

/* What the forger can do with a key: return false when it has none for (boot, index). */
typedef bool (*keyfn)(void *ctx, uint32_t boot, uint32_t index, uint8_t key[32]);

/*
 * The forger's best effort after an edit: recompute the chain from the genesis, re-MAC
 * every seal and anchor it has a key for (and the others with whatever key it holds),
 * and keep the journal's container checks valid, so only what needs a key can fail.
 */
static void reseal(struct image *im, keyfn kf, void *ctx)
{
        uint8_t h[WITNESS_HEAD_SIZE];
        uint8_t key[32], guess[32];

        memset(guess, 0x5a, sizeof(guess));
        witness_genesis(h);
        for (uint64_t i = 0; i < im->used; i++) {
                uint8_t *r = slot(im, i);

                if (!is_record(im, i))
                        continue;
                if (kind_of(r) == WK_WIT_SEAL) {
                        uint8_t mac[WITNESS_MAC_SIZE];
                        bool have = kf(ctx, u32(r + 40), u32(r + 44), key);

                        /* its anchors: same head before the seal, same key */
                        for (size_t a = 0; a < im->anchors; a++) {
                                uint8_t *e = im->d + im->anchor_off[a];
                                struct witness_ws_anchor an = {0};

                                if (memcmp(e, witness_ws_magic_anchor, 8) != 0 ||
                                    u32(e + 16) != (uint32_t)i)
                                        continue;
                                an.seal_seq = witness_ws_get64(e + 8);
                                an.slot = u32(e + 16);
                                an.boot = u32(e + 20);
                                an.index = u32(e + 24);
                                an.flags = u32(e + 28);
                                memcpy(an.head, h, WITNESS_HEAD_SIZE);
                                witness_ws_anchor_mac(&an, have ? key : guess, an.mac);
                                witness_ws_anchor_encode(&an, e);
                        }
                        witness_seal_mac(have ? key : guess, 32, h, r, mac);
                        memcpy(r + 16, mac, sizeof(mac));
                }
                witness_chain_step(h, r);
        }
}

/* The real key for every seal: for edits that need no key to be caught (sanity). */
static bool key_real(void *ctx, uint32_t boot, uint32_t index, uint8_t key[32])
{
        struct witness_keys *ks = ctx;

        if (witness_keys_at(ks, root, root_len, boot, index) != WITNESS_OK)
                return false;
        memcpy(key, ks->key, 32);
        return true;
}

static bool key_wrong(void *ctx, uint32_t boot, uint32_t index, uint8_t key[32])
{
        static const uint8_t wrong[32] = "a-key-that-is-not-the-board-key";
        struct witness_keys ks;

        (void)ctx;
        witness_keys_seek(&ks, wrong, sizeof(wrong), boot, index);
        memcpy(key, ks.key, 32);
        return true;
}

/* The attacker at T: exactly what RVM holds in memory after seal index t of boot b
 * (its next key K(b, t+1) and group root), nothing of the root. */
struct fs_attacker {
        struct witness_keys held;
};

static bool key_fs(void *ctx, uint32_t boot, uint32_t index, uint8_t key[32])
{
        struct fs_attacker *a = ctx;
        struct witness_keys ks = a->held;

        if (boot != ks.boot || index < ks.index) {
                memcpy(key, a->held.key, 32); /* its best guess for a key it cannot have */
                return false;
        }
        while (ks.index < index)
                witness_keys_evolve(&ks);
        memcpy(key, ks.key, 32);
        return true;
}

struct tally {
        const char *name;
        unsigned tried, caught;
};

static void count(struct tally *t, int rc)
{
        t->tried++;
        if (rc == 1 || rc == 2)
                t->caught++;
}

static uint64_t pick_record(struct image *im, uint64_t below)
{
        for (int n = 0; n < 1000; n++) {
                uint64_t i = rnd() % below;

                if (is_record(im, i))
                        return i;
        }
        return 1;
}

int main(int argc, char **argv)
{
        struct image base = {0}, im = {0};
        const char *rollbacks[8], *other = NULL;
        size_t nroll = 0, klen;
        uint8_t *kb;
        static const char *names[] = {"bitflip",  "delete",      "insert",        "swap",
                                      "splice",   "anchor_flip", "anchor_forge",  "tail_cut",
                                      "rollback", "wrong_key",   "forward_secure"};
        struct tally t[11];
        enum { BIT, DEL, INS, SWAP, SPLICE, AFLIP, AFORGE, TAIL, ROLL, WKEY, FS };
        int bad = 0;

        for (size_t i = 0; i < 11; i++)
                t[i] = (struct tally){.name = names[i], .tried = 0, .caught = 0};
        if (argc < 4) {
                fprintf(stderr,
                        "usage: witness-sweep STORE KEYFILE CAPTURE [--rollback IMG]... "
                        "[--other IMG] [--seed N]\n");
                return 2;
        }
        keyfile = argv[2];
        capture = argv[3];
        for (int i = 4; i + 1 < argc; i += 2) {
                if (strcmp(argv[i], "--rollback") == 0 && nroll < 8)
                        rollbacks[nroll++] = argv[i + 1];
                else if (strcmp(argv[i], "--other") == 0)
                        other = argv[i + 1];
                else if (strcmp(argv[i], "--seed") == 0)
                        rng = strtoull(argv[i + 1], NULL, 0) | 1;
        }
        kb = slurp(keyfile, &klen);
        if (klen != WITNESS_KEY_BLOB || !witness_key_blob_parse(kb, root, &root_len)) {
                fprintf(stderr, "witness-sweep: %s is not a key file\n", keyfile);
                return 2;
        }
        free(kb);
        base.d = slurp(argv[1], &base.len);
        scan_image(&base);
        im = base;
        im.d = malloc(base.len);
        if (im.d == NULL)
                return 2;
        /* Every edit stays below the log's end plus a margin: restore only that much. */
        size_t live = (size_t)(base.log_off + (base.used + 128) * WS_SLOT);
        if (live > base.len)
                live = base.len;
        memcpy(im.d, base.d, base.len);
#define RESET() (memcpy(im.d, base.d, live), scan_image(&im))
        RESET();
        if (verify(&im) != 0 || base.used < 16) {
                fprintf(stderr, "witness-sweep: the unmodified store does not verify (exit %d)\n",
                        verify(&im));
                return 2;
        }
        /* bit flips anywhere written: superblock, used journal entries, used log slots */
        for (int n = 0; n < 300; n++) {
                uint64_t total = 64 + base.anchors * WS_ANCHOR_SIZE + base.used * WS_SLOT;
                uint64_t at = rnd() % total, off;

                RESET();
                if (at < 64)
                        off = at;
                else if ((at -= 64) < base.anchors * WS_ANCHOR_SIZE)
                        off = base.anchor_off[at / WS_ANCHOR_SIZE] + at % WS_ANCHOR_SIZE;
                else
                        off = base.log_off + (at - base.anchors * WS_ANCHOR_SIZE);
                im.d[off] ^= (uint8_t)(1u << (rnd() % 8));
                count(&t[BIT], verify(&im));
        }
        /* a record deleted (later slots move up), inserted (a copy, or a made-up one),
         * two adjacent records swapped: and the chain recomputed over it, with the real
         * seal keys left out (the forger has none) */
        for (int n = 0; n < 60; n++) {
                uint64_t k = pick_record(&base, base.used - 1);

                RESET();
                memmove(slot(&im, k), slot(&im, k + 1), (im.used - k - 1) * WS_SLOT);
                memset(slot(&im, im.used - 1), 0xFF, WS_SLOT);
                if (n % 2)
                        reseal(&im, key_wrong, NULL);
                count(&t[DEL], verify(&im));

                RESET();
                memmove(slot(&im, k + 1), slot(&im, k), (im.used - k) * WS_SLOT);
                if (n % 3 == 1)
                        slot(&im, k + 1)[16 + n % 24] ^= 0x21; /* a made-up record */
                if (n % 2)
                        reseal(&im, key_wrong, NULL);
                count(&t[INS], verify(&im));

                RESET();
                k = pick_record(&base, base.used - 2);
                {
                        uint8_t tmp[WS_SLOT];

                        memcpy(tmp, slot(&im, k), WS_SLOT);
                        memcpy(slot(&im, k), slot(&im, k + 1), WS_SLOT);
                        memcpy(slot(&im, k + 1), tmp, WS_SLOT);
                }
                if (n % 2)
                        reseal(&im, key_wrong, NULL);
                count(&t[SWAP], verify(&im));
        }
        /* splice: from slot k on, another machine's (or run's) log */
        if (other != NULL) {
                struct image o = {0};

                o.d = slurp(other, &o.len);
                scan_image(&o);
                for (int n = 0; n < 30; n++) {
                        uint64_t k = 1 + rnd() % (base.used - 1);

                        RESET();
                        if (o.len != im.len)
                                break;
                        memcpy(slot(&im, k), slot(&o, k), (base.used + 64 - k) * WS_SLOT);
                        if (n % 2) /* and the other log's journal too */
                                memcpy(im.d + (uint64_t)WS_ANCHOR_BLOCK0 * im.bs,
                                       o.d + (uint64_t)WS_ANCHOR_BLOCK0 * o.bs, 2 * (size_t)im.bs);
                        count(&t[SPLICE], verify(&im));
                }
                free(o.d);
        }
        /* anchors: a flipped bit in a used entry; forged entries (valid container, no key) */
        for (int n = 0; n < 60 && base.anchors; n++) {
                size_t a = rnd() % base.anchors;
                uint8_t *e;

                RESET();
                im.d[base.anchor_off[a] + rnd() % WS_ANCHOR_SIZE] ^= (uint8_t)(1u << (rnd() % 8));
                count(&t[AFLIP], verify(&im));

                RESET();
                e = im.d + base.anchor_off[a];
                {
                        struct witness_ws_anchor an = {0};
                        uint8_t h[32];

                        an.seal_seq = witness_ws_get64(e + 8) + (n % 3 == 0 ? 7 : 0);
                        an.slot = u32(e + 16) + (n % 3 == 1 ? 1 : 0);
                        an.boot = u32(e + 20);
                        an.index = u32(e + 24);
                        an.flags = u32(e + 28) ^ (n % 5 == 4 ? WITNESS_F_DEV : 0);
                        memcpy(an.head, e + 32, 32);
                        if (n % 3 == 2)
                                an.head[n % 32] ^= 1;
                        memset(h, (int)n, sizeof(h));
                        witness_ws_anchor_mac(&an, h, an.mac); /* any key but the board's */
                        witness_ws_anchor_encode(&an, e);
                }
                count(&t[AFORGE], verify(&im));
        }
        /* the last k whole batches cut off, with every anchor naming them erased: only the
         * published heads can tell */
        for (int k = 1; k <= 50; k++) {
                uint64_t cut = base.used;
                int found = 0;

                RESET();
                for (uint64_t i = base.used; i-- > 0 && found < k;)
                        if (witness_ws_slot_check(slot(&im, i), witness_ws_magic_batch)) {
                                cut = i;
                                found++;
                        }
                if (found < k || cut == 0)
                        break;
                memset(slot(&im, cut), 0xFF, (im.used - cut) * WS_SLOT);
                for (size_t a = 0; a < im.anchors; a++)
                        if (u32(im.d + im.anchor_off[a] + 16) >= cut)
                                memset(im.d + im.anchor_off[a], 0xFF, WS_ANCHOR_SIZE);
                count(&t[TAIL], verify(&im));
        }
        /* the whole store rolled back to an earlier copy */
        for (size_t r = 0; r < nroll; r++) {
                struct image o = {0};

                o.d = slurp(rollbacks[r], &o.len);
                count(&t[ROLL], verify(&o));
                free(o.d);
        }
        /* a record changed and everything after it re-sealed with a wrong key */
        for (int n = 0; n < 30; n++) {
                uint64_t k = pick_record(&base, base.used);

                RESET();
                slot(&im, k)[16 + n % 24] ^= (uint8_t)(1 + n);
                reseal(&im, key_wrong, NULL);
                count(&t[WKEY], verify(&im));
        }
        /* forward security: the attacker holds RVM's memory after seal t of the last boot
         * and rewrites a record sealed before it, re-sealing with every key it can derive */
        {
                uint32_t last_boot = 0, seals_last = 0;

                for (uint64_t i = 0; i < base.used; i++)
                        if (is_record(&base, i) && kind_of(slot(&base, i)) == WK_WIT_SEAL) {
                                uint32_t b = u32(slot(&base, i) + 40);

                                seals_last = b == last_boot ? seals_last + 1 : 1;
                                last_boot = b;
                        }
                for (int n = 0; n < 30 && seals_last >= 2; n++) {
                        struct fs_attacker at;
                        uint32_t tt =
                            1 + (uint32_t)(rnd() % (seals_last - 1)); /* T after seal tt-1 */
                        uint64_t k = 0;
                        uint32_t seen = 0;

                        witness_keys_seek(&at.held, root, root_len, last_boot, tt);
                        /* a record before seal tt - 1 of the last boot (or an earlier boot) */
                        for (uint64_t i = 0; i < base.used && seen < tt; i++)
                                if (is_record(&base, i)) {
                                        if (kind_of(slot(&base, i)) == WK_WIT_SEAL &&
                                            u32(slot(&base, i) + 40) == last_boot)
                                                seen++;
                                        else if (rnd() % 4 == 0 || k == 0)
                                                k = i;
                                }
                        RESET();
                        slot(&im, k)[32 + n % 8] ^= 0x40;
                        reseal(&im, key_fs, &at);
                        count(&t[FS], verify(&im));
                }
        }
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                printf("sweep %s %u/%u\n", t[i].name, t[i].caught, t[i].tried);
                if (t[i].tried == 0 || t[i].caught != t[i].tried)
                        bad = 1;
        }
        /* sanity: the re-sealer with the real keys makes an intact log (so the classes
         * above fail for the reason they claim) */
        {
                struct witness_keys ks = {0};

                RESET();
                reseal(&im, key_real, &ks);
                int rc = verify(&im);

                printf("sweep control_reseal_with_real_key exit %d\n", rc);
                if (rc != 0) {
                        char *argv[] = {"witness", "verify", "control", "--key-file",
                                        (char *)keyfile};

                        witness_tool_run_buffer(5, argv, im.d, im.len, stdout, stdout);
                        bad = 1;
                }
        }
        free(im.d);
        free(base.d);
        return bad;
}
