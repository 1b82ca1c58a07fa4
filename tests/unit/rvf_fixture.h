/*
 * tests/unit/rvf_fixture.h: the keys, the parsed file, the sample RVF files and the byte
 * helpers the rvf_*_test.c files share (tests/unit/rvf_fixture.c).
 */
#ifndef RVM_TESTS_RVF_FIXTURE_H
#define RVM_TESTS_RVF_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/rvf.h"
#include "boot/rvf_verify.h"
#include "tools/rvf/rvf_tool.h"

/* Two key pairs, made by setup_keys (a group setup) with tools/rvf's keygen; files are
 * signed with the first. */
extern uint8_t pub[RVF_PUBKEY_SIZE], pub2[RVF_PUBKEY_SIZE];
int setup_keys(void **state);
/* The file a test parsed last: large, so not on the stack. */
extern struct rvf_file F;

/* The kernel image and WebAssembly module of build_good's file. */
extern const uint8_t kimage[100];
extern const uint8_t wasm_mod[8];

/* Our layout, the appliance's shape in small: kernel, module, profile, manifest, sig
 * (signed with image_version = version if sign). */
struct rvfw build_good(bool sign, uint64_t version);
/* seeds/001's layout: KERNEL (x86_64, gzip, cmdline_offset 128), WASM (combined, node),
 * META, PROFILE and WITNESS as JSON, MANIFEST last, packed without alignment, unsigned. */
struct rvfw build_seed_layout(void);
/* Parse d into F and verify it against pub: the whole chain RVM runs. */
enum rvf_err full(const uint8_t *d, size_t n, struct rvf_error *er);
/* Recompute every content hash (so a test reaches the check after them). */
void rehash(uint8_t *d, size_t n);
void put64(uint8_t *p, uint64_t v);
void put32(uint8_t *p, uint32_t v);

#endif
