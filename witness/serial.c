/*
 * witness/serial.c — the text framing that carries records over a UART: one record per
 * line as "W1 <128 hex digits>", and "W1H <seq> <head>" giving the full chain head before
 * record seq so a partial capture (the monitor's "witness tail") can be verified. The
 * scanner finds frames anywhere in arbitrary console output.
 */
#include <string.h>

#include "witness/witness.h"

static const char hexdig[] = "0123456789abcdef";

static char *hex_out(char *p, const uint8_t *b, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                *p++ = hexdig[b[i] >> 4];
                *p++ = hexdig[b[i] & 15];
        }
        return p;
}

static char *hex_be(char *p, uint64_t v, int digits)
{
        for (int i = digits - 1; i >= 0; i--)
                *p++ = hexdig[(v >> (4 * i)) & 15];
        return p;
}

void witness_serial_format(const uint8_t rec[WITNESS_RECORD_SIZE],
                           char out[WITNESS_SERIAL_LINE_MAX])
{
        char *p = out;

        *p++ = 'W';
        *p++ = '1';
        *p++ = ' ';
        p = hex_out(p, rec, WITNESS_RECORD_SIZE);
        *p = '\0';
}

void witness_serial_format_head(uint64_t seq, const uint8_t head[WITNESS_HEAD_SIZE],
                                char out[WITNESS_SERIAL_HEAD_MAX])
{
        char *p = out;

        memcpy(p, "W1H ", 4);
        p = hex_be(p + 4, seq, 16);
        *p++ = ' ';
        p = hex_out(p, head, WITNESS_HEAD_SIZE);
        *p = '\0';
}

void witness_serial_format_pub(const struct witness_seal_info *s, char out[WITNESS_SERIAL_PUB_MAX])
{
        char *p = out;

        memcpy(p, "W1S ", 4);
        p = hex_be(p + 4, s->seq, 16);
        *p++ = ' ';
        p = hex_out(p, s->head, WITNESS_HEAD_SIZE);
        *p++ = ' ';
        p = hex_be(p, s->boot, 8);
        *p++ = ' ';
        p = hex_be(p, s->time_ns, 16);
        *p++ = ' ';
        *p++ = s->dev ? 'd' : 'k';
        *p = '\0';
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static bool is_alnum(char c)
{
        return hexval(c) >= 0 || (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z');
}

/* Exactly n bytes of hex at p (2n digits) not followed by another hex digit. */
static bool hex_in(const char *p, const char *end, uint8_t *out, size_t n)
{
        if ((size_t)(end - p) < 2 * n)
                return false;
        for (size_t i = 0; i < n; i++) {
                int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);

                if (hi < 0 || lo < 0)
                        return false;
                out[i] = (uint8_t)(hi << 4 | lo);
        }
        return p + 2 * n == end || hexval(p[2 * n]) < 0;
}

void witness_serial_scan(const char *text, size_t len,
                         void (*cb)(void *ctx, enum witness_serial_item item, uint64_t seq,
                                    const uint8_t rec[WITNESS_RECORD_SIZE], size_t offset),
                         void *ctx)
{
        const char *end = text + len;
        uint8_t rec[WITNESS_RECORD_SIZE];

        if (text == NULL || cb == NULL)
                return;
        for (const char *p = text; end - p >= 3; p++) {
                size_t off = (size_t)(p - text);

                if (p[0] != 'W' || p[1] != '1' || (p > text && is_alnum(p[-1])))
                        continue;
                if (p[2] == ' ') {
                        memset(rec, 0, sizeof(rec));
                        if (hex_in(p + 3, end, rec, WITNESS_RECORD_SIZE)) {
                                cb(ctx, WITNESS_SER_RECORD, 0, rec, off);
                                p += 2 + 2 * WITNESS_RECORD_SIZE;
                        } else {
                                cb(ctx, WITNESS_SER_MALFORMED, 0, NULL, off);
                        }
                } else if (p[2] == 'S' && end - p >= 4 && p[3] == ' ') {
                        /* W1S seq(16) head(64) boot(8) time(16) k|d */
                        uint8_t sq[8], bt[4], tm[8];
                        const char *q = p + 4;

                        memset(rec, 0, sizeof(rec));
                        if (end - q >= 16 + 1 + 64 + 1 + 8 + 1 + 16 + 2 &&
                            hex_in(q, q + 16, sq, 8) && q[16] == ' ' &&
                            hex_in(q + 17, q + 81, rec, WITNESS_HEAD_SIZE) && q[81] == ' ' &&
                            hex_in(q + 82, q + 90, bt, 4) && q[90] == ' ' &&
                            hex_in(q + 91, q + 107, tm, 8) && q[107] == ' ' &&
                            (q[108] == 'k' || q[108] == 'd') &&
                            (q + 109 == end || !is_alnum(q[109]))) {
                                uint64_t seq = 0;

                                for (int i = 0; i < 8; i++)
                                        seq = seq << 8 | sq[i];
                                for (int i = 0; i < 4; i++)
                                        rec[32 + i] = bt[3 - i]; /* little-endian boot */
                                for (int i = 0; i < 8; i++)
                                        rec[36 + i] = tm[7 - i];
                                rec[44] = (uint8_t)q[108];
                                cb(ctx, WITNESS_SER_PUB, seq, rec, off);
                                p = q + 108;
                        } else {
                                cb(ctx, WITNESS_SER_MALFORMED, 0, NULL, off);
                        }
                } else if (p[2] == 'H' && end - p >= 4 && p[3] == ' ') {
                        uint8_t s[8];

                        memset(rec, 0, sizeof(rec));
                        if (end - p >= 4 + 16 + 1 && hex_in(p + 4, p + 20, s, 8) && p[20] == ' ' &&
                            hex_in(p + 21, end, rec, WITNESS_HEAD_SIZE)) {
                                uint64_t seq = 0;

                                for (int i = 0; i < 8; i++)
                                        seq = seq << 8 | s[i];
                                cb(ctx, WITNESS_SER_HEAD, seq, rec, off);
                                p += 20 + 2 * WITNESS_HEAD_SIZE;
                        } else {
                                cb(ctx, WITNESS_SER_MALFORMED, 0, NULL, off);
                        }
                }
        }
}
