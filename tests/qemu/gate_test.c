/*
 * tests/qemu/gate_test.c: the security gate as the kernel installed it. Walking the
 * real hypercall table proves every entry declares its rights, proof tier and witness
 * kind (the gate refuses to install a table that does not; this checks the installed
 * one), and that no privileged entry skips the capability check.
 */
#include "kernel/gate.h"
#include "kernel/hvc.h"
#include "kernel/ktest.h"

KTEST(hypercall_table_declares_rights_tier_and_witness_for_every_entry)
{
        size_t count = 0;
        size_t bad = 0;
        const struct gate_entry *t = hvc_entries(&count);

        KT_EXPECT(count > 0);
        KT_EXPECT(gate_table_check(t, count, &bad) == GATE_CHECK_OK);
        for (size_t i = 0; i < count; i++) {
                KT_EXPECT(t[i].rights != 0);
                KT_EXPECT(t[i].witness_kind != 0);
                KT_EXPECT(t[i].handler != NULL);
                KT_EXPECT(gate_lookup(t[i].fid) == &t[i]);
                if ((t[i].flags & GATE_F_UNPRIVILEGED) == 0) {
                        /* a privileged call: at least P1 on a capability */
                        KT_EXPECT(t[i].tier >= PROOF_TIER_P1);
                } else {
                        KT_EXPECT(t[i].tier == 0 && t[i].rights == GATE_RIGHTS_NONE);
                }
        }
}

KTEST(gate_refuses_and_witnesses_forged_handles_from_the_kernel_side)
{
        uint64_t x[8] = {0};
        struct gate_call call = {.caller = 1, .x = x};

        call.x[0] = RVM_HC_CAP_INSPECT;
        call.x[1] = 0x1234567890abcdefULL;
        KT_EXPECT(gate_dispatch(&call) < 0);
        call.x[0] = 0xC600ffffu; /* no such call */
        KT_EXPECT(gate_dispatch(&call) == GATE_E_NOT_SUPPORTED);
}
