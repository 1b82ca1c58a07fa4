/*
 * kernel/console_cmd.c: the monitor's `console <id>`: the terminal attached to a guest
 * partition's PL011 (partition/vdev.c, partition/pl011.c) until Ctrl-] (0x1d, telnet's escape
 * key; QEMU's -nographic mux keeps Ctrl-A for itself) gives it back to `rvm> `.
 *
 * While attached, every byte typed goes to the partition's UART receive FIFO, which raises
 * its interrupt; bytes it has no room for yet (its receiver is off, or the guest has not read
 * the FIFO) wait here, CONSOLE_QUEUE of them, and typing beyond that is dropped and counted.
 * The partition's UART output goes to the terminal as it comes (no "[name]" lines), and all
 * other output, RVM's own included, is held until the terminal detaches (kernel/console.h,
 * con_focus), so nothing interleaves with the partition's screen: the other partitions'
 * and agents' excess is dropped and counted (`ps`, `agents`), RVM's own comes out anyway if
 * its 32 KiB fill. Attaching, detaching and every refusal are
 * witnessed (WK_DEV_CONSOLE, docs/WITNESS.md). All of it runs on CPU 0, in the monitor.
 */
#include <stddef.h>
#include <stdint.h>

#include "configs/features.h"
#include "kernel/console.h"
#include "kernel/monitor.h"
#include "kernel/run.h"
#include "partition/vdev.h"
#include "partition/virq.h"
#include "witness/witness.h"

/* Without the attach feature (the Seed), `console` is refused: kernel/absent_cmds.c. */
#ifdef RVM_WITH_ATTACH
#define CONSOLE_ESCAPE 0x1d /* Ctrl-] */
#define CONSOLE_QUEUE  256

/* WK_DEV_CONSOLE payload: op in bits 7:0, a refusal's reason in 15:8. */
enum { CONSOLE_OP_ATTACH = 1, CONSOLE_OP_DETACH = 2 };
enum { CONSOLE_NO_PART = 1, CONSOLE_AGENT = 2, CONSOLE_NO_UART = 3 };

static struct attached {
        uint32_t part; /* attached partition, 0: none */
        uint8_t queue[CONSOLE_QUEUE];
        uint32_t head, count;
        uint64_t typed, dropped;
} att;

static void witness_console(uint64_t part, unsigned op, unsigned reason, uint64_t typed)
{
        witness_emit(&(struct witness_event){
            .kind = WK_DEV_CONSOLE,
            .flags = reason != 0 ? WITNESS_F_DENIED : 0,
            .actor = 0,
            .target = part,
            .payload = op | (uint64_t)reason << 8 | typed << 32,
        });
}

/* Move waiting bytes into the partition's receive FIFO as far as it takes them. */
static void pump(void)
{
        if (att.part == 0 || att.count == 0) {
                return;
        }
        run_lock_take();
        struct partition *p = part_get(att.part);
        while (p != NULL && att.count > 0) {
                uint32_t run =
                    CONSOLE_QUEUE - att.head < att.count ? CONSOLE_QUEUE - att.head : att.count;
                size_t took = vdev_console_input(p, &att.queue[att.head], run);
                att.head = (att.head + (uint32_t)took) % CONSOLE_QUEUE;
                att.count -= (uint32_t)took;
                att.typed += took;
                if (took < run) {
                        break;
                }
        }
        run_lock_give();
}

static bool waiting(void)
{
        return att.count > 0;
}

static void detach(void)
{
        uint32_t id = att.part;

        run_lock_take();
        struct partition *p = part_get(id);
        if (p != NULL) {
                (void)vdev_console_attach(p, false);
        }
        run_lock_give();
        witness_console(id, CONSOLE_OP_DETACH, 0, att.typed);
        con_focus(0); /* what was held comes out first, then this */
        con_printf("\nconsole: partition %u detached (%llu bytes typed in, %llu dropped)\n", id,
                   (unsigned long long)att.typed, (unsigned long long)(att.dropped + att.count));
        att.part = 0;
        att.count = 0;
        monitor_divert(NULL); /* and the prompt */
}

static void input(int byte)
{
        if (byte == CONSOLE_ESCAPE) {
                detach();
        } else if (att.count < CONSOLE_QUEUE) {
                att.queue[(att.head + att.count++) % CONSOLE_QUEUE] = (uint8_t)byte;
        } else {
                att.dropped++; /* the partition is not reading: typing ahead has a limit */
        }
}

static int refuse(uint64_t id, unsigned reason, const char *fmt, uint64_t arg)
{
        witness_console(id, CONSOLE_OP_ATTACH, reason, 0);
        con_printf(fmt, (unsigned long long)arg);
        return -1;
}

static int cmd_console(int argc, char **argv)
{
        static const struct monitor_divert to_partition = {
            .input = input, .pump = pump, .waiting = waiting};
        uint64_t id = 0;
        bool number = argc == 2 && argv[1][0] != '\0';

        for (const char *s = number ? argv[1] : ""; *s != '\0' && number; s++) {
                number = *s >= '0' && *s <= '9' && id <= PART_MAX;
                id = number ? id * 10 + (uint64_t)(*s - '0') : 0; /* 0: not a number */
        }
        if (!number || id == 0 || id > PART_MAX) {
                witness_console(id, CONSOLE_OP_ATTACH, CONSOLE_NO_PART, 0);
                if (argc != 2) {
                        con_printf("usage: console <partition id> (see ps)\n");
                } else {
                        con_printf("error: console: no partition '%s' (see ps)\n", argv[1]);
                }
                return -1;
        }
        run_lock_take();
        struct partition *p = part_get((uint32_t)id);
        bool agent = p != NULL && p->cfg->kind != PART_KIND_GUEST;
        bool uart = p != NULL && !agent && vdev_console_attach(p, false); /* not attached yet */
        run_lock_give();
        if (p == NULL) {
                return refuse(id, CONSOLE_NO_PART, "error: console: no partition %llu (see ps)\n",
                              id);
        }
        if (agent) {
                return refuse(id, CONSOLE_AGENT,
                              "error: console: partition %llu runs WebAssembly agents; it has no "
                              "console UART (see agents)\n",
                              id);
        }
        if (!uart) {
                return refuse(id, CONSOLE_NO_UART,
                              "error: console: partition %llu has no virtual PL011 (see vdevs)\n",
                              id);
        }
        witness_console(id, CONSOLE_OP_ATTACH, 0, 0);
        con_printf("console: attached to partition %llu (%s); Ctrl-] returns to the monitor\n",
                   (unsigned long long)id, p->name);
        con_flush(); /* before the partition's own output, which now comes as it is written */
        att = (struct attached){.part = (uint32_t)id};
        con_focus((unsigned)id);
        run_lock_take();
        (void)vdev_console_attach(p, true);
        run_lock_give();
        monitor_divert(&to_partition);
        return 0;
}
MONITOR_CMD(console, "console", "<id>",
            "attach the terminal to a partition's PL011 (Ctrl-] returns; witnessed)", cmd_console);
#endif

/* ---- the virtual UARTs' effects (partition/vdev.c's sink), run_lock held ---- */

void part_vdev_raw(const struct partition *p, const char *s, size_t n)
{
        (void)con_source_write(p->id, s, n);
}

void part_vdev_irq(struct partition *p, uint32_t vcpu, uint32_t intid)
{
        if (vcpu < p->nr_vcpus) {
                virq_raise(&p->vcpus[vcpu], intid);
        }
}
