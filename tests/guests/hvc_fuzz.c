/*
 * tests/guests/hvc_fuzz.c: 10,000 hypercalls with hostile x0..x7. Half the function ids are
 * RVM's real calls (its table, arch/aarch64/guest/rvm_calls.h), a quarter others in RVM's
 * range, a quarter anything. Each argument is a boundary value half the time (0, ~0, the
 * address space's last page, its own RAM's first and last byte, its CommEdge window and
 * doorbell page, 2^32 and 2^63 and their neighbours) and random otherwise: a random 64-bit
 * value almost never lands where a range check is off by one. Calls that would end this
 * partition (exit, PSCI off/reset) are left out so it can report, and the yield, which would
 * only hand its time to the others.
 */
#include "tests/guests/glib.h"

#define FID_OF(n, id, ...) RVM_FID(n),
static const uint32_t table[] = {RVM_GUEST_CALLS(FID_OF)};
#define TABLE_LEN (sizeof(table) / sizeof(table[0]))

#define RAM_BASE 0x40000000ULL
#define RAM_TOP  (RAM_BASE + (1ULL << 20))

static uint64_t hostile(uint64_t *seed, const uint64_t *edges)
{
        static const uint64_t fixed[] = {
            0,
            1,
            7,
            8,
            0xfff,
            0x1000,
            RAM_BASE,
            RAM_BASE + 8,
            RAM_TOP - 8,
            RAM_TOP - 1,
            RAM_TOP,
            0xffffffffu,
            1ULL << 32,
            (1ULL << 32) + 1,
            (1ULL << 63) - 1,
            1ULL << 63,
            ~0ULL - 0xfff,
            ~0ULL - 7,
            ~0ULL - 1,
            ~0ULL,
        };
        uint64_t r = grand(seed);

        if ((r & 1) != 0) {
                return grand(seed);
        }
        r >>= 1;
        if (r % 4 == 0) {
                return edges[(r >> 2) % 2] + ((r >> 3) & 1 ? 0xff8 : 0); /* window, doorbell */
        }
        return fixed[(r >> 2) % (sizeof(fixed) / sizeof(fixed[0]))];
}

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        struct rvm_ret self = rvm_call(RVM_HC_SELF, 0, 0, 0);
        const uint64_t edges[2] = {self.x2, self.x3};
        uint64_t seed = 0x5eed1234abcdULL;
        uint64_t ok = 0;
        uint64_t refused = 0;

        rvm_puts("hvc_fuzz: 10000 hostile hypercalls\n");
        for (unsigned i = 0; i < 10000; i++) {
                uint64_t x[8];
                uint64_t pick = grand(&seed);
                for (int k = 1; k < 8; k++) {
                        x[k] = hostile(&seed, edges);
                }
                switch (pick % 4) {
                case 0:
                case 1:
                        x[0] = table[(pick >> 2) % TABLE_LEN];
                        break;
                case 2:
                        x[0] = RVM_FID(0) | ((pick >> 2) & 0x1ff);
                        break;
                default:
                        x[0] = grand(&seed);
                        break;
                }
                uint32_t fid = (uint32_t)x[0];
                if (fid == RVM_HC_EXIT || fid == RVM_HC_YIELD ||
                    (fid & 0xbfffffe0u) == 0x84000000u) {
                        continue;
                }
                struct rvm_ret r = rvm_call8(x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]);
                if (r.status < 0) {
                        refused++;
                } else {
                        ok++;
                }
        }
        gprintf("hvc_fuzz: done, %llu accepted, %llu refused\n", ok, refused);
        gspin();
}
