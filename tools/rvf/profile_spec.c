/*
 * tools/rvf/profile_spec.c: prints a profile's partition table (configs/<profile>/
 * partitions.c, the typed C that stays the source of a profile) as an `rvf build` spec, so
 * `make image` packs each guest program as a KERNEL_SEG, each agent as a WASM_SEG, and the
 * table as the PROFILE segment. Built per profile on the host, linked with the profile's
 * partitions.c and a generated file that defines one placeholder symbol per guest and agent
 * image and the table mapping their addresses to names (rvf_guest_names, rvf_agent_names).
 *
 * usage: profile_spec GUEST_DIR AGENT_DIR IMAGE_VERSION
 */
#include <stdio.h>
#include <stdlib.h>

#include "configs/partitions.h"

struct rvf_name {
        const void *addr;
        const char *name;
};
extern const struct rvf_name rvf_guest_names[], rvf_agent_names[];

/* The Seed profile has no agent table (no WASM): weak, so it links without one. */
#pragma weak rvm_agents
#pragma weak rvm_agent_count

static const char *name_of(const struct rvf_name *t, const void *addr)
{
        for (; t->name != NULL; t++) {
                if (t->addr == addr) {
                        return t->name;
                }
        }
        return NULL;
}

static void end(char *buf, size_t n, uint8_t e)
{
        if (EDGE_IS_AGENT(e)) {
                snprintf(buf, n, "agent:%s", rvm_agents[EDGE_AGENT_POS(e) - 1].name);
        } else {
                snprintf(buf, n, "%s", rvm_partitions[e - 1].name);
        }
}

int main(int argc, char **argv)
{
        if (argc != 4) {
                fprintf(stderr, "usage: profile_spec GUEST_DIR AGENT_DIR IMAGE_VERSION\n");
                return 1;
        }
        const size_t agents = &rvm_agent_count != NULL ? rvm_agent_count : 0;
        printf("# generated from the profile's partitions.c by tools/rvf/profile_spec\n");
        printf("image_version %s\nprofile\n", argv[3]);
        /* Every guest program, once, with the vCPUs and RAM of the first partition using it. */
        for (const struct rvf_name *g = rvf_guest_names; g->name != NULL; g++) {
                unsigned vcpus = 1;
                unsigned long long mib = 1;
                for (size_t i = 0; i < rvm_partition_count; i++) {
                        const struct part_config *p = &rvm_partitions[i];
                        if (p->kind == PART_KIND_GUEST && p->image == g->addr) {
                                vcpus = p->vcpus ? p->vcpus : 1;
                                mib = (p->mem_size + (1ULL << 20) - 1) >> 20;
                                break;
                        }
                }
                printf("kernel %s %s/%s.bin vcpus=%u min_mem=%llu entry=0x%llx\n", g->name, argv[1],
                       g->name, vcpus, mib, (unsigned long long)PART_IPA_BASE);
        }
        for (const struct rvf_name *a = rvf_agent_names; a->name != NULL; a++) {
                printf("wasm %s %s/%s.wasm\n", a->name, argv[2], a->name);
        }
        for (size_t i = 0; i < rvm_partition_count; i++) {
                const struct part_config *p = &rvm_partitions[i];
                if (p->kind == PART_KIND_WASM) {
                        printf("partition %s wasm\n", p->name);
                        continue;
                }
                const char *k = name_of(rvf_guest_names, p->image);
                if (k == NULL) {
                        fprintf(stderr, "profile_spec: partition %s: image is no guest program\n",
                                p->name);
                        return 1;
                }
                printf("partition %s guest kernel=%s mem=%llu vcpus=%u fault=%s restarts=%u",
                       p->name, k, (unsigned long long)p->mem_size, p->vcpus ? p->vcpus : 1,
                       p->fault_policy == PART_FAULT_RESTART ? "restart" : "stop", p->max_restarts);
                if (p->ipa_bits != 0) {
                        printf(" ipa_bits=%u", p->ipa_bits);
                }
                if (p->vdev_count > 1 ||
                    (p->vdev_count == 1 && p->vdevs[0].type != PART_VDEV_PL011)) {
                        fprintf(stderr,
                                "profile_spec: partition %s: only one PL011 per partition "
                                "fits the PROFILE format\n",
                                p->name);
                        return 1;
                }
                if (p->vdev_count == 1) {
                        printf(" pl011=0x%llx", (unsigned long long)ipa_addr(p->vdevs[0].ipa));
                }
                printf("\n");
        }
        for (size_t i = 0; i < agents; i++) {
                const struct agent_config *a = &rvm_agents[i];
                const char *m = name_of(rvf_agent_names, a->wasm);
                if (m == NULL || a->partition == 0 || a->partition > rvm_partition_count) {
                        fprintf(stderr, "profile_spec: agent %s: no module or partition\n",
                                a->name);
                        return 1;
                }
                printf("agent %s wasm=%s partition=%s", a->name, m,
                       rvm_partitions[a->partition - 1].name);
                if (a->caps != 0) {
                        printf(" caps=%s%s%s", a->caps & AGENT_CAP_WITNESS ? "witness" : "",
                               a->caps == (AGENT_CAP_WITNESS | AGENT_CAP_SPAWN) ? "," : "",
                               a->caps & AGENT_CAP_SPAWN ? "spawn" : "");
                }
                printf("%s\n", a->on_demand ? " on_demand" : "");
        }
        for (size_t i = 0; i < rvm_edge_count; i++) {
                char a[64], b[64];
                end(a, sizeof(a), rvm_edges[i].a);
                end(b, sizeof(b), rvm_edges[i].b);
                printf("edge %s %s\n", a, b);
        }
        return 0;
}
