/*
 * tools/rvf/inspect.c: `rvf inspect FILE [--json]`: every segment, and what its KERNEL,
 * WASM, PROFILE or CRYPTO payload says (or why it cannot be read), as a table or JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "tools/rvf/cli_priv.h"
#include "tools/rvf/rvf_tool.h"

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
                cli_hex(o, s->content_hash, RVF_HASH_SIZE);
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
                                "        kernel: %s type %u%s, image %llu bytes, %s, %llu stored, "
                                "%u vCPU, min %u MiB, entry 0x%llx\n",
                                rvf_arch_name(k.arch), k.kernel_type,
                                k.kernel_type == RVF_KTYPE_MICROLINUX ? " (linux)" : "",
                                (unsigned long long)k.image_size,
                                rvf_compression_name(k.compression),
                                (unsigned long long)k.stored_size, k.vcpu_count, k.min_memory_mb,
                                (unsigned long long)k.entry_point);
                        if (k.initrd_length != 0) {
                                fprintf(o, "        initrd: %u bytes after the command line\n",
                                        k.initrd_length);
                        }
                        fprintf(o, "        cmdline (offset field %u%s): \"",
                                k.cmdline_offset_field,
                                k.cmdline_offset_field == RVF_KERNEL_HDR_SIZE && k.stored_size
                                    ? ", the seed's 128"
                                    : "");
                        cli_text_str(o, k.cmdline, k.cmdline_length);
                        fprintf(o, "\"\n        image sha256 ");
                        cli_hex(o, k.image_hash, RVF_SHA256_SIZE);
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
                        cli_hex(o, w.bytecode_hash, RVF_SHA256_SIZE);
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
                        cli_hex(o, sg.key_id, RVF_KEY_ID_SIZE);
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
                cli_hex(o, s->content_hash, RVF_HASH_SIZE);
                fputc('"', o);
                struct rvf_kernel k;
                struct rvf_wasm w;
                struct rvf_sig sg;
                if (s->type == RVF_SEG_KERNEL && rvf_kernel_parse(f, i, &k, &er) == RVF_OK) {
                        bool boot = rvf_kernel_bootable(&k, (int)i, &er) == RVF_OK;
                        fprintf(o,
                                ",\"kernel\":{\"arch\":\"%s\",\"type\":%u,\"image_size\":%llu,"
                                "\"compression\":\"%s\",\"stored_size\":%llu,\"vcpus\":%u,"
                                "\"min_memory_mb\":%u,\"entry_point\":%llu,\"initrd_size\":%u,"
                                "\"cmdline\":",
                                rvf_arch_name(k.arch), k.kernel_type,
                                (unsigned long long)k.image_size,
                                rvf_compression_name(k.compression),
                                (unsigned long long)k.stored_size, k.vcpu_count, k.min_memory_mb,
                                (unsigned long long)k.entry_point, k.initrd_length);
                        cli_json_str(o, k.cmdline, k.cmdline_length);
                        fprintf(o, ",\"image_sha256\":\"");
                        cli_hex(o, k.image_hash, RVF_SHA256_SIZE);
                        fprintf(o, "\",\"bootable\":%s", boot ? "true" : "false");
                        if (!boot) {
                                fprintf(o, ",\"not_bootable\":");
                                cli_json_str(o, er.reason, strlen(er.reason));
                        }
                        fputc('}', o);
                } else if (s->type == RVF_SEG_WASM && rvf_wasm_parse(f, i, &w, &er) == RVF_OK) {
                        fprintf(o,
                                ",\"wasm\":{\"role\":%u,\"target\":%u,\"bytecode_size\":%u,"
                                "\"priority\":%u,\"bytecode_sha256\":\"",
                                w.role, w.target, w.bytecode_size, w.priority);
                        cli_hex(o, w.bytecode_hash, RVF_SHA256_SIZE);
                        fprintf(o, "\"}");
                } else if (s->type == RVF_SEG_CRYPTO && rvf_sig_parse(f, &sg, &er) == RVF_OK) {
                        fprintf(o,
                                ",\"signature\":{\"algorithm\":\"ecdsa-p256-sha256\","
                                "\"image_version\":%llu,\"signed_length\":%llu,\"key_id\":\"",
                                (unsigned long long)sg.image_version,
                                (unsigned long long)sg.signed_length);
                        cli_hex(o, sg.key_id, RVF_KEY_ID_SIZE);
                        fprintf(o, "\"}");
                } else if (s->type == RVF_SEG_PROFILE) {
                        struct rvf_profile p;
                        if (rvf_profile_parse(f, i, &p, &er) == RVF_OK) {
                                fprintf(o, ",\"profile\":{\"partitions\":[");
                                for (unsigned j = 0; j < p.partition_count; j++) {
                                        struct rvf_profile_partition q;
                                        rvf_profile_partition(&p, j, &q);
                                        fprintf(o, "%s{\"name\":", j ? "," : "");
                                        cli_json_str(o, q.name, strlen(q.name));
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
                                        cli_json_str(o, a.name, strlen(a.name));
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

int cli_inspect(struct ctx *c, int argc, char **argv)
{
        bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
        if (argc < 1 || (argc == 2 && !json) || argc > 2) {
                return cli_err(c, RVF_EXIT_USAGE, "inspect FILE [--json]");
        }
        struct loaded *l = calloc(1, sizeof(*l));
        int st = l ? cli_load_rvf(c, argv[0], l) : RVF_EXIT_USAGE;
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
