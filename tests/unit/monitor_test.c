/*
 * tests/unit/monitor_test.c: the monitor's line discipline and dispatch on the host,
 * against the fake UART: commands run with their arguments; unknown commands, over-long
 * lines and binary garbage get a clear message and run nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/monitor.h"
#include "tests/fake/fake_hal.h"

static int echo_calls;
static char echo_args[256];

static int cmd_echo(int argc, char **argv)
{
        echo_calls++;
        echo_args[0] = '\0';
        for (int i = 1; i < argc; i++) {
                strcat(echo_args, argv[i]);
                strcat(echo_args, i + 1 < argc ? "|" : "");
        }
        return 0;
}
MONITOR_CMD(echo, "echo", "[words]", "test command", cmd_echo);

static void feed(const void *bytes, size_t n)
{
        const uint8_t *b = bytes;
        for (size_t i = 0; i < n; i++) {
                monitor_input(b[i]);
        }
}

static void feed_str(const char *s)
{
        feed(s, strlen(s));
}

static int setup(void **state)
{
        (void)state;
        fake_uart_clear();
        echo_calls = 0;
        echo_args[0] = '\0';
        feed_str("\r"); /* leave any partial line from a previous test */
        fake_uart_clear();
        return 0;
}

static void runs_command_with_arguments(void **state)
{
        (void)state;
        feed_str("echo  alpha beta\tgamma\r");
        assert_int_equal(echo_calls, 1);
        assert_string_equal(echo_args, "alpha|beta|gamma");
        assert_non_null(strstr(fake_uart_output(), "rvm> "));
}

static void crlf_is_one_line_end(void **state)
{
        (void)state;
        feed_str("echo x\r\n\r\n");
        assert_int_equal(echo_calls, 1);
        /* two line ends (the second an empty line): two prompts */
        const char *out = fake_uart_output();
        int prompts = 0;
        for (const char *p = out; (p = strstr(p, "rvm> ")) != NULL; p++) {
                prompts++;
        }
        assert_int_equal(prompts, 2);
}

static void unknown_command_is_reported(void **state)
{
        (void)state;
        feed_str("frobnicate now\r");
        assert_int_equal(echo_calls, 0);
        assert_non_null(strstr(fake_uart_output(), "unknown command 'frobnicate'"));
}

static void overlong_line_is_refused_whole(void **state)
{
        static char line[10001];
        (void)state;

        memcpy(line, "echo ", 5);
        memset(line + 5, 'a', sizeof(line) - 6);
        line[sizeof(line) - 1] = '\r';
        feed(line, sizeof(line));
        assert_int_equal(echo_calls, 0);
        assert_non_null(strstr(fake_uart_output(), "line too long (10000 characters"));
        /* the monitor is still fine afterwards */
        feed_str("echo ok\r");
        assert_int_equal(echo_calls, 1);
        assert_string_equal(echo_args, "ok");
}

static void binary_garbage_is_refused(void **state)
{
        uint8_t junk[300];
        size_t n = 0;
        (void)state;

        memcpy(junk, "echo ", 5);
        n = 5;
        for (int b = 0; b < 256; b++) {
                if (b != '\r' && b != '\n' && b != 0x03 && b != 0x15 && b != 0x7f && b != 0x08) {
                        junk[n++] = (uint8_t)b;
                }
        }
        junk[n++] = '\r';
        feed(junk, n);
        assert_int_equal(echo_calls, 0);
        assert_non_null(strstr(fake_uart_output(), "non-printable byte 0x00 at column 6"));
        feed_str("echo after\r");
        assert_int_equal(echo_calls, 1);
}

static void random_bytes_never_break_it(void **state)
{
        (void)state;
        srand(1234);
        for (int i = 0; i < 200000; i++) {
                monitor_input(rand() & 0xff);
        }
        feed_str(
            "\x15"
            "echo still\r");
        assert_string_equal(echo_args, "still");
}

static void editing_keys(void **state)
{
        (void)state;
        feed_str("ecx\x7fho a\bb\r");
        assert_int_equal(echo_calls, 1);
        assert_string_equal(echo_args, "b");
        feed_str("echo dropped\x03");
        feed_str("\r");
        assert_int_equal(echo_calls, 1);
}

static void too_many_arguments(void **state)
{
        (void)state;
        feed_str("echo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\r");
        assert_int_equal(echo_calls, 0);
        assert_non_null(strstr(fake_uart_output(), "too many arguments"));
        feed_str("echo 1 2 3 4 5 6 7 8 9 10 11 12 13 14\r");
        assert_int_equal(echo_calls, 1);
}

static void help_lists_commands_in_order(void **state)
{
        (void)state;
        feed_str("help\r");
        const char *out = fake_uart_output();
        const char *e = strstr(out, "echo [words]");
        const char *h = strstr(out, "help ");
        assert_non_null(e);
        assert_non_null(h);
        assert_true(e < h);
        assert_int_equal(monitor_cmd_count(), 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(runs_command_with_arguments, setup),
            cmocka_unit_test_setup(crlf_is_one_line_end, setup),
            cmocka_unit_test_setup(unknown_command_is_reported, setup),
            cmocka_unit_test_setup(overlong_line_is_refused_whole, setup),
            cmocka_unit_test_setup(binary_garbage_is_refused, setup),
            cmocka_unit_test_setup(random_bytes_never_break_it, setup),
            cmocka_unit_test_setup(editing_keys, setup),
            cmocka_unit_test_setup(too_many_arguments, setup),
            cmocka_unit_test_setup(help_lists_commands_in_order, setup),
        };
        return cmocka_run_group_tests_name("monitor", tests, NULL, NULL);
}
