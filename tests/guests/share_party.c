/*
 * tests/guests/share_party.c: three partitions exercising zero-copy memory transactions
 * (docs/ABI.md "Memory regions"); the role follows the partition id:
 *   1 lender    offers pages (lend, share, donate), tries to offer what it does not own,
 *               reclaims, and at the end touches a page it lent (a stage-2 fault);
 *   2 borrower  retrieves, reads what the lender wrote, writes for the lender to read,
 *               tries bad IPAs, double retrieve, replayed and forged handles, and at the end
 *               touches a page whose lender is gone (a stage-2 fault);
 *   3 thief     presents the borrower's handle, and guesses.
 * Handles and steps travel over CommEdges (lender-borrower is edge 0, lender-thief edge 1).
 * Each prints "share: <role>: N checks, U unexpected"; tests/run wants U = 0. The share is
 * held for 1.5 s before it is relinquished, so the coherence engine counts it in an epoch.
 */
#include <string.h>

#include "tests/guests/glib.h"

#define E_INVALID   (-3)
#define E_FORGED    (-4)
#define E_FOREIGN   (-5)
#define E_STALE     (-6)
#define E_RIGHTS    (-9)
#define E_RANGE     (-12)
#define E_NO_PART   (-14)
#define E_BUSY      (-19)
#define E_NOT_OWNER (-20)
#define E_NOT_HELD  (-21)
#define ANY_ERROR   (-1000) /* any refusal will do */

#define PG        4096ULL
#define LENT      0x40040000ULL /* two pages the lender lends */
#define SHARED    0x40050000ULL
#define DONATED   0x40060000ULL
#define LENT2     0x40070000ULL /* lent, then touched by the lender */
#define B_LENT    0x60000000ULL /* where the borrower maps them */
#define B_SHARED  0x60010000ULL
#define B_DONATED 0x60020000ULL
#define B_LENT2   0x60030000ULL

static const char *role = "?";
static unsigned checks, unexpected, refused;

static void expect(const char *what, int64_t got, int64_t want)
{
        checks++;
        refused += got < 0;
        if (want == ANY_ERROR ? got >= 0 : got != want) {
                unexpected++;
                char line[120];
                fmt_format(line, sizeof(line), "share: %s: %s: got %lld, want %lld\n", role, what,
                           (long long)got, (long long)want);
                rvm_puts(line);
        }
}

static void fill(uint64_t ipa, uint64_t size, uint8_t v)
{
        volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)ipa;
        for (uint64_t i = 0; i < size; i++) {
                p[i] = (uint8_t)(v + i);
        }
}

/* 0 if [ipa, ipa + size) holds the pattern fill(v) wrote. */
static int64_t differs(uint64_t ipa, uint64_t size, uint8_t v)
{
        volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)ipa;
        for (uint64_t i = 0; i < size; i++) {
                if (p[i] != (uint8_t)(v + i)) {
                        return (int64_t)i + 1;
                }
        }
        return 0;
}

/* Whether the caller has ipa mapped, without touching it: RVM reads guest memory for the
 * console only through the caller's own stage-2 tables (RANGE if unmapped). Not a refusal
 * of a privileged call (and not witnessed), so not counted as one. */
static void expect_unmapped(const char *what, uint64_t ipa)
{
        expect(what, rvm_call(RVM_HC_CONSOLE_WRITE, ipa, 1, 0).status, E_RANGE);
        refused--;
}

static int open_edge(struct rvm_edge *e, uint64_t number)
{
        uint64_t self = rvm_call(RVM_HC_SELF, 0, 0, 0).x1;

        for (uint64_t cursor = 0;;) {
                struct rvm_ret r = rvm_call(RVM_HC_CAP_LIST, cursor, 0, 0);
                if (r.x1 == 0) {
                        return -1;
                }
                cursor = r.x2;
                uint64_t x[8] = {RVM_HC_CAP_INSPECT, r.x1};
                if ((r.x3 & 0xff) != 3 || rvm_call_regs(x) != 0 || x[5] != number) {
                        continue;
                }
                uintptr_t rings = (uintptr_t)(rvm_edge_window() + number * RVM_EDGE_STRIDE);
                unsigned mine = (x[1] >> 32) == self ? 0 : 1;
                e->handle = r.x1;
                e->out = (struct rvm_ring *)(rings + mine * 4096);
                e->in = (struct rvm_ring *)(rings + (1 - mine) * 4096);
                return 0;
        }
}

static void send(struct rvm_edge *e, uint64_t step, uint64_t a, uint64_t b)
{
        uint64_t msg[8] = {step, a, b};
        while (!rvm_send(e, msg)) {
                rvm_yield();
        }
        rvm_notify(e);
}

/* Wait for the next message; it must be step `step`. */
static void recv(struct rvm_edge *e, uint64_t step, uint64_t msg[8])
{
        while (!rvm_recv(e, msg)) {
                rvm_wait(e);
        }
        expect("message order", (int64_t)msg[0], (int64_t)step);
}

static void report(void)
{
        char line[120];

        fmt_format(line, sizeof(line), "share: %s: %u checks, %u unexpected, %u refused\n", role,
                   checks, unexpected, refused);
        rvm_puts(line);
}

static __attribute__((noreturn)) void lender(void)
{
        struct rvm_edge b, c;
        uint64_t msg[8];
        uint64_t mem = rvm_mem_cap();

        role = "lender";
        if (open_edge(&b, 0) != 0 || open_edge(&c, 1) != 0 || mem == 0) {
                gprintf("share: lender: no edges or memory capability\n", 0, 0);
                gspin();
        }
        /* What it may not offer. */
        expect("unaligned", rvm_mem_offer(mem, LENT + 8, PG, 2, RVM_MEM_LEND).status, E_INVALID);
        expect("zero length", rvm_mem_offer(mem, LENT, 0, 2, RVM_MEM_LEND).status, E_INVALID);
        expect("huge length", rvm_mem_offer(mem, LENT, 1ULL << 40, 2, RVM_MEM_LEND).status,
               E_INVALID);
        expect("RVM's memory", rvm_mem_offer(mem, 0x40400000, PG, 2, RVM_MEM_LEND).status,
               E_NOT_OWNER);
        expect("an edge page", rvm_mem_offer(mem, rvm_edge_window(), PG, 2, RVM_MEM_SHARE).status,
               E_NOT_OWNER);
        expect("a device", rvm_mem_offer(mem, 0x09000000, PG, 2, RVM_MEM_SHARE).status,
               E_NOT_OWNER);
        expect("past the end of its RAM",
               rvm_mem_offer(mem, 0x400ff000, 2 * PG, 2, RVM_MEM_SHARE).status, E_NOT_OWNER);
        expect("to itself", rvm_mem_offer(mem, LENT, PG, 1, RVM_MEM_SHARE).status, E_INVALID);
        expect("to nobody", rvm_mem_offer(mem, LENT, PG, 9, RVM_MEM_SHARE).status, E_NO_PART);
        expect("unknown kind", rvm_mem_offer(mem, LENT, PG, 2, 7).status, E_INVALID);
        expect("forged memory capability", rvm_mem_offer(0x1234, LENT, PG, 2, 2).status, E_FORGED);

        /* Lend two pages and share one; the borrower and the thief learn the handles. */
        fill(LENT, 2 * PG, 0xA1);
        fill(SHARED, PG, 0xB2);
        struct rvm_offer lend = rvm_mem_offer(mem, LENT, 2 * PG, 2, RVM_MEM_LEND);
        expect("lend", lend.status, 0);
        expect("the same pages again", rvm_mem_offer(mem, LENT + PG, PG, 3, RVM_MEM_SHARE).status,
               E_BUSY);
        struct rvm_offer share = rvm_mem_offer(mem, SHARED, PG, 2, RVM_MEM_SHARE);
        expect("share", share.status, 0);
        send(&b, 1, lend.peer_handle, share.peer_handle);
        send(&c, 1, lend.peer_handle, 0);

        recv(&b, 2, msg); /* the borrower holds both and wrote to them */
        expect("reclaim while lent out", rvm_mem_reclaim(lend.owner_handle), E_BUSY);
        expect("reclaim while shared out", rvm_mem_reclaim(share.owner_handle), E_BUSY);
        expect("shared page: the borrower's bytes (zero copy)", differs(SHARED, PG, 0xC3), 0);
        recv(&c, 2, msg); /* the thief is done */
        /* The shared page stays mapped in both for 1.5 s, across at least one coherence epoch
         * (1 s): the engine counts it in the graph while held, and no longer once released
         * (tests/run, the coherence block). */
        gprintf("share: lender: the shared page is held across an epoch\n", 0, 0);
        for (uint64_t until = rvm_time_ns() + 1500000000ULL; rvm_time_ns() < until;) {
                rvm_yield();
        }

        send(&b, 3, 0, 0);
        recv(&b, 4, msg); /* relinquished */
        expect("reclaim the lend", rvm_mem_reclaim(lend.owner_handle), 0);
        expect("lent pages: the borrower's bytes (zero copy)", differs(LENT, 2 * PG, 0xD4), 0);
        expect("reclaim the share", rvm_mem_reclaim(share.owner_handle), 0);
        expect("reclaim again (replay)", rvm_mem_reclaim(lend.owner_handle), E_STALE);

        /* Donate a page: it is the borrower's from its retrieve on. */
        fill(DONATED, PG, 0xE5);
        struct rvm_offer don = rvm_mem_offer(mem, DONATED, PG, 2, RVM_MEM_DONATE);
        expect("donate", don.status, 0);
        send(&b, 5, don.peer_handle, 0);
        recv(&b, 6, msg);
        expect("reclaim a completed donation", rvm_mem_reclaim(don.owner_handle), E_STALE);
        expect("offer donated pages", rvm_mem_offer(mem, DONATED, PG, 3, RVM_MEM_SHARE).status,
               E_NOT_OWNER);

        /* Lend one more page, then touch it: a stage-2 fault, and the lend is cleaned up. */
        struct rvm_offer lend2 = rvm_mem_offer(mem, LENT2, PG, 2, RVM_MEM_LEND);
        expect("lend again", lend2.status, 0);
        send(&b, 7, lend2.peer_handle, 0);
        recv(&b, 8, msg);
        report();
        gprintf("share: lender touches a page it lent\n", 0, 0);
        (void)*(volatile uint64_t *)(uintptr_t)LENT2;
        gprintf("share: lender: ESCAPED\n", 0, 0);
        gspin();
}

static __attribute__((noreturn)) void borrower(void)
{
        struct rvm_edge a;
        uint64_t msg[8];
        uint64_t mem = rvm_mem_cap();

        role = "borrower";
        if (open_edge(&a, 0) != 0) {
                gprintf("share: borrower: no edge\n", 0, 0);
                gspin();
        }
        recv(&a, 1, msg);
        uint64_t lend = msg[1];
        uint64_t share = msg[2];
        expect("forged handle", rvm_mem_retrieve(0x1234, B_LENT), E_FORGED);
        expect("guessed generation", rvm_mem_retrieve(lend + 1, B_LENT), E_STALE);
        expect("its RAM capability is not an offer", rvm_mem_retrieve(mem, B_LENT), -8);
        expect("IPA over its RAM", rvm_mem_retrieve(lend, 0x40000000), E_RANGE);
        expect("IPA over its edge page", rvm_mem_retrieve(lend, rvm_edge_window()), E_RANGE);
        expect("IPA over its doorbell page",
               rvm_mem_retrieve(lend, rvm_call(RVM_HC_SELF, 0, 0, 0).x3), E_RANGE);
        expect("IPA in the device window", rvm_mem_retrieve(lend, 0x09000000), E_RANGE);
        expect("IPA beyond its IPA space", rvm_mem_retrieve(lend, 1ULL << 40), E_RANGE);
        /* Its IPA space is configured as 4 GiB (tests/qemu/scenarios.c). */
        expect("IPA past its 4 GiB IPA space", rvm_mem_retrieve(lend, 1ULL << 32), E_RANGE);
        expect("unaligned IPA", rvm_mem_retrieve(lend, B_LENT + 16), E_INVALID);
        expect("retrieve the lend", rvm_mem_retrieve(lend, B_LENT), 0);
        expect("double retrieve", rvm_mem_retrieve(lend, B_LENT + 0x100000), E_BUSY);
        expect("over what it borrowed", rvm_mem_retrieve(share, B_LENT + PG), E_RANGE);
        expect("lent pages: the lender's bytes (zero copy)", differs(B_LENT, 2 * PG, 0xA1), 0);
        expect("retrieve the share", rvm_mem_retrieve(share, B_SHARED), 0);
        expect("shared page: the lender's bytes", differs(B_SHARED, PG, 0xB2), 0);
        fill(B_LENT, 2 * PG, 0xD4);
        fill(B_SHARED, PG, 0xC3);
        expect("offer borrowed pages on", rvm_mem_offer(mem, B_LENT, PG, 3, RVM_MEM_SHARE).status,
               E_NOT_OWNER);
        expect("reclaim with the peer's handle", rvm_mem_reclaim(lend), E_RIGHTS);
        send(&a, 2, 0, 0);

        recv(&a, 3, msg);
        expect("relinquish the lend", rvm_mem_relinquish(lend), 0);
        expect("relinquish the share", rvm_mem_relinquish(share), 0);
        expect("relinquish twice", rvm_mem_relinquish(lend), E_NOT_HELD);
        expect_unmapped("lent pages gone after relinquish", B_LENT);
        expect_unmapped("shared page gone after relinquish", B_SHARED);
        send(&a, 4, 0, 0);

        recv(&a, 5, msg);
        uint64_t don = msg[1];
        expect("retrieve after reclaim (replay)", rvm_mem_retrieve(lend, B_LENT), E_STALE);
        expect_unmapped("lent pages still gone after reclaim", B_LENT);
        expect("retrieve the donation", rvm_mem_retrieve(don, B_DONATED), 0);
        expect("donated page: the donor's bytes", differs(B_DONATED, PG, 0xE5), 0);
        expect("relinquish a completed donation", rvm_mem_relinquish(don), E_STALE);
        fill(B_DONATED, PG, 0x17); /* its own page now */
        send(&a, 6, 0, 0);

        recv(&a, 7, msg);
        uint64_t lend2 = msg[1];
        expect("retrieve the second lend", rvm_mem_retrieve(lend2, B_LENT2), 0);
        send(&a, 8, 0, 0);
        /* The lender faults on the page it lent; RVM ends the lend (its capability dies,
         * the page leaves this partition). */
        uint64_t x[8] = {0};
        for (unsigned i = 0; i < 100000; i++) {
                memset(x, 0, sizeof(x));
                x[0] = RVM_HC_CAP_INSPECT;
                x[1] = lend2;
                if (rvm_call_regs(x) == E_STALE) {
                        break;
                }
                rvm_yield();
        }
        expect("the lender's fault ended its lend", (int64_t)x[0], E_STALE);
        expect_unmapped("that page is gone", B_LENT2);
        report();
        gprintf("share: borrower touches a page whose lender is gone\n", 0, 0);
        (void)*(volatile uint64_t *)(uintptr_t)B_LENT2;
        gprintf("share: borrower: ESCAPED\n", 0, 0);
        gspin();
}

static __attribute__((noreturn)) void thief(void)
{
        struct rvm_edge a;
        uint64_t msg[8];

        role = "thief";
        if (open_edge(&a, 1) != 0) {
                gprintf("share: thief: no edge\n", 0, 0);
                gspin();
        }
        recv(&a, 1, msg);
        uint64_t lend = msg[1];
        expect("retrieve with another's handle", rvm_mem_retrieve(lend, B_LENT), E_FOREIGN);
        expect("relinquish another's", rvm_mem_relinquish(lend), E_FOREIGN);
        expect("reclaim another's", rvm_mem_reclaim(lend), E_FOREIGN);
        /* The same slot and generation in its own table, and random guesses. */
        uint64_t mine = 4ULL << 48 | (lend & 0xFFFFFFFFFFFFULL);
        expect("the handle rewritten as its own", rvm_mem_retrieve(mine, B_LENT), ANY_ERROR);
        uint64_t seed = 0x7e1f;
        for (unsigned i = 0; i < 50; i++) {
                expect("guess", rvm_mem_retrieve(grand(&seed), B_LENT), ANY_ERROR);
        }
        expect_unmapped("nothing was mapped", B_LENT);
        send(&a, 2, 0, 0);
        report();
        gspin();
}

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        uint64_t self = rvm_call(RVM_HC_SELF, 0, 0, 0).x1;

        if (self == 1) {
                lender();
        } else if (self == 2) {
                borrower();
        }
        thief();
}
