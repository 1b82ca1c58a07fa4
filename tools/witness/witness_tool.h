/*
 * tools/witness/witness_tool.h — the host tool's core, separate from main() so unit tests
 * and the fuzzer drive it directly: input loading with format auto-detection, verification
 * of each format, state replay, and the command-line front end.
 */
#ifndef RVM_TOOLS_WITNESS_TOOL_H
#define RVM_TOOLS_WITNESS_TOOL_H

#include <stdio.h>

#include "witness/witness.h"

enum wt_format { WT_FLASH = 1, WT_DUMP, WT_SERIAL };

struct wt_item {
        bool is_head; /* serial "W1H" line: seq + head in raw[0..31] */
        uint64_t seq;
        uint64_t where; /* slot (flash), byte offset (dump, serial) */
        uint8_t raw[WITNESS_RECORD_SIZE];
};

/* A point the chain must pass through: the head before record seq. From --start,
 * --expect, or a published seal head (W1S line: the head after seal seq - 1). */
struct wt_point {
        uint64_t seq;
        uint8_t head[WITNESS_HEAD_SIZE];
        char what;     /* 's' --start, 'e' --expect, 'k'/'d' published (keyed/development seal) */
        uint32_t boot; /* published: the seal's boot and time */
        uint64_t time_ns;
};

struct wt_input {
        enum wt_format fmt;
        const uint8_t *data;
        size_t len;
        struct wt_item *items;
        size_t n, cap;
        size_t records;        /* items that are records */
        size_t trailing;       /* dump: bytes after the last whole record */
        size_t malformed;      /* serial: broken frames */
        struct wt_point *pubs; /* serial: published seal heads (W1S lines) */
        size_t n_pubs, cap_pubs;
        /* flash */
        uint32_t block_size;
        uint64_t flash_size;
        bool flash_super_bad;
        char err[200];
};

/* Loads and classifies data (not copied: keep it alive). 0 = ok, else err is set. */
int wt_load(struct wt_input *in, const uint8_t *data, size_t len);
void wt_free(struct wt_input *in);

/* A loaded flash image seen as a read-only witness flash (witness/store.c reads through it). */
struct witness_flash;
struct wt_memflash {
        const uint8_t *d;
        size_t len;
};
void wt_flash_of(const struct wt_input *in, struct wt_memflash *m, struct witness_flash *f);

struct wt_verify_opts {
        const uint8_t *key; /* NULL: seals not checked */
        size_t key_len;
        bool have_start;
        uint64_t start_seq;
        uint8_t start_head[WITNESS_HEAD_SIZE];
        bool have_expect; /* head before record expect_seq must be expect_head */
        uint64_t expect_seq;
        uint8_t expect_head[WITNESS_HEAD_SIZE];
        const struct wt_point *points; /* published heads the log must still hold */
        size_t n_points;
};

struct wt_result {
        enum witness_verdict verdict;
        uint64_t bad_index, bad_seq, found_seq, where;
        uint64_t records, seals_ok, seals_unchecked, seals_dev, first_seq, next_seq, unsealed_first;
        uint64_t anchors, anchors_ok, anchors_unchecked, points_ok, points_rotated;
        bool rotated; /* flash: history begins after rotations */
        uint64_t rotations;
        uint32_t rot_boot;
        bool anchor_torn;
        uint8_t start_head[WITNESS_HEAD_SIZE]; /* head before first_seq */
        bool lost;
        uint64_t lost_first, lost_last;
        char why[256];
};
/* Exit status convention: 0 intact, 1 tampered/damaged, 2 unusable input, 3 torn tail
 * (cmd_verify adds 4: intact but not authenticated). */
int wt_verify(const struct wt_input *in, const struct wt_verify_opts *o, struct wt_result *res);

/* Replay: the state the records describe after record 'at' (inclusive), with each WASM
 * partition's agents and the records that contradict the rest (tools/witness/members.c). */
void wt_replay(const struct wt_input *in, uint64_t at, FILE *out);
/* The communication graph at 'at' as Graphviz DOT on out (anomalies on err): 0, or 1 when
 * the graph is incomplete (out of memory, too large for the DOT buffer). */
int wt_graph(const struct wt_input *in, uint64_t at, FILE *out, FILE *err);

/* `witness who` (tools/witness/who.c): argv as for witness_tool_run, the file's bytes. */
int wt_who(int argc, char **argv, const uint8_t *data, size_t len, FILE *out, FILE *err);

int witness_tool_run(int argc, char **argv, FILE *out, FILE *err);
/* The same on bytes already in memory (argv[2] only names them in messages). */
int witness_tool_run_buffer(int argc, char **argv, const uint8_t *data, size_t len, FILE *out,
                            FILE *err);

/* tools/witness/ckpt_diff.c: `ckpt-diff FLASH [A B]` over the file's bytes. */
int wt_ckpt_diff(int argc, char **argv, const uint8_t *data, size_t len, FILE *out, FILE *err);

const char *wt_kind_name(uint16_t kind);
const char *wt_family_name(unsigned family);
bool wt_kind_by_name(const char *s, uint16_t *kind, uint16_t *mask);
/* tools/witness/files.c: a whole file (malloc'd; NULL and a message on err if it cannot be
 * read), a witness key file's key (0, or -1 and a message), a new key file (exit status). */
uint8_t *wt_read_file(const char *path, size_t *len, FILE *err);
int wt_load_key_file(const char *path, uint8_t *key, size_t *len, FILE *err);
int wt_keygen(const char *path, FILE *out, FILE *err);

#endif
