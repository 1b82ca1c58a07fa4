/*
 * Replay protection and request age for P2, per partition.
 *
 * Tickets: RVM issues each P2 request's nonce (the TICKET call), increasing, and keeps the
 * latest PROOF_TICKETS with the time it issued them on its own clock; the WINDOW rule
 * accepts only a nonce found there, issued at most max_age ago. A caller asking for more
 * tickets than it uses loses its oldest ones, never another partition's.
 *
 * Used nonces: a ring of the last PROOF_NONCE_RING nonces used and a watermark. A nonce is
 * fresh when it is non-zero, above the watermark and not in the ring. When the ring is full
 * the oldest entry is evicted and the watermark rises to it, so an evicted nonce (and
 * everything below it) can never be replayed; tickets are issued above the watermark.
 */
#include <string.h>

#include "proof/proof.h"

struct nonce_ring {
        uint64_t used[PROOF_NONCE_RING];
        uint32_t head;  /* next slot to write */
        uint32_t count; /* valid entries, <= PROOF_NONCE_RING */
        uint64_t watermark;
        uint64_t last_ticket;
        struct {
                uint64_t nonce, issued; /* nonce 0: none */
        } tickets[PROOF_TICKETS];
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

uint64_t proof_ticket_issue(uint32_t partition, uint64_t now)
{
        if (partition >= CAP_MAX_TABLES) {
                return 0;
        }
        struct nonce_ring *r = &rings[partition];
        uint64_t n = (r->last_ticket > r->watermark ? r->last_ticket : r->watermark) + 1;
        r->last_ticket = n;
        r->tickets[n % PROOF_TICKETS].nonce = n;
        r->tickets[n % PROOF_TICKETS].issued = now;
        return n;
}

bool proof_ticket_fresh(uint32_t partition, uint64_t nonce, uint64_t now, uint64_t max_age)
{
        if (partition >= CAP_MAX_TABLES) {
                return false;
        }
        const struct nonce_ring *r = &rings[partition];
        /* Every entry is looked at, whichever matches, and the result combined without
         * branches: the time taken says nothing about which ticket was found, or whether. */
        uint64_t found = 0, issued = 0;
        for (uint32_t i = 0; i < PROOF_TICKETS; i++) {
                uint64_t match = (uint64_t)(r->tickets[i].nonce == nonce);
                found |= match;
                issued |= r->tickets[i].issued & (0 - match);
        }
        /* Computed unconditionally; only meaningful (and only used) when issued <= now. */
        uint64_t age = now - issued;
        return (nonce != 0) & (found != 0) & (issued <= now) & (age <= max_age);
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
