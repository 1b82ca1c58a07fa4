/*
 * Instance snapshots for hibernate/reconstruct: the full execution state of an instance (its own
 * linear memory, globals and table, the value stack, the frames and the pc of a yielded call)
 * written to a flat little-endian buffer and read back into a fresh instance of the same module.
 * Pointers are stored as function indices and code/stack offsets, so a snapshot restores into an
 * instance at any address. Imported memories, tables and globals belong to their exporter and are
 * not part of the snapshot.
 *
 * Layout: header (struct snap_hdr), then own globals (u64 each), own table entries (u32 function
 * index + 1, 0 = empty), frames (u32 function index + 1, u32 pc offset, u32 fp offset; all-ones
 * for the entry frame), value stack (u64 each), own memory (pages x 64 KiB).
 * Restore checks structure (sizes, indices, instruction boundaries) but trusts the stack contents:
 * the kernel keeps checkpoints integrity-protected.
 */
#include <string.h>

#include "wasm/internal.h"

#define NONE 0xFFFFFFFFu

struct snap_hdr {
        char magic[8];
        uint64_t module_hash;
        int64_t fuel;
        uint32_t state, trap, nresults, mem_pages;
        uint32_t nglobals, table_size, nframes, stack_used;
        uint32_t fp_off, cur_func, pc_off, entry_func;
};

static const char magic[8] = {'R', 'V', 'M', 'W', 'S', 'N', 'P', '1'};

struct cursor {
        uint8_t *buf;
        const uint8_t *in;
        size_t cap, off;
};

static void put(struct cursor *c, const void *src, size_t n)
{
        if (c->off <= c->cap && n <= c->cap - c->off) {
                memcpy(c->buf + c->off, src, n);
        }
        c->off += n;
}

static bool get(struct cursor *c, void *dst, size_t n)
{
        if (c->off > c->cap || n > c->cap - c->off) {
                return false;
        }
        memcpy(dst, c->in + c->off, n);
        c->off += n;
        return true;
}

static uint32_t func_ref(const struct wasm_instance *inst, const struct wasm_func *f)
{
        if (f == NULL) {
                return 0;
        }
        if (f->inst == inst) {
                return f->index + 1;
        }
        for (uint32_t i = 0; i < inst->module->nfuncs; i++) {
                if (inst->funcs[i] == f) {
                        return i + 1;
                }
        }
        return NONE;
}

/* Words of the internal instruction at code[pos] (0 if it is not a valid opcode). */
static uint32_t insn_len(const uint32_t *code, uint32_t pos, uint32_t ncode)
{
        uint32_t op = code[pos];
        if (op >= 0x45 && op <= 0xBF) {
                return 1;
        }
        if ((op >= 0x28 && op <= 0x3E) || (op >= IOP_FUSE_K && op < IOP_FUSE_K + WASM_NFUSABLE) ||
            (op >= IOP_FUSE_L && op < IOP_FUSE_L + WASM_NFUSABLE)) {
                return 2;
        }
        if ((op >= IOP_FUSE_LK && op < IOP_FUSE_LK + WASM_NFUSABLE) ||
            (op >= IOP_FUSE_LL && op < IOP_FUSE_LL + WASM_NFUSABLE) ||
            (op >= IOP_FUSE_TK && op < IOP_FUSE_TK + WASM_NARITH)) {
                return 3;
        }
        if (op >= IOP_FUSE_KS && op < IOP_FUSE_LLT + 16 && (op & 0xF) < WASM_NARITH) {
                /* S/T forms: the K/L or LK/LL immediates, then the destination */
                uint32_t form = (op - IOP_FUSE_KS) >> 4; /* KS LS LKS LLS KT LT LKT LLT */
                return (form & 3) < 2 ? 3 : 4;
        }
        if ((op >= IOP_FUSE_LKA && op < IOP_FUSE_LKA + WASM_NARITH) ||
            (op >= IOP_FUSE_GLK && op < IOP_FUSE_GLK + WASM_NARITH)) {
                return 4;
        }
        if (op >= IOP_BRC_SS && op < IOP_BRCB_SS + 10) {
                return 2;
        }
        if ((op >= IOP_BRC_K && op < IOP_BRC_K + 10) || (op >= IOP_BRC_L && op < IOP_BRC_L + 10) ||
            (op >= IOP_BRCB_K && op < IOP_BRCB_K + 10) ||
            (op >= IOP_BRCB_L && op < IOP_BRCB_L + 10)) {
                return 3;
        }
        if ((op >= IOP_BRC_LK && op < IOP_BRC_LK + 10) ||
            (op >= IOP_BRC_LL && op < IOP_BRC_LL + 10) ||
            (op >= IOP_BRCB_LK && op < IOP_BRCB_LK + 10) ||
            (op >= IOP_BRCB_LL && op < IOP_BRCB_LL + 10)) {
                return 4;
        }
        switch (op) {
        case IOP_SELECT_KAND:
                return 2;
        case IOP_STORE32_KADD:
        case IOP_MUL_LS_ADD:
                return 3;
        case IOP_LKT_AND_BEQ:
                return 6;
        case IOP_UNREACHABLE:
        case IOP_DROP:
        case IOP_SELECT:
        case IOP_MEM_SIZE:
        case IOP_MEM_GROW:
                return 1;
        case IOP_BR_UNWIND:
        case IOP_BR_IF_UNWIND:
                return 4;
        case IOP_CONST64:
        case IOP_LOCAL_GET2:
        case IOP_LOAD32_K:
        case IOP_LOAD32_L:
        case IOP_COPY:
        case IOP_SET_K:
        case IOP_LOAD8S_L:
        case IOP_LOAD8U_L:
        case IOP_LOAD16S_L:
        case IOP_LOAD16U_L:
        case IOP_BR_IF_BACK_L:
        case IOP_BR_IF_BACK_T:
        case IOP_BR_IF_NOT_T:
        case IOP_LOAD32_S:
        case IOP_COPY_T:
                return 3;
        case IOP_LOAD32_LK:
        case IOP_STORE32_LL:
        case IOP_LOAD32_LS:
        case IOP_LOAD32_LT:
        case IOP_LOAD32_CT:
        case IOP_LOAD8S_PL:
        case IOP_LOAD8U_PL:
        case IOP_LOAD16S_PL:
        case IOP_LOAD16U_PL:
                return 4;
        case IOP_LOAD32_CTS:
        case IOP_SETK_COPY:
        case IOP_LOAD32_LTB:
        case IOP_LOAD16U_L2:
        case IOP_LOAD16U_MUL:
        case IOP_COPY_BBL:
        case IOP_LOAD8U_BNT:
        case IOP_LKT_ADD_BB:
                return 5;
        case IOP_LKS_ADD2:
                return 7;
        case IOP_BR_TABLE:
                return pos + 1 < ncode ? 3 + 2 * (code[pos + 1] + 1) : 0;
        case IOP_BR_TABLE_L:
                return pos + 2 < ncode ? 4 + 2 * (code[pos + 2] + 1) : 0;
        case IOP_FUEL:
        case IOP_BR:
        case IOP_BR_IF:
        case IOP_BR_IF_NOT:
        case IOP_BR_BACK:
        case IOP_BR_IF_BACK:
        case IOP_IF_NOT:
        case IOP_RETURN:
        case IOP_CALL:
        case IOP_CALL_LOCAL:
        case IOP_CALL_INDIRECT:
        case IOP_LOCAL_GET:
        case IOP_LOCAL_SET:
        case IOP_LOCAL_TEE:
        case IOP_GLOBAL_GET:
        case IOP_GLOBAL_SET:
        case IOP_CONST32:
                return 2;
        default:
                return 0;
        }
}

static bool at_boundary(const struct wasm_code *code, uint32_t off)
{
        uint32_t pos = 0;
        while (pos < off) {
                uint32_t n = insn_len(code->code, pos, code->ncode);
                if (n == 0) {
                        return false;
                }
                pos += n;
        }
        return pos == off && off < code->ncode;
}

enum wasm_err wasm_snapshot_save(const struct wasm_instance *inst, uint8_t *buf, size_t cap,
                                 size_t *len)
{
        const struct wasm_module *m = inst->module;
        struct snap_hdr h;
        memset(&h, 0, sizeof(h));
        memcpy(h.magic, magic, 8);
        h.module_hash = m->hash;
        h.fuel = inst->fuel;
        h.state = inst->state;
        h.trap = inst->trap;
        h.nresults = inst->nresults;
        h.mem_pages = inst->mem == &inst->own_mem ? inst->own_mem.pages : NONE;
        h.nglobals = m->nglobals - m->nglobal_imports;
        h.table_size = inst->table == &inst->own_table ? inst->own_table.size : NONE;
        h.nframes = inst->nframes;
        h.fp_off = h.pc_off = h.cur_func = NONE;
        h.entry_func = func_ref(inst, inst->entry);
        if (inst->state == WASM_ST_IN_HOST) {
                return WASM_E_STATE; /* mid host call: save after it returns or yields */
        }
        switch (inst->state) {
        case WASM_ST_IDLE:
                h.stack_used = inst->nresults;
                h.nframes = 0;
                break;
        case WASM_ST_HOST_ENTRY:
                h.stack_used = inst->entry->type->nparams;
                h.nframes = 0;
                break;
        default:
                h.stack_used = (uint32_t)(inst->sp - inst->stack);
                h.fp_off = (uint32_t)(inst->fp - inst->stack);
                h.cur_func = func_ref(inst, inst->cur);
                h.pc_off = (uint32_t)(inst->pc - inst->cur->code->code);
                if (h.cur_func == NONE) {
                        return WASM_E_STATE; /* running code of another instance */
                }
                break;
        }
        if (h.entry_func == NONE) {
                return WASM_E_STATE;
        }
        struct cursor c = {buf, NULL, cap, 0};
        put(&c, &h, sizeof(h));
        for (uint32_t i = 0; i < h.nglobals; i++) {
                put(&c, &inst->own_globals[i].value, 8);
        }
        for (uint32_t i = 0; h.table_size != NONE && i < h.table_size; i++) {
                uint32_t r = func_ref(inst, inst->own_table.elems[i]);
                if (r == NONE) {
                        return WASM_E_STATE;
                }
                put(&c, &r, 4);
        }
        for (uint32_t i = 0; i < h.nframes; i++) {
                const struct wasm_frame *f = &inst->frames[i];
                uint32_t w[3] = {NONE, NONE, NONE};
                if (f->func != NULL) {
                        w[0] = func_ref(inst, f->func);
                        w[1] = (uint32_t)(f->pc - f->func->code->code);
                        w[2] = (uint32_t)(f->fp - inst->stack);
                        if (w[0] == NONE) {
                                return WASM_E_STATE;
                        }
                }
                put(&c, w, sizeof(w));
        }
        put(&c, inst->stack, (size_t)h.stack_used * 8);
        if (h.mem_pages != NONE) {
                put(&c, inst->own_mem.data, (size_t)h.mem_pages * WASM_PAGE_SIZE);
        }
        *len = c.off;
        return c.off <= cap ? WASM_OK : WASM_E_ARENA;
}

/* A wasm function of this instance by reference (index + 1), or NULL. */
static struct wasm_func *wasm_fn(struct wasm_instance *inst, uint32_t ref)
{
        if (ref == 0 || ref > inst->module->nfuncs) {
                return NULL;
        }
        struct wasm_func *f = inst->funcs[ref - 1];
        return f->host ? NULL : f;
}

enum wasm_err wasm_snapshot_restore(struct wasm_instance *inst, const uint8_t *buf, size_t len)
{
        const struct wasm_module *m = inst->module;
        struct cursor c = {NULL, buf, len, 0};
        struct snap_hdr h;
        if (inst->state != WASM_ST_IDLE && inst->state != WASM_ST_READY) {
                return WASM_E_STATE;
        }
        if (!get(&c, &h, sizeof(h)) || memcmp(h.magic, magic, 8) != 0 || h.module_hash != m->hash ||
            h.nglobals != m->nglobals - m->nglobal_imports ||
            h.table_size != (inst->table == &inst->own_table ? inst->own_table.size : NONE) ||
            (h.mem_pages == NONE) != (inst->mem != &inst->own_mem) ||
            (h.mem_pages != NONE && h.mem_pages > inst->own_mem.limit_pages) ||
            h.nframes > inst->max_frames || h.stack_used > inst->stack_end - inst->stack ||
            h.state > WASM_ST_RUNNING || h.trap > WASM_TRAP_HOST || h.nresults > 1) {
                return WASM_E_SNAPSHOT;
        }
        if (h.entry_func > m->nfuncs) {
                return WASM_E_SNAPSHOT;
        }
        struct wasm_func *entry = h.entry_func ? inst->funcs[h.entry_func - 1] : NULL;
        if (h.state != WASM_ST_IDLE && entry == NULL) {
                return WASM_E_SNAPSHOT;
        }
        struct wasm_func *cur = NULL;
        if (h.state == WASM_ST_READY || h.state == WASM_ST_RUNNING) {
                cur = wasm_fn(inst, h.cur_func);
                /* the frame must lie inside the stack, its locals below sp */
                if (cur == NULL || h.nframes == 0 || h.fp_off > h.stack_used ||
                    (size_t)h.fp_off + cur->code->frame_slots >
                        (size_t)(inst->stack_end - inst->stack) ||
                    h.stack_used < (size_t)h.fp_off + cur->code->nparams + cur->code->nlocals ||
                    h.stack_used > (size_t)h.fp_off + cur->code->frame_slots ||
                    !at_boundary(cur->code, h.pc_off)) {
                        return WASM_E_SNAPSHOT;
                }
        } else if (h.nframes != 0 ||
                   (h.state == WASM_ST_HOST_ENTRY &&
                    (entry->host == NULL || h.stack_used != entry->type->nparams)) ||
                   (h.state == WASM_ST_IDLE && h.stack_used != h.nresults)) {
                return WASM_E_SNAPSHOT;
        }
        /* Everything below writes the instance; check the remaining size first. */
        size_t need = (size_t)h.nglobals * 8 + (size_t)h.nframes * 12 + (size_t)h.stack_used * 8;
        if (h.table_size != NONE) {
                need += (size_t)h.table_size * 4;
        }
        if (h.mem_pages != NONE) {
                need += (size_t)h.mem_pages * WASM_PAGE_SIZE;
        }
        if (len - c.off != need) {
                return WASM_E_SNAPSHOT;
        }
        for (uint32_t i = 0; i < h.nglobals; i++) {
                get(&c, &inst->own_globals[i].value, 8);
        }
        for (uint32_t i = 0; h.table_size != NONE && i < h.table_size; i++) {
                uint32_t r = 0;
                get(&c, &r, 4);
                if (r > m->nfuncs) {
                        return WASM_E_SNAPSHOT;
                }
                inst->own_table.elems[i] = r ? inst->funcs[r - 1] : NULL;
        }
        for (uint32_t i = 0; i < h.nframes; i++) {
                uint32_t w[3] = {0, 0, 0};
                get(&c, w, sizeof(w));
                struct wasm_frame *f = &inst->frames[i];
                if (w[0] == NONE && i == 0) {
                        *f = (struct wasm_frame){NULL, NULL, NULL};
                        continue;
                }
                struct wasm_func *fn = wasm_fn(inst, w[0]);
                if (fn == NULL || i == 0 || w[2] > h.stack_used ||
                    (size_t)w[2] + fn->code->frame_slots >
                        (size_t)(inst->stack_end - inst->stack) ||
                    !at_boundary(fn->code, w[1])) {
                        return WASM_E_SNAPSHOT;
                }
                f->func = fn;
                f->pc = fn->code->code + w[1];
                f->fp = inst->stack + w[2];
        }
        get(&c, inst->stack, (size_t)h.stack_used * 8);
        if (h.mem_pages != NONE) {
                get(&c, inst->own_mem.data, (size_t)h.mem_pages * WASM_PAGE_SIZE);
                inst->own_mem.pages = h.mem_pages;
        }
        inst->fuel = h.fuel;
        inst->trap = (uint8_t)h.trap;
        inst->nresults = h.nresults;
        inst->entry = entry;
        inst->nframes = h.nframes;
        inst->sp = inst->stack + h.stack_used;
        inst->fp = cur ? inst->stack + h.fp_off : NULL;
        inst->cur = cur;
        inst->pc = cur ? cur->code->code + h.pc_off : NULL;
        inst->state = (uint8_t)h.state;
        return WASM_OK;
}
