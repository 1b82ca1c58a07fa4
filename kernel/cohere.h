/*
 * kernel/cohere.h: the kernel's side of the coherence engine (coherence/): it feeds the graph
 * what RVM counted on CommEdges, closes the engine's epoch with the scheduler's, and gives each
 * partition its cut pressure as the scheduler's second signal (DC-4), in place of a hand-typed
 * value (`pressure` stays as a witnessed override). Compiled to nothing without coherence/
 * (the Seed profile, DC-1). Callers hold run_lock, but for cohere_compute.
 */
#ifndef RVM_KERNEL_COHERE_H
#define RVM_KERNEL_COHERE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef RVM_HAVE_COHERENCE
/* Boot, once partitions exist: the graph, its work space, a node per guest partition. */
void cohere_init(void);
/* One epoch's traffic from principal `from` to `to` (partitions or agents). */
void cohere_traffic(uint32_t from, uint32_t to, uint64_t messages, uint64_t bytes);
/* The epoch's shared regions (pages both partitions map) as weights; run_lock held. */
void cohere_shared_epoch(void);
/* The epoch's end, on CPU 0: fold the counts in and compute each partition's pressure (no
 * lock needed: the graph is CPU 0's), then hand it on to the scheduler (run_lock held). */
void cohere_compute(void);
void cohere_apply(void);
/* The operator set partition id's pressure by hand (true) or gave it back (false). */
void cohere_override(uint32_t partition, bool manual);
/* How an agent's principal maps to its WASM partition (the agents' code sets it). */
void cohere_set_agent_group(uint32_t (*group)(uint32_t principal));
/* An agent moved to WASM partition `group`: its node follows (CPU 0, like every move). */
void cohere_agent_moved(uint32_t principal, uint32_t group);
/* The graph and the min-cut work space (kernel/reshape.c, CPU 0), NULL if the engine did
 * not start. */
struct coherence_graph *cohere_graph(void);
struct coherence_mincut *cohere_work(void);
/* A doorbell from `from` to `to` for `messages` messages: counted as crossing CPUs or not
 * (this CPU against the CPU the receiver's partition is queued on), per placement mode. */
void cohere_count_send(uint32_t from, uint32_t to, uint32_t messages);
/* The last epoch's round of cuts did not fit its budget (DC-2): the scheduler runs degraded. */
bool cohere_over_budget(void);
#else
static inline void cohere_agent_moved(uint32_t principal, uint32_t group)
{
        (void)principal, (void)group;
}
static inline void cohere_set_agent_group(uint32_t (*group)(uint32_t principal))
{
        (void)group;
}
static inline void cohere_init(void) {}
static inline void cohere_count_send(uint32_t from, uint32_t to, uint32_t messages)
{
        (void)from, (void)to, (void)messages;
}
static inline void cohere_traffic(uint32_t from, uint32_t to, uint64_t messages, uint64_t bytes)
{
        (void)from, (void)to, (void)messages, (void)bytes;
}
static inline void cohere_compute(void) {}
static inline void cohere_shared_epoch(void) {}
static inline void cohere_apply(void) {}
static inline void cohere_override(uint32_t partition, bool manual)
{
        (void)partition, (void)manual;
}
#endif

#endif
