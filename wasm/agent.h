/*
 * wasm/agent.h: WebAssembly agents, the lifecycle and the host module "rvm" (plain C, host
 * tested). Agents belong to a WASM partition; when the scheduler gives that partition a CPU,
 * the kernel runs its agents here, each for a bounded amount of fuel at a time, round robin.
 * An agent that never yields is stopped by its fuel and resumed exactly where it was (its
 * state lives in its instance, not on a C stack).
 *
 * Each agent is a principal of its own: it has its own capability table, it is the caller the
 * security gate sees for its host calls and the actor of their witness records. Its principal
 * is AGENT_PRINCIPAL(id), above every partition id, so it stays the same when the agent
 * migrates to another WASM partition: its capabilities move with it.
 *
 * This module reaches the kernel only through struct agent_env, which the kernel fills at
 * boot (kernel/agents.c): the lock, the security gate, pages, FP/SIMD, partitions, the console
 * and the CommEdge rings. It prints nothing and registers nothing; the kernel's monitor shows
 * what agent_info returns.
 */
#ifndef RVM_WASM_AGENT_H
#define RVM_WASM_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap/cap.h"
#include "configs/limits.h"
#include "wasm/wasm.h"

/*
 * The gate calls the host module makes (function id 0xC6000000 | n): rows of the one call
 * table, arch/aarch64/guest/rvm_calls.h, which wasm/ may not include (a policy module);
 * kernel/agents.c checks at compile time that these are its numbers. Time and cap reuse the
 * guests' TIME and CAP_LIST, notify the guests' EDGE_NOTIFY.
 */
enum agent_call {
        HC_CAP_LIST = 0x04,
        HC_TIME = 0x05,
        HC_NOTIFY = 0x10,
        HC_LOG = 0x200,
        HC_SEND = 0x201,
        HC_RECV = 0x202,
        HC_WITNESS = 0x203,
        HC_SPAWN = 0x204,
        HC_PUT = 0x205,
};

#define AGENT_MAX 16 /* agents ever created in one boot (boot + spawned); ids are not reused */
/* Agents one principal other than RVM may spawn in a boot (ids are not reused, so they count
 * until the next boot): no single spawner can use up the AGENT_MAX the others are owed. */
#define AGENT_SPAWN_EACH 4
/* Principals 1..AGENT_PRINCIPAL_BASE are partitions (the kernel checks it is PART_MAX). */
#define AGENT_PRINCIPAL_BASE 8u
#define AGENT_PRINCIPAL(id)  (AGENT_PRINCIPAL_BASE + (uint32_t)(id))
#define AGENT_FUEL           20000 /* per turn: a few hundred microseconds of bytecode */
#define AGENT_LOG_MAX        159   /* bytes per rvm.log line */
#define AGENT_MSG_SIZE       64    /* one CommEdge slot */
#define AGENT_NAME_MAX       31    /* module name in rvm.spawn */

_Static_assert(AGENT_PRINCIPAL(AGENT_MAX) < CAP_MAX_TABLES, "every agent needs a table");

/*
 * Recovery from a trap (F1 of DC-14 for agents). An agent is checkpointed at its turn
 * boundaries: a turn that ends in rvm.yield saves its whole instance (linear memory, globals,
 * table, value stack, frames, pc: wasm_snapshot_save) into its checkpoint slot, if it has none
 * yet or at least AGENT_CKPT_TURNS of its turns have passed since the last one. The slots are
 * a fixed pool the kernel reserves at boot (agent_env.ckpt_pool: AGENT_CKPT_SLOTS of
 * AGENT_CKPT_BYTES, configs/<profile>/limits.h); an agent takes one at its first checkpoint
 * and gives it back, wiped, when it terminates; with none free it has no checkpoint. An agent
 * that traps (any trap: unreachable, out of bounds, division by zero, a host call that traps;
 * running out of fuel is no trap) is rebuilt and resumed from its last checkpoint, or from the
 * start of `run` (instantiated again) if it has none, up to AGENT_MAX_RESTARTS times in its
 * life; the next trap terminates it for good (faulted). Its principal, capabilities and
 * CommEdge ends are kept across a restart (what it did after the checkpoint is lost: messages
 * it took since are not given back). Witnessed: a checkpoint WK_MEM_CHECKPOINT, a restart
 * WK_REC_RESTART (running -> reconstructing -> running in WK_WASM_AGENT), the end a denied
 * WK_REC_RESTART and its termination (docs/ARCHITECTURE.md, "Recovery").
 */
#ifndef AGENT_CKPT_SLOTS
#define AGENT_CKPT_SLOTS 4 /* checkpoint slots in the pool */
#endif
#define AGENT_CKPT_BYTES   (192u << 10) /* one slot: 2 pages of memory, the stacks, the rest */
#define AGENT_USE_PAGES    64u          /* 4 KiB pages of linear memory whose writes are measured */
#define AGENT_CKPT_TURNS   32           /* at most one checkpoint per this many turns */
#define AGENT_MAX_RESTARTS 3

/* What a trap leads to (agent_recovery_for). */
enum agent_recovery {
        AGENT_RECOVER_CHECKPOINT, /* rebuilt from its last checkpoint */
        AGENT_RECOVER_START,      /* no checkpoint: instantiated again, `run` from its start */
        AGENT_RECOVER_FAULT,      /* restarts used up: terminated for good */
};
/* The policy: an agent that has been restarted `restarts` times traps again. */
enum agent_recovery agent_recovery_for(uint32_t restarts, bool have_checkpoint);
/* Is a checkpoint due at a yield in turn `turn`, the last one taken in turn `last` (if any)? */
bool agent_checkpoint_due(uint64_t turn, uint64_t last, bool have_checkpoint);
/* WK_REC_RESTART payload of a restart: count | trap << 8 | recovery << 16; cap = checkpoint
 * number used (0 = from the start). The final trap: flagged denied, recovery = FAULT. */
#define AGENT_RESTART_PAYLOAD(n, trap, how) \
        ((uint64_t)(n) | (uint64_t)(trap) << 8 | (uint64_t)(how) << 16)

/* The seven states of seeds/003. */
enum agent_state {
        AGENT_INITIALIZING = 0,
        AGENT_RUNNING,
        AGENT_SUSPENDED,
        AGENT_MIGRATING,
        AGENT_HIBERNATED,
        AGENT_RECONSTRUCTING,
        AGENT_TERMINATED,
};

/*
 * Checkpoints on command (the monitor's `checkpoint agent <id>` / `restore agent <id>`): the
 * whole instance of agent `id` (linear memory, globals, table, value stack, frames, pc, the
 * fuel left in its turn: wasm_snapshot_save) and whether it was inside rvm.yield, held apart
 * from F1's slot (which its own yields overwrite). A restore rebuilds the instance from it in
 * a new arena, saves that again and compares it with the checkpoint byte for byte before
 * anything changes hands: only an exact copy replaces the running instance, and the agent goes
 * on from there (its count, its pc, its fuel). RVM's meters (turns, fuel used, messages) go
 * on counting; its edges are not rolled back (their other end has seen what it sent since).
 * Both wait at most AGENT_HOLD_WAIT_NS for it to leave its CPU, take the lock themselves and
 * are witnessed: WK_MEM_CHECKPOINT, target = its principal, cap = the checkpoint's digest,
 * payload = bytes | AGENT_HOLD_OP_* << 32, or, refused (flagged denied), the enum
 * agent_hold_result | op << 32.
 */
#define AGENT_HOLD_WAIT_NS    100000000ull /* the agent leaves its CPU within this, or refused */
#define AGENT_HOLD_OP_SAVE    5u
#define AGENT_HOLD_OP_RESTORE 6u
enum agent_hold_result {
        AGENT_HOLD_OK = 0,
        AGENT_HOLD_NO_AGENT,  /* no agent with that id */
        AGENT_HOLD_STATE,     /* not running or suspended (loading, hibernated, terminated...) */
        AGENT_HOLD_BUSY,      /* still running a turn on another CPU after AGENT_HOLD_WAIT_NS */
        AGENT_HOLD_NONE,      /* restore: no checkpoint was taken */
        AGENT_HOLD_NO_MEMORY, /* no buffer for the checkpoint or no arena for the copy */
        AGENT_HOLD_SNAPSHOT,  /* the instance did not save, restore, or restore exactly */
        AGENT_HOLD_DAMAGED,   /* the checkpoint's digest does not match: not used */
        AGENT_HOLD_EDGES,     /* save: its CommEdges do not fit beside its instance */
};
struct agent_hold_info {
        size_t bytes;
        size_t edge_bytes; /* its CommEdges' part (agent_env.edges_save), after the instance */
        uint64_t digest, turn;
        uint32_t number, restores;
};
/* The policy: may agent (exists, its state, on a CPU) be saved or restored (held: it has a
 * checkpoint)? AGENT_HOLD_OK or why not. */
enum agent_hold_result agent_hold_check(bool exists, enum agent_state s, bool on_cpu, bool restore,
                                        bool held);
enum agent_hold_result agent_hold_save(uint32_t id, uint32_t actor, struct agent_hold_info *out);
enum agent_hold_result agent_hold_restore(uint32_t id, uint32_t actor, struct agent_hold_info *out);
const char *agent_hold_result_text(enum agent_hold_result r);

/*
 * What a refused request returns (negative). The numbers are the security gate's statuses
 * (docs/ABI.md; the kernel checks them at compile time), so a refusal reaches an agent, and a
 * witness payload, unchanged.
 */
enum agent_status {
        AGENT_OK = 0,
        AGENT_E_NOT_AGENT = -1, /* the caller is not an agent (gate: NOT_SUPPORTED) */
        AGENT_E_INVALID = -3,   /* bad argument, unknown module, not a WASM partition, state */
        AGENT_E_RANGE = -12,    /* a pointer and length outside the agent's linear memory */
        AGENT_E_NO_SPACE = -13, /* AGENT_MAX agents exist, or the spawner's AGENT_SPAWN_EACH */
};

/* A module an agent is started from (the kernel's configuration entry). */
struct agent_image {
        const char *name;
        const uint8_t *wasm;
        size_t wasm_size;
        bool may_witness; /* given WRITE on the witness log: rvm.witness */
        bool may_spawn;   /* given EXECUTE on the WASM partition it starts in: rvm.spawn */
};

/*
 * The kernel, as agents see it. "Lock held" below means env->lock's lock (the kernel's run
 * lock): it guards every agent's bookkeeping. An agent's instance is touched only by the CPU
 * running it, or by a lifecycle change once it is off its CPU.
 */
struct agent_env {
        /* Mask interrupts and take the lock, and back. */
        uint64_t (*lock)(void);
        void (*unlock)(uint64_t saved);
        /* One call through the security gate as `principal` (an agent's), x[0] = function id;
         * returns the status, results in x[1..]. Lock held. */
        int32_t (*gate_call)(uint32_t principal, uint64_t x[8]);
        /* At least `bytes` bytes (whole pages, not zeroed: wasm/ zeroes them), or NULL; free
         * wipes nothing. Lock held: the kernel's page allocator is the lock's. */
        void *(*alloc)(size_t bytes);
        void (*free)(void *p, size_t bytes);
        /* Before any wasm_* call: make FP/SIMD usable on this CPU (interrupts masked). */
        void (*fp_enter)(void);
        /* Is `partition` a running WASM partition? Lock held. */
        bool (*partition_ok)(uint32_t partition);
        /* One of `partition`'s agents may run again: wake it if it sleeps. Lock held. */
        void (*wake_partition)(uint32_t partition);
        /* The module named name[0..len) of the configuration, in *out; false if none. */
        bool (*image_named)(const char *name, size_t len, struct agent_image *out);
        /* One rvm.log line of agent `agent` (printable ASCII and '\n'). Lock held. */
        void (*log_line)(uint32_t agent, const char *name, const char *text);
        /* The caller's end of the CommEdge of gate call `gate` (opaque here): append one
         * message to its outgoing ring (0 or a negative status), take one from its incoming
         * ring (1, 0 if empty and then with `wait` the end waits, or a negative status). */
        int32_t (*edge_put)(void *gate, const uint8_t msg[AGENT_MSG_SIZE]);
        int32_t (*edge_take)(void *gate, uint8_t msg[AGENT_MSG_SIZE], bool wait);
        /* A monotonic clock in nanoseconds, for a migration's deadline (NULL: none). */
        uint64_t (*now_ns)(void);
        /* A move's deadline (0: AGENT_MOVE_TIMEOUT_NS); test images shorten it. */
        uint64_t move_timeout_ns;
        /* Agent `agent` now runs in WASM partition `to`, no longer `from` (optional). Lock
         * held. */
        void (*moved)(uint32_t agent, uint32_t from, uint32_t to);
        /* The checkpoint pool: ckpt_slots slots of AGENT_CKPT_BYTES (NULL/0: no checkpoints,
         * a trapping agent restarts from its start). Reserved once; wasm/ wipes what it frees. */
        uint8_t *ckpt_pool;
        uint32_t ckpt_slots;
        /* Agent `agent` trapped (`trap`) and is restarted (`how`: enum agent_recovery; its
         * restart number `n`, checkpoint number `ckpt` taken at its turn `ckpt_turn`), or ends
         * (AGENT_RECOVER_FAULT). Optional; lock held. */
        void (*recovered)(uint32_t agent, const char *name, enum wasm_trap trap,
                          enum agent_recovery how, uint32_t n, uint32_t ckpt, uint64_t ckpt_turn);
        /* A checkpoint on command takes the agent's CommEdges with it, as a partition's does
         * (both rings and their counts): copied into buf (at most cap bytes; returns the bytes
         * used, 0 for none, -1 when they do not fit) and put back from it. Optional (NULL: an
         * agent's checkpoint holds its instance alone); lock held, the agent off every CPU. */
        int32_t (*edges_save)(uint32_t principal, uint8_t *buf, size_t cap);
        void (*edges_restore)(uint32_t principal, const uint8_t *buf, size_t len);
};

/* What the monitor shows of one agent. */
struct agent_info {
        uint32_t id;
        const char *name;
        uint32_t partition; /* the WASM partition it runs in now */
        enum agent_state state;
        bool waiting; /* in rvm.recv until a doorbell */
        uint64_t turns, fuel_used, logs, sent, received, migrations;
        enum wasm_trap trap;  /* why it ended, if it trapped */
        uint32_t caps;        /* capabilities it holds */
        uint64_t arena_bytes; /* its instance arena: what a move takes in the destination */
        uint32_t restarts;    /* after traps (at most AGENT_MAX_RESTARTS) */
        uint32_t checkpoints; /* taken so far (the number of the last one) */
        uint64_t ckpt_turn;   /* the turn its last checkpoint was taken at */
        uint32_t use_pages;   /* 4 KiB pages of linear memory its checkpoints measure ... */
        uint32_t use_hot;     /* ... and those written between its last two checkpoints */
        bool faulted;         /* terminated by a trap beyond its restarts */
};

/* The lifecycle operations of agent_control. */
enum agent_op {
        AGENT_OP_SUSPEND,
        AGENT_OP_RESUME,
        AGENT_OP_HIBERNATE,
        AGENT_OP_RECONSTRUCT,
        AGENT_OP_MIGRATE,
        AGENT_OP_KILL,
};

/* Forget every agent and use env from now on (boot, before any other call). */
void agent_init(const struct agent_env *env);

/*
 * Create an agent from img in WASM partition `partition`, witnessed with `actor` (0 = RVM or
 * the operator; and the capability it used) as the one who asked: its id and capabilities,
 * state initializing, its partition woken. Lock held. It reads no byte of the module: that is
 * decoded and instantiated, and `run` begun, on the agent's first turn (agent_run_turn) or by
 * agent_load, outside the lock; a module that does not load (or no memory for it) then
 * terminates the agent, witnessed with the same actor. Returns the new agent's id, or
 * AGENT_E_NO_SPACE (AGENT_MAX reached, or an actor other than RVM that spawned
 * AGENT_SPAWN_EACH already: witnessed) or AGENT_E_INVALID (not a WASM partition,
 * or its capabilities could not be given: then the agent exists, terminated).
 */
int32_t agent_spawn(const struct agent_image *img, uint32_t partition, uint32_t actor,
                    cap_handle_t cap);

/*
 * One turn of the next of `partition`'s agents that can run, round robin: AGENT_FUEL of
 * bytecode, or less if it yields or waits. An agent whose `run` returns or traps terminates.
 * An initializing agent's turn is its load: its module decoded and instantiated, `run` begun,
 * then it is running (or terminated); no bytecode runs in that turn. The caller has made
 * FP/SIMD usable (env->fp_enter) and holds no lock. Returns false if none of the partition's
 * agents can run.
 */
bool agent_run_turn(uint32_t partition);
/*
 * Load agent `id` now, on this CPU, if it is still initializing: what its first turn would do
 * (its records the same), for a caller that must know the outcome (the boot's count of agents
 * started). Takes the lock itself, loads outside it (env->fp_enter first), and waits while
 * the agent is on a CPU (its first turn there). Returns 0 if its module loaded, here or on
 * that turn; else AGENT_E_INVALID.
 */
int32_t agent_load(uint32_t id);
/* Can one of `partition`'s agents run (so it must not sleep)? Lock held. */
bool agent_runnable(uint32_t partition);
/* A doorbell rang on an edge whose end `principal` waits in rvm.recv. Lock held. */
void agent_doorbell(uint32_t principal);

/*
 * suspend / resume / hibernate / reconstruct / kill agent `id`, or migrate it to WASM
 * partition `to` (agent_move with actor 0). Waits for the agent to leave its CPU, takes the lock
 * itself. Returns 0, or AGENT_E_INVALID (no such agent, or not possible in its state: nothing
 * changed, or, if the instance cannot be rebuilt, terminated). An initializing agent (not
 * loaded yet) can only be killed.
 */
int32_t agent_control(uint32_t id, enum agent_op op, uint32_t to);

/*
 * Move agent `id` to WASM partition `to` while it runs (a split, a merge, `agent migrate`),
 * witnessed (WK_WASM_MOVE) with `actor` as the one who moved it, refusals included. Takes
 * the lock itself and waits for the agent to leave its CPU. Its instance is rebuilt in the
 * destination from a snapshot before anything changes hands; its principal, capabilities and
 * CommEdge ends follow it unchanged. A move that cannot complete within
 * AGENT_MOVE_TIMEOUT_NS (DC-7), or at all, leaves the agent as it was, where it was. Returns
 * 0 or AGENT_E_INVALID; *result (may be NULL) says what happened.
 */
#define AGENT_MOVE_TIMEOUT_NS 100000000ull /* DC-7: 100 ms */
enum agent_move_result {
        AGENT_MOVE_OK = 0,
        AGENT_MOVE_NO_AGENT,      /* no agent with that id */
        AGENT_MOVE_BAD_PARTITION, /* `to` is not another running WASM partition */
        AGENT_MOVE_STATE,         /* not running or suspended (hibernated, terminated, ...) */
        AGENT_MOVE_NO_MEMORY,     /* no arena for the destination or no snapshot buffer */
        AGENT_MOVE_SNAPSHOT,      /* the instance did not save or restore */
        AGENT_MOVE_TIMEOUT,       /* past its deadline (DC-7) */
};
int32_t agent_move(uint32_t id, uint32_t to, uint32_t actor, enum agent_move_result *result);
const char *agent_move_result_name(enum agent_move_result r);

/*
 * Test images only (the monitor's `agent inject <id>`): agent id's next host call traps
 * (WASM_TRAP_HOST), as a fault of its own would; witnessed (WK_REC_INJECT, target = its
 * principal). Waits for it to leave its CPU, takes the lock itself. Returns 0, or
 * AGENT_E_INVALID if it is not running or suspended.
 */
int32_t agent_inject(uint32_t id);

/* Agents created so far (ids 1..agent_count()). */
uint32_t agent_count(void);
/* Agent id's data in *out; false if there is none. Lock held. */
bool agent_info(uint32_t id, struct agent_info *out);
const char *agent_state_name(enum agent_state s);

/*
 * The host calls behind the gate (the kernel's handlers decode the registers and call these;
 * lock held). Each returns 0 or a negative enum agent_status / CommEdge status, and writes its
 * result only on success.
 */
/* Is principal an agent's? */
bool agent_is(uint32_t principal);
/* rvm.log: text [ptr, ptr + len) of the caller's memory to the console; *printed = len. */
int32_t agent_log(uint32_t caller, uint64_t ptr, uint64_t len, uint64_t *printed);
/* rvm.put / rvm.send: one message (len <= 64, zero-padded) to env->edge_put(gate, ...). */
int32_t agent_put(uint32_t caller, uint64_t ptr, uint64_t len, void *gate);
/* rvm.recv: one message into [ptr, ptr + min(size, 64)); *got = bytes copied, 0 if none
 * (with flags bit 0 the caller then waits). */
int32_t agent_recv(uint32_t caller, uint64_t ptr, uint64_t size, uint64_t flags, void *gate,
                   uint64_t *got);
/* rvm.spawn: an agent of the module named [ptr, ptr + len) in `partition` (what the caller's
 * capability `cap` names); *id = its id. */
int32_t agent_spawn_named(uint32_t caller, uint64_t ptr, uint64_t len, uint32_t partition,
                          cap_handle_t cap, uint64_t *id);

#endif
