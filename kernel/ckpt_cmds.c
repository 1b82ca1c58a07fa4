/*
 * kernel/ckpt_cmds.c: the monitor's checkpoint commands. `checkpoint <id>` saves a guest
 * partition whole (partition/checkpoint.c), `restore <id>` puts it back, `checkpoint`
 * alone lists what is held. The partition is paused while either happens: suspended if it
 * was running (witnessed), its vCPUs put away on every CPU (this one directly, the others
 * at the kick), then set running again. `checkpoint agent <id>` / `restore agent <id>` do
 * the same for a WebAssembly agent (the id `agents` lists; wasm/agent_recover.c).
 */
#include <stdint.h>
#include <string.h>

#include "arch/aarch64/arch.h"
#include "boot/boot.h"
#include "hal/timer.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "kernel/panic.h"
#include "kernel/run.h"
#include "kernel/tier.h"
#include "memory/memory.h"
#include "partition/checkpoint.h"
#include "partition/tiers.h"
#include "wasm/agent.h"
#include "witness/witness.h"

#define STR_(x)         #x
#define STR(x)          STR_(x)
#define PARK_TIMEOUT_NS 500000000ULL /* other CPUs let go of a kicked vCPU within this */

static bool park_timed_out; /* the last pause ran out of time (monitor: one at a time) */

static pa_t ckpt_alloc(void *ctx, uint64_t pages)
{
        uint64_t pa = 0;

        (void)ctx;
        return pa_init(mem_alloc_pages(&boot_state.mem, pages, 1, &pa) == PALLOC_OK ? pa : 0);
}

static void ckpt_free(void *ctx, pa_t pa, uint64_t pages)
{
        (void)ctx;
        (void)mem_free_pages(&boot_state.mem, pa_addr(pa), pages);
}

/* The allocator hooks, set before the first checkpoint (none exists before: a restore or an
 * F2 reconstruction finds nothing until then). */
static void ckpt_ready(void)
{
        static bool ready;

        if (!ready) {
                ckpt_init(&(struct ckpt_env){.alloc = ckpt_alloc, .free = ckpt_free});
                ready = true;
        }
}

/* A partition that exists. */
static int parse_id(const char *s, uint64_t *out)
{
        return monitor_parse_u64(s, out) == 0 && *out <= PART_MAX &&
                       part_get((uint32_t)*out) != NULL
                   ? 0
                   : -1;
}

static uint64_t last_insns; /* the last save or restore took (under -icount: exact) */

static bool vcpus_parked(const struct partition *p)
{
        for (unsigned i = 0; i < p->nr_vcpus; i++) {
                if (__atomic_load_n(&p->vcpus[i].cpu, __ATOMIC_ACQUIRE) >= 0) {
                        return false;
                }
        }
        return true;
}

/*
 * Pause p, run op on it under the run lock, let it go on. Returns op's result. A running
 * partition is suspended first, so that no CPU picks its vCPUs, and running again after; a
 * restore also brings a stopped or faulted partition back to running.
 */
struct scrub_range {
        ipa_t ipa;
        uint64_t pages, rolled;
};

static enum part_err paused(struct partition *p, enum ckpt_op op, struct scrub_range *scrub)
{
        bool restore = op == CKPT_OP_RESTORE;

        run_lock_take();
        enum part_state was = p->state;
        if (was == PART_RUNNING) {
                part_set_state(p, PART_SUSPENDED, 0);
                run_partition_changed(p);
        }
        run_park(p);
        run_lock_give();
        uint64_t until = hal_time_ns() + PARK_TIMEOUT_NS;
        while (!vcpus_parked(p) && hal_time_ns() < until) {
        }
        /* Still on a CPU after the wait: partition/checkpoint.c refuses (witnessed) rather
         * than copy a vCPU that runs; the console says why. */
        park_timed_out = !vcpus_parked(p);
        run_lock_take();
        tiers_wake(p); /* its RAM is copied (or written) in place: every page back first */
        uint64_t t0 = mem_insns();
        enum part_err e = op == CKPT_OP_SCRUB
                              ? ckpt_scrub(p, 0, scrub->ipa, scrub->pages, &scrub->rolled)
                          : restore ? ckpt_restore(p, 0, CKPT_OP_RESTORE)
                                    : ckpt_save(p, 0, hal_time_ns());
        last_insns = mem_insns() - t0;
        bool wake = was == PART_RUNNING ||
                    (restore && e == PART_OK && (was == PART_STOPPED || was == PART_FAULTED));
        if (wake) {
                part_set_state(p, PART_RUNNING, 0);
        }
        run_partition_changed(p);
        run_lock_give();
        return e;
}

static const char *why(enum part_err e)
{
        if (park_timed_out && e == PART_E_STATE) {
                return "a vCPU of it did not leave its CPU within 500 ms";
        }
        switch (e) {
        case PART_E_STATE:
                return "it is not a guest partition that runs or is suspended, or it is "
                       "restarting";
        case PART_E_BUSY:
                return "it shares, lends or was donated memory (release it first)";
        case PART_E_NOMEM:
                return "no room for it (checkpoints are limited to " STR(CKPT_LIMIT_MIB) " MiB in "
                       "all)";
        case PART_E_NOT_FOUND:
                return "it has no checkpoint";
        case PART_E_INVALID:
                return "the checkpoint's hash does not match: it is damaged, not used";
        case PART_E_RANGE:
                return "the range is not page-aligned RAM of the partition";
        default:
                return "refused";
        }
}

static void print_hash(const uint8_t hash[32])
{
        for (unsigned i = 0; i < 8; i++) {
                con_printf("%02x", hash[i]);
        }
}

static void list(void)
{
        con_printf(
            "id name            pages    ram-KiB  vcpus devs edges taken-ms restores "
            "reconstructs sha256\n");
        run_lock_take();
        for (unsigned id = 1; id <= part_count(); id++) {
                struct ckpt_info c = ckpt_get(id);
                if (!c.valid) {
                        continue;
                }
                con_printf("%-2u %-15s %-8llu %-8llu %-5u %-4u %-5u %-8llu %-8u %-12u ", id,
                           part_get(id)->name, (unsigned long long)c.pages,
                           (unsigned long long)(c.ram_bytes >> 10), c.vcpus, c.vdevs, c.edges,
                           (unsigned long long)(c.saved_ns / 1000000), c.restores, c.reconstructs);
                print_hash(c.hash);
                con_puts("\n");
        }
        con_printf("checkpoints hold %llu pages (%llu KiB) of at most %llu\n",
                   (unsigned long long)ckpt_pages_used(),
                   (unsigned long long)(ckpt_pages_used() * 4),
                   (unsigned long long)CKPT_LIMIT_PAGES);
        run_lock_give();
}

/* `checkpoint <id> flash`: the RAM of the checkpoint just taken, written to the cold area
 * with a hash per page (memory/cold.h), for tools/witness ckpt-diff. */
static int to_flash(const struct partition *p, uint64_t saved_ns)
{
        uint64_t bytes = 0, seq = 0, root = 0;
        unsigned slot = 0;

        run_lock_take();
        const uint8_t *ram = ckpt_ram_image(p->id, &bytes);
        int e = ram == NULL
                    ? -1
                    : tiers_cold_write_ckpt(p->id, ram, bytes, saved_ns, &slot, &seq, &root);
        run_lock_give();
        if (e != 0) {
                con_printf("checkpoint: partition %u (%s) not written to flash: %s\n", p->id,
                           p->name, e < 0 ? "no checkpoint" : cold_err_name((enum cold_err)e));
                return -1;
        }
        con_printf("checkpoint %u (%s): written to flash, slot %u, seq %llu, root %016llx\n", p->id,
                   p->name, slot, (unsigned long long)seq,
                   (unsigned long long)__builtin_bswap64(root));
        return 0;
}

/* `checkpoint agent <id>` / `restore agent <id>`: the interpreter runs here (FP/SIMD at EL2,
 * wasm_snapshot_*), so the FP registers of the vCPU that was on this CPU are parked first and
 * FP traps again afterwards, as the monitor's `agent` does. Both, whatever the outcome: a
 * refusal (no such agent, no checkpoint) runs no engine, and re-arming the trap without the
 * park left that vCPU's live registers behind it: its next FP instruction reloaded a stale
 * copy, or, put away first, saving them took an FP trap at EL2 (a panic). */
static int agent_cmd(int argc, char **argv, bool restore)
{
        const char *cmd = restore ? "restore" : "checkpoint";
        uint64_t id = 0;
        struct agent_hold_info in = {0};

        if (argc != 3 || monitor_parse_u64(argv[2], &id) != 0 || id > 0xFFFFFFFFu) {
                con_printf("usage: %s agent <agent id> (see agents)\n", cmd);
                return -1;
        }
        run_fp_park();
        enum agent_hold_result r = restore ? agent_hold_restore((uint32_t)id, 0, &in)
                                           : agent_hold_save((uint32_t)id, 0, &in);
        arch_fp_trap(true);
        if (r != AGENT_HOLD_OK) {
                con_printf("%s: agent %llu not %s: %s\n", cmd, (unsigned long long)id,
                           restore ? "restored" : "saved", agent_hold_result_text(r));
                return -1;
        }
        if (restore) {
                con_printf(
                    "restore agent %llu: back to its checkpoint %u of turn %llu (%llu bytes, "
                    "digest %016llx, bit-exact; CommEdges %llu bytes), restore %u\n",
                    (unsigned long long)id, in.number, (unsigned long long)in.turn,
                    (unsigned long long)in.bytes, (unsigned long long)in.digest,
                    (unsigned long long)in.edge_bytes, in.restores);
        } else {
                con_printf(
                    "checkpoint agent %llu: checkpoint %u after turn %llu: %llu bytes (memory, "
                    "globals, stack, frames, fuel) and its CommEdges' %llu (rings, counts), digest "
                    "%016llx\n",
                    (unsigned long long)id, in.number, (unsigned long long)in.turn,
                    (unsigned long long)in.bytes, (unsigned long long)in.edge_bytes,
                    (unsigned long long)in.digest);
        }
        return 0;
}

static int cmd_checkpoint(int argc, char **argv)
{
        uint64_t id = 0;

        if (argc >= 2 && strcmp(argv[1], "agent") == 0) {
                return agent_cmd(argc, argv, false);
        }
        if (argc == 1) {
                list();
                return 0;
        }
        bool flash = argc == 3 && strcmp(argv[2], "flash") == 0;
        if ((argc != 2 && !flash) || parse_id(argv[1], &id) != 0) {
                con_puts(
                    "usage: checkpoint [<partition id> [flash]] (see ps) | checkpoint agent "
                    "<agent id>\n");
                return -1;
        }
        ckpt_ready();
        struct partition *p = part_get((uint32_t)id);
        enum part_err e = paused(p, CKPT_OP_SAVE, NULL);
        if (e != PART_OK) {
                con_printf("checkpoint: partition %llu (%s) not saved: %s\n",
                           (unsigned long long)id, p->name, why(e));
                return -1;
        }
        run_lock_take();
        struct ckpt_info c = ckpt_get((uint32_t)id);
        run_lock_give();
        con_printf(
            "checkpoint %llu (%s): saved %llu KiB of RAM, %u vCPU(s), %u device(s), "
            "%u edge(s) in %llu pages, sha256 ",
            (unsigned long long)id, p->name, (unsigned long long)(c.ram_bytes >> 10), c.vcpus,
            c.vdevs, c.edges, (unsigned long long)c.pages);
        print_hash(c.hash);
        con_printf(" (%llu instructions)\n", (unsigned long long)last_insns);
        return flash ? to_flash(p, c.saved_ns) : 0;
}
MONITOR_CMD(checkpoint, "checkpoint", "[<id> [flash]] | agent <id>",
            "save a guest partition whole (RAM, vCPUs, devices, edges); flash: its RAM also to "
            "the cold area; alone: list them; agent: a WebAssembly agent's whole instance",
            cmd_checkpoint);

static int cmd_restore(int argc, char **argv)
{
        uint64_t id = 0;

        if (argc >= 2 && strcmp(argv[1], "agent") == 0) {
                return agent_cmd(argc, argv, true);
        }
        if (argc != 2 || parse_id(argv[1], &id) != 0) {
                con_puts(
                    "usage: restore <partition id> (see checkpoint) | restore agent <agent id>\n");
                return -1;
        }
        struct partition *p = part_get((uint32_t)id);
        enum part_err e = paused(p, CKPT_OP_RESTORE, NULL);
        if (e != PART_OK) {
                con_printf("restore: partition %llu (%s) not restored: %s\n",
                           (unsigned long long)id, p->name, why(e));
                return -1;
        }
        run_lock_take();
        struct ckpt_info c = ckpt_get((uint32_t)id);
        run_lock_give();
        con_printf("restore %llu (%s): back to its checkpoint of %llu ms (sha256 ",
                   (unsigned long long)id, p->name, (unsigned long long)(c.saved_ns / 1000000));
        print_hash(c.hash);
        con_printf(" verified), restore %u (%llu instructions)\n", c.restores,
                   (unsigned long long)last_insns);
        return 0;
}
MONITOR_CMD(restore, "restore", "<id> | agent <id>",
            "put a partition (or an agent) back to its checkpoint", cmd_restore);

/* An address: hexadecimal, written with its 0x. */
static int parse_hex(const char *s, uint64_t *out)
{
        return s != NULL && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? monitor_parse_u64(s, out)
                                                                        : -1;
}

/* F3 on command: the region is the partition's image unless given (see ckpt_scrub). */
static int cmd_scrub(int argc, char **argv)
{
        uint64_t id = 0, at = PART_IPA_BASE;
        struct scrub_range r = {0};

        bool range_ok =
            argc != 4 || (parse_hex(argv[2], &at) == 0 &&
                          monitor_parse_u64(argv[3], &r.pages) == 0 && r.pages <= (1ULL << 32));
        if ((argc != 2 && argc != 4) || parse_id(argv[1], &id) != 0 || !range_ok ||
            part_get((uint32_t)id)->cfg->kind != PART_KIND_GUEST) {
                con_puts(
                    "usage: scrub <guest partition id> [<0xipa> <pages>] (default: its "
                    "image)\n");
                return -1;
        }
        struct partition *p = part_get((uint32_t)id);
        if (argc == 2) {
                r.pages = (*p->cfg->image_size + 4095) / 4096;
        }
        r.ipa = ipa_init(at);
        enum part_err e = paused(p, CKPT_OP_SCRUB, &r);
        if (e != PART_OK) {
                con_printf("scrub: partition %llu (%s) not scrubbed: %s\n", (unsigned long long)id,
                           p->name, why(e));
                return -1;
        }
        con_printf("scrub %llu (%s): %llu pages from IPA 0x%llx compared with its checkpoint: ",
                   (unsigned long long)id, p->name, (unsigned long long)r.pages,
                   (unsigned long long)at);
        if (r.rolled == 0) {
                con_puts("intact\n");
        } else {
                con_printf("%llu changed, rolled back (F3)\n", (unsigned long long)r.rolled);
        }
        return 0;
}
MONITOR_CMD(scrub, "scrub", "<id> [<0xipa> <pages>]",
            "F3: roll back pages of a region the guest does not write (default: its image) that "
            "differ from its checkpoint",
            cmd_scrub);

#ifdef RVM_KTEST
/* Test images only: flip bit 0 of one byte of a guest's RAM (memory corruption, for F3). */
static int cmd_inject(int argc, char **argv)
{
        uint64_t id = 0, ipa = 0;

        if (argc == 2 && strcmp(argv[1], "rvm") == 0) {
                /* F4: RVM itself fails (a panic); with "panic=reboot" the machine reboots
                 * and the next boot records the chain. */
                witness_emit(&(struct witness_event){.kind = WK_REC_INJECT});
                panic("injected: RVM fails on purpose (test image, F4)");
        }
        if (argc == 3 && strcmp(argv[1], "cold") == 0 && parse_id(argv[2], &id) == 0) {
                /* F3 on flash: one bit of the partition's cold range cleared. */
                uint32_t now32 = 0;
                ipa_t at = ipa_init(0);
                run_lock_take();
                int e = tiers_cold_inject((uint32_t)id, &at, &now32);
                witness_emit(&(struct witness_event){.kind = WK_REC_INJECT,
                                                     .flags = e == 0 ? 0 : WITNESS_F_DENIED,
                                                     .target = id,
                                                     .cap = ipa_addr(at),
                                                     .payload = now32});
                run_lock_give();
                if (e != 0) {
                        con_puts("inject: the partition has no cold range\n");
                        return -1;
                }
                con_printf(
                    "inject cold %llu: a bit of the flash copy of IPA 0x%llx cleared (now "
                    "0x%08x)\n",
                    (unsigned long long)id, (unsigned long long)ipa_addr(at), now32);
                return 0;
        }
        if (argc != 3 || parse_id(argv[1], &id) != 0 || parse_hex(argv[2], &ipa) != 0 ||
            part_get((uint32_t)id)->cfg->kind != PART_KIND_GUEST) {
                con_puts(
                    "usage: inject <guest partition id> <0xipa> | inject cold <id> | inject "
                    "rvm\n");
                return -1;
        }
        run_lock_take();
        struct partition *p = part_get((uint32_t)id);
        bool ok = ipa >= PART_IPA_BASE && ipa - PART_IPA_BASE < p->mem_size;
        uint8_t now = 0;
        if (ok) {
                uint8_t *b = mem_ptr(
                    pa_add(part_ram_frame(p, (ipa - PART_IPA_BASE) & ~4095ULL), ipa & 4095));
                *b ^= 1;
                now = *b;
        }
        witness_emit(&(struct witness_event){.kind = WK_REC_INJECT,
                                             .flags = ok ? 0 : WITNESS_F_DENIED,
                                             .target = id,
                                             .cap = ipa,
                                             .payload = now});
        run_lock_give();
        if (!ok) {
                con_puts("inject: not in the partition's RAM\n");
                return -1;
        }
        con_printf("inject %llu: bit 0 of the byte at IPA 0x%llx flipped (now 0x%02x)\n",
                   (unsigned long long)id, (unsigned long long)ipa, now);
        return 0;
}
MONITOR_CMD(inject, "inject", "<id> <0xipa> | cold <id> | rvm",
            "test image: corrupt one bit of guest RAM or of its cold copy in flash, or make RVM "
            "panic (F4)",
            cmd_inject);
#endif
