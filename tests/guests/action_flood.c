/*
 * tests/guests/action_flood.c: 300,000 successful privileged actions in a row (inspecting its
 * own memory capability, which cap/ witnesses each time), then 16 derivations, each asked
 * again while the gate answers THROTTLED, then 100 grants of a read-only capability into the
 * victim's table (partition 2). Without a quota on actions each inspection was a
 * record of its own: a million of them turned the whole store over and erased the boot's
 * history. tests/run checks that the records it leaves stay within its quota a second (every
 * throttled call refused, and accounted for in full or folded), that the store did not
 * rotate, that the 16 derivations were persisted, that the grants stop at the victim's
 * share for others' grants (half its table) with NO_SPACE, and that the chain verifies.
 */
#include "tests/guests/glib.h"

#define ACTIONS     300000u
#define DERIVATIONS 16u
#define GRANTS      100u
#define VICTIM      2u
#define E_THROTTLED (-22)
#define E_NO_SPACE  (-13)

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        uint64_t mem = rvm_mem_cap();
        uint64_t done = 0, throttled = 0, other = 0, derived = 0, waits = 0;

        for (uint32_t i = 0; i < ACTIONS; i++) {
                int64_t st = rvm_call(RVM_HC_CAP_INSPECT, mem, 0, 0).status;
                if (st >= 0) {
                        done++;
                } else if (st == E_THROTTLED) {
                        throttled++;
                } else {
                        other++;
                }
        }
        for (uint64_t n = 0; n < DERIVATIONS;) {
                /* x1 parent, x2 rights (read), x3/x4 window (0 = whole), x5 expiry, x6 ticket */
                struct rvm_ret r = rvm_call8(RVM_HC_CAP_DERIVE, mem, 1, 0, 0, 0, rvm_ticket(), 0);
                if (r.status == E_THROTTLED) {
                        waits++;
                        rvm_yield(); /* its quota comes back with the next epoch */
                        continue;
                }
                n++;
                if (r.status >= 0) {
                        derived++;
                        rvm_call(RVM_HC_CAP_DROP, r.x1, 0, 0);
                }
        }
        uint64_t granted = 0, full = 0;
        for (uint32_t i = 0; i < GRANTS; i++) {
                /* x1 parent, x2 target | rights (read) << 32, x3/x4 window, x5 expiry, x6 ticket */
                struct rvm_ret r =
                    rvm_call8(RVM_HC_CAP_GRANT, mem, VICTIM | 1ULL << 32, 0, 0, 0, rvm_ticket(), 0);
                granted += r.status >= 0;
                full += r.status == E_NO_SPACE;
        }
        gprintf("action_flood: %llu done, %llu throttled of 300000\n", done, throttled);
        gprintf("action_flood: %llu of 100 grants into the victim's table, %llu NO_SPACE\n",
                granted, full);
        gprintf("action_flood: %llu otherwise refused, %llu of 16 derived\n", other, derived);
        gprintf("action_flood: %llu derivations asked again\n", waits, 0);
        rvm_exit(0);
}
