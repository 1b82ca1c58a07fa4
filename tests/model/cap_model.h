/*
 * A reference model of cap/: the same rules written the obvious way (flat arrays, linear
 * searches, "kill everything whose ancestor chain reaches X"), with no trees, free lists or
 * generations. The driver (cap_model_test.c) runs the real module and this model side by side.
 * The model never allocates handles: it records the handle the real module returned when both
 * agree an operation succeeded, and predicts errors from the handle's fields and its history.
 */
#ifndef RVM_TESTS_MODEL_CAP_MODEL_H
#define RVM_TESTS_MODEL_CAP_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "cap/cap.h"

#define M_MAX_CAPS 512 /* history of every capability ever created in one sequence */

struct m_cap {
        bool live;
        uint64_t handle;
        uint32_t part;
        int obj;
        int parent; /* index into caps[], -1 for a root */
        uint32_t rights;
        uint32_t minted_rights; /* the root's rights at mint time, inherited down the tree */
        uint32_t depth;
        uint32_t epoch;
        uint64_t base, size, expiry;
};

struct m_obj {
        bool live;
        enum cap_type type;
        uint32_t owner;
        uint32_t epoch;
        uint64_t size;
};

struct model {
        struct m_cap caps[M_MAX_CAPS];
        int ncaps;
        struct m_obj objs[CAP_MAX_OBJECTS];
        bool table_live[CAP_MAX_TABLES];
};

void m_init(struct model *m);
uint32_t m_table_used(const struct model *m, uint32_t part);
uint32_t m_arena_used(const struct model *m);

/* Each returns the cap_err the real module must return; on success the m_* op that creates a
 * capability returns its index through *idx_out and the driver fills in .handle. */
enum cap_err m_resolve(const struct model *m, uint32_t caller, uint64_t h, bool allow_stale,
                       int *idx_out);
enum cap_err m_derive(struct model *m, const struct cap_derive_req *req, bool is_grant,
                      int *idx_out);
enum cap_err m_revoke(struct model *m, uint32_t caller, uint64_t h, uint32_t flags,
                      uint32_t *freed);
enum cap_err m_drop(struct model *m, uint32_t caller, uint64_t h, uint32_t *freed);
enum cap_err m_use(const struct model *m, uint32_t caller, uint64_t h, enum cap_type type,
                   uint32_t rights, bool any, bool allow_stale);
int m_mint(struct model *m, int obj, uint32_t part, uint32_t rights);
void m_bump_epoch(struct model *m, int obj);
uint32_t m_table_destroy(struct model *m, uint32_t part);
uint32_t m_reclaim_stale(struct model *m);

#endif
