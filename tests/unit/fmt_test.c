/*
 * tests/unit/fmt_test.c: the kernel formatter: conversions, widths, bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/fmt.h"

/* The same formatter without the compiler's format checking, for deliberate misuse. */
static size_t unchecked(char *buf, size_t cap, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        size_t n = fmt_vformat(buf, cap, fmt, ap);
        va_end(ap);
        return n;
}

static void conversions(void **state)
{
        char b[128];
        (void)state;

        fmt_format(b, sizeof(b), "%d %i %u %x %X %c %s %%", -42, 7, 42u, 0xbeefu, 0xbeefu, 'z',
                   "ok");
        assert_string_equal(b, "-42 7 42 beef BEEF z ok %");
        fmt_format(b, sizeof(b), "%llu %lld %llx", 18446744073709551615ULL,
                   -9223372036854775807LL - 1, 0x0123456789abcdefULL);
        assert_string_equal(b, "18446744073709551615 -9223372036854775808 123456789abcdef");
        fmt_format(b, sizeof(b), "%zu %lu", (size_t)123, 456ul);
        assert_string_equal(b, "123 456");
        fmt_format(b, sizeof(b), "%p", (void *)0x1234);
        assert_string_equal(b, "0x1234");
        unchecked(b, sizeof(b), "%s", (const char *)NULL);
        assert_string_equal(b, "(null)");
}

static void widths(void **state)
{
        char b[64];
        (void)state;

        fmt_format(b, sizeof(b), "[%5d][%-5d][%05d][%08llx]", 42, 42, -42, 0xabcULL);
        assert_string_equal(b, "[   42][42   ][-0042][00000abc]");
        fmt_format(b, sizeof(b), "[%-6s][%6s]", "ab", "cd");
        assert_string_equal(b, "[ab    ][    cd]");
}

static void truncates_and_reports_length(void **state)
{
        char b[8];
        (void)state;

        memset(b, 'X', sizeof(b));
        size_t n = fmt_format(b, sizeof(b), "%s", "0123456789");
        assert_int_equal(n, 10);
        assert_string_equal(b, "0123456");
        n = fmt_format(b, 1, "abc");
        assert_int_equal(n, 3);
        assert_string_equal(b, "");
}

static void unknown_conversions_are_literal(void **state)
{
        char b[64];
        (void)state;

        /* No argument is consumed for %q or a trailing %: nothing is read off the va_list. */
        unchecked(b, sizeof(b), "a%qb %d %", 5);
        assert_string_equal(b, "a%qb 5 %");
}

static void names_by_index(void **state)
{
        static const char list[] = "ok\0skipped\0?\0";
        (void)state;

        assert_string_equal(fmt_name(list, 0), "ok");
        assert_string_equal(fmt_name(list, 1), "skipped");
        /* The last name answers every index past the others. */
        assert_string_equal(fmt_name(list, 2), "?");
        assert_string_equal(fmt_name(list, 3), "?");
        assert_string_equal(fmt_name(list, 0xFFFFFFFFu), "?");
        assert_string_equal(fmt_name("only\0", 5), "only");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(conversions),
            cmocka_unit_test(widths),
            cmocka_unit_test(truncates_and_reports_length),
            cmocka_unit_test(unknown_conversions_are_literal),
            cmocka_unit_test(names_by_index),
        };
        return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
