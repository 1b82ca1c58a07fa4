/*
 * hal/rtc.c: the PL031 read once at boot to anchor the boot's counter to UTC (hal/rtc.h).
 * The record: WK_BOOT_CLOCK, target = the RTC's seconds since 1970, cap = the counter's
 * nanoseconds since reset at the read (the records' time base), payload = the RTC's physical
 * address; denied (payload = enum rtc_err) when the board has none or it is not a PL031.
 */
#include "hal/rtc.h"

#ifndef RVM_HOST
#include "hal/mmio.h"
#include "hal/timer.h"
#include "kernel/console.h"
#include "witness/witness.h"
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
enum rtc_err hal_rtc_anchor(const struct board_info *b)
{
        enum rtc_err e = RTC_OK;
        uint32_t secs = 0;
        uint64_t at = 0;

        if (b->rtc.size < 0x1000) {
                e = RTC_E_ABSENT;
        } else if (!rtc_is_pl031(mmio_read32(b->rtc.base + RTC_PERIPH0),
                                 mmio_read32(b->rtc.base + RTC_PERIPH1))) {
                e = RTC_E_NOT_PL031;
        } else {
                secs = mmio_read32(b->rtc.base + RTC_DR);
                at = hal_time_ns();
        }
        witness_emit(&(struct witness_event){.kind = WK_BOOT_CLOCK,
                                             .flags = e == RTC_OK ? 0 : WITNESS_F_DENIED,
                                             .target = secs,
                                             .cap = at,
                                             .payload = e == RTC_OK ? b->rtc.base : (uint64_t)e});
        if (e != RTC_OK) {
                con_printf(
                    "rtc: no wall clock for this boot (%s): records carry time since reset "
                    "only\n",
                    e == RTC_E_ABSENT ? "the DTB describes no PL031" : "not a PL031");
                return e;
        }
        struct rtc_civil c;
        rtc_civil(secs, &c);
        con_printf(
            "rtc: PL031 at 0x%llx reads %04u-%02u-%02uT%02u:%02u:%02u UTC at %llu ns since "
            "reset (WK_BOOT_CLOCK anchors this boot's records)\n",
            (unsigned long long)b->rtc.base, c.year, c.month, c.day, c.hour, c.min, c.sec,
            (unsigned long long)at);
        return RTC_OK;
}
#endif
