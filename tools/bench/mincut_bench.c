/*
 * Host benchmark of the exact min-cut (coherence/mincut.c) on fixed seeded random dense graphs
 * of 16, 64 and 256 nodes: the median time of a whole run (init, edges, every phase), and the
 * same for a plain textbook dense Stoer-Wagner written below (fixed-stride matrix, "merged" and
 * "in A" flags, a selection scan and an update scan per step, n-1 phases). Also the slow case
 * of the contraction rule (a 64-node clique of equal weights) against the plain version.
 * Both must agree on every cut value, or the benchmark fails.
 * Prints only `BENCH <name> <value> <unit>` lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coherence/mincut.h"

#define N_MAX 256

struct edge {
        uint16_t u, v;
        uint32_t w;
};

static struct coherence_mincut MC;
static struct edge EDGES[N_MAX * N_MAX / 2];
static uint64_t PLAIN_W[N_MAX][N_MAX];
volatile uint64_t mincut_bench_sink;

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_state;
static uint32_t rng(void)
{
        rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
        return (uint32_t)(rng_state >> 33);
}

/*
 * A dense graph: every pair present, weights 1..1000 (a communication graph's EMA weights);
 * or (equal) every pair of weight 5, where every node is a minimum cut and the contraction
 * rule finds the least to merge: the slow case of this implementation.
 */
static unsigned make_dense(unsigned n, uint64_t seed, int equal)
{
        unsigned m = 0;

        rng_state = seed;
        for (unsigned u = 0; u < n; u++) {
                for (unsigned v = u + 1; v < n; v++) {
                        const uint32_t w = equal ? 5 : 1 + rng() % 1000;
                        EDGES[m++] = (struct edge){(uint16_t)u, (uint16_t)v, w};
                }
        }
        return m;
}

static uint64_t run_rvm(unsigned n, unsigned m)
{
        struct coherence_cut cut;

        coherence_mincut_init(&MC, n);
        for (unsigned i = 0; i < m; i++) {
                coherence_mincut_add(&MC, EDGES[i].u, EDGES[i].v, EDGES[i].w);
        }
        if (coherence_mincut_solve(&MC, &cut) != COHERENCE_OK) {
                return UINT64_MAX;
        }
        return cut.value;
}

/* The textbook version: O(n^3), one flag array per state, fixed 256-column rows. */
static uint64_t run_plain(unsigned n, unsigned m)
{
        static uint64_t key[N_MAX];
        static unsigned char merged[N_MAX], in_a[N_MAX];
        uint64_t best = UINT64_MAX;

        for (unsigned i = 0; i < n; i++) {
                memset(PLAIN_W[i], 0, n * sizeof(PLAIN_W[i][0]));
                merged[i] = 0;
        }
        for (unsigned i = 0; i < m; i++) {
                PLAIN_W[EDGES[i].u][EDGES[i].v] += EDGES[i].w;
                PLAIN_W[EDGES[i].v][EDGES[i].u] += EDGES[i].w;
        }
        for (unsigned phase = 1; phase < n; phase++) {
                unsigned prev = 0, last = 0;
                for (unsigned i = 0; i < n; i++) {
                        key[i] = 0;
                        in_a[i] = 0;
                }
                for (unsigned it = 0; it < n - phase + 1; it++) {
                        unsigned sel = N_MAX;
                        for (unsigned i = 0; i < n; i++) {
                                if (!merged[i] && !in_a[i] && (sel == N_MAX || key[i] > key[sel])) {
                                        sel = i;
                                }
                        }
                        in_a[sel] = 1;
                        prev = last;
                        last = sel;
                        for (unsigned i = 0; i < n; i++) {
                                if (!merged[i] && !in_a[i]) {
                                        key[i] += PLAIN_W[sel][i];
                                }
                        }
                }
                if (key[last] < best) {
                        best = key[last];
                }
                for (unsigned i = 0; i < n; i++) {
                        PLAIN_W[prev][i] += PLAIN_W[last][i];
                        PLAIN_W[i][prev] = PLAIN_W[prev][i];
                }
                PLAIN_W[prev][prev] = 0;
                merged[last] = 1;
        }
        return best;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

/* Median ns per run over `runs` runs, cycling through 8 seeded graphs; checks against plain. */
static uint64_t median_ns(unsigned n, unsigned runs, int plain, int equal, int *mismatch)
{
        static uint64_t t[4096];

        unsigned reps = n <= 16 ? 200 : 1; /* batch small runs so the clock is not the cost */

        for (unsigned r = 0; r < runs; r++) {
                unsigned m = make_dense(n, 1000 + r % 8, equal);
                uint64_t t0 = now_ns();
                for (unsigned i = 0; i < reps; i++) {
                        mincut_bench_sink = plain ? run_plain(n, m) : run_rvm(n, m);
                }
                t[r] = (now_ns() - t0) / reps;
                if (r < 8 && run_rvm(n, m) != run_plain(n, m)) {
                        *mismatch = 1;
                }
        }
        qsort(t, runs, sizeof(t[0]), cmp_u64);
        return t[runs / 2];
}

int main(void)
{
        int mismatch = 0;
        uint64_t n16 = median_ns(16, 301, 0, 0, &mismatch);
        uint64_t n64 = median_ns(64, 201, 0, 0, &mismatch);
        uint64_t n256 = median_ns(256, 21, 0, 0, &mismatch);
        uint64_t p64 = median_ns(64, 201, 1, 0, &mismatch);
        uint64_t e64 = median_ns(64, 101, 0, 1, &mismatch);
        uint64_t pe64 = median_ns(64, 101, 1, 1, &mismatch);

        if (mismatch) {
                fprintf(stderr, "mincut_bench: RVM and the plain version disagree\n");
                return 1;
        }
        printf("BENCH mincut_n16_ns %llu ns\n", (unsigned long long)n16);
        printf("BENCH mincut_n64_ns %llu ns\n", (unsigned long long)n64);
        printf("BENCH mincut_n256_ns %llu ns\n", (unsigned long long)n256);
        printf("BENCH mincut_n64_plain_ns %llu ns\n", (unsigned long long)p64);
        printf("BENCH mincut_n64_over_plain %.2f ratio\n", (double)n64 / (double)p64);
        printf("BENCH mincut_n64_equal_ns %llu ns\n", (unsigned long long)e64);
        printf("BENCH mincut_n64_equal_over_plain %.2f ratio\n", (double)e64 / (double)pe64);
        return 0;
}
