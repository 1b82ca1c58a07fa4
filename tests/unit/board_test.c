/*
 * tests/unit/board_test.c: the DTB parser against the DTB QEMU itself generates for
 * `-M virt,virtualization=on,gic-version=3 -smp 4 -m 1G` (path in RVM_TEST_DTB), and
 * against damaged copies of it: a bad tree never crashes and falls back as documented.
 * The same for what a board compiled in reads of a DTB (board_dtb_args: the header and
 * /chosen's bootargs, hal/board_args.c), which must agree with the parser on a good tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hal/board.h"

static uint8_t *dtb;
static size_t dtb_len;

static int load(void **state)
{
        (void)state;
        const char *path = getenv("RVM_TEST_DTB");
        if (path == NULL) {
                path = "build/host/virt-smp4.dtb";
        }
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
                fprintf(stderr, "cannot open %s (make builds it with QEMU)\n", path);
                return -1;
        }
        dtb = malloc(1 << 20);
        dtb_len = fread(dtb, 1, 1 << 20, f);
        fclose(f);
        return dtb_len > 0 ? 0 : -1;
}

static int unload(void **state)
{
        (void)state;
        free(dtb);
        return 0;
}

static void parses_qemu_virt(void **state)
{
        struct board_info b;
        (void)state;

        assert_int_equal(board_parse(dtb, dtb_len, &b), BOARD_OK);
        assert_true(b.from_dtb);
        assert_int_equal(b.mem_count, 1);
        assert_int_equal(b.mem[0].base, 0x40000000ULL);
        assert_int_equal(b.mem[0].size, 1ULL << 30);
        assert_int_equal(b.uart.base, 0x09000000ULL);
        assert_int_equal(b.uart_irq, 33);
        assert_int_equal(b.gicd.base, 0x08000000ULL);
        assert_int_equal(b.gicr.base, 0x080a0000ULL);
        assert_int_equal(b.timer_hyp_irq, 26);
        assert_int_equal(b.timer_virt_irq, 27);
        assert_int_equal(b.timer_phys_irq, 30);
        assert_int_equal(b.psci, BOARD_PSCI_SMC);
        assert_int_equal(b.cpu_count, 4);
        for (unsigned i = 0; i < 4; i++) {
                assert_int_equal(b.cpu_mpidr[i], i);
        }
        assert_int_equal(b.flash_count, 2);
        assert_int_equal(b.flash[1].base, 0x04000000ULL);
        assert_int_equal(b.flash[1].size, 0x04000000ULL);
        assert_true(board_has_arg(&b, "semihosting"));
        assert_true(board_has_arg(&b, "ktest=x"));
        assert_false(board_has_arg(&b, "ktest"));
        assert_false(board_has_arg(&b, "semi"));
}

static void no_dtb_falls_back(void **state)
{
        struct board_info b;
        (void)state;

        assert_int_equal(board_parse(NULL, 0, &b), BOARD_E_NO_DTB);
        assert_false(b.from_dtb);
        assert_int_equal(b.uart.base, 0x09000000ULL);
        uint8_t zeros[64] = {0};
        assert_int_equal(board_parse(zeros, sizeof(zeros), &b), BOARD_E_NO_DTB);
        /* a valid header claiming more bytes than we were given */
        assert_int_equal(board_parse(dtb, 100, &b), BOARD_E_NO_DTB);
        /* a tree older than version 16 (names as paths, padded values) is not walked */
        uint8_t *old = malloc(dtb_len);
        memcpy(old, dtb, dtb_len);
        const uint8_t v15[8] = {0, 0, 0, 15, 0, 0, 0, 2}; /* version, last_comp_version */
        memcpy(old + 20, v15, sizeof(v15));
        assert_int_equal(board_parse(old, dtb_len, &b), BOARD_E_NO_DTB);
        assert_false(b.from_dtb);
        memcpy(old + 20, dtb + 20, sizeof(v15));
        assert_int_equal(board_parse(old, dtb_len, &b), BOARD_OK);
        free(old);
}

/* The whole buffer as the RAM the tree must lie in. */
static struct board_range ram_of(const void *p, size_t len)
{
        return (struct board_range){(uint64_t)(uintptr_t)p, len};
}

static void chosen_args_as_the_parser(void **state)
{
        struct board_info b, parsed;
        (void)state;

        assert_int_equal(board_parse(dtb, dtb_len, &parsed), BOARD_OK);
        assert_int_equal(board_dtb_args(dtb, dtb_len, ram_of(dtb, dtb_len), &b), BOARD_OK);
        assert_string_equal(b.bootargs, parsed.bootargs);
        assert_int_equal(b.dtb.base, parsed.dtb.base);
        assert_int_equal(b.dtb.size, parsed.dtb.size);
        assert_int_equal(b.dtb_used, parsed.dtb_used);
        assert_true(board_has_arg(&b, "semihosting"));
        assert_true(board_has_arg(&b, "ktest=x"));
}

static void chosen_args_refuse_what_does_not_fit(void **state)
{
        struct board_info b;
        (void)state;

        assert_int_equal(board_dtb_args(NULL, dtb_len, ram_of(dtb, dtb_len), &b), BOARD_E_NO_DTB);
        assert_string_equal(b.bootargs, "");
        assert_int_equal(b.dtb_used, 0);
        /* the tree longer than the bound, than the RAM after it, or starting outside RAM */
        assert_int_equal(board_dtb_args(dtb, 100, ram_of(dtb, dtb_len), &b), BOARD_E_NO_DTB);
        assert_int_equal(board_dtb_args(dtb, dtb_len, ram_of(dtb, 4096), &b), BOARD_E_NO_DTB);
        assert_int_equal(board_dtb_args(dtb, dtb_len, ram_of(dtb + 8, dtb_len - 8), &b),
                         BOARD_E_NO_DTB);
        assert_int_equal(board_dtb_args(dtb, dtb_len, ram_of(dtb, 16), &b), BOARD_E_NO_DTB);
        uint8_t zeros[64] = {0};
        assert_int_equal(board_dtb_args(zeros, sizeof(zeros), ram_of(zeros, sizeof(zeros)), &b),
                         BOARD_E_NO_DTB);
        /* a tree older than version 16, and one whose structure block is past its end */
        uint8_t *bad = malloc(dtb_len);
        memcpy(bad, dtb, dtb_len);
        const uint8_t v15[4] = {0, 0, 0, 15};
        memcpy(bad + 20, v15, sizeof(v15));
        assert_int_equal(board_dtb_args(bad, dtb_len, ram_of(bad, dtb_len), &b), BOARD_E_NO_DTB);
        memcpy(bad, dtb, dtb_len);
        const uint8_t past[4] = {0xff, 0xff, 0xff, 0xf0}; /* size_dt_struct */
        memcpy(bad + 36, past, sizeof(past));
        assert_int_equal(board_dtb_args(bad, dtb_len, ram_of(bad, dtb_len), &b), BOARD_E_NO_DTB);
        free(bad);
}

static void damaged_trees_never_crash(void **state)
{
        struct board_info b;
        uint8_t *copy = malloc(dtb_len);
        (void)state;

        srand(7);
        for (int round = 0; round < 3000; round++) {
                memcpy(copy, dtb, dtb_len);
                int flips = 1 + rand() % 16;
                for (int i = 0; i < flips; i++) {
                        /* bias toward the structure block and strings, where damage matters */
                        size_t at = (size_t)rand() % (dtb_len < 8192 ? dtb_len : 8192);
                        copy[at] ^= (uint8_t)(1u << (rand() % 8));
                }
                enum board_err err = board_parse(copy, dtb_len, &b);
                assert_true(err <= BOARD_E_NO_GIC);
                assert_true(b.mem_count >= 1 && b.mem_count <= BOARD_MAX_MEM);
                assert_true(b.cpu_count >= 1 && b.cpu_count <= BOARD_MAX_CPUS);
                assert_true(strlen(b.bootargs) < BOARD_ARGS_LEN);
                assert_true(strlen(b.model) < sizeof(b.model));
                /* what a board compiled in reads of the same damaged tree */
                if (board_dtb_args(copy, dtb_len, ram_of(copy, dtb_len), &b) == BOARD_OK) {
                        assert_true(b.dtb.size <= dtb_len && b.dtb_used <= b.dtb.size);
                }
                assert_true(strlen(b.bootargs) < BOARD_ARGS_LEN);
        }
        free(copy);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(parses_qemu_virt),
            cmocka_unit_test(no_dtb_falls_back),
            cmocka_unit_test(chosen_args_as_the_parser),
            cmocka_unit_test(chosen_args_refuse_what_does_not_fit),
            cmocka_unit_test(damaged_trees_never_crash),
        };
        return cmocka_run_group_tests_name("board", tests, load, unload);
}
