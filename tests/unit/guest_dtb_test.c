/*
 * tests/unit/guest_dtb_test.c: the Linux partition's device tree written by
 * partition/guest_dtb.c and read back with libfdt: every node Linux needs, with the
 * values asked for; bad parameters and small buffers refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "partition/guest_dtb.h"

static uint8_t buf[8192];

static struct guest_dtb_params two_cpus(void)
{
        struct guest_dtb_params p = {
            .ram_base = 0x40000000,
            .ram_size = 256u << 20,
            .cpus = 2,
            .gicd_base = 0x08000000,
            .gicr_base = 0x080a0000,
            .uart_base = 0x09000000,
            .uart_intid = 33,
            .uart_clock_hz = 24000000,
            .initrd_start = 0x48000000,
            .initrd_end = 0x48200000,
            .bootargs = "console=ttyAMA0 quiet",
        };
        return p;
}

static uint64_t be64_at(const void *v, int i)
{
        return fdt64_ld((const fdt64_t *)((const uint8_t *)v + 8 * i));
}

static uint32_t be32_at(const void *v, int i)
{
        return fdt32_ld((const fdt32_t *)((const uint8_t *)v + 4 * i));
}

static void writes_a_valid_tree_with_memory_and_chosen(void **state)
{
        struct guest_dtb_params p = two_cpus();
        const void *v;
        int len, node;
        (void)state;

        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_OK);
        assert_int_equal(fdt_check_header(buf), 0);

        node = fdt_path_offset(buf, "/memory@40000000");
        assert_true(node >= 0);
        assert_string_equal(fdt_getprop(buf, node, "device_type", NULL), "memory");
        v = fdt_getprop(buf, node, "reg", &len);
        assert_int_equal(len, 16);
        assert_int_equal(be64_at(v, 0), 0x40000000);
        assert_int_equal(be64_at(v, 1), 256u << 20);

        node = fdt_path_offset(buf, "/chosen");
        assert_true(node >= 0);
        assert_string_equal(fdt_getprop(buf, node, "bootargs", NULL), "console=ttyAMA0 quiet");
        assert_string_equal(fdt_getprop(buf, node, "stdout-path", NULL), "/pl011@9000000");
        assert_true(fdt_path_offset(buf, "/pl011@9000000") >= 0);
        v = fdt_getprop(buf, node, "linux,initrd-start", &len);
        assert_int_equal(len, 8);
        assert_int_equal(be64_at(v, 0), 0x48000000);
        v = fdt_getprop(buf, node, "linux,initrd-end", &len);
        assert_int_equal(len, 8);
        assert_int_equal(be64_at(v, 0), 0x48200000);
}

/* RVM's CommEdge window and doorbell page, for a guest to find with a shell script: one
 * node, compatible "rvm,commedge", reg = window, doorbell; none without a window; refused
 * over RAM. */
static void commedge_node_gives_the_window_and_doorbell(void **state)
{
        struct guest_dtb_params p = two_cpus();
        const void *v;
        int len, node;
        (void)state;

        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_OK);
        assert_true(fdt_node_offset_by_compatible(buf, -1, "rvm,commedge") < 0);

        p.ram_size = 320u << 20;
        p.edge_base = 0x54000000;
        p.edge_size = 0x20000;
        p.doorbell_base = 0x54020000;
        p.doorbell_size = 0x1000;
        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_OK);
        node = fdt_node_offset_by_compatible(buf, -1, "rvm,commedge");
        assert_true(node >= 0);
        assert_int_equal(fdt_path_offset(buf, "/commedge@54000000"), node);
        v = fdt_getprop(buf, node, "reg", &len);
        assert_int_equal(len, 32);
        assert_int_equal(be64_at(v, 0), 0x54000000);
        assert_int_equal(be64_at(v, 1), 0x20000);
        assert_int_equal(be64_at(v, 2), 0x54020000);
        assert_int_equal(be64_at(v, 3), 0x1000);
        v = fdt_getprop(buf, node, "reg-names", &len);
        assert_int_equal(len, (int)sizeof("edges\0doorbell"));
        assert_memory_equal(v, "edges\0doorbell", sizeof("edges\0doorbell"));

        /* Over RAM (the window, or the doorbell page alone): refused. */
        p.edge_base = 0x53ff0000;
        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_EPARAM);
        p.edge_base = 0x54000000;
        p.doorbell_base = 0x40000000;
        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_EPARAM);
        p.doorbell_base = 0x54020000;
        p.doorbell_size = 0;
        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_EPARAM);
}

static void cpus_use_psci_over_hvc(void **state)
{
        struct guest_dtb_params p = two_cpus();
        const void *v;
        int len, node;
        (void)state;

        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_OK);
        for (int i = 0; i < 2; i++) {
                char path[16] = "/cpus/cpu@0";

                path[10] = (char)('0' + i);
                node = fdt_path_offset(buf, path);
                assert_true(node >= 0);
                assert_string_equal(fdt_getprop(buf, node, "enable-method", NULL), "psci");
                assert_string_equal(fdt_getprop(buf, node, "device_type", NULL), "cpu");
                v = fdt_getprop(buf, node, "reg", &len);
                assert_int_equal(len, 4);
                assert_int_equal(be32_at(v, 0), i);
        }
        assert_true(fdt_path_offset(buf, "/cpus/cpu@2") < 0);

        node = fdt_path_offset(buf, "/psci");
        assert_true(node >= 0);
        assert_string_equal(fdt_getprop(buf, node, "method", NULL), "hvc");
        assert_int_equal(fdt_node_check_compatible(buf, node, "arm,psci-1.0"), 0);
        assert_int_equal(fdt_node_check_compatible(buf, node, "arm,psci-0.2"), 0);
}

static void gic_regions_cover_one_redistributor_per_cpu(void **state)
{
        struct guest_dtb_params p = two_cpus();
        const void *v;
        int len, node;
        (void)state;

        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_OK);
        node = fdt_node_offset_by_compatible(buf, -1, "arm,gic-v3");
        assert_true(node >= 0);
        assert_non_null(fdt_getprop(buf, node, "interrupt-controller", NULL));
        v = fdt_getprop(buf, node, "#interrupt-cells", NULL);
        assert_int_equal(be32_at(v, 0), 3);
        v = fdt_getprop(buf, node, "reg", &len);
        assert_int_equal(len, 32);
        assert_int_equal(be64_at(v, 0), 0x08000000);
        assert_int_equal(be64_at(v, 1), 0x10000);
        assert_int_equal(be64_at(v, 2), 0x080a0000);
        assert_int_equal(be64_at(v, 3), 2 * 0x20000);
        /* the root's interrupt-parent is the GIC */
        v = fdt_getprop(buf, 0, "interrupt-parent", NULL);
        assert_int_equal(fdt_node_offset_by_phandle(buf, be32_at(v, 0)), node);
}

static void timer_lists_the_four_ppis_including_the_virtual_one(void **state)
{
        struct guest_dtb_params p = two_cpus();
        const void *v;
        int len, node;
        (void)state;

        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_OK);
        node = fdt_node_offset_by_compatible(buf, -1, "arm,armv8-timer");
        assert_true(node >= 0);
        v = fdt_getprop(buf, node, "interrupts", &len);
        assert_int_equal(len, 48);
        /* order per the binding: secure phys, non-secure phys, virtual, hypervisor */
        const uint32_t want[4] = {29, 30, 27, 26};
        for (int i = 0; i < 4; i++) {
                assert_int_equal(be32_at(v, 3 * i), 1); /* PPI */
                assert_int_equal(be32_at(v, 3 * i + 1) + 16, want[i]);
                assert_int_equal(be32_at(v, 3 * i + 2), 4); /* level high */
        }
}

static void uart_has_interrupt_and_apb_pclk(void **state)
{
        struct guest_dtb_params p = two_cpus();
        const void *v;
        const char *names;
        int len, node, clk;
        (void)state;

        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_OK);
        node = fdt_node_offset_by_compatible(buf, -1, "arm,pl011");
        assert_true(node >= 0);
        assert_int_equal(fdt_node_check_compatible(buf, node, "arm,primecell"), 0);
        v = fdt_getprop(buf, node, "reg", &len);
        assert_int_equal(len, 16);
        assert_int_equal(be64_at(v, 0), 0x09000000);
        v = fdt_getprop(buf, node, "interrupts", &len);
        assert_int_equal(len, 12);
        assert_int_equal(be32_at(v, 0), 0); /* SPI */
        assert_int_equal(be32_at(v, 1), 1); /* 33 - 32 */
        names = fdt_getprop(buf, node, "clock-names", &len);
        assert_int_equal(len, (int)sizeof("uartclk\0apb_pclk"));
        assert_string_equal(names, "uartclk");
        assert_string_equal(names + 8, "apb_pclk");
        v = fdt_getprop(buf, node, "clocks", &len);
        assert_int_equal(len, 8);
        clk = fdt_node_offset_by_phandle(buf, be32_at(v, 1));
        assert_true(clk >= 0);
        assert_int_equal(fdt_node_check_compatible(buf, clk, "fixed-clock"), 0);
        v = fdt_getprop(buf, clk, "clock-frequency", NULL);
        assert_int_equal(be32_at(v, 0), 24000000);
}

static void no_initrd_means_no_initrd_properties(void **state)
{
        struct guest_dtb_params p = two_cpus();
        int node;
        (void)state;

        p.initrd_start = p.initrd_end = 0;
        p.bootargs = NULL;
        p.cpus = 1;
        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_OK);
        node = fdt_path_offset(buf, "/chosen");
        assert_null(fdt_getprop(buf, node, "linux,initrd-start", NULL));
        assert_null(fdt_getprop(buf, node, "bootargs", NULL));
        assert_true(fdt_path_offset(buf, "/cpus/cpu@0") >= 0);
        assert_true(fdt_path_offset(buf, "/cpus/cpu@1") < 0);
}

static void bad_parameters_are_refused(void **state)
{
        struct guest_dtb_params p;
        (void)state;

        assert_int_equal(guest_dtb_write(buf, sizeof(buf), NULL), GUEST_DTB_EPARAM);
        p = two_cpus();
        assert_int_equal(guest_dtb_write(NULL, sizeof(buf), &p), GUEST_DTB_EPARAM);
        p.cpus = 0;
        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_EPARAM);
        p = two_cpus();
        p.cpus = GUEST_DTB_MAX_CPUS + 1;
        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_EPARAM);
        p = two_cpus();
        p.uart_intid = 27; /* a PPI, not an SPI */
        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_EPARAM);
        p = two_cpus();
        p.initrd_end = p.initrd_start - 1;
        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_EPARAM);
        p = two_cpus();
        p.initrd_start = 0x10000000; /* outside RAM */
        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_EPARAM);
        p = two_cpus();
        p.ram_base = UINT64_MAX - 10; /* wraps */
        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_EPARAM);
        p = two_cpus();
        p.gicr_base = UINT64_MAX - 0x1000;
        assert_int_equal(guest_dtb_write(buf, sizeof(buf), &p), GUEST_DTB_EPARAM);
}

static void a_small_buffer_is_refused_not_overrun(void **state)
{
        struct guest_dtb_params p = two_cpus();
        uint8_t small[256 + 16];
        (void)state;

        memset(small, 0xa5, sizeof(small));
        assert_int_equal(guest_dtb_write(small, 256, &p), GUEST_DTB_ESPACE);
        for (size_t i = 256; i < sizeof(small); i++) {
                assert_int_equal(small[i], 0xa5);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(commedge_node_gives_the_window_and_doorbell),
            cmocka_unit_test(writes_a_valid_tree_with_memory_and_chosen),
            cmocka_unit_test(cpus_use_psci_over_hvc),
            cmocka_unit_test(gic_regions_cover_one_redistributor_per_cpu),
            cmocka_unit_test(timer_lists_the_four_ppis_including_the_virtual_one),
            cmocka_unit_test(uart_has_interrupt_and_apb_pclk),
            cmocka_unit_test(no_initrd_means_no_initrd_properties),
            cmocka_unit_test(bad_parameters_are_refused),
            cmocka_unit_test(a_small_buffer_is_refused_not_overrun),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
