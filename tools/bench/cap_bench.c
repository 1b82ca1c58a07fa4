/*
 * Host benchmark of the capability proofs: P1 (handle + rights), the P2 pipeline (all six
 * rules, including the full nonce-ring scan and two tree walks) and P3 (chain walk), both on a
 * depth-8 capability, plus one whole gate dispatch (cap_inspect: P1, handler, witness). Prints
 * only `BENCH <name> <value> ns` lines: the best of several rounds of the mean per call.
 * Unless built with -DCAP_BENCH_REAL_WITNESS (and linked with witness/), witness_emit is a
 * counter here, so the dispatch figure excludes hashing the record.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cap/cap.h"
#include "kernel/gate.h"
#include "proof/proof.h"
#include "witness/witness.h"

#ifndef CAP_BENCH_REAL_WITNESS
static volatile uint64_t witness_records;
void witness_emit(const struct witness_event *ev)
{
        witness_records += ev->kind;
}
#endif

#define ROUNDS 7
#define ITERS  200000

static volatile uint64_t sink;
static uint64_t ticks;
static uint64_t bench_clock(void)
{
        return ticks;
}

static double now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static const struct gate_entry table[] = {GATE_CAP_ENTRIES};

static void die(const char *what)
{
        fprintf(stderr, "cap_bench: %s\n", what);
        exit(1);
}

int main(void)
{
        cap_init();
        proof_init();
        if (gate_init(table, GATE_CAP_ENTRY_COUNT, bench_clock, 1000) != GATE_CHECK_OK) {
                die("gate_init");
        }
        cap_obj_t mem;
        cap_handle_t h;
        if (cap_table_create(1) != CAP_OK ||
            cap_object_create(CAP_T_MEMORY, 1, 1u << 20, 1, &mem) != CAP_OK ||
            cap_mint_root(mem, 1, CAP_R_ALL, &h) != CAP_OK) {
                die("setup");
        }
        for (int d = 1; d <= CAP_MAX_DEPTH; d++) {
                struct cap_derive_req req = {
                    .caller = 1, .parent = h, .target = 1, .rights = CAP_R_ALL};
                if (cap_derive(&req, &h) != CAP_OK) {
                        die("derive");
                }
        }
        struct proof_p1_req p1 = {
            .caller = 1, .handle = h, .type = CAP_T_MEMORY, .rights = CAP_R_READ | CAP_R_WRITE};
        uint16_t node = 0;
        if (proof_p1(&p1, &node) != CAP_OK || proof_p3(node, 0) != PROOF_CHAIN_OK) {
                die("proofs");
        }

        double best_p1 = 1e30, best_p2 = 1e30, best_p3 = 1e30, best_gate = 1e30;
        for (int r = 0; r < ROUNDS; r++) {
                double t0 = now_ns();
                for (int i = 0; i < ITERS; i++) {
                        uint16_t n;
                        p1.rights = (uint32_t)(i & 3); /* vary the rights compared */
                        sink += proof_p1(&p1, &n) + n;
                }
                double t1 = now_ns();
                for (int i = 0; i < ITERS; i++) {
                        struct proof_p2_req p2 = {.caller = 1,
                                                  .node = node,
                                                  .offset = 0x100,
                                                  .length = 0x100,
                                                  .nonce = proof_ticket_issue(1, 5),
                                                  .now = 10,
                                                  .max_depth = CAP_MAX_DEPTH,
                                                  .max_age = 100};
                        sink += proof_p2(&p2);
                }
                double t2 = now_ns();
                for (int i = 0; i < ITERS; i++) {
                        sink += proof_p3(node, (uint64_t)i);
                }
                double t3 = now_ns();
                for (int i = 0; i < ITERS; i++) {
                        uint64_t x[8] = {RVM_HC_CAP_INSPECT, h};
                        struct gate_call c = {.caller = 1, .x = x};
                        sink += (uint64_t)gate_dispatch(&c) + c.x[1];
                }
                double t4 = now_ns();
                double p1ns = (t1 - t0) / ITERS, p2ns = (t2 - t1) / ITERS;
                double p3ns = (t3 - t2) / ITERS, gns = (t4 - t3) / ITERS;
                best_p1 = p1ns < best_p1 ? p1ns : best_p1;
                best_p2 = p2ns < best_p2 ? p2ns : best_p2;
                best_p3 = p3ns < best_p3 ? p3ns : best_p3;
                best_gate = gns < best_gate ? gns : best_gate;
        }
        if (sink == 0) {
                die("nothing measured");
        }
        printf("BENCH cap_p1_verify %.1f ns\n", best_p1);
        printf("BENCH cap_p2_pipeline_depth8 %.1f ns\n", best_p2);
        printf("BENCH cap_p3_chain_depth8 %.1f ns\n", best_p3);
        printf("BENCH cap_gate_inspect_dispatch %.1f ns\n", best_gate);
        return 0;
}
