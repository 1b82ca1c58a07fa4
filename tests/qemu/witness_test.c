/*
 * tests/qemu/witness_test.c: the witness log inside the running kernel: every boot starts
 * with the attestation record and witnesses each phase; records appended from the kernel
 * verify in the RAM ring and, once flushed, on flash.
 */
#include <stdint.h>
#include <string.h>

#include "boot/boot.h"
#include "kernel/wlog.h"
#include "tests/qemu/ktest.h"
#include "witness/witness.h"

struct boot_scan {
        uint32_t boot;
        unsigned attest_first;
        unsigned phases_seen;
        unsigned done;
        unsigned count;
};

static void scan(void *ctx, const uint8_t rec[WITNESS_RECORD_SIZE])
{
        struct boot_scan *s = ctx;
        struct witness_record r;

        witness_record_decode(rec, &r);
        if (r.boot != s->boot) {
                return;
        }
        if (s->count++ == 0 && r.kind == WK_BOOT_ATTEST) {
                s->attest_first = 1;
        }
        if (r.kind == WK_BOOT_PHASE && r.target >= 1 && r.target <= 7) {
                s->phases_seen |= 1u << r.target;
        }
        if (r.kind == WK_BOOT_DONE) {
                s->done++;
        }
}

KTEST(witness_boot_starts_with_attestation_and_records_every_phase)
{
        struct witness_stats st;
        uint8_t head[WITNESS_HEAD_SIZE];
        uint64_t first;

        KT_EXPECT(witness_global() != NULL);
        witness_log_stats(witness_global(), &st);
        struct boot_scan s = {.boot = st.boot};
        witness_log_tail(witness_global(), (uint32_t)st.emitted, head, &first, scan, &s);
        KT_EXPECT(s.attest_first == 1);
        KT_EXPECT(s.phases_seen == 0xfe); /* phases 1..7 */
        KT_EXPECT(s.done == 1);
        uint64_t digest8;
        memcpy(&digest8, boot_state.attest.digest, sizeof(digest8));
        KT_EXPECT(digest8 != 0);
}

KTEST(witness_records_verify_in_ram_and_on_flash)
{
        struct witness_stats before, after;
        uint64_t bad = 0;

        witness_log_stats(witness_global(), &before);
        for (unsigned i = 0; i < 300; i++) { /* more than one batch */
                witness_emit(&(struct witness_event){
                    .kind = WK_SCHED_EPOCH, .target = i, .payload = 0x5eed0000u + i});
        }
        witness_log_stats(witness_global(), &after);
        KT_EXPECT(after.emitted >= before.emitted + 300);
        KT_EXPECT(after.next_seq >= before.next_seq + 300);
        KT_EXPECT(witness_log_verify_ring(witness_global(), &bad) == WV_OK);
        wlog_flush();
        witness_log_stats(witness_global(), &after);
        KT_EXPECT(after.pending == 0);
        /* tests/run gives every boot a fresh scratch store: it must be writable here. */
        KT_EXPECT(after.store_state == WITNESS_STORE_OK);
        struct witness_store_report rep;
        KT_EXPECT(witness_log_verify_store(witness_global(), &rep) == WITNESS_OK);
        KT_EXPECT(rep.verdict == WV_OK);
        KT_EXPECT(rep.next_seq == after.next_seq);
}

KTEST(witness_scrub_checks_the_whole_store_and_finds_it_intact)
{
        struct witness_stats st;

        wlog_flush();
        uint64_t checked = wlog_scrub_run();
        witness_log_stats(witness_global(), &st);
        KT_EXPECT(st.store_state == WITNESS_STORE_OK);
        KT_EXPECT(!st.scrub_alarm);
        KT_EXPECT(st.scrub_passes >= 1);
        KT_EXPECT(checked >= st.next_seq); /* every record, once at least */
}

KTEST(witness_seals_are_published_and_keys_move_forward)
{
        struct witness_seal_info a, b;

        witness_emit(&(struct witness_event){.kind = WK_SCHED_EPOCH});
        wlog_flush();
        witness_log_last_seal(witness_global(), &a);
        witness_emit(&(struct witness_event){.kind = WK_SCHED_EPOCH});
        wlog_flush();
        witness_log_last_seal(witness_global(), &b);
        KT_EXPECT(b.count == a.count + 1);
        KT_EXPECT(b.seq > a.seq);
        /* The log holds only the next epoch's key: one per seal made this boot. */
        KT_EXPECT(witness_global()->keys.valid);
        KT_EXPECT(witness_global()->keys.index == b.count);
        KT_EXPECT(witness_global()->cfg.key_len == 0); /* the root key is gone */
}

/*
 * A power cut in the middle of a batch write: 300 records are flushed and the machine stops
 * dead before the second flash program (the first batch's header is on flash, its records
 * and seal and anchor are not). Run
 * with ktest=witness_power_cut; tests/run then checks the verifier names the lost range and
 * that the next boot recovers without losing anything before it.
 */
KTEST_ONLY(witness_power_cut)
{
        wlog_flush();
        for (unsigned i = 0; i < 300; i++) {
                witness_emit(&(struct witness_event){.kind = WK_SCHED_EPOCH, .target = i});
        }
        wlog_test_power_cut_after(2); /* the batch header is written, its records are not */
        wlog_flush();
        KT_EXPECT(!"the power cut did not happen");
}
