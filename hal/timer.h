/*
 * hal/timer.h: the generic timer as RVM uses it: the EL2 physical timer (CNTHP) gives
 * each CPU its tick; time stamps come from the physical counter.
 */
#ifndef RVM_HAL_TIMER_H
#define RVM_HAL_TIMER_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Arm the calling CPU's EL2 timer to fire period_ns from now. cpu is the caller's own
 * CPU index (< RVM_MAX_CPUS), which keys its deadline.
 */
void hal_timer_start(unsigned cpu, uint64_t period_ns);
/*
 * From the interrupt handler: true if it is a tick (next deadline = previous deadline +
 * period), false if only an event (hal_timer_event) was due. Either way the timer is armed
 * for whichever comes next.
 */
bool hal_timer_rearm(unsigned cpu);
/*
 * One extra interrupt on the calling CPU's timer at counter value at, unless an earlier one
 * is already set (0: none). It comes before the next tick if it is due first, and arrives
 * through the same interrupt, for which hal_timer_rearm then returns false.
 */
void hal_timer_event(unsigned cpu, uint64_t at);
/* Nanoseconds until the calling CPU's timer fires next (tick or event); 0 if it is due. */
uint64_t hal_timer_ns_to_next(unsigned cpu);
/* Nanoseconds since the counter started (boot, under QEMU). */
uint64_t hal_time_ns(void);
uint64_t hal_timer_freq(void);

#endif
