/*
 * kernel/panic.c: panic, the unexpected-exception report, and machine exit. A report
 * names the exception, decodes ESR_EL2, and prints ELR/FAR/SPSR and every register
 * before the machine stops with RVM_EXIT_PANIC; it never spins silently.
 */
#include "kernel/panic.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "configs/profile.h"
#include "hal/gic.h"
#include "hal/psci.h"
#include "kernel/console.h"
#include "kernel/fmt.h"
#include "kernel/percpu.h"
#include "kernel/wlog.h"

static bool semihosting;
static bool reboot_on_panic;
static bool safe_mode;
static volatile uint32_t panicking;

void kernel_set_semihosting(bool on)
{
        semihosting = on;
}

bool kernel_semihosting(void)
{
        return semihosting;
}

void kernel_set_panic_reboot(bool on)
{
        reboot_on_panic = on;
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

/*
 * F4 (DC-14): the failure goes into the witness log on the way down (where, why, what;
 * kernel/wlog.c writes it if the log's lock can be had), then the machine reboots, and the
 * next boot records the chain that led here; or, under a test harness (semihosting, no
 * "panic=reboot"), it stops with RVM_EXIT_PANIC for the harness to see.
 */
static __attribute__((noreturn)) void panic_end(uint64_t where, uint64_t why, uint64_t what)
{
        wlog_rvm_failed(where, why, what | (uint64_t)cpu_index() << 8);
        if (reboot_on_panic && safe_mode) {
                con_printf(
                    RVM_SAY("RVM stopped: it failed in safe mode after failed boots in "
                            "a row (F4); not rebooting again.\n",
                            "RVM stopped: failed in safe mode (F4); no reboot.\n"));
                con_flush();
                kernel_exit(RVM_EXIT_PANIC);
        }
        if (reboot_on_panic) {
                con_printf(RVM_SAY("RVM rebooting (F4: the witness log keeps why).\n",
                                   "RVM rebooting (F4).\n"));
                con_flush();
                hal_psci_system_reset();
        }
        con_printf("RVM stopped (exit status %u).\n", RVM_EXIT_PANIC);
        kernel_exit(RVM_EXIT_PANIC);
}

bool kernel_safe_mode(void)
{
        return safe_mode;
}

/*
 * F4, a boot loop: this boot follows `failed` boots in a row that ended in an RVM failure
 * (witness/escalate.c). From PANIC_BOOT_LOOP_MAX on, it does not run the image a fourth
 * time: a confirmed update's slot is rejected and the machine reboots into the slot it
 * replaced (the last good image); with no such slot it stays up in safe mode (the monitor
 * only: no partitions, no agents; a panic now stops instead of rebooting). Witnessed as
 * WK_REC_BOOT_LOOP after the WK_REC_ESCALATE that names the last failure.
 */
void panic_boot_loop_check(unsigned failed)
{
        if (failed < PANIC_BOOT_LOOP_MAX) {
                return;
        }
        boot_rvf_witness(); /* the image this boot verified, before its rejection */
        int to = boot_rvf_loop_escape();
        /* the slot booted (0xff: no RVF image, the image RVM was started with) */
        uint64_t slot = boot_rvf.state == BOOT_RVF_NONE ? 0xffu : (uint64_t)(boot_rvf.slot & 0xff);
        witness_emit(&(struct witness_event){
            .kind = WK_REC_BOOT_LOOP,
            .flags = WITNESS_F_DENIED,
            .target = failed,
            .cap = to < 0 ? UINT64_MAX : (uint64_t)to,
            .payload = (to < 0 ? 2u : 1u) | slot << 8 | (uint64_t)PANIC_BOOT_LOOP_MAX << 32});
        if (to >= 0) {
                con_printf(
                    "boot: %u boots in a row failed (F4): slot %c rejected; rebooting into "
                    "slot %c, the last good image\n",
                    failed, 'A' + boot_rvf.slot, 'A' + to);
                wlog_shutdown(); /* a clean end: the next boot does not count it as failed */
                con_flush();
                hal_psci_system_reset();
        }
        safe_mode = true;
        con_printf(RVM_SAY("boot: %u boots in a row failed (F4) and there is no other good "
                           "image: SAFE MODE, the monitor only (no partitions, no agents); "
                           "'reboot' tries again\n",
                           "boot: %u boots in a row failed (F4): SAFE MODE; 'reboot' tries "
                           "again\n"),
                   failed);
}

static __attribute__((noreturn)) void stop_here(void)
{
        for (;;) {
                arch_irqs_off();
                arch_idle();
        }
}

/* Another CPU panicked: this one stops where it took the interrupt (IRQs are masked
 * wherever RVM holds a lock, so it holds none). */
static void stop_sgi(unsigned intid, void *ctx)
{
        (void)intid;
        (void)ctx;
        stop_here();
}

void panic_cpu_online(void)
{
        hal_gic_enable(PANIC_SGI_STOP, arch_mpidr(), stop_sgi, NULL);
}

/* First CPU to panic reports and stops the others, so that nothing runs on (no guest's
 * output in the report, no record after the failure's); any other stops quietly. */
static void panic_enter(void)
{
        if (__atomic_exchange_n(&panicking, 1, __ATOMIC_ACQ_REL) != 0) {
                stop_here();
        }
        arch_irqs_off();
        struct percpu *me = this_cpu();
        for (unsigned i = 0; RVM_MAX_CPUS > 1 && me != NULL && i < percpu_count; i++) {
                if (&percpu[i] != me && percpu[i].state == CPU_ONLINE) {
                        hal_gic_send_sgi(PANIC_SGI_STOP, percpu[i].mpidr);
                }
        }
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
        panic_end((uint64_t)(uintptr_t)__builtin_return_address(0), 0, WLOG_FAIL_PANIC);
}

static const char *vector_name(unsigned v)
{
        static char buf[64];

        fmt_format(buf, sizeof(buf), "%s, %s",
                   fmt_name("current EL with SP_EL0\0current EL with SP_EL2\0lower EL (AArch64)\0"
                            "lower EL (AArch32)\0",
                            (v / 4) & 3),
                   fmt_name("synchronous\0IRQ\0FIQ\0SError\0", v & 3));
        return buf;
}

static const char *ec_name(unsigned ec)
{
        /* Each name after its EC (one byte, in octal): no table of pointers (a switch
         * over these ECs compiles to one of 61 entries). */
        static const char names[] =
            "\000unknown reason / undefined instruction\0"
            "\001WFI/WFE\0"
            "\007FP/SIMD access\0"
            "\016illegal execution state\0"
            "\025SVC\0"
            "\026HVC\0"
            "\027SMC\0"
            "\030system register access\0"
            "\040instruction abort from a lower EL\0"
            "\041instruction abort at EL2\0"
            "\042PC alignment fault\0"
            "\044data abort from a lower EL\0"
            "\045data abort at EL2\0"
            "\046SP alignment fault\0"
            "\057SError\0"
            "\074BRK instruction\0";

        for (const char *p = names; p < names + sizeof(names) - 1; p += strlen(p + 1) + 2) {
                if ((unsigned char)*p == ec) {
                        return p + 1;
                }
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
        panic_end(regs->elr, esr, WLOG_FAIL_EXCEPTION | (uint64_t)vector << 16);
}
