/*
 * boot/rvf_update.h: signed A/B updates and downgrade protection, as plain decisions over
 * plain data (boot/rvf_update.c; host-tested in tests/unit/rvf_update_test.c). boot/rvf_boot.c
 * applies them to the boot flash and the witness log.
 *
 * The update state of a slot is four 32-bit words in the flash header (docs/boards.md),
 * erased (0xFFFFFFFF) until programmed once each, so no step needs an erase and a power cut
 * leaves either the old or the new word: PENDING (the host wrote an image there to try),
 * TRYING (RVM is booting it for the first time), CONFIRMED (it passed its boot self-test),
 * REJECTED (it was refused, failed its self-test, or a try never confirmed).
 */
#ifndef RVM_BOOT_RVF_UPDATE_H
#define RVM_BOOT_RVF_UPDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "boot/rvf.h"
#include "witness/witness.h"

#define RVF_UPD_OFFSET    0x800u      /* in the header: 16 bytes per slot */
#define RVF_UPD_PENDING   0x444E4550u /* "PEND" */
#define RVF_UPD_TRYING    0x47595254u /* "TRYG" */
#define RVF_UPD_CONFIRMED 0x464E4F43u /* "CONF" */
#define RVF_UPD_REJECTED  0x544A4552u /* "REJT" */
enum rvf_upd_word { RVF_UPD_W_PENDING, RVF_UPD_W_TRYING, RVF_UPD_W_CONFIRMED, RVF_UPD_W_REJECTED };
/* Header offset of slot i's word w. */
#define RVF_UPD_WORD_OFF(i, w) (RVF_UPD_OFFSET + 16u * (i) + 4u * (w))

uint32_t rvf_update_word_value(enum rvf_upd_word w);

struct rvf_upd_state {
        bool pending, trying, confirmed, rejected;
};
/* The four words of slot i from a 4 KiB header copy: RVF_OK, or RVF_E_FIELD naming the word
 * holding something that is neither erased nor its own value. */
enum rvf_err rvf_update_state(const uint8_t *hdr, unsigned i, struct rvf_upd_state *out,
                              struct rvf_error *err);

enum rvf_boot_step {
        RVF_STEP_NONE = 0, /* boot `slot` as it is */
        RVF_STEP_TRY,      /* program TRYING on `slot` (the update), then boot it */
        RVF_STEP_ROLLBACK, /* program REJECTED on `other` (its try never confirmed); boot `slot` */
};
struct rvf_boot_choice {
        int slot;  /* the slot to boot (-1: none) */
        int other; /* the update slot a TRY or ROLLBACK concerns (-1: none) */
        enum rvf_boot_step step;
};
/* Which slot to boot: the one marked active, unless the other holds a confirmed update (it
 * took) or a pending one not yet tried (TRY); a try that never confirmed is rolled back. */
void rvf_boot_choose(const struct rvf_flash *fh, const struct rvf_upd_state st[RVF_FLASH_SLOTS],
                     struct rvf_boot_choice *out);

/* What the witness store says about image versions (downgrade protection), read newest
 * first by rvf_floor_visit (witness_log_scan_back). The floor is the version of the last
 * image that booted: its verified WK_BOOT_RVF, unless that boot refused it after all (a
 * denied WK_BOOT_RVF later in the same boot) or was an update's try that never confirmed
 * (WK_BOOT_RVF_SLOT try without confirm); or the monitor's WK_BOOT_RVF_ALLOW if newer. */
#define RVF_SLOT_EV_TRY      1u /* WK_BOOT_RVF_SLOT's cap: booting an update for the first time */
#define RVF_SLOT_EV_CONFIRM  2u /* it passed its self-test: it is the slot from now on */
#define RVF_SLOT_EV_REJECT   3u /* it was refused or failed its self-test: back to the other */
#define RVF_SLOT_EV_ROLLBACK 4u /* its try never confirmed (a crash or a hang): back */
#define RVF_SLOT_EV_LOOP     5u /* confirmed, then failed boots in a row (F4): back */
struct rvf_floor {
        bool found, allowed;
        uint64_t version, seq;
        /* scan state: the boot being read and what it has shown so far (newest first) */
        uint32_t boot;
        bool boot_valid, boot_denied, boot_confirmed, boot_untried;
        /* a confirmed update rejected after failed boots in a row (RVF_SLOT_EV_LOOP): its
         * version's earlier boots did not boot well either, and set no floor */
        bool loop_rejected;
        uint64_t loop_version;
};
bool rvf_floor_visit(void *ctx, const struct witness_record *r);

#endif
