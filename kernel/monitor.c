/*
 * kernel/monitor.c: the monitor's line discipline and command dispatch. The line
 * buffer is fixed; an over-long line is consumed to its end and refused whole, a line
 * with any non-printable byte is refused whole, and neither runs anything.
 */
#include "kernel/monitor.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "hal/timer.h"
#include "hal/uart.h"
#include "kernel/console.h"

extern const struct monitor_cmd __start_rvm_cmds[];
extern const struct monitor_cmd __stop_rvm_cmds[];

static struct {
        char buf[MONITOR_LINE_MAX + 1];
        size_t len;
        size_t total; /* characters seen on this line, kept or not */
        bool overlong;
        bool binary;
        uint8_t bad_byte;
        size_t bad_col;
        bool last_cr; /* swallow the '\n' of a "\r\n" */
} line;

size_t monitor_cmd_count(void)
{
        return (size_t)(__stop_rvm_cmds - __start_rvm_cmds);
}

static const struct monitor_cmd *find(const char *name)
{
        for (const struct monitor_cmd *c = __start_rvm_cmds; c < __stop_rvm_cmds; c++) {
                if (strcmp(c->name, name) == 0) {
                        return c;
                }
        }
        return NULL;
}

static void help_line(const struct monitor_cmd *c)
{
        char usage[48];
        size_t n = strlen(c->name);
        size_t a = c->args != NULL ? strlen(c->args) : 0;

        if (n + 1 + a >= sizeof(usage)) {
                a = 0;
        }
        memcpy(usage, c->name, n);
        if (a > 0) {
                usage[n] = ' ';
                memcpy(usage + n + 1, c->args, a);
                n += a + 1;
        }
        usage[n] = '\0';
#if RVM_TERSE
        con_printf("  %s\n", usage);
#else
        con_printf("  %-24s %s\n", usage, c->help);
#endif
}

/* Commands in name order, whatever order the linker gathered them in. */
static int cmd_help(int argc, char **argv)
{
        const struct monitor_cmd *prev = NULL;

        (void)argc;
        (void)argv;
        con_puts("commands:\n");
        for (size_t i = 0; i < monitor_cmd_count(); i++) {
                const struct monitor_cmd *next = NULL;
                for (const struct monitor_cmd *c = __start_rvm_cmds; c < __stop_rvm_cmds; c++) {
                        if ((prev == NULL || strcmp(c->name, prev->name) > 0) &&
                            (next == NULL || strcmp(c->name, next->name) < 0)) {
                                next = c;
                        }
                }
                if (next == NULL) {
                        break;
                }
                help_line(next);
                prev = next;
        }
        monitor_absent_help();
        return 0;
}
MONITOR_CMD(help, "help", "", "list the commands", cmd_help);

int monitor_exec(char *text)
{
        char *argv[MONITOR_ARGS_MAX + 1];
        int argc = 0;
        char *p = text;

        while (*p != '\0') {
                while (*p == ' ') {
                        *p++ = '\0';
                }
                if (*p == '\0') {
                        break;
                }
                if (argc == MONITOR_ARGS_MAX) {
                        con_printf(RVM_SAY("error: too many arguments (the limit is %d)\n",
                                           "error: too many arguments (at most %d)\n"),
                                   MONITOR_ARGS_MAX - 1);
                        return -1;
                }
                argv[argc++] = p;
                while (*p != '\0' && *p != ' ') {
                        p++;
                }
        }
        argv[argc] = NULL;
        if (argc == 0) {
                return 0;
        }
        const struct monitor_cmd *cmd = find(argv[0]);
        if (cmd == NULL) {
                if (monitor_absent(argv[0])) {
                        return 1; /* a command of a feature left out of this profile */
                }
                con_printf(RVM_SAY("error: unknown command '%s'; type 'help' for the list\n",
                                   "error: unknown command '%s' (see help)\n"),
                           argv[0]);
                return -1;
        }
        return cmd->fn(argc, argv);
}

static void line_reset(void)
{
        line.len = 0;
        line.total = 0;
        line.overlong = false;
        line.binary = false;
}

/* While a command has diverted the input (`console`): where the bytes go instead. */
static struct monitor_divert divert;

static void line_end(void)
{
        con_puts("\n");
        if (line.binary) {
                con_printf(RVM_SAY("error: ignored a line with the non-printable byte 0x%02x at "
                                   "column %zu; commands are plain text\n",
                                   "error: ignored a line with the non-printable byte 0x%02x at "
                                   "column %zu\n"),
                           line.bad_byte, line.bad_col);
        } else if (line.overlong) {
                con_printf(
                    RVM_SAY("error: line too long (%zu characters; the limit is %d); ignored\n",
                            "error: line too long (%zu characters, at most %d); ignored\n"),
                    line.total, MONITOR_LINE_MAX);
        } else {
                line.buf[line.len] = '\0';
                monitor_exec(line.buf);
        }
        line_reset();
        if (divert.input == NULL) {
                con_puts(MONITOR_PROMPT); /* a diverted terminal shows its prompt on return */
        }
}

void monitor_input(int byte)
{
        uint8_t c = (uint8_t)byte;
        bool was_cr = line.last_cr;

        line.last_cr = (c == '\r');
        if (c == '\n' && was_cr) {
                return;
        }
        if (c == '\r' || c == '\n') {
                line_end();
                return;
        }
        if (c == 0x7f || c == 0x08) { /* backspace / delete */
                if (line.len > 0 && !line.overlong && !line.binary) {
                        line.len--;
                        line.total--;
                        con_puts("\b \b");
                }
                return;
        }
        if (c == 0x03 || c == 0x15) { /* Ctrl-C / Ctrl-U: drop the line */
                con_puts("^C\n" MONITOR_PROMPT);
                line_reset();
                return;
        }
        if (c == '\t') {
                c = ' ';
        }
        line.total++;
        if (c < 0x20 || c > 0x7e) {
                if (!line.binary) {
                        line.binary = true;
                        line.bad_byte = c;
                        line.bad_col = line.total;
                }
                return;
        }
        if (line.len == MONITOR_LINE_MAX) {
                line.overlong = true;
                return;
        }
        if (!line.binary && !line.overlong) {
                char echo = (char)c;
                con_write(&echo, 1);
        }
        line.buf[line.len++] = (char)c;
}

void monitor_start(void)
{
        line_reset();
        con_puts(MONITOR_PROMPT);
}

/* A command may ask the monitor to stop reading input for a while (`sleep`), or until
 * something happens (`wait`). */
static uint64_t hold_until_ns, hold_arg;
static bool (*hold_done)(uint64_t arg);

void monitor_hold(uint64_t until_ns)
{
        hold_until_ns = until_ns;
        hold_done = NULL;
}

void monitor_hold_while(uint64_t until_ns, bool (*done)(uint64_t arg), uint64_t arg)
{
        hold_until_ns = until_ns;
        hold_done = done;
        hold_arg = arg;
}

void monitor_divert(const struct monitor_divert *d)
{
        bool back = divert.input != NULL && (d == NULL || d->input == NULL);

        divert = d != NULL ? *d : (struct monitor_divert){0};
        if (back) {
                line_reset();
                con_puts(MONITOR_PROMPT);
        }
}

bool monitor_wants_poll(void)
{
        return hal_uart_pending() || (divert.waiting != NULL && divert.waiting());
}

void monitor_poll(void)
{
        if (divert.pump != NULL) {
                divert.pump(); /* what a diverted terminal typed before, as room allows */
        }
        if (!hal_uart_pending()) {
                return; /* the common case, on every trap CPU 0 takes: nothing typed */
        }
        if (hold_until_ns != 0) {
                if (hal_time_ns() < hold_until_ns && (hold_done == NULL || !hold_done(hold_arg))) {
                        return;
                }
                hold_until_ns = 0;
                hold_done = NULL;
        }
        for (int c = hal_uart_getc(); c >= 0; c = hal_uart_getc()) {
                if (divert.input != NULL) {
                        divert.input(c);
                } else {
                        monitor_input(c);
                }
                if (hold_until_ns != 0) {
                        return;
                }
        }
        if (divert.pump != NULL) {
                divert.pump();
        }
}

int monitor_parse_u64(const char *s, uint64_t *out)
{
        uint64_t v = 0;
        unsigned base = 10;

        if (s == NULL || *s == '\0') {
                return -1;
        }
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                base = 16;
                s += 2;
        }
        for (; *s != '\0'; s++) {
                unsigned d = *s >= '0' && *s <= '9'   ? (unsigned)(*s - '0')
                             : *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10)
                                                      : 99;
                if (d >= base || v > (UINT64_MAX - d) / base) {
                        return -1;
                }
                v = v * base + d;
        }
        *out = v;
        return 0;
}
