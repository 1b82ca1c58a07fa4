/*
 * boot/rvf_boot.c: RVM checks the signed RVF image in its boot flash before the witness log
 * starts, chooses the flash slot (A/B updates, boot/rvf_update.h) and refuses downgrades;
 * boot/rvf_tables.c turns its PROFILE segment into the tables boot creates partitions and
 * agents from (boot/boot.h, struct boot_rvf).
 *
 * Where the image is: flash bank 0 holds `make image`'s file (docs/boards.md): RVM at 0, a
 * flash header at RVF_FLASH_HDR_OFFSET naming the slot to boot, slot A at RVF_FLASH_SLOT_A.
 * No header there (QEMU's -kernel boots, an erased bank): no image, so nothing starts (the
 * test images start the tables linked into them instead).
 *
 * Order: the slot is copied into RAM pages of RVM's own (so what is verified is what runs:
 * flash could change afterwards, and guests reload from it on restart), parsed, each
 * KERNEL_SEG checked bootable (an x86_64 or gzip kernel is named as such, before the hashes
 * that could not be checked without inflating), every content, image and bytecode hash
 * checked (an LZ4 kernel is inflated once, with liblz4, into more RAM of RVM's own, and
 * that copy is what is hashed and what its partition loads, also on restart), the signature
 * verified against rvf_trusted_key (the public key RVM was built with: build/<cfg>/rvf_key.c from
 * RVF_KEY.pub), and the PROFILE checked against what this RVM can create. Any failure refuses the
 * whole image: nothing from it is started, the console says which segment and field, and the
 * refusal is measured and witnessed.
 *
 * Everything here reads a file an attacker may have written: no value of it reaches a CHECK
 * or a panic; each is bounds-checked by boot/rvf.c first or below.
 *
 * Nothing here prints (boot/ includes nothing from kernel/ but its formatter): the verdict is
 * left in boot_rvf.line, and kernel/main.c's witness phase puts it on the console.
 */
#include <string.h>

#include "boot/boot.h"
#include "boot/rvf.h"
#include "boot/rvf_tables.h"
#include "boot/rvf_update.h"
#include "boot/rvf_verify.h"
#include "hal/pflash.h"
#include "hal/timer.h"
#include "kernel/fmt.h"

extern const uint8_t rvf_trusted_key[RVF_PUBKEY_SIZE];

struct boot_rvf boot_rvf;
static struct pflash boot_rvf_flash; /* bank 0, for the update words */
_Static_assert(sizeof(boot_rvf.seg) / sizeof(boot_rvf.seg[0]) == RVF_MAX_SEGMENTS,
               "one witnessed entry per segment a file may hold");

static struct rvf_file rvf_file; /* the image checked (in the slot copy) */

const char *boot_rvf_state_name(enum boot_rvf_state s)
{
        switch (s) {
        case BOOT_RVF_NONE:
                return "none";
        case BOOT_RVF_VERIFIED:
                return "verified";
        case BOOT_RVF_REFUSED:
                return "REFUSED";
        }
        return "?";
}

/* The RVF of length bytes at img (RAM): structure, kernels, hashes, signature, profile. */
static enum rvf_err check(const uint8_t *img, uint64_t length, struct rvf_error *er)
{
        struct rvf_sig sg;
        enum rvf_err e;

        if ((e = rvf_parse(img, length, &rvf_file, er)) != RVF_OK) {
                return e;
        }
        for (unsigned i = 0; i < rvf_file.seg_count; i++) {
                struct rvf_kernel k;
                if (rvf_file.seg[i].type == RVF_SEG_KERNEL &&
                    ((e = rvf_kernel_parse(&rvf_file, i, &k, er)) != RVF_OK ||
                     (e = rvf_kernel_bootable(&k, (int)i, er)) != RVF_OK)) {
                        return e;
                }
        }
        if ((e = rvf_verify_hashes(&rvf_file, rvf_tables_inflate, er)) != RVF_OK ||
            (e = rvf_verify_signature(&rvf_file, rvf_trusted_key, 0, &sg, er)) != RVF_OK) {
                return e;
        }
        boot_rvf.image_version = sg.image_version;
        rvf_sig_digest(&rvf_file, &sg, boot_rvf.digest);
        if ((e = rvf_tables_build(&rvf_file, &boot_rvf.tables, er)) != RVF_OK) {
                return e;
        }
        for (unsigned i = 0; i < rvf_file.seg_count; i++) {
                boot_rvf.seg[i].id = rvf_file.seg[i].id;
                boot_rvf.seg[i].type = rvf_file.seg[i].type;
                memcpy(&boot_rvf.seg[i].hash8, rvf_file.seg[i].content_hash, 8);
        }
        boot_rvf.seg_count = rvf_file.seg_count;
        return RVF_OK;
}

/* The image is refused: nothing from it is kept or started (the slot copy and the inflated
 * kernels go back), and boot_rvf.msg says why. */
static void refuse(const struct rvf_error *er)
{
        char m[240];

        rvf_error_format(er, m, sizeof(m));
        boot_rvf.state = BOOT_RVF_REFUSED;
        boot_rvf.err = (int)er->code;
        rvf_tables_release();
        if (boot_rvf.slot_copy != NULL) {
                mem_free_pages(&boot_state.mem, (uint64_t)(uintptr_t)boot_rvf.slot_copy,
                               (boot_rvf.length + PALLOC_PAGE_SIZE - 1) >> PALLOC_PAGE_SHIFT);
                boot_rvf.slot_copy = NULL;
        }
        boot_rvf.err_segment = er->segment;
        boot_rvf.seg_count = 0;
        boot_rvf.tables = (struct profile_tables){0};
        memset(boot_rvf.digest, 0, sizeof(boot_rvf.digest));
        fmt_format(boot_rvf.msg, sizeof(boot_rvf.msg), "REFUSED: %s; nothing is started from it",
                   m);
}

static void verdict_line(void)
{
        fmt_format(boot_rvf.line, sizeof(boot_rvf.line),
                   "boot: rvf slot %c (%llu bytes, copied in %llu us, checked in %llu us): %s\n",
                   boot_rvf.slot < 0 ? '-' : 'A' + boot_rvf.slot,
                   (unsigned long long)boot_rvf.length,
                   (unsigned long long)(boot_rvf.copy_ns / 1000),
                   (unsigned long long)(boot_rvf.verify_ns / 1000), boot_rvf.msg);
}

/* Slot i copied into RAM pages of RVM's own: RVF_OK and *img, or a refusal. */
static enum rvf_err load_slot(const struct pflash *fl, const struct rvf_flash *fh, int i,
                              const uint8_t **img, struct rvf_error *er)
{
        uint64_t pa = 0;

        boot_rvf.slot = i;
        boot_rvf.length = fh->slot[i].length;
        if (boot_rvf.length == 0) {
                return rvf_error_set(er, RVF_E_FIELD, -1, 0, "slot length", "the slot is empty");
        }
        uint64_t pages = (boot_rvf.length + PALLOC_PAGE_SIZE - 1) >> PALLOC_PAGE_SHIFT;
        if (mem_alloc_pages(&boot_state.mem, pages, 1, &pa) != PALLOC_OK) {
                return rvf_error_set(er, RVF_E_RANGE, -1, 0, "slot length",
                                     "no RAM to copy the slot into");
        }
        uint64_t t0 = hal_time_ns();
        if (hal_pflash_read(fl, fh->slot[i].offset, (void *)(uintptr_t)pa,
                            (size_t)boot_rvf.length) != PFLASH_OK) {
                mem_free_pages(&boot_state.mem, pa, pages);
                return rvf_error_set(er, RVF_E_RANGE, -1, 0, "slot offset/length",
                                     "outside flash bank 0");
        }
        boot_rvf.copy_ns = hal_time_ns() - t0;
        *img = (const uint8_t *)(uintptr_t)pa;
        return RVF_OK;
}

/* Slot i copied and checked; on success the verdict says so, else boot_rvf says why not. */
static enum rvf_err boot_slot(const struct pflash *fl, const struct rvf_flash *fh, int i)
{
        struct rvf_error er;
        const uint8_t *img = NULL;

        boot_rvf.err_segment = -1;
        boot_rvf.verify_ns = 0;
        enum rvf_err e = load_slot(fl, fh, i, &img, &er);
        boot_rvf.slot_copy = img;
        if (e == RVF_OK) {
                uint64_t t0 = hal_time_ns();
                e = check(img, boot_rvf.length, &er);
                boot_rvf.verify_ns = hal_time_ns() - t0;
        }
        boot_rvf.err = (int)e;
        if (e == RVF_OK) {
                boot_rvf.state = BOOT_RVF_VERIFIED;
                boot_rvf.err_segment = 0; /* WK_BOOT_RVF's cap is 0 for a verified image */
                fmt_format(boot_rvf.msg, sizeof(boot_rvf.msg),
                           "verified: %u segments, image version %llu; %zu partitions and %zu "
                           "agents from it",
                           boot_rvf.seg_count, (unsigned long long)boot_rvf.image_version,
                           boot_rvf.tables.part_count, boot_rvf.tables.agent_count);
        } else {
                refuse(&er);
        }
        return e;
}

/* Program one update word of slot i in the boot flash (erased until now: no erase needed). */
static void update_mark(int i, enum rvf_upd_word w)
{
        uint8_t v[4];
        uint32_t x = rvf_update_word_value(w);

        for (int b = 0; b < 4; b++) {
                v[b] = (uint8_t)(x >> (8 * b));
        }
        if (hal_pflash_program(&boot_rvf_flash, RVF_FLASH_HDR_OFFSET + RVF_UPD_WORD_OFF(i, w), v,
                               sizeof(v)) != PFLASH_OK) {
                boot_rvf.upd_flash_err = true;
        }
}

/* An update step for the console (kernel/main.c prints boot_rvf.upd_line) and the log. */
static void update_event(int slot, unsigned ev, uint64_t version, const char *what)
{
        boot_rvf.upd_slot = slot;
        boot_rvf.upd_event = ev;
        boot_rvf.upd_version = version;
        fmt_format(boot_rvf.upd_line, sizeof(boot_rvf.upd_line), "boot: update in slot %c: %s%s\n",
                   'A' + slot, what,
                   boot_rvf.upd_flash_err ? " (writing its state to flash failed)" : "");
}

void boot_rvf_check(void)
{
        const struct board_info *b = &boot_state.board;
        static uint8_t hdr[RVF_FLASH_HDR_SIZE];
        struct rvf_flash fh;
        struct rvf_upd_state us[RVF_FLASH_SLOTS];
        struct rvf_boot_choice ch;
        struct rvf_error er;
        enum rvf_err e;

        boot_rvf.upd_slot = -1;
        boot_rvf.loop_other = -1;
#ifdef RVM_LINKED_PROFILE
        fmt_format(boot_rvf.line, sizeof(boot_rvf.line),
                   "boot: no RVF image in flash bank 0: the partitions and agents linked into "
                   "this test image\n");
#else
        fmt_format(boot_rvf.line, sizeof(boot_rvf.line),
                   "boot: no RVF image in flash bank 0: nothing to start (partitions and agents "
                   "come from a signed image: make image, make run)\n");
#endif
        if (b->flash_count == 0 || b->flash[0].size < RVF_FLASH_SIZE) {
                return;
        }
        /* Word programs only: no CFI probe (address 0 stays unmapped) and no erase. */
        boot_rvf_flash = (struct pflash){.base = b->flash[0].base, .size = b->flash[0].size};
        const struct pflash *fl = &boot_rvf_flash;
        if (hal_pflash_read(fl, RVF_FLASH_HDR_OFFSET, hdr, sizeof(hdr)) != PFLASH_OK ||
            memcmp(hdr, rvf_flash_magic, sizeof(rvf_flash_magic)) != 0) {
                return; /* no image in boot flash */
        }
        boot_rvf.slot = -1;
        boot_rvf.err_segment = -1;
        witness_crypto_init(); /* mbedTLS's arena, for the ECDSA verify */
        if ((e = rvf_flash_header_parse(hdr, fl->size, &fh, &er)) != RVF_OK ||
            (e = rvf_update_state(hdr, 0, &us[0], &er)) != RVF_OK ||
            (e = rvf_update_state(hdr, 1, &us[1], &er)) != RVF_OK) {
                boot_rvf.err = (int)e;
                refuse(&er);
        } else if (rvf_boot_choose(&fh, us, &ch), ch.slot < 0) {
                rvf_error_set(&er, RVF_E_FIELD, -1, 0, "slot flags", "no slot is marked to boot");
                boot_rvf.err = RVF_E_FIELD;
                refuse(&er);
        } else if (ch.step == RVF_STEP_ROLLBACK) {
                update_mark(ch.other, RVF_UPD_W_REJECTED);
                update_event(ch.other, RVF_SLOT_EV_ROLLBACK, fh.slot[ch.other].image_version,
                             "its first boot never passed its self-test: rolled back");
                boot_slot(fl, &fh, ch.slot);
        } else if (ch.step == RVF_STEP_TRY) {
                /* Marked before the attempt: a boot that dies now rolls back next time. */
                update_mark(ch.other, RVF_UPD_W_TRYING);
                boot_rvf.upd_trying = true;
                update_event(ch.other, RVF_SLOT_EV_TRY, fh.slot[ch.other].image_version,
                             "booting it for the first time; it stays if it passes its self-test");
                if (boot_slot(fl, &fh, ch.slot) != RVF_OK) {
                        char why[sizeof(boot_rvf.msg)];
                        memcpy(why, boot_rvf.msg, sizeof(why));
                        update_mark(ch.other, RVF_UPD_W_REJECTED);
                        boot_rvf.upd_trying = false;
                        fmt_format(boot_rvf.upd_msg, sizeof(boot_rvf.upd_msg),
                                   "refused (%s); booting slot %c", why, 'A' + fh.active);
                        update_event(ch.other, RVF_SLOT_EV_REJECT, fh.slot[ch.other].image_version,
                                     boot_rvf.upd_msg);
                        boot_slot(fl, &fh, fh.active);
                }
        } else {
                /* A confirmed update: should it fail boot after boot, the slot it replaced
                 * is the last good image (boot_rvf_loop_escape). */
                boot_rvf.loop_other = ch.other >= 0 && ch.slot == ch.other ? fh.active : -1;
                boot_slot(fl, &fh, ch.slot);
        }
        verdict_line();
        /* The verdict and what was signed: a refused image measures differently. */
        witness_attest_measure(&boot_state.attest, "rvf", boot_rvf.msg, strlen(boot_rvf.msg), NULL);
        witness_attest_measure(&boot_state.attest, "rvf-digest", boot_rvf.digest,
                               sizeof(boot_rvf.digest), NULL);
}

void boot_rvf_self_test(bool passed, const char *why)
{
        if (!boot_rvf.upd_trying) {
                return;
        }
        boot_rvf.upd_trying = false;
        int x = boot_rvf.upd_slot;
        if (passed) {
                update_mark(x, RVF_UPD_W_CONFIRMED);
                update_event(x, RVF_SLOT_EV_CONFIRM, boot_rvf.upd_version,
                             "passed its self-test (everything in it started): it boots from "
                             "now on");
        } else {
                update_mark(x, RVF_UPD_W_REJECTED);
                fmt_format(boot_rvf.upd_msg, sizeof(boot_rvf.upd_msg),
                           "failed its self-test (%s); the next boot returns to slot %c", why,
                           'A' + (x ^ 1));
                update_event(x, RVF_SLOT_EV_REJECT, boot_rvf.upd_version, boot_rvf.upd_msg);
        }
        witness_emit(&(struct witness_event){.kind = WK_BOOT_RVF_SLOT,
                                             .flags = passed ? 0 : WITNESS_F_DENIED,
                                             .target = (uint64_t)x,
                                             .cap = boot_rvf.upd_event,
                                             .payload = boot_rvf.upd_version});
}

void boot_rvf_check_floor(const struct rvf_floor *f)
{
        struct rvf_error er;

        boot_rvf.floor_known = f->found;
        boot_rvf.floor = f->found ? f->version : 0;
        if (boot_rvf.state != BOOT_RVF_VERIFIED || !f->found ||
            boot_rvf.image_version >= f->version) {
                return;
        }
        rvf_error_set(&er, RVF_E_DOWNGRADE, -1, 0, "image_version", NULL);
        fmt_format(boot_rvf.floor_reason, sizeof(boot_rvf.floor_reason),
                   "version %llu is older than version %llu, %s (witness seq %llu): a "
                   "downgrade ('image allow-downgrade %llu' at the monitor lets the next boot "
                   "run it)",
                   (unsigned long long)boot_rvf.image_version, (unsigned long long)f->version,
                   f->allowed ? "the oldest the monitor allowed" : "the last this machine booted",
                   (unsigned long long)f->seq, (unsigned long long)boot_rvf.image_version);
        er.reason = boot_rvf.floor_reason;
        refuse(&er);
        verdict_line();
        /* Measured before the log starts: the digest says this boot refused it. */
        witness_attest_measure(&boot_state.attest, "rvf", boot_rvf.msg, strlen(boot_rvf.msg), NULL);
}

void boot_rvf_witness(void)
{
        if (boot_rvf.state == BOOT_RVF_NONE || boot_rvf.witnessed || witness_global() == NULL) {
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
            .flags = boot_rvf.state == BOOT_RVF_REFUSED ? WITNESS_F_DENIED : 0,
            .target = boot_rvf.image_version,
            .cap =
                (uint64_t)(uint32_t)boot_rvf.err | ((uint64_t)(uint32_t)boot_rvf.err_segment << 32),
            .payload = d8});
        if (boot_rvf.upd_slot >= 0) { /* an update step taken before the log ran */
                witness_emit(&(struct witness_event){
                    .kind = WK_BOOT_RVF_SLOT,
                    .flags = boot_rvf.upd_event == RVF_SLOT_EV_TRY ? 0 : WITNESS_F_DENIED,
                    .target = (uint64_t)boot_rvf.upd_slot,
                    .cap = boot_rvf.upd_event,
                    .payload = boot_rvf.upd_version});
        }
}

int boot_rvf_loop_escape(void)
{
        const int x = boot_rvf.slot;

        if (boot_rvf.loop_other < 0 || x < 0 || boot_rvf.state != BOOT_RVF_VERIFIED) {
                return -1;
        }
        update_mark(x, RVF_UPD_W_REJECTED);
        if (boot_rvf.upd_flash_err) {
                return -1; /* the next boot would take it again: stay here, safe */
        }
        witness_emit(&(struct witness_event){.kind = WK_BOOT_RVF_SLOT,
                                             .flags = WITNESS_F_DENIED,
                                             .target = (uint64_t)x,
                                             .cap = RVF_SLOT_EV_LOOP,
                                             .payload = boot_rvf.image_version});
        return boot_rvf.loop_other;
}

void boot_rvf_refuse_late(const char *why)
{
        boot_rvf.state = BOOT_RVF_REFUSED;
        boot_rvf.err = RVF_E_UNSUPPORTED;
        boot_rvf.err_segment = -1;
        boot_rvf.tables = (struct profile_tables){0};
        fmt_format(boot_rvf.msg, sizeof(boot_rvf.msg), "REFUSED: %s; nothing is started", why);
        fmt_format(boot_rvf.line, sizeof(boot_rvf.line), "boot: rvf: %s\n", boot_rvf.msg);
        witness_emit(&(struct witness_event){
            .kind = WK_BOOT_RVF,
            .flags = WITNESS_F_DENIED,
            .target = boot_rvf.image_version,
            .cap = (uint64_t)RVF_E_UNSUPPORTED | ((uint64_t)UINT32_MAX << 32)});
}
