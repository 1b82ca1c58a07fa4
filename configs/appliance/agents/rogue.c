/*
 * configs/appliance/agents/rogue.c: an agent that asks for what it may not have. Each host
 * call below must be refused with the status given (docs/ABI.md), be witnessed with the
 * rogue as the actor, and leave RVM and the other agents untouched.
 */
#include "arch/aarch64/guest/agent_io.h"

#define E_INVALID (-3)
#define E_FOREIGN (-5)
#define E_STALE   (-6)
#define E_TYPE    (-8)
#define E_RANGE   (-12)

__attribute__((export_name("run"))) void run(void)
{
        long long edge = rvm_cap(RVM_CAP_COMM_EDGE, 0); /* its one edge (to looper) */
        unsigned long long msg[8] = {1, 2, 3};
        int got[8],
            want[8] = {E_RANGE, E_RANGE, E_INVALID, E_STALE, E_FOREIGN, E_TYPE, E_TYPE, E_RANGE};

        got[0] = rvm_send(edge, (const void *)0xFFFFFFF0u, 64); /* outside its memory */
        got[1] = rvm_recv(edge, (void *)0x7FFFFFF0, 64, 0);     /* outside its memory */
        got[2] = rvm_send(edge, msg, 65);                       /* longer than a slot */
        got[3] = rvm_send(edge + 1, msg, 64); /* next generation: a stale handle */
        got[4] = rvm_send((edge & 0xFFFFFFFFFFFFll) | 1ll << 48, msg, 64); /* RVM's table */
        got[5] = rvm_witness(edge, 7, 7);                 /* no witness-log capability */
        got[6] = rvm_spawn(edge, "crunch", 6);            /* no partition capability */
        got[7] = rvm_log((const char *)0xFFFFFF00u, 100); /* outside its memory */
        int refused = 0, surprises = 0;
        char line[128];
        int k = agent_puts(line, 0, "rogue: statuses");
        for (int i = 0; i < 8; i++) {
                refused += got[i] < 0;
                surprises += got[i] != want[i];
                k = agent_puts(line, k, " ");
                k = agent_puti(line, k, got[i]);
        }
        k = agent_puts(line, k, "\n");
        rvm_log(line, k);
        k = agent_puts(line, 0, "rogue: 8 forbidden host calls, ");
        k = agent_putu(line, k, (unsigned)refused);
        k = agent_puts(line, k, " refused, ");
        k = agent_putu(line, k, (unsigned)surprises);
        k = agent_puts(line, k, " unexpected results\n");
        rvm_log(line, k);
}
