/*
 * tests/fuzz/hvc_fuzz.c: libFuzzer target over the hypercall path a guest reaches: the
 * kernel's real call table, gate, handlers and partition mechanisms over the fake arch layer
 * (tests/fake/), three guest partitions and a CommEdge, as tests/unit/hvc_fixture.c sets them up.
 * The input is a sequence of calls: a caller byte, a function byte (a row of the table, or a
 * raw function id) and five argument registers, each steered towards values the calls take
 * (handles the callers hold, addresses in and around their RAM, edge and device windows),
 * x6 a ticket from the gate (P2's nonce) for three calls in four.
 * Besides what ASan and UBSan catch, every refusal must leave a DENIED witness record by the
 * caller and no success may leave one; the world is rebuilt every 256 calls. An input resets
 * a partition at most twice: a reset reloads the partition's RAM, by far the costliest call,
 * and libFuzzer, which keeps an input for each new number of times a path ran, drifted to
 * inputs that reset again and again (a quarter of all calls, half the time in reloads); more
 * resets in one input reach nothing the first two did not, and the machine carries over to
 * the next input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap/cap.h"
#include "kernel/gate.h"
#include "kernel/hvc.h"
#include "kernel/percpu.h"
#include "memory/memory.h"
#include "partition/edge.h"
#include "partition/partition.h"
#include "partition/share.h"
#include "partition/vdev.h"
#include "proof/proof.h"
#include "tests/fake/arch_fake.h"
#include "tests/fake/hvc_world.h"
#include "witness/witness.h"

#define RAM    WORLD_RAM
#define GUESTS WORLD_GUESTS
#define RESETS 2 /* per input */

static uint64_t records, denied_by_caller;
static uint32_t caller_now;

void witness_emit(const struct witness_event *ev)
{
        records++;
        denied_by_caller += (ev->flags & WITNESS_F_DENIED) != 0 && ev->actor == caller_now;
}

static struct hvc_world w;
static cap_handle_t handles[16];
static unsigned handle_count;
static unsigned calls_in_world;

static void vuart_line(const struct partition *p, const char *text)
{
        (void)p;
        (void)text;
}

static void world(void)
{
        if (!hvc_world_build(&w, vuart_line)) {
                abort();
        }
        handle_count = 0;
        for (uint32_t id = 1; id <= GUESTS; id++) {
                uint32_t cursor = 0;
                cap_handle_t h;
                while ((h = cap_table_next(id, &cursor)) != 0 && handle_count < 16) {
                        handles[handle_count++] = h;
                }
        }
        calls_in_world = 0;
}

static uint64_t take(const uint8_t **d, size_t *n, unsigned bytes)
{
        uint64_t v = 0;

        for (unsigned i = 0; i<bytes && * n> 0; i++, (*d)++, (*n)--) {
                v |= (uint64_t) * *d << (8 * i);
        }
        return v;
}

/* An argument: the selector's low bits say what kind of value, the rest shape it. */
static uint64_t arg(uint64_t sel)
{
        uint64_t v = sel >> 3;

        switch (sel & 7) {
        case 0:
                return handles[v % (handle_count == 0 ? 1 : handle_count)];
        case 1:
                return PART_IPA_BASE + v % (2 * RAM);
        case 2:
                return part_get(1)->edge_ipa + v % (EDGE_WINDOW + 0x2000); /* and the doorbell */
        case 3:
                return 0x09000000 + v % 0x20000; /* device windows */
        case 4:
                return v & 0xffff;
        case 5:
                return ~0ULL - (v & 0xffff);
        default:
                return sel;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t count = 0;
        unsigned resets = 0;
        const struct gate_entry *t;

        if (calls_in_world == 0 || calls_in_world > 256) {
                world();
        }
        t = hvc_entries(&count);
        while (size >= 2) {
                calls_in_world++;
                uint32_t caller = 1 + (uint32_t)take(&data, &size, 1) % GUESTS;
                uint8_t f = (uint8_t)take(&data, &size, 1);
                uint32_t fid = f < 0xF0 ? t[f % count].fid : (uint32_t)take(&data, &size, 4);
                if (fid == RVM_HC_EXIT || fid == PSCI_SYSTEM_OFF || fid == PSCI_CPU_OFF ||
                    fid == PSCI_SYSTEM_RESET) {
                        if ((f & 1) == 0) {
                                continue; /* mostly keep the callers alive */
                        }
                }
                uint64_t x[8] = {fid};
                for (int i = 1; i <= 5; i++) {
                        x[i] = arg(take(&data, &size, 3));
                }
                struct partition *p = part_get(caller);
                if (p == NULL || p->state != PART_RUNNING) {
                        continue; /* only a running partition's vCPU traps */
                }
                /* x6: mostly a ticket (the nonce P2/P3 calls need: docs/ABI.md), so that the
                 * capability calls get past P2 to their handlers; else none. */
                x[6] = (f & 0x30) != 0 ? gate_ticket(caller) : 0;
                if (fid == PSCI_SYSTEM_RESET && resets++ >= RESETS) {
                        continue;
                }
                this_cpu()->current = &p->vcpus[0];
                caller_now = caller;
                uint64_t before = denied_by_caller;
                uint64_t folded = gate_denials_folded();
                int32_t st = gate_dispatch(&(struct gate_call){.caller = caller, .x = x});
                while (this_cpu()->reload != NULL && !part_reload_step(this_cpu()->reload)) {
                }
                this_cpu()->reload = NULL;
                bool witnessed = denied_by_caller != before || gate_denials_folded() != folded;
                if ((st < 0) != witnessed || (int64_t)x[0] != st) {
                        fprintf(stderr, "call 0x%x by %u: status %d, %d refusal records\n", fid,
                                caller, st, (int)(denied_by_caller - before));
                        abort(); /* a refusal not witnessed, or a success witnessed as one */
                }
        }
        return 0;
}
