/*
 * Interpreter benchmark: a CoreMark-like workload (linked list, matrix, state machine, CRC) and
 * recursive fib, run natively and inside the RVM WebAssembly interpreter.
 *
 * This one file is built twice:
 *   the workload as a wasm module:
 *     clang --target=wasm32 -mcpu=mvp -O2 -nostdlib -DWASM_WORKLOAD -Wl,--no-entry \
 *       -Wl,--export=bench_core -Wl,--export=bench_fib -o build/wasm/bench.wasm \
 *       tools/bench/wasm_bench.c
 *   the host program (native workload + interpreter):
 *     cc -std=c11 -D_DEFAULT_SOURCE -O2 -I. tools/bench/wasm_bench.c wasm/(*).c -lm \
 *       -o build/wasm/wasm_bench
 *     build/wasm/wasm_bench [build/wasm/bench.wasm]   (that path is the default)
 * Output: BENCH lines only. With WASM_BENCH_ONLY=core|fib|core-native|fib-native in the
 * environment it runs just that part (for counting instructions under valgrind, e.g.
 * WASM_BENCH_ONLY=core valgrind --tool=callgrind build/wasm/wasm_bench build/wasm/bench.wasm;
 * a full run checks the interpreter's results against the native ones). WASM_BENCH_N sets
 * the CoreMark-like iteration count or fib's n, WASM_BENCH_REPS how many times the part runs:
 * tools/bench/insns counts two runs that differ only in these and takes the difference, so
 * start-up (reading, decoding, instantiating) cancels out.
 */
#include <stdint.h>

#define LIST_N 64
#define MAT_N  12

struct node {
        int32_t next;
        int32_t value;
};

static struct node nodes[LIST_N];
static int32_t mat_a[MAT_N * MAT_N], mat_b[MAT_N * MAT_N], mat_c[MAT_N * MAT_N];
static const char input[] = "  123, -45.6e7 , 0x1F ; 99.5 , abc 77 -3 5e-2 , 8888 ;; 1.0 ";

static uint16_t crc16(uint16_t crc, uint32_t v)
{
        for (int i = 0; i < 32; i++) {
                uint16_t bit = (uint16_t)((crc ^ v) & 1);
                crc >>= 1;
                v >>= 1;
                if (bit) {
                        crc ^= 0xA001;
                }
        }
        return crc;
}

static int32_t list_work(uint32_t seed)
{
        for (int i = 0; i < LIST_N; i++) {
                nodes[i].next = i + 1 < LIST_N ? i + 1 : -1;
                seed = seed * 1103515245u + 12345u;
                nodes[i].value = (int32_t)(seed >> 16) & 0x7FFF;
        }
        /* insertion sort of the list by value */
        int32_t sorted = -1;
        for (int32_t cur = 0; cur != -1;) {
                int32_t next = nodes[cur].next;
                if (sorted == -1 || nodes[cur].value < nodes[sorted].value) {
                        nodes[cur].next = sorted;
                        sorted = cur;
                } else {
                        int32_t p = sorted;
                        while (nodes[p].next != -1 &&
                               nodes[nodes[p].next].value <= nodes[cur].value) {
                                p = nodes[p].next;
                        }
                        nodes[cur].next = nodes[p].next;
                        nodes[p].next = cur;
                }
                cur = next;
        }
        /* reverse it and fold the values */
        int32_t prev = -1, acc = 0;
        for (int32_t cur = sorted; cur != -1;) {
                int32_t next = nodes[cur].next;
                nodes[cur].next = prev;
                prev = cur;
                acc = acc * 31 + nodes[cur].value;
                cur = next;
        }
        return acc;
}

static int32_t matrix_work(int32_t k)
{
        for (int i = 0; i < MAT_N * MAT_N; i++) {
                mat_a[i] = (i * 7 + k) & 0xFF;
                mat_b[i] = (i * 13 - k) & 0xFF;
        }
        for (int i = 0; i < MAT_N; i++) {
                for (int j = 0; j < MAT_N; j++) {
                        int32_t s = 0;
                        for (int x = 0; x < MAT_N; x++) {
                                s += mat_a[i * MAT_N + x] * mat_b[x * MAT_N + j];
                        }
                        mat_c[i * MAT_N + j] = s + k;
                }
        }
        int32_t acc = 0;
        for (int i = 0; i < MAT_N * MAT_N; i++) {
                acc ^= mat_c[i] + (acc << 1);
        }
        return acc;
}

static int32_t state_work(void)
{
        int32_t counts[5] = {0, 0, 0, 0, 0}; /* ints, floats, hex, invalid, separators */
        int state = 0;
        for (const char *p = input;; p++) {
                char c = *p;
                int end = c == 0 || c == ' ' || c == ',' || c == ';';
                switch (state) {
                case 0:
                        if (end) {
                                counts[4] += c != 0 && c != ' ';
                        } else if (c == '0') {
                                state = 5;
                        } else if ((c >= '0' && c <= '9') || c == '-') {
                                state = 1;
                        } else {
                                state = 4;
                        }
                        break;
                case 1:
                        if (end) {
                                counts[0]++;
                                state = 0;
                        } else if (c == '.' || c == 'e') {
                                state = 2;
                        } else if (!(c >= '0' && c <= '9')) {
                                state = 4;
                        }
                        break;
                case 2:
                        if (end) {
                                counts[1]++;
                                state = 0;
                        } else if (!((c >= '0' && c <= '9') || c == 'e' || c == '-')) {
                                state = 4;
                        }
                        break;
                case 3:
                        if (end) {
                                counts[2]++;
                                state = 0;
                        }
                        break;
                case 5:
                        state = (c == 'x') ? 3 : end ? (counts[0]++, 0) : 1;
                        break;
                default:
                        if (end) {
                                counts[3]++;
                                state = 0;
                        }
                        break;
                }
                if (c == 0) {
                        break;
                }
        }
        return counts[0] * 10000 + counts[1] * 1000 + counts[2] * 100 + counts[3] * 10 + counts[4];
}

/* One CoreMark-like iteration; returns a CRC of all results. */
uint32_t bench_core(uint32_t iterations)
{
        uint16_t crc = 0;
        for (uint32_t it = 0; it < iterations; it++) {
                crc = crc16(crc, (uint32_t)list_work(it));
                crc = crc16(crc, (uint32_t)matrix_work((int32_t)it));
                crc = crc16(crc, (uint32_t)state_work());
        }
        return crc;
}

uint32_t bench_fib(uint32_t n)
{
        return n < 2 ? n : bench_fib(n - 1) + bench_fib(n - 2);
}

#ifndef WASM_WORKLOAD
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm/wasm.h"

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t run_wasm(struct wasm_instance *inst, const char *name, uint64_t arg)
{
        struct wasm_extern ex;
        if (wasm_export(inst, name, strlen(name), &ex) != WASM_OK ||
            wasm_call_begin(inst, ex.u.func, &arg, 1) != WASM_OK) {
                fprintf(stderr, "cannot call %s\n", name);
                exit(1);
        }
        enum wasm_status st;
        while ((st = wasm_run(inst, 1000000000)) == WASM_YIELD) {
        }
        if (st != WASM_DONE) {
                fprintf(stderr, "%s trapped: %s\n", name, wasm_trap_name(wasm_trap_code(inst)));
                exit(1);
        }
        uint64_t r = 0;
        wasm_results(inst, &r, 1);
        return r;
}

int main(int argc, char **argv)
{
        if (argc > 2) {
                fprintf(stderr, "usage: %s [bench.wasm]\n", argv[0]);
                return 2;
        }
        const char *path = argc == 2 ? argv[1] : "build/wasm/bench.wasm";
        const char *only = getenv("WASM_BENCH_ONLY");
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
                perror(path);
                return 1;
        }
        static uint8_t bytes[1 << 20];
        size_t len = fread(bytes, 1, sizeof(bytes), f);
        fclose(f);
        static uint8_t module_mem[4 << 20];
        struct wasm_arena a;
        wasm_arena_init(&a, module_mem, sizeof(module_mem));
        const struct wasm_module *m;
        if (wasm_module_decode(bytes, len, &a, &m) != WASM_OK) {
                fprintf(stderr, "bad module\n");
                return 1;
        }
        struct wasm_config cfg = {64, 1 << 16, 4096};
        size_t isize = wasm_instance_arena_size(m, &cfg);
        void *imem = malloc(isize);
        struct wasm_arena ia;
        wasm_arena_init(&ia, imem, isize);
        struct wasm_instance *inst;
        if (wasm_instantiate(m, &cfg, NULL, NULL, &ia, &inst) != WASM_OK ||
            wasm_run(inst, 1000000) != WASM_DONE) {
                fprintf(stderr, "cannot instantiate\n");
                return 1;
        }
        const char *n_env = getenv("WASM_BENCH_N");
        const char *reps_env = getenv("WASM_BENCH_REPS");
        const uint32_t core_iters = n_env != NULL ? (uint32_t)atoi(n_env) : 2000;
        const uint32_t fib_n = n_env != NULL ? (uint32_t)atoi(n_env) : 32;
        const int reps = reps_env != NULL ? atoi(reps_env) : 1;
        for (int rep = 0; rep < reps; rep++) {
                if (only == NULL || strcmp(only, "core") == 0) {
                        double t = now();
                        uint64_t r = run_wasm(inst, "bench_core", core_iters);
                        t = now() - t;
                        /* checked against native only in a full run: counted runs stay pure */
                        if (only == NULL && r != bench_core(core_iters)) {
                                fprintf(stderr, "core: wasm result differs from native\n");
                                return 1;
                        }
                        printf("BENCH wasm_core %.0f iterations/s\n", core_iters / t);
                }
                if (only == NULL || strcmp(only, "core-native") == 0) {
                        volatile uint32_t n = core_iters;
                        double t = now();
                        uint32_t r = bench_core(n);
                        t = now() - t;
                        printf("BENCH native_core %.0f iterations/s\n", core_iters / t);
                        (void)r;
                }
                if (only == NULL || strcmp(only, "fib") == 0) {
                        double t = now();
                        uint64_t r = run_wasm(inst, "bench_fib", fib_n);
                        t = now() - t;
                        if (only == NULL && r != bench_fib(fib_n)) {
                                fprintf(stderr, "fib: wasm result differs from native\n");
                                return 1;
                        }
                        printf("BENCH wasm_fib%u %.3f s\n", fib_n, t);
                }
                if (only == NULL || strcmp(only, "fib-native") == 0) {
                        volatile uint32_t n = fib_n;
                        double t = now();
                        uint32_t r = bench_fib(n);
                        t = now() - t;
                        printf("BENCH native_fib%u %.3f s\n", fib_n, t);
                        (void)r;
                }
        }
        free(imem);
        return 0;
}
#endif
