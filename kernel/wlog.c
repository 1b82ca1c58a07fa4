/*
 * kernel/wlog.c: wiring of witness/ into the running kernel, and the `witness` monitor
 * command. witness/ is plain C; this file gives it a lock, a clock, flash and a key.
 */
#include "kernel/wlog.h"

#include <stdbool.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "boot/rvf_update.h"
#include "configs/features.h"
#include "configs/profile.h"
#include "hal/pflash.h"
#include "hal/timer.h"
#include "hal/wkey.h"
#include "kernel/console.h"
#include "kernel/fmt.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/spinlock.h"
#include "witness/witness.h"

#include "configs/limits.h" /* the profile's sizes, if it sets them */
#ifndef WLOG_RING_CAP
#define WLOG_RING_CAP 4096
#endif
#ifndef WLOG_BATCH_MAX
#define WLOG_BATCH_MAX 256
#endif
#define WLOG_TICK_FLUSH       64 /* pending records a tick flushes without waiting for the epoch */
#define WLOG_SCRUB_SLOTS      64 /* store slots the scrub checks per idle turn */
#define WLOG_SCRUB_GAP_NS     10000000000ULL /* a new whole-store pass at most every 10 s */
#define WLOG_SCRUB_IDLE_SLOTS 16        /* at most per idle turn (the other CPUs share its lock) */
#define WLOG_SCRUB_SEAL       4         /* slots checked after each seal */
#define WLOG_SCRUB_MARGIN_NS  200000ULL /* idle scrub stops this long before the timer */

WITNESS_RING_DEFINE(wlog_ring, WLOG_RING_CAP);
static struct witness_log wlog;

unsigned long wlog_ring_bytes(void)
{
        return sizeof(wlog_ring_records) + sizeof(wlog_ring_marks);
}
static struct pflash wlog_flash_dev;
static struct witness_flash wlog_flash;
static struct spinlock wlog_lock_word = SPINLOCK_INIT;
static uint64_t wlog_lock_saved[RVM_MAX_CPUS];
static uint64_t wlog_last_flush_ns;
static const char *wlog_store_desc; /* where the log is kept: set by wlog_start */
static uint64_t wlog_published;     /* seals made this boot whose head is on the console */
static uint64_t wlog_published_ns;  /* when the last head line was printed */
static bool wlog_alarm_reported;    /* the scrub's alarm has been printed */

/* IRQs are masked while the lock is held: an interrupt handler may emit too. Each CPU
 * keeps its own saved mask: a flush gives the lock up while it programs (wlog_release),
 * and another CPU may take it meanwhile. */
static void wlog_lock(void *ctx)
{
        uint64_t saved = arch_irq_save();

        spin_lock(ctx);
        wlog_lock_saved[this_cpu()->index] = saved;
}

static void wlog_unlock(void *ctx)
{
        uint64_t saved = wlog_lock_saved[this_cpu()->index];

        spin_unlock(ctx);
        arch_irq_restore(saved);
}

/* The lock alone, IRQs staying masked: around programming a batch into the store, so an
 * emit on another CPU (under run_lock, say) never waits for flash. */
static void wlog_release(void *ctx)
{
        spin_unlock(ctx);
}

static void wlog_reacquire(void *ctx)
{
        spin_lock(ctx);
}

static uint64_t wlog_clock(void *ctx)
{
        (void)ctx;
        return hal_time_ns();
}

static int flash_read(void *ctx, uint64_t off, void *buf, size_t len)
{
        return hal_pflash_read(ctx, off, buf, len) == PFLASH_OK ? 0 : -1;
}

static int flash_erased(void *ctx, uint64_t off, size_t len)
{
        bool erased = false;

        return hal_pflash_erased(ctx, off, len, &erased) == PFLASH_OK ? erased : -1;
}

#ifdef RVM_KTEST
/* Test images only: stop the machine dead before the Nth flash program, like a power cut. */
static uint64_t wlog_cut_at;
static uint64_t wlog_programs;

void wlog_test_power_cut_after(uint64_t programs)
{
        wlog_programs = 0;
        wlog_cut_at = programs;
}
#endif

static int flash_program(void *ctx, uint64_t off, const void *buf, size_t len)
{
#ifdef RVM_KTEST
        if (wlog_cut_at != 0 && ++wlog_programs == wlog_cut_at) {
                con_panic_mode(); /* we hold the log's lock */
                con_printf("wlog: power cut before flash program #%llu at offset 0x%llx\n",
                           (unsigned long long)wlog_programs, (unsigned long long)off);
                kernel_exit(RVM_EXIT_POWER_CUT);
        }
#endif
        return hal_pflash_program(ctx, off, buf, len) == PFLASH_OK ? 0 : -1;
}

static int flash_erase(void *ctx, uint64_t off)
{
        return hal_pflash_erase_block(ctx, off) == PFLASH_OK ? 0 : -1;
}

const char *wlog_state_name(int s)
{
        /* In the order of enum witness_store_state, from WITNESS_STORE_NONE. */
        return fmt_name(
            "RAM only\0writing\0full (RAM only from here)\0flash error (RAM only)\0"
            "did not verify (left untouched, RAM only)\0?\0",
            (unsigned)s);
}

static void wlog_on_seal(void *ctx);

/*
 * Downgrade protection for the image in boot flash: the store just attached, read newest
 * first, gives the version of the last image that booted, or the one the monitor allowed
 * (rvf_floor_visit, boot/rvf_update.c); boot/rvf_boot.c refuses an older one and measures
 * it. Between attach and start, so the refusal is in the boot's digest.
 */
static void wlog_rvf_floor(void)
{
#ifdef RVM_WITH_RVF
        struct rvf_floor f = {0};

        if (boot_rvf.state == BOOT_RVF_NONE) {
                return;
        }
        (void)witness_log_scan_back(&wlog, rvf_floor_visit, &f);
        boot_rvf_check_floor(&f);
#endif /* without RVF boot there is no image to hold to a floor */
}

#ifdef RVM_WITH_LOOKBACK
/* F4: how the newest boot in the store ended (read right after the log starts). */
static struct witness_escalation wlog_prev;

/* The previous boot ended without a clean shutdown: record the chain that led there (F4),
 * and say it on the console. */
static void wlog_escalation(void)
{
        struct witness_event ev;
        const struct witness_escalation *e = &wlog_prev;

        witness_escalation_event(e, &ev);
        witness_emit(&ev);
        if (!e->failed) {
                con_printf(
                    RVM_SAY("witness: boot %u ended without a clean shutdown and without a "
                            "failure record (a power cut or a hang); %u recovery steps before "
                            "it\n",
                            "witness: boot %u ended unclean, no failure record; %u recovery "
                            "steps before it\n"),
                    e->boot, e->steps);
                return;
        }
        con_printf(
            RVM_SAY("witness: boot %u ended in an RVM failure (F4, %s at 0x%llx, seq %llu) after "
                    "%u recovery steps",
                    "witness: boot %u failed (F4, %s at 0x%llx, seq %llu) after %u recovery steps"),
            e->boot, (e->what & 0xff) == WLOG_FAIL_PANIC ? "panic" : "exception",
            (unsigned long long)e->where, (unsigned long long)e->fail_seq, e->steps);
        if (e->steps > 0) {
                con_printf(" from seq %llu (tools/witness show --from %llu)",
                           (unsigned long long)e->first_step_seq,
                           (unsigned long long)e->first_step_seq);
        }
        con_printf("\n");
        if (e->failed_boots > 1) {
                con_printf(RVM_SAY("witness: %u boots in a row ended in an RVM failure\n",
                                   "witness: %u boots in a row failed\n"),
                           e->failed_boots);
        }
}

/* How the boots before this one ended (F4), read back from the store: after the boot's
 * first records, which are only in RAM yet (no batch is written before batch_max of them),
 * so the scan sees the same store and the attestation record is not kept waiting by it
 * (~0.28 M instructions over a 1,250-record boot). */
static void wlog_look_back(bool unclean)
{
        wlog_prev = (struct witness_escalation){0};
        (void)witness_log_scan_back(&wlog, witness_escalation_visit, &wlog_prev);
        if (unclean) {
                wlog_escalation();
        }
}

unsigned wlog_failed_boots(void)
{
        return wlog_prev.failed_boots;
}
#else
/* Without the look back (configs/features.h) a boot after a failed one starts as any other:
 * the failure is in the log (WK_REC_RVM_FAIL, then this boot's WK_WIT_UNCLEAN), no
 * WK_REC_ESCALATE sums it up, and no count of failed boots brings safe mode. */
static void wlog_look_back(bool unclean)
{
        (void)unclean;
}

unsigned wlog_failed_boots(void)
{
        return 0;
}
#endif

void wlog_rvm_failed(uint64_t where, uint64_t why, uint64_t what)
{
        if (witness_global() == NULL) {
                return;
        }
        /* The log's lock: free, or let go soon by another CPU. Held for longer (this CPU
         * panicked inside the log, or another CPU stopped holding it): nothing is written. */
        uint64_t until = hal_time_ns() + 5000000ULL;
        while (__atomic_load_n(&wlog_lock_word.next, __ATOMIC_ACQUIRE) !=
               __atomic_load_n(&wlog_lock_word.serving, __ATOMIC_ACQUIRE)) {
                if (hal_time_ns() > until) {
                        return;
                }
                arch_cpu_relax();
        }
        witness_emit(&(struct witness_event){
            .kind = WK_REC_RVM_FAIL, .target = where, .cap = why, .payload = what});
        wlog_flush();
}

int wlog_start(const uint8_t digest[32], char *msg, size_t cap)
{
        const struct board_info *b = &boot_state.board;
        uint8_t blob[HAL_WKEY_BLOB], key[32];
        size_t key_len = 0;
        struct witness_log_config cfg = {
            .ring = wlog_ring_records,
            .marks = wlog_ring_marks,
            .ring_cap = WLOG_RING_CAP,
            .batch_max = WLOG_BATCH_MAX,
            .clock_ns = wlog_clock,
            .key = NULL, /* development seals unless the board provisioned a key */
            .lock = wlog_lock,
            .unlock = wlog_unlock,
            .release = wlog_release,
            .reacquire = wlog_reacquire,
            .lock_ctx = &wlog_lock_word,
            .on_seal = wlog_on_seal,
            .rotate = true, /* a full store erases its oldest block and goes on */
        };

        /* The root key, from the board's secure world; the log keeps it only until it has
         * derived this boot's first epoch key (witness_log_start). */
        hal_witness_key_take(blob);
        if (witness_key_blob_parse(blob, key, &key_len)) {
                cfg.key = key;
                cfg.key_len = key_len;
        }
        witness_wipe(blob, sizeof(blob));
        enum witness_err ie = witness_crypto_init();
        if (ie == WITNESS_OK) {
                ie = witness_log_init(&wlog, &cfg);
        }
        witness_wipe(key, sizeof(key));
        if (ie != WITNESS_OK) {
                fmt_format(msg, cap, "cannot initialise the log");
                return -1;
        }
        if (cfg.key == NULL) {
                con_printf(RVM_SAY(
                    "\n"
                    "********************************************************************\n"
                    "* WITNESS: NO KEY PROVISIONED BY THE BOARD. Seals are DEVELOPMENT   *\n"
                    "* seals (public key): they do not authenticate this log.           *\n"
                    "* Under QEMU: make build/witness.key (once per machine).           *\n"
                    "********************************************************************\n",
                    "WITNESS: NO KEY PROVISIONED: DEVELOPMENT seals do not authenticate this "
                    "log\n"));
        }
        enum witness_err attach = WITNESS_E_NOFMT;
        if (b->flash_count < 2) {
                wlog_store_desc = "no flash bank 1 on the board";
        } else if (hal_pflash_probe(&wlog_flash_dev, b->flash[1].base, b->flash[1].size) !=
                   PFLASH_OK) {
                wlog_store_desc = RVM_SAY("flash bank 1 does not answer the CFI query",
                                          "flash bank 1: no CFI answer");
        } else {
                wlog_flash = (struct witness_flash){
                    .ctx = &wlog_flash_dev,
                    .read = flash_read,
                    .program = flash_program,
                    .erase_block = flash_erase,
                    .erased = flash_erased,
                    .block_size = wlog_flash_dev.block_size,
                    .size = wlog_flash_dev.size,
                };
                attach = witness_log_attach_store(&wlog, &wlog_flash, true);
                wlog_store_desc = "pflash bank 1";
        }
        wlog_rvf_floor();
        if (witness_log_start(&wlog, digest) != WITNESS_OK) {
                fmt_format(msg, cap, "cannot start the log");
                return -1;
        }
        witness_set_global(&wlog);
        wlog_last_flush_ns = hal_time_ns();
        struct witness_stats st;
        witness_log_stats(&wlog, &st);
        wlog_look_back(st.unclean);
        fmt_format(msg, cap, "boot %u, chain continues at seq %llu; store %s: %s%s%s; %s", st.boot,
                   (unsigned long long)st.next_seq, wlog_store_desc,
                   wlog_state_name(st.store_state),
                   st.recovered ? " (recovered an interrupted batch)" : "",
                   st.unclean ? RVM_SAY(" (the last boot ended without a clean shutdown)",
                                        " (the last boot ended unclean)")
                              : "",
                   st.dev_key ? "DEVELOPMENT seals (no key)" : "keyed, forward-secure seals");
        (void)attach;
        return 0;
}

/*
 * Publish the latest seal's head off the flash: one "W1S" line on the console, which
 * whoever captures the console keeps as proof of how far the log had reached
 * (tools/witness verify IMAGE --heads CAPTURE). Printed outside the log's lock.
 */
static void wlog_publish(void)
{
        struct witness_seal_info si;
        char line[WITNESS_SERIAL_PUB_MAX];

        witness_log_last_seal(&wlog, &si);
        if (si.count == wlog_published) {
                return;
        }
        wlog_published = si.count;
        wlog_published_ns = hal_time_ns();
        witness_serial_format_pub(&si, line);
        con_printf("%s\n", line);
}

static void wlog_alarm_check(void)
{
        struct witness_stats st;

        witness_log_stats(&wlog, &st);
        if (st.scrub_alarm && !wlog_alarm_reported) {
                wlog_alarm_reported = true;
                con_printf(
                    RVM_SAY("witness: ALARM: the store is damaged at slot %llu (seq %llu): %s\n",
                            "witness: ALARM: store damaged at slot %llu (seq %llu): %s\n"),
                    (unsigned long long)st.scrub_bad_slot, (unsigned long long)st.scrub_bad_seq,
                    witness_verdict_name((enum witness_verdict)st.scrub_verdict));
        }
}

/* After every seal (outside the log's lock): publish its head, scrub a little, so even a
 * CPU that never idles keeps both going. */
static void wlog_on_seal(void *ctx)
{
        (void)ctx;
        /* At most one head line an epoch: the latest head vouches for every earlier one,
         * and a console is slow (a line is ~10 ms at 115,200 baud). */
        if (hal_time_ns() - wlog_published_ns >= WLOG_EPOCH_NS) {
                wlog_publish();
        }
        (void)witness_log_scrub_step(&wlog, WLOG_SCRUB_SEAL, WLOG_SCRUB_GAP_NS);
        wlog_alarm_check();
}

/*
 * Idle time on CPU 0 (interrupts masked): scrub one slot at a time, at most
 * WLOG_SCRUB_IDLE_SLOTS per idle turn, while the timer's next interrupt is far, letting any
 * pending interrupt in between slots and stopping as soon as one came, so a wake-up waits
 * for at most one slot's check.
 */
static void wlog_scrub_idle(void)
{
        struct percpu *c = this_cpu();
        uint64_t irqs = c->irqs;

        for (unsigned n = 0;
             n < WLOG_SCRUB_IDLE_SLOTS && hal_timer_ns_to_next(c->index) > WLOG_SCRUB_MARGIN_NS;
             n++) {
                if (witness_log_scrub_step(&wlog, 1, WLOG_SCRUB_GAP_NS)) {
                        break;
                }
                struct witness_stats st;
                witness_log_stats(&wlog, &st);
                if (st.scrub_alarm ||
                    (st.store_state != WITNESS_STORE_OK && st.store_state != WITNESS_STORE_FULL) ||
                    (st.scrub_slot == 0 && st.scrub_passes > 0)) {
                        break; /* nothing to do until the next pass is due */
                }
                arch_irqs_on();
                arch_irqs_off();
                if (c->irqs != irqs || c->need_resched || c->console_input) {
                        break;
                }
        }
        wlog_alarm_check();
}

/* Each scheduler epoch (CPU 0's tick): a few slots whatever the load, so that a machine that
 * is never idle still scrubs its whole store, slowly. */
void wlog_epoch_scrub(void)
{
        if (witness_global() == NULL) {
                return;
        }
        (void)witness_log_scrub_step(&wlog, WLOG_SCRUB_SEAL, WLOG_SCRUB_GAP_NS);
        wlog_alarm_check();
}

void wlog_idle(void)
{
        struct witness_stats st;

        if (witness_global() == NULL) {
                return;
        }
        uint64_t now = hal_time_ns();
        if (now - wlog_last_flush_ns < WLOG_EPOCH_NS) {
                wlog_scrub_idle();
                return;
        }
        wlog_last_flush_ns = now;
        witness_log_stats(&wlog, &st);
        if (st.pending > 0) {
                witness_log_flush(&wlog);
        }
        wlog_publish(); /* the epoch's latest head, if it has not been printed */
}

void wlog_tick(void)
{
        struct witness_stats st;

        if (witness_global() == NULL) {
                return;
        }
        witness_log_stats(&wlog, &st);
        uint64_t now = hal_time_ns();
        if (st.pending >= WLOG_TICK_FLUSH ||
            (st.pending > 0 && now - wlog_last_flush_ns >= WLOG_EPOCH_NS)) {
                wlog_last_flush_ns = now;
                witness_log_flush(&wlog);
                wlog_publish();
        }
}

void wlog_flush(void)
{
        if (witness_global() != NULL) {
                witness_log_flush(&wlog);
                wlog_last_flush_ns = hal_time_ns();
                wlog_publish();
        }
}

void wlog_shutdown(void)
{
        if (witness_global() != NULL) {
                witness_log_shutdown(&wlog);
                wlog_publish();
        }
}

void wlog_banner(void)
{
        struct witness_stats st;

        if (witness_global() == NULL) {
                con_puts("witness: not running\n");
                return;
        }
        witness_log_stats(&wlog, &st);
        con_printf("witness: %s; store %s", st.dev_key ? "DEVELOPMENT seals (no key)" : "keyed",
                   wlog_state_name(st.store_state));
        if (st.scrub_alarm) {
                con_printf("; ALARM: scrub found damage at seq %llu (%s)",
                           (unsigned long long)st.scrub_bad_seq,
                           witness_verdict_name((enum witness_verdict)st.scrub_verdict));
        } else {
                con_printf("; scrub: %llu clean passes", (unsigned long long)st.scrub_passes);
        }
        con_puts("\n");
}

uint64_t wlog_scrub_run(void)
{
        struct witness_stats st;

        while (witness_log_scrub_step(&wlog, WLOG_SCRUB_SLOTS, 0) == WITNESS_SCRUB_WORKED) {
        }
        witness_log_stats(&wlog, &st);
        return st.scrub_records;
}

const char *wlog_store_name(void)
{
        return wlog_store_desc != NULL ? wlog_store_desc : "RAM only";
}

uint64_t wlog_heads_published(void)
{
        return wlog_published;
}

unsigned wlog_ring_cap(void)
{
        return WLOG_RING_CAP;
}
