/*
 * The communication graph as Graphviz DOT, written into a caller's buffer (no stdio, no
 * allocation: it also runs in the kernel for the monitor's `coherence dot`). When the buffer is
 * short the output stops at a whole line, and an open cluster and the graph are still closed.
 */
#include <string.h>

#include "coherence/coherence.h"

struct out {
        char *buf;
        size_t size; /* usable bytes: room to close a cluster and the graph, and the NUL, is
                        kept in reserve */
        size_t len;
        bool full;
};

#define CLOSE_CLUSTER "  }\n"
#define TAIL          "}\n"

static void put(struct out *o, const char *s, size_t n)
{
        if (o->full || o->len > o->size || n > o->size - o->len) {
                o->full = true;
                return;
        }
        memcpy(o->buf + o->len, s, n);
        o->len += n;
}

static void puts_(struct out *o, const char *s)
{
        put(o, s, strlen(s));
}

static void put_u64(struct out *o, uint64_t v)
{
        char tmp[20];
        size_t i = sizeof(tmp);

        do {
                tmp[--i] = (char)('0' + v % 10);
                v /= 10;
        } while (v != 0);
        put(o, tmp + i, sizeof(tmp) - i);
}

/* A line is built in `line` and only copied out whole, so the output never ends mid-line. */
struct line {
        char text[160];
        struct out o;
};

static struct out *line_start(struct line *l)
{
        l->o = (struct out){.buf = l->text, .size = sizeof(l->text), .len = 0, .full = false};
        return &l->o;
}

static void line_emit(struct out *o, struct line *l)
{
        put(o, l->text, l->o.len);
}

enum coherence_err coherence_dot(const struct coherence_graph *g,
                                 const struct coherence_set *highlight, char *buf, size_t size,
                                 size_t *written)
{
        struct out o = {.buf = buf, .size = 0, .len = 0, .full = false};
        struct line l;
        struct out *lo;
        bool done[COHERENCE_MAX_NODES] = {false};
        bool in_cluster = false;
        /* Outside a cluster the graph's closing line (and the NUL) is kept in reserve, inside
         * one also the cluster's: whatever fits, the output can always be closed. */
        const size_t reserve = sizeof(TAIL), reserve_in = sizeof(CLOSE_CLUSTER TAIL);

        if (written != NULL) {
                *written = 0;
        }
        if (g == NULL || buf == NULL || size == 0) {
                return COHERENCE_E_INVAL;
        }
        buf[0] = '\0';
        if (size <= reserve_in) {
                return COHERENCE_E_SPACE;
        }
        o.size = size - reserve;
        puts_(&o, "graph coherence {\n  node [shape=box, style=rounded];\n");

        /* One cluster per group, in node order of first appearance. */
        for (uint32_t i = 0; i < COHERENCE_MAX_NODES && !o.full; i++) {
                if (!g->node[i].used || done[i]) {
                        continue;
                }
                const uint32_t grp = g->node[i].group;
                o.size = size - reserve_in;
                lo = line_start(&l);
                puts_(lo, "  subgraph cluster_p");
                put_u64(lo, grp);
                puts_(lo, " {\n    label=\"partition ");
                put_u64(lo, grp);
                puts_(lo, "\";\n");
                line_emit(&o, &l);
                in_cluster = !o.full;
                for (uint32_t j = i; j < COHERENCE_MAX_NODES; j++) {
                        const struct coherence_node *n = &g->node[j];
                        if (!n->used || n->group != grp) {
                                continue;
                        }
                        done[j] = true;
                        lo = line_start(&l);
                        puts_(lo, "    n");
                        put_u64(lo, n->id);
                        puts_(lo,
                              n->kind == COHERENCE_GUEST ? " [label=\"guest " : " [label=\"agent ");
                        put_u64(lo, n->id);
                        puts_(lo, highlight != NULL && coherence_set_has(highlight, j)
                                      ? "\", style=\"rounded,filled\", fillcolor=orange];\n"
                                      : "\"];\n");
                        line_emit(&o, &l);
                }
                o.size = size - reserve;
                if (!o.full) {
                        puts_(&o, CLOSE_CLUSTER); /* fits: it was reserved */
                        in_cluster = false;
                }
        }
        for (uint32_t k = 0; k < COHERENCE_MAX_EDGES && !o.full; k++) {
                const struct coherence_edge *e = &g->edge[k];
                if (!e->used) {
                        continue;
                }
                lo = line_start(&l);
                puts_(lo, "  n");
                put_u64(lo, g->node[e->a].id);
                puts_(lo, " -- n");
                put_u64(lo, g->node[e->b].id);
                puts_(lo, " [label=\"");
                put_u64(lo, e->weight);
                puts_(lo, "\"];\n");
                line_emit(&o, &l);
        }
        /* Whatever happened, close an open cluster and the graph: their room was kept. */
        const bool truncated = o.full;
        if (o.len == 0) {
                /* Not even the opening line fitted: write nothing rather than stray braces. */
                return COHERENCE_E_SPACE;
        }
        if (in_cluster) {
                memcpy(buf + o.len, CLOSE_CLUSTER, sizeof(CLOSE_CLUSTER) - 1);
                o.len += sizeof(CLOSE_CLUSTER) - 1;
        }
        memcpy(buf + o.len, TAIL, sizeof(TAIL));
        o.len += sizeof(TAIL) - 1;
        if (written != NULL) {
                *written = o.len;
        }
        return truncated ? COHERENCE_E_SPACE : COHERENCE_OK;
}
