/*
 * boot/rvf_payload.c: the payloads RVM reads from an RVF file's segments (boot/rvf.h): the
 * RVKN header of a KERNEL_SEG (and whether RVM can run it), the RVWM header of a WASM_SEG,
 * the RVSG signature of the CRYPTO segment. Bounds-checked like the segment walk (boot/rvf.c).
 */
#include <string.h>

#include "boot/rvf.h"

/* ---- KERNEL_SEG ---- */

enum rvf_err rvf_kernel_parse(const struct rvf_file *f, unsigned index, struct rvf_kernel *k,
                              struct rvf_error *err)
{
        const int i = (int)index;
        const uint8_t t = RVF_SEG_KERNEL;

        if (f == NULL || k == NULL || index >= f->seg_count || f->seg[index].type != t) {
                return rvf_error_set(err, RVF_E_ARG, i, t, "type", "not a KERNEL segment");
        }
        const uint8_t *h = rvf_payload(f, index);
        const uint64_t len = f->seg[index].payload_length;
        memset(k, 0, sizeof(*k));
        if (len < RVF_KERNEL_HDR_SIZE) {
                return rvf_error_set(err, RVF_E_TRUNCATED, i, t, "payload_length",
                                     "shorter than the RVKN header");
        }
        if (rvf_le32(h) != RVF_KERNEL_MAGIC) {
                return rvf_error_set(err, RVF_E_MAGIC, i, t, "kernel magic", "not RVKN");
        }
        k->header_version = rvf_le16(h + 0x04);
        if (k->header_version != RVF_KERNEL_HDR_VERSION) {
                return rvf_error_set(err, RVF_E_VERSION, i, t, "header_version",
                                     "unknown RVKN version");
        }
        k->arch = h[0x06];
        k->kernel_type = h[0x07];
        k->flags = rvf_le32(h + 0x08);
        k->min_memory_mb = rvf_le32(h + 0x0C);
        k->entry_point = rvf_le64(h + 0x10);
        k->image_size = rvf_le64(h + 0x18);
        k->compressed_size = rvf_le64(h + 0x20);
        k->compression = h[0x28];
        memcpy(k->image_hash, h + 0x30, RVF_SHA256_SIZE);
        memcpy(k->build_id, h + 0x50, sizeof(k->build_id));
        k->build_timestamp = rvf_le64(h + 0x60);
        k->vcpu_count = h[0x68];
        k->cmdline_offset_field = rvf_le32(h + 0x6C);
        k->cmdline_length = rvf_le32(h + 0x70);
        k->initrd_length = rvf_le32(h + 0x74);

        if (k->compression > RVF_COMPRESS_LZ4) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "compression", "unknown compression");
        }
        if (((k->flags & RVF_KFLAG_COMPRESSED) != 0) != (k->compression != RVF_COMPRESS_NONE)) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "flags",
                                     "COMPRESSED flag disagrees with compression");
        }
        if (k->image_size == 0) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "image_size", "empty image");
        }
        if (k->compression == RVF_COMPRESS_NONE) {
                if (k->compressed_size != 0 && k->compressed_size != k->image_size) {
                        return rvf_error_set(err, RVF_E_FIELD, i, t, "compressed_size",
                                             "differs from image_size in an uncompressed kernel");
                }
                k->stored_size = k->image_size;
        } else {
                if (k->compressed_size == 0) {
                        return rvf_error_set(err, RVF_E_FIELD, i, t, "compressed_size",
                                             "0 in a compressed kernel");
                }
                k->stored_size = k->compressed_size;
        }
        if (k->stored_size > len - RVF_KERNEL_HDR_SIZE) {
                return rvf_error_set(err, RVF_E_RANGE, i, t,
                                     k->compression ? "compressed_size" : "image_size",
                                     "past end of payload");
        }
        if (k->vcpu_count == 0 || k->vcpu_count > RVF_KERNEL_MAX_VCPUS) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "vcpu_count", "not 1..64");
        }
        if (k->cmdline_length > RVF_CMDLINE_MAX) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "cmdline_length", "longer than 4096");
        }
        /* Writers put the command line right after the image; the seed writes 128 there. */
        const uint64_t cmd_at = RVF_KERNEL_HDR_SIZE + k->stored_size;
        if (k->cmdline_offset_field != RVF_KERNEL_HDR_SIZE && k->cmdline_offset_field != cmd_at) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "cmdline_offset",
                                     "neither after the image nor 128");
        }
        if (k->cmdline_length > len - cmd_at) {
                return rvf_error_set(err, RVF_E_RANGE, i, t, "cmdline_length",
                                     "past end of payload");
        }
        if (k->initrd_length > len - cmd_at - k->cmdline_length) {
                return rvf_error_set(err, RVF_E_RANGE, i, t, "initrd_length",
                                     "past end of payload");
        }
        if (cmd_at + k->cmdline_length + k->initrd_length != len) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "payload_length",
                                     k->initrd_length != 0 ? "bytes after the initrd"
                                                           : "bytes after the command line");
        }
        k->image = h + RVF_KERNEL_HDR_SIZE;
        k->cmdline = (const char *)h + cmd_at;
        k->initrd = k->initrd_length != 0 ? h + cmd_at + k->cmdline_length : NULL;
        if (memchr(k->cmdline, 0, k->cmdline_length) != NULL) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "cmdline",
                                     "NUL byte in the command line");
        }
        return RVF_OK;
}

const char *rvf_arch_name(uint8_t arch)
{
        switch (arch) {
        case RVF_ARCH_X86_64:
                return "x86_64";
        case RVF_ARCH_AARCH64:
                return "aarch64";
        }
        return "unknown-arch";
}

const char *rvf_compression_name(uint8_t compression)
{
        switch (compression) {
        case RVF_COMPRESS_NONE:
                return "none";
        case RVF_COMPRESS_GZIP:
                return "gzip";
        case RVF_COMPRESS_LZ4:
                return "lz4";
        }
        return "unknown-compression";
}

enum rvf_err rvf_kernel_bootable(const struct rvf_kernel *k, int index, struct rvf_error *err)
{
        const uint8_t t = RVF_SEG_KERNEL;

        if (k->arch == RVF_ARCH_X86_64) {
                return rvf_error_set(err, RVF_E_UNSUPPORTED, index, t, "arch",
                                     "x86_64 kernel: RVM boots aarch64 kernels only");
        }
        if (k->arch != RVF_ARCH_AARCH64) {
                return rvf_error_set(err, RVF_E_UNSUPPORTED, index, t, "arch",
                                     "unknown architecture: RVM boots aarch64 kernels only");
        }
        if (k->compression == RVF_COMPRESS_GZIP) {
                return rvf_error_set(err, RVF_E_UNSUPPORTED, index, t, "compression",
                                     "gzip-compressed kernel: RVM inflates LZ4 only (pack it "
                                     "with lz4 or uncompressed)");
        }
        if (k->initrd_length != 0 && k->kernel_type != RVF_KTYPE_MICROLINUX) {
                return rvf_error_set(err, RVF_E_UNSUPPORTED, index, t, "initrd_length",
                                     "an initrd for a kernel that is not Linux");
        }
        return RVF_OK;
}

/* ---- WASM_SEG ---- */

enum rvf_err rvf_wasm_parse(const struct rvf_file *f, unsigned index, struct rvf_wasm *w,
                            struct rvf_error *err)
{
        const int i = (int)index;
        const uint8_t t = RVF_SEG_WASM;

        if (f == NULL || w == NULL || index >= f->seg_count || f->seg[index].type != t) {
                return rvf_error_set(err, RVF_E_ARG, i, t, "type", "not a WASM segment");
        }
        const uint8_t *h = rvf_payload(f, index);
        const uint64_t len = f->seg[index].payload_length;
        memset(w, 0, sizeof(*w));
        if (len < RVF_WASM_HDR_SIZE) {
                return rvf_error_set(err, RVF_E_TRUNCATED, i, t, "payload_length",
                                     "shorter than the RVWM header");
        }
        if (rvf_le32(h) != RVF_WASM_MAGIC) {
                return rvf_error_set(err, RVF_E_MAGIC, i, t, "wasm magic", "not RVWM");
        }
        w->header_version = rvf_le16(h + 0x04);
        if (w->header_version != RVF_WASM_HDR_VERSION) {
                return rvf_error_set(err, RVF_E_VERSION, i, t, "header_version",
                                     "unknown RVWM version");
        }
        w->role = h[0x06];
        w->target = h[0x07];
        w->required_features = rvf_le16(h + 0x08);
        w->export_count = rvf_le16(h + 0x0A);
        w->bytecode_size = rvf_le32(h + 0x0C);
        w->compressed_size = rvf_le32(h + 0x10);
        w->compression = h[0x14];
        w->min_memory_pages = h[0x15];
        w->max_memory_pages = rvf_le16(h + 0x16);
        w->table_count = rvf_le16(h + 0x18);
        memcpy(w->bytecode_hash, h + 0x1C, RVF_SHA256_SIZE);
        w->priority = h[0x3C];
        w->interpreter_type = h[0x3D];
        if (w->compression != RVF_COMPRESS_NONE || w->compressed_size != 0) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "compression",
                                     "compressed modules are not supported");
        }
        if (w->bytecode_size == 0) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "bytecode_size", "empty module");
        }
        if (w->bytecode_size > len - RVF_WASM_HDR_SIZE) {
                return rvf_error_set(err, RVF_E_RANGE, i, t, "bytecode_size",
                                     "past end of payload");
        }
        if (w->bytecode_size != len - RVF_WASM_HDR_SIZE) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "payload_length",
                                     "bytes after the module");
        }
        w->bytecode = h + RVF_WASM_HDR_SIZE;
        w->stored_size = w->bytecode_size;
        return RVF_OK;
}

/* ---- CRYPTO_SEG ---- */

enum rvf_err rvf_sig_parse(const struct rvf_file *f, struct rvf_sig *s, struct rvf_error *err)
{
        if (f == NULL || s == NULL) {
                return rvf_error_set(err, RVF_E_ARG, -1, 0, "file", "no file");
        }
        if (f->crypto < 0) {
                return rvf_error_set(err, RVF_E_UNSIGNED, -1, 0, "signature", "no CRYPTO segment");
        }
        const int i = f->crypto;
        const uint8_t t = RVF_SEG_CRYPTO;
        const uint8_t *p = rvf_payload(f, (unsigned)i);
        memset(s, 0, sizeof(*s));
        if (f->seg[i].payload_length != RVF_SIG_SIZE) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "payload_length", "not 104 bytes");
        }
        if (rvf_le32(p) != RVF_SIG_MAGIC) {
                return rvf_error_set(err, RVF_E_MAGIC, i, t, "signature magic", "not RVSG");
        }
        s->version = rvf_le16(p + 0x04);
        s->algorithm = p[0x06];
        s->image_version = rvf_le64(p + 0x08);
        s->signed_length = rvf_le64(p + 0x10);
        memcpy(s->key_id, p + 0x18, RVF_KEY_ID_SIZE);
        s->r = p + 0x28;
        s->s = p + 0x48;
        if (s->version != RVF_SIG_HDR_VERSION) {
                return rvf_error_set(err, RVF_E_VERSION, i, t, "version",
                                     "unknown signature version");
        }
        if (s->algorithm != RVF_SIG_ALG_P256 || p[0x07] != 0) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "algorithm", "not ECDSA P-256");
        }
        if (s->signed_length != f->seg[i].offset) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "signed_length",
                                     "does not cover every byte before the signature");
        }
        return RVF_OK;
}
