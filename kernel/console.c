/*
 * kernel/console.c: buffered console output (see console.h). "\n" becomes "\r\n" for
 * terminals. con_lock guards the buffers and is held only to copy bytes in or out, never
 * while waiting for the UART, except by RVM's own writer when its buffer is full.
 */
#include "kernel/console.h"

#include <stdarg.h>

#include "hal/uart.h"
#include "kernel/fmt.h"
#include "kernel/spinlock.h"

#define CON_LINE 512

struct con_buf {
        char *data;
        uint32_t size; /* a power of two */
        uint32_t head, tail;
        uint64_t dropped;
};

static char rvm_data[CON_RVM_BYTES];
static char source_data[CON_SOURCES - 1][CON_SOURCE_BYTES];
static struct con_buf bufs[CON_SOURCES];

unsigned long con_buffer_bytes(void)
{
        return sizeof(rvm_data) + sizeof(source_data) + sizeof(bufs);
}
static struct spinlock con_lock = SPINLOCK_INIT;
static bool con_no_lock;

/*
 * con_lock masks interrupts while it is held: CPU 0's tick prints (the witness head, the
 * coherence engine's lines) from its interrupt handler, and a WASM partition's agents run with
 * interrupts on and print through con_source_write. Held with interrupts on, the tick would
 * wait for a lock its own CPU holds: every CPU stopped, output with them.
 */
static uint64_t con_lock_take(void)
{
        uint64_t saved = arch_irq_save();

        spin_lock(&con_lock);
        return saved;
}

static void con_lock_give(uint64_t saved)
{
        spin_unlock(&con_lock);
        arch_irq_restore(saved);
}
static bool buffering;
static bool pending;
static unsigned current;     /* the source whose line is half out, if half_out */
static bool half_out;        /* (zero-initialised: nothing for .data) */
static unsigned next_source; /* round robin */
static unsigned focus;       /* an attached partition: only its output goes out */

_Static_assert((CON_RVM_BYTES & (CON_RVM_BYTES - 1)) == 0, "power of two");
_Static_assert((CON_SOURCE_BYTES & (CON_SOURCE_BYTES - 1)) == 0, "power of two");

static struct con_buf *buf(unsigned source)
{
        struct con_buf *b = &bufs[source];

        if (b->data == NULL) {
                b->data = source == 0 ? rvm_data : source_data[source - 1];
                b->size = source == 0 ? CON_RVM_BYTES : CON_SOURCE_BYTES;
        }
        return b;
}

static void raw_write(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '\n') {
                        hal_uart_putc('\r');
                }
                hal_uart_putc(s[i]);
        }
}

/* Append to b if all of it fits (con_lock held). */
static bool put(struct con_buf *b, const char *s, size_t n)
{
        if (n > b->size - (b->head - b->tail)) {
                return false;
        }
        for (size_t i = 0; i < n; i++) {
                b->data[(b->head + i) & (b->size - 1)] = s[i];
        }
        b->head += (uint32_t)n;
        pending = true;
        return true;
}

/*
 * Move bytes to the UART while its FIFO has room (con_lock held): finish the line that is
 * half out, then one line of each source in turn. With wait, until everything is out.
 */
static void feed(bool wait)
{
        for (;;) {
                if (!half_out) {
                        for (unsigned k = 0; k < CON_SOURCES; k++) {
                                unsigned s = (next_source + k) % CON_SOURCES;
                                if (focus != 0 && s != focus) {
                                        continue; /* held while a terminal is attached */
                                }
                                if (bufs[s].head != bufs[s].tail) {
                                        current = s;
                                        half_out = true;
                                        next_source = (s + 1) % CON_SOURCES;
                                        break;
                                }
                        }
                        if (!half_out) {
                                pending = false;
                                return; /* everything is out (or held) */
                        }
                }
                struct con_buf *b = &bufs[current];
                while (b->head != b->tail) {
                        char ch = b->data[b->tail & (b->size - 1)];
                        if (!wait && !hal_uart_tx_ready()) {
                                return;
                        }
                        if (ch == '\n') {
                                hal_uart_putc('\r');
                        }
                        hal_uart_putc(ch);
                        b->tail++;
                        if (ch == '\n') {
                                break; /* a whole line: the next source's turn */
                        }
                }
                half_out = false;
        }
}

bool con_source_write(unsigned source, const char *s, size_t n)
{
        bool kept = true;

        if (source >= CON_SOURCES) {
                source = 0;
        }
        if (con_no_lock) {
                raw_write(s, n);
                return true;
        }
        uint64_t saved = con_lock_take();
        if (!buffering) {
                raw_write(s, n);
        } else if (!put(buf(source), s, n)) {
                if (source != 0) {
                        bufs[source].dropped += n; /* its own excess, counted */
                        kept = false;
                } else {
                        feed(true); /* RVM's own output is never dropped: wait */
                        if (!put(buf(0), s, n)) {
                                raw_write(s, n);
                        }
                }
        }
        con_lock_give(saved);
        return kept;
}

void con_write(const char *s, size_t n)
{
        (void)con_source_write(0, s, n);
}

void con_puts(const char *s)
{
        size_t n = 0;

        while (s[n] != '\0') {
                n++;
        }
        con_write(s, n);
}

static bool vprint(unsigned source, const char *fmt, va_list ap)
{
        char line[CON_LINE];
        size_t n = fmt_vformat(line, sizeof(line), fmt, ap);

        if (n >= sizeof(line)) {
                /* Say that it was cut rather than silently dropping the tail. */
                static const char cut[] = "...[truncated]\n";
                n = sizeof(line) - sizeof(cut);
                for (size_t i = 0; i < sizeof(cut); i++) {
                        line[n + i] = cut[i];
                }
                n += sizeof(cut) - 1;
        }
        return con_source_write(source, line, n);
}

void con_printf(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        (void)vprint(0, fmt, ap);
        va_end(ap);
}

bool con_source_printf(unsigned source, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        bool kept = vprint(source, fmt, ap);
        va_end(ap);
        return kept;
}

uint64_t con_dropped(unsigned source)
{
        return source < CON_SOURCES ? bufs[source].dropped : 0;
}

bool con_pending(void)
{
        return __atomic_load_n(&pending, __ATOMIC_RELAXED);
}

void con_drain(void)
{
        if (!con_pending()) {
                return;
        }
        uint64_t saved = arch_irq_save();
        if (!spin_trylock(&con_lock)) {
                arch_irq_restore(saved);
                return;
        }
        feed(false);
        bool more = pending;
        con_lock_give(saved);
        hal_uart_tx_irq(more);
}

void con_flush(void)
{
        if (con_no_lock) {
                feed(true);
                return;
        }
        uint64_t saved = con_lock_take();
        feed(true);
        con_lock_give(saved);
}

void con_focus(unsigned source)
{
        uint64_t saved = con_lock_take();
        focus = source < CON_SOURCES ? source : 0;
        pending = true; /* held output goes out again after a focus ends */
        con_lock_give(saved);
}

void con_start_buffering(void)
{
        uint64_t saved = con_lock_take();
        buffering = true;
        con_lock_give(saved);
}

void con_panic_mode(void)
{
        con_no_lock = true;
        feed(true); /* what was buffered first, in order */
}
