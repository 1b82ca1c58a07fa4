/*
 * kernel/spinlock.h: a ticket lock over compiler atomics (fair across CPUs, and the same
 * code on the host for tests). Waiters spin on the "serving" word with plain loads.
 */
#ifndef RVM_KERNEL_SPINLOCK_H
#define RVM_KERNEL_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/aarch64/arch.h"

struct spinlock {
        uint32_t next;
        uint32_t serving;
};

#define SPINLOCK_INIT \
        {             \
                0, 0  \
        }

/*
 * One CPU (the Seed): no other CPU takes a ticket, and RVM holds its locks with interrupts
 * masked, so the ticket is a plain increment, not an atomic one (a lock taken twice still
 * waits forever, as on several CPUs, and spin_trylock still sees it held).
 */
static inline uint32_t spin_take_ticket(struct spinlock *l)
{
#if RVM_MAX_CPUS == 1
        uint32_t ticket = l->next;

        l->next = ticket + 1;
        return ticket;
#else
        return __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
#endif
}

#ifdef __OPTIMIZE_SIZE__
static inline void spin_lock(struct spinlock *l)
{
        uint32_t ticket = spin_take_ticket(l);

        while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket) {
                arch_cpu_relax();
        }
}
#else
/* Until ticket is served: out of line, so that spin_lock's path when nobody holds the lock
 * runs straight through (a build for size, the Seed, keeps the one loop above). */
static __attribute__((noinline, cold, unused)) void spin_wait(struct spinlock *l, uint32_t ticket)
{
        while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket) {
                arch_cpu_relax();
        }
}

static inline void spin_lock(struct spinlock *l)
{
        uint32_t ticket = spin_take_ticket(l);

        if (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket) {
                spin_wait(l, ticket);
        }
}
#endif

/* Take l only if nobody holds or waits for it; true if taken. */
static inline bool spin_trylock(struct spinlock *l)
{
        uint32_t serving = __atomic_load_n(&l->serving, __ATOMIC_ACQUIRE);

#if RVM_MAX_CPUS == 1
        if (l->next != serving) {
                return false;
        }
        l->next = serving + 1;
        return true;
#else
        uint32_t next = serving;

        return __atomic_compare_exchange_n(&l->next, &next, serving + 1, false, __ATOMIC_ACQUIRE,
                                           __ATOMIC_RELAXED);
#endif
}

static inline void spin_unlock(struct spinlock *l)
{
        __atomic_store_n(&l->serving, l->serving + 1, __ATOMIC_RELEASE);
}

#endif
