/*
 * build/tools/mincut FILE|-: the exact global minimum cut of a graph given as text.
 *
 * Input: a first line "n m", then m lines "u v w": 0-based node ids below n, an undirected
 * edge of integer weight w >= 0 (repeated pairs add up, self-loops are ignored). Blank lines
 * are skipped. n is 1..256; the weights must add up to at most 2^61.
 * Output: the cut value on the first line, and the nodes of the smaller side (ascending,
 * space-separated; on a tie the side holding node 0) on the second. With n = 1 there is no
 * cut: "0" and an empty line.
 * Anything else is refused with a message naming the line, and exit status 1 (2 for usage).
 * Uses coherence/mincut.c, the same code the kernel runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coherence/mincut.h"

static struct coherence_mincut mc;

struct input {
        FILE *f;
        const char *name;
        unsigned long line_no;
        char *line;
        size_t cap;
};

static int fail(const struct input *in, const char *what)
{
        fprintf(stderr, "mincut: %s:%lu: %s\n", in->name, in->line_no, what);
        return 1;
}

/* Next non-blank line into in->line; 0 at end of input, -1 on a read error or a NUL byte. */
static int next_line(struct input *in)
{
        for (;;) {
                errno = 0;
                const ssize_t len = getline(&in->line, &in->cap, in->f);
                if (len < 0) {
                        return errno != 0 ? -1 : 0;
                }
                in->line_no++;
                if (strlen(in->line) != (size_t)len) {
                        return -1;
                }
                if (strspn(in->line, " \t\r\n") != (size_t)len) {
                        return 1;
                }
        }
}

enum parse { P_OK, P_SYNTAX, P_NEGATIVE, P_OVERFLOW };

/* Exactly `count` unsigned decimal integers separated by blanks, nothing else. */
static enum parse parse_line(const char *s, uint64_t *v, int count)
{
        for (int i = 0; i < count; i++) {
                s += strspn(s, " \t");
                if (*s == '-') {
                        return P_NEGATIVE;
                }
                if (*s < '0' || *s > '9') {
                        return P_SYNTAX;
                }
                uint64_t x = 0;
                while (*s >= '0' && *s <= '9') {
                        const uint64_t d = (uint64_t)(*s++ - '0');
                        if (x > (UINT64_MAX - d) / 10) {
                                return P_OVERFLOW;
                        }
                        x = x * 10 + d;
                }
                if (*s != '\0' && strchr(" \t\r\n", *s) == NULL) {
                        return P_SYNTAX;
                }
                v[i] = x;
        }
        s += strspn(s, " \t\r\n");
        return *s == '\0' ? P_OK : P_SYNTAX;
}

static int run(struct input *in)
{
        uint64_t head[2], e[3];
        struct coherence_cut cut;
        int r = next_line(in);

        if (r < 0) {
                return fail(in, "cannot read the input (or it holds a NUL byte)");
        }
        if (r == 0) {
                return fail(in, "empty input: expected a first line \"n m\"");
        }
        switch (parse_line(in->line, head, 2)) {
        case P_OK:
                break;
        case P_NEGATIVE:
                return fail(in, "n and m must not be negative");
        default:
                return fail(in, "expected a first line \"n m\" (two integers)");
        }
        if (head[0] < 1 || head[0] > COHERENCE_MAX_NODES) {
                return fail(in, "n must be between 1 and 256");
        }
        coherence_mincut_init(&mc, (uint32_t)head[0]);
        for (uint64_t i = 0; i < head[1]; i++) {
                r = next_line(in);
                if (r < 0) {
                        return fail(in, "cannot read the input (or it holds a NUL byte)");
                }
                if (r == 0) {
                        fprintf(stderr, "mincut: %s: missing edge lines: %llu of %llu given\n",
                                in->name, (unsigned long long)i, (unsigned long long)head[1]);
                        return 1;
                }
                switch (parse_line(in->line, e, 3)) {
                case P_OK:
                        break;
                case P_NEGATIVE:
                        return fail(in, "negative node id or weight");
                case P_OVERFLOW:
                        return fail(in, "number too large");
                case P_SYNTAX:
                        return fail(in, "expected an edge line \"u v w\" (three integers >= 0)");
                }
                if (e[0] >= head[0] || e[1] >= head[0]) {
                        return fail(in, "node id out of range (ids are 0..n-1)");
                }
                if (e[0] != e[1] && coherence_mincut_add(&mc, (uint32_t)e[0], (uint32_t)e[1],
                                                         e[2]) != COHERENCE_OK) {
                        return fail(in, "weights add up past 2^61 (overflow)");
                }
        }
        r = next_line(in);
        if (r != 0) {
                return fail(in, r < 0 ? "cannot read the input (or it holds a NUL byte)"
                                      : "more lines than the m edges announced");
        }
        if (coherence_mincut_solve(&mc, &cut) != COHERENCE_OK) {
                fprintf(stderr, "mincut: internal error: no exact result\n");
                return 1;
        }
        /* The smaller side; on a tie the one holding node 0. */
        const uint32_t n = cut.n;
        bool pick_side = cut.side_count < n - cut.side_count ||
                         (cut.side_count == n - cut.side_count && coherence_set_has(&cut.side, 0));
        printf("%llu\n", (unsigned long long)cut.value);
        const char *sep = "";
        for (uint32_t i = 0; i < n && n > 1; i++) {
                if (coherence_set_has(&cut.side, i) == pick_side) {
                        printf("%s%u", sep, i);
                        sep = " ";
                }
        }
        printf("\n");
        return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
        struct input in = {.f = NULL, .name = NULL, .line_no = 0, .line = NULL, .cap = 0};

        if (argc != 2) {
                fprintf(stderr,
                        "usage: mincut FILE   (FILE \"-\" reads standard input)\n"
                        "  input: \"n m\", then m lines \"u v w\"; prints the cut value,\n"
                        "  then the nodes of the smaller side\n");
                return 2;
        }
        if (strcmp(argv[1], "-") == 0) {
                in.f = stdin;
                in.name = "<stdin>";
        } else {
                in.f = fopen(argv[1], "r");
                in.name = argv[1];
                if (in.f == NULL) {
                        fprintf(stderr, "mincut: %s: %s\n", argv[1], strerror(errno));
                        return 1;
                }
        }
        const int status = run(&in);
        free(in.line);
        if (in.f != stdin) {
                fclose(in.f);
        }
        return status;
}
