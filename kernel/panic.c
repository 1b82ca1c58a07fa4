/*
 * kernel/panic.c: panic, the unexpected-exception report, and machine exit. A report
 * names the exception, decodes ESR_EL2, and prints ELR/FAR/SPSR and every register
 * before the machine stops with RVM_EXIT_PANIC; it never spins silently.
 */
#include "kernel/panic.h"

#include <stdarg.h>
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "hal/psci.h"
#include "kernel/console.h"
#include "kernel/fmt.h"
#include "kernel/percpu.h"

static bool semihosting;
static volatile uint32_t panicking;

void kernel_set_semihosting(bool on)
{
        semihosting = on;
}

bool kernel_semihosting(void)
{
        return semihosting;
}

void kernel_exit(unsigned code)
{
        con_flush(); /* what was said before the end reaches the console */
        if (semihosting) {
                arch_semihost_exit(code);
        }
        hal_psci_system_off();
}

static unsigned cpu_index(void)
{
        struct percpu *c = this_cpu();

        return c != NULL ? c->index : 0;
}

/* First CPU to panic reports; any other stops quietly so reports do not interleave. */
static void panic_enter(void)
{
        if (__atomic_exchange_n(&panicking, 1, __ATOMIC_ACQ_REL) != 0) {
                for (;;) {
                        arch_irqs_off();
                        arch_idle();
                }
        }
        arch_irqs_off();
        con_panic_mode();
}

void panic(const char *fmt, ...)
{
        char msg[256];
        va_list ap;

        panic_enter();
        va_start(ap, fmt);
        fmt_vformat(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        con_printf("\nPANIC on CPU %u: %s\n", cpu_index(), msg);
        con_printf("RVM stopped (exit status %u).\n", RVM_EXIT_PANIC);
        kernel_exit(RVM_EXIT_PANIC);
}

static const char *vector_name(unsigned v)
{
        static const char *const group[] = {"current EL with SP_EL0", "current EL with SP_EL2",
                                            "lower EL (AArch64)", "lower EL (AArch32)"};
        static const char *const type[] = {"synchronous", "IRQ", "FIQ", "SError"};
        static char buf[64];

        fmt_format(buf, sizeof(buf), "%s, %s", group[(v / 4) & 3], type[v & 3]);
        return buf;
}

static const char *ec_name(unsigned ec)
{
        switch (ec) {
        case 0x00:
                return "unknown reason / undefined instruction";
        case 0x01:
                return "WFI/WFE";
        case 0x07:
                return "FP/SIMD access";
        case 0x0e:
                return "illegal execution state";
        case 0x15:
                return "SVC";
        case 0x16:
                return "HVC";
        case 0x17:
                return "SMC";
        case 0x18:
                return "system register access";
        case 0x20:
                return "instruction abort from a lower EL";
        case 0x21:
                return "instruction abort at EL2";
        case 0x22:
                return "PC alignment fault";
        case 0x24:
                return "data abort from a lower EL";
        case 0x25:
                return "data abort at EL2";
        case 0x26:
                return "SP alignment fault";
        case 0x2f:
                return "SError";
        case 0x3c:
                return "BRK instruction";
        }
        return "other";
}

void arch_hook_unexpected(struct arch_regs *regs, unsigned vector, uint64_t esr, uint64_t far)
{
        panic_enter();
        unsigned ec = (unsigned)(esr >> ESR_EC_SHIFT) & 0x3f;

        con_printf("\nPANIC on CPU %u: unexpected exception (%s)\n", cpu_index(),
                   vector_name(vector));
        con_printf("  ESR_EL2  0x%016llx  EC 0x%02x: %s, ISS 0x%07llx\n", (unsigned long long)esr,
                   ec, ec_name(ec), (unsigned long long)(esr & 0x1ffffff));
        con_printf("  ELR_EL2  0x%016llx  FAR_EL2 0x%016llx  SPSR_EL2 0x%016llx\n",
                   (unsigned long long)regs->elr, (unsigned long long)far,
                   (unsigned long long)regs->spsr);
        for (unsigned i = 0; i < 31; i += 3) {
                char line[128];
                size_t n = 0;
                for (unsigned j = i; j < i + 3 && j < 31; j++) {
                        n += fmt_format(line + n, sizeof(line) - n, "  x%-2u 0x%016llx", j,
                                        (unsigned long long)regs->x[j]);
                }
                con_printf("%s\n", line);
        }
        con_printf("  sp   0x%016llx\n", (unsigned long long)(uintptr_t)(regs + 1));
        con_printf("RVM stopped (exit status %u).\n", RVM_EXIT_PANIC);
        kernel_exit(RVM_EXIT_PANIC);
}
