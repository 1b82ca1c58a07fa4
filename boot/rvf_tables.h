/*
 * boot/rvf_tables.h: from a verified RVF image to boot's tables (boot/rvf_tables.c), for
 * boot/rvf_boot.c only.
 */
#ifndef RVM_BOOT_RVF_TABLES_H
#define RVM_BOOT_RVF_TABLES_H

#include "boot/rvf.h"
#include "configs/partitions.h"

/* rvf_inflate_hash_fn: one LZ4 kernel image inflated into RAM of RVM's own and hashed
 * there; the copy is what its partition loads. */
int rvf_tables_inflate(uint8_t compression, const uint8_t *src, uint64_t src_len,
                       uint64_t image_size, uint8_t out[RVF_SHA256_SIZE]);
/* The image was refused after all: give the inflated copies back. */
void rvf_tables_release(void);
/* f's PROFILE segment (exactly one) as *out, each guest's image its KERNEL_SEG's (inflated
 * copy), each agent's module its WASM_SEG's; a refusal names the table, entry and field. */
enum rvf_err rvf_tables_build(const struct rvf_file *f, struct profile_tables *out,
                              struct rvf_error *er);

#endif
