/*
 * hal/wkey.c: the witness key hand-over (see wkey.h). On QEMU virt the "secure world" is
 * the host: `make run` and tests/run load build/witness.key (generated once per machine
 * by tools/witness keygen) into HAL_WKEY_PAGE with QEMU's generic loader. A board port
 * replaces this file: its secure world (TF-A, OP-TEE) derives the key from a hardware
 * unique key and places the same 64-byte blob in a page it reserves in the DTB.
 */
#include "hal/wkey.h"

#include <string.h>

void hal_witness_key_take(uint8_t blob[HAL_WKEY_BLOB])
{
        volatile uint8_t *page = (volatile uint8_t *)(uintptr_t)HAL_WKEY_PAGE;

        for (unsigned i = 0; i < HAL_WKEY_BLOB; i++) {
                blob[i] = page[i];
                page[i] = 0; /* nothing of it stays readable in RAM a partition may get */
        }
}

bool hal_witness_counter_read(uint64_t *v)
{
        (void)v;
        return false;
}

bool hal_witness_counter_advance(uint64_t v)
{
        (void)v;
        return false;
}
