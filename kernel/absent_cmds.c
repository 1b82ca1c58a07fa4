/*
 * kernel/absent_cmds.c: the monitor commands of the `tiers` feature in a profile built
 * without it (the Seed; configs/features.h): each is refused with the reason, and the
 * refusal is witnessed like any other (WITNESS_F_DENIED, actor 0: the monitor).
 */
#include "configs/features.h"

#ifndef RVM_WITH_TIERS
#include "configs/profile.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "witness/witness.h"

static int refuse(const char *what, uint16_t kind)
{
        witness_emit(&(struct witness_event){.kind = kind, .flags = WITNESS_F_DENIED});
        con_printf("%s: not in this profile (%s: built without tiers and checkpoints)\n", what,
                   rvm_profile.name);
        return 1;
}

static int cmd_checkpoint(int argc, char **argv)
{
        (void)argc;
        return refuse(argv[0], WK_MEM_CHECKPOINT);
}
MONITOR_CMD(checkpoint, "checkpoint", "", "not in this profile", cmd_checkpoint);
MONITOR_CMD(restore, "restore", "", "not in this profile", cmd_checkpoint);
MONITOR_CMD(scrub, "scrub", "", "not in this profile", cmd_checkpoint);

static int cmd_dormant(int argc, char **argv)
{
        (void)argc;
        return refuse(argv[0], WK_MEM_TIER);
}
MONITOR_CMD(dormant, "dormant", "", "not in this profile", cmd_dormant);
#endif
