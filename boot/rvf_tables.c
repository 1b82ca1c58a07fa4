/*
 * boot/rvf_tables.c: a verified RVF image's PROFILE turned into the tables boot creates
 * partitions, agents and CommEdges from (struct profile_tables), and the LZ4 kernels RVM
 * inflates while the hashes are checked (boot/rvf_boot.c calls both; boot/rvf_tables.h).
 * Everything read here was bounds-checked by boot/rvf*.c first; nothing is trusted beyond.
 */
#include <string.h>

#include "boot/boot.h"
#include "boot/rvf_tables.h"
#include "boot/rvf_verify.h"
#include "lz4.h"
#ifdef RVM_HAVE_WASM
#include "wasm/agent.h"
#endif

/* The image's tables: partitions, their devices and image sizes, agents and their module
 * sizes, CommEdges. Static: the part_config pointers stay live for the partitions' lives. */
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
int rvf_tables_inflate(uint8_t compression, const uint8_t *src, uint64_t src_len,
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

void rvf_tables_release(void)
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
        part_vdevs[i][0] =
            (struct part_vdev){.type = PART_VDEV_GICV3, .ipa = ipa_init(LINUX_GICD_IPA)};
        part_vdevs[i][1] =
            (struct part_vdev){.type = PART_VDEV_PL011, .ipa = ipa_init(LINUX_PL011_IPA)};
        parts[i].vdevs = part_vdevs[i];
        parts[i].vdev_count = 2;
        parts[i].linux_boot = true;
        parts[i].initrd = k->initrd;
        parts[i].initrd_size = &part_initrd_size[i];
        parts[i].bootargs = part_bootargs[i];
        return RVF_OK;
}

/* Partition i of the profile as a part_config (guest: its KERNEL_SEG's image). */
static enum rvf_err build_partition(const struct rvf_file *f, const struct rvf_profile *pr, int seg,
                                    unsigned i, struct rvf_error *er)
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
        int ks = rvf_find_id(f, pp.kernel_seg_id);
        enum rvf_err e;
        if (ks < 0 || (e = rvf_kernel_parse(f, (unsigned)ks, &k, er)) != RVF_OK) {
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
                part_vdevs[i][0] =
                    (struct part_vdev){.type = PART_VDEV_PL011, .ipa = ipa_init(pp.vdev_ipa)};
                parts[i].vdevs = part_vdevs[i];
                parts[i].vdev_count = 1;
        }
        return RVF_OK;
}

/* The PROFILE segment (exactly one) as boot's tables. */
enum rvf_err rvf_tables_build(const struct rvf_file *f, struct profile_tables *out,
                              struct rvf_error *er)
{
        struct rvf_profile pr;
        int seg = -1;
        enum rvf_err e;

        for (unsigned i = 0; i < f->seg_count; i++) {
                if (f->seg[i].type != RVF_SEG_PROFILE) {
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
        if ((e = rvf_profile_parse(f, (unsigned)seg, &pr, er)) != RVF_OK) {
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
                if ((e = build_partition(f, &pr, seg, i, er)) != RVF_OK) {
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
                int ws = rvf_find_id(f, pa.wasm_seg_id);
                if (ws < 0 || rvf_wasm_parse(f, (unsigned)ws, &w, er) != RVF_OK) {
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
        *out = (struct profile_tables){
            .parts = parts,
            .part_count = pr.partition_count,
            .agents = agents,
            .agent_count = pr.agent_count,
            .edges = edges,
            .edge_count = pr.edge_count,
        };
        return RVF_OK;
}
