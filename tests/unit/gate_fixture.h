/*
 * tests/unit/gate_fixture.h: what the gate's tests (gate_test.c, gate_action_test.c) share
 * (tests/unit/gate_fixture.c).
 */
#ifndef RVM_TESTS_GATE_FIXTURE_H
#define RVM_TESTS_GATE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "cap/cap.h"
#include "kernel/gate.h"
#include "proof/proof.h"
#include "witness/witness.h"

/* The witness log: a ring of the last WIT_MAX records, wit_n counting all. */
#define WIT_MAX 64
extern struct witness_event wit[WIT_MAX];
extern size_t wit_n;
const struct witness_event *last(void);

/* The gate's clock, in ticks a test sets. */
extern uint64_t now_ticks;
uint64_t fake_clock(void);

/* The table: the capability calls, then kernel-style entries. mem_map's handler counts its
 * calls and returns handler_result; agent_send's counts agent_calls. */
#define FID_MEM_MAP    GATE_FID(0x0010)
#define FID_VERSION    GATE_FID(0x0000)
#define FID_AGENT_SEND GATE_FID(0x0201)
extern const struct gate_entry table[];
extern const size_t table_n;
extern int handler_calls;
extern int32_t handler_result;
extern int agent_calls;
int32_t version_handler(struct gate_ctx *ctx); /* the unprivileged entry's */

/* Partitions 0..3 with tables; partition 1 holds roots of a memory object (ref 77) and a
 * device (ref 78). */
extern cap_obj_t mem, dev;
extern cap_handle_t root1, dev1;

/* cmocka's setup of each test: the gate, its table and the roots anew, the log emptied. */
int setup(void **state);

/* A register file of its own for a call (a ring of 64). */
uint64_t *regfile(void);
/* A call as caller would make it, with a ticket in x6 and the time in x7. */
struct gate_call call(uint32_t caller, uint32_t fid, uint64_t x1, uint64_t x2, uint64_t x3,
                      uint64_t x4, uint64_t x5);
/* Dispatch, and check that exactly one witness record came out, DENIED iff status < 0. */
int32_t dispatch(struct gate_call *c);

#endif
