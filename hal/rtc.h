/*
 * hal/rtc.h: the PL031 real-time clock as RVM itself uses it: read once at boot, before any
 * partition can hold a lease on it, and witnessed as WK_BOOT_CLOCK, the record that anchors
 * this boot's counter (every record's time_ns) to UTC (docs/WITNESS.md). RVM never reads it
 * on a guest's behalf: a partition that wants the time leases the device.
 */
#ifndef RVM_HAL_RTC_H
#define RVM_HAL_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "hal/board.h"

/* PL031 registers RVM reads, and the identification it expects (PrimeCell part 0x031). */
#define RTC_DR       0x000u /* data register: seconds since 1970-01-01T00:00:00 UTC */
#define RTC_PERIPH0  0xFE0u
#define RTC_PERIPH1  0xFE4u
#define RTC_PART_LOW 0x31u
#define RTC_PART_HI  0x10u /* PERIPH1: part bits 11:8 (0) | designer 0x1 << 4 */

/* Why the boot has no anchor (a denied WK_BOOT_CLOCK's payload). */
enum rtc_err {
        RTC_OK = 0,
        RTC_E_ABSENT = 1,    /* the DTB describes no arm,pl031 */
        RTC_E_NOT_PL031 = 2, /* its identification registers say it is something else */
};

/* Is the identification (PERIPH0, PERIPH1 low bytes) a PL031's? */
bool rtc_is_pl031(uint32_t periph0, uint32_t periph1);

/* Seconds since 1970 as a civil UTC date and time (proleptic Gregorian). */
struct rtc_civil {
        uint32_t year, month, day, hour, min, sec;
};
void rtc_civil(uint64_t secs, struct rtc_civil *out);

/* Read the board's PL031 once: *secs its seconds since 1970, *at_ns the counter's ns since
 * reset at the read. The kernel witnesses it (WK_BOOT_CLOCK, or its refusal: kernel/main.c). */
enum rtc_err hal_rtc_read(const struct board_info *b, uint32_t *secs, uint64_t *at_ns);

#endif
