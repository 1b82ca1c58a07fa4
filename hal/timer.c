/*
 * hal/timer.c: the EL2 physical timer (CNTHP_*_EL2, ARM ARM D11). Deadlines are set with
 * the absolute compare value so a late interrupt does not drift the tick.
 */
#include "hal/timer.h"

#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/layout.h"
#include "arch/aarch64/regs.h"
#include "arch/aarch64/sysreg.h"

static struct {
        uint64_t period_ticks;
        uint64_t next;
} timer_cpu[RVM_MAX_CPUS];

void hal_timer_start(unsigned c, uint64_t period_ns)
{
        uint64_t ticks = period_ns * arch_counter_freq() / 1000000000ULL;

        timer_cpu[c].period_ticks = ticks > 0 ? ticks : 1;
        timer_cpu[c].next = arch_counter() + timer_cpu[c].period_ticks;
        sysreg_write(cnthp_cval_el2, timer_cpu[c].next);
        sysreg_write(cnthp_ctl_el2, CNT_CTL_ENABLE);
        arch_isb();
}

void hal_timer_rearm(unsigned c)
{
        uint64_t now = arch_counter();

        timer_cpu[c].next += timer_cpu[c].period_ticks;
        if (timer_cpu[c].next <= now) {
                /* We fell behind (e.g. a long stop in a debugger): skip, do not storm. */
                timer_cpu[c].next = now + timer_cpu[c].period_ticks;
        }
        sysreg_write(cnthp_cval_el2, timer_cpu[c].next);
        arch_isb();
}

uint64_t hal_time_ns(void)
{
        return arch_time_ns();
}

uint64_t hal_timer_freq(void)
{
        return arch_counter_freq();
}
