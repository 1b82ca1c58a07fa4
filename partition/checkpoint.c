/*
 * partition/checkpoint.c: whole-partition checkpoints in RAM (see checkpoint.h). A
 * checkpoint is one contiguous run of pages from RVM's allocator:
 *
 *   [ struct ckpt_image: vCPUs, devices, edge counts ][ 2 ring pages per edge ][ guest RAM ]
 *
 * and the SHA-256 of the whole run, kept beside it (and witnessed), is checked before a
 * restore writes anything back.
 */
#include "partition/checkpoint.h"

#include <string.h>

#include "memory/memory.h"
#include "partition/edge.h"
#include "partition/share.h"
#include "partition/vdev.h"
#include "witness/witness.h"

#define PAGE 4096ULL

struct ckpt_vcpu {
        struct arch_regs regs; /* the frame it is entered with */
        struct arch_el1_ctx el1;
        struct arch_fp fp;
        struct arch_vgic vgic;
        uint64_t virq_pending, doorbell_pending, doorbell_queued, virq_masked;
        uint64_t wfi_until;
        uint64_t reset_entry, reset_arg; /* a reset not yet applied (reset_pending) */
        uint32_t state;                  /* enum vcpu_state */
        bool wfi, reset_pending;
};

struct ckpt_image {
        uint32_t nr_vcpus, edges, vdevs;
        struct ckpt_vcpu vcpu[PART_MAX_VCPUS];
        struct vdev_state vdev;
        uint32_t edge_id[EDGE_MAX];
        struct edge_state edge[EDGE_MAX];
};

#define HDR_PAGES ((sizeof(struct ckpt_image) + PAGE - 1) / PAGE)

struct ckpt_slot {
        pa_t pa; /* 0: none */
        uint64_t pages;
        struct ckpt_info info;
};

static struct ckpt_env env;
static struct ckpt_slot slots[PART_MAX + 1];
static uint64_t pages_used;
/* Frames a restore hands to vCPUs that are entered later (vcpu.restore_regs points here, so
 * the checkpoint itself may be replaced meanwhile). */
static struct arch_regs restore_frames[PART_MAX + 1][PART_MAX_VCPUS];

void ckpt_init(const struct ckpt_env *e)
{
        env = *e;
        memset(slots, 0, sizeof(slots));
        pages_used = 0;
}

static void witness_ckpt(uint16_t kind, bool denied, uint32_t actor, const struct partition *p,
                         uint64_t cap, uint64_t payload)
{
        witness_emit(&(struct witness_event){
            .kind = kind,
            .flags = denied ? WITNESS_F_DENIED : 0,
            .actor = actor,
            .target = p->id,
            .cap = cap,
            .payload = payload,
        });
}

/* The edges p is an end of, in id order. */
static uint32_t edges_of(const struct partition *p, uint32_t ids[EDGE_MAX])
{
        uint32_t n = 0;

        for (uint32_t id = 0; id < edge_count(); id++) {
                const struct edge *e = edge_get(id);
                if (e->end[0] == p->id || e->end[1] == p->id) {
                        ids[n++] = id;
                }
        }
        return n;
}

static bool any_vcpu_live(const struct partition *p)
{
        for (unsigned i = 0; i < p->nr_vcpus; i++) {
                if (__atomic_load_n(&p->vcpus[i].cpu, __ATOMIC_ACQUIRE) >= 0) {
                        return true;
                }
        }
        return false;
}

/* Refusal codes in a denied record's payload. */
static enum part_err refuse(uint16_t kind, enum part_err e, uint32_t actor,
                            const struct partition *p, enum ckpt_op op)
{
        witness_ckpt(kind, true, actor, p, 0, (uint64_t)e | (uint64_t)op << 32);
        return e;
}

static void save_vcpu(struct ckpt_vcpu *c, const struct vcpu *v)
{
        c->regs = v->restore_regs != NULL ? *v->restore_regs : v->regs;
        c->el1 = v->el1;
        c->fp = v->fp;
        c->vgic = v->vgic;
        c->virq_pending = __atomic_load_n(&v->virq_pending, __ATOMIC_RELAXED);
        c->doorbell_pending = __atomic_load_n(&v->doorbell_pending, __ATOMIC_RELAXED);
        c->doorbell_queued = __atomic_load_n(&v->doorbell_queued, __ATOMIC_RELAXED);
        c->virq_masked = __atomic_load_n(&v->virq_masked, __ATOMIC_RELAXED);
        c->wfi = v->wfi;
        c->wfi_until = v->wfi_until;
        c->reset_pending = v->reset_pending && v->restore_regs == NULL;
        c->reset_entry = v->reset_entry;
        c->reset_arg = v->reset_arg;
        c->state = (uint32_t)v->state;
}

enum part_err ckpt_save(struct partition *p, uint32_t actor, uint64_t now_ns)
{
        const uint16_t kind = WK_MEM_CHECKPOINT;

        if (p->cfg->kind != PART_KIND_GUEST || p->reloading || any_vcpu_live(p) ||
            (p->state != PART_RUNNING && p->state != PART_SUSPENDED)) {
                return refuse(kind, PART_E_STATE, actor, p, CKPT_OP_SAVE);
        }
        if (share_in_transaction(p)) {
                return refuse(kind, PART_E_BUSY, actor, p, CKPT_OP_SAVE);
        }
        uint32_t ids[EDGE_MAX];
        uint32_t edges = edges_of(p, ids);
        uint64_t pages = HDR_PAGES + 2ULL * edges + p->mem_size / PAGE;
        struct ckpt_slot *s = &slots[p->id];
        if (pages_used - s->pages + pages > CKPT_LIMIT_PAGES) {
                return refuse(kind, PART_E_NOMEM, actor, p, CKPT_OP_SAVE);
        }
        pa_t pa = env.alloc(env.ctx, pages);
        if (pa_addr(pa) == 0) {
                return refuse(kind, PART_E_NOMEM, actor, p, CKPT_OP_SAVE);
        }

        uint8_t *base = mem_ptr(pa);
        struct ckpt_image *img = (struct ckpt_image *)base;
        memset(base, 0, HDR_PAGES * PAGE); /* padding too: the hash covers every byte */
        img->nr_vcpus = p->nr_vcpus;
        for (unsigned i = 0; i < p->nr_vcpus; i++) {
                save_vcpu(&img->vcpu[i], &p->vcpus[i]);
        }
        img->vdevs = vdev_state_save(p, &img->vdev);
        img->edges = edges;
        uint8_t(*rings)[2][4096] = (uint8_t(*)[2][4096])(base + HDR_PAGES * PAGE);
        for (uint32_t i = 0; i < edges; i++) {
                img->edge_id[i] = ids[i];
                edge_state_save(ids[i], &img->edge[i], rings[i]);
        }
        uint8_t *ram = base + (HDR_PAGES + 2ULL * edges) * PAGE;
        for (uint64_t off = 0; off < p->mem_size; off += PAGE) {
                memcpy(ram + off, mem_ptr(part_ram_frame(p, off)), PAGE);
        }

        if (pa_addr(s->pa) != 0) {
                env.free(env.ctx, s->pa, s->pages);
                pages_used -= s->pages;
        }
        s->pa = pa;
        s->pages = pages;
        pages_used += pages;
        s->info = (struct ckpt_info){
            .valid = true,
            .pages = pages,
            .ram_bytes = p->mem_size,
            .vcpus = p->nr_vcpus,
            .vdevs = img->vdevs,
            .edges = edges,
            .saved_ns = now_ns,
        };
        witness_sha256(base, pages * PAGE, NULL, 0, s->info.hash);
        uint64_t h = 0;
        memcpy(&h, s->info.hash, sizeof(h));
        witness_ckpt(kind, false, actor, p, h, pages | (uint64_t)CKPT_OP_SAVE << 32);
        return PART_OK;
}

static void restore_vcpu(struct partition *p, unsigned i, const struct ckpt_vcpu *c)
{
        struct vcpu *v = &p->vcpus[i];

        v->el1 = c->el1;
        v->fp = c->fp;
        v->vgic = c->vgic;
        __atomic_store_n(&v->virq_pending, c->virq_pending, __ATOMIC_RELAXED);
        __atomic_store_n(&v->doorbell_pending, c->doorbell_pending, __ATOMIC_RELAXED);
        __atomic_store_n(&v->doorbell_queued, c->doorbell_queued, __ATOMIC_RELAXED);
        __atomic_store_n(&v->virq_masked, c->virq_masked, __ATOMIC_RELAXED);
        v->wfi = c->wfi;
        v->wfi_until = c->wfi_until;
        /* The frame is written when the vCPU is next loaded: a CPU still running the old
         * context may trap into it until then (as with a reset). */
        v->reset_entry = c->reset_entry;
        v->reset_arg = c->reset_arg;
        v->reset_pending = true;
        if (c->reset_pending) {
                v->restore_regs = NULL;
        } else {
                restore_frames[p->id][i] = c->regs;
                v->restore_regs = &restore_frames[p->id][i];
        }
        enum vcpu_state st = (enum vcpu_state)c->state;
        v->state = st == VCPU_OFF ? VCPU_OFF : VCPU_RUNNABLE; /* blocked: woken spuriously */
        __atomic_add_fetch(&v->ctx_gen, 1, __ATOMIC_RELEASE);
}

enum part_err ckpt_restore(struct partition *p, uint32_t actor, enum ckpt_op op)
{
        const uint16_t kind = op == CKPT_OP_RECONSTRUCT ? WK_REC_RECONSTRUCT : WK_MEM_CHECKPOINT;
        struct ckpt_slot *s = p->id <= PART_MAX ? &slots[p->id] : NULL;

        if (s == NULL || pa_addr(s->pa) == 0) {
                return refuse(kind, PART_E_NOT_FOUND, actor, p, op);
        }
        /* The operator's restore writes vCPU state: none may be on a CPU (F2's rebuild runs
         * where the failed partition's vCPUs have already been put away). */
        if (p->state == PART_DESTROYED || p->reloading || p->cfg->kind != PART_KIND_GUEST ||
            (op == CKPT_OP_RESTORE && any_vcpu_live(p))) {
                return refuse(kind, PART_E_STATE, actor, p, op);
        }
        if (share_in_transaction(p)) {
                return refuse(kind, PART_E_BUSY, actor, p, op);
        }
        uint8_t *base = mem_ptr(s->pa);
        uint8_t hash[32];
        witness_sha256(base, s->pages * PAGE, NULL, 0, hash);
        if (memcmp(hash, s->info.hash, sizeof(hash)) != 0) {
                return refuse(kind, PART_E_INVALID, actor, p, op);
        }
        const struct ckpt_image *img = (const struct ckpt_image *)base;
        const uint8_t(*rings)[2][4096] = (const uint8_t(*)[2][4096])(base + HDR_PAGES * PAGE);

        const uint8_t *ram = base + (HDR_PAGES + 2ULL * img->edges) * PAGE;
        for (uint64_t off = 0; off < p->mem_size; off += PAGE) {
                uint8_t *page = mem_ptr(part_ram_frame(p, off));
                memcpy(page, ram + off, PAGE);
                arch_icache_sync_range(page, PAGE);
        }
        arch_icache_sync_finish();
        for (unsigned i = 0; i < p->nr_vcpus && i < img->nr_vcpus; i++) {
                restore_vcpu(p, i, &img->vcpu[i]);
        }
        vdev_state_restore(p, &img->vdev);
        for (uint32_t i = 0; i < img->edges; i++) {
                edge_state_restore(img->edge_id[i], p->id, &img->edge[i], rings[i]);
        }
        uint32_t count = op == CKPT_OP_RECONSTRUCT ? ++s->info.reconstructs : ++s->info.restores;
        uint64_t h = 0;
        memcpy(&h, s->info.hash, sizeof(h));
        witness_ckpt(kind, false, actor, p, h, count | (uint64_t)op << 32);
        return PART_OK;
}

enum part_err ckpt_scrub(struct partition *p, uint32_t actor, ipa_t ipa, uint64_t pages,
                         uint64_t *rolled)
{
        const uint16_t kind = WK_REC_ROLLBACK;
        struct ckpt_slot *s = p->id <= PART_MAX ? &slots[p->id] : NULL;

        *rolled = 0;
        if (s == NULL || pa_addr(s->pa) == 0) {
                return refuse(kind, PART_E_NOT_FOUND, actor, p, CKPT_OP_SCRUB);
        }
        if (any_vcpu_live(p)) {
                return refuse(kind, PART_E_STATE, actor, p, CKPT_OP_SCRUB);
        }
        uint64_t at = ipa_addr(ipa), off0 = at - PART_IPA_BASE;
        if (at < PART_IPA_BASE || at % PAGE != 0 || pages == 0 || off0 > p->mem_size ||
            pages > (p->mem_size - off0) / PAGE || s->info.ram_bytes != p->mem_size) {
                return refuse(kind, PART_E_RANGE, actor, p, CKPT_OP_SCRUB);
        }
        uint8_t *base = mem_ptr(s->pa);
        uint8_t hash[32];
        witness_sha256(base, s->pages * PAGE, NULL, 0, hash);
        if (memcmp(hash, s->info.hash, sizeof(hash)) != 0) {
                return refuse(kind, PART_E_INVALID, actor, p, CKPT_OP_SCRUB);
        }
        const struct ckpt_image *img = (const struct ckpt_image *)base;
        const uint8_t *ram = base + (HDR_PAGES + 2ULL * img->edges) * PAGE;
        for (uint64_t off = off0; off < off0 + pages * PAGE; off += PAGE) {
                uint8_t *now = mem_ptr(part_ram_frame(p, off));
                if (memcmp(now, ram + off, PAGE) != 0) {
                        memcpy(now, ram + off, PAGE);
                        arch_icache_sync_range(now, PAGE);
                        (*rolled)++;
                }
        }
        if (*rolled != 0) {
                arch_icache_sync_finish();
        }
        if (*rolled != 0) {
                witness_ckpt(kind, false, actor, p, at, *rolled | pages << 32);
        }
        return PART_OK;
}

struct ckpt_info ckpt_get(uint32_t part_id)
{
        return part_id <= PART_MAX ? slots[part_id].info : (struct ckpt_info){0};
}

bool ckpt_can_reconstruct(uint32_t part_id)
{
        return part_id <= PART_MAX && slots[part_id].info.valid &&
               slots[part_id].info.reconstructs < CKPT_MAX_RECONSTRUCTS;
}

const uint8_t *ckpt_ram_image(uint32_t part_id, uint64_t *bytes)
{
        const struct ckpt_slot *s = part_id <= PART_MAX ? &slots[part_id] : NULL;

        if (s == NULL || pa_addr(s->pa) == 0) {
                return NULL;
        }
        const uint8_t *base = mem_ptr(s->pa);
        const struct ckpt_image *img = (const struct ckpt_image *)base;
        *bytes = s->info.ram_bytes;
        return base + (HDR_PAGES + 2ULL * img->edges) * PAGE;
}

uint64_t ckpt_pages_used(void)
{
        return pages_used;
}

void ckpt_drop(uint32_t part_id)
{
        if (part_id > PART_MAX || pa_addr(slots[part_id].pa) == 0) {
                return;
        }
        env.free(env.ctx, slots[part_id].pa, slots[part_id].pages);
        pages_used -= slots[part_id].pages;
        memset(&slots[part_id], 0, sizeof(slots[part_id]));
}
