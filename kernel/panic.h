/*
 * kernel/panic.h: how RVM stops when its own invariants break. CHECK() is for RVM's
 * invariants only: guest- or file-controlled values never reach it (STYLE.md).
 * Stopping always ends the machine with a failing status: the semihosting exit code
 * when the host enabled semihosting, otherwise PSCI SYSTEM_OFF.
 */
#ifndef RVM_KERNEL_PANIC_H
#define RVM_KERNEL_PANIC_H

#include <stdbool.h>

/* Exit statuses (semihosting): what the test harness and `make run` see. */
#define RVM_EXIT_OK        0
#define RVM_EXIT_TEST_FAIL 1
#define RVM_EXIT_PANIC     3
#define RVM_EXIT_POWER_CUT 4 /* test images: a simulated power cut */

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#define CHECK(cond)                                                                    \
        do {                                                                           \
                if (!(cond)) {                                                         \
                        panic("CHECK(%s) failed at %s:%d", #cond, __FILE__, __LINE__); \
                }                                                                      \
        } while (0)

/* Whether the host enabled semihosting (bootarg "semihosting"). */
void kernel_set_semihosting(bool on);
bool kernel_semihosting(void);

/* The SGI by which the CPU that panics stops the others; each CPU takes it once online. */
#define PANIC_SGI_STOP 2
void panic_cpu_online(void);

/* Whether a panic reboots the machine (F4) rather than stopping it: boards, and test
 * harnesses that ask with "panic=reboot". */
void kernel_set_panic_reboot(bool on);
/* F4, a boot loop (kernel/panic.c): after this many boots in a row ended in an RVM failure,
 * the next one returns to the last good image or stays in safe mode. */
#define PANIC_BOOT_LOOP_MAX 3u
void panic_boot_loop_check(unsigned failed);
/* Safe mode: the monitor only, no partitions or agents; a panic stops, never reboots. */
bool kernel_safe_mode(void);

/* End the machine with status code (code is only visible with semihosting). */
__attribute__((noreturn)) void kernel_exit(unsigned code);

#endif
