/*
 * hal/rtc.c: the PL031 read once at boot to anchor the boot's counter to UTC (hal/rtc.h),
 * and the calendar the console and tools/witness print it with.
 */
#include "hal/rtc.h"

#ifndef RVM_HOST
#include "hal/mmio.h"
#include "hal/timer.h"
#endif

bool rtc_is_pl031(uint32_t periph0, uint32_t periph1)
{
        return (periph0 & 0xFFu) == RTC_PART_LOW && (periph1 & 0xFFu) == RTC_PART_HI;
}

/* Days since 1970-01-01 to a civil date: the proleptic Gregorian calendar, counted in
 * 400-year eras of 146,097 days from 0000-03-01 (so that the leap day ends a year). */
void rtc_civil(uint64_t secs, struct rtc_civil *out)
{
        uint64_t days = secs / 86400, rem = secs % 86400;
        uint64_t z = days + 719468; /* days from 0000-03-01 */
        uint64_t era = z / 146097, doe = z % 146097;
        uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        uint64_t mp = (5 * doy + 2) / 153;
        uint64_t month = mp < 10 ? mp + 3 : mp - 9;

        out->year = (uint32_t)(yoe + era * 400 + (month <= 2));
        out->month = (uint32_t)month;
        out->day = (uint32_t)(doy - (153 * mp + 2) / 5 + 1);
        out->hour = (uint32_t)(rem / 3600);
        out->min = (uint32_t)(rem / 60 % 60);
        out->sec = (uint32_t)(rem % 60);
}

#ifndef RVM_HOST
enum rtc_err hal_rtc_read(const struct board_info *b, uint32_t *secs, uint64_t *at_ns)
{
        *secs = 0;
        *at_ns = 0;
        if (b->rtc.size < 0x1000) {
                return RTC_E_ABSENT;
        }
        if (!rtc_is_pl031(mmio_read32(b->rtc.base + RTC_PERIPH0),
                          mmio_read32(b->rtc.base + RTC_PERIPH1))) {
                return RTC_E_NOT_PL031;
        }
        *secs = mmio_read32(b->rtc.base + RTC_DR);
        *at_ns = hal_time_ns();
        return RTC_OK;
}
#endif
