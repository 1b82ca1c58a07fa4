/*
 * tests/unit/mmio_test.c: decoding stage-2 data aborts for MMIO emulation
 * (arch/aarch64/mmio.c): every field of the syndrome, the accesses it must refuse, and the
 * value a load leaves in the register (widths, sign extension, W registers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "arch/aarch64/arch.h"

/* A data abort from a lower EL, 32-bit instruction, syndrome valid, translation fault L3. */
static uint64_t esr(unsigned sas, bool sse, unsigned srt, bool sf, bool wnr)
{
        return 0x24ULL << 26 | 1ULL << 25 | 1ULL << 24 | (uint64_t)sas << 22 | (uint64_t)sse << 21 |
               (uint64_t)srt << 16 | (uint64_t)sf << 15 | (uint64_t)wnr << 6 | 0x07;
}

static void decodes_every_field(void **state)
{
        struct arch_mmio_access a;
        (void)state;

        for (unsigned sas = 0; sas < 4; sas++) {
                for (unsigned srt = 0; srt < 32; srt++) {
                        for (unsigned bits = 0; bits < 8; bits++) {
                                bool sse = bits & 1, sf = bits & 2, wnr = bits & 4;
                                assert_true(arch_mmio_decode(esr(sas, sse, srt, sf, wnr), &a));
                                assert_int_equal(a.width, 1u << sas);
                                assert_int_equal(a.reg, srt);
                                assert_int_equal(a.sign_extend, sse);
                                assert_int_equal(a.reg64, sf);
                                assert_int_equal(a.write, wnr);
                        }
                }
        }
        /* The syndrome of "ldrb w1, [x0]" (translation fault at level 1). */
        assert_true(arch_mmio_decode(0x93010005ULL, &a));
        assert_int_equal(a.width, 1);
        assert_int_equal(a.reg, 1);
        assert_false(a.write);
        /* Any translation-fault level; acquire/release makes no difference. */
        for (unsigned level = 0; level < 4; level++) {
                assert_true(arch_mmio_decode((esr(2, 0, 3, 0, 1) & ~0x3fULL) | (4 + level), &a));
        }
        assert_true(arch_mmio_decode(esr(3, 0, 3, 1, 0) | 1ULL << 14, &a));
}

static void refuses_what_it_cannot_emulate(void **state)
{
        struct arch_mmio_access a;
        uint64_t good = esr(2, 0, 5, 0, 1);
        (void)state;

        assert_true(arch_mmio_decode(good, &a));
        assert_false(arch_mmio_decode(good & ~(1ULL << 24), &a));     /* ISV = 0 */
        assert_false(arch_mmio_decode(0x92000005ULL, &a));            /* QEMU, "ldp" */
        assert_false(arch_mmio_decode(good & ~(1ULL << 25), &a));     /* IL = 0 */
        assert_false(arch_mmio_decode(good | 1ULL << 8, &a));         /* cache maintenance */
        assert_false(arch_mmio_decode(good | 1ULL << 7, &a));         /* stage-1 walk */
        assert_false(arch_mmio_decode((good & ~0x3fULL) | 0x0d, &a)); /* permission fault */
        assert_false(arch_mmio_decode((good & ~0x3fULL) | 0x09, &a)); /* access flag fault */
        assert_false(arch_mmio_decode((good & ~0x3fULL) | 0x10, &a)); /* external abort */
        assert_false(arch_mmio_decode((good & ~(0x3fULL << 26)) | 0x20ULL << 26, &a)); /* IABT */
        assert_false(arch_mmio_decode((good & ~(0x3fULL << 26)) | 0x25ULL << 26, &a)); /* EL2 */
        assert_false(arch_mmio_decode(0, &a));
}

static void load_values(void **state)
{
        struct arch_mmio_access a = {.width = 1};
        (void)state;

        /* zero extension, masking the device's stray upper bits */
        a = (struct arch_mmio_access){.width = 1, .reg64 = true};
        assert_int_equal(arch_mmio_load_value(&a, 0x1f0), 0xf0);
        a = (struct arch_mmio_access){.width = 2, .reg64 = true};
        assert_int_equal(arch_mmio_load_value(&a, 0x12345678), 0x5678);
        a = (struct arch_mmio_access){.width = 4, .reg64 = true};
        assert_int_equal(arch_mmio_load_value(&a, 0xffffffff80000000ULL), 0x80000000ULL);
        a = (struct arch_mmio_access){.width = 8, .reg64 = true};
        assert_int_equal(arch_mmio_load_value(&a, 0x8000000000000001ULL), 0x8000000000000001ULL);
        /* sign extension into X */
        a = (struct arch_mmio_access){.width = 1, .sign_extend = true, .reg64 = true};
        assert_int_equal(arch_mmio_load_value(&a, 0xf0), 0xfffffffffffffff0ULL);
        assert_int_equal(arch_mmio_load_value(&a, 0x70), 0x70);
        a = (struct arch_mmio_access){.width = 2, .sign_extend = true, .reg64 = true};
        assert_int_equal(arch_mmio_load_value(&a, 0x8001), 0xffffffffffff8001ULL);
        a = (struct arch_mmio_access){.width = 4, .sign_extend = true, .reg64 = true};
        assert_int_equal(arch_mmio_load_value(&a, 0x80000000), 0xffffffff80000000ULL);
        /* into W: the sign stops at bit 31, the upper half is zero */
        a = (struct arch_mmio_access){.width = 1, .sign_extend = true, .reg64 = false};
        assert_int_equal(arch_mmio_load_value(&a, 0xb1), 0xffffffb1ULL);
        a = (struct arch_mmio_access){.width = 2, .sign_extend = true, .reg64 = false};
        assert_int_equal(arch_mmio_load_value(&a, 0x8000), 0xffff8000ULL);
        a = (struct arch_mmio_access){.width = 4, .reg64 = false};
        assert_int_equal(arch_mmio_load_value(&a, 0xdeadbeefcafef00dULL), 0xcafef00dULL);
}

static void store_values(void **state)
{
        struct arch_mmio_access a;
        (void)state;

        for (unsigned w = 1; w <= 8; w *= 2) {
                a = (struct arch_mmio_access){.width = (uint8_t)w, .write = true};
                uint64_t want = w == 8 ? 0x0123456789abcdefULL
                                       : 0x0123456789abcdefULL & ((1ULL << (w * 8)) - 1);
                assert_int_equal(arch_mmio_store_value(&a, 0x0123456789abcdefULL), want);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(decodes_every_field),
            cmocka_unit_test(refuses_what_it_cannot_emulate),
            cmocka_unit_test(load_values),
            cmocka_unit_test(store_values),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
