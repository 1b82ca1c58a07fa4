/*
 * tests/qemu/ktest.h: in-kernel tests for QEMU integration images. A test is a function
 * registered with KTEST(name) (section rvm_tests); a test image runs them after boot
 * instead of the monitor, prints one line per result and exits through semihosting
 * with RVM_EXIT_OK or RVM_EXIT_TEST_FAIL. KTEST_ONLY(name) tests run only when the
 * boot arguments name them ("ktest=<name>"): those are the ones that end the machine
 * on purpose (a deliberate exception, for instance).
 */
#ifndef RVM_TESTS_KTEST_H
#define RVM_TESTS_KTEST_H

#include <stdbool.h>
#include <stddef.h>

struct ktest {
        const char *name;
        void (*fn)(void);
        bool only_on_request;
};

#define KTEST_DEFINE_(name_, only_)                                                       \
        static void ktest_fn_##name_(void);                                               \
        static const struct ktest ktest_##name_ __attribute__((                           \
            used, section("rvm_tests"), aligned(8))) = {#name_, ktest_fn_##name_, only_}; \
        static void ktest_fn_##name_(void)

#define KTEST(name_)      KTEST_DEFINE_(name_, false)
#define KTEST_ONLY(name_) KTEST_DEFINE_(name_, true)

/* Record a failed expectation in the running test (it goes on; the test is marked failed). */
void ktest_fail(const char *file, int line, const char *expr);

#define KT_EXPECT(cond)                                        \
        do {                                                   \
                if (!(cond)) {                                 \
                        ktest_fail(__FILE__, __LINE__, #cond); \
                }                                              \
        } while (0)

/* The value of "<key>=<value>" in the boot arguments, copied into val ("" if absent). */
void ktest_bootarg(const char *args, const char *key, char *val, size_t cap);

/* Test images: the partitions of the scenario "scenario=<name>" names, or NULL. */
struct part_config;
struct edge_config;
const struct part_config *ktest_scenario(const char *bootargs, size_t *count,
                                         const struct edge_config **edges, size_t *edge_count);
/* The agents of that scenario, if it has its own (then its edges' agent ends name them, and
 * agent_boot starts them instead of the profile's); NULL if not. */
struct agent_config;
const struct agent_config *ktest_scenario_agents(const char *bootargs, size_t *count);

/* Run the tests the boot arguments select; never returns. */
__attribute__((noreturn)) void ktest_main(const char *bootargs);

#endif
