/*
 * partition/vmid.c: generation-based VMID allocation (see vmid.h).
 */
#include "partition/vmid.h"

#include <string.h>

void vmid_space_init(struct vmid_space *s, unsigned bits)
{
        if (bits > VMID_MAX_BITS) {
                bits = VMID_MAX_BITS;
        }
        memset(s, 0, sizeof(*s));
        s->gen = 1;
        s->count = (1u << bits) - 1;
        s->next = 1;
}

static bool used(const struct vmid_space *s, uint32_t v)
{
        return (s->used[v / 64] >> (v % 64)) & 1;
}

static void mark(struct vmid_space *s, uint32_t v)
{
        s->used[v / 64] |= 1ULL << (v % 64);
}

void vmid_keep(struct vmid_space *s, uint64_t *gen, uint16_t vmid)
{
        if (vmid != 0 && vmid <= s->count) {
                mark(s, vmid);
                *gen = s->gen;
        }
}

bool vmid_get(struct vmid_space *s, uint64_t *gen, uint16_t *vmid,
              void (*keep_running)(struct vmid_space *s, void *ctx), void *ctx)
{
        if (*gen == s->gen && *vmid != 0) {
                return false;
        }
        bool rolled = false;
        for (int pass = 0; pass < 2; pass++) {
                while (s->next <= s->count) {
                        uint32_t v = s->next++;
                        if (!used(s, v)) {
                                mark(s, v);
                                *vmid = (uint16_t)v;
                                *gen = s->gen;
                                return rolled;
                        }
                }
                /* Exhausted: a new generation; the caller flushes every TLB. */
                s->gen++;
                s->next = 1;
                memset(s->used, 0, sizeof(s->used));
                if (keep_running != NULL) {
                        keep_running(s, ctx);
                }
                rolled = true;
        }
        *vmid = 0; /* unreachable with count >= 1 */
        return rolled;
}
