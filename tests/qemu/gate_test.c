/*
 * tests/qemu/gate_test.c: the security gate as the kernel installed it. The installed table
 * is handed to gate_table_check with each declaration broken in turn (it must refuse each,
 * naming the entry), every entry is found by the lookup the hypercall path uses, and a
 * forged handle and an unknown function are refused with the witness record that says so.
 */
#include <string.h>

#include "kernel/gate.h"
#include "kernel/hvc.h"
#include "tests/qemu/ktest.h"
#include "witness/witness.h"

#define MAX_ENTRIES 64

KTEST(gate_refuses_the_installed_table_with_any_declaration_broken)
{
        static struct gate_entry t[MAX_ENTRIES];
        size_t count = 0;
        size_t bad = 0;
        const struct gate_entry *installed = hvc_entries(&count);

        KT_EXPECT(count > 0 && count <= MAX_ENTRIES);
        if (count == 0 || count > MAX_ENTRIES) {
                return;
        }
        KT_EXPECT(gate_table_check(installed, count, &bad) == GATE_CHECK_OK);
        for (size_t i = 0; i < count; i++) {
                KT_EXPECT(gate_lookup(GATE_ENTRY_FID(&installed[i])) == &installed[i]);
        }
        for (size_t i = 0; i < count; i++) {
                const struct gate_entry *e = &installed[i];
                bool unpriv = (e->flags & GATE_F_UNPRIVILEGED) != 0;
                /* Each way an entry could fail to declare itself, applied to entry i alone. */
                for (unsigned m = 0; m < 7; m++) {
                        memcpy(t, installed, count * sizeof(t[0]));
                        enum gate_check want = GATE_CHECK_OK;
                        switch (m) {
                        case 0:
                                t[i].rights = 0;
                                want = GATE_CHECK_RIGHTS;
                                break;
                        case 1:
                                t[i].handler = NULL;
                                want = GATE_CHECK_HANDLER;
                                break;
                        case 2:
                                /* a right beside "none": a bit no right has */
                                t[i].rights = GATE_RIGHTS_NONE | CAP_R_READ;
                                want = GATE_CHECK_RIGHTS;
                                break;
                        case 3:
                                gate_entry_set_fid(&t[i], 0x82000000u); /* a SiP call */
                                want = GATE_CHECK_FID;
                                break;
                        case 4:
                                gate_entry_set_fid(&t[i],
                                                   GATE_ENTRY_FID(&installed[(i + 1) % count]));
                                want = count > 1 ? GATE_CHECK_DUPLICATE : GATE_CHECK_OK;
                                break;
                        case 5:
                                /* privileged with no tier, or unprivileged with one */
                                t[i].tier = unpriv ? PROOF_TIER_P1 : PROOF_TIER_NONE;
                                want = GATE_CHECK_TIER;
                                break;
                        case 6:
                                if (unpriv) {
                                        continue; /* a witness kind is required of privileged
                                                     entries only */
                                }
                                t[i].witness_kind = 0;
                                want = GATE_CHECK_WITNESS;
                                break;
                        }
                        bad = 99;
                        enum gate_check got = gate_table_check(t, count, &bad);
                        KT_EXPECT(got == want);
                        /* A duplicate is reported at the later of the two entries. */
                        size_t at = m == 4 && i + 1 == count ? i : m == 4 ? i + 1 : i;
                        if (want != GATE_CHECK_OK) {
                                KT_EXPECT(bad == (m == 4 ? at : i));
                        }
                }
        }
}

/* Find the newest record in the RAM ring that matches; tail calls back oldest first. */
struct find {
        uint16_t kind;
        uint32_t actor;
        uint64_t cap;
        uint32_t fid;
        bool found;
};

static void find_cb(void *ctx, const uint8_t rec[WITNESS_RECORD_SIZE])
{
        struct find *f = ctx;
        struct witness_record r;

        witness_record_decode(rec, &r);
        if (r.kind == f->kind && r.actor == f->actor && r.cap == f->cap &&
            (r.flags & WITNESS_F_DENIED) != 0 && (uint32_t)(r.payload >> 32) == f->fid) {
                f->found = true;
        }
}

static bool witnessed(uint16_t kind, uint32_t actor, uint64_t cap, uint32_t fid)
{
        struct find f = {.kind = kind, .actor = actor, .cap = cap, .fid = fid};
        uint8_t head[WITNESS_HEAD_SIZE];
        uint64_t first = 0;

        witness_log_tail(witness_global(), 8, head, &first, find_cb, &f);
        return f.found;
}

KTEST(gate_refuses_a_forged_handle_and_witnesses_the_refusal)
{
        uint64_t x[8] = {0};
        struct gate_call call = {.caller = 1, .x = x};
        const uint64_t forged = 0x1234567890abcdefULL;

        call.x[0] = RVM_HC_CAP_INSPECT;
        call.x[1] = forged;
        KT_EXPECT(gate_dispatch(&call) == GATE_E_FORGED);
        KT_EXPECT(call.x[1] == 0); /* nothing about the handle comes back */
        KT_EXPECT(witnessed(WK_CAP_DENY, 1, forged, RVM_HC_CAP_INSPECT));
}

KTEST(gate_refuses_an_unknown_function_and_witnesses_the_refusal)
{
        uint64_t x[8] = {0};
        struct gate_call call = {.caller = 2, .x = x};

        call.x[0] = 0xC600ffffu; /* no such call */
        KT_EXPECT(gate_dispatch(&call) == GATE_E_NOT_SUPPORTED);
        KT_EXPECT(witnessed(WK_PROOF_DENY, 2, 0, 0xC600ffffu));
}
