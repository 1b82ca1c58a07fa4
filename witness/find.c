/*
 * witness/find.c — the store's records, newest first, read back from its end.
 *
 * RVM asks this once at boot, between attaching the store and starting the log, for facts an
 * earlier boot recorded that this one must honour (kernel/wlog.c: the image version the
 * machine last booted, for downgrade protection). It reads the log area backwards from the
 * write position to where history begins (the ring's start after a rotation), skipping batch
 * headers and tombstones, until the visitor has seen enough: a boot's facts are near its
 * start, so that is about one boot's worth of records.
 *
 * What it reads is what attach left: the records after the last anchor have just been
 * verified (chain links and seal), older ones are covered by that anchor's head and checked
 * by witness_store_verify (the monitor's `witness verify`, tools/witness). A store that did
 * not verify at attach is not read at all.
 */
#include <string.h>

#include "witness/internal.h"

enum witness_err witness_log_scan_back(const struct witness_log *log,
                                       bool (*visit)(void *ctx, const struct witness_record *r),
                                       void *ctx)
{
        const struct witness_flash *f = &log->flash;
        _Alignas(8) uint8_t b[WS_SLOT];

        if (log == NULL || visit == NULL)
                return WITNESS_E_INVAL;
        if (log->store_state != WITNESS_STORE_OK && log->store_state != WITNESS_STORE_FULL)
                return WITNESS_E_NOSTORE;
        if (log->log_slots == 0)
                return WITNESS_E_NOENT;
        /* Slots [base_slot, wslot) in ring order; wslot == log_slots when every slot holds
         * something and the log does not rotate. */
        uint64_t end = log->wslot >= log->log_slots ? log->log_slots : log->wslot;
        uint64_t count = (end + log->log_slots - log->base_slot) % log->log_slots;
        if (count == 0 && log->wslot >= log->log_slots)
                count = log->log_slots;
        for (uint64_t i = 1; i <= count; i++) {
                uint64_t slot = (end + log->log_slots - i) % log->log_slots;
                if (f->read(f->ctx, witness_ws_log_off(f) + slot * WS_SLOT, b, WS_SLOT) != 0)
                        return WITNESS_E_FLASH;
                if (witness_ws_is_fill(b, WS_SLOT, 0xFF) || witness_ws_is_fill(b, WS_SLOT, 0) ||
                    witness_ws_slot_check(b, witness_ws_magic_batch))
                        continue;
                struct witness_record r;
                witness_record_decode(b, &r);
                if (visit(ctx, &r))
                        return WITNESS_OK;
        }
        return WITNESS_E_NOENT;
}
