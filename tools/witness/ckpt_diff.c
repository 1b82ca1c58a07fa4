/*
 * tools/witness/ckpt_diff.c: `witness ckpt-diff FLASH [A B]`. FLASH is flash bank 0's file
 * (64 MiB, the cold area at 0xa00000) or the cold area alone (5 MiB). Alone it lists the
 * segments there (cold ranges and flash checkpoints, memory/cold.h); with two sequence
 * numbers it lists the pages that differ between those two segments, by index and IPA,
 * from their per-page SHA-256 tables. Every segment is checked whole first (its content
 * hash, its table's root, each page's hash): the file is untrusted, and a damaged or
 * truncated segment is an error (status 2), never read past.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory/cold.h"
#include "tools/witness/witness_tool.h"
#include "witness/witness.h"

static const struct cold_flash host_hash = {.hash = witness_sha256};

/* The cold area inside data, or NULL. */
static const uint8_t *area_of(const uint8_t *data, size_t len)
{
        if (len == COLD_AREA_SIZE) {
                return data;
        }
        if (len >= COLD_FLASH_OFFSET + COLD_AREA_SIZE) {
                return data + COLD_FLASH_OFFSET;
        }
        return NULL;
}

static const char *kind_name(uint32_t k)
{
        return k == COLD_K_REGION ? "cold-range" : "checkpoint";
}

/* The slot holding segment seq, checked: its index, -1 (absent) or -2 (damaged). */
static int find_seq(const uint8_t *area, uint64_t seq, struct cold_seg *seg, FILE *err)
{
        for (unsigned i = 0; i < COLD_SLOTS; i++) {
                const uint8_t *slot = area + (size_t)i * COLD_SLOT_SIZE;
                if (cold_parse(slot, COLD_SLOT_SIZE, seg) != COLD_OK || seg->seq != seq) {
                        continue;
                }
                uint32_t bad = 0;
                enum cold_err e = cold_check(slot, COLD_SLOT_SIZE, &host_hash, seg, &bad);
                if (e != COLD_OK) {
                        fprintf(err, "ckpt-diff: segment %" PRIu64 " (slot %u): %s", seq, i,
                                cold_err_name(e));
                        if (bad != UINT32_MAX) {
                                fprintf(err, " at page %u", bad);
                        }
                        fprintf(err, "\n");
                        return -2;
                }
                return (int)i;
        }
        fprintf(err, "ckpt-diff: no segment %" PRIu64 " in the cold area\n", seq);
        return -1;
}

static int list(const uint8_t *area, FILE *out)
{
        struct cold_seg seg;
        unsigned found = 0;

        fprintf(out, "slot seq      kind        part pages ipa                saved-ms  root\n");
        for (unsigned i = 0; i < COLD_SLOTS; i++) {
                const uint8_t *slot = area + (size_t)i * COLD_SLOT_SIZE;
                if (cold_parse(slot, COLD_SLOT_SIZE, &seg) != COLD_OK) {
                        continue;
                }
                uint32_t bad = 0;
                enum cold_err e = cold_check(slot, COLD_SLOT_SIZE, &host_hash, &seg, &bad);
                fprintf(out, "%-4u %-8" PRIu64 " %-11s %-4u %-5u 0x%016" PRIx64 " %-9" PRIu64 " ",
                        i, seg.seq, kind_name(seg.kind), seg.part, seg.pages, ipa_addr(seg.ipa),
                        seg.saved_ns / 1000000);
                for (unsigned b = 0; b < 8; b++) {
                        fprintf(out, "%02x", seg.root[b]);
                }
                fprintf(out, "%s%s\n",
                        e == COLD_OK ? "" : "  DAMAGED: ", e == COLD_OK ? "" : cold_err_name(e));
                found++;
        }
        fprintf(out, "%u segment(s)\n", found);
        return 0;
}

static int parse_seq(const char *s, uint64_t *v)
{
        char *end = NULL;

        if (s == NULL || *s < '0' || *s > '9') {
                return -1;
        }
        *v = strtoull(s, &end, 10);
        return *end == '\0' && *v != 0 ? 0 : -1;
}

int wt_ckpt_diff(int argc, char **argv, const uint8_t *data, size_t len, FILE *out, FILE *err)
{
        uint64_t a = 0, b = 0;
        struct cold_seg sa, sb;

        if ((argc != 3 && argc != 5) ||
            (argc == 5 && (parse_seq(argv[3], &a) != 0 || parse_seq(argv[4], &b) != 0))) {
                fprintf(err, "usage: witness ckpt-diff FLASH [SEQ_A SEQ_B]\n");
                return 2;
        }
        const uint8_t *area = area_of(data, len);
        if (area == NULL) {
                fprintf(err,
                        "ckpt-diff: %s: %zu bytes: neither flash bank 0 (at least %llu bytes) nor "
                        "a cold area (%llu bytes)\n",
                        argv[2], len, (unsigned long long)(COLD_FLASH_OFFSET + COLD_AREA_SIZE),
                        (unsigned long long)COLD_AREA_SIZE);
                return 2;
        }
        if (argc == 3) {
                return list(area, out);
        }
        int ia = find_seq(area, a, &sa, err), ib = find_seq(area, b, &sb, err);
        if (ia < 0 || ib < 0) {
                return 2;
        }
        if (sa.part != sb.part || ipa_addr(sa.ipa) != ipa_addr(sb.ipa) || sa.pages != sb.pages) {
                fprintf(err,
                        "ckpt-diff: segments %" PRIu64 " and %" PRIu64
                        " cover different memory (partition %u, %u pages at 0x%" PRIx64
                        " vs partition %u, %u pages at 0x%" PRIx64 ")\n",
                        a, b, sa.part, sa.pages, ipa_addr(sa.ipa), sb.part, sb.pages,
                        ipa_addr(sb.ipa));
                return 2;
        }
        unsigned changed = 0;
        fprintf(out,
                "partition %u, %u pages from IPA 0x%" PRIx64 ": seq %" PRIu64 " -> %" PRIu64 "\n",
                sa.part, sa.pages, ipa_addr(sa.ipa), a, b);
        for (uint32_t i = 0; i < sa.pages; i++) {
                if (memcmp(sa.table + (size_t)i * 32u, sb.table + (size_t)i * 32u, 32) != 0) {
                        fprintf(out, "changed page %u ipa 0x%" PRIx64 "\n", i,
                                ipa_addr(ipa_add(sa.ipa, (uint64_t)i * COLD_PAGE)));
                        changed++;
                }
        }
        fprintf(out, "%u of %u pages changed\n", changed, sa.pages);
        return 0;
}
