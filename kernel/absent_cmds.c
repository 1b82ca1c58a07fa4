/*
 * kernel/absent_cmds.c: the monitor commands of the optional features (configs/features.h)
 * in a profile built without them (the Seed): `checkpoint`, `restore`, `scrub`, `dormant`,
 * `cold` and `warm` without tiers, `image` without RVF boot, `lease`, `unlease` and
 * `leases` without device leases, `console` without console attach, the detailed views and
 * the scheduling controls without `inspect`. The monitor asks here for a name it does not
 * have (monitor_absent), and `help` ends with them. Each is refused with the reason. A
 * refused action is witnessed like any other (WITNESS_F_DENIED, actor 0: the monitor); a
 * refused view (exits, vcpus, vdevs, cpus, caps, regions, locks, wait) changes and reads
 * nothing, so it is answered as an unknown command is, without a record.
 */
#include <stdbool.h>
#include <string.h>

#include "configs/features.h"
#include "configs/profile.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "witness/witness.h"

/* Is any feature left out? A full build (the appliance, and the host tests, which link no
 * profile) has nothing to refuse here. */
#if !defined(RVM_WITH_TIERS) || !defined(RVM_WITH_RVF) || !defined(RVM_WITH_LEASES) || \
    !defined(RVM_WITH_ATTACH) || !defined(RVM_WITH_INSPECT)
static const struct absent {
        const char *names;   /* the commands, each followed by one space */
        uint16_t kind;       /* witnessed as denied; 0: a view, not witnessed */
        const char *feature; /* what the profile is built without */
} absent[] = {
#ifndef RVM_WITH_TIERS
    {"checkpoint restore scrub ", WK_MEM_CHECKPOINT, "tiers and checkpoints"},
    {"dormant cold warm ", WK_MEM_TIER, "tiers and checkpoints"},
#endif
#ifndef RVM_WITH_RVF
    /* WK_BOOT_RVF denied, as a refused image is: never read as a version allowed
     * (rvf_floor_visit takes WK_BOOT_RVF_ALLOW records for that). */
    {"image ", WK_BOOT_RVF, "RVF boot"},
#endif
#ifndef RVM_WITH_LEASES
    {"lease unlease leases ", WK_DEV_LEASE, "device leases"},
#endif
#ifndef RVM_WITH_ATTACH
    {"console ", WK_DEV_CONSOLE, "console attach"},
#endif
#ifndef RVM_WITH_INSPECT
    {"exits vcpus vdevs cpus caps regions locks wait ", 0, "the detailed views"},
    {"mode pressure degraded ", WK_SCHED_MODE, "the scheduling controls"},
#endif
    {NULL, 0, NULL},
};

/* Is name one of the words of list (each followed by a space)? */
static bool listed(const char *list, const char *name)
{
        size_t n = strlen(name);

        for (const char *w = list; n != 0 && w != NULL; w = strchr(w, ' ')) {
                w += *w == ' ';
                if (strncmp(w, name, n) == 0 && w[n] == ' ') {
                        return true;
                }
        }
        return false;
}

bool monitor_absent(const char *name)
{
        for (const struct absent *a = absent; a->names != NULL; a++) {
                if (!listed(a->names, name)) {
                        continue;
                }
                if (a->kind != 0) {
                        witness_emit(
                            &(struct witness_event){.kind = a->kind, .flags = WITNESS_F_DENIED});
                }
                monitor_absent_say(name, a->feature);
                return true;
        }
        return false;
}

void monitor_absent_say(const char *name, const char *feature)
{
        con_printf("%s: not in this profile (%s: built without %s)\n", name, rvm_profile.name,
                   feature);
}

void monitor_absent_help(void)
{
        con_puts("not in this profile: ");
        for (const struct absent *a = absent; a->names != NULL; a++) {
                con_puts(a->names);
        }
        con_puts("\n");
}
#else
bool monitor_absent(const char *name)
{
        (void)name;
        return false;
}

void monitor_absent_help(void) {}
#endif
