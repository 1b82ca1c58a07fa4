/*
 * kernel/tier_idle.c: the idle policy of the memory tiers. A small guest partition whose
 * vCPUs have all been asleep (WFI, or waiting on a CommEdge) without running for the
 * policy's time has its RAM made dormant, as `dormant <id>` would: unmapped, lz4-compressed,
 * its frames returned. Nothing is asked of the guest: its first touches after it wakes fault
 * the pages back in one by one (partition/tiers.c), and once all are back the console says
 * so. Each change is witnessed as the monitor's are (WK_MEM_TIER), with TIER_BY_IDLE in the
 * payload so the record says the policy, not an operator, did it.
 *
 * The decision is memory/tier_idle.c's, over what this file gathers at each epoch under
 * run_lock (each partition's vCPUs asleep or not, their run time, its dormant range); this
 * file acts on it (partition/tiers.c measures use and makes RAM dormant, witnessed there),
 * prints, and witnesses changes of the policy's time.
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
#include "memory/tier_idle.h"
#include "partition/tiers.h"
#include "wasm/agent.h"
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

/* Per partition: what the policy remembers (memory/tier_idle.h). */
static struct tier_idle idle[PART_MAX + 1];

/* All its vCPUs asleep and off every CPU (and at least one exists); their run time. */
static bool asleep(const struct partition *p, uint64_t *runtime)
{
        bool any = false;

        *runtime = 0;
        for (unsigned i = 0; i < p->nr_vcpus; i++) {
                const struct vcpu *v = &p->vcpus[i];
                *runtime += run_vcpu_time(v, 0); /* charged so far */
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
        const char *why = tiers_make_dormant(p, ipa_init(PART_IPA_BASE), pages, TIER_BY_IDLE, &idx);
        tier_idle_done(&idle[p->id], why == NULL);
        if (why != NULL) {
                con_printf("rvm: partition %u (%s) idle: its RAM stays: %s\n", p->id, p->name, why);
                return;
        }
        const struct tier_range *r = tiers_range(idx);
        con_printf(
            "rvm: partition %u (%s) idle %llu ms: %u pages dormant, %llu -> %llu bytes, "
            "%u pages returned\n",
            p->id, p->name, (unsigned long long)(slept_ns / 1000000), r->pages,
            (unsigned long long)r->pages * PAGE, (unsigned long long)r->compressed_bytes, r->pages);
}

void mem_tier_use_show(void)
{
        for (uint32_t id = 1; id <= part_count() && id <= PART_MAX; id++) {
                struct tiers_use u;
                if (!tiers_use(id, &u)) {
                        continue;
                }
                con_printf(
                    "use: partition %u: %u pages hot (touched in the last epoch), %u warm "
                    "(mapped, untouched since); the coldest untouched for %u epochs\n",
                    id, u.hot, u.warm, u.coldest);
        }
#ifdef RVM_HAVE_WASM
        /* Agents: measured at their checkpoints (wasm/agent_recover.c), not by access flags. */
        struct agent_info in;
        for (uint32_t id = 1; agent_info(id, &in); id++) {
                if (in.use_pages != 0) {
                        con_printf(
                            "use: agent %u (%s): %u of %u pages of linear memory written "
                            "between its last two checkpoints (hot), %u not (warm)\n",
                            id, in.name, in.use_hot, in.use_pages, in.use_pages - in.use_hot);
                }
        }
#endif
}

/* p's dormant range (the policy makes one, from its RAM's base), or NULL. */
static const struct tier_range *range_of(uint32_t id)
{
        for (unsigned i = 0; i < TIER_MAX_RANGES; i++) {
                const struct tier_range *r = tiers_range(i);
                if (r->used && r->part == id && ipa_addr(r->ipa) == PART_IPA_BASE) {
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
                const struct tier_range *r = range_of(id);
                struct tier_idle_part in = {
                    .watched = p->state == PART_RUNNING && p->cfg->kind == PART_KIND_GUEST &&
                               !p->cfg->linux_boot,
                    .reloading = p->reloading,
                    .has_range = r != NULL,
                    .range_pages = r != NULL ? r->pages : 0,
                    .range_dormant = r != NULL ? r->dormant : 0,
                    .claims = tiers_claims(id),
                };
                struct tier_idle_verdict v;
                in.asleep = asleep(p, &in.runtime_ns);
                tier_idle_decide(&idle[id], &in, now, ms, &v);
                if (v.woke) {
                        /* It ran again: what its touches brought back so far. */
                        con_printf(
                            "rvm: partition %u (%s) awake: %u pages faulted back in, %u "
                            "still dormant\n",
                            id, p->name, r != NULL ? r->pages - r->dormant : 0,
                            r != NULL ? r->dormant : 0);
                }
                if (v.measure) {
                        tiers_age(p); /* measured use: the hot and warm tiers */
                }
                if (v.act == TIER_IDLE_REDO) {
                        tiers_wake(p); /* some came back since: the range whole, then again */
                }
                if (v.act != TIER_IDLE_NONE) {
                        make_dormant(p, v.slept_ns);
                }
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
