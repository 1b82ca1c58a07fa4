/*
 * memory/region.h: who owns which physical pages, and the lend/share/donate transactions
 * between partitions (in the manner of Arm FF-A's memory sharing as Hafnium does it).
 *
 * Typed regions. Every page RVM hands to a partition belongs to exactly one region: a run of
 * contiguous physical pages with a type (partition RAM, CommEdge page, device, RVM's own),
 * an owner partition (0 = RVM), the IPA at which the owner sees it, and a home (the partition
 * whose RAM allocation holds it, and the IPA there). region_add refuses a range that overlaps
 * a region already registered, so a page is never in two regions, hence never in two
 * exclusive owners. Only RAM regions can be offered, and only by their owner: RVM's memory,
 * device memory and CommEdge pages never can (anything not registered as the caller's RAM is
 * refused, so the rule is default-deny).
 *
 * Transactions. The owner offers pages [ipa, ipa + size) of one of its RAM regions to one peer:
 *   SHARE   both keep access while the peer holds it;
 *   LEND    the owner loses access from the offer until it reclaims;
 *   DONATE  the owner loses access at once; the peer's retrieve moves ownership to it (the
 *           pages become a RAM region of the peer; no relinquish, no reclaim).
 * The peer retrieves (maps the pages at an IPA it chooses), relinquishes (unmaps them; it may
 * retrieve again), and the owner reclaims (ends the offer; refused while the peer holds it).
 * A page is in at most one live offer. States: OFFERED -> RETRIEVED -> OFFERED -> (ended).
 *
 * This module decides; struct region_ops applies (stage-2 map/unmap with TLB invalidation,
 * zeroing, capabilities, witness records), so the whole state machine runs on the host. An
 * offer is named by a 64-bit id (generation << 16 | slot) that the kernel keeps behind a
 * capability; a stale id is refused.
 *
 * Cleanup: region_release(p) leaves no trace of p in any transaction: offers p made end
 * (the borrower is unmapped, lent pages are mapped back to p), offers p holds are
 * relinquished, and regions donated to p go home (zeroed, mapped back in their home).
 *
 * Not thread-safe: the kernel calls it under run_lock.
 */
#ifndef RVM_MEMORY_REGION_H
#define RVM_MEMORY_REGION_H

#include <stdbool.h>
#include <stdint.h>

#include "memory/addr.h"

#define REGION_PAGE 4096ULL
#include "configs/limits.h" /* the profile's sizes, if it sets them */
#ifndef REGION_MAX
#define REGION_MAX 64 /* typed regions */
#endif
#ifndef REGION_OFFERS
#define REGION_OFFERS 64 /* live transactions: 8 partitions, REGION_OFFERS_EACH each */
#endif
/* Live offers one owner may have made at once: past it REGION_E_FULL, so no partition can
 * take the offers the others are owed (the kernel sizes REGION_OFFERS for all of theirs). */
#ifndef REGION_OFFERS_EACH
#define REGION_OFFERS_EACH 8
#endif
/* RAM regions one partition may hold: its own RAM, cut by what it donated, and the pieces
 * donated to it. Past it a donation's retrieve gets REGION_E_FULL, so two partitions passing
 * pages to and fro cannot cut the table up for everyone (the kernel sizes REGION_MAX for
 * every partition's pieces, its CommEdge pages and RVM's own). */
#ifndef REGION_PIECES_EACH
#define REGION_PIECES_EACH 5
#endif
#define REGION_MAX_PAGES 256 /* pages in one offer (1 MiB) */
#define REGION_NO_TAG    0xFFFFFFFFu

enum region_type {
        REGION_T_FREE = 0,
        REGION_T_RAM = 1,    /* a partition's memory: the only type that can be offered */
        REGION_T_EDGE = 2,   /* a CommEdge page (two partitions map it; RVM owns it) */
        REGION_T_DEVICE = 3, /* device MMIO */
        REGION_T_RVM = 4,    /* RVM's own memory */
};

enum region_kind {
        REGION_SHARE = 1,
        REGION_LEND = 2,
        REGION_DONATE = 3,
};

enum region_offer_state {
        OFFER_FREE = 0,
        OFFER_OFFERED = 1,   /* waiting for the peer (or relinquished by it) */
        OFFER_RETRIEVED = 2, /* mapped in the peer */
};

enum region_err {
        REGION_OK = 0,
        REGION_E_INVAL,     /* unaligned, zero or too large, unknown kind, offer to oneself */
        REGION_E_NOT_OWNER, /* the range is not wholly RAM the caller owns */
        REGION_E_BUSY,      /* pages already offered; offer already retrieved; reclaim while held */
        REGION_E_STATE,     /* relinquish of an offer the caller does not hold */
        REGION_E_PEER,      /* the caller is not the partition this offer names */
        REGION_E_RANGE,     /* the retrieve IPA overlaps what the peer already has */
        REGION_E_FULL,      /* no free offer or region slot, or the mapping failed */
        REGION_E_NOT_FOUND, /* no live offer with this id (never issued, or ended) */
        REGION_E_OVERLAP,   /* region_add: the range overlaps a registered region */
};

struct mem_region {
        uint64_t pa;
        uint64_t pages;
        uint64_t ipa; /* where the owner sees it */
        uint64_t home_ipa;
        uint32_t owner;
        uint32_t home; /* whose RAM allocation it is part of (gets it back) */
        uint32_t tag;  /* the kernel's capability object for a donated region, or REGION_NO_TAG */
        uint8_t type;  /* enum region_type; REGION_T_FREE while the slot is unused */
};

struct region_offer {
        uint64_t id; /* generation << 16 | slot */
        uint64_t pa;
        uint64_t pages;
        uint64_t owner_ipa;
        uint64_t peer_ipa; /* valid while RETRIEVED */
        uint32_t owner;
        uint32_t peer;
        uint32_t tag; /* the kernel's capability object for it, or REGION_NO_TAG */
        uint8_t kind; /* enum region_kind */
        uint8_t state;
        bool read_only; /* the peer maps it without write permission */
};

struct region_space {
        struct mem_region region[REGION_MAX];
        struct region_offer offer[REGION_OFFERS];
        uint32_t gen[REGION_OFFERS]; /* per slot, bumped when an offer ends; never 0 */
};

/* What the kernel does when the state machine decides (all under its lock). */
struct region_ops {
        void *ctx;
        /* Map pages at ipa in partition part; 0 on success. */
        int (*map)(void *ctx, uint32_t part, ipa_t ipa, pa_t pa, uint64_t pages, bool write);
        /* Unmap, then invalidate part's TLB entries on every CPU. */
        void (*unmap)(void *ctx, uint32_t part, ipa_t ipa, uint64_t pages);
        void (*zero)(void *ctx, pa_t pa, uint64_t pages);
        /* The offer ended (reclaimed, donated, cleaned up): its capabilities go. */
        void (*offer_ended)(void *ctx, const struct region_offer *o);
        /* r changed owner (a donation completed, or it went home): from = old owner, old_tag
         * = its tag before. Returns r's new tag (e.g. a capability object for a donated
         * region), REGION_NO_TAG for none. */
        uint32_t (*owner_changed)(void *ctx, const struct mem_region *r, uint32_t from,
                                  uint32_t old_tag);
};

void region_space_init(struct region_space *s);

/* Register pages [pa, pa + pages * 4 KiB) as a region of type, owned by owner at ipa. */
enum region_err region_add(struct region_space *s, enum region_type type, uint32_t owner, pa_t pa,
                           uint64_t pages, ipa_t ipa);

/* The region holding physical address pa, or NULL. */
const struct mem_region *region_of_pa(const struct region_space *s, pa_t pa);

/* Does owner own, as RAM, every page of [ipa, ipa + size)? On success *pa_out is the first
 * page's physical address (the range lies in one region, so it is contiguous). */
enum region_err region_owned_range(const struct region_space *s, uint32_t owner, ipa_t ipa,
                                   uint64_t size, pa_t *pa_out);

/* The owner offers [ipa, ipa + size) to peer. LEND and DONATE unmap it from the owner. */
enum region_err region_offer(struct region_space *s, const struct region_ops *ops, uint32_t owner,
                             uint32_t peer, enum region_kind kind, ipa_t ipa, uint64_t size,
                             bool read_only, struct region_offer *out);
/* Attach the kernel's handle (its capability object) to a live offer. */
enum region_err region_offer_set_tag(struct region_space *s, uint64_t id, uint32_t tag);

/* The peer maps the offer at ipa (a donation also changes the pages' owner and ends the offer).
 * *out receives the offer as it was retrieved. */
enum region_err region_retrieve(struct region_space *s, const struct region_ops *ops,
                                uint32_t caller, uint64_t id, ipa_t ipa, struct region_offer *out);

/* The peer unmaps it (the offer stays; the peer may retrieve it again). */
enum region_err region_relinquish(struct region_space *s, const struct region_ops *ops,
                                  uint32_t caller, uint64_t id, struct region_offer *out);

/* The owner ends the offer (not while the peer holds it); lent pages come back to it. */
enum region_err region_reclaim(struct region_space *s, const struct region_ops *ops,
                               uint32_t caller, uint64_t id, struct region_offer *out);

/* Partition part goes away or starts afresh: end, relinquish and send home all it has. */
void region_release(struct region_space *s, const struct region_ops *ops, uint32_t part);

/* The live offer with this id, or NULL. */
const struct region_offer *region_offer_get(const struct region_space *s, uint64_t id);

/* Does part own the page at pa (false if the page is in no region or another's)? */
bool region_page_owned(const struct region_space *s, uint32_t part, pa_t pa);

const char *region_kind_name(enum region_kind k);
const char *region_type_name(enum region_type t);
const char *region_err_name(enum region_err e);

#endif
