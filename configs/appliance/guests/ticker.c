/*
 * configs/appliance/guests/ticker.c: the default appliance's demo guest ("worker"). It
 * introduces itself with the capabilities RVM gave it, then works in a loop and reports its
 * progress every two seconds through its virtual UART, sleeping on its virtual timer for
 * 10 ms between bursts of work.
 *
 * Every 30 s (the first time 6 s after it starts) it rests: it writes a pattern over
 * 256 KiB of its RAM and sleeps REST_S seconds on its timer, asleep and not running. RVM's
 * idle policy (kernel/tier_idle.c) makes an idle guest's RAM dormant; when the timer wakes
 * it, its touches bring the pages back, and it reports how many words of the pattern it
 * found intact (all of them, or RVM lost its memory).
 */
#include <stdint.h>

#include "arch/aarch64/guest/guest_io.h"

#define REST_S      8u
#define REST_FIRST  6u  /* seconds up before the first rest */
#define REST_PERIOD 30u /* seconds from one rest to the next */
#define KEEP_WORDS  (64u * 1024u)

RVM_GUEST_IRQ_VECTORS(on_irq);

static volatile uint32_t wakes;
static uint32_t keep[KEEP_WORDS]; /* 256 KiB the rest must not lose */

void on_irq(void)
{
        uint32_t intid = rvm_irq_ack();

        if (intid == RVM_IRQ_SPURIOUS) {
                return;
        }
        if (intid == RVM_VIRQ_VTIMER) {
                rvm_vtimer_stop();
                wakes++;
        }
        rvm_irq_eoi(intid);
}

/* Asleep in WFI until the virtual timer fires `ticks` from now. */
static void sleep_ticks(uint64_t ticks)
{
        uint32_t seen = wakes;

        rvm_vtimer_arm(ticks);
        rvm_wait_irq(&wakes, seen);
}

static uint32_t pattern(uint32_t i, uint32_t round)
{
        return (i * 2654435761u) ^ (round << 24) ^ (i >> 7);
}

static void report(const char *text, unsigned long long a, unsigned long long b)
{
        char line[96];

        fmt_format(line, sizeof(line), text, a, b);
        rvm_vuart_puts(line); /* through the virtual UART RVM emulates for it (partitions.c) */
}

static void rest(uint32_t round, uint64_t hz)
{
        for (uint32_t i = 0; i < KEEP_WORDS; i++) {
                keep[i] = pattern(i, round);
        }
        report("resting %llu s (rest %llu)\n", REST_S, round);
        sleep_ticks(REST_S * hz);
        uint32_t intact = 0;
        for (uint32_t i = 0; i < KEEP_WORDS; i++) {
                intact += keep[i] == pattern(i, round);
        }
        report("awake: %llu of %llu words kept intact\n", intact, KEEP_WORDS);
}

RVM_GUEST_ENTRY(guest_start)
{
        (void)dtb;
        uint64_t self = rvm_call(RVM_HC_SELF, 0, 0, 0).x1;
        uint64_t caps = 0;
        for (uint64_t cursor = 0;;) {
                struct rvm_ret r = rvm_call(RVM_HC_CAP_LIST, cursor, 0, 0);
                if (r.x1 == 0) {
                        break;
                }
                caps++;
                cursor = r.x2;
        }
        gprintf("partition %llu up at EL1 under stage-2, holding %llu capabilities\n", self, caps);

        const uint64_t hz = rvm_read_cntfrq() != 0 ? rvm_read_cntfrq() : 62500000;
        rvm_gic_init();
        rvm_irqs_on();
        uint64_t work = 0, start = rvm_time_ns();
        uint64_t next_report = start + 2000000000ULL;
        uint64_t next_rest = start + REST_FIRST * 1000000000ULL;
        for (uint32_t round = 1;;) {
                for (volatile unsigned i = 0; i < 20000; i++) {
                        work++;
                }
                uint64_t now = rvm_time_ns();
                if (now >= next_report) {
                        report("%llu units of work done, %llu s up\n", work, now / 1000000000ULL);
                        next_report += 2000000000ULL;
                }
                if (now >= next_rest) {
                        rest(round++, hz);
                        next_rest = rvm_time_ns() + (REST_PERIOD - REST_S) * 1000000000ULL;
                        next_report = rvm_time_ns() + 2000000000ULL;
                }
                sleep_ticks(hz / 100); /* 10 ms: the CPU is someone else's meanwhile */
        }
}
