/*
 * configs/seed/limits.h: the Seed profile's table sizes (configs/limits.h), chosen so that
 * all the memory RVM itself uses stays within 1 MiB (docs/ARCHITECTURE.md, "Profiles"):
 * one CPU, three guest partitions, a 256-record witness ring. configs/seed/profile.c
 * checks the resulting tables against that budget at compile time.
 */
#ifndef RVM_CONFIGS_SEED_LIMITS_H
#define RVM_CONFIGS_SEED_LIMITS_H

#define RVM_MAX_CPUS        1
#define SCHED_RQ_CAPACITY   PART_MAX /* one vCPU per partition, no agents */
#define RVM_STACK_SIZE      16384
#define RVM_MMU_POOL_TABLES 8
#define PART_MAX            3
#define PART_MAX_VCPUS      1
#define CAP_MAX_TABLES      4  /* RVM and the three partitions; no agents */
#define CAP_TABLE_SLOTS     16 /* capabilities each principal can hold */
#define CAP_ARENA_SIZE      64 /* every table full (kernel/hvc.c) */
#define CAP_MAX_OBJECTS     48
#define CON_SOURCES         4
#define CON_SOURCE_BYTES    512
#define CON_RVM_BYTES       4096
#define WLOG_RING_CAP       256
#define WLOG_BATCH_MAX      32
#define EDGE_MAX            2
#define VDEV_MAX            0 /* no partition has a virtual device */
#define REGION_MAX          8
#define REGION_OFFERS       4
#define REGION_OFFERS_EACH  1  /* (no partition shares memory in the Seed) */
#define GIC_MAX_INTID       96 /* SGIs, PPIs and QEMU virt's first 64 SPIs (UART 33, RTC 34) */
#define HVC_BUDGET_SLOTS    16 /* witness_budget_init's least: with 8 there was no denial budget */
#define PROOF_NONCE_RING    64 /* P2 nonces used, per principal (proof/nonce.c) */
#define PROOF_TICKETS       4  /* P2 tickets issued, per principal */
#define WITNESS_SHA256_FAST 0  /* witness_sha256 through mbedTLS (witness/crypto.c) */
#define BOOT_SHA256_CE      0  /* and on mbedTLS's compression: the CPU's instructions left out */

#endif
