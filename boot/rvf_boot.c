/*
 * boot/rvf_boot.c: RVM checks the signed RVF image it was given before the witness log
 * starts: located as the boot's initrd (QEMU -initrd, U-Boot's ramdisk argument): either
 * the whole flash file `make image` writes (its header names slot A) or a bare RVF. The
 * image is parsed, every content, image and bytecode hash checked, the signature verified
 * with the public key RVM was built with (rvf_trusted_key, generated from RVF_KEY), every
 * kernel checked bootable, the PROFILE parsed. The verdict and the signed digest are
 * measured into the attestation digest; once the log runs, each segment is witnessed
 * (WK_BOOT_RVF_SEGMENT) and the verdict (WK_BOOT_RVF). Nothing is started from the image
 * yet: partitions still come from the profile linked into RVM.
 */
#include <string.h>

#include "boot/boot.h"
#include "boot/rvf.h"
#include "boot/rvf_verify.h"
#include "hal/timer.h"
#include "kernel/fmt.h"

extern const uint8_t rvf_trusted_key[RVF_PUBKEY_SIZE];

struct boot_rvf boot_rvf;
_Static_assert(sizeof(boot_rvf.seg) / sizeof(boot_rvf.seg[0]) == RVF_MAX_SEGMENTS,
               "one witnessed entry per segment a file may hold");
static struct rvf_file rvf_file; /* 4 KiB: not on the boot stack */

static enum rvf_err check(const uint8_t *img, uint64_t size, struct rvf_error *er)
{
        struct rvf_flash fl;
        struct rvf_sig sg;
        enum rvf_err e;

        if (size >= RVF_FLASH_HDR_OFFSET + RVF_FLASH_HDR_SIZE &&
            memcmp(img + RVF_FLASH_HDR_OFFSET, rvf_flash_magic, sizeof(rvf_flash_magic)) == 0) {
                if ((e = rvf_flash_parse(img, size, &fl, er)) != RVF_OK) {
                        return e;
                }
                if (fl.active < 0) {
                        return rvf_error_set(er, RVF_E_FIELD, -1, 0, "slot flags",
                                             "no slot is marked to boot");
                }
                boot_rvf.slot = fl.active;
                img += fl.slot[fl.active].offset;
                size = fl.slot[fl.active].length;
        }
        if ((e = rvf_parse(img, size, &rvf_file, er)) != RVF_OK) {
                return e;
        }
        /* A kernel RVM cannot run (another architecture) is named as such first. */
        for (unsigned i = 0; i < rvf_file.seg_count; i++) {
                struct rvf_kernel k;
                if (rvf_file.seg[i].type == RVF_SEG_KERNEL &&
                    ((e = rvf_kernel_parse(&rvf_file, i, &k, er)) != RVF_OK ||
                     (e = rvf_kernel_bootable(&k, (int)i, er)) != RVF_OK)) {
                        return e;
                }
        }
        if ((e = rvf_verify_hashes(&rvf_file, NULL, er)) != RVF_OK ||
            (e = rvf_verify_signature(&rvf_file, rvf_trusted_key, 0, &sg, er)) != RVF_OK) {
                return e;
        }
        boot_rvf.image_version = sg.image_version;
        rvf_sig_digest(&rvf_file, &sg, boot_rvf.digest);
        for (unsigned i = 0; i < rvf_file.seg_count; i++) {
                struct rvf_profile p;
                if (rvf_file.seg[i].type == RVF_SEG_PROFILE &&
                    (e = rvf_profile_parse(&rvf_file, i, &p, er)) != RVF_OK) {
                        return e;
                }
                boot_rvf.seg[i].id = rvf_file.seg[i].id;
                boot_rvf.seg[i].type = rvf_file.seg[i].type;
                memcpy(&boot_rvf.seg[i].hash8, rvf_file.seg[i].content_hash, 8);
        }
        boot_rvf.seg_count = rvf_file.seg_count;
        return RVF_OK;
}

void boot_rvf_check(void)
{
        const struct board_range *rd = &boot_state.board.initrd;
        struct rvf_error er;

        if (rd->size == 0) {
                return; /* no image given: nothing to check */
        }
        boot_rvf.present = true;
        boot_rvf.slot = -1;
        witness_crypto_init(); /* mbedTLS's arena, for ECDSA */
        uint64_t t0 = hal_time_ns();
        boot_rvf.err = check((const uint8_t *)(uintptr_t)rd->base, rd->size, &er);
        boot_rvf.verify_ns = hal_time_ns() - t0;
        if (boot_rvf.err == RVF_OK) {
                fmt_format(boot_rvf.msg, sizeof(boot_rvf.msg),
                           "verified: %u segments, image version %llu, slot %c", boot_rvf.seg_count,
                           (unsigned long long)boot_rvf.image_version,
                           boot_rvf.slot < 0 ? '-' : 'A' + boot_rvf.slot);
        } else {
                char m[160];
                rvf_error_format(&er, m, sizeof(m));
                fmt_format(boot_rvf.msg, sizeof(boot_rvf.msg), "REFUSED: %s", m);
                boot_rvf.seg_count = 0;
                memset(boot_rvf.digest, 0, sizeof(boot_rvf.digest));
                boot_rvf.err_segment = er.segment;
        }
        fmt_format(boot_rvf.line, sizeof(boot_rvf.line),
                   "boot: rvf image at 0x%llx (%llu bytes): %s (%llu us)\n",
                   (unsigned long long)rd->base, (unsigned long long)rd->size, boot_rvf.msg,
                   (unsigned long long)(boot_rvf.verify_ns / 1000));
        /* The verdict and what was signed: a refused image measures differently. */
        witness_attest_measure(&boot_state.attest, "rvf", boot_rvf.msg, strlen(boot_rvf.msg), NULL);
        witness_attest_measure(&boot_state.attest, "rvf-digest", boot_rvf.digest,
                               sizeof(boot_rvf.digest), NULL);
}

void boot_rvf_witness(void)
{
        if (!boot_rvf.present || boot_rvf.witnessed || witness_global() == NULL) {
                return;
        }
        boot_rvf.witnessed = true;
        for (unsigned i = 0; i < boot_rvf.seg_count; i++) {
                witness_emit(&(struct witness_event){.kind = WK_BOOT_RVF_SEGMENT,
                                                     .target = boot_rvf.seg[i].id,
                                                     .cap = boot_rvf.seg[i].type | (i << 8),
                                                     .payload = boot_rvf.seg[i].hash8});
        }
        uint64_t d8;
        memcpy(&d8, boot_rvf.digest, sizeof(d8));
        witness_emit(&(struct witness_event){
            .kind = WK_BOOT_RVF,
            .target = boot_rvf.image_version,
            .cap = (uint64_t)boot_rvf.err | ((uint64_t)(uint32_t)boot_rvf.err_segment << 32),
            .payload = d8});
}
