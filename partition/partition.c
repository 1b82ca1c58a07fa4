/*
 * partition/partition.c: partition objects: creation (RAM, stage-2 tables, image, vCPU,
 * capability table, root capabilities), the lifecycle state machine, restart, destroy,
 * and copying to and from guest memory through the partition's own stage-2 tables.
 */
#include "partition/partition.h"

#include <string.h>

#include "cap/cap.h"
#include "configs/features.h"
#include "kernel/fmt.h"
#include "memory/memory.h"
#include "partition/edge.h"
#include "partition/guest_dtb.h"
#include "partition/vmid.h"
#include "witness/witness.h"

#define PAGE 4096ULL

static struct partition parts[PART_MAX];
static unsigned part_used;
static struct part_env env;
static struct vmid_space vmids;

void part_init(const struct part_env *e)
{
        env = *e;
        memset(parts, 0, sizeof(parts));
        part_used = 0;
        vmid_space_init(&vmids, arch_vmid_bits() > 8 ? 8 : arch_vmid_bits());
}

pa_t part_alloc_page(void)
{
        return pa_init(env.alloc_page(env.alloc_ctx));
}

const char *part_state_name(enum part_state s)
{
        /* In the order of enum part_state, from PART_CREATED. */
        return fmt_name(
            "created\0running\0suspended\0stopped\0faulted\0migrating\0"
            "hibernated\0destroyed\0?\0",
            (unsigned)s);
}

/* The lifecycle of seeds/003, as a table: from -> allowed next states. */
bool part_transition_ok(enum part_state from, enum part_state to)
{
        static const uint8_t allowed[] = {
            [PART_CREATED] = 1u << PART_RUNNING | 1u << PART_DESTROYED,
            [PART_RUNNING] = 1u << PART_SUSPENDED | 1u << PART_STOPPED | 1u << PART_FAULTED |
                             1u << PART_MIGRATING | 1u << PART_HIBERNATED | 1u << PART_RUNNING,
            [PART_SUSPENDED] = 1u << PART_RUNNING | 1u << PART_HIBERNATED | 1u << PART_STOPPED |
                               1u << PART_DESTROYED,
            [PART_STOPPED] = 1u << PART_RUNNING | 1u << PART_DESTROYED,
            [PART_FAULTED] = 1u << PART_RUNNING | 1u << PART_STOPPED | 1u << PART_DESTROYED,
            [PART_MIGRATING] = 1u << PART_RUNNING | 1u << PART_FAULTED,
            [PART_HIBERNATED] = 1u << PART_RUNNING | 1u << PART_DESTROYED,
            [PART_DESTROYED] = 0,
        };

        if ((unsigned)from >= sizeof(allowed) || (unsigned)to > PART_DESTROYED) {
                return false;
        }
        return (allowed[from] >> to) & 1;
}

static void witness_state(struct partition *p, enum part_state old, enum part_state next,
                          uint32_t actor)
{
        witness_emit(&(struct witness_event){
            .kind = WK_PART_STATE,
            .actor = actor,
            .target = p->id,
            .payload = (uint64_t)next | (uint64_t)old << 32,
        });
}

/* Leaving the running world for good (or for a reload): memory it lent, borrowed or was
 * donated goes back where it belongs before anything else happens to its RAM. */
static void release_memory(struct partition *p)
{
        if (env.release != NULL) {
                env.release(env.alloc_ctx, p);
        }
}

/* Destroyed: its stage-2 tables, every level, go back to the allocator once its VMID's TLB
 * entries are flushed (arch_s2_free). It never runs again, so no VTTBR names them. */
static void free_tables(struct partition *p)
{
        if (env.free_page == NULL || p->s2_root == NULL) {
                return;
        }
        (void)arch_s2_free(p->s2_root, p->vmid, env.free_page, env.alloc_ctx);
        p->s2_root = NULL;
}

enum part_err part_set_state(struct partition *p, enum part_state next, uint32_t actor)
{
        if (!part_transition_ok(p->state, next)) {
                witness_emit(&(struct witness_event){
                    .kind = WK_PART_STATE,
                    .flags = WITNESS_F_DENIED,
                    .actor = actor,
                    .target = p->id,
                    .payload = (uint64_t)next | (uint64_t)p->state << 32,
                });
                return PART_E_STATE;
        }
        enum part_state old = p->state;
        p->state = next;
        witness_state(p, old, next, actor);
        if (next == PART_STOPPED || next == PART_FAULTED || next == PART_DESTROYED) {
                release_memory(p);
        }
        if (next == PART_DESTROYED) {
                free_tables(p);
        }
        return PART_OK;
}

/* Copy the image into zeroed RAM and reset the vCPU to its entry. On a restart, pages it
 * donated to another partition are no longer its own and are left alone. */
static void vcpu_reset(struct partition *p, unsigned idx, uint64_t entry, uint64_t arg)
{
        struct vcpu *v = &p->vcpus[idx];

        v->reset_entry = entry; /* the frame: at its next load (struct vcpu) */
        v->reset_arg = arg;
        v->reset_pending = true;
        v->restore_regs = NULL;
        arch_el1_reset(&v->el1, PART_IPA_BASE + p->mem_size - idx * PART_VCPU_STACK, idx);
        memset(&v->fp, 0, sizeof(v->fp));     /* FPCR 0: round to nearest, no flush-to-zero */
        memset(&v->vgic, 0, sizeof(v->vgic)); /* no interrupt pending, interface disabled */
        __atomic_store_n(&v->virq_pending, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&v->doorbell_pending, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&v->doorbell_queued, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&v->virq_masked, 0, __ATOMIC_RELAXED);
        v->wfi = false;
        v->wfi_until = 0;
        /* A CPU that still runs the old context sees the new generation and drops it. */
        __atomic_add_fetch(&v->ctx_gen, 1, __ATOMIC_RELEASE);
}

void part_vcpu_start(struct partition *p, unsigned idx, uint64_t entry, uint64_t arg)
{
        vcpu_reset(p, idx, entry, arg);
        p->vcpus[idx].state = VCPU_RUNNABLE;
        witness_emit(&(struct witness_event){.kind = WK_PART_VCPU,
                                             .actor = p->id,
                                             .target = p->id,
                                             .cap = entry,
                                             .payload = idx | (uint64_t)VCPU_RUNNABLE << 32});
}

void part_vcpu_off(struct partition *p, unsigned idx)
{
        struct vcpu *v = &p->vcpus[idx];

        if (v->state != VCPU_OFF) {
                witness_emit(&(struct witness_event){.kind = WK_PART_VCPU,
                                                     .actor = p->id,
                                                     .target = p->id,
                                                     .payload = idx | (uint64_t)VCPU_OFF << 32});
        }
        v->state = VCPU_OFF;
}

unsigned part_vcpus_on(const struct partition *p)
{
        unsigned n = 0;

        for (unsigned i = 0; i < p->nr_vcpus; i++) {
                n += p->vcpus[i].state != VCPU_OFF;
        }
        return n;
}

pa_t part_ram_frame(const struct partition *p, uint64_t off)
{
        pa_t pa = pa_add(p->mem_pa, off);

        if (p->s2_root != NULL) {
                (void)arch_s2_translate_ram(p->s2_root, ipa_init(PART_IPA_BASE + off), &pa);
        }
        return pa;
}

/* Page off of p's RAM from its image: the image's bytes there, zeros after them. */
static void load_page(struct partition *p, uint64_t off)
{
        uint8_t *page = mem_ptr(part_ram_frame(p, off));
        uint64_t image = *p->cfg->image_size;
        uint64_t n = image > off ? image - off : 0;

        n = n > PAGE ? PAGE : n;
        if (n != 0) {
                memcpy(page, p->cfg->image + off, n);
        }
        memset(page + n, 0, PAGE - n);
        arch_icache_sync_range(page, PAGE); /* it may be code the guest runs */
}

#define LINUX_DTB_MAX 0x10000ULL

#ifdef RVM_WITH_LINUX
/* Linux: the initrd and the device tree at the top of RAM (the tree in the last 2 MiB,
 * the initrd 2 MiB-aligned below it); returns the tree's IPA, or 0 when it does not fit. */
static uint64_t load_linux_extras(struct partition *p)
{
        const struct part_config *c = p->cfg;
        uint64_t top = PART_IPA_BASE + p->mem_size, dtb = top - (2ULL << 20);
        uint64_t rd_size = c->initrd != NULL && c->initrd_size != NULL ? *c->initrd_size : 0;
        uint64_t rd = (dtb - rd_size) & ~((2ULL << 20) - 1);
        struct guest_dtb_params g = {
            .ram_base = PART_IPA_BASE,
            .ram_size = p->mem_size,
            .cpus = p->nr_vcpus,
            .gicd_base = 0x08000000,
            .gicr_base = 0x08000000 + PART_VGIC_GICR_OFFSET,
            .uart_base = 0x09000000,
            .uart_intid = PART_PL011_INTID,
            .uart_clock_hz = 24000000,
            .initrd_start = rd_size != 0 ? rd : 0,
            .initrd_end = rd_size != 0 ? rd + rd_size : 0,
            .bootargs = c->bootargs,
            .edge_base = p->edge_ipa,
            .edge_size = p->edge_ipa != 0 ? EDGE_WINDOW : 0, /* 0: no room, no node */
            .doorbell_base = edge_db_ipa(p),
            .doorbell_size = EDGE_DB_SIZE,
        };

        if (p->mem_size < (8ULL << 20) || rd_size > dtb - PART_IPA_BASE ||
            rd < PART_IPA_BASE + *c->image_size) {
                return 0;
        }
        if (rd_size != 0) {
                memcpy(mem_ptr(pa_add(p->mem_pa, rd - PART_IPA_BASE)), c->initrd, rd_size);
        }
        if (guest_dtb_write(mem_ptr(pa_add(p->mem_pa, dtb - PART_IPA_BASE)), LINUX_DTB_MAX, &g) !=
            GUEST_DTB_OK) {
                return 0;
        }
        return dtb;
}
#else
/* Not in this profile: a Linux partition gets no device tree, and part_create refuses it. */
static uint64_t load_linux_extras(struct partition *p)
{
        (void)p;
        return 0;
}
#endif

/* Every vCPU back to the image's entry (the others wait for CPU_ON), vCPU 0 with x0; a CPU
 * still running one of them sees its new generation and drops it. */
static void reset_vcpus(struct partition *p, uint64_t x0)
{
        for (unsigned i = 1; i < p->nr_vcpus; i++) {
                part_vcpu_off(p, i);
                vcpu_reset(p, i, PART_IPA_BASE, 0);
        }
        vcpu_reset(p, 0, PART_IPA_BASE, x0);
}

/* x0 for the boot vCPU once RAM holds the image: the device tree's IPA for Linux (written
 * now, with the initrd; 0 when they do not fit, and Linux stops), else 0 (no DTB). */
static uint64_t boot_arg(struct partition *p)
{
        return p->cfg->linux_boot ? load_linux_extras(p) : 0;
}

static void load_image(struct partition *p)
{
        for (uint64_t off = 0; off < p->mem_size; off += PAGE) {
                load_page(p, off);
        }
        arch_icache_sync_finish();
        reset_vcpus(p, boot_arg(p));
}

enum part_err part_create(const struct part_config *cfg, struct partition **out)
{
        bool guest = cfg->kind == PART_KIND_GUEST;
        if (guest && (cfg->image == NULL || cfg->image_size == NULL || cfg->mem_size == 0 ||
                      cfg->mem_size % PAGE != 0 || *cfg->image_size > cfg->mem_size)) {
                return PART_E_BAD_CONFIG;
        }
#ifndef RVM_WITH_LINUX
        if (cfg->linux_boot) {
                return PART_E_BAD_CONFIG; /* no guest DTB nor vGIC in this profile */
        }
#endif
#if defined(RVM_KERNEL) && !defined(RVM_HAVE_WASM)
        if (!guest) {
                return PART_E_BAD_CONFIG; /* no agents without the interpreter */
        }
#endif
        if (part_used == PART_MAX) {
                return PART_E_FULL;
        }
        struct partition *p = &parts[part_used];
        memset(p, 0, sizeof(*p));
        p->id = part_used + 1;
        p->cfg = cfg;
        size_t n = strlen(cfg->name);
        memcpy(p->name, cfg->name, n < PART_NAME_LEN - 1 ? n : PART_NAME_LEN - 1);

        if (!guest) {
                /* Agents live in RVM's own memory: no stage-2 space, no vCPU to enter. */
                if (cap_table_create(p->id) != CAP_OK) {
                        return PART_E_FULL;
                }
                p->nr_vcpus = 1;
                p->vcpus[0].part = p;
                p->vcpus[0].part_id = p->id;
                p->vcpus[0].cpu = -1;
                part_used++;
                p->state = PART_CREATED;
                witness_emit(&(struct witness_event){
                    .kind = WK_PART_CREATE, .target = p->id, .payload = PART_CREATED});
                *out = p;
                return PART_OK;
        }
        pa_t root = pa_init(env.alloc_page(env.alloc_ctx));
        p->mem_pa = env.alloc_ram(env.alloc_ctx, cfg->mem_size / PAGE);
        if (pa_addr(root) == 0 || pa_addr(p->mem_pa) == 0) {
                return PART_E_NOMEM;
        }
        memset(mem_ptr(root), 0, PAGE);
        p->s2_root = mem_ptr(root);
        p->mem_size = cfg->mem_size;
        p->ipa_bits =
            (uint8_t)arch_s2_ipa_bits(cfg->ipa_bits != 0 ? cfg->ipa_bits : ARCH_S2_IPA_MAX_BITS);
        p->vtcr = arch_vtcr(p->ipa_bits);
        if ((cfg->ipa_bits != 0 && cfg->ipa_bits != p->ipa_bits) ||
            PART_IPA_BASE + p->mem_size > part_ipa_limit(p)) {
                return PART_E_BAD_CONFIG; /* a size the CPU cannot give, or its RAM not inside */
        }
        p->edge_ipa = edge_window_place(PART_IPA_BASE, p->mem_size, part_ipa_limit(p));
        /* 2 MiB blocks where its RAM allows (fewer table pages and TLB entries); what later
         * changes one page of it splits that block (arch_s2_map, arch_s2_unmap). */
        if (arch_s2_map(p->s2_root, ipa_init(PART_IPA_BASE), p->mem_pa, p->mem_size,
                        ARCH_S2_WRITE | ARCH_S2_EXEC | ARCH_S2_BLOCKS, p->vmid, env.alloc_page,
                        env.alloc_ctx) != 0) {
                return PART_E_NOMEM;
        }
        if (cap_table_create(p->id) != CAP_OK) {
                return PART_E_FULL;
        }
        p->nr_vcpus = cfg->vcpus == 0 ? 1 : cfg->vcpus;
        if (p->nr_vcpus > PART_MAX_VCPUS) {
                return PART_E_BAD_CONFIG;
        }
        for (unsigned i = 0; i < p->nr_vcpus; i++) {
                p->vcpus[i].part = p;
                p->vcpus[i].part_id = p->id;
                p->vcpus[i].index = i;
                p->vcpus[i].cpu = -1;
        }
        load_image(p);
        part_used++;
        p->state = PART_CREATED;
        witness_emit(&(struct witness_event){
            .kind = WK_PART_CREATE, .target = p->id, .payload = PART_CREATED});
        witness_emit(&(struct witness_event){.kind = WK_MEM_REGION,
                                             .actor = p->id,
                                             .target = pa_addr(p->mem_pa),
                                             .payload = p->mem_size});
        witness_emit(&(struct witness_event){.kind = WK_MEM_MAP,
                                             .actor = p->id,
                                             .target = pa_addr(p->mem_pa),
                                             .payload = PART_IPA_BASE});

        /* Its own root capabilities: itself and its RAM. */
        cap_obj_t obj;
        cap_handle_t h;
        if (cap_object_create(CAP_T_PARTITION, p->id, 0, p->id, &obj) == CAP_OK) {
                cap_mint_root(obj, p->id, CAP_R_READ | CAP_R_WRITE | CAP_R_GRANT | CAP_R_REVOKE,
                              &h);
        }
        if (cap_object_create(CAP_T_MEMORY, p->id, p->mem_size, pa_addr(p->mem_pa), &obj) ==
            CAP_OK) {
                cap_mint_root(obj, p->id, CAP_R_ALL, &h);
        }
        *out = p;
        return PART_OK;
}

/* May [ipa, ipa + size) be mapped in p besides its RAM: clear of it, inside its IPA space? */
static bool extra_ipa_ok(const struct partition *p, ipa_t at, uint64_t size)
{
        uint64_t ipa = ipa_addr(at);
        bool over_ram = ipa < PART_IPA_BASE + p->mem_size && ipa + size > PART_IPA_BASE;

        return !over_ram && ipa + size >= ipa && ipa + size <= part_ipa_limit(p);
}

enum part_err part_map_shared(struct partition *p, ipa_t ipa, pa_t pa, uint64_t size, bool writable)
{
        if (!extra_ipa_ok(p, ipa, size)) {
                return PART_E_BAD_CONFIG;
        }
        if (arch_s2_map(p->s2_root, ipa, pa, size, writable ? ARCH_S2_WRITE : ARCH_S2_READ, p->vmid,
                        env.alloc_page, env.alloc_ctx) != 0) {
                return PART_E_NOMEM;
        }
        witness_emit(&(struct witness_event){
            .kind = WK_MEM_MAP, .actor = p->id, .target = pa_addr(pa), .payload = ipa_addr(ipa)});
        return PART_OK;
}

enum part_err part_map_device(struct partition *p, ipa_t ipa, pa_t pa, uint64_t size)
{
        if (!extra_ipa_ok(p, ipa, size)) {
                return PART_E_BAD_CONFIG;
        }
        if (arch_s2_map(p->s2_root, ipa, pa, size, ARCH_S2_WRITE | ARCH_S2_DEVICE, p->vmid,
                        env.alloc_page, env.alloc_ctx) != 0) {
                return PART_E_NOMEM;
        }
        return PART_OK;
}

/*
 * A restart reloads p's RAM in bounded steps (part_reload_step), so that no one holds the
 * lock the caller holds for the whole of a large partition's memory. Meanwhile every vCPU of
 * p is off and has a new context generation: nothing of p runs until the last step.
 */
enum part_err part_restart(struct partition *p, uint32_t actor)
{
        if (p->state == PART_DESTROYED || p->cfg->kind != PART_KIND_GUEST) {
                return PART_E_STATE;
        }
        p->restarts++;
        release_memory(p);
        reset_vcpus(p, 0);
        p->vcpus[0].state = VCPU_OFF;
        p->reload_next = 0;
        p->reloading = true;
        witness_emit(&(struct witness_event){
            .kind = WK_REC_RESTART, .actor = actor, .target = p->id, .payload = p->restarts});
        return PART_OK;
}

bool part_reload_step(struct partition *p)
{
        if (!p->reloading) {
                return true;
        }
        if (p->state != PART_RUNNING) {
                p->reloading = false; /* stopped or killed meanwhile: it stays off */
                return true;
        }
        for (unsigned n = 0; n < PART_RELOAD_PAGES && p->reload_next < p->mem_size; n++) {
                /* Pages it donated to another partition are no longer its own. */
                if (env.page_owned == NULL ||
                    env.page_owned(env.alloc_ctx, p, pa_add(p->mem_pa, p->reload_next))) {
                        load_page(p, p->reload_next);
                }
                p->reload_next += PAGE;
        }
        if (p->reload_next < p->mem_size) {
                return false;
        }
        p->reloading = false;
        arch_icache_sync_finish();
        if (p->cfg->linux_boot) {
                vcpu_reset(p, 0, PART_IPA_BASE, boot_arg(p));
        }
        p->vcpus[0].state = VCPU_RUNNABLE; /* even if the guest had turned it off */
        return true;
}

struct partition *part_get(uint32_t id)
{
        return id >= 1 && id <= part_used ? &parts[id - 1] : NULL;
}

unsigned part_count(void)
{
        return part_used;
}

/* Page by page through p's own stage-2 tables: only what p itself can read is read, and only
 * normal memory (its RAM, edge pages, what it was lent): never a leased device's registers,
 * whose reads have side effects and may abort at EL2. */
bool part_read_guest(const struct partition *p, ipa_t from, void *dst, size_t len)
{
        uint8_t *out = dst;
        uint64_t ipa = ipa_addr(from);

        if (p->s2_root == NULL) {
                return false; /* a WASM partition has no guest memory */
        }
        while (len > 0) {
                pa_t pa;
                if (ipa + len < ipa || !arch_s2_translate_ram(p->s2_root, ipa_init(ipa), &pa)) {
                        return false;
                }
                size_t chunk = PAGE - (ipa & (PAGE - 1));
                if (chunk > len) {
                        chunk = len;
                }
                memcpy(out, mem_ptr(pa), chunk);
                ipa += chunk;
                out += chunk;
                len -= chunk;
        }
        return true;
}

/* On a VMID rollover, partitions on a CPU right now keep their VMID. */
static void keep_running(struct vmid_space *s, void *ctx)
{
        (void)ctx;
        for (unsigned i = 0; i < part_used; i++) {
                for (unsigned j = 0; j < parts[i].nr_vcpus; j++) {
                        if (parts[i].vcpus[j].state == VCPU_RUNNING) {
                                vmid_keep(s, &parts[i].vmid_gen, parts[i].vmid);
                                break;
                        }
                }
        }
}

const uint64_t *const part_vmid_gen = &vmids.gen;

uint64_t part_vttbr_renew(struct partition *p)
{
        if (vmid_get(&vmids, &p->vmid_gen, &p->vmid, keep_running, NULL)) {
                arch_s2_flush_all(); /* no entry of a reused VMID may survive */
        }
        p->vttbr = (uint64_t)p->vmid << 48 | (uint64_t)(uintptr_t)p->s2_root;
        return p->vttbr;
}
