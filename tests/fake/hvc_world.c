/*
 * tests/fake/hvc_world.c: the hypercall tests' machine (see hvc_world.h).
 */
#include "tests/fake/hvc_world.h"

#include <string.h>

#include "kernel/hvc.h"
#include "kernel/percpu.h"
#include "partition/edge.h"
#include "partition/share.h"
#include "partition/vdev.h"
#include "proof/proof.h"
#include "tests/fake/arch_fake.h"

static const uint8_t image[16] = {0x1f, 0x20, 0x03, 0xd5}; /* nop */
static const size_t image_size = sizeof(image);
static const struct part_vdev uart = {.type = PART_VDEV_PL011, .ipa = {WORLD_UART}};
static const struct part_config configs[WORLD_GUESTS] = {
    {.name = "one",
     .image = image,
     .image_size = &image_size,
     .mem_size = WORLD_RAM,
     .vcpus = 2,
     .vdevs = &uart,
     .vdev_count = 1},
    {.name = "two", .image = image, .image_size = &image_size, .mem_size = WORLD_RAM},
    {.name = "three",
     .image = image,
     .image_size = &image_size,
     .mem_size = WORLD_RAM,
     .ipa_bits = 32},
};

/* The first handle of type t in partition id's table (0: none). */
static cap_handle_t handle_of(uint32_t id, enum cap_type t)
{
        uint32_t cursor = 0;
        cap_handle_t h;

        while ((h = cap_table_next(id, &cursor)) != 0) {
                struct cap_info info;
                if (cap_info_of(id, h, &info) == CAP_OK && info.type == t) {
                        return h;
                }
        }
        return 0;
}

bool hvc_world_build(struct hvc_world *w,
                     void (*vuart_line)(const struct partition *p, const char *text))
{
        static const struct part_env env = {
            .alloc_page = fake_page,
            .alloc_ram = fake_pages,
            .release = share_release,
            .page_owned = share_page_owned,
        };
        memset(w, 0, sizeof(*w));
        w->image = image;
        w->image_size = image_size;
        fake_arch_reset();
        memset(&fake_kernel, 0, sizeof(fake_kernel));
        memset(this_cpu(), 0, sizeof(struct percpu));
        cap_init();
        proof_init();
        if (cap_table_create(0) != CAP_OK) {
                return false;
        }
        hvc_init();
        part_init(&env);
        share_init(pa_init(0), pa_init(0));
        edge_init();
        vdev_init(&(struct vdev_sink){.line = vuart_line});
        for (uint32_t id = 1; id <= WORLD_GUESTS; id++) {
                struct partition *p;
                if (part_create(&configs[id - 1], &p) != PART_OK || p->id != id ||
                    vdev_attach(p) != 0) {
                        return false;
                }
                share_add_partition(p);
                p->vcpus[0].state = VCPU_RUNNABLE;
                if (part_set_state(p, PART_RUNNING, 0) != PART_OK) {
                        return false;
                }
                w->part[id] = p;
        }
        if (edge_connect(1, 2) != PART_OK) {
                return false;
        }
        for (uint32_t id = 1; id <= WORLD_GUESTS; id++) {
                w->edge_h[id] = handle_of(id, CAP_T_COMM_EDGE);
                w->mem_h[id] = handle_of(id, CAP_T_MEMORY);
        }
        return true;
}
