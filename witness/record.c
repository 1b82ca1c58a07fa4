/*
 * witness/record.c — the 64-byte record's little-endian encoding, the SHA-256 chain over
 * it, and the streaming verifier that names the first bad record. Shared unchanged by the
 * kernel (ring and store verification) and tools/witness.
 */
#include <stdint.h>
#include <string.h>

#include "witness/witness.h"

/*
 * The record's encoding is the layout of struct witness_record (witness.h checks its size and
 * every offset) in little-endian: on a little-endian CPU, encoding and decoding a record are
 * a copy of its 64 bytes, one path. Where both sides are 8-byte aligned (every ring slot and
 * store buffer, and the struct itself) the copy is made a word at a time in place: under
 * -mstrict-align the compiler would otherwise move it byte by byte (the append path's largest
 * cost after SHA-256).
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "a record is little-endian: its struct is its layout on a little-endian CPU only");
typedef uint64_t __attribute__((may_alias)) rec_u64;
typedef uint32_t __attribute__((may_alias)) rec_u32;

static void copy_record(void *dst, const void *src)
{
        if ((((uintptr_t)dst | (uintptr_t)src) & 7) != 0) {
                memcpy(dst, src, WITNESS_RECORD_SIZE);
                return;
        }
        rec_u64 *d = dst;
        const rec_u64 *s = src;
        uint64_t w0 = s[0], w1 = s[1], w2 = s[2], w3 = s[3];
        uint64_t w4 = s[4], w5 = s[5], w6 = s[6], w7 = s[7];

        d[0] = w0;
        d[1] = w1;
        d[2] = w2;
        d[3] = w3;
        d[4] = w4;
        d[5] = w5;
        d[6] = w6;
        d[7] = w7;
}

void witness_record_encode(const struct witness_record *r, uint8_t out[WITNESS_RECORD_SIZE])
{
        copy_record(out, r);
}

void witness_record_decode(const uint8_t in[WITNESS_RECORD_SIZE], struct witness_record *r)
{
        copy_record(r, in);
}

void witness_genesis(uint8_t head[WITNESS_HEAD_SIZE])
{
        static const char g[] = "RVM-WITNESS-GENESIS-v1";

        witness_sha256(g, sizeof(g) - 1, NULL, 0, head);
}

void witness_chain_step(uint8_t head[WITNESS_HEAD_SIZE], uint8_t rec[WITNESS_RECORD_SIZE])
{
        witness_sha256(head, WITNESS_HEAD_SIZE, rec, WITNESS_CONTENT_SIZE, head);
        if ((((uintptr_t)rec | (uintptr_t)head) & 3) == 0) { /* the link: three words */
                rec_u32 *l = (rec_u32 *)(void *)(rec + WITNESS_CONTENT_SIZE);
                const rec_u32 *h = (const rec_u32 *)(const void *)head;

                l[0] = h[0];
                l[1] = h[1];
                l[2] = h[2];
                return;
        }
        memcpy(rec + WITNESS_CONTENT_SIZE, head, WITNESS_LINK_SIZE);
}

bool witness_chain_check(uint8_t head[WITNESS_HEAD_SIZE], const uint8_t rec[WITNESS_RECORD_SIZE])
{
        uint8_t diff = 0;

        witness_sha256(head, WITNESS_HEAD_SIZE, rec, WITNESS_CONTENT_SIZE, head);
        for (int i = 0; i < WITNESS_LINK_SIZE; i++)
                diff |= (uint8_t)(head[i] ^ rec[WITNESS_CONTENT_SIZE + i]);
        return diff == 0;
}

const char *witness_verdict_name(enum witness_verdict v)
{
        switch (v) {
        case WV_OK:
                return "intact";
        case WV_CONTENT:
                return "content changed";
        case WV_SEQ_FIELD:
                return "sequence number changed";
        case WV_MISSING:
                return "record missing";
        case WV_ORDER:
                return "record out of order";
        case WV_BAD_SEAL:
                return "bad seal";
        case WV_TAIL_CUT:
                return "tail cut";
        case WV_TORN:
                return "torn batch (power cut)";
        case WV_FORMAT:
                return "malformed container";
        case WV_ANCHOR:
                return "bad anchor";
        case WV_RANGE:
                return "sequence number out of range";
        }
        return "unknown";
}

void witness_verify_init(struct witness_verifier *v, const uint8_t *start_head, uint64_t start_seq,
                         const uint8_t *key, size_t key_len)
{
        memset(v, 0, sizeof(*v));
        if (start_head)
                memcpy(v->head, start_head, WITNESS_HEAD_SIZE);
        else
                witness_genesis(v->head);
        v->next_seq = start_seq;
        v->key = key;
        v->key_len = key_len;
        /* From the genesis, the first seal of every boot has index 0; from a head given
         * mid-log, the first seal's index is taken as it stands (its MAC still binds it). */
        v->seal_pos = start_head == NULL;
        v->seal_boot = 0;
        v->seal_next = 0;
}

void witness_verify_expect_seal(struct witness_verifier *v, uint32_t boot, uint32_t index)
{
        v->seal_pos = true;
        v->seal_boot = boot;
        v->seal_next = index;
}

static enum witness_verdict fail(struct witness_verifier *v, enum witness_verdict what,
                                 uint64_t found)
{
        v->fault = what;
        v->fault_index = v->index;
        v->fault_expected_seq = v->next_seq;
        v->fault_found_seq = found;
        v->index++;
        return what;
}

/* Constant time: seal MACs are secrets-derived values compared against attacker input. */
static bool mac_equal(const uint8_t *a, const uint8_t *b)
{
        uint8_t d = 0;

        for (int i = 0; i < WITNESS_MAC_SIZE; i++)
                d |= (uint8_t)(a[i] ^ b[i]);
        return d == 0;
}

enum witness_verdict witness_verify_record(struct witness_verifier *v,
                                           const uint8_t rec[WITNESS_RECORD_SIZE])
{
        uint8_t h[WITNESS_HEAD_SIZE];
        struct witness_record r;

        witness_record_decode(rec, &r);
        uint64_t seq = r.seq;

        if (v->fault != WV_OK)
                return v->fault;
        memcpy(h, v->head, sizeof(h));
        if (seq == UINT64_MAX || v->next_seq == UINT64_MAX)
                return fail(v, WV_RANGE, seq); /* no successor: nothing could follow it */
        if (seq != v->next_seq) {
                /* Tell an edited sequence field apart from a genuinely displaced record:
                 * with the expected number put back, does the link match? */
                uint8_t fixed[WITNESS_RECORD_SIZE];

                r.seq = v->next_seq;
                witness_record_encode(&r, fixed);
                if (witness_chain_check(h, fixed))
                        return fail(v, WV_SEQ_FIELD, seq);
                return fail(v, seq > v->next_seq ? WV_MISSING : WV_ORDER, seq);
        }
        if (!witness_chain_check(h, rec))
                return fail(v, WV_CONTENT, seq);
        if (r.kind == WK_WIT_SEAL) {
                uint32_t boot = r.boot, index = r.actor; /* a seal's epoch key index */
                bool dev = (r.flags & WITNESS_F_DEV) != 0;
                uint32_t want = v->seal_pos && v->seal_boot == boot ? v->seal_next : 0;

                /* Seals of a boot are numbered 0, 1, 2, ...: a missing or renumbered seal
                 * would let a later key stand in for an earlier one. */
                if (v->seal_pos && index != want)
                        return fail(v, WV_BAD_SEAL, seq);
                if (dev || v->key) {
                        struct witness_keys *ks = dev ? &v->ks_dev : &v->ks;
                        uint8_t mac[WITNESS_MAC_SIZE];

                        if (witness_keys_at(ks, dev ? witness_dev_key : v->key,
                                            dev ? sizeof(witness_dev_key) : v->key_len, boot,
                                            index) != WITNESS_OK ||
                            witness_seal_mac(ks->key, WITNESS_HEAD_SIZE, v->head, rec, mac) !=
                                WITNESS_OK ||
                            !mac_equal(mac, rec + 16))
                                return fail(v, WV_BAD_SEAL, seq);
                        if (dev)
                                v->seals_dev++;
                        else
                                v->seals_ok++;
                } else {
                        v->seals_unchecked++;
                }
                v->seal_pos = true;
                v->seal_boot = boot;
                v->seal_next = index + 1;
                v->last_seal_seq = seq;
        }
        memcpy(v->head, h, sizeof(h));
        v->next_seq++;
        v->records++;
        v->index++;
        return WV_OK;
}
