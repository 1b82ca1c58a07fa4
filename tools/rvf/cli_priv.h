/*
 * tools/rvf/cli_priv.h: what the files of the rvf command line share (cli.c: dispatch,
 * verify, extract, sign, keygen; build.c: build and its spec; inspect.c; flash.c: flash and
 * update).
 */
#ifndef RVM_TOOLS_RVF_CLI_PRIV_H
#define RVM_TOOLS_RVF_CLI_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "boot/rvf.h"

struct ctx {
        FILE *out, *err;
};

struct loaded {
        uint8_t *data;
        size_t len;
        struct rvf_file f;
};

extern const char cli_usage[];
int cli_err(struct ctx *c, int status, const char *fmt, ...);
uint8_t *cli_read_file(const char *path, size_t *len);
int cli_write_file(const char *path, const void *data, size_t len, mode_t mode);
void cli_hex(FILE *o, const uint8_t *p, size_t n);
void cli_json_str(FILE *o, const char *s, size_t n);
void cli_text_str(FILE *o, const char *s, size_t n);
/* Key file: 32 bytes = private scalar (pub derived), 65 = public point. */
int cli_load_key(struct ctx *c, const char *path, uint8_t priv[32], bool *has_priv,
                 uint8_t pub[RVF_PUBKEY_SIZE]);
/* Print err for path; returns the exit status for e. */
int cli_report(struct ctx *c, const char *path, enum rvf_err e, const struct rvf_error *er);
/* Read and parse an RVF file; 0 or the exit status (after printing why). */
int cli_load_rvf(struct ctx *c, const char *path, struct loaded *l);
bool cli_parse_num(const char *s, uint64_t *v);

int cli_build(struct ctx *c, int argc, char **argv);
int cli_flash(struct ctx *c, int argc, char **argv);
int cli_update(struct ctx *c, int argc, char **argv);
int cli_inspect(struct ctx *c, int argc, char **argv);

#endif
