/*
 * hal/board.c: board facts from the DTB (libfdt), with the QEMU virt values as a
 * documented fallback (docs/boards.md). Every DTB value is untrusted: lengths are
 * checked, oversize values are ignored, and nothing here can fault on a bad tree.
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

/* The i-th (address, size) pair of node's "reg", using its parent's cell counts. */
static bool read_reg(const void *fdt, int parent, int node, int index, struct board_range *out)
{
        int ac = parent >= 0 ? fdt_address_cells(fdt, parent) : 2;
        int sc = parent >= 0 ? fdt_size_cells(fdt, parent) : 1;
        int len = 0;
        const fdt32_t *reg = node >= 0 ? fdt_getprop(fdt, node, "reg", &len) : NULL;

        if (reg == NULL || ac < 1 || ac > 2 || sc < 0 || sc > 2) {
                return false;
        }
        int stride = ac + sc;
        if (len < 0 || (index + 1) * stride * (int)sizeof(fdt32_t) > len) {
                return false;
        }
        out->base = read_cells(reg + index * stride, ac);
        out->size = read_cells(reg + index * stride + ac, sc);
        return true;
}

/* GIC INTID of the i-th 3-cell interrupt specifier (type, number, flags). */
static bool read_irq(const void *fdt, int node, int index, unsigned *intid)
{
        int len = 0;
        const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", &len);

        if (irq == NULL || len < (index + 1) * 3 * (int)sizeof(fdt32_t)) {
                return false;
        }
        uint32_t type = fdt32_ld(&irq[index * 3]);
        uint32_t num = fdt32_ld(&irq[index * 3 + 1]);
        if (num > 1000) {
                return false;
        }
        *intid = num + (type == 1 ? GIC_PPI_BASE : GIC_SPI_BASE);
        return true;
}

/* The "reg" ranges of one device_type = "memory" node, appended to info->mem. */
static void add_memory(const void *fdt, int parent, int node, struct board_info *info)
{
        for (int i = 0; info->mem_count < BOARD_MAX_MEM; i++) {
                struct board_range r;
                if (!read_reg(fdt, parent, node, i, &r)) {
                        break;
                }
                if (r.size != 0 && r.base + r.size > r.base) {
                        info->mem[info->mem_count++] = r;
                }
        }
}

static void parse_cpus(const void *fdt, int cpus, struct board_info *info)
{
        unsigned count = 0;
        unsigned seen = 0;
        int node;

        if (cpus < 0) {
                return;
        }
        int ac = fdt_address_cells(fdt, cpus);
        fdt_for_each_subnode(node, fdt, cpus)
        {
                int tlen = 0;
                int len = 0;
                const char *type = fdt_getprop(fdt, node, "device_type", &tlen);
                const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
                if (type == NULL || tlen < 4 || strncmp(type, "cpu", 4) != 0 || reg == NULL ||
                    ac < 1 || ac > 2 || len < ac * (int)sizeof(fdt32_t)) {
                        continue;
                }
                seen++;
                if (count < BOARD_MAX_CPUS) {
                        info->cpu_mpidr[count++] = read_cells(reg, ac);
                }
        }
        if (count > 0) {
                info->cpu_count = count;
                info->cpu_count_dtb = seen;
        }
}

static void parse_chosen(const void *fdt, int chosen, struct board_info *info)
{
        int len = 0;

        if (chosen < 0) {
                return;
        }
        const char *args = fdt_getprop(fdt, chosen, "bootargs", &len);
        copy_str(info->bootargs, sizeof(info->bootargs), args, len);

        const fdt32_t *start = fdt_getprop(fdt, chosen, "linux,initrd-start", &len);
        int slen = len;
        const fdt32_t *end = fdt_getprop(fdt, chosen, "linux,initrd-end", &len);
        if (start != NULL && end != NULL && (slen == 4 || slen == 8) && (len == 4 || len == 8)) {
                uint64_t s = read_cells(start, slen / 4);
                uint64_t e = read_cells(end, len / 4);
                if (e > s) {
                        info->initrd = (struct board_range){s, e - s};
                }
        }
}

/*
 * libfdt reads the structure block with aligned 32-bit loads. Before RVM's MMU is on
 * the DTB is Device memory, where an unaligned load faults, so a tree whose blocks
 * are not aligned is refused rather than walked.
 */
static bool dtb_aligned(const void *dtb)
{
        return ((uintptr_t)dtb % 8) == 0 && fdt_off_dt_struct(dtb) % 4 == 0 &&
               fdt_off_mem_rsvmap(dtb) % 8 == 0;
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
struct found {
        int node[N_COUNT];
        int parent[N_COUNT];
};

#define WALK_DEPTH 16 /* parents kept on a stack; a deeper node asks libfdt for its parent */

/* A child of the root called name, or name@unit (as fdt_path_offset("/name") matches). */
static bool root_child_is(const char *got, const char *name)
{
        size_t n = strlen(name);
        return got != NULL && strncmp(got, name, n) == 0 && (got[n] == '\0' || got[n] == '@');
}

/* One node's properties as the walk meets them: only the first of each name counts, as
 * fdt_getprop would find it. */
struct walk_node {
        int node, parent;
        bool compat_seen, type_seen;
};

/* Is the property name at nameoff in the strings block exactly name (size: with its NUL)?
 * Compared in place, bounded by the block: fdt_get_string's checks of the whole header,
 * made for every property of the walk, cost more than the walk itself. */
static bool prop_is(const void *dtb, uint32_t nameoff, const char *name, size_t size)
{
        uint32_t strs = fdt_size_dt_strings(dtb);

        return nameoff < strs && strs - nameoff >= size &&
               memcmp((const char *)dtb + fdt_off_dt_strings(dtb) + nameoff, name, size) == 0;
}

static void walk_prop(const void *dtb, struct walk_node *w, uint32_t nameoff, const char *val,
                      int len, struct found *f, struct board_info *info)
{
        if (!w->compat_seen && prop_is(dtb, nameoff, "compatible", 11)) {
                w->compat_seen = true;
                for (int i = 0; i < N_COMPAT; i++) {
                        if (f->node[i] < 0 && fdt_stringlist_contains(val, len, compat_names[i])) {
                                f->node[i] = w->node;
                                f->parent[i] = w->parent;
                        }
                }
        } else if (!w->type_seen && prop_is(dtb, nameoff, "device_type", 12)) {
                w->type_seen = true;
                if (len >= 7 && strncmp(val, "memory", 7) == 0) {
                        add_memory(dtb, w->parent, w->node, info);
                }
        }
}

/*
 * One pass over the tree's tags with libfdt's iterator (fdt_next_tag, which bounds every
 * step by the structure block), each property read where the walk meets it: memory ranges
 * are collected as they come and every other node board_parse needs is remembered with its
 * parent, so nothing walks the tree again. A lookup by name per node (fdt_next_node, then
 * fdt_getprop for "compatible" and "device_type") searched each node's properties again
 * per name, through libfdt's checks of the header at every step: the walk of QEMU's
 * 56-node tree took ~0.94 M instructions that way, ~0.32 M this way (the boot's whole count).
 */
static void walk_tree(const void *dtb, struct found *f, struct board_info *info)
{
        int stack[WALK_DEPTH];
        int depth = -1;
        struct walk_node w = {.node = -1, .parent = -1};
        int next = 0;
        const bool v16 = fdt_version(dtb) >= 16;
        const char *base = (const char *)dtb + fdt_off_dt_struct(dtb);

        for (int i = 0; i < N_COUNT; i++) {
                f->node[i] = -1;
                f->parent[i] = -1;
        }
        for (int off = 0; off >= 0; off = next) {
                uint32_t tag = fdt_next_tag(dtb, off, &next);
                if (tag == FDT_BEGIN_NODE) {
                        depth++;
                        w = (struct walk_node){
                            .node = off,
                            .parent = depth == 0               ? -1
                                      : depth - 1 < WALK_DEPTH ? stack[depth - 1]
                                                               : fdt_parent_offset(dtb, off),
                        };
                        if (depth < WALK_DEPTH) {
                                stack[depth] = off;
                        }
                        if (depth == 1) {
                                /* checked by fdt_next_tag, up to its NUL; before version
                                 * 16 a node's name is its whole path, which libfdt cuts */
                                const char *name =
                                    v16 ? base + off + FDT_TAGSIZE : fdt_get_name(dtb, off, NULL);
                                if (f->node[N_CPUS] < 0 && root_child_is(name, "cpus")) {
                                        f->node[N_CPUS] = off;
                                } else if (f->node[N_CHOSEN] < 0 && root_child_is(name, "chosen")) {
                                        f->node[N_CHOSEN] = off;
                                }
                        }
                } else if (tag == FDT_PROP) {
                        if (w.node < 0) {
                                continue; /* a node's properties come before its children */
                        }
                        /* fdt_next_tag has checked that the whole property (tag, length,
                         * name offset, value) lies in the structure block, so it is read
                         * in place; trees older than version 16 align large values, which
                         * libfdt resolves. */
                        const struct fdt_property *p = (const void *)(base + off);
                        const char *val = p->data;
                        int len = (int)fdt32_to_cpu(p->len);
                        if (!v16) {
                                val = fdt_getprop_by_offset(dtb, off, NULL, &len);
                        }
                        if (val == NULL || len < 0) {
                                return; /* a property libfdt cannot read: the walk ends */
                        }
                        walk_prop(dtb, &w, fdt32_to_cpu(p->nameoff), val, len, f, info);
                } else if (tag == FDT_END_NODE) {
                        if (--depth < 0) {
                                return; /* the root's end */
                        }
                        w.node = -1; /* properties only precede a node's children */
                } else if (tag != FDT_NOP) {
                        return; /* FDT_END, or a damaged block */
                }
        }
}

enum board_err board_parse(const void *dtb, uint64_t dtb_max_size, struct board_info *info)
{
        board_virt_fallback(info);
        if (dtb == NULL || dtb_max_size < sizeof(struct fdt_header) || (uintptr_t)dtb % 8 != 0 ||
            fdt_check_header(dtb) != 0 || fdt_totalsize(dtb) > dtb_max_size || !dtb_aligned(dtb)) {
                return BOARD_E_NO_DTB;
        }
        info->from_dtb = true;
        info->dtb = (struct board_range){(uint64_t)(uintptr_t)dtb, fdt_totalsize(dtb)};
        uint64_t struct_end = (uint64_t)fdt_off_dt_struct(dtb) + fdt_size_dt_struct(dtb);
        uint64_t strings_end = (uint64_t)fdt_off_dt_strings(dtb) + fdt_size_dt_strings(dtb);
        info->dtb_used = struct_end > strings_end ? struct_end : strings_end;
        if (info->dtb_used > info->dtb.size) {
                info->dtb_used = info->dtb.size; /* fdt_check_header bounds it; keep it so */
        }

        int len = 0;
        const char *model = fdt_getprop(dtb, 0, "model", &len);
        copy_str(info->model, sizeof(info->model), model != NULL ? model : "unknown board",
                 model != NULL ? len : 16);

        enum board_err err = BOARD_OK;
        unsigned mem_before = info->mem_count;
        struct found f;
        info->mem_count = 0;
        walk_tree(dtb, &f, info);
        if (info->mem_count == 0) {
                info->mem_count = mem_before;
                err = BOARD_E_NO_MEMORY;
        }

        int node = f.node[N_UART];
        if (!read_reg(dtb, f.parent[N_UART], node, 0, &info->uart) ||
            !read_irq(dtb, node, 0, &info->uart_irq)) {
                err = err != BOARD_OK ? err : BOARD_E_NO_UART;
        }

        node = f.node[N_GIC];
        if (!read_reg(dtb, f.parent[N_GIC], node, 0, &info->gicd) ||
            !read_reg(dtb, f.parent[N_GIC], node, 1, &info->gicr)) {
                err = err != BOARD_OK ? err : BOARD_E_NO_GIC;
        }

        /* Architected timer: secure phys, non-secure phys, virtual, hypervisor (in that order). */
        node = f.node[N_TIMER];
        if (node >= 0) {
                read_irq(dtb, node, 1, &info->timer_phys_irq);
                read_irq(dtb, node, 2, &info->timer_virt_irq);
                read_irq(dtb, node, 3, &info->timer_hyp_irq);
        }

        node = f.node[N_PSCI02] >= 0 ? f.node[N_PSCI02] : f.node[N_PSCI];
        if (node >= 0) {
                const char *method = fdt_getprop(dtb, node, "method", &len);
                info->psci = BOARD_PSCI_NONE;
                if (method != NULL && len >= 4 && strncmp(method, "smc", 4) == 0) {
                        info->psci = BOARD_PSCI_SMC;
                } else if (method != NULL && len >= 4 && strncmp(method, "hvc", 4) == 0) {
                        info->psci = BOARD_PSCI_HVC;
                }
        }

        parse_cpus(dtb, f.node[N_CPUS], info);
        parse_chosen(dtb, f.node[N_CHOSEN], info);

        node = f.node[N_RTC];
        if (!read_reg(dtb, f.parent[N_RTC], node, 0, &info->rtc) ||
            !read_irq(dtb, node, 0, &info->rtc_irq)) {
                info->rtc = (struct board_range){0, 0};
        }

        node = f.node[N_FLASH];
        if (node >= 0) {
                unsigned n = 0;
                while (n < 2 && read_reg(dtb, f.parent[N_FLASH], node, (int)n, &info->flash[n])) {
                        n++;
                }
                info->flash_count = n;
        }
        return err;
}

bool board_has_arg(const struct board_info *info, const char *word)
{
        size_t wlen = strlen(word);
        const char *p = info->bootargs;

        while (*p != '\0') {
                while (*p == ' ') {
                        p++;
                }
                size_t n = 0;
                while (p[n] != '\0' && p[n] != ' ') {
                        n++;
                }
                if (n == wlen && strncmp(p, word, n) == 0) {
                        return true;
                }
                p += n;
        }
        return false;
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
