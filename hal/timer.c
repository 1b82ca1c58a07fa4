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
        uint64_t next;  /* the next tick (counter value) */
        uint64_t event; /* an earlier one-off interrupt (counter value; 0: none) */
} timer_cpu[RVM_MAX_CPUS];

/* Compare value: the next tick, or the event if it comes first. */
static void program(unsigned c)
{
        uint64_t at = timer_cpu[c].next;

        if (timer_cpu[c].event != 0 && timer_cpu[c].event < at) {
                at = timer_cpu[c].event;
        }
        sysreg_write(cnthp_cval_el2, at);
        arch_isb();
}

void hal_timer_start(unsigned c, uint64_t period_ns)
{
        uint64_t ticks = period_ns * arch_counter_freq() / 1000000000ULL;

        timer_cpu[c].period_ticks = ticks > 0 ? ticks : 1;
        timer_cpu[c].next = arch_counter() + timer_cpu[c].period_ticks;
        sysreg_write(cnthp_cval_el2, timer_cpu[c].next);
        sysreg_write(cnthp_ctl_el2, CNT_CTL_ENABLE);
        arch_isb();
}

bool hal_timer_rearm(unsigned c)
{
        uint64_t now = arch_counter();
        bool tick = now >= timer_cpu[c].next;

        if (tick) {
                timer_cpu[c].next += timer_cpu[c].period_ticks;
                if (timer_cpu[c].next <= now) {
                        /* We fell behind (e.g. a long stop in a debugger): skip, do not storm. */
                        timer_cpu[c].next = now + timer_cpu[c].period_ticks;
                }
        }
        if (timer_cpu[c].event != 0 && timer_cpu[c].event <= now) {
                timer_cpu[c].event = 0; /* it has come */
        }
        program(c);
        return tick;
}

void hal_timer_event(unsigned c, uint64_t at)
{
        if (at != 0 && (timer_cpu[c].event == 0 || at < timer_cpu[c].event)) {
                timer_cpu[c].event = at;
                program(c);
        }
}

uint64_t hal_timer_ns_to_next(unsigned c)
{
        uint64_t at = timer_cpu[c].next, now = arch_counter();

        if (timer_cpu[c].event != 0 && timer_cpu[c].event < at) {
                at = timer_cpu[c].event;
        }
        return at > now ? (at - now) * 1000000000ULL / arch_counter_freq() : 0;
}

uint64_t hal_time_ns(void)
{
        return arch_time_ns();
}

uint64_t hal_timer_freq(void)
{
        return arch_counter_freq();
}
