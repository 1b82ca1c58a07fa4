/*
 * boot/rvf_update.c: which flash slot to boot (A/B updates) and the oldest image version a
 * boot may run (downgrade protection), decided over plain data (boot/rvf_update.h).
 */
#include "boot/rvf_update.h"

static const uint32_t upd_value[4] = {RVF_UPD_PENDING, RVF_UPD_TRYING, RVF_UPD_CONFIRMED,
                                      RVF_UPD_REJECTED};
static const char *const upd_name[4] = {"update PENDING word", "update TRYING word",
                                        "update CONFIRMED word", "update REJECTED word"};

uint32_t rvf_update_word_value(enum rvf_upd_word w)
{
        return upd_value[w & 3];
}

enum rvf_err rvf_update_state(const uint8_t *hdr, unsigned i, struct rvf_upd_state *out,
                              struct rvf_error *err)
{
        bool *w[4] = {&out->pending, &out->trying, &out->confirmed, &out->rejected};

        for (unsigned k = 0; k < 4; k++) {
                uint32_t v = rvf_le32(hdr + RVF_UPD_WORD_OFF(i, k));
                if (v != 0xFFFFFFFFu && v != upd_value[k]) {
                        return rvf_error_set(err, RVF_E_FIELD, -1, 0, upd_name[k],
                                             "neither erased nor its value");
                }
                *w[k] = v == upd_value[k];
        }
        return RVF_OK;
}

void rvf_boot_choose(const struct rvf_flash *fh, const struct rvf_upd_state st[RVF_FLASH_SLOTS],
                     struct rvf_boot_choice *out)
{
        const int base = fh->active;

        *out = (struct rvf_boot_choice){.slot = base, .other = -1, .step = RVF_STEP_NONE};
        if (base < 0) {
                return;
        }
        const int x = base ^ 1;
        const struct rvf_upd_state *s = &st[x];
        if (fh->slot[x].length == 0 || !s->pending || s->rejected) {
                return;
        }
        out->other = x;
        if (s->confirmed) {
                out->slot = x; /* the update took */
        } else if (s->trying) {
                out->step = RVF_STEP_ROLLBACK; /* tried once, never confirmed */
        } else {
                out->slot = x;
                out->step = RVF_STEP_TRY;
        }
}

bool rvf_floor_visit(void *ctx, const struct witness_record *r)
{
        struct rvf_floor *f = ctx;

        if (!f->boot_valid || r->boot != f->boot) {
                f->boot = r->boot;
                f->boot_valid = true;
                f->boot_denied = f->boot_confirmed = f->boot_untried = false;
        }
        switch (r->kind) {
        case WK_BOOT_RVF_ALLOW:
                *f = (struct rvf_floor){
                    .found = true, .allowed = true, .version = r->target, .seq = r->seq};
                return true;
        case WK_BOOT_RVF_SLOT:
                if (r->cap == RVF_SLOT_EV_CONFIRM) {
                        f->boot_confirmed = true;
                } else if (r->cap == RVF_SLOT_EV_TRY && !f->boot_confirmed) {
                        f->boot_untried = true; /* a try this boot never confirmed */
                } else if (r->cap == RVF_SLOT_EV_LOOP) {
                        f->boot_denied = true; /* F4: it failed boot after boot */
                        f->loop_rejected = true;
                        f->loop_version = r->payload;
                }
                return false;
        case WK_BOOT_RVF:
                if ((r->flags & WITNESS_F_DENIED) != 0) {
                        f->boot_denied = true; /* refused, maybe after it verified */
                        return false;
                }
                if (f->boot_denied || f->boot_untried ||
                    (f->loop_rejected && r->target == f->loop_version)) {
                        return false;
                }
                *f = (struct rvf_floor){.found = true, .version = r->target, .seq = r->seq};
                return true;
        default:
                return false;
        }
}
