/*
 * hal/wkey.h: what a board's secure world gives RVM for its witness log (docs/boards.md,
 * "The witness key and counter"): the root key, taken once at boot and wiped where it was
 * handed over, and an optional hardware monotonic counter (RPMB, OTP) that makes a
 * rollback of the whole store detectable on the device itself.
 */
#ifndef RVM_HAL_WKEY_H
#define RVM_HAL_WKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Physical page the key blob is handed over in (QEMU virt: `-device loader` puts
 * build/witness.key there; the last page below RVM's load address, inside the 2 MiB the
 * arm64 boot protocol leaves below the image, which RVM reserves nothing else in). */
#define HAL_WKEY_PAGE 0x401ff000ULL

#define HAL_WKEY_BLOB 64

/* Copy the 64-byte key blob handed over at HAL_WKEY_PAGE (docs/WITNESS.md §2 gives its
 * format; the caller checks it) into blob and wipe the hand-over page. */
void hal_witness_key_take(uint8_t blob[HAL_WKEY_BLOB]);

/* A hardware monotonic counter, if the board has one: read it, and advance it to at
 * least v (it never goes back). QEMU virt has none: both return false. */
bool hal_witness_counter_read(uint64_t *v);
bool hal_witness_counter_advance(uint64_t v);

#endif
