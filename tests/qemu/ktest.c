/*
 * tests/qemu/ktest.c: the in-kernel test runner (linked only into test images).
 */
#include "tests/qemu/ktest.h"

#include <stddef.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "kernel/console.h"
#include "kernel/panic.h"

extern const struct ktest __start_rvm_tests[];
extern const struct ktest __stop_rvm_tests[];

static unsigned current_failures;

void ktest_fail(const char *file, int line, const char *expr)
{
        current_failures++;
        con_printf("ktest:   expectation failed at %s:%d: %s\n", file, line, expr);
}

/* The value of "<key>=<value>" in the boot arguments, copied into val (or ""). */
void ktest_bootarg(const char *args, const char *key, char *val, size_t cap)
{
        const char *p = args != NULL ? args : "";
        size_t klen = strlen(key);
        size_t n = 0;

        val[0] = '\0';
        while (*p != '\0') {
                while (*p == ' ') {
                        p++;
                }
                if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
                        p += klen + 1;
                        while (p[n] != '\0' && p[n] != ' ' && n + 1 < cap) {
                                val[n] = p[n];
                                n++;
                        }
                        val[n] = '\0';
                        return;
                }
                while (*p != '\0' && *p != ' ') {
                        p++;
                }
        }
}

void ktest_main(const char *bootargs)
{
        char only[64];
        unsigned passed = 0;
        unsigned failed = 0;

        ktest_bootarg(bootargs, "ktest", only, sizeof(only));
        /* The test thread runs on CPU 0 with interrupts on, as the run loop would. */
        arch_irqs_on();
        for (const struct ktest *t = __start_rvm_tests; t < __stop_rvm_tests; t++) {
                bool chosen = only[0] != '\0' ? strcmp(only, t->name) == 0 : !t->only_on_request;
                if (!chosen) {
                        continue;
                }
                current_failures = 0;
                con_printf("ktest: RUN  %s\n", t->name);
                t->fn();
                if (current_failures == 0) {
                        passed++;
                        con_printf("ktest: PASS %s\n", t->name);
                } else {
                        failed++;
                        con_printf("ktest: FAIL %s\n", t->name);
                }
        }
        if (passed + failed == 0) {
                con_printf("ktest: no test named '%s'\n", only);
                failed = 1;
        }
        con_printf("ktest: %u passed, %u failed\n", passed, failed);
        kernel_exit(failed == 0 ? RVM_EXIT_OK : RVM_EXIT_TEST_FAIL);
}
