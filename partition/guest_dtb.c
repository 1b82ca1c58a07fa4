/*
 * partition/guest_dtb.c: the Linux partition's device tree (see guest_dtb.h), written
 * with libfdt's sequential-write API. The bindings followed: arm,gic-v3, arm,armv8-timer,
 * arm,psci-1.0, arm,pl011 + arm,primecell with a fixed-clock.
 */
#include "partition/guest_dtb.h"

#include <libfdt.h>

#define PHANDLE_GIC 1
#define PHANDLE_CLK 2

/* GIC interrupt specifier: type (0 SPI, 1 PPI), number, flags (4 = level high). */
#define GIC_SPI     0
#define GIC_PPI     1
#define IRQ_LEVEL_H 4

static int prop_u64_pair(void *fdt, const char *name, uint64_t a, uint64_t b)
{
        fdt64_t v[2] = {cpu_to_fdt64(a), cpu_to_fdt64(b)};

        return fdt_property(fdt, name, v, sizeof(v));
}

static int prop_u64_quad(void *fdt, const char *name, uint64_t a, uint64_t b, uint64_t c,
                         uint64_t d)
{
        fdt64_t v[4] = {cpu_to_fdt64(a), cpu_to_fdt64(b), cpu_to_fdt64(c), cpu_to_fdt64(d)};

        return fdt_property(fdt, name, v, sizeof(v));
}

static int prop_cells(void *fdt, const char *name, const uint32_t *cells, int n)
{
        fdt32_t v[12];

        for (int i = 0; i < n; i++) {
                v[i] = cpu_to_fdt32(cells[i]);
        }
        return fdt_property(fdt, name, v, (int)(n * sizeof(fdt32_t)));
}

/* "name@addr" into out (64 bytes), hex without leading zeros. */
static void node_name(char *out, const char *name, uint64_t addr)
{
        static const char hex[] = "0123456789abcdef";
        char digits[16];
        int n = 0, i = 0;

        while (name[i] != '\0' && i < 40) {
                out[i] = name[i];
                i++;
        }
        out[i++] = '@';
        do {
                digits[n++] = hex[addr & 0xf];
                addr >>= 4;
        } while (addr != 0);
        while (n > 0) {
                out[i++] = digits[--n];
        }
        out[i] = '\0';
}

static int params_ok(const struct guest_dtb_params *p)
{
        uint64_t gicr_size;

        if (p == NULL || p->cpus == 0 || p->cpus > GUEST_DTB_MAX_CPUS || p->ram_size == 0 ||
            p->ram_base + p->ram_size < p->ram_base) {
                return 0;
        }
        if (p->uart_intid < 32 || p->uart_intid > 1019 || p->uart_clock_hz == 0) {
                return 0;
        }
        if (p->edge_size != 0 &&
            (p->doorbell_size == 0 || p->edge_base + p->edge_size < p->edge_base ||
             p->doorbell_base + p->doorbell_size < p->doorbell_base ||
             (p->edge_base < p->ram_base + p->ram_size &&
              p->ram_base < p->edge_base + p->edge_size) ||
             (p->doorbell_base < p->ram_base + p->ram_size &&
              p->ram_base < p->doorbell_base + p->doorbell_size))) {
                return 0; /* RVM's windows are never in the guest's RAM */
        }
        if (p->initrd_end < p->initrd_start) {
                return 0;
        }
        if (p->initrd_end != p->initrd_start &&
            (p->initrd_start < p->ram_base || p->initrd_end > p->ram_base + p->ram_size)) {
                return 0;
        }
        gicr_size = (uint64_t)p->cpus * GUEST_DTB_GICR_STRIDE;
        if (p->gicd_base + GUEST_DTB_GICD_SIZE < p->gicd_base ||
            p->gicr_base + gicr_size < p->gicr_base ||
            p->uart_base + GUEST_DTB_UART_SIZE < p->uart_base) {
                return 0;
        }
        return 1;
}

static int write_cpus(void *fdt, const struct guest_dtb_params *p)
{
        int err = fdt_begin_node(fdt, "cpus");

        err = err ?: fdt_property_u32(fdt, "#address-cells", 1);
        err = err ?: fdt_property_u32(fdt, "#size-cells", 0);
        for (uint32_t i = 0; i < p->cpus && err == 0; i++) {
                char name[64];

                node_name(name, "cpu", i);
                err = fdt_begin_node(fdt, name);
                err = err ?: fdt_property_string(fdt, "device_type", "cpu");
                err = err ?: fdt_property_string(fdt, "compatible", "arm,armv8");
                err = err ?: fdt_property_u32(fdt, "reg", i);
                err = err ?: fdt_property_string(fdt, "enable-method", "psci");
                err = err ?: fdt_end_node(fdt);
        }
        return err ?: fdt_end_node(fdt);
}

static int write_gic(void *fdt, const struct guest_dtb_params *p)
{
        char name[64];
        int err;

        node_name(name, "interrupt-controller", p->gicd_base);
        err = fdt_begin_node(fdt, name);
        err = err ?: fdt_property_string(fdt, "compatible", "arm,gic-v3");
        err = err ?: fdt_property_u32(fdt, "#interrupt-cells", 3);
        err = err ?: fdt_property(fdt, "interrupt-controller", "", 0);
        err = err ?: fdt_property_u32(fdt, "#redistributor-regions", 1);
        err = err
                  ?: prop_u64_quad(fdt, "reg", p->gicd_base, GUEST_DTB_GICD_SIZE, p->gicr_base,
                                   (uint64_t)p->cpus * GUEST_DTB_GICR_STRIDE);
        err = err ?: fdt_property_u32(fdt, "phandle", PHANDLE_GIC);
        return err ?: fdt_end_node(fdt);
}

static int write_timer(void *fdt)
{
        const uint32_t irqs[12] = {
            GIC_PPI, GUEST_TIMER_PPI_SEC_PHYS - 16, IRQ_LEVEL_H,
            GIC_PPI, GUEST_TIMER_PPI_PHYS - 16,     IRQ_LEVEL_H,
            GIC_PPI, GUEST_TIMER_PPI_VIRT - 16,     IRQ_LEVEL_H,
            GIC_PPI, GUEST_TIMER_PPI_HYP - 16,      IRQ_LEVEL_H,
        };
        int err = fdt_begin_node(fdt, "timer");

        err = err ?: fdt_property_string(fdt, "compatible", "arm,armv8-timer");
        err = err ?: prop_cells(fdt, "interrupts", irqs, 12);
        err = err ?: fdt_property(fdt, "always-on", "", 0);
        return err ?: fdt_end_node(fdt);
}

static int write_uart(void *fdt, const struct guest_dtb_params *p, const char *name)
{
        static const char compat[] = "arm,pl011\0arm,primecell";
        static const char clk_names[] = "uartclk\0apb_pclk";
        const uint32_t irq[3] = {GIC_SPI, p->uart_intid - 32, IRQ_LEVEL_H};
        const uint32_t clks[2] = {PHANDLE_CLK, PHANDLE_CLK};
        int err;

        err = fdt_begin_node(fdt, "apb-pclk");
        err = err ?: fdt_property_string(fdt, "compatible", "fixed-clock");
        err = err ?: fdt_property_u32(fdt, "#clock-cells", 0);
        err = err ?: fdt_property_u32(fdt, "clock-frequency", p->uart_clock_hz);
        err = err ?: fdt_property_string(fdt, "clock-output-names", "clk24mhz");
        err = err ?: fdt_property_u32(fdt, "phandle", PHANDLE_CLK);
        err = err ?: fdt_end_node(fdt);

        err = err ?: fdt_begin_node(fdt, name);
        err = err ?: fdt_property(fdt, "compatible", compat, sizeof(compat));
        err = err ?: prop_u64_pair(fdt, "reg", p->uart_base, GUEST_DTB_UART_SIZE);
        err = err ?: prop_cells(fdt, "interrupts", irq, 3);
        err = err ?: prop_cells(fdt, "clocks", clks, 2);
        err = err ?: fdt_property(fdt, "clock-names", clk_names, sizeof(clk_names));
        return err ?: fdt_end_node(fdt);
}

/* RVM's CommEdge window and doorbell page: no driver binds it; a shell script reads reg. */
static int write_commedge(void *fdt, const struct guest_dtb_params *p)
{
        char name[64];
        int err;

        if (p->edge_size == 0) {
                return 0;
        }
        node_name(name, "commedge", p->edge_base);
        err = fdt_begin_node(fdt, name);
        err = err ?: fdt_property_string(fdt, "compatible", "rvm,commedge");
        err = err
                  ?: prop_u64_quad(fdt, "reg", p->edge_base, p->edge_size, p->doorbell_base,
                                   p->doorbell_size);
        err = err ?: fdt_property(fdt, "reg-names", "edges\0doorbell", sizeof("edges\0doorbell"));
        return err ?: fdt_end_node(fdt);
}

int guest_dtb_write(void *buf, size_t size, const struct guest_dtb_params *p)
{
        static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2";
        char mem[64], uart[64], stdout_path[72];
        int err;

        if (buf == NULL || !params_ok(p)) {
                return GUEST_DTB_EPARAM;
        }
        if (size > INT32_MAX) {
                size = INT32_MAX;
        }
        node_name(mem, "memory", p->ram_base);
        node_name(uart, "pl011", p->uart_base);
        stdout_path[0] = '/';
        for (int i = 0; i < 64; i++) {
                stdout_path[i + 1] = uart[i];
                if (uart[i] == '\0') {
                        break;
                }
        }

        err = fdt_create(buf, (int)size);
        err = err ?: fdt_finish_reservemap(buf);
        err = err ?: fdt_begin_node(buf, "");
        err = err ?: fdt_property_string(buf, "compatible", "rvm,partition");
        err = err ?: fdt_property_string(buf, "model", "RVM partition");
        err = err ?: fdt_property_u32(buf, "#address-cells", 2);
        err = err ?: fdt_property_u32(buf, "#size-cells", 2);
        err = err ?: fdt_property_u32(buf, "interrupt-parent", PHANDLE_GIC);

        err = err ?: fdt_begin_node(buf, "chosen");
        if (p->bootargs != NULL) {
                err = err ?: fdt_property_string(buf, "bootargs", p->bootargs);
        }
        err = err ?: fdt_property_string(buf, "stdout-path", stdout_path);
        if (p->initrd_end != p->initrd_start) {
                err = err ?: fdt_property_u64(buf, "linux,initrd-start", p->initrd_start);
                err = err ?: fdt_property_u64(buf, "linux,initrd-end", p->initrd_end);
        }
        err = err ?: fdt_end_node(buf);

        err = err ?: fdt_begin_node(buf, mem);
        err = err ?: fdt_property_string(buf, "device_type", "memory");
        err = err ?: prop_u64_pair(buf, "reg", p->ram_base, p->ram_size);
        err = err ?: fdt_end_node(buf);

        err = err ?: write_cpus(buf, p);

        err = err ?: fdt_begin_node(buf, "psci");
        err = err ?: fdt_property(buf, "compatible", psci_compat, sizeof(psci_compat));
        err = err ?: fdt_property_string(buf, "method", "hvc");
        err = err ?: fdt_end_node(buf);

        err = err ?: write_gic(buf, p);
        err = err ?: write_timer(buf);
        err = err ?: write_uart(buf, p, uart);
        err = err ?: write_commedge(buf, p);

        err = err ?: fdt_end_node(buf);
        err = err ?: fdt_finish(buf);
        if (err == -FDT_ERR_NOSPACE) {
                return GUEST_DTB_ESPACE;
        }
        return err == 0 ? GUEST_DTB_OK : GUEST_DTB_EFDT;
}
