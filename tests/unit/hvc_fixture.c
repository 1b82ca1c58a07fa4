/*
 * tests/unit/hvc_fixture.c: the recorded witness log, the world and the checked call the
 * hypercall tests share (see hvc_fixture.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/gate.h"
#include "kernel/percpu.h"
#include "tests/fake/arch_fake.h"
#include "tests/fake/fake_hal.h"
#include "tests/unit/hvc_fixture.h"

/* ---- the witness log, recorded ---- */

struct witness_event wit[WIT_MAX];
size_t wit_n;

void witness_emit(const struct witness_event *ev)
{
        wit[wit_n % WIT_MAX] = *ev;
        wit_n++;
}

/* Records since `from`: how many, and how many of them are refusals by actor. */
void records_since(size_t from, size_t *all, size_t *denied, uint32_t actor)
{
        *all = wit_n - from;
        *denied = 0;
        for (size_t i = from; i < wit_n && i - from < WIT_MAX; i++) {
                const struct witness_event *e = &wit[i % WIT_MAX];
                *denied += (e->flags & WITNESS_F_DENIED) != 0 && e->actor == actor;
        }
}

/* ---- the world: three guests, one edge (tests/fake/hvc_world.c) ---- */

struct hvc_world world;
struct partition **const part = world.part;
cap_handle_t *const edge_h = world.edge_h;
cap_handle_t *const mem_h = world.mem_h;
char vuart_lines[1024];

static void vuart_line(const struct partition *p, const char *text)
{
        size_t n = strlen(vuart_lines);
        snprintf(vuart_lines + n, sizeof(vuart_lines) - n, "[%s] %s\n", p->name, text);
}

int setup(void **state)
{
        (void)state;
        vuart_lines[0] = '\0';
        fake_uart_clear();
        assert_true(hvc_world_build(&world, vuart_line));
        assert_true(edge_h[1] != 0 && edge_h[2] != 0 && edge_h[3] == 0);
        assert_true(mem_h[1] != 0 && mem_h[2] != 0 && mem_h[3] != 0);
        wit_n = 0;
        return 0;
}

int teardown(void **state)
{
        (void)state;
        fake_arch_reset();
        return 0;
}

uint64_t regs[8];

/* The witness rule: a refusal leaves at least one DENIED record by the caller, a success
 * none. */

int32_t hvc(uint32_t caller, uint32_t fid, uint64_t x1, uint64_t x2, uint64_t x3, uint64_t x4,
            uint64_t x5)
{
        const uint64_t v[8] = {fid, x1, x2, x3, x4, x5, 0, 0};
        size_t before = wit_n;
        uint64_t folded = gate_denials_folded();
        size_t all, denied;

        memcpy(regs, v, sizeof(regs));
        this_cpu()->current = part_get(caller) != NULL ? &part_get(caller)->vcpus[0] : NULL;
        int32_t st = gate_dispatch(&(struct gate_call){.caller = caller, .x = regs});
        assert_int_equal((int64_t)regs[0], (int64_t)st);
        records_since(before, &all, &denied, caller);
        if (st < 0 && denied == 0 && gate_denials_folded() == folded) {
                fail_msg("call 0x%x (x1 0x%llx x2 0x%llx x3 0x%llx) refused with %d, not witnessed",
                         fid, (unsigned long long)x1, (unsigned long long)x2,
                         (unsigned long long)x3, st);
        }
        if (st >= 0 && denied != 0) {
                fail_msg("call 0x%x succeeded (%d) with a DENIED record", fid, st);
        }
        return st;
}
