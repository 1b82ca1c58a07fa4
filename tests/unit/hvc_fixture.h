/*
 * tests/unit/hvc_fixture.h: what the hypercall tests (hvc_calls_test.c, hvc_edge_test.c)
 * share (tests/unit/hvc_fixture.c): the kernel's real call table, gate, thin handlers
 * (kernel/hvc.c, ipc.c, mem_calls.c, guest.c) and the partition mechanisms behind them
 * (partition/), over the fake arch layer (tests/fake/). Three guest partitions and a
 * CommEdge between 1 and 2 are created for each test; calls are made as a guest's HVC would
 * make them. The witness rule every call is checked against: a refusal leaves a DENIED
 * witness record by the caller (or, past the denial budget, is counted into the epoch's
 * WK_WIT_FOLDED), a success none.
 */
#ifndef RVM_TESTS_HVC_FIXTURE_H
#define RVM_TESTS_HVC_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "cap/cap.h"
#include "partition/edge.h"
#include "partition/partition.h"
#include "tests/fake/hvc_world.h"
#include "witness/witness.h"

/* The witness log, recorded: the last WIT_MAX events, wit_n counts all. */
#define WIT_MAX 256
extern struct witness_event wit[WIT_MAX];
extern size_t wit_n;
/* Records since `from`: how many, and how many of them are refusals by actor. */
void records_since(size_t from, size_t *all, size_t *denied, uint32_t actor);

/* The world: three guests, one edge (tests/fake/hvc_world.c). */
#define RAM    WORLD_RAM
#define UART   WORLD_UART
#define GUESTS WORLD_GUESTS
/* Partition 1's CommEdge window and doorbell page, placed from its layout (64 KiB of RAM:
 * the first 2 MiB boundary above it); partition 2's are the same. */
#define EDGES    (part[1]->edge_ipa)
#define DOORBELL (part[1]->edge_ipa + EDGE_WINDOW)

extern struct hvc_world world;
extern struct partition **const part;
extern cap_handle_t *const edge_h;
extern cap_handle_t *const mem_h;
extern char vuart_lines[1024]; /* what the guests' emulated UARTs printed, a line each */

/* cmocka's setup and teardown of each test: the world built anew, the log emptied. */
int setup(void **state);
int teardown(void **state);

/* One call as partition `caller`, its boot vCPU the one running, the witness rule checked;
 * the registers it left are in regs. */
extern uint64_t regs[8];
int32_t hvc(uint32_t caller, uint32_t fid, uint64_t x1, uint64_t x2, uint64_t x3, uint64_t x4,
            uint64_t x5);

#endif
