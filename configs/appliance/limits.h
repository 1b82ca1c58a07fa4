/*
 * configs/appliance/limits.h: the appliance's table sizes (configs/limits.h). These are
 * the modules' own defaults, written out so the two profiles can be read side by side.
 */
#ifndef RVM_CONFIGS_APPLIANCE_LIMITS_H
#define RVM_CONFIGS_APPLIANCE_LIMITS_H

#define RVM_MAX_CPUS         8     /* CPUs RVM brings up; an EL2 stack each */
#define RVM_STACK_SIZE       16384 /* each CPU's EL2 stack */
#define RVM_MMU_POOL_TABLES  32    /* RVM's own EL2 page tables (arch/aarch64/mmu.c) */
#define PART_MAX             8     /* guest partitions 1..PART_MAX */
#define PART_MAX_VCPUS       4     /* vCPUs per partition */
#define CAP_MAX_TABLES       32    /* principals: RVM, partitions, agents */
#define CAP_TABLE_SLOTS      32    /* capabilities each principal can hold */
#define CAP_ARENA_SIZE       1024  /* capabilities in all: every table full (kernel/hvc.c) */
#define CAP_MAX_OBJECTS      256   /* capability objects */
#define CON_SOURCES          32    /* console buffers: principal ids 0 .. CON_SOURCES-1 */
#define CON_SOURCE_BYTES     2048  /* each principal's console buffer */
#define CON_RVM_BYTES        32768 /* RVM's own console buffer */
#define WLOG_RING_CAP        4096  /* witness records kept in RAM */
#define WLOG_BATCH_MAX       256   /* records sealed together */
#define EDGE_MAX             16    /* CommEdges */
#define VDEV_MAX             16    /* virtual devices */
#define REGION_MAX           64    /* typed memory regions */
#define REGION_OFFERS        64    /* live share/lend/donate transactions: 8 a partition */
#define GIC_MAX_INTID        1020  /* interrupt handlers (INTIDs 0..GIC_MAX_INTID-1) */
#define HVC_BUDGET_SLOTS     128   /* principals the denial budget tracks */
#define PROOF_NONCE_RING     256   /* P2 nonces used, kept per principal (proof/nonce.c) */
#define PROOF_TICKETS        8     /* P2 tickets RVM issued, kept per principal */
#define WITNESS_CRYPTO_ARENA 32768 /* mbedTLS's heap: boot/rvf_boot.c's ECDSA verify fits */
#define AGENT_CKPT_SLOTS     4     /* agents' checkpoint slots (192 KiB each, wasm/agent.h) */
#define CKPT_LIMIT_MIB       320   /* partition checkpoints in all: a 256 MiB Linux guest fits */

#endif
