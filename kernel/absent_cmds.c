/*
 * kernel/absent_cmds.c: the monitor commands of the optional features (configs/features.h)
 * in a profile built without them (the Seed): `checkpoint`, `restore`, `scrub` and
 * `dormant` without tiers, `image` without RVF boot, `lease`, `unlease` and `leases` without
 * device leases, `console` without console attach, the detailed views and scheduling
 * controls without `inspect`. Each is refused with the reason. A refused action is witnessed
 * like any other (WITNESS_F_DENIED, actor 0: the monitor); a refused view (exits, vcpus,
 * vdevs, cpus, caps, regions, locks, wait) changes and reads nothing, so it is answered
 * as an unknown command is, without a record.
 */
#include "configs/features.h"

#if !defined(RVM_WITH_TIERS) || !defined(RVM_WITH_RVF) || !defined(RVM_WITH_LEASES) || \
    !defined(RVM_WITH_ATTACH) || !defined(RVM_WITH_INSPECT)
#include "configs/profile.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "witness/witness.h"

static int refuse(const char *what, uint16_t kind, const char *feature)
{
        witness_emit(&(struct witness_event){.kind = kind, .flags = WITNESS_F_DENIED});
        con_printf("%s: not in this profile (%s: built without %s)\n", what, rvm_profile.name,
                   feature);
        return 1;
}
#endif

#ifndef RVM_WITH_TIERS
static int cmd_checkpoint(int argc, char **argv)
{
        (void)argc;
        return refuse(argv[0], WK_MEM_CHECKPOINT, "tiers and checkpoints");
}
MONITOR_CMD(checkpoint, "checkpoint", "", "not in this profile", cmd_checkpoint);
MONITOR_CMD(restore, "restore", "", "not in this profile", cmd_checkpoint);
MONITOR_CMD(scrub, "scrub", "", "not in this profile", cmd_checkpoint);

static int cmd_dormant(int argc, char **argv)
{
        (void)argc;
        return refuse(argv[0], WK_MEM_TIER, "tiers and checkpoints");
}
MONITOR_CMD(dormant, "dormant", "", "not in this profile", cmd_dormant);
MONITOR_CMD(cold, "cold", "", "not in this profile", cmd_dormant);
MONITOR_CMD(warm, "warm", "", "not in this profile", cmd_dormant);
#endif

#ifndef RVM_WITH_RVF
/* WK_BOOT_RVF denied, as a refused image is: never read as a version allowed
 * (rvf_floor_visit takes WK_BOOT_RVF_ALLOW records for that). */
static int cmd_image(int argc, char **argv)
{
        (void)argc;
        return refuse(argv[0], WK_BOOT_RVF, "RVF boot");
}
MONITOR_CMD(image, "image", "", "not in this profile", cmd_image);
#endif

#ifndef RVM_WITH_LEASES
static int cmd_lease(int argc, char **argv)
{
        (void)argc;
        return refuse(argv[0], WK_DEV_LEASE, "device leases");
}
MONITOR_CMD(lease, "lease", "", "not in this profile", cmd_lease);
MONITOR_CMD(unlease, "unlease", "", "not in this profile", cmd_lease);
MONITOR_CMD(leases, "leases", "", "not in this profile", cmd_lease);
#endif

#ifndef RVM_WITH_ATTACH
static int cmd_console(int argc, char **argv)
{
        (void)argc;
        return refuse(argv[0], WK_DEV_CONSOLE, "console attach");
}
MONITOR_CMD(console, "console", "", "not in this profile", cmd_console);
#endif

#ifndef RVM_WITH_INSPECT
static int cmd_view(int argc, char **argv)
{
        (void)argc;
        con_printf("%s: not in this profile (%s: built without the detailed views)\n", argv[0],
                   rvm_profile.name);
        return 1;
}
MONITOR_CMD(exits, "exits", "", "not in this profile", cmd_view);
MONITOR_CMD(vcpus, "vcpus", "", "not in this profile", cmd_view);
MONITOR_CMD(vdevs, "vdevs", "", "not in this profile", cmd_view);
MONITOR_CMD(cpus, "cpus", "", "not in this profile", cmd_view);
MONITOR_CMD(caps, "caps", "", "not in this profile", cmd_view);
MONITOR_CMD(regions, "regions", "", "not in this profile", cmd_view);
MONITOR_CMD(locks, "locks", "", "not in this profile", cmd_view);
MONITOR_CMD(wait, "wait", "", "not in this profile", cmd_view);

static int cmd_sched(int argc, char **argv)
{
        (void)argc;
        return refuse(argv[0], WK_SCHED_MODE, "the scheduling controls");
}
MONITOR_CMD(mode, "mode", "", "not in this profile", cmd_sched);
MONITOR_CMD(pressure, "pressure", "", "not in this profile", cmd_sched);
MONITOR_CMD(degraded, "degraded", "", "not in this profile", cmd_sched);
#endif
