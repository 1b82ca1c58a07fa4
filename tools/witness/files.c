/*
 * tools/witness/files.c: the files the witness tool reads and writes besides its input's
 * records: a whole file into memory (bounded), the witness key file (RVMWKEY1), a new key.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/witness/witness_tool.h"

int wt_load_key_file(const char *path, uint8_t *key, size_t *len, FILE *err)
{
        uint8_t blob[WITNESS_KEY_BLOB + 1];
        FILE *f = fopen(path, "rb");
        size_t n;

        if (f == NULL) {
                fprintf(err, "witness: cannot open key file %s: %s\n", path, strerror(errno));
                return -1;
        }
        n = fread(blob, 1, sizeof(blob), f);
        fclose(f);
        if (n != WITNESS_KEY_BLOB || !witness_key_blob_parse(blob, key, len)) {
                fprintf(err, "witness: %s is not a witness key file (RVMWKEY1, 64 bytes)\n", path);
                return -1;
        }
        return 0;
}

int wt_keygen(const char *path, FILE *out, FILE *err)
{
        uint8_t key[32], blob[WITNESS_KEY_BLOB];
        FILE *r = fopen("/dev/urandom", "rb");
        FILE *f;
        size_t got = r ? fread(key, 1, sizeof(key), r) : 0;

        if (r)
                fclose(r);
        if (got != sizeof(key)) {
                fprintf(err, "witness: cannot read 32 random bytes from /dev/urandom\n");
                return 2;
        }
        f = fopen(path, "wbx"); /* never replaces a machine's key */
        if (f == NULL) {
                fprintf(err, "witness: cannot create %s: %s\n", path, strerror(errno));
                witness_wipe(key, sizeof(key));
                return 2;
        }
        witness_key_blob_make(key, sizeof(key), blob);
        witness_wipe(key, sizeof(key));
        if (fwrite(blob, 1, sizeof(blob), f) != sizeof(blob) || fclose(f) != 0) {
                fprintf(err, "witness: cannot write %s\n", path);
                return 2;
        }
        witness_wipe(blob, sizeof(blob));
        fprintf(out, "witness: new key in %s\n", path);
        return 0;
}

uint8_t *wt_read_file(const char *path, size_t *len, FILE *err)
{
        FILE *f = fopen(path, "rb");
        uint8_t *buf = NULL;
        size_t cap = 0, n = 0;

        if (f == NULL) {
                fprintf(err, "witness: cannot open %s: %s\n", path, strerror(errno));
                return NULL;
        }
        for (;;) {
                if (n == cap) {
                        uint8_t *p;

                        if (cap >= ((size_t)1 << 32)) {
                                fprintf(err, "witness: %s is larger than 4 GiB\n", path);
                                free(buf);
                                fclose(f);
                                return NULL;
                        }
                        cap = cap ? cap * 2 : 1 << 16;
                        p = realloc(buf, cap);
                        if (p == NULL) {
                                fprintf(err, "witness: out of memory reading %s\n", path);
                                free(buf);
                                fclose(f);
                                return NULL;
                        }
                        buf = p;
                }
                size_t got = fread(buf + n, 1, cap - n, f);

                n += got;
                if (got == 0)
                        break;
        }
        if (ferror(f)) {
                fprintf(err, "witness: error reading %s\n", path);
                free(buf);
                fclose(f);
                return NULL;
        }
        fclose(f);
        *len = n;
        return buf;
}
