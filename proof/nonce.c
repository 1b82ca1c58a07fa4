/*
 * Replay protection for P2: per partition, a ring of the last PROOF_NONCE_RING nonces used and
 * a watermark. A nonce is fresh when it is non-zero, above the watermark and not in the ring.
 * When the ring is full the oldest entry is evicted and the watermark rises to it, so an
 * evicted nonce (and everything below it) can never be replayed; the P2 time window keeps
 * honest callers, who use increasing nonces, well clear of the watermark.
 */
#include <string.h>

#include "proof/proof.h"

struct nonce_ring {
        uint64_t used[PROOF_NONCE_RING];
        uint32_t head;  /* next slot to write */
        uint32_t count; /* valid entries, <= PROOF_NONCE_RING */
        uint64_t watermark;
};

static struct nonce_ring rings[CAP_MAX_TABLES];

void proof_reset_partition(uint32_t partition)
{
        if (partition < CAP_MAX_TABLES) {
                memset(&rings[partition], 0, sizeof(rings[partition]));
        }
}

void proof_init(void)
{
        memset(rings, 0, sizeof(rings));
}

bool proof_nonce_fresh(uint32_t partition, uint64_t nonce)
{
        if (partition >= CAP_MAX_TABLES) {
                return false;
        }
        const struct nonce_ring *r = &rings[partition];
        /* Scan the whole ring every time: the time taken does not depend on where (or
         * whether) the nonce is found. Unwritten entries are 0, which is never fresh. */
        uint64_t seen = 0;
        for (uint32_t i = 0; i < PROOF_NONCE_RING; i++) {
                seen |= (uint64_t)(r->used[i] == nonce);
        }
        return (nonce != 0) & (nonce > r->watermark) & (seen == 0);
}

void proof_nonce_record(uint32_t partition, uint64_t nonce)
{
        if (partition >= CAP_MAX_TABLES) {
                return;
        }
        struct nonce_ring *r = &rings[partition];
        if (r->count == PROOF_NONCE_RING) {
                uint64_t evicted = r->used[r->head];
                if (evicted > r->watermark) {
                        r->watermark = evicted;
                }
        } else {
                r->count++;
        }
        r->used[r->head] = nonce;
        r->head = (r->head + 1u) % PROOF_NONCE_RING;
}

uint64_t proof_nonce_watermark(uint32_t partition)
{
        return partition < CAP_MAX_TABLES ? rings[partition].watermark : 0;
}
