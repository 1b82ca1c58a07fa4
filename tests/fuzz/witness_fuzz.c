/*
 * tests/fuzz/witness_fuzz.c — libFuzzer target over everything tools/witness parses: the
 * input is auto-detected (flash store image, raw dump, serial capture) and run through
 * every command (verify with and without a key, show with filters, replay, graph, stats,
 * export).
 * The first byte picks a starting shape so the fuzzer reaches each format quickly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/witness/witness_tool.h"
#include "witness/internal.h"

static FILE *sink;

static void run(const uint8_t *d, size_t n, int argc, char **argv)
{
        (void)witness_tool_run_buffer(argc, argv, d, n, sink, sink);
}

/* Geometry: 256-byte blocks, 16 of them; log area = blocks 3..15 (52 slots). */
static uint8_t *build_image(const uint8_t *d, size_t n, size_t *out_len)
{
        const size_t bs = 256, size = bs * 16;
        uint8_t *img = malloc(size), head[WITNESS_HEAD_SIZE], before[WITNESS_HEAD_SIZE];
        size_t slot = 0, anchor_slot = 0, i = 0;
        uint64_t seq = 0;
        struct witness_keys ks; /* seals of boot 1 under the development root, in order */
        uint32_t seals = 0, anchor_index = 0;

        witness_keys_seek(&ks, witness_dev_key, 32, 1, 0);

        if (img == NULL)
                return NULL;
        memset(img, 0xFF, size);
        memset(img, 0, 64);
        img[8] = 1;
        img[13] = 1;    /* block size 256 */
        img[17] = 0x10; /* size 4096 */
        witness_ws_slot_make(img, witness_ws_magic_super);
        witness_genesis(head);
        memcpy(before, head, sizeof(before));
        while (i < n && slot < 52) {
                uint8_t op = d[i++], *p = img + 3 * bs + slot * 64;
                struct witness_record r = {.seq = seq};

                switch (op % 7) {
                case 0: /* a valid next record (a seal when the next byte says so) */
                case 1:
                        r.kind = (i < n && (d[i] & 1)) ? WK_WIT_SEAL : (uint16_t)(0x0100 | op);
                        r.target = i < n ? d[i++] : 0;
                        r.boot = r.kind == WK_WIT_SEAL ? 1 : 1 + (op >> 6);
                        if (r.kind == WK_WIT_SEAL) {
                                r.actor = seals;
                                r.flags = WITNESS_F_DEV;
                        }
                        witness_record_encode(&r, p);
                        if (r.kind == WK_WIT_SEAL) {
                                uint8_t mac[WITNESS_MAC_SIZE];

                                memcpy(before, head, sizeof(before));
                                if (witness_keys_at(&ks, witness_dev_key, 32, 1, seals) == 0 &&
                                    witness_seal_mac(ks.key, 32, head, p, mac) == 0)
                                        memcpy(p + 16, mac, sizeof(mac));
                                anchor_slot = slot;
                                anchor_index = seals++;
                        }
                        witness_chain_step(head, p);
                        seq++;
                        slot++;
                        break;
                case 2:
                        witness_ws_batch_make(p, seq + (op >> 5), 1 + (op >> 3), 1, head);
                        slot++;
                        break;
                case 3: { /* an anchor (or rotation entry) for the last seal, or a wrong one */
                        struct witness_ws_anchor an = {0};
                        struct witness_keys k2;

                        an.rot = (op >> 6) == 3;
                        an.seal_seq = seq ? seq - 1 - ((op >> 5) & 1) : 0;
                        an.slot = (uint32_t)anchor_slot;
                        an.boot = 1;
                        an.index = anchor_index;
                        an.flags = WITNESS_F_DEV;
                        memcpy(an.head, before, WITNESS_HEAD_SIZE);
                        if (witness_keys_seek(&k2, witness_dev_key, 32, 1, anchor_index) == 0)
                                witness_ws_anchor_mac(&an, k2.key, an.mac);
                        witness_ws_anchor_encode(&an, img + bs + (op >> 4) % 4 * WS_ANCHOR_SIZE);
                        break;
                }
                case 4: /* raw bytes */
                        for (int k = 0; k < 64 && i < n; k++)
                                p[k] = d[i++];
                        slot++;
                        break;
                case 5:
                        memset(p, 0, 64);
                        slot++;
                        break;
                default: /* flip a bit somewhere already written */
                        if (i < n && slot > 0) {
                                img[3 * bs + (d[i] % slot) * 64 + (op >> 1) % 64] ^= 1u << (op & 7);
                                i++;
                        }
                        break;
                }
        }
        *out_len = size - (n > 0 && d[n - 1] == 0x5A ? 100 : 0); /* sometimes cut */
        return img;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static char *verify[] = {"witness", "verify", "fuzz"};
        static char *nokey[] = {"witness", "verify", "fuzz", "--no-key"};
        static char *show[] = {"witness", "show", "fuzz", "--kind", "CAP", "--from", "1"};
        static char *replay[] = {"witness", "replay", "fuzz", "--at", "100"};
        static char *graph[] = {"witness", "graph", "fuzz"};
        static char *stats[] = {"witness", "stats", "fuzz"};
        static char *json[] = {"witness", "export", "fuzz", "--json"};
        uint8_t *buf;
        size_t n = size;

        if (sink == NULL)
                sink = fopen("/dev/null", "w");
        if (size == 0)
                return 0;
        /* Shape 0: as is. Shape 1: a flash image built from the input as a program, so
         * valid superblock, chains, batch headers and anchors (which carry hashes the
         * fuzzer cannot guess) are reached. Shape 2: behind a "W1 " frame start. */
        if (data[0] % 3 == 1) {
                buf = build_image(data + 1, size - 1, &n);
                if (buf == NULL)
                        return 0;
        } else if ((buf = malloc(size + 3)) == NULL) {
                return 0;
        } else if (data[0] % 3 == 2) {
                memcpy(buf, "W1 ", 3);
                memcpy(buf + 3, data + 1, size - 1);
                n = size + 2;
        } else {
                memcpy(buf, data, size);
        }
        run(buf, n, 3, verify);
        run(buf, n, 4, nokey);
        run(buf, n, 7, show);
        run(buf, n, 5, replay);
        run(buf, n, 3, graph);
        run(buf, n, 3, stats);
        run(buf, n, 4, json);
        free(buf);
        return 0;
}
