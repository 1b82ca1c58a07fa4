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
#include "tools/rvf/cli_priv.h"
#include "tools/rvf/rvf_tool.h"

#define MAX_FILE (1ULL << 31)

const char cli_usage[] =
    "usage: rvf COMMAND ...\n"
    "  build -o OUT [SPEC] [--kernel FILE]... [--wasm FILE]... [--key KEY]\n"
    "        [--image-version N] [--no-align]\n"
    "      Assemble an RVF file: KERNEL and WASM segments, the PROFILE (partition table)\n"
    "      the SPEC describes, the MANIFEST, and with --key the CRYPTO signature.\n"
    "  inspect FILE [--json]     segments, kernels, agents, profile and signature\n"
    "  verify FILE [--key KEY] [--min-version N] [--boot]\n"
    "      Check the structure, every content hash, every KERNEL image and WASM bytecode\n"
    "      hash, the manifest's directory, and with --key the signature; --boot also\n"
    "      requires every kernel to be one RVM can boot (aarch64, uncompressed or lz4).\n"
    "  extract FILE SEGMENT_ID OUT [--image]   a segment's payload (or its image/module)\n"
    "  sign FILE --key KEY [--image-version N] [-o OUT]   (re)sign, replacing a signature\n"
    "  flash -o IMG --rvm RVM.BIN [--slot-a A.RVF [--slot-b B.RVF]]\n"
    "      One 64 MiB flash file (QEMU pflash bank 0): RVM at 0, the flash header at\n"
    "      0xF00000, RVF slot A at 0x1000000 (booted), slot B at 0x2800000; without\n"
    "      slots, RVM alone (a profile without RVF boot, its partitions linked in)\n"
    "  update IMG NEW.RVF\n"
    "      Write NEW.RVF into IMG's other slot (the one not booting now) and mark it to be\n"
    "      tried once at the next boot: RVM verifies it, boots it, and keeps it when it passes\n"
    "      its boot self-test; otherwise the boot after returns to the previous slot\n"
    "  keygen KEY [--force]      new P-256 key: KEY (32-byte scalar) and KEY.pub (65-byte\n"
    "                            point); KEY may be .pub wherever only checking is done\n"
    "exit status: 0 ok, 1 usage or I/O, 2 malformed file, 3 content hash, 4 image or\n"
    "  bytecode hash, 5 unsigned, 6 wrong key, 7 bad signature, 8 downgrade (below\n"
    "  --min-version), 9 not bootable by RVM (--boot)\n"
    "spec lines (# comments):\n"
    "  image_version N | epoch N | profile   (profile: a PROFILE segment even if empty)\n"
    "  kernel NAME FILE [arch=aarch64|x86_64] [type=flat|linux] [vcpus=N] [min_mem=MIB]\n"
    "         [entry=ADDR] [cmdline=\"...\"] [compress=gzip|lz4] [gzip] [initrd=FILE]\n"
    "  wasm NAME FILE [role=agent|combined] [priority=N] [pages=N]\n"
    "  partition NAME guest kernel=KNAME mem=SIZE[K|M|G] [vcpus=N] [fault=stop|restart]\n"
    "         [restarts=N] [ipa_bits=N] [pl011=ADDR] [cmdline=\"...\"]\n"
    "  partition NAME wasm\n"
    "  agent NAME wasm=WNAME partition=PNAME [caps=witness,spawn] [on_demand] [priority=N]\n"
    "  edge A B        (a partition name, or agent:NAME)\n"
    "  lease DEVICE PARTITION MS\n";

int cli_err(struct ctx *c, int status, const char *fmt, ...)
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

uint8_t *cli_read_file(const char *path, size_t *len)
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

int cli_write_file(const char *path, const void *data, size_t len, mode_t mode)
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

void cli_hex(FILE *o, const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                fprintf(o, "%02x", p[i]);
        }
}

void cli_json_str(FILE *o, const char *s, size_t n)
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

void cli_text_str(FILE *o, const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)s[i];
                fputc(ch >= 0x20 && ch < 0x7f ? ch : '?', o);
        }
}

/* Key file: 32 bytes = private scalar, 65 = public point. */
int cli_load_key(struct ctx *c, const char *path, uint8_t priv[32], bool *has_priv,
                 uint8_t pub[RVF_PUBKEY_SIZE])
{
        size_t n = 0;
        uint8_t *k = cli_read_file(path, &n);
        int st = RVF_EXIT_OK;

        *has_priv = false;
        if (k == NULL) {
                return cli_err(c, RVF_EXIT_USAGE, "cannot read key %s: %s", path, strerror(errno));
        }
        if (n == 32) {
                memcpy(priv, k, 32);
                *has_priv = true;
                if (rvf_pub_from_priv(priv, pub) != 0) {
                        st = cli_err(c, RVF_EXIT_USAGE, "%s is not a P-256 private key", path);
                }
        } else if (n == RVF_PUBKEY_SIZE && k[0] == 0x04) {
                memcpy(pub, k, RVF_PUBKEY_SIZE);
        } else {
                st = cli_err(c, RVF_EXIT_USAGE,
                             "%s is neither a 32-byte private key nor a 65-byte public key", path);
        }
        free(k);
        return st;
}

int cli_report(struct ctx *c, const char *path, enum rvf_err e, const struct rvf_error *er)
{
        char msg[256];
        rvf_error_format(er, msg, sizeof(msg));
        fprintf(c->err, "rvf: %s: %s (%s)\n", path, msg, rvf_err_name(e));
        return rvf_exit_for(e);
}

/* ---- the other commands ---- */

int cli_load_rvf(struct ctx *c, const char *path, struct loaded *l)
{
        struct rvf_error er;
        l->data = cli_read_file(path, &l->len);
        if (l->data == NULL) {
                return cli_err(c, RVF_EXIT_USAGE, "cannot read %s: %s", path, strerror(errno));
        }
        enum rvf_err e = rvf_parse(l->data, l->len, &l->f, &er);
        return e == RVF_OK ? 0 : cli_report(c, path, e, &er);
}

static int cmd_verify(struct ctx *c, int argc, char **argv)
{
        const char *key = NULL;
        uint64_t min_version = 0;
        bool boot = false;
        struct rvf_error er;

        if (argc < 1) {
                return cli_err(c, RVF_EXIT_USAGE,
                               "verify FILE [--key KEY] [--min-version N] "
                               "[--boot]");
        }
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
                        key = argv[++i];
                } else if (strcmp(argv[i], "--min-version") == 0 && i + 1 < argc &&
                           cli_parse_num(argv[i + 1], &min_version)) {
                        i++;
                } else if (strcmp(argv[i], "--boot") == 0) {
                        boot = true;
                } else {
                        return cli_err(c, RVF_EXIT_USAGE, "verify: unexpected '%s'", argv[i]);
                }
        }
        struct loaded *l = calloc(1, sizeof(*l));
        int st = l ? cli_load_rvf(c, argv[0], l) : RVF_EXIT_USAGE;
        enum rvf_err e = RVF_OK;
        if (st == 0) {
                e = rvf_verify_hashes(&l->f, rvf_inflate_hash, &er);
                st = e ? cli_report(c, argv[0], e, &er) : 0;
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
                st = cli_load_key(c, key, priv, &has_priv, pub);
                memset(priv, 0, sizeof(priv));
                if (st == 0) {
                        e = rvf_verify_signature(&l->f, pub, min_version, &sg, &er);
                        st = e ? cli_report(c, argv[0], e, &er) : 0;
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
                        st = cli_report(c, argv[0], e, &er);
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
        if ((argc != 3 && !image) || !cli_parse_num(argv[1], &id)) {
                return cli_err(c, RVF_EXIT_USAGE, "extract FILE SEGMENT_ID OUT [--image]");
        }
        struct loaded *l = calloc(1, sizeof(*l));
        int st = l ? cli_load_rvf(c, argv[0], l) : RVF_EXIT_USAGE;
        int s = st == 0 ? rvf_find_id(&l->f, id) : -1;
        if (st == 0 && s < 0) {
                st = cli_err(c, RVF_EXIT_USAGE, "%s: no segment with id %llu", argv[0],
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
                                n = k.stored_size; /* a gzip or lz4 stream if compressed */
                        }
                } else if (image && l->f.seg[s].type == RVF_SEG_WASM) {
                        if ((e = rvf_wasm_parse(&l->f, (unsigned)s, &w, &er)) == RVF_OK) {
                                p = w.bytecode;
                                n = w.bytecode_size;
                        }
                } else if (image) {
                        st = cli_err(c, RVF_EXIT_USAGE,
                                     "--image: segment %llu is not KERNEL or "
                                     "WASM",
                                     (unsigned long long)id);
                }
                if (e != RVF_OK) {
                        st = cli_report(c, argv[0], e, &er);
                }
                if (st == 0 && cli_write_file(argv[2], p, n, 0644) != 0) {
                        st = cli_err(c, RVF_EXIT_USAGE, "cannot write %s", argv[2]);
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
                           cli_parse_num(argv[i + 1], &version)) {
                        version_given = true;
                        i++;
                } else {
                        return cli_err(c, RVF_EXIT_USAGE, "sign: unexpected '%s'", argv[i]);
                }
        }
        if (argc < 1 || key == NULL) {
                return cli_err(c, RVF_EXIT_USAGE,
                               "sign FILE --key KEY [--image-version N] [-o "
                               "OUT]");
        }
        struct loaded *l = calloc(1, sizeof(*l));
        int st = l ? cli_load_rvf(c, argv[0], l) : RVF_EXIT_USAGE;
        uint8_t priv[32], pub[RVF_PUBKEY_SIZE];
        bool has_priv = false;
        if (st == 0) {
                st = cli_load_key(c, key, priv, &has_priv, pub);
        }
        if (st == 0 && !has_priv) {
                st = cli_err(c, RVF_EXIT_USAGE, "%s is a public key", key);
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
                        st = cli_err(c, RVF_EXIT_USAGE, "signing failed");
                } else if (cli_write_file(out ? out : argv[0], w.buf, w.len, 0644) != 0) {
                        st = cli_err(c, RVF_EXIT_USAGE, "cannot write %s", out ? out : argv[0]);
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

static int cmd_keygen(struct ctx *c, int argc, char **argv)
{
        bool force = argc == 2 && strcmp(argv[1], "--force") == 0;
        uint8_t priv[32], pub[RVF_PUBKEY_SIZE];
        char pubpath[4096];
        struct stat sb;

        if (argc < 1 || (argc == 2 && !force) || argc > 2 ||
            snprintf(pubpath, sizeof(pubpath), "%s.pub", argv[0]) >= (int)sizeof(pubpath)) {
                return cli_err(c, RVF_EXIT_USAGE, "keygen KEY [--force]");
        }
        if (!force && stat(argv[0], &sb) == 0) {
                return cli_err(c, RVF_EXIT_USAGE, "%s exists (--force replaces it)", argv[0]);
        }
        if (rvf_keygen(priv, pub) != 0) {
                return cli_err(c, RVF_EXIT_USAGE, "key generation failed (/dev/urandom?)");
        }
        int st = 0;
        if (cli_write_file(argv[0], priv, sizeof(priv), 0600) != 0 ||
            cli_write_file(pubpath, pub, sizeof(pub), 0644) != 0) {
                st = cli_err(c, RVF_EXIT_USAGE, "cannot write %s", argv[0]);
        } else {
                uint8_t id[RVF_KEY_ID_SIZE];
                rvf_key_id(pub, id);
                fprintf(c->out, "rvf: wrote %s and %s, key id ", argv[0], pubpath);
                cli_hex(c->out, id, sizeof(id));
                fputc('\n', c->out);
        }
        memset(priv, 0, sizeof(priv));
        return st;
}

int rvf_tool_run(int argc, char **argv, FILE *out, FILE *err)
{
        struct ctx c = {out, err};

        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                fputs(cli_usage, argc < 2 ? err : out);
                return argc < 2 ? RVF_EXIT_USAGE : RVF_EXIT_OK;
        }
        const char *cmd = argv[1];
        argc -= 2;
        argv += 2;
        if (strcmp(cmd, "build") == 0) {
                return cli_build(&c, argc, argv);
        } else if (strcmp(cmd, "inspect") == 0) {
                return cli_inspect(&c, argc, argv);
        } else if (strcmp(cmd, "verify") == 0) {
                return cmd_verify(&c, argc, argv);
        } else if (strcmp(cmd, "extract") == 0) {
                return cmd_extract(&c, argc, argv);
        } else if (strcmp(cmd, "sign") == 0) {
                return cmd_sign(&c, argc, argv);
        } else if (strcmp(cmd, "flash") == 0) {
                return cli_flash(&c, argc, argv);
        } else if (strcmp(cmd, "update") == 0) {
                return cli_update(&c, argc, argv);
        } else if (strcmp(cmd, "keygen") == 0) {
                return cmd_keygen(&c, argc, argv);
        }
        return cli_err(&c, RVF_EXIT_USAGE, "unknown command '%s'\n%s", cmd, cli_usage);
}
