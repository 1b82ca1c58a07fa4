/*
 * kernel/tier_idle.c: the idle policy of the memory tiers. A small guest partition whose
 * vCPUs have all been asleep (WFI, or waiting on a CommEdge) without running for the
 * policy's time has its RAM made dormant, as `dormant <id>` would: unmapped, lz4-compressed,
 * its frames returned. Nothing is asked of the guest: its first touches after it wakes fault
 * the pages back in one by one (kernel/tier_cmds.c), and once all are back the console says
 * so. Each change is witnessed as the monitor's are (WK_MEM_TIER), with TIER_BY_IDLE in the
 * payload so the record says the policy, not an operator, did it.
 *
 * The policy's time comes from the profile (configs/<profile>/profile.c, `idle_dormant_ms`;
 * 0: off). Test images start with it off, so the scenarios that count records are not
 * changed by a guest that happens to sleep; `dormant idle <ms>` turns it on.
 */
#include <stdint.h>
#include <string.h>

#include "configs/profile.h"
#include "hal/timer.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "kernel/run.h"
#include "kernel/tier.h"
#include "memory/memory.h"
#include "memory/tier.h"
#include "witness/witness.h"

#define PAGE 4096ULL

/* The policy's time in ms (0: off), from the profile at the first epoch. */
static uint32_t idle_ms;
static bool idle_ms_set;

static uint32_t policy_ms(void)
{
        if (!idle_ms_set) {
#ifdef RVM_KTEST
                idle_ms = 0; /* test images: off until `dormant idle <ms>` */
#else
                idle_ms = rvm_profile.idle_dormant_ms;
#endif
                idle_ms_set = true;
        }
        return idle_ms;
}

/* Per partition: its vCPUs' run time when first seen asleep, and since when (0: awake). */
static struct {
        uint64_t runtime_ns;
        uint64_t since_ns;
        bool dormant; /* made dormant by this policy, not run since */
        bool refused; /* the policy's last try was refused: not again until it runs */
} idle[PART_MAX + 1];

/* All its vCPUs asleep and off every CPU (and at least one exists); their run time. */
static bool asleep(const struct partition *p, uint64_t *runtime)
{
        bool any = false;

        *runtime = 0;
        for (unsigned i = 0; i < p->nr_vcpus; i++) {
                const struct vcpu *v = &p->vcpus[i];
                *runtime += v->runtime_ns;
                if (v->state == VCPU_OFF) {
                        continue;
                }
                if (v->state != VCPU_BLOCKED || v->cpu >= 0) {
                        return false;
                }
                any = true;
        }
        return any;
}

static void make_dormant(struct partition *p, uint64_t slept_ns)
{
        uint64_t pages = p->mem_size / PAGE;
        unsigned idx = 0;

        if (pages > TIER_MAX_PAGES) {
                pages = TIER_MAX_PAGES; /* its first MiB: one range */
        }
        const char *why = mem_tier_make_dormant(p, PART_IPA_BASE, pages, TIER_BY_IDLE, &idx);
        if (why != NULL) {
                idle[p->id].refused = true;
                con_printf("rvm: partition %u (%s) idle: its RAM stays: %s\n", p->id, p->name, why);
                return;
        }
        idle[p->id].dormant = true;
        const struct tier_range *r = mem_tier_range(idx);
        con_printf(
            "rvm: partition %u (%s) idle %llu ms: %u pages dormant, %llu -> %llu bytes, "
            "%u pages returned\n",
            p->id, p->name, (unsigned long long)(slept_ns / 1000000), r->pages,
            (unsigned long long)r->pages * PAGE, (unsigned long long)r->compressed_bytes, r->pages);
}

/* p's dormant range (the policy makes one, from its RAM's base), or NULL. */
static const struct tier_range *range_of(uint32_t id)
{
        for (unsigned i = 0; i < TIER_MAX_RANGES; i++) {
                const struct tier_range *r = mem_tier_range(i);
                if (r->used && r->part == id && r->ipa == PART_IPA_BASE) {
                        return r;
                }
        }
        return NULL;
}

void mem_tier_idle_epoch(void)
{
        uint64_t now = hal_time_ns();
        uint32_t ms = policy_ms();

        for (uint32_t id = 1; id <= part_count() && id <= PART_MAX; id++) {
                struct partition *p = part_get(id);
                if (p == NULL) {
                        continue;
                }
                uint64_t runtime = 0;
                bool slept = asleep(p, &runtime);
                const struct tier_range *r = range_of(id);
                if (idle[id].dormant && runtime != idle[id].runtime_ns) {
                        /* It ran again: what its touches brought back so far. */
                        idle[id].dormant = false;
                        con_printf(
                            "rvm: partition %u (%s) awake: %u pages faulted back in, %u "
                            "still dormant\n",
                            id, p->name, r != NULL ? r->pages - r->dormant : 0,
                            r != NULL ? r->dormant : 0);
                }
                if (ms == 0 || p->state != PART_RUNNING || p->cfg->kind != PART_KIND_GUEST ||
                    p->cfg->linux_boot || !slept || runtime != idle[id].runtime_ns) {
                        idle[id].runtime_ns = runtime;
                        idle[id].since_ns = now; /* awake, or asleep from now on */
                        idle[id].refused = false;
                        continue;
                }
                if (idle[id].dormant || idle[id].refused ||
                    now - idle[id].since_ns < (uint64_t)ms * 1000000) {
                        continue;
                }
                if (r != NULL && r->dormant < r->pages) {
                        mem_tier_wake(p); /* some came back since: the range whole, then again */
                } else if (mem_tier_claims(id)) {
                        continue; /* all still dormant, or a range the monitor made */
                }
                make_dormant(p, now - idle[id].since_ns);
        }
}

int mem_tier_idle_cmd(int argc, char **argv)
{
        uint64_t ms = 0;

        if (argc == 1) {
                run_lock_take();
                ms = policy_ms();
                run_lock_give();
                con_printf("dormant idle: %s%llu ms\n", ms == 0 ? "off, " : "",
                           (unsigned long long)ms);
                return 0;
        }
        if (argc != 2 || (strcmp(argv[1], "off") != 0 &&
                          (monitor_parse_u64(argv[1], &ms) != 0 || ms == 0 || ms > 3600000))) {
                con_puts("usage: dormant idle [<ms> (1..3600000)|off]\n");
                return -1;
        }
        run_lock_take();
        idle_ms = (uint32_t)ms;
        idle_ms_set = true;
        run_lock_give();
        /* A change of policy by the monitor (actor 0): no region, the new time (0: off). */
        witness_emit(&(struct witness_event){
            .kind = WK_MEM_TIER, .actor = 0, .target = 0, .cap = ms, .payload = TIER_IDLE_POLICY});
        con_printf("dormant idle: %s%llu ms\n", idle_ms == 0 ? "off, " : "",
                   (unsigned long long)idle_ms);
        return 0;
}
