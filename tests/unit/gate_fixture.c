/*
 * tests/unit/gate_fixture.c: what the gate's tests share (gate_fixture.h): a witness log kept
 * as a ring of its last records, the gate's clock, a table of kernel-style entries beside the
 * capability calls, partition 1's memory and device roots, and calls made as a guest makes
 * them, each checked for exactly one record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/gate_fixture.h"

struct witness_event wit[WIT_MAX];
size_t wit_n;
void witness_emit(const struct witness_event *ev)
{
        wit[wit_n % WIT_MAX] = *ev;
        wit_n++;
}
const struct witness_event *last(void)
{
        return &wit[(wit_n - 1) % WIT_MAX];
}

uint64_t now_ticks;
uint64_t fake_clock(void)
{
        return now_ticks;
}

/* A kernel-style entry, as the lead's table will add them. */
int handler_calls;
int32_t handler_result;
static int32_t mem_map_handler(struct gate_ctx *ctx)
{
        handler_calls++;
        /* The gate hands the handler what the capability names. */
        assert_int_equal(ctx->cap.type, CAP_T_MEMORY);
        assert_int_equal(ctx->cap.object_ref, 77);
        ctx->target = 0xAB;
        ctx->payload = ctx->call->x[2];
        return handler_result;
}
int32_t version_handler(struct gate_ctx *ctx)
{
        ctx->call->x[1] = 0x10000;
        return GATE_OK;
}

int agent_calls;
static int32_t agent_send_handler(struct gate_ctx *ctx)
{
        agent_calls++;
        assert_true(ctx->call->agent);
        return GATE_OK;
}

/* A PSCI call that starts something: its module records it (as partition/psci.c's CPU_ON). */
static int32_t cpu_on_handler(struct gate_ctx *ctx)
{
        witness_emit(&(struct witness_event){.kind = WK_PART_VCPU, .actor = ctx->call->caller});
        return 0;
}

const struct gate_entry table[] = {
    GATE_CAP_ENTRIES{.fid = FID_MEM_MAP,
                     .type = CAP_T_MEMORY,
                     .rights = CAP_R_READ | CAP_R_WRITE,
                     .tier = PROOF_TIER_P3,
                     .range_off = 2,
                     .range_len = 3,
                     .witness_kind = WK_PROOF_ALLOW,
                     .flags = GATE_F_ACTION,
                     .handler = mem_map_handler},
    {.fid = FID_VERSION,
     .rights = GATE_RIGHTS_NONE,
     .tier = PROOF_TIER_NONE,
     .flags = GATE_F_UNPRIVILEGED,
     .handler = version_handler},
    {.fid = FID_AGENT_SEND,
     .type = CAP_T_MEMORY,
     .rights = CAP_R_WRITE,
     .tier = PROOF_TIER_P1,
     .witness_kind = WK_COMM_SEND,
     .flags = GATE_F_AGENT | GATE_F_ACTION,
     .handler = agent_send_handler},
    {.fid = 0xC4000003u,
     .rights = GATE_RIGHTS_NONE,
     .tier = PROOF_TIER_NONE,
     .witness_kind = WK_PART_VCPU,
     .flags = RVM_UNPRIV | GATE_F_ACTION,
     .handler = cpu_on_handler},
};
const size_t table_n = sizeof(table) / sizeof(table[0]);

cap_obj_t mem, dev;
cap_handle_t root1, dev1; /* partition 1's roots */

int setup(void **state)
{
        (void)state;
        cap_init();
        proof_init();
        now_ticks = 1000;
        handler_calls = 0;
        handler_result = GATE_OK;
        gate_set_quota(NULL);
        assert_int_equal(gate_init(table, table_n, fake_clock, 100), GATE_CHECK_OK);
        for (uint32_t p = 0; p < 4; p++) {
                assert_int_equal(cap_table_create(p), CAP_OK);
        }
        assert_int_equal(cap_object_create(CAP_T_MEMORY, 1, 0x10000, 77, &mem), CAP_OK);
        assert_int_equal(cap_object_create(CAP_T_DEVICE, 1, 0x1000, 78, &dev), CAP_OK);
        assert_int_equal(cap_mint_root(mem, 1, CAP_R_ALL, &root1), CAP_OK);
        assert_int_equal(cap_mint_root(dev, 1, CAP_R_ALL, &dev1), CAP_OK);
        wit_n = 0;
        return 0;
}

/* Register files for the calls a test makes (a gate_call points at its registers). */
static uint64_t regfiles[64][8];
static unsigned regfile_next;

uint64_t *regfile(void)
{
        uint64_t *x = regfiles[regfile_next++ % 64];
        for (int i = 0; i < 8; i++) {
                x[i] = 0;
        }
        return x;
}

struct gate_call call(uint32_t caller, uint32_t fid, uint64_t x1, uint64_t x2, uint64_t x3,
                      uint64_t x4, uint64_t x5)
{
        struct gate_call c = {.caller = caller, .x = regfile()};
        /* x6: a ticket (as a guest's rvm_ticket); x7 is unused, left as a guest might */
        uint64_t v[8] = {fid, x1, x2, x3, x4, x5, gate_ticket(caller), now_ticks};
        for (int i = 0; i < 8; i++) {
                c.x[i] = v[i];
        }
        return c;
}

/* Dispatch, and check that exactly one witness record came out, DENIED iff status < 0. */
int32_t dispatch(struct gate_call *c)
{
        size_t before = wit_n;
        int32_t st = gate_dispatch(c);
        assert_int_equal((int64_t)c->x[0], st);
        assert_int_equal(wit_n, before + 1);
        assert_int_equal((last()->flags & WITNESS_F_DENIED) != 0, st < 0);
        assert_int_equal(last()->actor, c->caller);
        return st;
}
