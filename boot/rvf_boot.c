/*
 * boot/rvf_boot.c: RVM checks the signed RVF image in its boot flash before the witness log
 * starts, and turns its PROFILE segment into the tables boot creates partitions and agents
 * from (boot/boot.h, struct boot_rvf).
 *
 * Where the image is: flash bank 0 holds `make image`'s file (docs/boards.md): RVM at 0, a
 * flash header at RVF_FLASH_HDR_OFFSET naming the slot to boot, slot A at RVF_FLASH_SLOT_A.
 * No header there (QEMU's -kernel boots, an erased bank): no image, the linked tables stay.
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
#include "boot/rvf_update.h"
#include "boot/rvf_verify.h"
#include "hal/pflash.h"
#include "hal/timer.h"
#include "kernel/fmt.h"
#include "lz4.h"
#ifdef RVM_HAVE_WASM
#include "wasm/agent.h"
#endif

extern const uint8_t rvf_trusted_key[RVF_PUBKEY_SIZE];

struct boot_rvf boot_rvf;
static struct pflash boot_rvf_flash; /* bank 0, for the update words */
_Static_assert(sizeof(boot_rvf.seg) / sizeof(boot_rvf.seg[0]) == RVF_MAX_SEGMENTS,
               "one witnessed entry per segment a file may hold");

/* The image's tables: partitions, their devices and image sizes, agents and their module
 * sizes, CommEdges. Static: the part_config pointers stay live for the partitions' lives. */
static struct rvf_file rvf_file;
static struct part_config parts[RVF_PROFILE_MAX_PARTS];
static struct part_vdev part_vdevs[RVF_PROFILE_MAX_PARTS][2];
static size_t part_image_size[RVF_PROFILE_MAX_PARTS], part_initrd_size[RVF_PROFILE_MAX_PARTS];
/* A Linux partition's command line, NUL-terminated (the KERNEL_SEG's is not). */
#define RVF_BOOTARGS_MAX 256
static char part_bootargs[RVF_PROFILE_MAX_PARTS][RVF_BOOTARGS_MAX];
/* LZ4 kernels inflated at boot: where each stored image went. */
struct inflated_kernel {
        const uint8_t *stored;
        uint64_t pa, pages;
};
static struct inflated_kernel inflated[RVF_PROFILE_MAX_PARTS];
static unsigned inflated_count;

/* Where Linux finds its devices: QEMU virt's GICv3 and PL011 (partition/partition.c writes
 * the same addresses into its device tree). */
#define LINUX_GICD_IPA  0x08000000ULL
#define LINUX_PL011_IPA 0x09000000ULL
static struct agent_config agents[RVF_PROFILE_MAX_AGENTS];
static size_t agent_wasm_size[RVF_PROFILE_MAX_AGENTS];
static struct edge_config edges[RVF_PROFILE_MAX_EDGES];

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

/* A PROFILE entry this RVM cannot create: the table, the entry and the field. */
static enum rvf_err refuse_entry(struct rvf_error *er, int seg, const char *table, int entry,
                                 const char *field, const char *reason)
{
        rvf_error_set(er, RVF_E_UNSUPPORTED, seg, RVF_SEG_PROFILE, field, reason);
        er->table = table;
        er->entry = entry;
        return RVF_E_UNSUPPORTED;
}

/* rvf_inflate_hash_fn for RVM: one LZ4 block inflated into pages of RVM's own and hashed
 * there; the copy is kept for the partition (kernel_image). A lying image_size (more than
 * the block can hold) is refused before any RAM is taken. */
static int inflate_kernel(uint8_t compression, const uint8_t *src, uint64_t src_len,
                          uint64_t image_size, uint8_t out[RVF_SHA256_SIZE])
{
        uint64_t pa;
        if (compression != RVF_COMPRESS_LZ4 || src_len > LZ4_MAX_INPUT_SIZE ||
            image_size > (uint64_t)INT32_MAX || image_size > src_len * 255 + 16 ||
            inflated_count == RVF_PROFILE_MAX_PARTS) {
                return -1;
        }
        uint64_t pages = (image_size + PALLOC_PAGE_SIZE - 1) >> PALLOC_PAGE_SHIFT;
        if (mem_alloc_pages(&boot_state.mem, pages, 1, &pa) != PALLOC_OK) {
                return -1;
        }
        uint8_t *dst = (uint8_t *)(uintptr_t)pa;
        int n = LZ4_decompress_safe((const char *)src, (char *)dst, (int)src_len, (int)image_size);
        if (n < 0 || (uint64_t)n != image_size) {
                mem_free_pages(&boot_state.mem, pa, pages);
                return -1;
        }
        rvf_sha256(dst, image_size, out);
        inflated[inflated_count++] =
            (struct inflated_kernel){.stored = src, .pa = pa, .pages = pages};
        return 0;
}

/* The image a partition loads: the stored bytes, or their inflated copy. */
static const uint8_t *kernel_image(const struct rvf_kernel *k)
{
        for (unsigned i = 0; i < inflated_count && k->compression != RVF_COMPRESS_NONE; i++) {
                if (inflated[i].stored == k->image) {
                        return (const uint8_t *)(uintptr_t)inflated[i].pa;
                }
        }
        return k->compression == RVF_COMPRESS_NONE ? k->image : NULL;
}

static void free_inflated(void)
{
        for (unsigned i = 0; i < inflated_count; i++) {
                mem_free_pages(&boot_state.mem, inflated[i].pa, inflated[i].pages);
        }
        inflated_count = 0;
}

/* A Linux kernel's partition: the arm64 boot protocol, its initrd and command line, and the
 * GICv3 and PL011 its device tree describes. */
static enum rvf_err build_linux(const struct rvf_profile_partition *pp, const struct rvf_kernel *k,
                                int seg, unsigned i, struct rvf_error *er)
{
        if (pp->vdev_type != 0 &&
            (pp->vdev_type != RVF_PART_VDEV_PL011 || pp->vdev_ipa != LINUX_PL011_IPA)) {
                return refuse_entry(er, seg, "partition", (int)i, "vdev",
                                    "a Linux partition's PL011 is at 0x09000000 (its device "
                                    "tree's)");
        }
        if (k->cmdline_length >= RVF_BOOTARGS_MAX) {
                return refuse_entry(er, seg, "partition", (int)i, "kernel_seg_id",
                                    "its command line is longer than RVM passes (255 bytes)");
        }
        memcpy(part_bootargs[i], k->cmdline, k->cmdline_length);
        part_bootargs[i][k->cmdline_length] = '\0';
        part_initrd_size[i] = k->initrd_length;
        part_vdevs[i][0] = (struct part_vdev){.type = PART_VDEV_GICV3, .ipa = LINUX_GICD_IPA};
        part_vdevs[i][1] = (struct part_vdev){.type = PART_VDEV_PL011, .ipa = LINUX_PL011_IPA};
        parts[i].vdevs = part_vdevs[i];
        parts[i].vdev_count = 2;
        parts[i].linux_boot = true;
        parts[i].initrd = k->initrd;
        parts[i].initrd_size = &part_initrd_size[i];
        parts[i].bootargs = part_bootargs[i];
        return RVF_OK;
}

/* Partition i of the profile as a part_config (guest: its KERNEL_SEG's image). */
static enum rvf_err build_partition(const struct rvf_profile *pr, int seg, unsigned i,
                                    struct rvf_error *er)
{
        struct rvf_profile_partition pp;
        struct rvf_kernel k;

        rvf_profile_partition(pr, i, &pp);
        parts[i] = (struct part_config){
            .name = pp.name,
            .kind = pp.kind == RVF_PART_WASM ? PART_KIND_WASM : PART_KIND_GUEST,
            .fault_policy = pp.fault_policy == 1 ? PART_FAULT_RESTART : PART_FAULT_STOP,
            .max_restarts = pp.max_restarts,
        };
        if (pp.kind == RVF_PART_WASM) {
#ifndef RVM_HAVE_WASM
                return refuse_entry(er, seg, "partition", (int)i, "kind",
                                    "a WASM partition: this RVM is built without WebAssembly");
#else
                return RVF_OK;
#endif
        }
        int ks = rvf_find_id(&rvf_file, pp.kernel_seg_id);
        enum rvf_err e;
        if (ks < 0 || (e = rvf_kernel_parse(&rvf_file, (unsigned)ks, &k, er)) != RVF_OK) {
                return refuse_entry(er, seg, "partition", (int)i, "kernel_seg_id",
                                    "not a KERNEL segment of this file");
        }
        if ((k.kernel_type != RVF_KTYPE_FLAT && k.kernel_type != RVF_KTYPE_MICROLINUX) ||
            k.entry_point != PART_IPA_BASE) {
                return rvf_error_set(er, RVF_E_UNSUPPORTED, ks, RVF_SEG_KERNEL,
                                     "kernel_type/entry_point",
                                     "RVM starts flat binaries (0x02) and Linux (0x01) at "
                                     "0x40000000");
        }
        if (pp.vcpus > PART_MAX_VCPUS) {
                return refuse_entry(er, seg, "partition", (int)i, "vcpus",
                                    "more vCPUs than a partition has (PART_MAX_VCPUS)");
        }
        if (k.image_size > pp.mem_bytes) {
                return refuse_entry(er, seg, "partition", (int)i, "mem_bytes",
                                    "smaller than its kernel image");
        }
        part_image_size[i] = (size_t)k.image_size;
        parts[i].image = kernel_image(&k);
        parts[i].image_size = &part_image_size[i];
        parts[i].mem_size = pp.mem_bytes;
        parts[i].vcpus = pp.vcpus;
        parts[i].ipa_bits = pp.ipa_bits;
        if (parts[i].image == NULL) { /* a compressed kernel check() did not inflate */
                return rvf_error_set(er, RVF_E_UNSUPPORTED, ks, RVF_SEG_KERNEL, "compression",
                                     "not inflated");
        }
        if (k.kernel_type == RVF_KTYPE_MICROLINUX) {
                return build_linux(&pp, &k, seg, i, er);
        }
        if (pp.vdev_type == RVF_PART_VDEV_PL011) {
                part_vdevs[i][0] = (struct part_vdev){.type = PART_VDEV_PL011, .ipa = pp.vdev_ipa};
                parts[i].vdevs = part_vdevs[i];
                parts[i].vdev_count = 1;
        }
        return RVF_OK;
}

/* The PROFILE segment (exactly one) as boot's tables. */
static enum rvf_err build_tables(struct rvf_error *er)
{
        struct rvf_profile pr;
        int seg = -1;
        enum rvf_err e;

        for (unsigned i = 0; i < rvf_file.seg_count; i++) {
                if (rvf_file.seg[i].type != RVF_SEG_PROFILE) {
                        continue;
                }
                if (seg >= 0) {
                        return rvf_error_set(er, RVF_E_UNSUPPORTED, (int)i, RVF_SEG_PROFILE, "type",
                                             "a second PROFILE segment: which one to boot?");
                }
                seg = (int)i;
        }
        if (seg < 0) {
                return rvf_error_set(er, RVF_E_UNSUPPORTED, -1, 0, "PROFILE",
                                     "no PROFILE segment: nothing to start");
        }
        if ((e = rvf_profile_parse(&rvf_file, (unsigned)seg, &pr, er)) != RVF_OK) {
                return e;
        }
        if (pr.partition_count > PART_MAX) {
                return refuse_entry(er, seg, NULL, -1, "partition_count",
                                    "more partitions than RVM holds (PART_MAX)");
        }
        if (pr.lease_count != 0) {
                return refuse_entry(er, seg, "lease", 0, "device",
                                    "device leases from an image are not applied by RVM yet");
        }
        for (unsigned i = 0; i < pr.partition_count; i++) {
                if ((e = build_partition(&pr, seg, i, er)) != RVF_OK) {
                        return e;
                }
        }
#ifdef RVM_HAVE_WASM
        if (pr.agent_count > AGENT_MAX) {
                return refuse_entry(er, seg, NULL, -1, "agent_count",
                                    "more agents than RVM holds (AGENT_MAX)");
        }
#else
        if (pr.agent_count != 0) {
                return refuse_entry(er, seg, "agent", 0, "wasm_seg_id",
                                    "agents: this RVM is built without WebAssembly");
        }
#endif
        for (unsigned i = 0; i < pr.agent_count; i++) {
                struct rvf_profile_agent pa;
                struct rvf_wasm w;
                rvf_profile_agent(&pr, i, &pa);
                int ws = rvf_find_id(&rvf_file, pa.wasm_seg_id);
                if (ws < 0 || rvf_wasm_parse(&rvf_file, (unsigned)ws, &w, er) != RVF_OK) {
                        return refuse_entry(er, seg, "agent", (int)i, "wasm_seg_id",
                                            "not a WASM segment of this file");
                }
                agent_wasm_size[i] = w.bytecode_size;
                agents[i] = (struct agent_config){
                    .name = pa.name,
                    .wasm = w.bytecode,
                    .wasm_size = &agent_wasm_size[i],
                    .partition = pa.partition,
                    .caps = pa.caps,
                    .on_demand = (pa.flags & RVF_AGENT_ON_DEMAND) != 0,
                };
        }
        for (unsigned i = 0; i < pr.edge_count; i++) {
                struct rvf_profile_edge pe;
                rvf_profile_edge(&pr, i, &pe);
                edges[i] = (struct edge_config){.a = pe.a, .b = pe.b};
        }
        boot_rvf.tables = (struct profile_tables){
            .parts = parts,
            .part_count = pr.partition_count,
            .agents = agents,
            .agent_count = pr.agent_count,
            .edges = edges,
            .edge_count = pr.edge_count,
        };
        return RVF_OK;
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
        if ((e = rvf_verify_hashes(&rvf_file, inflate_kernel, er)) != RVF_OK ||
            (e = rvf_verify_signature(&rvf_file, rvf_trusted_key, 0, &sg, er)) != RVF_OK) {
                return e;
        }
        boot_rvf.image_version = sg.image_version;
        rvf_sig_digest(&rvf_file, &sg, boot_rvf.digest);
        if ((e = build_tables(er)) != RVF_OK) {
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
        free_inflated();
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
        fmt_format(boot_rvf.line, sizeof(boot_rvf.line),
                   "boot: no RVF image in flash bank 0: the partitions and agents linked into "
                   "RVM\n");
        if (b->flash_count == 0 || b->flash[0].size < RVF_FLASH_SIZE) {
                return;
        }
        /* Word programs only: no CFI probe (address 0 stays unmapped) and no erase. */
        boot_rvf_flash = (struct pflash){.base = b->flash[0].base, .size = b->flash[0].size};
        const struct pflash *fl = &boot_rvf_flash;
        if (hal_pflash_read(fl, RVF_FLASH_HDR_OFFSET, hdr, sizeof(hdr)) != PFLASH_OK ||
            memcmp(hdr, rvf_flash_magic, sizeof(rvf_flash_magic)) != 0) {
                return; /* no image in boot flash: the linked tables */
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

void boot_rvf_check_floor(bool found, uint64_t floor, uint64_t seq, bool allowed)
{
        struct rvf_error er;

        boot_rvf.floor_known = found;
        boot_rvf.floor = found ? floor : 0;
        if (boot_rvf.state != BOOT_RVF_VERIFIED || !found || boot_rvf.image_version >= floor) {
                return;
        }
        rvf_error_set(&er, RVF_E_DOWNGRADE, -1, 0, "image_version", NULL);
        fmt_format(boot_rvf.floor_reason, sizeof(boot_rvf.floor_reason),
                   "version %llu is older than version %llu, %s (witness seq %llu): a "
                   "downgrade ('image allow-downgrade %llu' at the monitor lets the next boot "
                   "run it)",
                   (unsigned long long)boot_rvf.image_version, (unsigned long long)floor,
                   allowed ? "the oldest the monitor allowed" : "the last this machine booted",
                   (unsigned long long)seq, (unsigned long long)boot_rvf.image_version);
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
