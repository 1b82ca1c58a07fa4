/*
 * tools/rvf/cli.c: `rvf build|inspect|verify|extract|sign|keygen` (build/tools/rvf).
 * Every file read is parsed by boot/rvf.c and checked by boot/rvf_verify.c, the same code
 * RVM runs; this file only reads arguments and the build spec, and prints.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot/rvf_verify.h"
#include "tools/rvf/rvf_tool.h"

#define MAX_FILE (1ULL << 31)

static const char usage[] =
    "usage: rvf COMMAND ...\n"
    "  build -o OUT [SPEC] [--kernel FILE]... [--wasm FILE]... [--key KEY]\n"
    "        [--image-version N] [--no-align]\n"
    "      Assemble an RVF file: KERNEL and WASM segments, the PROFILE (partition table)\n"
    "      the SPEC describes, the MANIFEST, and with --key the CRYPTO signature.\n"
    "  inspect FILE [--json]     segments, kernels, agents, profile and signature\n"
    "  verify FILE [--key KEY] [--min-version N] [--boot]\n"
    "      Check the structure, every content hash, every KERNEL image and WASM bytecode\n"
    "      hash, the manifest's directory, and with --key the signature; --boot also\n"
    "      requires every kernel to be one RVM can boot (aarch64, not compressed).\n"
    "  extract FILE SEGMENT_ID OUT [--image]   a segment's payload (or its image/module)\n"
    "  sign FILE --key KEY [--image-version N] [-o OUT]   (re)sign, replacing a signature\n"
    "  flash -o IMG --rvm RVM.BIN --slot-a A.RVF [--slot-b B.RVF]\n"
    "      One 64 MiB flash file (QEMU pflash bank 0): RVM at 0, the flash header at\n"
    "      0xF00000, RVF slot A at 0x1000000 (booted), slot B at 0x2800000\n"
    "  keygen KEY [--force]      new P-256 key: KEY (32-byte scalar) and KEY.pub (65-byte\n"
    "                            point); KEY may be .pub wherever only checking is done\n"
    "exit status: 0 ok, 1 usage or I/O, 2 malformed file, 3 content hash, 4 image or\n"
    "  bytecode hash, 5 unsigned, 6 wrong key, 7 bad signature, 8 downgrade (below\n"
    "  --min-version), 9 not bootable by RVM (--boot)\n"
    "spec lines (# comments):\n"
    "  image_version N | epoch N | profile   (profile: a PROFILE segment even if empty)\n"
    "  kernel NAME FILE [arch=aarch64|x86_64] [vcpus=N] [min_mem=MIB] [entry=ADDR]\n"
    "         [cmdline=\"...\"] [gzip]\n"
    "  wasm NAME FILE [role=agent|combined] [priority=N] [pages=N]\n"
    "  partition NAME guest kernel=KNAME mem=SIZE[K|M|G] [vcpus=N] [fault=stop|restart]\n"
    "         [restarts=N] [ipa_bits=N] [pl011=ADDR] [cmdline=\"...\"]\n"
    "  partition NAME wasm\n"
    "  agent NAME wasm=WNAME partition=PNAME [caps=witness,spawn] [on_demand] [priority=N]\n"
    "  edge A B        (a partition name, or agent:NAME)\n"
    "  lease DEVICE PARTITION MS\n";

struct ctx {
        FILE *out, *err;
};

static int say_err(struct ctx *c, int status, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fputs("rvf: ", c->err);
        vfprintf(c->err, fmt, ap);
        fputc('\n', c->err);
        va_end(ap);
        return status;
}

int rvf_exit_for(enum rvf_err e)
{
        switch (e) {
        case RVF_OK:
                return RVF_EXIT_OK;
        case RVF_E_HASH:
                return RVF_EXIT_HASH;
        case RVF_E_IMAGE_HASH:
                return RVF_EXIT_IMAGE_HASH;
        case RVF_E_UNSIGNED:
                return RVF_EXIT_UNSIGNED;
        case RVF_E_KEY:
                return RVF_EXIT_KEY;
        case RVF_E_SIGNATURE:
                return RVF_EXIT_SIGNATURE;
        case RVF_E_DOWNGRADE:
                return RVF_EXIT_DOWNGRADE;
        case RVF_E_UNSUPPORTED:
                return RVF_EXIT_UNBOOTABLE;
        case RVF_E_ARG:
                return RVF_EXIT_USAGE;
        default:
                return RVF_EXIT_FORMAT;
        }
}

static uint8_t *read_file(const char *path, size_t *len)
{
        FILE *f = fopen(path, "rb");
        uint8_t *buf = NULL;
        size_t cap = 0, n = 0;

        if (f == NULL) {
                return NULL;
        }
        for (;;) {
                if (n == cap) {
                        if (cap >= MAX_FILE) {
                                break;
                        }
                        cap = cap ? cap * 2 : 65536;
                        uint8_t *b = realloc(buf, cap);
                        if (b == NULL) {
                                break;
                        }
                        buf = b;
                }
                size_t got = fread(buf + n, 1, cap - n, f);
                n += got;
                if (got == 0) {
                        if (ferror(f) || n == cap) {
                                break;
                        }
                        fclose(f);
                        *len = n;
                        return buf ? buf : malloc(1);
                }
        }
        fclose(f);
        free(buf);
        return NULL;
}

static int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
        FILE *f = fopen(path, "wb");
        if (f == NULL) {
                return -1;
        }
        bool ok = fwrite(data, 1, len, f) == len;
        ok = (fclose(f) == 0) && ok;
        chmod(path, mode);
        return ok ? 0 : -1;
}

static void hex(FILE *o, const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                fprintf(o, "%02x", p[i]);
        }
}

static void json_str(FILE *o, const char *s, size_t n)
{
        fputc('"', o);
        for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)s[i];
                if (ch == '"' || ch == '\\') {
                        fprintf(o, "\\%c", ch);
                } else if (ch < 0x20 || ch >= 0x7f) {
                        fprintf(o, "\\u%04x", ch);
                } else {
                        fputc(ch, o);
                }
        }
        fputc('"', o);
}

static void text_str(FILE *o, const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)s[i];
                fputc(ch >= 0x20 && ch < 0x7f ? ch : '?', o);
        }
}

/* Key file: 32 bytes = private scalar, 65 = public point. */
static int load_key(struct ctx *c, const char *path, uint8_t priv[32], bool *has_priv,
                    uint8_t pub[RVF_PUBKEY_SIZE])
{
        size_t n = 0;
        uint8_t *k = read_file(path, &n);
        int st = RVF_EXIT_OK;

        *has_priv = false;
        if (k == NULL) {
                return say_err(c, RVF_EXIT_USAGE, "cannot read key %s: %s", path, strerror(errno));
        }
        if (n == 32) {
                memcpy(priv, k, 32);
                *has_priv = true;
                if (rvf_pub_from_priv(priv, pub) != 0) {
                        st = say_err(c, RVF_EXIT_USAGE, "%s is not a P-256 private key", path);
                }
        } else if (n == RVF_PUBKEY_SIZE && k[0] == 0x04) {
                memcpy(pub, k, RVF_PUBKEY_SIZE);
        } else {
                st = say_err(c, RVF_EXIT_USAGE,
                             "%s is neither a 32-byte private key nor a 65-byte public key", path);
        }
        free(k);
        return st;
}

static int report(struct ctx *c, const char *path, enum rvf_err e, const struct rvf_error *er)
{
        char msg[256];
        rvf_error_format(er, msg, sizeof(msg));
        fprintf(c->err, "rvf: %s: %s (%s)\n", path, msg, rvf_err_name(e));
        return rvf_exit_for(e);
}

/* ---- inspect ---- */

static void inspect_text(struct ctx *c, const char *path, const struct rvf_file *f)
{
        FILE *o = c->out;
        struct rvf_error er;

        fprintf(o, "%s: %llu bytes, %u segments, epoch %u, profile_id %u, %s\n", path,
                (unsigned long long)f->size, f->seg_count, f->epoch, f->profile_id,
                f->crypto >= 0 ? "signed" : "unsigned");
        fprintf(o, "  #  id  type      offset      length  content hash\n");
        for (unsigned i = 0; i < f->seg_count; i++) {
                const struct rvf_segment *s = &f->seg[i];
                fprintf(o, "%3u %3llu  %-8s %7llu %11llu  ", i, (unsigned long long)s->id,
                        rvf_seg_type_name(s->type), (unsigned long long)s->offset,
                        (unsigned long long)s->payload_length);
                hex(o, s->content_hash, RVF_HASH_SIZE);
                fputc('\n', o);
                if (s->type == RVF_SEG_KERNEL) {
                        struct rvf_kernel k;
                        if (rvf_kernel_parse(f, i, &k, &er) != RVF_OK) {
                                char m[200];
                                rvf_error_format(&er, m, sizeof(m));
                                fprintf(o, "        kernel header: %s\n", m);
                                continue;
                        }
                        fprintf(o,
                                "        kernel: %s type %u, image %llu bytes%s%llu stored, %u "
                                "vCPU, min %u MiB, entry 0x%llx\n",
                                rvf_arch_name(k.arch), k.kernel_type,
                                (unsigned long long)k.image_size, k.compression ? " gzip, " : ", ",
                                (unsigned long long)k.stored_size, k.vcpu_count, k.min_memory_mb,
                                (unsigned long long)k.entry_point);
                        fprintf(o, "        cmdline (offset field %u%s): \"",
                                k.cmdline_offset_field,
                                k.cmdline_offset_field == RVF_KERNEL_HDR_SIZE && k.stored_size
                                    ? ", the seed's 128"
                                    : "");
                        text_str(o, k.cmdline, k.cmdline_length);
                        fprintf(o, "\"\n        image sha256 ");
                        hex(o, k.image_hash, RVF_SHA256_SIZE);
                        if (rvf_kernel_bootable(&k, (int)i, &er) == RVF_OK) {
                                fprintf(o, "\n        bootable by RVM: yes\n");
                        } else {
                                fprintf(o, "\n        bootable by RVM: no: %s\n", er.reason);
                        }
                } else if (s->type == RVF_SEG_WASM) {
                        struct rvf_wasm w;
                        if (rvf_wasm_parse(f, i, &w, &er) != RVF_OK) {
                                fprintf(o, "        wasm header: %s: %s\n", er.field, er.reason);
                                continue;
                        }
                        fprintf(o,
                                "        wasm: role %u target %u, %u bytes, %u min pages, "
                                "priority %u\n        bytecode sha256 ",
                                w.role, w.target, w.bytecode_size, w.min_memory_pages, w.priority);
                        hex(o, w.bytecode_hash, RVF_SHA256_SIZE);
                        fputc('\n', o);
                } else if (s->type == RVF_SEG_PROFILE) {
                        struct rvf_profile p;
                        if (rvf_profile_parse(f, i, &p, &er) != RVF_OK) {
                                fprintf(o, "        profile: %s: %s\n", er.field, er.reason);
                                continue;
                        }
                        fprintf(o,
                                "        profile: %u partitions, %u agents, %u edges, %u "
                                "leases\n",
                                p.partition_count, p.agent_count, p.edge_count, p.lease_count);
                        for (unsigned j = 0; j < p.partition_count; j++) {
                                struct rvf_profile_partition q;
                                rvf_profile_partition(&p, j, &q);
                                fprintf(o, "          partition %u %-10s %s", j + 1, q.name,
                                        q.kind == RVF_PART_WASM ? "wasm" : "guest");
                                if (q.kind == RVF_PART_GUEST) {
                                        fprintf(o, " kernel=%llu mem=%llu KiB vcpus=%u %s",
                                                (unsigned long long)q.kernel_seg_id,
                                                (unsigned long long)(q.mem_bytes >> 10), q.vcpus,
                                                q.fault_policy ? "restart" : "stop");
                                        if (q.vdev_type == RVF_PART_VDEV_PL011) {
                                                fprintf(o, " pl011@0x%x", q.vdev_ipa);
                                        }
                                }
                                fputc('\n', o);
                        }
                        for (unsigned j = 0; j < p.agent_count; j++) {
                                struct rvf_profile_agent a;
                                rvf_profile_agent(&p, j, &a);
                                fprintf(o,
                                        "          agent %u %-10s wasm=%llu partition=%u "
                                        "caps=0x%x%s\n",
                                        j + 1, a.name, (unsigned long long)a.wasm_seg_id,
                                        a.partition, a.caps,
                                        a.flags & RVF_AGENT_ON_DEMAND ? " on-demand" : "");
                        }
                        for (unsigned j = 0; j < p.edge_count; j++) {
                                struct rvf_profile_edge e;
                                rvf_profile_edge(&p, j, &e);
                                fprintf(o, "          edge %s%u <-> %s%u\n",
                                        e.a & RVF_EDGE_AGENT ? "agent " : "partition ", e.a & 0x7Fu,
                                        e.b & RVF_EDGE_AGENT ? "agent " : "partition ",
                                        e.b & 0x7Fu);
                        }
                        for (unsigned j = 0; j < p.lease_count; j++) {
                                struct rvf_profile_lease l;
                                rvf_profile_lease(&p, j, &l);
                                fprintf(o, "          lease %s -> partition %u for %u ms\n",
                                        l.device, l.partition, l.ms);
                        }
                } else if (s->type == RVF_SEG_CRYPTO) {
                        struct rvf_sig sg;
                        if (rvf_sig_parse(f, &sg, &er) != RVF_OK) {
                                fprintf(o, "        signature: %s: %s\n", er.field, er.reason);
                                continue;
                        }
                        fprintf(o,
                                "        signature: ECDSA P-256, image version %llu, covers "
                                "bytes 0..%llu, key id ",
                                (unsigned long long)sg.image_version,
                                (unsigned long long)sg.signed_length);
                        hex(o, sg.key_id, RVF_KEY_ID_SIZE);
                        fputc('\n', o);
                }
        }
}

static void inspect_json(struct ctx *c, const struct rvf_file *f)
{
        FILE *o = c->out;
        struct rvf_error er;

        fprintf(o, "{\"size\":%llu,\"epoch\":%u,\"profile_id\":%u,\"segments\":[",
                (unsigned long long)f->size, f->epoch, f->profile_id);
        for (unsigned i = 0; i < f->seg_count; i++) {
                const struct rvf_segment *s = &f->seg[i];
                fprintf(o,
                        "%s{\"index\":%u,\"id\":%llu,\"type\":\"%s\",\"type_code\":%u,"
                        "\"offset\":%llu,\"length\":%llu,\"content_hash\":\"",
                        i ? "," : "", i, (unsigned long long)s->id, rvf_seg_type_name(s->type),
                        s->type, (unsigned long long)s->offset,
                        (unsigned long long)s->payload_length);
                hex(o, s->content_hash, RVF_HASH_SIZE);
                fputc('"', o);
                struct rvf_kernel k;
                struct rvf_wasm w;
                struct rvf_sig sg;
                if (s->type == RVF_SEG_KERNEL && rvf_kernel_parse(f, i, &k, &er) == RVF_OK) {
                        bool boot = rvf_kernel_bootable(&k, (int)i, &er) == RVF_OK;
                        fprintf(o,
                                ",\"kernel\":{\"arch\":\"%s\",\"type\":%u,\"image_size\":%llu,"
                                "\"compression\":\"%s\",\"stored_size\":%llu,\"vcpus\":%u,"
                                "\"min_memory_mb\":%u,\"entry_point\":%llu,\"cmdline\":",
                                rvf_arch_name(k.arch), k.kernel_type,
                                (unsigned long long)k.image_size, k.compression ? "gzip" : "none",
                                (unsigned long long)k.stored_size, k.vcpu_count, k.min_memory_mb,
                                (unsigned long long)k.entry_point);
                        json_str(o, k.cmdline, k.cmdline_length);
                        fprintf(o, ",\"image_sha256\":\"");
                        hex(o, k.image_hash, RVF_SHA256_SIZE);
                        fprintf(o, "\",\"bootable\":%s", boot ? "true" : "false");
                        if (!boot) {
                                fprintf(o, ",\"not_bootable\":");
                                json_str(o, er.reason, strlen(er.reason));
                        }
                        fputc('}', o);
                } else if (s->type == RVF_SEG_WASM && rvf_wasm_parse(f, i, &w, &er) == RVF_OK) {
                        fprintf(o,
                                ",\"wasm\":{\"role\":%u,\"target\":%u,\"bytecode_size\":%u,"
                                "\"priority\":%u,\"bytecode_sha256\":\"",
                                w.role, w.target, w.bytecode_size, w.priority);
                        hex(o, w.bytecode_hash, RVF_SHA256_SIZE);
                        fprintf(o, "\"}");
                } else if (s->type == RVF_SEG_CRYPTO && rvf_sig_parse(f, &sg, &er) == RVF_OK) {
                        fprintf(o,
                                ",\"signature\":{\"algorithm\":\"ecdsa-p256-sha256\","
                                "\"image_version\":%llu,\"signed_length\":%llu,\"key_id\":\"",
                                (unsigned long long)sg.image_version,
                                (unsigned long long)sg.signed_length);
                        hex(o, sg.key_id, RVF_KEY_ID_SIZE);
                        fprintf(o, "\"}");
                } else if (s->type == RVF_SEG_PROFILE) {
                        struct rvf_profile p;
                        if (rvf_profile_parse(f, i, &p, &er) == RVF_OK) {
                                fprintf(o, ",\"profile\":{\"partitions\":[");
                                for (unsigned j = 0; j < p.partition_count; j++) {
                                        struct rvf_profile_partition q;
                                        rvf_profile_partition(&p, j, &q);
                                        fprintf(o, "%s{\"name\":", j ? "," : "");
                                        json_str(o, q.name, strlen(q.name));
                                        fprintf(o,
                                                ",\"kind\":\"%s\",\"kernel_seg_id\":%llu,"
                                                "\"mem_bytes\":%llu,\"vcpus\":%u}",
                                                q.kind ? "wasm" : "guest",
                                                (unsigned long long)q.kernel_seg_id,
                                                (unsigned long long)q.mem_bytes, q.vcpus);
                                }
                                fprintf(o, "],\"agents\":[");
                                for (unsigned j = 0; j < p.agent_count; j++) {
                                        struct rvf_profile_agent a;
                                        rvf_profile_agent(&p, j, &a);
                                        fprintf(o, "%s{\"name\":", j ? "," : "");
                                        json_str(o, a.name, strlen(a.name));
                                        fprintf(o,
                                                ",\"wasm_seg_id\":%llu,\"partition\":%u,"
                                                "\"caps\":%u,\"on_demand\":%s}",
                                                (unsigned long long)a.wasm_seg_id, a.partition,
                                                a.caps,
                                                a.flags & RVF_AGENT_ON_DEMAND ? "true" : "false");
                                }
                                fprintf(o, "],\"edges\":%u,\"leases\":%u}", p.edge_count,
                                        p.lease_count);
                        }
                }
                fputc('}', o);
        }
        fprintf(o, "]}\n");
}

/* ---- build ---- */

struct named {
        char name[32];
        uint64_t id;
};

struct build {
        struct ctx *c;
        struct rvfw w;
        struct rvfp prof;
        struct named kernels[RVF_MAX_SEGMENTS], wasms[RVF_MAX_SEGMENTS];
        unsigned nk, nw;
        char names[RVF_PROFILE_MAX_PARTS + RVF_PROFILE_MAX_AGENTS + RVF_PROFILE_MAX_LEASES][16];
        char cmdlines[RVF_PROFILE_MAX_PARTS][RVF_CMDLINE_MAX + 1];
        unsigned nnames;
        uint64_t image_version;
        uint32_t epoch;
        bool want_profile; /* a PROFILE segment even with an empty table */
        const char *spec;
        unsigned line;
};

static int spec_err(struct build *b, const char *what, const char *tok)
{
        return say_err(b->c, RVF_EXIT_USAGE, "%s:%u: %s%s%s", b->spec ? b->spec : "(args)", b->line,
                       what, tok ? ": " : "", tok ? tok : "");
}

/* Split a line into tokens; "..." keeps spaces (no escapes). Returns the count. */
static unsigned tokenize(char *s, char **tok, unsigned max)
{
        unsigned n = 0;
        while (*s && n < max) {
                while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
                        s++;
                }
                if (*s == '\0' || *s == '#') {
                        break;
                }
                tok[n++] = s;
                char *d = s;
                bool q = false;
                for (; *s && (q || (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')); s++) {
                        if (*s == '"') {
                                q = !q;
                        } else {
                                *d++ = *s;
                        }
                }
                if (*s) {
                        s++;
                }
                *d = '\0';
        }
        return n;
}

static bool parse_num(const char *s, uint64_t *v)
{
        char *end;
        errno = 0;
        unsigned long long x = strtoull(s, &end, 0);
        uint64_t mul = 1;
        if (end == s || errno != 0 || *s == '-') {
                return false;
        }
        if (*end == 'K' || *end == 'k') {
                mul = 1ULL << 10, end++;
        } else if (*end == 'M' || *end == 'm') {
                mul = 1ULL << 20, end++;
        } else if (*end == 'G' || *end == 'g') {
                mul = 1ULL << 30, end++;
        }
        if (*end != '\0' || x > UINT64_MAX / mul) {
                return false;
        }
        *v = x * mul;
        return true;
}

static const char *opt(char **tok, unsigned n, const char *key)
{
        size_t kl = strlen(key);
        for (unsigned i = 0; i < n; i++) {
                if (strncmp(tok[i], key, kl) == 0 && tok[i][kl] == '=') {
                        return tok[i] + kl + 1;
                }
                if (strcmp(tok[i], key) == 0) {
                        return "";
                }
        }
        return NULL;
}

static bool num_opt(char **tok, unsigned n, const char *key, uint64_t dflt, uint64_t max,
                    uint64_t *v)
{
        const char *s = opt(tok, n, key);
        *v = dflt;
        return s == NULL || (parse_num(s, v) && *v <= max);
}

static const char *keep_name(struct build *b, const char *s)
{
        if (strlen(s) == 0 || strlen(s) > RVF_PROFILE_NAME_MAX ||
            b->nnames == sizeof(b->names) / sizeof(b->names[0])) {
                return NULL;
        }
        strcpy(b->names[b->nnames], s);
        return b->names[b->nnames++];
}

static int find_named(const struct named *v, unsigned n, const char *s)
{
        for (unsigned i = 0; i < n; i++) {
                if (strcmp(v[i].name, s) == 0) {
                        return (int)i;
                }
        }
        return -1;
}

static int find_part(const struct rvfp *p, const char *s)
{
        for (unsigned i = 0; i < p->parts; i++) {
                if (strcmp(p->part[i].name, s) == 0) {
                        return (int)i;
                }
        }
        return -1;
}

static int add_kernel(struct build *b, const char *name, const char *path, char **tok, unsigned n)
{
        size_t len;
        uint64_t vcpus, mem, entry;
        struct rvfw_kernel k = {.arch = RVF_ARCH_AARCH64, .kernel_type = RVF_KTYPE_FLAT};
        const char *arch = opt(tok, n, "arch");

        if (arch != NULL && strcmp(arch, "x86_64") == 0) {
                k.arch = RVF_ARCH_X86_64;
                k.kernel_type = RVF_KTYPE_MICROLINUX;
        } else if (arch != NULL && strcmp(arch, "aarch64") != 0) {
                return spec_err(b, "unknown arch", arch);
        }
        if (!num_opt(tok, n, "vcpus", 1, RVF_KERNEL_MAX_VCPUS, &vcpus) || vcpus == 0 ||
            !num_opt(tok, n, "min_mem", 1, UINT32_MAX, &mem) ||
            !num_opt(tok, n, "entry", 0x40000000, UINT64_MAX, &entry)) {
                return spec_err(b, "bad vcpus, min_mem or entry", name);
        }
        if (strlen(name) >= sizeof(b->kernels[0].name) ||
            find_named(b->kernels, b->nk, name) >= 0) {
                return spec_err(b, "kernel name too long or used twice", name);
        }
        k.vcpus = (uint8_t)vcpus;
        k.min_memory_mb = (uint32_t)mem;
        k.entry_point = entry;
        k.cmdline = opt(tok, n, "cmdline");
        k.gzip = opt(tok, n, "gzip") != NULL;
        uint8_t *img = read_file(path, &len);
        if (img == NULL || len == 0) {
                free(img);
                return say_err(b->c, RVF_EXIT_USAGE, "cannot read kernel %s", path);
        }
        uint64_t id = rvfw_add_kernel(&b->w, &k, img, len);
        free(img);
        if (id == 0) {
                return say_err(b->c, RVF_EXIT_USAGE, "cannot add kernel %s", path);
        }
        strcpy(b->kernels[b->nk].name, name);
        b->kernels[b->nk++].id = id;
        return 0;
}

static int add_wasm(struct build *b, const char *name, const char *path, char **tok, unsigned n)
{
        size_t len;
        uint64_t prio, pages;
        struct rvfw_wasm o = {.role = RVF_WASM_ROLE_AGENT, .target = RVF_WASM_TARGET_RVM};
        const char *role = opt(tok, n, "role");

        if (role != NULL && strcmp(role, "combined") == 0) {
                o.role = RVF_WASM_ROLE_COMBINED;
        } else if (role != NULL && strcmp(role, "agent") != 0) {
                return spec_err(b, "unknown role", role);
        }
        if (!num_opt(tok, n, "priority", 0, 255, &prio) ||
            !num_opt(tok, n, "pages", 0, 255, &pages)) {
                return spec_err(b, "bad priority or pages", name);
        }
        if (strlen(name) >= sizeof(b->wasms[0].name) || find_named(b->wasms, b->nw, name) >= 0) {
                return spec_err(b, "module name too long or used twice", name);
        }
        o.priority = (uint8_t)prio;
        o.min_pages = (uint8_t)pages;
        uint8_t *code = read_file(path, &len);
        if (code == NULL || len == 0) {
                free(code);
                return say_err(b->c, RVF_EXIT_USAGE, "cannot read module %s", path);
        }
        uint64_t id = rvfw_add_wasm(&b->w, &o, code, len);
        free(code);
        if (id == 0) {
                return say_err(b->c, RVF_EXIT_USAGE, "cannot add module %s", path);
        }
        strcpy(b->wasms[b->nw].name, name);
        b->wasms[b->nw++].id = id;
        return 0;
}

static int add_partition(struct build *b, char **tok, unsigned n)
{
        struct rvfp *p = &b->prof;
        if (n < 3 || p->parts == RVF_PROFILE_MAX_PARTS) {
                return spec_err(b, "partition NAME guest|wasm ... (at most 16)", NULL);
        }
        struct rvf_profile_partition *q = &p->part[p->parts];
        memset(q, 0, sizeof(*q));
        q->name = keep_name(b, tok[1]);
        if (q->name == NULL || find_part(p, tok[1]) >= 0) {
                return spec_err(b, "partition name not 1..15 characters or used twice", tok[1]);
        }
        q->vdev_type = RVF_PART_VDEV_NONE;
        if (strcmp(tok[2], "wasm") == 0) {
                q->kind = RVF_PART_WASM;
                q->vcpus = 1;
                p->parts++;
                return 0;
        }
        if (strcmp(tok[2], "guest") != 0) {
                return spec_err(b, "kind must be guest or wasm", tok[2]);
        }
        const char *kn = opt(tok, n, "kernel"), *fault = opt(tok, n, "fault");
        const char *cmd = opt(tok, n, "cmdline"), *uart = opt(tok, n, "pl011");
        int k = kn ? find_named(b->kernels, b->nk, kn) : -1;
        uint64_t mem, vcpus, restarts, ipa, pl011 = 0;
        if (k < 0) {
                return spec_err(b, "kernel= names no kernel line above", kn);
        }
        if (!num_opt(tok, n, "mem", 0, UINT64_MAX, &mem) || mem == 0 || (mem & 0xFFF) ||
            !num_opt(tok, n, "vcpus", 1, RVF_KERNEL_MAX_VCPUS, &vcpus) || vcpus == 0 ||
            !num_opt(tok, n, "restarts", 0, 255, &restarts) ||
            !num_opt(tok, n, "ipa_bits", 0, 48, &ipa) ||
            (uart != NULL && (!parse_num(uart, &pl011) || pl011 > UINT32_MAX))) {
                return spec_err(b, "bad mem (a multiple of 4K), vcpus, restarts, ipa_bits or pl011",
                                tok[1]);
        }
        if (fault != NULL && strcmp(fault, "restart") != 0 && strcmp(fault, "stop") != 0) {
                return spec_err(b, "fault must be stop or restart", fault);
        }
        q->kind = RVF_PART_GUEST;
        q->kernel_seg_id = b->kernels[k].id;
        q->mem_bytes = mem;
        q->vcpus = (uint8_t)vcpus;
        q->fault_policy = fault != NULL && strcmp(fault, "restart") == 0;
        q->max_restarts = (uint8_t)restarts;
        q->ipa_bits = (uint8_t)ipa;
        if (uart != NULL) {
                q->vdev_type = RVF_PART_VDEV_PL011;
                q->vdev_ipa = (uint32_t)pl011;
        }
        if (cmd != NULL && *cmd) {
                if (strlen(cmd) > RVF_CMDLINE_MAX) {
                        return spec_err(b, "command line longer than 4096", tok[1]);
                }
                strcpy(b->cmdlines[p->parts], cmd);
                q->cmdline = b->cmdlines[p->parts];
                q->cmdline_len = (uint16_t)strlen(cmd);
        }
        p->parts++;
        return 0;
}

static int add_agent(struct build *b, char **tok, unsigned n)
{
        struct rvfp *p = &b->prof;
        if (n < 2 || p->agents == RVF_PROFILE_MAX_AGENTS) {
                return spec_err(b, "agent NAME wasm=... partition=... (at most 64)", NULL);
        }
        struct rvf_profile_agent *a = &p->agent[p->agents];
        const char *wn = opt(tok, n, "wasm"), *pn = opt(tok, n, "partition");
        const char *caps = opt(tok, n, "caps");
        int w = wn ? find_named(b->wasms, b->nw, wn) : -1;
        int part = pn ? find_part(p, pn) : -1;
        uint64_t prio;
        memset(a, 0, sizeof(*a));
        a->name = keep_name(b, tok[1]);
        if (a->name == NULL || w < 0 || part < 0 || p->part[part].kind != RVF_PART_WASM ||
            !num_opt(tok, n, "priority", 0, 255, &prio)) {
                return spec_err(b,
                                "agent needs a 1..15 character name, wasm= a module above, "
                                "partition= a wasm partition above",
                                tok[1]);
        }
        a->wasm_seg_id = b->wasms[w].id;
        a->partition = (uint8_t)(part + 1);
        a->priority = (uint8_t)prio;
        a->flags = opt(tok, n, "on_demand") ? RVF_AGENT_ON_DEMAND : 0;
        if (caps != NULL) {
                a->caps = (uint8_t)((strstr(caps, "witness") ? 0x01 : 0) |
                                    (strstr(caps, "spawn") ? 0x02 : 0));
        }
        p->agents++;
        return 0;
}

static int edge_end(struct build *b, const char *s, uint8_t *end)
{
        const struct rvfp *p = &b->prof;
        if (strncmp(s, "agent:", 6) == 0) {
                for (unsigned i = 0; i < p->agents; i++) {
                        if (strcmp(p->agent[i].name, s + 6) == 0) {
                                *end = (uint8_t)(RVF_EDGE_AGENT | (i + 1));
                                return 0;
                        }
                }
                return -1;
        }
        int i = find_part(p, s);
        *end = (uint8_t)(i + 1);
        return i < 0 ? -1 : 0;
}

static int spec_line(struct build *b, char *line)
{
        char *tok[24];
        unsigned n = tokenize(line, tok, 24);
        uint64_t v;

        if (n == 0) {
                return 0;
        }
        if (strcmp(tok[0], "image_version") == 0 || strcmp(tok[0], "epoch") == 0) {
                if (n != 2 || !parse_num(tok[1], &v) || (tok[0][0] == 'e' && v > UINT32_MAX)) {
                        return spec_err(b, "needs one number", tok[0]);
                }
                if (tok[0][0] == 'e') {
                        b->epoch = (uint32_t)v;
                } else {
                        b->image_version = v;
                }
                return 0;
        }
        if (strcmp(tok[0], "kernel") == 0 || strcmp(tok[0], "wasm") == 0) {
                if (n < 3) {
                        return spec_err(b, "needs NAME FILE", tok[0]);
                }
                return tok[0][0] == 'k' ? add_kernel(b, tok[1], tok[2], tok + 3, n - 3)
                                        : add_wasm(b, tok[1], tok[2], tok + 3, n - 3);
        }
        if (strcmp(tok[0], "profile") == 0 && n == 1) {
                b->want_profile = true;
                return 0;
        }
        if (strcmp(tok[0], "partition") == 0) {
                return add_partition(b, tok, n);
        }
        if (strcmp(tok[0], "agent") == 0) {
                return add_agent(b, tok, n);
        }
        if (strcmp(tok[0], "edge") == 0) {
                struct rvfp *p = &b->prof;
                if (n != 3 || p->edges == RVF_PROFILE_MAX_EDGES ||
                    edge_end(b, tok[1], &p->edge[p->edges].a) != 0 ||
                    edge_end(b, tok[2], &p->edge[p->edges].b) != 0 ||
                    p->edge[p->edges].a == p->edge[p->edges].b) {
                        return spec_err(b, "edge A B: two different partitions or agent:NAME",
                                        NULL);
                }
                p->edges++;
                return 0;
        }
        if (strcmp(tok[0], "lease") == 0) {
                struct rvfp *p = &b->prof;
                int part = n == 4 ? find_part(p, tok[2]) : -1;
                if (part < 0 || p->leases == RVF_PROFILE_MAX_LEASES || !parse_num(tok[3], &v) ||
                    v == 0 || v > UINT32_MAX ||
                    (p->lease[p->leases].device = keep_name(b, tok[1])) == NULL) {
                        return spec_err(b, "lease DEVICE PARTITION MS", NULL);
                }
                p->lease[p->leases].partition = (uint8_t)(part + 1);
                p->lease[p->leases].ms = (uint32_t)v;
                p->leases++;
                return 0;
        }
        return spec_err(b, "unknown line", tok[0]);
}

static int cmd_build(struct ctx *c, int argc, char **argv)
{
        const char *out = NULL, *key = NULL, *spec = NULL;
        struct build *b = calloc(1, sizeof(*b));
        bool align = true, version_given = false;
        int st = 0;

        if (b == NULL) {
                return say_err(c, RVF_EXIT_USAGE, "out of memory");
        }
        b->c = c;
        b->epoch = 1;
        for (int i = 0; i < argc; i++) {
                if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
                        out = argv[++i];
                } else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
                        key = argv[++i];
                } else if (strcmp(argv[i], "--image-version") == 0 && i + 1 < argc) {
                        version_given = parse_num(argv[++i], &b->image_version);
                        if (!version_given) {
                                st = say_err(c, RVF_EXIT_USAGE, "bad --image-version");
                        }
                } else if (strcmp(argv[i], "--no-align") == 0) {
                        align = false;
                } else if ((strcmp(argv[i], "--kernel") == 0 || strcmp(argv[i], "--wasm") == 0) &&
                           i + 1 < argc) {
                        /* handled below, after the writer exists */
                        i++;
                } else if (argv[i][0] != '-' && spec == NULL) {
                        spec = argv[i];
                } else {
                        st = say_err(c, RVF_EXIT_USAGE, "build: unexpected '%s'\n%s", argv[i],
                                     usage);
                }
        }
        if (st == 0 && out == NULL) {
                st = say_err(c, RVF_EXIT_USAGE, "build: -o OUT is required");
        }
        rvfw_init(&b->w, align);
        const char *sde = getenv("SOURCE_DATE_EPOCH");
        b->w.time = sde ? strtoull(sde, NULL, 10) * 1000000000ULL : 0;
        uint64_t saved_version = b->image_version;
        for (int i = 0; st == 0 && i < argc; i++) {
                if ((strcmp(argv[i], "--kernel") == 0 || strcmp(argv[i], "--wasm") == 0) &&
                    i + 1 < argc) {
                        char name[16];
                        snprintf(name, sizeof(name), "%c%u", argv[i][2], b->nk + b->nw + 1);
                        st = argv[i][2] == 'k' ? add_kernel(b, name, argv[i + 1], NULL, 0)
                                               : add_wasm(b, name, argv[i + 1], NULL, 0);
                        i++;
                }
        }
        if (st == 0 && spec != NULL) {
                FILE *f = fopen(spec, "r");
                char line[8192];
                b->spec = spec;
                if (f == NULL) {
                        st = say_err(c, RVF_EXIT_USAGE, "cannot read spec %s", spec);
                }
                while (st == 0 && f != NULL && fgets(line, sizeof(line), f) != NULL) {
                        b->line++;
                        st = spec_line(b, line);
                }
                if (f != NULL) {
                        fclose(f);
                }
        }
        if (version_given) {
                b->image_version = saved_version;
        }
        if (st == 0 && (b->want_profile ||
                        b->prof.parts + b->prof.agents + b->prof.edges + b->prof.leases > 0)) {
                size_t len;
                uint8_t *p = rvfp_encode(&b->prof, &len);
                if (p == NULL || rvfw_add(&b->w, RVF_SEG_PROFILE, p, len) == 0) {
                        st = say_err(c, RVF_EXIT_USAGE, "profile does not fit the format");
                }
                free(p);
        }
        if (st == 0 && rvfw_add_manifest(&b->w, b->epoch, 0) == 0) {
                st = say_err(c, RVF_EXIT_USAGE, "too many segments");
        }
        if (st == 0 && key != NULL) {
                uint8_t priv[32], pub[RVF_PUBKEY_SIZE];
                bool has_priv;
                st = load_key(c, key, priv, &has_priv, pub);
                if (st == 0 && !has_priv) {
                        st = say_err(c, RVF_EXIT_USAGE,
                                     "%s is a public key: signing needs the "
                                     "private one",
                                     key);
                }
                if (st == 0 && rvfw_sign(&b->w, priv, b->image_version) != 0) {
                        st = say_err(c, RVF_EXIT_USAGE, "signing failed");
                }
                memset(priv, 0, sizeof(priv));
        }
        if (st == 0) {
                /* What we wrote must be what RVM reads. */
                struct rvf_file *f = malloc(sizeof(*f));
                struct rvf_error er;
                enum rvf_err e = f ? rvf_parse(b->w.buf, b->w.len, f, &er) : RVF_E_ARG;
                if (e == RVF_OK) {
                        e = rvf_verify_hashes(f, rvf_gunzip_hash, &er);
                }
                free(f);
                if (e != RVF_OK) {
                        st = report(c, out, e, &er);
                } else if (write_file(out, b->w.buf, b->w.len, 0644) != 0) {
                        st = say_err(c, RVF_EXIT_USAGE, "cannot write %s", out);
                } else {
                        fprintf(c->out,
                                "rvf: wrote %s: %zu bytes, %u segments (%u kernels, %u "
                                "modules, %u partitions, %u agents)%s\n",
                                out, b->w.len, b->w.count, b->nk, b->nw, b->prof.parts,
                                b->prof.agents, key ? ", signed" : ", unsigned");
                }
        }
        rvfw_free(&b->w);
        free(b);
        return st;
}

/* ---- the other commands ---- */

struct loaded {
        uint8_t *data;
        size_t len;
        struct rvf_file f;
};

static int load_rvf(struct ctx *c, const char *path, struct loaded *l)
{
        struct rvf_error er;
        l->data = read_file(path, &l->len);
        if (l->data == NULL) {
                return say_err(c, RVF_EXIT_USAGE, "cannot read %s: %s", path, strerror(errno));
        }
        enum rvf_err e = rvf_parse(l->data, l->len, &l->f, &er);
        return e == RVF_OK ? 0 : report(c, path, e, &er);
}

static int cmd_inspect(struct ctx *c, int argc, char **argv)
{
        bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
        if (argc < 1 || (argc == 2 && !json) || argc > 2) {
                return say_err(c, RVF_EXIT_USAGE, "inspect FILE [--json]");
        }
        struct loaded *l = calloc(1, sizeof(*l));
        int st = l ? load_rvf(c, argv[0], l) : RVF_EXIT_USAGE;
        if (st == 0) {
                if (json) {
                        inspect_json(c, &l->f);
                } else {
                        inspect_text(c, argv[0], &l->f);
                }
        }
        if (l) {
                free(l->data);
        }
        free(l);
        return st;
}

static int cmd_verify(struct ctx *c, int argc, char **argv)
{
        const char *key = NULL;
        uint64_t min_version = 0;
        bool boot = false;
        struct rvf_error er;

        if (argc < 1) {
                return say_err(c, RVF_EXIT_USAGE,
                               "verify FILE [--key KEY] [--min-version N] "
                               "[--boot]");
        }
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
                        key = argv[++i];
                } else if (strcmp(argv[i], "--min-version") == 0 && i + 1 < argc &&
                           parse_num(argv[i + 1], &min_version)) {
                        i++;
                } else if (strcmp(argv[i], "--boot") == 0) {
                        boot = true;
                } else {
                        return say_err(c, RVF_EXIT_USAGE, "verify: unexpected '%s'", argv[i]);
                }
        }
        struct loaded *l = calloc(1, sizeof(*l));
        int st = l ? load_rvf(c, argv[0], l) : RVF_EXIT_USAGE;
        enum rvf_err e = RVF_OK;
        if (st == 0) {
                e = rvf_verify_hashes(&l->f, rvf_gunzip_hash, &er);
                st = e ? report(c, argv[0], e, &er) : 0;
        }
        if (st == 0) {
                fprintf(c->out,
                        "%s: structure, directory, %u content hashes, image and bytecode "
                        "hashes: ok\n",
                        argv[0], l->f.seg_count);
        }
        if (st == 0 && key != NULL) {
                uint8_t priv[32], pub[RVF_PUBKEY_SIZE];
                bool has_priv;
                struct rvf_sig sg;
                st = load_key(c, key, priv, &has_priv, pub);
                memset(priv, 0, sizeof(priv));
                if (st == 0) {
                        e = rvf_verify_signature(&l->f, pub, min_version, &sg, &er);
                        st = e ? report(c, argv[0], e, &er) : 0;
                }
                if (st == 0) {
                        fprintf(c->out, "%s: signature ok (image version %llu)\n", argv[0],
                                (unsigned long long)sg.image_version);
                }
        } else if (st == 0) {
                fprintf(c->out, "%s: signature %s (no --key given)\n", argv[0],
                        l->f.crypto >= 0 ? "present, not checked" : "absent");
        }
        for (unsigned i = 0; st == 0 && boot && i < l->f.seg_count; i++) {
                struct rvf_kernel k;
                if (l->f.seg[i].type == RVF_SEG_KERNEL &&
                    (e = rvf_kernel_parse(&l->f, i, &k, &er)) == RVF_OK) {
                        e = rvf_kernel_bootable(&k, (int)i, &er);
                }
                if (l->f.seg[i].type == RVF_SEG_KERNEL && e != RVF_OK) {
                        st = report(c, argv[0], e, &er);
                }
        }
        if (l) {
                free(l->data);
        }
        free(l);
        return st;
}

static int cmd_extract(struct ctx *c, int argc, char **argv)
{
        uint64_t id;
        bool image = argc == 4 && strcmp(argv[3], "--image") == 0;
        if ((argc != 3 && !image) || !parse_num(argv[1], &id)) {
                return say_err(c, RVF_EXIT_USAGE, "extract FILE SEGMENT_ID OUT [--image]");
        }
        struct loaded *l = calloc(1, sizeof(*l));
        int st = l ? load_rvf(c, argv[0], l) : RVF_EXIT_USAGE;
        int s = st == 0 ? rvf_find_id(&l->f, id) : -1;
        if (st == 0 && s < 0) {
                st = say_err(c, RVF_EXIT_USAGE, "%s: no segment with id %llu", argv[0],
                             (unsigned long long)id);
        }
        if (st == 0) {
                const uint8_t *p = rvf_payload(&l->f, (unsigned)s);
                uint64_t n = l->f.seg[s].payload_length;
                struct rvf_error er;
                struct rvf_kernel k;
                struct rvf_wasm w;
                enum rvf_err e = RVF_OK;
                if (image && l->f.seg[s].type == RVF_SEG_KERNEL) {
                        if ((e = rvf_kernel_parse(&l->f, (unsigned)s, &k, &er)) == RVF_OK) {
                                p = k.image;
                                n = k.stored_size; /* a gzip stream if compressed */
                        }
                } else if (image && l->f.seg[s].type == RVF_SEG_WASM) {
                        if ((e = rvf_wasm_parse(&l->f, (unsigned)s, &w, &er)) == RVF_OK) {
                                p = w.bytecode;
                                n = w.bytecode_size;
                        }
                } else if (image) {
                        st = say_err(c, RVF_EXIT_USAGE,
                                     "--image: segment %llu is not KERNEL or "
                                     "WASM",
                                     (unsigned long long)id);
                }
                if (e != RVF_OK) {
                        st = report(c, argv[0], e, &er);
                }
                if (st == 0 && write_file(argv[2], p, n, 0644) != 0) {
                        st = say_err(c, RVF_EXIT_USAGE, "cannot write %s", argv[2]);
                }
        }
        if (l) {
                free(l->data);
        }
        free(l);
        return st;
}

static int cmd_sign(struct ctx *c, int argc, char **argv)
{
        const char *key = NULL, *out = NULL;
        uint64_t version = 0;
        bool version_given = false;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
                        key = argv[++i];
                } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
                        out = argv[++i];
                } else if (strcmp(argv[i], "--image-version") == 0 && i + 1 < argc &&
                           parse_num(argv[i + 1], &version)) {
                        version_given = true;
                        i++;
                } else {
                        return say_err(c, RVF_EXIT_USAGE, "sign: unexpected '%s'", argv[i]);
                }
        }
        if (argc < 1 || key == NULL) {
                return say_err(c, RVF_EXIT_USAGE,
                               "sign FILE --key KEY [--image-version N] [-o "
                               "OUT]");
        }
        struct loaded *l = calloc(1, sizeof(*l));
        int st = l ? load_rvf(c, argv[0], l) : RVF_EXIT_USAGE;
        uint8_t priv[32], pub[RVF_PUBKEY_SIZE];
        bool has_priv = false;
        if (st == 0) {
                st = load_key(c, key, priv, &has_priv, pub);
        }
        if (st == 0 && !has_priv) {
                st = say_err(c, RVF_EXIT_USAGE, "%s is a public key", key);
        }
        if (st == 0) {
                struct rvf_sig old;
                struct rvf_error er;
                size_t keep = l->len;
                if (l->f.crypto >= 0) {
                        keep = l->f.seg[l->f.crypto].offset;
                        if (!version_given && rvf_sig_parse(&l->f, &old, &er) == RVF_OK) {
                                version = old.image_version;
                        }
                }
                struct rvfw w;
                rvfw_init(&w, true);
                w.buf = l->data;
                w.cap = l->len;
                w.len = keep;
                w.count = l->f.crypto >= 0 ? (unsigned)l->f.crypto : l->f.seg_count;
                w.next_id = 1;
                for (unsigned i = 0; i < l->f.seg_count; i++) {
                        if (l->f.seg[i].id >= w.next_id) {
                                w.next_id = l->f.seg[i].id + 1;
                        }
                }
                l->data = NULL; /* the writer owns it now */
                if (rvfw_sign(&w, priv, version) != 0) {
                        st = say_err(c, RVF_EXIT_USAGE, "signing failed");
                } else if (write_file(out ? out : argv[0], w.buf, w.len, 0644) != 0) {
                        st = say_err(c, RVF_EXIT_USAGE, "cannot write %s", out ? out : argv[0]);
                } else {
                        fprintf(c->out, "rvf: signed %s (image version %llu)\n",
                                out ? out : argv[0], (unsigned long long)version);
                }
                rvfw_free(&w);
        }
        memset(priv, 0, sizeof(priv));
        if (l) {
                free(l->data);
        }
        free(l);
        return st;
}

static int cmd_flash(struct ctx *c, int argc, char **argv)
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
                        return say_err(c, RVF_EXIT_USAGE, "flash: unexpected '%s'", argv[i]);
                }
        }
        if (out == NULL || rvm == NULL || slot[0] == NULL || argc % 2 != 0) {
                return say_err(c, RVF_EXIT_USAGE,
                               "flash -o IMG --rvm RVM.BIN --slot-a A.RVF "
                               "[--slot-b B.RVF]");
        }
        uint8_t *img = malloc(RVF_FLASH_SIZE);
        size_t n = 0;
        uint8_t *r = read_file(rvm, &n);
        int st = 0;
        if (img == NULL || r == NULL) {
                st = say_err(c, RVF_EXIT_USAGE, "cannot read %s", rvm);
        } else if (n > RVF_FLASH_RVM_MAX) {
                st = say_err(c, RVF_EXIT_USAGE, "%s: %zu bytes, more than the %llu RVM may use",
                             rvm, n, (unsigned long long)RVF_FLASH_RVM_MAX);
        }
        if (st == 0) {
                uint8_t *h = img + RVF_FLASH_HDR_OFFSET;
                memset(img, 0xFF, RVF_FLASH_SIZE); /* erased NOR */
                memcpy(img, r, n);
                memset(h, 0, RVF_FLASH_HDR_SIZE);
                memcpy(h, rvf_flash_magic, sizeof(rvf_flash_magic));
                h[0x08] = RVF_FLASH_VERSION;
                h[0x0C] = RVF_FLASH_SLOTS;
                for (int b = 0; b < 8; b++) {
                        h[0x18 + b] = (uint8_t)((uint64_t)n >> (8 * b));
                }
                rvf_sha256(r, n, h + 0x20);
        }
        for (unsigned i = 0; st == 0 && i < RVF_FLASH_SLOTS; i++) {
                uint8_t *e = img + RVF_FLASH_HDR_OFFSET + 0x40 + 32 * i;
                uint64_t base = i ? RVF_FLASH_SLOT_B : RVF_FLASH_SLOT_A, ver = 0, len = 0;
                for (int b = 0; b < 8; b++) {
                        e[b] = (uint8_t)(base >> (8 * b));
                }
                if (slot[i] != NULL) {
                        struct loaded *l = calloc(1, sizeof(*l));
                        struct rvf_sig sg;
                        struct rvf_error er;
                        st = l ? load_rvf(c, slot[i], l) : RVF_EXIT_USAGE;
                        if (st == 0 && l->len > RVF_FLASH_SLOT_MAX) {
                                st =
                                    say_err(c, RVF_EXIT_USAGE, "%s is larger than a slot", slot[i]);
                        }
                        if (st == 0) {
                                if (rvf_sig_parse(&l->f, &sg, &er) == RVF_OK) {
                                        ver = sg.image_version;
                                }
                                len = l->len;
                                memcpy(img + base, l->data, len);
                                e[24] = i == 0 ? RVF_FLASH_SLOT_ACTIVE : 0;
                        }
                        if (l) {
                                free(l->data);
                        }
                        free(l);
                }
                for (int b = 0; b < 8; b++) {
                        e[8 + b] = (uint8_t)(len >> (8 * b));
                        e[16 + b] = (uint8_t)(ver >> (8 * b));
                }
        }
        if (st == 0) {
                struct rvf_flash fl;
                struct rvf_error er;
                enum rvf_err e = rvf_flash_parse(img, RVF_FLASH_SIZE, &fl, &er);
                if (e != RVF_OK) {
                        st = report(c, out, e, &er);
                } else if (write_file(out, img, RVF_FLASH_SIZE, 0644) != 0) {
                        st = say_err(c, RVF_EXIT_USAGE, "cannot write %s", out);
                } else {
                        fprintf(c->out,
                                "rvf: wrote %s: RVM %zu bytes at 0x0, slot A %llu bytes at "
                                "0x%llx (image version %llu)\n",
                                out, n, (unsigned long long)fl.slot[0].length,
                                (unsigned long long)fl.slot[0].offset,
                                (unsigned long long)fl.slot[0].image_version);
                }
        }
        free(r);
        free(img);
        return st;
}

static int cmd_keygen(struct ctx *c, int argc, char **argv)
{
        bool force = argc == 2 && strcmp(argv[1], "--force") == 0;
        uint8_t priv[32], pub[RVF_PUBKEY_SIZE];
        char pubpath[4096];
        struct stat sb;

        if (argc < 1 || (argc == 2 && !force) || argc > 2 ||
            snprintf(pubpath, sizeof(pubpath), "%s.pub", argv[0]) >= (int)sizeof(pubpath)) {
                return say_err(c, RVF_EXIT_USAGE, "keygen KEY [--force]");
        }
        if (!force && stat(argv[0], &sb) == 0) {
                return say_err(c, RVF_EXIT_USAGE, "%s exists (--force replaces it)", argv[0]);
        }
        if (rvf_keygen(priv, pub) != 0) {
                return say_err(c, RVF_EXIT_USAGE, "key generation failed (/dev/urandom?)");
        }
        int st = 0;
        if (write_file(argv[0], priv, sizeof(priv), 0600) != 0 ||
            write_file(pubpath, pub, sizeof(pub), 0644) != 0) {
                st = say_err(c, RVF_EXIT_USAGE, "cannot write %s", argv[0]);
        } else {
                uint8_t id[RVF_KEY_ID_SIZE];
                rvf_key_id(pub, id);
                fprintf(c->out, "rvf: wrote %s and %s, key id ", argv[0], pubpath);
                hex(c->out, id, sizeof(id));
                fputc('\n', c->out);
        }
        memset(priv, 0, sizeof(priv));
        return st;
}

int rvf_tool_run(int argc, char **argv, FILE *out, FILE *err)
{
        struct ctx c = {out, err};

        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                fputs(usage, argc < 2 ? err : out);
                return argc < 2 ? RVF_EXIT_USAGE : RVF_EXIT_OK;
        }
        const char *cmd = argv[1];
        argc -= 2;
        argv += 2;
        if (strcmp(cmd, "build") == 0) {
                return cmd_build(&c, argc, argv);
        } else if (strcmp(cmd, "inspect") == 0) {
                return cmd_inspect(&c, argc, argv);
        } else if (strcmp(cmd, "verify") == 0) {
                return cmd_verify(&c, argc, argv);
        } else if (strcmp(cmd, "extract") == 0) {
                return cmd_extract(&c, argc, argv);
        } else if (strcmp(cmd, "sign") == 0) {
                return cmd_sign(&c, argc, argv);
        } else if (strcmp(cmd, "flash") == 0) {
                return cmd_flash(&c, argc, argv);
        } else if (strcmp(cmd, "keygen") == 0) {
                return cmd_keygen(&c, argc, argv);
        }
        return say_err(&c, RVF_EXIT_USAGE, "unknown command '%s'\n%s", cmd, usage);
}
