/*
 * hal/timer.h: the generic timer as RVM uses it: the EL2 physical timer (CNTHP) gives
 * each CPU its tick; time stamps come from the physical counter.
 */
#ifndef RVM_HAL_TIMER_H
#define RVM_HAL_TIMER_H

#include <stdint.h>

/*
 * Arm the calling CPU's EL2 timer to fire period_ns from now. cpu is the caller's own
 * CPU index (< RVM_MAX_CPUS), which keys its deadline.
 */
void hal_timer_start(unsigned cpu, uint64_t period_ns);
/* Re-arm from the interrupt handler: next deadline = previous deadline + period. */
void hal_timer_rearm(unsigned cpu);
/* Nanoseconds since the counter started (boot, under QEMU). */
uint64_t hal_time_ns(void);
uint64_t hal_timer_freq(void);

#endif
