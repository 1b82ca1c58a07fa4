/*
 * kernel/wlog_cmd.c: the monitor's `witness` command over the kernel's witness log
 * (kernel/wlog.c): `tail [N]` prints the last records framed as tools/witness reads them from a
 * serial capture, `verify` checks the RAM ring and the store, `stats` counts. The first two
 * are detailed views (the `inspect` feature; the Seed has `stats` only).
 */
#include <stdbool.h>
#include <string.h>

#include "configs/features.h"
#include "configs/profile.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "kernel/wlog.h"
#include "witness/witness.h"

#ifdef RVM_WITH_INSPECT
struct tail_ctx {
        uint8_t head[WITNESS_HEAD_SIZE];
        uint64_t first;
        bool head_printed;
};

/*
 * One framed line per record (what tools/witness reads from a serial capture), preceded
 * once by the chain head before the first record shown, so a capture verifies on its own;
 * and a readable comment line. witness_log_tail fills head and first before the first call.
 */
static void print_record(void *ctx, const uint8_t rec[WITNESS_RECORD_SIZE])
{
        struct tail_ctx *t = ctx;
        char line[WITNESS_SERIAL_LINE_MAX];
        struct witness_record r;

        if (!t->head_printed) {
                char hline[WITNESS_SERIAL_HEAD_MAX];
                witness_serial_format_head(t->first, t->head, hline);
                con_printf("%s\n", hline);
                t->head_printed = true;
        }
        witness_record_decode(rec, &r);
        witness_serial_format(rec, line);
        con_printf("%s\n", line);
        con_printf(
            "  # seq %llu boot %u t=%llu.%06llu s kind 0x%04x actor %u target 0x%llx "
            "cap 0x%llx payload 0x%llx%s\n",
            (unsigned long long)r.seq, r.boot, (unsigned long long)(r.time_ns / 1000000000ULL),
            (unsigned long long)(r.time_ns / 1000 % 1000000), r.kind, r.actor,
            (unsigned long long)r.target, (unsigned long long)r.cap, (unsigned long long)r.payload,
            (r.flags & WITNESS_F_DENIED) ? " DENIED" : "");
}
#endif

static int cmd_witness(int argc, char **argv)
{
        struct witness_log *log = witness_global();

        if (log == NULL) {
                con_puts("witness: the log is not running\n");
                return -1;
        }
        const char *sub = argc > 1 ? argv[1] : "stats";
        if (strcmp(sub, "tail") == 0) {
#ifdef RVM_WITH_INSPECT
                uint64_t n = 10;
                if (argc > 2 && (monitor_parse_u64(argv[2], &n) != 0 || n == 0)) {
                        con_printf("witness: '%s' is not a record count\n", argv[2]);
                        return -1;
                }
                if (n > wlog_ring_cap()) {
                        n = wlog_ring_cap(); /* what the RAM ring holds */
                }
                struct tail_ctx t = {.head_printed = false};
                witness_log_tail(log, (uint32_t)n, t.head, &t.first, print_record, &t);
                return 0;
#else
                /* A read: refused without a record, as kernel/absent_cmds.c's views are
                 * (tools/witness reads the store). */
                monitor_absent_say("witness tail", "the detailed views");
                return 1;
#endif
        }
        if (strcmp(sub, "verify") == 0) {
#ifdef RVM_WITH_INSPECT
                uint64_t bad = 0;
                enum witness_verdict v = witness_log_verify_ring(log, &bad);
                if (v == WV_OK) {
                        con_puts(
                            "witness: RAM ring intact (chain; seal MACs need the root key: "
                            "tools/witness)\n");
                } else {
                        con_printf("witness: RAM ring FAILS at seq %llu: %s\n",
                                   (unsigned long long)bad, witness_verdict_name(v));
                }
                struct witness_store_report rep;
                enum witness_err e = witness_log_verify_store(log, &rep);
                if (e != WITNESS_OK) {
                        con_printf("witness: store not verified (%s)\n", wlog_store_name());
                } else if (rep.verdict == WV_OK) {
                        con_printf(
                            "witness: store intact: %llu records (seq %llu..%llu), chain and "
                            "anchors checked (seal MACs: tools/witness with the key), last boot "
                            "%u\n",
                            (unsigned long long)rep.records, (unsigned long long)rep.first_seq,
                            (unsigned long long)(rep.next_seq - 1), rep.last_boot);
                } else {
                        con_printf("witness: store FAILS at seq %llu (slot %llu): %s\n",
                                   (unsigned long long)rep.bad_seq,
                                   (unsigned long long)rep.bad_slot,
                                   witness_verdict_name(rep.verdict));
                }
                return v == WV_OK && e == WITNESS_OK && rep.verdict == WV_OK ? 0 : -1;
#else
                /* A read: refused without a record, as kernel/absent_cmds.c's views are
                 * (tools/witness verifies the store). */
                monitor_absent_say("witness verify", "the detailed views");
                return 1;
#endif
        }
        if (strcmp(sub, "stats") == 0) {
                struct witness_stats st;
                witness_log_stats(log, &st);
                con_printf(
                    "boot %u, next seq %llu, %llu records this boot (%llu persisted, %llu "
                    "pending)\n",
                    st.boot, (unsigned long long)st.next_seq, (unsigned long long)st.emitted,
                    (unsigned long long)st.persisted, (unsigned long long)st.pending);
                con_printf("flushes %llu, seals %llu; store %s: %s, %llu of %llu slots used\n",
                           (unsigned long long)st.flushes, (unsigned long long)st.seals,
                           wlog_store_name(), wlog_state_name(st.store_state),
                           (unsigned long long)st.store_used, (unsigned long long)st.store_slots);
                con_printf(RVM_SAY("not persisted %llu, flash errors %llu, emitted before the log "
                                   "started %llu\n",
                                   "not persisted %llu, flash errors %llu, before the log %llu\n"),
                           (unsigned long long)st.unpersisted, (unsigned long long)st.flash_errors,
                           (unsigned long long)st.unlogged);
                con_printf(
                    RVM_SAY("seals: %s; latest head published: seal #%llu of this boot (W1S)\n",
                            "seals: %s; last head published: seal #%llu (W1S)\n"),
                    st.dev_key ? RVM_SAY("DEVELOPMENT (no key provisioned: not authenticated)",
                                         "DEVELOPMENT seals (no key)")
                               : RVM_SAY("keyed, forward-secure (one key per seal)",
                                         "keyed, forward-secure seals"),
                    (unsigned long long)wlog_heads_published());
                if (st.rotations > 0) {
                        con_printf("store rotated %llu times: history begins at seq %llu\n",
                                   (unsigned long long)st.rotations,
                                   (unsigned long long)st.base_seq);
                }
                if (st.unclean) {
                        con_printf(RVM_SAY("the previous boot ended without a clean shutdown "
                                           "after seq %llu\n",
                                           "the previous boot ended unclean after seq %llu\n"),
                                   (unsigned long long)st.unclean_last);
                }
                if (st.scrub_alarm) {
                        con_printf("scrub: ALARM at slot %llu (seq %llu): %s\n",
                                   (unsigned long long)st.scrub_bad_slot,
                                   (unsigned long long)st.scrub_bad_seq,
                                   witness_verdict_name((enum witness_verdict)st.scrub_verdict));
                } else {
                        con_printf("scrub: %llu clean passes, %llu records checked, at slot %llu\n",
                                   (unsigned long long)st.scrub_passes,
                                   (unsigned long long)st.scrub_records,
                                   (unsigned long long)st.scrub_slot);
                }
                return 0;
        }
        con_printf(RVM_SAY("witness: unknown subcommand '%s' (tail [N], verify, stats)\n",
                           "witness: unknown subcommand '%s'\n"),
                   sub);
        return -1;
}
#ifdef RVM_WITH_INSPECT
MONITOR_CMD(witness, "witness", "tail [N]|verify|stats", "inspect the witness log", cmd_witness);
#else
MONITOR_CMD(witness, "witness", "stats", "inspect the witness log", cmd_witness);
#endif
