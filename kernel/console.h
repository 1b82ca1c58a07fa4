/*
 * kernel/console.h: text output on the first UART, buffered so that no one waits for the
 * UART while holding a lock another CPU needs.
 *
 * Every source writes into a bounded buffer of its own: RVM itself (source 0: boot, the
 * monitor, RVM's messages) and each principal that prints (a partition's console hypercall
 * and virtual UART, an agent's rvm.log), by principal id. The UART is fed from the buffers,
 * a whole line at a time, outside every lock: by the UART's transmit interrupt, the tick and
 * the idle loop (con_drain). A partition or agent that prints faster than the UART drains
 * loses its own excess, whole writes at a time, counted (con_dropped; `ps`, `agents`); RVM's
 * own output is never dropped: when its buffer is full the writer waits for the UART.
 * Before the run loop starts (con_start_buffering) and after a panic, output is written
 * straight to the UART. While a terminal is attached to a partition (con_focus, the monitor's
 * `console`), only that partition's output goes out; everyone else's is held in their
 * buffers until the focus ends: the other partitions' and agents' excess is dropped, counted,
 * and RVM's own, never dropped, is written at once if its buffer fills.
 */
#ifndef RVM_KERNEL_CONSOLE_H
#define RVM_KERNEL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "configs/limits.h" /* the profile's sizes, if it sets them */
#ifndef CON_SOURCES
#define CON_SOURCES 32 /* principal ids 0 (RVM) .. 31 */
#endif
#ifndef CON_SOURCE_BYTES
#define CON_SOURCE_BYTES 2048
#endif
#ifndef CON_RVM_BYTES
#define CON_RVM_BYTES 32768
#endif

/* RVM's own output (source 0). */
void con_write(const char *s, size_t n);
void con_puts(const char *s);
/* Bytes of .bss the console buffers take (RVM's and each principal's), for `mem`. */
unsigned long con_buffer_bytes(void);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A principal's output: kept whole (true) or dropped whole (false, counted); never waits. */
bool con_source_write(unsigned source, const char *s, size_t n);
bool con_source_printf(unsigned source, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Bytes of source's output dropped since boot. */
uint64_t con_dropped(unsigned source);

/* Only source's output goes out from now on (the rest is held); 0: every source again. */
void con_focus(unsigned source);

/* Feed the UART from the buffers while it has room, and ask for its transmit interrupt while
 * output is left; returns at once if another CPU is at it. CPU 0, outside every lock. */
void con_drain(void);
/* Is there output waiting for the UART? */
bool con_pending(void);
/* Everything buffered out to the UART, waiting for it (before the machine stops). */
void con_flush(void);
/* From now on output is buffered (the run loop is about to start). */
void con_start_buffering(void);
/* After a panic: never wait for a lock another CPU may hold forever; write at once. */
void con_panic_mode(void);

#endif
