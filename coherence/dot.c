/*
 * The communication graph as Graphviz DOT, written into a caller's buffer (no stdio, no
 * allocation: it also runs in the kernel for the monitor's `coherence dot`). The output is cut
 * at whole lines when the buffer is short and still ends with the closing brace.
 */
#include <string.h>

#include "coherence/coherence.h"

struct out {
        char *buf;
        size_t size; /* usable bytes, the closing "}\n" and the NUL kept in reserve */
        size_t len;
        bool full;
};

#define TAIL "}\n"

static void put(struct out *o, const char *s, size_t n)
{
        if (o->full || n > o->size - o->len) {
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

        if (written != NULL) {
                *written = 0;
        }
        if (g == NULL || buf == NULL || size == 0) {
                return COHERENCE_E_INVAL;
        }
        if (size < sizeof(TAIL)) {
                buf[0] = '\0';
                return COHERENCE_E_SPACE;
        }
        o.size = size - sizeof(TAIL); /* room for TAIL and its NUL */
        puts_(&o, "graph coherence {\n  node [shape=box, style=rounded];\n");

        /* One cluster per group, in node order of first appearance. */
        for (uint32_t i = 0; i < COHERENCE_MAX_NODES && !o.full; i++) {
                if (!g->node[i].used || done[i]) {
                        continue;
                }
                const uint32_t grp = g->node[i].group;
                lo = line_start(&l);
                puts_(lo, "  subgraph cluster_p");
                put_u64(lo, grp);
                puts_(lo, " {\n    label=\"partition ");
                put_u64(lo, grp);
                puts_(lo, "\";\n");
                line_emit(&o, &l);
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
                puts_(&o, "  }\n");
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
        /* Whatever happened, close the graph: TAIL was kept in reserve. */
        const bool truncated = o.full;
        if (truncated) {
                /* An open cluster would leave the braces unbalanced: close one if needed. */
                size_t opened = 0;
                for (size_t i = 0; i < o.len; i++) {
                        opened += buf[i] == '{';
                        opened -= buf[i] == '}';
                }
                while (opened > 1 && o.len >= 2 && buf[o.len - 1] == '\n') {
                        /* Drop lines from the end back to a point where only the graph is open. */
                        size_t start = o.len - 1;
                        while (start > 0 && buf[start - 1] != '\n') {
                                start--;
                        }
                        for (size_t i = start; i < o.len; i++) {
                                opened -= buf[i] == '{';
                                opened += buf[i] == '}';
                        }
                        o.len = start;
                }
        }
        if (o.len == 0) {
                /* Not even the opening line fitted: write nothing rather than a stray brace. */
                buf[0] = '\0';
                return COHERENCE_E_SPACE;
        }
        memcpy(buf + o.len, TAIL, sizeof(TAIL));
        o.len += sizeof(TAIL) - 1;
        if (written != NULL) {
                *written = o.len;
        }
        return truncated ? COHERENCE_E_SPACE : COHERENCE_OK;
}
