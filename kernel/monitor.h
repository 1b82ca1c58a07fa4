/*
 * kernel/monitor.h: the monitor console on the first UART (prompt "rvm> ").
 * Any module adds a command with one line at file scope:
 *
 *     MONITOR_CMD(witness, "witness", "tail|verify|stats", "inspect the witness log",
 *                 cmd_witness);
 *
 * The linker gathers the entries into one table (section rvm_cmds); `help` lists them (the
 * Seed's with their arguments only: RVM_SAY, configs/profile.h).
 * A handler gets argc/argv (argv[0] is the command) and returns 0, or non-zero after
 * printing its own error. Input is untrusted: the line discipline bounds everything.
 */
#ifndef RVM_KERNEL_MONITOR_H
#define RVM_KERNEL_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "configs/profile.h"

#define MONITOR_PROMPT   "rvm> "
#define MONITOR_LINE_MAX 255 /* characters per command line */
#define MONITOR_ARGS_MAX 16

/* The Seed's entries have no help text (RVM_TERSE): `help` lists names and arguments. */
struct monitor_cmd {
        const char *name;
        const char *args;
#if !RVM_TERSE
        const char *help;
#endif
        int (*fn)(int argc, char **argv);
};

#if RVM_TERSE
#define MONITOR_CMD_HELP_(help_)
#else
#define MONITOR_CMD_HELP_(help_) help_,
#endif
#define MONITOR_CMD(id, name_, args_, help_, fn_)                        \
        static const struct monitor_cmd monitor_cmd_##id __attribute__(( \
            used, section("rvm_cmds"), aligned(8))) = {name_, args_, MONITOR_CMD_HELP_(help_) fn_}

/* A command of a feature this profile is built without (kernel/absent_cmds.c): refused,
 * saying why (witnessed if it would have acted), and true; false for any other name. */
bool monitor_absent(const char *name);
/* `help`'s last line: the commands not in this profile (nothing when there are none). */
void monitor_absent_help(void);
/* "<name>: not in this profile (<profile>: built without <feature>)": the one wording of
 * every refusal of what the profile left out (a command, a subcommand, `info`'s line). */
void monitor_absent_say(const char *name, const char *feature);

/* Feed one input byte; runs a command when a line ends. */
void monitor_input(int byte);
/* Print the first prompt. */
void monitor_start(void);
/* Serve the input waiting now (called from CPU 0's run loop); returns at once if none. */
void monitor_poll(void);
/* Is there input to serve (typed, or kept by a diverted terminal for later)? CPU 0's traps
 * ask, to run monitor_poll. */
bool monitor_wants_poll(void);

/*
 * A command may take the terminal over (`console`): from the next byte on, input(byte) gets
 * every byte typed instead of the command line; pump() runs on every poll and waiting()
 * says whether it has bytes kept for later (so polls keep coming). monitor_divert(NULL)
 * gives the terminal back to the command line and prints the prompt. CPU 0 only.
 */
struct monitor_divert {
        void (*input)(int byte);
        void (*pump)(void);
        bool (*waiting)(void);
};
void monitor_divert(const struct monitor_divert *d);
/* Stop reading input until the given time (the `sleep` command). */
void monitor_hold(uint64_t until_ns);
/* The same, ended early once done(arg) says so (`wait`). */
void monitor_hold_while(uint64_t until_ns, bool (*done)(uint64_t arg), uint64_t arg);
/* Run one command line (modified in place). Returns the handler's status. */
int monitor_exec(char *line);
/* A command argument as a number (decimal, or hex after 0x): 0, or -1 when it is not one. */
int monitor_parse_u64(const char *s, uint64_t *out);
/* How many command entries are linked in. */
size_t monitor_cmd_count(void);

#endif
