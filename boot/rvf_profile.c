/*
 * boot/rvf_profile.c: the PROFILE segment (RVPF, docs/RVF.md): the partition table RVM
 * reads from an image, checked entry by entry (names in the string table, ranges, segment
 * ids against the file) before anything is read from it; accessors decode one entry.
 */
#include <string.h>

#include "boot/rvf.h"

static enum rvf_err fail_entry(struct rvf_error *err, enum rvf_err code, int segment,
                               const char *table, unsigned entry, const char *field,
                               const char *reason)
{
        rvf_error_set(err, code, segment, RVF_SEG_PROFILE, field, reason);
        if (err != NULL) {
                err->table = table;
                err->entry = (int)entry;
        }
        return code;
}

/* ---- PROFILE_SEG ---- */

/* The NUL-terminated string at off in the table, 1..max characters; NULL if not. */
static const char *table_string(const struct rvf_profile *p, uint16_t off, size_t max)
{
        if (off >= p->strings_size) {
                return NULL;
        }
        const char *s = p->strings + off;
        const char *nul = memchr(s, 0, p->strings_size - off);
        if (nul == NULL || nul == s || (size_t)(nul - s) > max) {
                return NULL;
        }
        return s;
}

static const uint8_t *part_at(const struct rvf_profile *p, unsigned i)
{
        return p->payload + RVF_PROFILE_HDR_SIZE + i * RVF_PROFILE_PART_SIZE;
}
static const uint8_t *agent_at(const struct rvf_profile *p, unsigned i)
{
        return part_at(p, p->partition_count) + i * RVF_PROFILE_AGENT_SIZE;
}
static const uint8_t *edge_at(const struct rvf_profile *p, unsigned i)
{
        return agent_at(p, p->agent_count) + i * RVF_PROFILE_EDGE_SIZE;
}
static const uint8_t *lease_at(const struct rvf_profile *p, unsigned i)
{
        return edge_at(p, p->edge_count) + i * RVF_PROFILE_LEASE_SIZE;
}

void rvf_profile_partition(const struct rvf_profile *p, unsigned i,
                           struct rvf_profile_partition *out)
{
        const uint8_t *e = part_at(p, i);

        out->mem_bytes = rvf_le64(e);
        out->kernel_seg_id = rvf_le64(e + 8);
        out->name = table_string(p, rvf_le16(e + 16), RVF_PROFILE_NAME_MAX);
        out->cmdline_len = rvf_le16(e + 20);
        out->cmdline = out->cmdline_len ? p->strings + rvf_le16(e + 18) : NULL;
        out->kind = e[22];
        out->vcpus = e[23];
        out->fault_policy = e[24];
        out->max_restarts = e[25];
        out->ipa_bits = e[26];
        out->vdev_type = e[27];
        out->vdev_ipa = rvf_le32(e + 28);
}

void rvf_profile_agent(const struct rvf_profile *p, unsigned i, struct rvf_profile_agent *out)
{
        const uint8_t *e = agent_at(p, i);

        out->wasm_seg_id = rvf_le64(e);
        out->name = table_string(p, rvf_le16(e + 8), RVF_PROFILE_NAME_MAX);
        out->partition = e[10];
        out->caps = e[11];
        out->flags = e[12];
        out->priority = e[13];
}

void rvf_profile_edge(const struct rvf_profile *p, unsigned i, struct rvf_profile_edge *out)
{
        const uint8_t *e = edge_at(p, i);

        out->a = e[0];
        out->b = e[1];
}

void rvf_profile_lease(const struct rvf_profile *p, unsigned i, struct rvf_profile_lease *out)
{
        const uint8_t *e = lease_at(p, i);

        out->device = table_string(p, rvf_le16(e), RVF_PROFILE_NAME_MAX);
        out->partition = e[2];
        out->ms = rvf_le32(e + 4);
}

static bool seg_id_is(const struct rvf_file *f, uint64_t id, uint8_t type)
{
        int s = rvf_find_id(f, id);
        return id != 0 && s >= 0 && f->seg[s].type == type;
}

static enum rvf_err check_partitions(const struct rvf_file *f, int si, const struct rvf_profile *p,
                                     struct rvf_error *err)
{
        static const char tb[] = "partition";

        for (unsigned i = 0; i < p->partition_count; i++) {
                struct rvf_profile_partition e;
                const uint8_t *raw = part_at(p, i);
                rvf_profile_partition(p, i, &e);
                if (e.name == NULL) {
                        return fail_entry(err, RVF_E_FIELD, si, tb, i, "name",
                                          "not a 1..15 character string in the table");
                }
                for (unsigned j = 0; j < i; j++) {
                        struct rvf_profile_partition o;
                        rvf_profile_partition(p, j, &o);
                        if (strcmp(o.name, e.name) == 0) {
                                return fail_entry(err, RVF_E_FIELD, si, tb, i, "name",
                                                  "two partitions with this name");
                        }
                }
                if (e.kind > RVF_PART_WASM) {
                        return fail_entry(err, RVF_E_FIELD, si, tb, i, "kind", "unknown kind");
                }
                if (e.cmdline_len == 0 && rvf_le16(raw + 18) != RVF_PROFILE_NO_STRING) {
                        return fail_entry(err, RVF_E_FIELD, si, tb, i, "cmdline",
                                          "offset set with no length");
                }
                if (e.cmdline_len != 0) {
                        uint16_t off = rvf_le16(raw + 18);
                        if (off >= p->strings_size || e.cmdline_len > p->strings_size - off ||
                            memchr(e.cmdline, 0, e.cmdline_len) != NULL) {
                                return fail_entry(err, RVF_E_RANGE, si, tb, i, "cmdline",
                                                  "not inside the string table");
                        }
                }
                if (e.vdev_type > RVF_PART_VDEV_PL011 ||
                    (e.vdev_type == RVF_PART_VDEV_NONE && e.vdev_ipa != 0)) {
                        return fail_entry(err, RVF_E_FIELD, si, tb, i, "vdev_type",
                                          "unknown device");
                }
                if (e.ipa_bits != 0 && (e.ipa_bits < 31 || e.ipa_bits > 48)) {
                        return fail_entry(err, RVF_E_FIELD, si, tb, i, "ipa_bits", "not 31..48");
                }
                if (e.fault_policy > 1) {
                        return fail_entry(err, RVF_E_FIELD, si, tb, i, "fault_policy",
                                          "not stop (0) or restart (1)");
                }
                if (e.kind == RVF_PART_WASM) {
                        if (e.kernel_seg_id != 0 || e.cmdline_len != 0 ||
                            e.vdev_type != RVF_PART_VDEV_NONE) {
                                return fail_entry(err, RVF_E_FIELD, si, tb, i, "kernel_seg_id",
                                                  "a WASM partition has no kernel");
                        }
                        continue;
                }
                if (!seg_id_is(f, e.kernel_seg_id, RVF_SEG_KERNEL)) {
                        return fail_entry(err, RVF_E_FIELD, si, tb, i, "kernel_seg_id",
                                          "names no KERNEL segment");
                }
                if (e.mem_bytes == 0 || (e.mem_bytes & 0xFFF) != 0) {
                        return fail_entry(err, RVF_E_FIELD, si, tb, i, "mem_bytes",
                                          "not a non-zero multiple of 4 KiB");
                }
                if (e.vcpus == 0 || e.vcpus > RVF_KERNEL_MAX_VCPUS) {
                        return fail_entry(err, RVF_E_FIELD, si, tb, i, "vcpus", "not 1..64");
                }
        }
        return RVF_OK;
}

static enum rvf_err check_others(const struct rvf_file *f, int si, const struct rvf_profile *p,
                                 struct rvf_error *err)
{
        for (unsigned i = 0; i < p->agent_count; i++) {
                struct rvf_profile_agent a;
                const uint8_t *raw = agent_at(p, i);
                rvf_profile_agent(p, i, &a);
                if (a.name == NULL) {
                        return fail_entry(err, RVF_E_FIELD, si, "agent", i, "name",
                                          "not a 1..15 character string in the table");
                }
                if (!seg_id_is(f, a.wasm_seg_id, RVF_SEG_WASM)) {
                        return fail_entry(err, RVF_E_FIELD, si, "agent", i, "wasm_seg_id",
                                          "names no WASM segment");
                }
                if (a.partition == 0 || a.partition > p->partition_count ||
                    part_at(p, a.partition - 1u)[22] != RVF_PART_WASM) {
                        return fail_entry(err, RVF_E_FIELD, si, "agent", i, "partition",
                                          "not a WASM partition of the table");
                }
                if ((a.flags & ~RVF_AGENT_ON_DEMAND) != 0 || rvf_le16(raw + 14) != 0) {
                        return fail_entry(err, RVF_E_FIELD, si, "agent", i, "flags",
                                          "unknown flag or reserved bits set");
                }
        }
        for (unsigned i = 0; i < p->edge_count; i++) {
                const uint8_t *raw = edge_at(p, i);
                for (unsigned end = 0; end < 2; end++) {
                        uint8_t v = raw[end];
                        unsigned pos = v & 0x7Fu,
                                 max = (v & RVF_EDGE_AGENT) ? p->agent_count : p->partition_count;
                        if (pos == 0 || pos > max) {
                                return fail_entry(err, RVF_E_FIELD, si, "edge", i, end ? "b" : "a",
                                                  "names no partition or agent of the table");
                        }
                }
                if (raw[0] == raw[1] || rvf_le16(raw + 2) != 0) {
                        return fail_entry(err, RVF_E_FIELD, si, "edge", i, "b",
                                          "an edge to itself, or reserved bits set");
                }
        }
        for (unsigned i = 0; i < p->lease_count; i++) {
                struct rvf_profile_lease l;
                const uint8_t *raw = lease_at(p, i);
                rvf_profile_lease(p, i, &l);
                if (l.device == NULL) {
                        return fail_entry(err, RVF_E_FIELD, si, "lease", i, "device",
                                          "not a 1..15 character string in the table");
                }
                if (l.partition == 0 || l.partition > p->partition_count || raw[3] != 0) {
                        return fail_entry(err, RVF_E_FIELD, si, "lease", i, "partition",
                                          "names no partition of the table");
                }
                if (l.ms == 0) {
                        return fail_entry(err, RVF_E_FIELD, si, "lease", i, "ms",
                                          "a lease of no time");
                }
        }
        return RVF_OK;
}

enum rvf_err rvf_profile_parse(const struct rvf_file *f, unsigned index, struct rvf_profile *p,
                               struct rvf_error *err)
{
        const int i = (int)index;
        const uint8_t t = RVF_SEG_PROFILE;

        if (f == NULL || p == NULL || index >= f->seg_count || f->seg[index].type != t) {
                return rvf_error_set(err, RVF_E_ARG, i, t, "type", "not a PROFILE segment");
        }
        const uint8_t *h = rvf_payload(f, index);
        const uint64_t len = f->seg[index].payload_length;
        memset(p, 0, sizeof(*p));
        if (len < RVF_PROFILE_HDR_SIZE) {
                return rvf_error_set(err, RVF_E_TRUNCATED, i, t, "payload_length",
                                     "shorter than the RVPF header");
        }
        if (rvf_le32(h) != RVF_PROFILE_MAGIC) {
                return rvf_error_set(
                    err, RVF_E_MAGIC, i, t, "profile magic",
                    "not RVPF (a JSON profile, as the seed writes, is not read at EL2)");
        }
        if (rvf_le16(h + 4) != RVF_PROFILE_VERSION) {
                return rvf_error_set(err, RVF_E_VERSION, i, t, "version",
                                     "unknown profile version");
        }
        p->payload = h;
        p->partition_count = h[6];
        p->agent_count = h[7];
        p->edge_count = h[8];
        p->lease_count = h[9];
        p->strings_size = rvf_le16(h + 10);
        if (rvf_le32(h + 12) != 0) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "reserved", "not zero");
        }
        if (p->partition_count > RVF_PROFILE_MAX_PARTS) {
                return rvf_error_set(err, RVF_E_TOO_MANY, i, t, "partition_count", "more than 16");
        }
        if (p->agent_count > RVF_PROFILE_MAX_AGENTS) {
                return rvf_error_set(err, RVF_E_TOO_MANY, i, t, "agent_count", "more than 64");
        }
        if (p->edge_count > RVF_PROFILE_MAX_EDGES) {
                return rvf_error_set(err, RVF_E_TOO_MANY, i, t, "edge_count", "more than 64");
        }
        if (p->lease_count > RVF_PROFILE_MAX_LEASES) {
                return rvf_error_set(err, RVF_E_TOO_MANY, i, t, "lease_count", "more than 16");
        }
        /* All counts are bytes: the sum is far below 2^32. */
        uint64_t need = RVF_PROFILE_HDR_SIZE +
                        (uint64_t)p->partition_count * RVF_PROFILE_PART_SIZE +
                        (uint64_t)p->agent_count * RVF_PROFILE_AGENT_SIZE +
                        (uint64_t)p->edge_count * RVF_PROFILE_EDGE_SIZE +
                        (uint64_t)p->lease_count * RVF_PROFILE_LEASE_SIZE + p->strings_size;
        if (need > len) {
                return rvf_error_set(err, RVF_E_TRUNCATED, i, t, "counts",
                                     "tables past end of payload");
        }
        if (need != len) {
                return rvf_error_set(err, RVF_E_FIELD, i, t, "payload_length",
                                     "bytes after the tables");
        }
        p->length = (uint32_t)len;
        p->strings = (const char *)h + (len - p->strings_size);
        enum rvf_err e = check_partitions(f, i, p, err);
        if (e == RVF_OK) {
                e = check_others(f, i, p, err);
        }
        return e;
}
