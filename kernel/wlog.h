/*
 * kernel/wlog.h: the kernel's witness log: one witness/ log instance with its RAM ring,
 * an IRQ-safe SMP lock, the generic-timer clock, the board's key (hal/wkey.h), and the persistent
 * store in CFI flash bank 1 (QEMU: build/witness.img). Batches are flushed by epoch:
 * when the monitor idles and a flush is due, when a batch fills, and at shutdown.
 */
#ifndef RVM_KERNEL_WLOG_H
#define RVM_KERNEL_WLOG_H

#include <stddef.h>
#include <stdint.h>

#define WLOG_EPOCH_NS 100000000ULL /* flush pending records at most this long after they came */

/* Start the log: attach the store, continue the chain, first record carries digest. */
int wlog_start(const uint8_t digest[32], char *msg, size_t cap);
/* Flush if an epoch has passed since the last flush and records are pending. */
void wlog_idle(void);
/* Each tick on CPU 0, outside run_lock: flush when WLOG_TICK_FLUSH records are pending or
 * an epoch has passed with any pending, so a busy machine persists on time and batches are
 * rarely filled (and written) from under run_lock by an emit. */
void wlog_tick(void);
/* A little background scrub each scheduler epoch, idle or not (CPU 0). */
void wlog_epoch_scrub(void);
/* Flush now (and publish the seal's head). */
void wlog_flush(void);
/* Orderly shutdown: WK_WIT_SHUTDOWN, flush, publish. */
void wlog_shutdown(void);
/* F4: RVM itself failed. WK_REC_RVM_FAIL (target where: the panic's caller or the
 * exception's ELR; cap why: ESR or 0; payload what: WLOG_FAIL_* | CPU << 8 | vector << 16),
 * then a flush, when the log's lock is free or freed within a few ms (never when this CPU
 * holds it: a panic inside the log writes nothing). */
#define WLOG_FAIL_PANIC     1u
#define WLOG_FAIL_EXCEPTION 2u
void wlog_rvm_failed(uint64_t where, uint64_t why, uint64_t what);
/* F4: boots in a row, the last one included, that ended in an RVM failure (from the store). */
unsigned wlog_failed_boots(void);
/* One line for `info`: key mode, store state, scrub alarm. */
void wlog_banner(void);
/* Run one whole scrub pass now (tests, bench); returns records checked so far in total. */
uint64_t wlog_scrub_run(void);
/* For the monitor's `witness` command (kernel/wlog_cmd.c): the store's description, a store
 * state's name, the seals whose head is on the console, the RAM ring's records. */
const char *wlog_store_name(void);
const char *wlog_state_name(int state);
uint64_t wlog_heads_published(void);
unsigned wlog_ring_cap(void);
/* Bytes of .bss the witness ring (records and marks) takes, for `mem`. */
unsigned long wlog_ring_bytes(void);

#ifdef RVM_KTEST
/* Test images: end the machine (RVM_EXIT_POWER_CUT) before the Nth flash program from now. */
void wlog_test_power_cut_after(uint64_t programs);
#endif

#endif
