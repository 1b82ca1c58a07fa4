/*
 * Capabilities as kernel objects: the whole public interface of cap/.
 *
 * cap/ owns three things, all in fixed-size static storage (no heap):
 *   - the object registry: every kernel object that authority can name (partition, memory
 *     region, comm edge, device, vCPU, witness log, scheduler, coherence engine), with its
 *     owner partition, its size (for range checks) and its revocation epoch;
 *   - the capability arena: CAP_ARENA_SIZE nodes forming derivation trees (parent, first
 *     child, next sibling), one tree per root capability minted for an object;
 *   - per-partition tables: CAP_TABLE_SLOTS slots per partition, each slot naming an arena
 *     node and carrying a generation.
 *
 * Partitions and agents never see a node: they hold handles. A handle is 64 bits:
 *
 *     63          48 47          32 31                           0
 *    +--------------+--------------+------------------------------+
 *    |   table id   |  slot index  |   generation (never 0)       |
 *    +--------------+--------------+------------------------------+
 *
 * table id = partition id + 1 (so the all-zero handle is never valid). A handle resolves only
 * in the table of the partition presenting it; the slot's generation is bumped every time the
 * slot is freed, so a handle kept after revoke/drop is stale forever (generations survive a
 * partition's table being destroyed and re-created).
 *
 * Resolution errors are distinct and checked in this order:
 *   CAP_E_FORGED   handle 0, table id 0 or beyond CAP_MAX_TABLES, slot index out of range,
 *                  generation 0
 *   CAP_E_FOREIGN  well formed, but the table id is not the presenting partition's
 *   CAP_E_STALE    the slot is free or its generation differs (revoked, dropped, or guessed)
 *   CAP_E_EPOCH    the slot is live but the object's epoch moved past the capability's
 * and then, where the operation names them, CAP_E_TYPE (wrong object type) and CAP_E_RIGHTS.
 *
 * Derivation (cap_derive into the caller's own table, which needs target == caller, else
 * CAP_E_INVAL; cap_grant into another partition's table) follows these rules:
 *   - the parent needs GRANT or GRANT_ONCE (else CAP_E_RIGHTS);
 *   - monotonic attenuation: child rights are a subset of the parent's rights, the child's
 *     window [offset, offset+size) lies inside the parent's, and the child's expiry is not
 *     later than the parent's (else CAP_E_ESCALATE, or CAP_E_RANGE for the window);
 *   - depth: child depth = parent depth + 1 <= CAP_MAX_DEPTH (else CAP_E_DEPTH);
 *   - room: a free slot in the receiving table (else CAP_E_TABLE_FULL); and, for a child in
 *     another table than its parent's (a grant), fewer than CAP_GRANTED_MAX capabilities
 *     granted by others already there (else CAP_E_TABLE_FULL too): a principal cannot fill
 *     another's table with grants, and half of every table stays its holder's own;
 *   - checks run in this order, the first failure wins: CAP_E_INVAL (unknown right bits),
 *     CAP_E_NO_TABLE (receiving partition), the resolution errors above, CAP_E_RIGHTS,
 *     CAP_E_ESCALATE (rights, then once-only, then expiry), CAP_E_DEPTH, CAP_E_RANGE,
 *     CAP_E_TABLE_FULL, CAP_E_ARENA_FULL;
 *   - GRANT_ONCE, exactly: a parent holding GRANT delegates freely and nothing is consumed; a
 *     parent holding GRANT_ONCE *without* GRANT may delegate exactly once: that derivation
 *     clears GRANT_ONCE from the PARENT (the delegator's side is consumed), and the child may
 *     not receive GRANT or GRANT_ONCE from such a delegation (non-transitive: the child can
 *     use what it got but never pass it on). Asking for them is CAP_E_ESCALATE. A parent
 *     holding both GRANT and GRANT_ONCE may hand GRANT_ONCE to a child, which then gets one
 *     delegation of its own under the same rule. (The Rust original enforced GRANT_ONCE on the
 *     wrong side, issue 4: here it is the delegator's flag that is spent.)
 *
 * Revocation: cap_revoke (needs REVOKE; checks CAP_E_INVAL for unknown flags, the resolution
 * errors, CAP_E_RIGHTS, then CAP_E_NOT_ROOT) frees every descendant of a capability in every
 * partition, iteratively, without recursion, in work bounded by twice the nodes freed; cap_drop
 * frees a capability together with its subtree (authority never outlives its source). For bulk
 * revocation every object has an epoch: bumping it (cap_revoke with CAP_REVOKE_EPOCH on a root
 * capability, or cap_object_bump_epoch from the kernel) invalidates every capability to the object
 * in O(1); the root used for the bump is re-stamped and stays valid. Stale-epoch capabilities keep
 * their slot (they fail with CAP_E_EPOCH) until dropped or reclaimed (cap_reclaim_stale).
 *
 * Every operation that changes capability state, and every denial, emits exactly one witness
 * record (WK_CAP_CREATE/DERIVE/GRANT/REVOKE/DROP/INSPECT, or WK_CAP_DENY with the enum cap_err
 * value in payload bits 0..15 and the refused operation's witness kind in bits 16..31).
 * Kernel-side revocations (epoch bump, object destroy, table destroy) are WK_CAP_REVOKE with
 * actor 0, payload = capabilities freed | CAP_REVOKE_EPOCH << 32 when the epoch moved;
 * cap_reclaim_stale is one WK_CAP_DROP with actor 0. Creating objects and tables, and changing
 * an object's owner, are registry bookkeeping that the calling module witnesses (WK_MEM_REGION,
 * WK_PART_CREATE, WK_PART_SPLIT, ...).
 *
 * Not thread-safe: the kernel serialises calls (one big lock around hypercall dispatch).
 */
#ifndef RVM_CAP_CAP_H
#define RVM_CAP_CAP_H

#include <stdbool.h>
#include <stdint.h>

/* Capacities; overridable at compile time (profiles, and the model test uses small ones). */
#include "configs/limits.h"
#ifndef CAP_MAX_TABLES
#define CAP_MAX_TABLES 32 /* principals 0..31: RVM (0), partitions, agents (wasm/agent.h) */
#endif
#ifndef CAP_TABLE_SLOTS
#define CAP_TABLE_SLOTS 64
#endif
#ifndef CAP_ARENA_SIZE
#define CAP_ARENA_SIZE (CAP_MAX_TABLES * CAP_TABLE_SLOTS) /* every table full */
#endif
/* At most this many of a table's slots may hold capabilities granted by other principals
 * (derived from a parent in another table): the rest stay the holder's own. */
#ifndef CAP_GRANTED_MAX
#define CAP_GRANTED_MAX (CAP_TABLE_SLOTS / 2)
#endif
#ifndef CAP_MAX_OBJECTS
#define CAP_MAX_OBJECTS 256
#endif
#define CAP_MAX_DEPTH 8 /* a root has depth 0; the deepest derived capability has depth 8 */

_Static_assert(CAP_ARENA_SIZE > 0 && CAP_ARENA_SIZE < 0xFFFF, "arena index fits 16 bits");
_Static_assert(CAP_TABLE_SLOTS > 0 && CAP_TABLE_SLOTS <= 0x10000, "slot index fits 16 bits");
_Static_assert(CAP_MAX_TABLES > 0 && CAP_MAX_TABLES < 0xFFFF, "table id fits 16 bits");

/* The seven rights of seeds/003. */
enum cap_right {
        CAP_R_READ = 1u << 0,
        CAP_R_WRITE = 1u << 1,
        CAP_R_GRANT = 1u << 2,
        CAP_R_REVOKE = 1u << 3,
        CAP_R_EXECUTE = 1u << 4,
        CAP_R_PROVE = 1u << 5,
        CAP_R_GRANT_ONCE = 1u << 6,
};
#define CAP_R_ALL 0x7Fu

enum cap_type {
        CAP_T_NONE = 0,
        CAP_T_PARTITION = 1,
        CAP_T_MEMORY = 2,
        CAP_T_COMM_EDGE = 3,
        CAP_T_DEVICE = 4,
        CAP_T_VCPU = 5,
        CAP_T_WITNESS_LOG = 6,
        CAP_T_SCHEDULER = 7,
        CAP_T_COHERENCE = 8,
        CAP_T_COUNT
};

enum cap_err {
        CAP_OK = 0,
        CAP_E_FORGED = 1,      /* malformed handle */
        CAP_E_FOREIGN = 2,     /* another partition's handle */
        CAP_E_STALE = 3,       /* revoked, dropped or never issued */
        CAP_E_EPOCH = 4,       /* object epoch moved on (bulk revocation) */
        CAP_E_TYPE = 5,        /* wrong object type */
        CAP_E_RIGHTS = 6,      /* the capability lacks a required right */
        CAP_E_ESCALATE = 7,    /* derivation would add a right or extend a lease */
        CAP_E_DEPTH = 8,       /* derivation deeper than CAP_MAX_DEPTH */
        CAP_E_RANGE = 9,       /* window outside the parent's window or the object */
        CAP_E_TABLE_FULL = 10, /* the receiving table has no free slot (or no room for grants) */
        CAP_E_ARENA_FULL = 11, /* no free capability node */
        CAP_E_NO_TABLE = 12,   /* partition has no table (or id out of range) */
        CAP_E_INVAL = 13,      /* bad argument (unknown right bits, flags, type) */
        CAP_E_NOT_ROOT = 14,   /* epoch bump needs a root (depth 0) capability */
        CAP_E_NO_OBJECT = 15,  /* object registry full or object id unknown */
        CAP_E_EXISTS = 16,     /* table already exists */
};

typedef uint64_t cap_handle_t;
typedef uint16_t cap_obj_t; /* index into the object registry */
#define CAP_OBJ_NONE  ((cap_obj_t)0xFFFF)
#define CAP_NODE_NONE ((uint16_t)0xFFFF) /* "no node": arena indexes are below it */

#define CAP_HANDLE_TABLE(h) ((uint32_t)((h) >> 48))
#define CAP_HANDLE_SLOT(h)  ((uint32_t)(((h) >> 32) & 0xFFFFu))
#define CAP_HANDLE_GEN(h)   ((uint32_t)(h))
#define CAP_HANDLE(table, slot, gen) \
        (((uint64_t)(table) << 48) | ((uint64_t)(slot) << 32) | (uint64_t)(uint32_t)(gen))

/* A derivation request: cap_derive into the caller's own table, cap_grant into target's. */
struct cap_derive_req {
        uint32_t caller;     /* partition presenting the parent handle */
        cap_handle_t parent; /* handle in the caller's table */
        uint32_t target;     /* receiving partition (== caller for derive) */
        uint32_t rights;     /* requested rights, subset of the parent's */
        uint64_t offset;     /* child window start, absolute within the object */
        uint64_t size;       /* child window size; 0 = the parent's whole window */
        uint64_t expiry;     /* lease deadline in clock ticks; 0 = inherit the parent's */
        uint8_t tier;        /* proof tier that gated the request (recorded in the witness) */
};

/*
 * A resolved capability as the gate needs it on every privileged call: where it is, what it
 * names and what it grants (cap_resolve_view). The rest (window, lease, depth) is read from
 * the node when a handler needs it (cap_info_at).
 */
struct cap_view {
        uint16_t node;       /* arena index: for proof_p2/p3 and cap_info_at */
        uint8_t type;        /* enum cap_type of the object it names */
        uint32_t rights;     /* what it grants */
        uint64_t object_ref; /* the kernel's id for the object (e.g. an edge, a partition) */
};

/* What cap_inspect reports (what the holder may learn about its own capability). */
struct cap_info {
        enum cap_type type;
        uint32_t rights;
        uint32_t depth;
        uint32_t owner;      /* partition that owns the object */
        uint64_t object_ref; /* the kernel's id for the object (e.g. region id) */
        uint64_t base, size; /* window within the object */
        uint64_t expiry;     /* 0 = no lease deadline */
        uint32_t epoch;
        bool epoch_current;
};

#define CAP_REVOKE_EPOCH 1u /* cap_revoke flag: bump the object epoch (root capability only) */

/* Reset all state (boot; tests). */
void cap_init(void);

/* Object registry (kernel-only; never reachable from a hypercall argument). */
enum cap_err cap_object_create(enum cap_type type, uint32_t owner, uint64_t size, uint64_t ref,
                               cap_obj_t *out);
enum cap_err cap_object_set_owner(cap_obj_t obj, uint32_t owner); /* e.g. region moved by split */
enum cap_err cap_object_bump_epoch(cap_obj_t obj);                /* invalidate every cap */
enum cap_err cap_object_destroy(cap_obj_t obj); /* frees every capability naming it */

/* Per-partition tables. Destroying a table frees all its capabilities and their subtrees. */
enum cap_err cap_table_create(uint32_t partition);
enum cap_err cap_table_destroy(uint32_t partition);
bool cap_table_exists(uint32_t partition);

/* Boot: mint a root capability (depth 0, no parent) for obj into partition's table. */
enum cap_err cap_mint_root(cap_obj_t obj, uint32_t partition, uint32_t rights, cap_handle_t *out);

/* Resolve a handle presented by caller: handle validity, generation and epoch only. Does not
 * emit a witness (the caller decides what the lookup was for). *node_out gets the arena index. */
enum cap_err cap_resolve(uint32_t caller, cap_handle_t h, bool allow_stale_epoch,
                         uint16_t *node_out);
/* The same in one call with what the capability names and grants (P1's whole input). */
enum cap_err cap_resolve_view(uint32_t caller, cap_handle_t h, bool allow_stale_epoch,
                              struct cap_view *out);

/* Operations (each emits one witness record, DENY on failure). */
enum cap_err cap_derive(const struct cap_derive_req *req, cap_handle_t *out);
enum cap_err cap_grant(const struct cap_derive_req *req, cap_handle_t *out);
enum cap_err cap_revoke(uint32_t caller, cap_handle_t h, uint32_t flags, uint8_t tier,
                        uint32_t *freed_out);
enum cap_err cap_drop(uint32_t caller, cap_handle_t h, uint8_t tier, uint32_t *freed_out);
enum cap_err cap_inspect(uint32_t caller, cap_handle_t h, uint8_t tier, struct cap_info *out);

/* Free up to max_nodes stale-epoch capabilities (with their subtrees); returns how many. */
uint32_t cap_reclaim_stale(uint32_t max_nodes);

/* Enumerate a partition's live slots (monitor `caps`): returns the handle of the first live
 * slot >= *cursor and advances *cursor, or 0 when there are no more. No witness record. */
cap_handle_t cap_table_next(uint32_t partition, uint32_t *cursor);
enum cap_err cap_info_of(uint32_t partition, cap_handle_t h, struct cap_info *out); /* no witness */
/* The same for the arena index a resolution (cap_resolve, proof_p1) just returned: the gate
 * fills its context from P1's node without resolving the handle a second time. No witness. */
void cap_info_at(uint16_t node, struct cap_info *out);

/* Introspection for tests and the monitor. */
uint32_t cap_arena_used(void);
uint32_t cap_table_used(uint32_t partition);

/* "RWGVXPO" with '-' for each missing right (READ WRITE GRANT reVoke eXecute Prove Once). */
void cap_rights_format(uint32_t rights, char out[8]);
const char *cap_err_name(enum cap_err e);
const char *cap_type_name(enum cap_type t);

#endif
