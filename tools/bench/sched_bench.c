/*
 * Host benchmark of the scheduler policy (sched/): cost of the per-CPU decision (sched_pick)
 * with 8 and 64 runnable entities, of a timer tick, and of an enqueue+dequeue pair
 * (sched_wake + sched_block of a waiting entity, the path an IPC doorbell and a WFI take).
 * Prints only `BENCH <name> <value> ns` lines: the best of several runs, per operation.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sched/sched.h"
#include "sched/sched_witness.h"

#define ITERS 1000000u
#define RUNS  5

/* The bench has no witness log; epoch and mode records are dropped. */
void witness_emit(const struct witness_event *ev)
{
        (void)ev;
}

static struct sched S;
static struct sched_entity E[SCHED_RQ_CAPACITY];
static volatile uintptr_t sink;

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void setup(unsigned n)
{
        sched_init(&S, NULL, 0);
        sched_cpu_init(&S, 0, 0);
        for (unsigned i = 0; i < n; i++) {
                sched_entity_init(&S, &E[i], i + 1, i % 4,
                                  i % 2 ? SCHED_MODE_FLOW : SCHED_MODE_REFLEX, 0);
                E[i].budget_ns =
                    0; /* keep every entity eligible: measure the scan, not throttling */
                sched_add(&S, &E[i], 0, true, i * 100);
                sched_set_pressure(&S, &E[i], (i * 37) % 10000);
        }
}

/* Every call advances time past a Reflex slice, so each pick is a real decision and switch. */
static double bench_pick(unsigned n)
{
        double best = 1e18;
        uint64_t t = 1000000;

        for (int r = 0; r < RUNS; r++) {
                setup(n);
                uint64_t t0 = now_ns();
                for (unsigned i = 0; i < ITERS; i++) {
                        t += 600000;
                        sink = (uintptr_t)sched_pick(&S, 0, t);
                }
                double ns = (double)(now_ns() - t0) / ITERS;
                best = ns < best ? ns : best;
        }
        return best;
}

static double bench_tick(unsigned n)
{
        double best = 1e18;
        uint64_t t = 1000000;

        for (int r = 0; r < RUNS; r++) {
                setup(n);
                sched_pick(&S, 0, t);
                uint64_t t0 = now_ns();
                for (unsigned i = 0; i < ITERS; i++) {
                        t += 1000;
                        sink = sched_tick(&S, 0, t);
                }
                double ns = (double)(now_ns() - t0) / ITERS;
                best = ns < best ? ns : best;
        }
        return best;
}

static double bench_enqueue_dequeue(unsigned n)
{
        double best = 1e18;
        uint64_t t = 1000000;

        for (int r = 0; r < RUNS; r++) {
                setup(n);
                struct sched_entity *cur = sched_pick(&S, 0, t);
                struct sched_entity *w = cur == &E[n - 1] ? &E[n - 2] : &E[n - 1];
                uint64_t t0 = now_ns();
                for (unsigned i = 0; i < ITERS; i++) {
                        t += 10;
                        sched_block(&S, w, t);
                        sink = sched_wake(&S, w, t);
                }
                double ns = (double)(now_ns() - t0) / ITERS;
                best = ns < best ? ns : best;
        }
        return best;
}

int main(void)
{
        printf("BENCH sched_pick_8 %.1f ns\n", bench_pick(8));
        printf("BENCH sched_pick_64 %.1f ns\n", bench_pick(64));
        printf("BENCH sched_tick_8 %.1f ns\n", bench_tick(8));
        printf("BENCH sched_tick_64 %.1f ns\n", bench_tick(64));
        printf("BENCH sched_enqueue_dequeue_8 %.1f ns\n", bench_enqueue_dequeue(8));
        printf("BENCH sched_enqueue_dequeue_64 %.1f ns\n", bench_enqueue_dequeue(64));
        return 0;
}
