/*
 * tools/rvf/build.c: `rvf build`: KERNEL and WASM segments from files, the partition table
 * a spec file describes (PROFILE), the manifest and the signature; what it writes is parsed
 * and hash-checked by the same code RVM runs before it is written out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/rvf_verify.h"
#include "tools/rvf/cli_priv.h"
#include "tools/rvf/rvf_tool.h"

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
        return cli_err(b->c, RVF_EXIT_USAGE, "%s:%u: %s%s%s", b->spec ? b->spec : "(args)", b->line,
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

bool cli_parse_num(const char *s, uint64_t *v)
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
        return s == NULL || (cli_parse_num(s, v) && *v <= max);
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
        const char *type = opt(tok, n, "type"), *comp = opt(tok, n, "compress");
        const char *rd = opt(tok, n, "initrd");
        if (type != NULL && strcmp(type, "linux") == 0) {
                k.kernel_type = RVF_KTYPE_MICROLINUX;
        } else if (type != NULL && strcmp(type, "flat") != 0) {
                return spec_err(b, "unknown type (flat or linux)", type);
        }
        if (opt(tok, n, "gzip") != NULL || (comp != NULL && strcmp(comp, "gzip") == 0)) {
                k.compression = RVF_COMPRESS_GZIP;
        } else if (comp != NULL && strcmp(comp, "lz4") == 0) {
                k.compression = RVF_COMPRESS_LZ4;
        } else if (comp != NULL) {
                return spec_err(b, "unknown compress (gzip or lz4)", comp);
        }
        uint8_t *initrd = NULL;
        if (rd != NULL && (initrd = cli_read_file(rd, &k.initrd_size)) == NULL) {
                return cli_err(b->c, RVF_EXIT_USAGE, "cannot read initrd %s", rd);
        }
        k.initrd = initrd;
        uint8_t *img = cli_read_file(path, &len);
        if (img == NULL || len == 0) {
                free(img);
                free(initrd);
                return cli_err(b->c, RVF_EXIT_USAGE, "cannot read kernel %s", path);
        }
        uint64_t id = rvfw_add_kernel(&b->w, &k, img, len);
        free(img);
        free(initrd);
        if (id == 0) {
                return cli_err(b->c, RVF_EXIT_USAGE, "cannot add kernel %s", path);
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
        uint8_t *code = cli_read_file(path, &len);
        if (code == NULL || len == 0) {
                free(code);
                return cli_err(b->c, RVF_EXIT_USAGE, "cannot read module %s", path);
        }
        uint64_t id = rvfw_add_wasm(&b->w, &o, code, len);
        free(code);
        if (id == 0) {
                return cli_err(b->c, RVF_EXIT_USAGE, "cannot add module %s", path);
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
            (uart != NULL && (!cli_parse_num(uart, &pl011) || pl011 > UINT32_MAX))) {
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
                if (n != 2 || !cli_parse_num(tok[1], &v) || (tok[0][0] == 'e' && v > UINT32_MAX)) {
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
                if (part < 0 || p->leases == RVF_PROFILE_MAX_LEASES || !cli_parse_num(tok[3], &v) ||
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

int cli_build(struct ctx *c, int argc, char **argv)
{
        const char *out = NULL, *key = NULL, *spec = NULL;
        struct build *b = calloc(1, sizeof(*b));
        bool align = true, version_given = false;
        int st = 0;

        if (b == NULL) {
                return cli_err(c, RVF_EXIT_USAGE, "out of memory");
        }
        b->c = c;
        b->epoch = 1;
        for (int i = 0; i < argc; i++) {
                if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
                        out = argv[++i];
                } else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
                        key = argv[++i];
                } else if (strcmp(argv[i], "--image-version") == 0 && i + 1 < argc) {
                        version_given = cli_parse_num(argv[++i], &b->image_version);
                        if (!version_given) {
                                st = cli_err(c, RVF_EXIT_USAGE, "bad --image-version");
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
                        st = cli_err(c, RVF_EXIT_USAGE, "build: unexpected '%s'\n%s", argv[i],
                                     cli_usage);
                }
        }
        if (st == 0 && out == NULL) {
                st = cli_err(c, RVF_EXIT_USAGE, "build: -o OUT is required");
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
                        st = cli_err(c, RVF_EXIT_USAGE, "cannot read spec %s", spec);
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
                        st = cli_err(c, RVF_EXIT_USAGE, "profile does not fit the format");
                }
                free(p);
        }
        if (st == 0 && rvfw_add_manifest(&b->w, b->epoch, 0) == 0) {
                st = cli_err(c, RVF_EXIT_USAGE, "too many segments");
        }
        if (st == 0 && key != NULL) {
                uint8_t priv[32], pub[RVF_PUBKEY_SIZE];
                bool has_priv;
                st = cli_load_key(c, key, priv, &has_priv, pub);
                if (st == 0 && !has_priv) {
                        st = cli_err(c, RVF_EXIT_USAGE,
                                     "%s is a public key: signing needs the "
                                     "private one",
                                     key);
                }
                if (st == 0 && rvfw_sign(&b->w, priv, b->image_version) != 0) {
                        st = cli_err(c, RVF_EXIT_USAGE, "signing failed");
                }
                memset(priv, 0, sizeof(priv));
        }
        if (st == 0) {
                /* What we wrote must be what RVM reads. */
                struct rvf_file *f = malloc(sizeof(*f));
                struct rvf_error er;
                enum rvf_err e = f ? rvf_parse(b->w.buf, b->w.len, f, &er) : RVF_E_ARG;
                if (e == RVF_OK) {
                        e = rvf_verify_hashes(f, rvf_inflate_hash, &er);
                }
                free(f);
                if (e != RVF_OK) {
                        st = cli_report(c, out, e, &er);
                } else if (cli_write_file(out, b->w.buf, b->w.len, 0644) != 0) {
                        st = cli_err(c, RVF_EXIT_USAGE, "cannot write %s", out);
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
