/*
 * tools/witness/cli.c — the `witness` command line: verify, show, replay, graph, stats, export.
 * Kept apart from main() so tests run it in-process with their own output streams.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tools/witness/wall.h"
#include "tools/witness/witness_tool.h"

struct opts {
        const char *cmd, *file;
        bool json, no_key, have_at, accept_dev;
        uint8_t key[WITNESS_KEY_MAX];
        size_t key_len;
        const char *key_file, *heads_file;
        struct wt_verify_opts vo;
        uint64_t at;
        /* filters: kind_mask is 0xFFFF for an exact kind, 0xFF00 for a family */
        bool f_kind, f_actor, f_target, f_boot;
        uint16_t kind, kind_mask;
        uint64_t actor, target, boot;
        uint64_t from, to, since, until;
};

static bool parse_u64(const char *s, uint64_t *v)
{
        char *end;

        if (s == NULL || *s == '\0' || *s == '-')
                return false;
        errno = 0;
        *v = strtoull(s, &end, 0);
        return errno == 0 && *end == '\0';
}

static bool parse_hex(const char *s, uint8_t *out, size_t max, size_t *n)
{
        size_t len = s ? strlen(s) : 0;

        if (len == 0 || len % 2 || len / 2 > max)
                return false;
        for (size_t i = 0; i < len / 2; i++) {
                unsigned int b;

                if (sscanf(s + 2 * i, "%2x", &b) != 1 ||
                    !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
                    !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
                        return false;
                out[i] = (uint8_t)b;
        }
        *n = len / 2;
        return true;
}

/* "SEQ:HEAD" as printed on a W1H line (seq decimal or 0x-hex, head 64 hex digits). */
static bool parse_point(const char *s, uint64_t *seq, uint8_t head[WITNESS_HEAD_SIZE])
{
        char buf[32];
        const char *colon = s ? strchr(s, ':') : NULL;
        size_t n;

        if (colon == NULL || (size_t)(colon - s) >= sizeof(buf))
                return false;
        memcpy(buf, s, (size_t)(colon - s));
        buf[colon - s] = '\0';
        return parse_u64(buf, seq) && parse_hex(colon + 1, head, WITNESS_HEAD_SIZE, &n) &&
               n == WITNESS_HEAD_SIZE;
}

static bool parse_kind(const char *s, uint16_t *kind, uint16_t *mask)
{
        uint64_t v;

        if (wt_kind_by_name(s, kind, mask))
                return true;
        if (parse_u64(s, &v) && v <= 0xFFFF) {
                *kind = (uint16_t)v;
                *mask = 0xFFFF;
                return true;
        }
        return false;
}

static int usage(FILE *err)
{
        fprintf(
            err,
            "usage: witness verify FILE [--key HEX | --key-file PATH | --no-key] [--accept-dev]\n"
            "                          [--start SEQ:HEAD] [--expect SEQ:HEAD] [--heads CAPTURE]\n"
            "       witness show FILE [--kind K] [--actor N] [--target N] [--from SEQ] "
            "[--to SEQ]\n"
            "                         [--since NS] [--until NS] [--boot N]\n"
            "       witness replay FILE --at SEQ   (state, and each WASM partition's agents)\n"
            "       witness graph FILE [--at SEQ]  (the communication graph as Graphviz DOT:\n"
            "                  nodes are guest partitions and agents, grouped by partition at "
            "SEQ;\n"
            "                  edge labels are the kernel's moving-average weights after the\n"
            "                  last epoch folded by SEQ, from the WK_COMM_SEND summaries;\n"
            "                  shared regions' pages have no record and are not in them;\n"
            "                  default SEQ: the whole log; docs/WITNESS.md 8.1)\n"
            "       witness who FILE (--region PA | --ipa LO-HI [--part N]) [--from T] [--to T] "
            "[--boot N]\n"
            "                  (who acted on a region in a time window; its options: witness who "
            "FILE)\n"
            "       witness stats FILE\n"
            "       witness export FILE --json [filters as for show]\n"
            "       witness keygen KEYFILE    (a new random 32-byte key blob; never overwrites)\n"
            "       witness ckpt-diff FLASH [SEQ_A SEQ_B]  (cold-area segments; pages changed)\n"
            "FILE: a flash store image, a raw dump of 64-byte records, or a serial "
            "capture with W1 lines.\n"
            "The key: --key, --key-file, or the file named by $RVM_WITNESS_KEY_FILE.\n"
            "verify exits 0 intact and authenticated, 1 tampered, 2 unusable, 3 torn tail,\n"
            "4 intact but not authenticated (no key, or development seals without "
            "--accept-dev).\n");
        return 2;
}

static int parse_args(int argc, char **argv, struct opts *o, FILE *err)
{
        memset(o, 0, sizeof(*o));
        o->to = o->until = UINT64_MAX;
        if (argc < 3)
                return usage(err);
        o->cmd = argv[1];
        o->file = argv[2];
        for (int i = 3; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                bool ok = true, takes = true;

                if (strcmp(a, "--json") == 0) {
                        o->json = true;
                        takes = false;
                } else if (strcmp(a, "--no-key") == 0) {
                        o->no_key = true;
                        takes = false;
                } else if (strcmp(a, "--accept-dev") == 0) {
                        o->accept_dev = true;
                        takes = false;
                } else if (strcmp(a, "--key-file") == 0) {
                        ok = (o->key_file = v) != NULL;
                } else if (strcmp(a, "--heads") == 0) {
                        ok = (o->heads_file = v) != NULL;
                } else if (strcmp(a, "--key") == 0) {
                        ok = parse_hex(v, o->key, sizeof(o->key), &o->key_len) && o->key_len >= 16;
                } else if (strcmp(a, "--start") == 0) {
                        ok = o->vo.have_start = parse_point(v, &o->vo.start_seq, o->vo.start_head);
                } else if (strcmp(a, "--expect") == 0) {
                        ok = o->vo.have_expect =
                            parse_point(v, &o->vo.expect_seq, o->vo.expect_head);
                } else if (strcmp(a, "--at") == 0) {
                        ok = o->have_at = parse_u64(v, &o->at);
                } else if (strcmp(a, "--kind") == 0) {
                        ok = o->f_kind = v && parse_kind(v, &o->kind, &o->kind_mask);
                } else if (strcmp(a, "--actor") == 0) {
                        ok = o->f_actor = parse_u64(v, &o->actor);
                } else if (strcmp(a, "--target") == 0) {
                        ok = o->f_target = parse_u64(v, &o->target);
                } else if (strcmp(a, "--boot") == 0) {
                        ok = o->f_boot = parse_u64(v, &o->boot);
                } else if (strcmp(a, "--from") == 0) {
                        ok = parse_u64(v, &o->from);
                } else if (strcmp(a, "--to") == 0) {
                        ok = parse_u64(v, &o->to);
                } else if (strcmp(a, "--since") == 0) {
                        ok = parse_u64(v, &o->since);
                } else if (strcmp(a, "--until") == 0) {
                        ok = parse_u64(v, &o->until);
                } else {
                        fprintf(err, "witness: unknown option %s\n", a);
                        return usage(err);
                }
                if (!ok) {
                        fprintf(err, "witness: bad or missing value for %s\n", a);
                        return 2;
                }
                if (takes)
                        i++;
        }
        if (o->key_len == 0 && !o->no_key && o->key_file == NULL)
                o->key_file = getenv("RVM_WITNESS_KEY_FILE");
        if (o->key_len == 0 && !o->no_key && o->key_file != NULL && *o->key_file != '\0' &&
            wt_load_key_file(o->key_file, o->key, &o->key_len, err) != 0)
                return 2;
        if (o->key_len == 0)
                o->no_key = true;
        o->vo.key = o->no_key ? NULL : o->key;
        o->vo.key_len = o->no_key ? 0 : o->key_len;
        return 0;
}

static bool selected(const struct opts *o, const struct witness_record *r)
{
        return (!o->f_kind || (r->kind & o->kind_mask) == o->kind) &&
               (!o->f_actor || r->actor == o->actor) && (!o->f_target || r->target == o->target) &&
               (!o->f_boot || r->boot == o->boot) && r->seq >= o->from && r->seq <= o->to &&
               r->time_ns >= o->since && r->time_ns <= o->until;
}

static void print_kind(FILE *out, uint16_t kind)
{
        const char *n = wt_kind_name(kind);

        if (n)
                fprintf(out, "%s", n);
        else
                fprintf(out, "0x%04x", kind);
}

/* A record of a boot with a wall-clock anchor (WK_BOOT_CLOCK) also shows its UTC time. */
static void show_line(FILE *out, const struct witness_record *r, const struct wt_anchors *a)
{
        uint64_t wall;

        fprintf(out, "seq=%" PRIu64 " boot=%u t=%" PRIu64, r->seq, r->boot, r->time_ns);
        if (a != NULL && wt_wall_ns(a, r, &wall)) {
                char ts[40];
                wt_wall_format(wall, ts, sizeof(ts));
                fprintf(out, " utc=%s", ts);
        }
        fprintf(out, " kind=");
        print_kind(out, r->kind);
        fprintf(out,
                " tier=%u flags=0x%02x%s actor=%u target=0x%" PRIx64 " cap=0x%" PRIx64
                " payload=0x%" PRIx64 "\n",
                r->tier, r->flags, (r->flags & WITNESS_F_DENIED) ? "(denied)" : "", r->actor,
                r->target, r->cap, r->payload);
}

static void json_line(FILE *out, const struct witness_record *r, bool first)
{
        fprintf(out,
                "%s\n  {\"seq\": %" PRIu64 ", \"time_ns\": %" PRIu64 ", \"boot\": %u, \"kind\": \"",
                first ? "" : ",", r->seq, r->time_ns, r->boot);
        print_kind(out, r->kind);
        fprintf(out,
                "\", \"kind_code\": %u, \"tier\": %u, \"flags\": %u, \"actor\": %u, \"target\": "
                "%" PRIu64 ", \"cap\": %" PRIu64 ", \"payload\": %" PRIu64 ", \"link\": \"",
                r->kind, r->tier, r->flags, r->actor, r->target, r->cap, r->payload);
        for (int i = 0; i < WITNESS_LINK_SIZE; i++)
                fprintf(out, "%02x", r->link[i]);
        fprintf(out, "\"}");
}

/* Records in order, each sequence number once (serial captures may repeat records). */
static size_t each_record(const struct wt_input *in, const struct opts *o,
                          void (*fn)(void *ctx, const struct witness_record *r), void *ctx)
{
        struct witness_record r;
        uint64_t next = 0;
        bool started = false;
        size_t count = 0;

        for (size_t i = 0; i < in->n; i++) {
                if (in->items[i].is_head)
                        continue;
                witness_record_decode(in->items[i].raw, &r);
                if (in->fmt == WT_SERIAL && started && r.seq < next)
                        continue;
                started = true;
                next = r.seq + 1;
                if (o == NULL || selected(o, &r)) {
                        fn(ctx, &r);
                        count++;
                }
        }
        return count;
}

struct out_ctx {
        FILE *out;
        bool json_first;
        const struct wt_anchors *anchors;
};

static void show_fn(void *ctx, const struct witness_record *r)
{
        show_line(((struct out_ctx *)ctx)->out, r, ((struct out_ctx *)ctx)->anchors);
}

static void json_fn(void *ctx, const struct witness_record *r)
{
        struct out_ctx *c = ctx;

        json_line(c->out, r, c->json_first);
        c->json_first = false;
}

struct stats_ctx {
        uint64_t n, denied, seals, per_family[16], first_seq, last_seq;
        uint32_t boot_min, boot_max, boot_last;
        uint64_t t_min, t_max, boots;
        FILE *out;
};

static void stats_fn(void *ctx, const struct witness_record *r)
{
        struct stats_ctx *s = ctx;

        if (s->n == 0) {
                s->first_seq = r->seq;
                s->boot_min = r->boot;
                s->t_min = r->time_ns;
        }
        if (s->n == 0 || r->boot != s->boot_last)
                s->boots++;
        s->boot_last = r->boot;
        s->n++;
        s->last_seq = r->seq;
        s->boot_max = r->boot > s->boot_max ? r->boot : s->boot_max;
        s->boot_min = r->boot < s->boot_min ? r->boot : s->boot_min;
        s->t_max = r->time_ns > s->t_max ? r->time_ns : s->t_max;
        s->t_min = r->time_ns < s->t_min ? r->time_ns : s->t_min;
        s->denied += (r->flags & WITNESS_F_DENIED) != 0;
        s->seals += r->kind == WK_WIT_SEAL;
        s->per_family[(r->kind >> 8) < 16 ? (r->kind >> 8) : 0]++;
}

static void recovered_fn(void *ctx, const struct witness_record *r)
{
        FILE *out = ctx;

        if (r->kind == WK_WIT_RECOVERED && (r->flags & WITNESS_F_TORN)) {
                if (r->payload == UINT64_MAX)
                        fprintf(out,
                                "note: boot %u recovered a power cut: records from seq %" PRIu64
                                " of the previous boot were lost (batch header lost too)\n",
                                r->boot, r->cap);
                else
                        fprintf(out,
                                "note: boot %u recovered a power cut: records %" PRIu64 "..%" PRIu64
                                " of the previous boot were lost\n",
                                r->boot, r->cap, r->payload);
        }
        if (r->kind == WK_WIT_STORE_FULL)
                fprintf(out, "note: seq %" PRIu64 ": persistence stopped (reason %" PRIu64 ")\n",
                        r->seq, r->payload);
}

static const char *format_name(enum wt_format f)
{
        return f == WT_FLASH ? "flash image" : f == WT_DUMP ? "raw dump" : "serial capture";
}

static int cmd_verify(const struct wt_input *in, const struct opts *o, FILE *out)
{
        struct wt_result r;
        int rc = wt_verify(in, &o->vo, &r);

        fprintf(out, "input: %s, %zu records\n", format_name(in->fmt), in->records);
        if (in->malformed)
                fprintf(out, "warning: %zu malformed W1 frames ignored\n", in->malformed);
        if (o->vo.key == NULL)
                fprintf(out, "warning: no key: keyed seals and anchors not checked\n");
        if (rc == 0 && r.verdict == WV_OK && r.points_ok)
                fprintf(out, "heads: the log holds all %" PRIu64 " published/expected heads\n",
                        r.points_ok);
        if (r.points_rotated)
                fprintf(out,
                        "heads: %" PRIu64
                        " published heads precede the start of history "
                        "(rotated away)\n",
                        r.points_rotated);
        if (r.rotated)
                fprintf(out,
                        "history begins at seq %" PRIu64 ": the store rotated %" PRIu64
                        " time%s (the oldest block erased to make room; last at boot %u), "
                        "authenticated by its rotation entry\n",
                        r.first_seq, r.rotations, r.rotations == 1 ? "" : "s", r.rot_boot);
        if (rc == 0) {
                struct stats_ctx sc = {.out = out};

                each_record(in, NULL, stats_fn, &sc);
                fprintf(out,
                        "intact: %" PRIu64 " records (seq %" PRIu64 "..%" PRIu64 ") over %" PRIu64
                        " boot%s (%u..%u), %" PRIu64 " seals verified",
                        r.records, r.first_seq, r.next_seq ? r.next_seq - 1 : 0, sc.boots,
                        sc.boots == 1 ? "" : "s", sc.boot_min, sc.boot_max, r.seals_ok);
                if (r.seals_unchecked)
                        fprintf(out, ", %" PRIu64 " not checked", r.seals_unchecked);
                if (r.seals_dev)
                        fprintf(out, ", %" PRIu64 " development seals", r.seals_dev);
                fprintf(out, "\n");
                if (in->fmt == WT_FLASH)
                        fprintf(out,
                                "anchors: %" PRIu64 " in the journal, %" PRIu64
                                " authenticated%s\n",
                                r.anchors, r.anchors_ok,
                                r.anchor_torn ? " (one interrupted anchor write: power cut)" : "");
                each_record(in, NULL, recovered_fn, out);
                if (r.records && r.unsealed_first < r.next_seq)
                        fprintf(out,
                                "warning: records %" PRIu64 "..%" PRIu64
                                " follow the last seal: chained only, not authenticated\n",
                                r.unsealed_first, r.next_seq - 1);
                if (r.seals_unchecked || r.anchors_unchecked > 0) {
                        fprintf(out,
                                "NOT AUTHENTICATED: no key given for %" PRIu64
                                " keyed seals (--key, --key-file, $RVM_WITNESS_KEY_FILE)\n",
                                r.seals_unchecked);
                        return 4;
                }
                if (r.seals_dev && !o->accept_dev) {
                        fprintf(out,
                                "NOT AUTHENTICATED: %" PRIu64
                                " development seals (RVM ran without a provisioned key; anyone "
                                "can make them; --accept-dev to accept)\n",
                                r.seals_dev);
                        return 4;
                }
                if (r.seals_dev)
                        fprintf(out,
                                "warning: development seals accepted (--accept-dev): they "
                                "prove nothing against a deliberate edit\n");
                return 0;
        }
        if (rc == 3) {
                fprintf(out, "INCOMPLETE: %s\n", r.why);
                return 3;
        }
        if (rc == 2) {
                fprintf(out, "UNUSABLE: %s\n", r.why);
                return 2;
        }
        fprintf(out, "TAMPERED: %s: %s\n", witness_verdict_name(r.verdict), r.why);
        if (r.verdict == WV_TAIL_CUT)
                fprintf(out, "first missing record: seq %" PRIu64 "\n", r.bad_seq);
        else
                fprintf(out, "first bad record: seq %" PRIu64 "\n", r.bad_seq);
        return 1;
}

int witness_tool_run(int argc, char **argv, FILE *out, FILE *err)
{
        uint8_t *data;
        size_t len = 0;
        int rc;

        if (argc < 3)
                return usage(err);
        if (strcmp(argv[1], "keygen") == 0)
                return argc == 3 ? wt_keygen(argv[2], out, err) : usage(err);
        data = wt_read_file(argv[2], &len, err);
        if (data == NULL)
                return 2;
        rc = witness_tool_run_buffer(argc, argv, data, len, out, err);
        free(data);
        return rc;
}

int witness_tool_run_buffer(int argc, char **argv, const uint8_t *data, size_t len, FILE *out,
                            FILE *err)
{
        if (argc >= 3 && strcmp(argv[1], "ckpt-diff") == 0)
                return wt_ckpt_diff(argc, argv, data, len, out, err);
        struct opts o;
        struct wt_input in;
        int rc;

        if (argc > 2 && strcmp(argv[1], "who") == 0) /* its own options: who.c */
                return wt_who(argc, argv, data, len, out, err);
        rc = parse_args(argc, argv, &o, err);
        if (rc != 0)
                return rc;
        if (strcmp(o.cmd, "verify") && strcmp(o.cmd, "show") && strcmp(o.cmd, "replay") &&
            strcmp(o.cmd, "graph") && strcmp(o.cmd, "stats") && strcmp(o.cmd, "export"))
                return usage(err);
        if (strcmp(o.cmd, "replay") == 0 && !o.have_at) {
                fprintf(err, "witness: replay needs --at SEQ\n");
                return 2;
        }
        if (strcmp(o.cmd, "export") == 0 && !o.json) {
                fprintf(err, "witness: export supports --json only\n");
                return 2;
        }
        if (wt_load(&in, data, len) != 0) {
                fprintf(err, "witness: %s: %s\n", o.file, in.err);
                wt_free(&in);
                return 2;
        }
        if (strcmp(o.cmd, "verify") != 0) {
                /* Every command reads only a witness log: at least its first record must
                 * verify (from the genesis, a W1H line or --start). */
                struct wt_result r;
                int vrc = wt_verify(&in, &o.vo, &r);

                if (vrc == 2 || (in.fmt == WT_FLASH && in.flash_super_bad) ||
                    (vrc != 0 && r.records == 0 && r.verdict != WV_TAIL_CUT)) {
                        fprintf(err, "witness: %s is not a witness log (%s)\n", o.file,
                                r.why[0] ? r.why : witness_verdict_name(r.verdict));
                        wt_free(&in);
                        return 2;
                }
        }
        if (strcmp(o.cmd, "verify") == 0) {
                struct wt_input heads;
                uint8_t *hd = NULL;
                size_t hl = 0;

                memset(&heads, 0, sizeof(heads));
                if (o.heads_file != NULL) {
                        hd = wt_read_file(o.heads_file, &hl, err);
                        if (hd == NULL || hl == 0 || wt_load(&heads, hd, hl) != 0 ||
                            heads.n_pubs == 0) {
                                fprintf(err, "witness: %s holds no published heads (W1S lines)\n",
                                        o.heads_file);
                                wt_free(&heads);
                                free(hd);
                                wt_free(&in);
                                return 2;
                        }
                        o.vo.points = heads.pubs;
                        o.vo.n_points = heads.n_pubs;
                        fprintf(out, "heads: %zu published heads from %s\n", heads.n_pubs,
                                o.heads_file);
                }
                rc = cmd_verify(&in, &o, out);
                wt_free(&heads);
                free(hd);
        } else if (strcmp(o.cmd, "show") == 0) {
                struct wt_anchors anchors;
                wt_anchors_find(&in, &anchors);
                struct out_ctx c = {.out = out, .anchors = anchors.oom ? NULL : &anchors};

                each_record(&in, &o, show_fn, &c);
                wt_anchors_free(&anchors);
        } else if (strcmp(o.cmd, "export") == 0) {
                struct out_ctx c = {.out = out, .json_first = true};

                fprintf(out, "[");
                each_record(&in, &o, json_fn, &c);
                fprintf(out, "\n]\n");
        } else if (strcmp(o.cmd, "replay") == 0 || strcmp(o.cmd, "graph") == 0) {
                struct wt_result r;
                const bool graph = strcmp(o.cmd, "graph") == 0;
                const uint64_t at = o.have_at ? o.at : UINT64_MAX;

                const bool bad = wt_verify(&in, &o.vo, &r) != 0 && r.bad_seq <= at;

                if (bad && !graph)
                        fprintf(out,
                                "warning: the log does not verify before seq %" PRIu64
                                " (%s): replayed state is not trustworthy\n",
                                at, witness_verdict_name(r.verdict));
                else if (bad)
                        fprintf(err,
                                "witness: warning: the log does not verify from seq %" PRIu64
                                " (%s): the graph is not trustworthy\n",
                                r.bad_seq, witness_verdict_name(r.verdict));
                if (graph)
                        rc = wt_graph(&in, at, out, err);
                else
                        wt_replay(&in, at, out);
        } else {
                struct stats_ctx s = {.out = out};

                each_record(&in, NULL, stats_fn, &s);
                fprintf(out, "format: %s\nrecords: %" PRIu64 "\n", format_name(in.fmt), s.n);
                if (s.n) {
                        fprintf(out, "seq: %" PRIu64 "..%" PRIu64 "\nboots: %u..%u\n", s.first_seq,
                                s.last_seq, s.boot_min, s.boot_max);
                        fprintf(out, "time_ns: %" PRIu64 "..%" PRIu64 "\n", s.t_min, s.t_max);
                }
                fprintf(out, "seals: %" PRIu64 "\ndenied: %" PRIu64 "\n", s.seals, s.denied);
                for (unsigned i = 1; wt_family_name(i) != NULL; i++)
                        if (s.per_family[i])
                                fprintf(out, "family %s: %" PRIu64 "\n", wt_family_name(i),
                                        s.per_family[i]);
                if (s.per_family[0] || s.per_family[13] || s.per_family[14] || s.per_family[15])
                        fprintf(out, "unknown kinds: %" PRIu64 "\n",
                                s.per_family[0] + s.per_family[13] + s.per_family[14] +
                                    s.per_family[15]);
        }
        wt_free(&in);
        return rc;
}
