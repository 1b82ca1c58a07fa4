/*
 * tools/rvf/flash.c: `rvf flash` (one 64 MiB flash file: RVM, the flash header, RVF slots A
 * and B; boot/rvf.h) and `rvf update` (a signed image into the slot not booting now, marked
 * to be tried once: boot/rvf_update.h).
 */
#include <stdlib.h>
#include <string.h>

#include "boot/rvf_update.h"
#include "boot/rvf_verify.h"
#include "tools/rvf/cli_priv.h"
#include "tools/rvf/rvf_tool.h"

static void put_le64(uint8_t *p, uint64_t v)
{
        for (int b = 0; b < 8; b++) {
                p[b] = (uint8_t)(v >> (8 * b));
        }
}

/* The RVF at path into slot i of the flash file img: its bytes, and the header's length and
 * image version for it (its flags are the caller's). 0 or the exit status. */
static int put_slot(struct ctx *c, uint8_t *img, unsigned i, const char *path)
{
        uint8_t *e = img + RVF_FLASH_HDR_OFFSET + 0x40 + 32 * i;
        const uint64_t base = i ? RVF_FLASH_SLOT_B : RVF_FLASH_SLOT_A;
        struct loaded *l = calloc(1, sizeof(*l));
        struct rvf_sig sg;
        struct rvf_error er;
        uint64_t ver = 0;

        int st = l ? cli_load_rvf(c, path, l) : RVF_EXIT_USAGE;
        if (st == 0 && l->len > RVF_FLASH_SLOT_MAX) {
                st = cli_err(c, RVF_EXIT_USAGE, "%s is larger than a slot", path);
        }
        if (st == 0) {
                if (rvf_sig_parse(&l->f, &sg, &er) == RVF_OK) {
                        ver = sg.image_version;
                }
                memset(img + base, 0xFF, RVF_FLASH_SLOT_MAX); /* erased, then programmed */
                memcpy(img + base, l->data, l->len);
                put_le64(e + 8, l->len);
                put_le64(e + 16, ver);
        }
        if (l) {
                free(l->data);
        }
        free(l);
        return st;
}

/* A fresh header: magic, version, RVM's length and hash, both slots empty and erased update
 * words (no update pending). */
static void header_init(uint8_t *h, const uint8_t *rvm, size_t n)
{
        memset(h, 0, RVF_FLASH_HDR_SIZE);
        memcpy(h, rvf_flash_magic, sizeof(rvf_flash_magic));
        h[0x08] = RVF_FLASH_VERSION;
        h[0x0C] = RVF_FLASH_SLOTS;
        put_le64(h + 0x18, n);
        rvf_sha256(rvm, n, h + 0x20);
        for (unsigned i = 0; i < RVF_FLASH_SLOTS; i++) {
                put_le64(h + 0x40 + 32 * i, i ? RVF_FLASH_SLOT_B : RVF_FLASH_SLOT_A);
        }
        memset(h + RVF_UPD_OFFSET, 0xFF, 16 * RVF_FLASH_SLOTS);
}

static int write_checked(struct ctx *c, const char *out, const uint8_t *img)
{
        struct rvf_flash fl;
        struct rvf_error er;
        enum rvf_err e = rvf_flash_parse(img, RVF_FLASH_SIZE, &fl, &er);
        if (e != RVF_OK) {
                return cli_report(c, out, e, &er);
        }
        if (cli_write_file(out, img, RVF_FLASH_SIZE, 0644) != 0) {
                return cli_err(c, RVF_EXIT_USAGE, "cannot write %s", out);
        }
        return 0;
}

int cli_flash(struct ctx *c, int argc, char **argv)
{
        const char *out = NULL, *rvm = NULL, *slot[RVF_FLASH_SLOTS] = {NULL, NULL};
        for (int i = 0; i + 1 < argc; i += 2) {
                if (strcmp(argv[i], "-o") == 0) {
                        out = argv[i + 1];
                } else if (strcmp(argv[i], "--rvm") == 0) {
                        rvm = argv[i + 1];
                } else if (strcmp(argv[i], "--slot-a") == 0) {
                        slot[0] = argv[i + 1];
                } else if (strcmp(argv[i], "--slot-b") == 0) {
                        slot[1] = argv[i + 1];
                } else {
                        return cli_err(c, RVF_EXIT_USAGE, "flash: unexpected '%s'", argv[i]);
                }
        }
        if (out == NULL || rvm == NULL || (slot[1] != NULL && slot[0] == NULL) || argc % 2 != 0) {
                return cli_err(c, RVF_EXIT_USAGE,
                               "flash -o IMG --rvm RVM.BIN [--slot-a A.RVF [--slot-b B.RVF]]");
        }
        uint8_t *img = malloc(RVF_FLASH_SIZE);
        size_t n = 0;
        uint8_t *r = cli_read_file(rvm, &n);
        int st = 0;
        if (img == NULL || r == NULL) {
                st = cli_err(c, RVF_EXIT_USAGE, "cannot read %s", rvm);
        } else if (n > RVF_FLASH_RVM_MAX) {
                st = cli_err(c, RVF_EXIT_USAGE, "%s: %zu bytes, more than the %llu RVM may use",
                             rvm, n, (unsigned long long)RVF_FLASH_RVM_MAX);
        }
        if (st == 0) {
                memset(img, 0xFF, RVF_FLASH_SIZE); /* erased NOR */
                memcpy(img, r, n);
                header_init(img + RVF_FLASH_HDR_OFFSET, r, n);
                if (slot[0] != NULL) {
                        img[RVF_FLASH_HDR_OFFSET + 0x40 + 24] = RVF_FLASH_SLOT_ACTIVE; /* A boots */
                }
        }
        for (unsigned i = 0; st == 0 && i < RVF_FLASH_SLOTS; i++) {
                if (slot[i] != NULL) {
                        st = put_slot(c, img, i, slot[i]);
                }
        }
        if (st == 0 && (st = write_checked(c, out, img)) == 0) {
                struct rvf_flash fl;
                struct rvf_error er;
                (void)rvf_flash_parse(img, RVF_FLASH_SIZE, &fl, &er);
                if (slot[0] == NULL) {
                        fprintf(c->out, "rvf: wrote %s: RVM %zu bytes at 0x0, no RVF slot\n", out,
                                n);
                } else {
                        fprintf(c->out,
                                "rvf: wrote %s: RVM %zu bytes at 0x0, slot A %llu bytes at 0x%llx "
                                "(image version %llu)\n",
                                out, n, (unsigned long long)fl.slot[0].length,
                                (unsigned long long)fl.slot[0].offset,
                                (unsigned long long)fl.slot[0].image_version);
                }
        }
        free(r);
        free(img);
        return st;
}

int cli_update(struct ctx *c, int argc, char **argv)
{
        if (argc != 2) {
                return cli_err(c, RVF_EXIT_USAGE, "update IMG NEW.RVF");
        }
        size_t n = 0;
        uint8_t *img = cli_read_file(argv[0], &n);
        struct rvf_flash fh;
        struct rvf_upd_state us[RVF_FLASH_SLOTS];
        struct rvf_boot_choice ch;
        struct rvf_error er;
        enum rvf_err e = RVF_OK;
        int st = 0;

        if (img == NULL || n != RVF_FLASH_SIZE) {
                free(img);
                return cli_err(c, RVF_EXIT_USAGE, "%s: not a %llu-byte flash file", argv[0],
                               (unsigned long long)RVF_FLASH_SIZE);
        }
        uint8_t *h = img + RVF_FLASH_HDR_OFFSET;
        if ((e = rvf_flash_parse(img, n, &fh, &er)) != RVF_OK ||
            (e = rvf_update_state(h, 0, &us[0], &er)) != RVF_OK ||
            (e = rvf_update_state(h, 1, &us[1], &er)) != RVF_OK) {
                st = cli_report(c, argv[0], e, &er);
        }
        if (st == 0) {
                rvf_boot_choose(&fh, us, &ch);
        }
        if (st == 0 && ch.slot < 0) {
                st = cli_err(c, RVF_EXIT_USAGE, "%s: no slot boots now", argv[0]);
        }
        if (st == 0) {
                /* The slot booting now (after a confirmed update: the updated one) becomes
                 * the active one; the other receives the new image, pending. The header is
                 * rewritten whole, as a board's update tool erases and programs its block. */
                const int now = ch.step == RVF_STEP_TRY ? fh.active : ch.slot, x = now ^ 1;
                uint8_t old[RVF_FLASH_HDR_SIZE];
                memcpy(old, h, sizeof(old));
                header_init(h, img, (size_t)fh.rvm_length);
                memcpy(h + 0x40, old + 0x40, 32 * RVF_FLASH_SLOTS); /* slots as they were */
                for (unsigned i = 0; i < RVF_FLASH_SLOTS; i++) {
                        h[0x40 + 32 * i + 24] = (int)i == now ? RVF_FLASH_SLOT_ACTIVE : 0;
                }
                if ((st = put_slot(c, img, (unsigned)x, argv[1])) == 0) {
                        uint8_t *w = h + RVF_UPD_WORD_OFF(x, RVF_UPD_W_PENDING);
                        for (int b = 0; b < 4; b++) {
                                w[b] = (uint8_t)(RVF_UPD_PENDING >> (8 * b));
                        }
                        st = write_checked(c, argv[0], img);
                }
                if (st == 0) {
                        fprintf(c->out,
                                "rvf: %s: %s written into slot %c, to be tried at the next boot "
                                "(slot %c boots until it confirms)\n",
                                argv[0], argv[1], 'A' + x, 'A' + now);
                }
        }
        free(img);
        return st;
}
