/*
 * hal/board.c: board facts from the DTB (one walk over its tags with libfdt's iterator),
 * with the QEMU virt values as a documented fallback (docs/boards.md). Every DTB value is
 * untrusted: lengths are checked, oversize values are ignored, and nothing here can fault
 * on a bad tree. The parser of a profile with the `dtb` feature (the appliance); the Seed's
 * board is compiled in instead (hal/board_fixed.c), and this file is how its facts are made:
 * tools/boardgen runs board_parse over QEMU's DTB at build time.
 */
#include "hal/board.h"

#include <libfdt.h>
#include <string.h>

/* QEMU virt (hw/arm/virt.c) memory map, used only when the DTB does not say. */
#define VIRT_RAM_BASE   0x40000000ULL
#define VIRT_RAM_SIZE   0x08000000ULL /* assume only 128 MiB, QEMU's default -m */
#define VIRT_UART_BASE  0x09000000ULL
#define VIRT_UART_IRQ   33
#define VIRT_GICD_BASE  0x08000000ULL
#define VIRT_GICR_BASE  0x080a0000ULL
#define VIRT_FLASH_BANK 0x04000000ULL

#define GIC_SPI_BASE 32
#define GIC_PPI_BASE 16

static void copy_str(char *dst, size_t cap, const char *src, int len)
{
        size_t n = 0;

        if (src != NULL && len > 0) {
                n = strnlen(src, (size_t)len);
                if (n >= cap) {
                        n = cap - 1;
                }
                memcpy(dst, src, n);
        }
        dst[n] = '\0';
}

void board_virt_fallback(struct board_info *info)
{
        memset(info, 0, sizeof(*info));
        copy_str(info->model, sizeof(info->model), "qemu virt (fallback)", 32);
        info->mem[0] = (struct board_range){VIRT_RAM_BASE, VIRT_RAM_SIZE};
        info->mem_count = 1;
        info->uart = (struct board_range){VIRT_UART_BASE, 0x1000};
        info->uart_irq = VIRT_UART_IRQ;
        info->gicd = (struct board_range){VIRT_GICD_BASE, 0x10000};
        info->gicr = (struct board_range){VIRT_GICR_BASE, 0xf60000};
        info->timer_hyp_irq = 26;
        info->timer_virt_irq = 27;
        info->timer_phys_irq = 30;
        info->psci = BOARD_PSCI_SMC;
        info->cpu_count = 1;
        info->cpu_count_dtb = 1;
        info->flash[0] = (struct board_range){0, VIRT_FLASH_BANK};
        info->flash[1] = (struct board_range){VIRT_FLASH_BANK, VIRT_FLASH_BANK};
        info->flash_count = 2;
}

static uint64_t read_cells(const fdt32_t *p, int cells)
{
        uint64_t v = 0;

        for (int i = 0; i < cells; i++) {
                v = (v << 32) | fdt32_ld(&p[i]);
        }
        return v;
}

/*
 * The properties board_parse reads, each the first of its name in its node (as fdt_getprop
 * would find it), collected by the one walk of the tree below: no lookup by name, and none
 * of libfdt's per-property checks of the header, which cost more than the walk itself.
 */
enum {
        P_COMPAT,
        P_TYPE,
        P_REG,
        P_IRQ,
        P_METHOD,
        P_ADDR_CELLS,
        P_SIZE_CELLS,
        P_MODEL,
        P_BOOTARGS,
        P_INITRD_START,
        P_INITRD_END,
        P_COUNT
};
static const char *const prop_names[P_COUNT] = {
    "compatible",       "device_type", "reg",   "interrupts", "method",
    "#address-cells",   "#size-cells", "model", "bootargs",   "linux,initrd-start",
    "linux,initrd-end",
};

struct prop {
        const fdt32_t *val; /* NULL: the node has no such property */
        int len;
};

/* A node's #address-cells and #size-cells, as libfdt's fdt_address_cells and fdt_size_cells
 * read them (2 and 1 when absent; negative when not a single cell of at most 4, or when zero
 * address cells). */
struct cells {
        int ac, sc;
};

static struct cells cells_of(const struct prop p[2])
{
        int c[2];

        for (int k = 0; k < 2; k++) {
                uint32_t v = p[k].val == NULL ? 2u - (uint32_t)k
                             : p[k].len == 4  ? fdt32_ld(p[k].val)
                                              : ~0u;
                c[k] = v <= FDT_MAX_NCELLS && (v != 0 || k == 1) ? (int)v : -1;
        }
        return (struct cells){c[0], c[1]};
}

/* The i-th (address, size) pair of a "reg", in its parent's cells. */
static bool read_reg(struct cells c, const struct prop *reg, int index, struct board_range *out)
{
        if (reg->val == NULL || c.ac < 1 || c.ac > 2 || c.sc < 0 || c.sc > 2) {
                return false;
        }
        int stride = c.ac + c.sc;
        if (reg->len < 0 || (index + 1) * stride * (int)sizeof(fdt32_t) > reg->len) {
                return false;
        }
        out->base = read_cells(reg->val + index * stride, c.ac);
        out->size = read_cells(reg->val + index * stride + c.ac, c.sc);
        return true;
}

/* GIC INTID of the i-th 3-cell interrupt specifier (type, number, flags). */
static bool read_irq(const struct prop *irq, int index, unsigned *intid)
{
        if (irq->val == NULL || irq->len < (index + 1) * 3 * (int)sizeof(fdt32_t)) {
                return false;
        }
        uint32_t type = fdt32_ld(&irq->val[index * 3]);
        uint32_t num = fdt32_ld(&irq->val[index * 3 + 1]);
        if (num > 1000) {
                return false;
        }
        *intid = num + (type == 1 ? GIC_PPI_BASE : GIC_SPI_BASE);
        return true;
}

/* Is the string property p, up to its length, s (with its NUL: size)? */
static bool prop_str_is(const struct prop *p, const char *s, size_t size)
{
        return p->val != NULL && p->len >= (int)size && strncmp((const char *)p->val, s, size) == 0;
}

/* The nodes board_parse reads, found in one walk of the tree (each first in tree order). */
enum {
        N_UART,
        N_GIC,
        N_TIMER,
        N_PSCI02,
        N_PSCI,
        N_RTC,
        N_FLASH,
        N_COMPAT,
        N_CPUS = N_COMPAT,
        N_CHOSEN,
        N_COUNT
};
static const char *const compat_names[N_COMPAT] = {
    "arm,pl011", "arm,gic-v3", "arm,armv8-timer", "arm,psci-0.2",
    "arm,psci",  "arm,pl031",  "cfi-flash",
};
/* What board_parse reads of the nodes found by "compatible": their "reg" (in their parent's
 * cells), "interrupts" and "method". */
struct found {
        int node[N_COUNT];
        struct cells cells[N_COMPAT];
        struct prop reg[N_COMPAT], irq[N_COMPAT], method[N_COMPAT];
};

/* Parents kept on a stack, with their cells: libfdt's own depth limit (FDT_MAX_DEPTH, which
 * fdt_check_full enforces); a deeper node is not read. */
#define WALK_DEPTH 32

/* A child of the root called name, or name@unit (as fdt_path_offset("/name") matches). */
static bool root_child_is(const char *got, const char *name)
{
        size_t n = strlen(name);
        return got != NULL && strncmp(got, name, n) == 0 && (got[n] == '\0' || got[n] == '@');
}

/* The node being read: its properties as the walk meets them. */
struct walk_node {
        int node, depth;
        bool in_cpus;        /* a child of /cpus */
        struct cells parent; /* its parent's cells */
        struct prop p[P_COUNT];
};

/* A node's properties are all read (its first child or its end comes next): take what
 * board_parse needs of it. Returns its own cells, its children's parent cells. */
static struct cells close_node(const struct walk_node *w, struct found *f, struct board_info *info)
{
        _Static_assert(P_SIZE_CELLS == P_ADDR_CELLS + 1, "the two cells properties in a row");
        struct cells own = cells_of(&w->p[P_ADDR_CELLS]);
        const struct prop *type = &w->p[P_TYPE];

        if (w->node == 0) {
                const struct prop *model = &w->p[P_MODEL];
                copy_str(info->model, sizeof(info->model),
                         model->val != NULL ? (const char *)model->val : "unknown board",
                         model->val != NULL ? model->len : 16);
        }
        if (w->p[P_COMPAT].val != NULL) {
                for (int i = 0; i < N_COMPAT; i++) {
                        if (f->node[i] < 0 &&
                            fdt_stringlist_contains((const char *)w->p[P_COMPAT].val,
                                                    w->p[P_COMPAT].len, compat_names[i])) {
                                f->node[i] = w->node;
                                f->cells[i] = w->parent;
                                f->reg[i] = w->p[P_REG];
                                f->irq[i] = w->p[P_IRQ];
                                f->method[i] = w->p[P_METHOD];
                        }
                }
        }
        if (prop_str_is(type, "memory", 7)) {
                /* The "reg" ranges of one device_type = "memory" node, appended to info->mem. */
                for (int i = 0; info->mem_count < BOARD_MAX_MEM; i++) {
                        struct board_range r;
                        if (!read_reg(w->parent, &w->p[P_REG], i, &r)) {
                                break;
                        }
                        if (r.size != 0 && r.base + r.size > r.base) {
                                info->mem[info->mem_count++] = r;
                        }
                }
        }
        if (w->in_cpus) {
                /* A child of /cpus: a CPU if its device_type says so and its "reg" holds an
                 * MPIDR in /cpus's address cells (a "reg" pair without a size). */
                struct board_range mpidr;
                if (prop_str_is(type, "cpu", 4) &&
                    read_reg((struct cells){w->parent.ac, 0}, &w->p[P_REG], 0, &mpidr)) {
                        if (info->cpu_count_dtb < BOARD_MAX_CPUS) {
                                info->cpu_mpidr[info->cpu_count_dtb] = mpidr.base;
                        }
                        info->cpu_count_dtb++;
                }
        }
        if (w->depth == 1 && w->node == f->node[N_CHOSEN]) {
                const struct prop *start = &w->p[P_INITRD_START], *end = &w->p[P_INITRD_END];
                copy_str(info->bootargs, sizeof(info->bootargs), (const char *)w->p[P_BOOTARGS].val,
                         w->p[P_BOOTARGS].len);
                if (start->val != NULL && end->val != NULL &&
                    (start->len == 4 || start->len == 8) && (end->len == 4 || end->len == 8)) {
                        uint64_t s = read_cells(start->val, start->len / 4);
                        uint64_t e = read_cells(end->val, end->len / 4);
                        if (e > s) {
                                info->initrd = (struct board_range){s, e - s};
                        }
                }
        }
        return own;
}

/*
 * One pass over the tree's tags with libfdt's iterator (fdt_next_tag, which bounds every
 * step by the structure block), each property read where the walk meets it: a node's
 * properties come before its children, so once its first child or its end is reached, what
 * board_parse needs of it is taken (close_node) and nothing walks the tree again. A lookup
 * by name per node (fdt_next_node, then fdt_getprop for "compatible" and "device_type")
 * searched each node's properties again per name, through libfdt's checks of the header at
 * every step: the walk of QEMU's 56-node tree took ~0.94 M instructions that way, ~0.32 M
 * this way (the boot's whole count).
 */
static void walk_tree(const void *dtb, struct found *f, struct board_info *info)
{
        struct cells stack[WALK_DEPTH];
        struct walk_node w = {.node = -1};
        int depth = -1;
        int next = 0;
        const char *base = (const char *)dtb + fdt_off_dt_struct(dtb);
        const char *strs = (const char *)dtb + fdt_off_dt_strings(dtb);
        const uint32_t strs_size = fdt_size_dt_strings(dtb);
        int top = -1; /* the child of the root the walk is in */

        *f = (struct found){0};
        for (int i = 0; i < N_COUNT; i++) {
                f->node[i] = -1;
        }
        for (int off = 0; off >= 0; off = next) {
                uint32_t tag = fdt_next_tag(dtb, off, &next);
                if (tag == FDT_PROP) {
                        if (w.node < 0) {
                                continue; /* a node's properties come before its children */
                        }
                        /* fdt_next_tag has checked that the whole property (tag, length,
                         * name offset, value) lies in the structure block, so it is read
                         * in place (a version 16 tree or later: board_parse). */
                        const struct fdt_property *p = (const void *)(base + off);
                        const char *val = p->data;
                        int len = (int)fdt32_to_cpu(p->len);
                        if (len < 0) {
                                break; /* a property libfdt cannot read: the walk ends */
                        }
                        /* Its name, compared in place, bounded by the strings block. */
                        uint32_t nameoff = fdt32_to_cpu(p->nameoff);
                        if (nameoff >= strs_size) {
                                continue;
                        }
                        const char *name = strs + nameoff;
                        for (int i = 0; i < P_COUNT; i++) {
                                const char *want = prop_names[i];
                                size_t size = 0;
                                if (w.p[i].val != NULL || name[0] != want[0] ||
                                    (size = strlen(want) + 1) > strs_size - nameoff ||
                                    memcmp(name, want, size) != 0) {
                                        continue;
                                }
                                w.p[i] = (struct prop){(const fdt32_t *)(const void *)val, len};
                                break;
                        }
                        continue;
                }
                if (tag == FDT_NOP) {
                        continue;
                }
                if (w.node >= 0) {
                        /* its first child, its end, or the end of the walk */
                        struct cells own = close_node(&w, f, info);
                        if (w.depth < WALK_DEPTH) {
                                stack[w.depth] = own;
                        }
                        w.node = -1;
                }
                if (tag == FDT_BEGIN_NODE) {
                        depth++;
                        if (depth == 1) {
                                /* checked by fdt_next_tag, up to its NUL */
                                const char *name = base + off + FDT_TAGSIZE;
                                if (f->node[N_CPUS] < 0 && root_child_is(name, "cpus")) {
                                        f->node[N_CPUS] = off;
                                } else if (f->node[N_CHOSEN] < 0 && root_child_is(name, "chosen")) {
                                        f->node[N_CHOSEN] = off;
                                }
                                top = off;
                        }
                        if (depth < WALK_DEPTH) {
                                w = (struct walk_node){
                                    .node = off,
                                    .depth = depth,
                                    .in_cpus = depth == 2 && top == f->node[N_CPUS],
                                    .parent = depth == 0 ? (struct cells){2, 1} : stack[depth - 1],
                                };
                        }
                } else if (tag == FDT_END_NODE) {
                        if (--depth < 0) {
                                return; /* the root's end */
                        }
                } else {
                        return; /* FDT_END, or a damaged block */
                }
        }
        if (w.node >= 0) {
                (void)close_node(&w, f, info); /* the walk ended inside its properties */
        }
}

enum board_err board_parse(const void *dtb, uint64_t dtb_max_size, struct board_info *info)
{
        board_virt_fallback(info);
        if (!board_dtb_header(dtb, dtb_max_size, info)) {
                return BOARD_E_NO_DTB;
        }
        info->from_dtb = true;

        copy_str(info->model, sizeof(info->model), "unknown board", 16);
        enum board_err err = BOARD_OK;
        unsigned mem_before = info->mem_count;
        unsigned cpus_before = info->cpu_count_dtb;
        struct found f;
        info->mem_count = 0;
        info->cpu_count_dtb = 0;
        walk_tree(dtb, &f, info);
        if (info->mem_count == 0) {
                info->mem_count = mem_before;
                err = BOARD_E_NO_MEMORY;
        }
        if (info->cpu_count_dtb > 0) {
                info->cpu_count =
                    info->cpu_count_dtb < BOARD_MAX_CPUS ? info->cpu_count_dtb : BOARD_MAX_CPUS;
        } else {
                info->cpu_count_dtb = cpus_before;
        }

        if (!read_reg(f.cells[N_UART], &f.reg[N_UART], 0, &info->uart) ||
            !read_irq(&f.irq[N_UART], 0, &info->uart_irq)) {
                err = err != BOARD_OK ? err : BOARD_E_NO_UART;
        }
        if (!read_reg(f.cells[N_GIC], &f.reg[N_GIC], 0, &info->gicd) ||
            !read_reg(f.cells[N_GIC], &f.reg[N_GIC], 1, &info->gicr)) {
                err = err != BOARD_OK ? err : BOARD_E_NO_GIC;
        }

        /* Architected timer: secure phys, non-secure phys, virtual, hypervisor (in that order). */
        read_irq(&f.irq[N_TIMER], 1, &info->timer_phys_irq);
        read_irq(&f.irq[N_TIMER], 2, &info->timer_virt_irq);
        read_irq(&f.irq[N_TIMER], 3, &info->timer_hyp_irq);

        int psci = f.node[N_PSCI02] >= 0 ? N_PSCI02 : N_PSCI;
        if (f.node[psci] >= 0) {
                info->psci = prop_str_is(&f.method[psci], "smc", 4)   ? BOARD_PSCI_SMC
                             : prop_str_is(&f.method[psci], "hvc", 4) ? BOARD_PSCI_HVC
                                                                      : BOARD_PSCI_NONE;
        }

        if (!read_reg(f.cells[N_RTC], &f.reg[N_RTC], 0, &info->rtc) ||
            !read_irq(&f.irq[N_RTC], 0, &info->rtc_irq)) {
                info->rtc = (struct board_range){0, 0};
        }

        if (f.node[N_FLASH] >= 0) {
                unsigned n = 0;
                while (n < 2 &&
                       read_reg(f.cells[N_FLASH], &f.reg[N_FLASH], (int)n, &info->flash[n])) {
                        n++;
                }
                info->flash_count = n;
        }
        return err;
}

const char *board_err_str(enum board_err err)
{
        switch (err) {
        case BOARD_OK:
                return "ok";
        case BOARD_E_NO_DTB:
                return "no valid DTB; using the QEMU virt fallback";
        case BOARD_E_NO_MEMORY:
                return "DTB has no /memory node; assuming 128 MiB at 0x40000000";
        case BOARD_E_NO_UART:
                return "DTB has no usable arm,pl011 node; using 0x09000000";
        case BOARD_E_NO_GIC:
                return "DTB has no usable arm,gic-v3 node; using 0x08000000";
        }
        return "unknown error";
}
