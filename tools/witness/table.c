/*
 * tools/witness/table.c — the replay's object tables (table.h).
 */
#include "tools/witness/table.h"

#include <stdlib.h>
#include <string.h>

static size_t *probe(struct wt_table *t, uint64_t id)
{
        uint64_t h = id ^ (id >> 33);
        size_t m = t->nslot - 1, i;

        h *= 0xff51afd7ed558ccdull;
        i = (size_t)(h ^ (h >> 33)) & m;
        while (t->slot[i] && t->v[t->slot[i] - 1].id != id)
                i = (i + 1) & m;
        return &t->slot[i];
}

struct wt_obj *wt_table_find(struct wt_table *t, uint64_t id)
{
        size_t k;

        if (t->nslot == 0)
                return NULL;
        k = *probe(t, id);
        return k && t->v[k - 1].alive ? &t->v[k - 1] : NULL;
}

struct wt_obj *wt_table_add(struct wt_table *t, uint64_t id, int *oom)
{
        struct wt_obj *o = wt_table_find(t, id);

        if (o)
                return o;
        if (t->n == t->cap) {
                size_t nc = t->cap ? t->cap * 2 : 16;
                struct wt_obj *p = realloc(t->v, nc * sizeof(*p));

                if (p == NULL) {
                        *oom = 1;
                        return NULL;
                }
                t->v = p;
                t->cap = nc;
        }
        if ((t->n + 1) * 2 > t->nslot) {
                size_t ns = t->nslot ? t->nslot * 2 : 64;
                size_t *sl = calloc(ns, sizeof(*sl));

                if (sl == NULL) {
                        *oom = 1;
                        return NULL;
                }
                free(t->slot);
                t->slot = sl;
                t->nslot = ns;
                for (size_t i = 0; i < t->n; i++)
                        *probe(t, t->v[i].id) = i + 1;
        }
        o = &t->v[t->n];
        memset(o, 0, sizeof(*o));
        o->id = id;
        o->alive = true;
        *probe(t, id) = ++t->n;
        return o;
}

void wt_table_clear(struct wt_table *t)
{
        t->n = 0;
        if (t->slot != NULL)
                memset(t->slot, 0, t->nslot * sizeof(*t->slot));
}

void wt_table_free(struct wt_table *t)
{
        free(t->v);
        free(t->slot);
        memset(t, 0, sizeof(*t));
}
