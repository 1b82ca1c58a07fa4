/*
 * kernel/ipc.c: the kernel's side of CommEdges (see ipc.h): thin gate handlers that decode
 * the registers and call partition/edge.c, then do what it says (raise the doorbell's
 * virtual interrupt, wake a vCPU or an agent), and the `edges` monitor command.
 */
#include "kernel/ipc.h"

#include "kernel/cohere.h"
#include "kernel/console.h"
#include "kernel/fmt.h"
#include "kernel/hvc.h"
#include "kernel/monitor.h"
#include "kernel/run.h"
#include "partition/virq.h"
#include "witness/witness.h"

static void (*end_waker)(uint32_t principal);

void ipc_set_end_waker(void (*wake)(uint32_t principal))
{
        end_waker = wake;
}

int ipc_edge_connect(uint32_t end_a, uint32_t end_b)
{
        return edge_connect(end_a, end_b) == PART_OK ? 0 : -1;
}

/* The edge the caller's capability names (P1 checked its type and rights). */
static uint32_t edge_of(const struct gate_ctx *ctx)
{
        return ctx->cap.object_ref < EDGE_MAX ? (uint32_t)ctx->cap.object_ref : EDGE_MAX;
}

/* What a doorbell of caller asks for: the traffic counted, the peer's interrupt raised, a
 * waiting vCPU or agent woken. */
static inline __attribute__((always_inline)) void rung(uint32_t caller,
                                                       const struct edge_doorbell *d)
{
        cohere_count_send(caller, d->peer, d->messages); /* remote traffic (make bench) */
        if (d->irq_vcpu != NULL) {
                virq_raise(d->irq_vcpu, d->vintid);
        }
        if (d->woken != NULL) {
                run_vcpu_woken(d->woken);
        }
        if (d->agent_woken != 0 && end_waker != NULL) {
                end_waker(d->agent_woken);
        }
}

int32_t ipc_hc_notify(struct gate_ctx *ctx)
{
        struct edge_doorbell d;
        enum part_err e = edge_notify(edge_of(ctx), ctx->call->caller, &d);

        if (e != PART_OK) {
                return gate_status_from_part(e);
        }
        rung(ctx->call->caller, &d);
        return GATE_OK; /* witnessed in the epoch's summary of the edge (ipc_epoch) */
}

enum vdev_result ipc_doorbell_abort(struct partition *p, struct arch_regs *regs, uint64_t esr,
                                    ipa_t ipa)
{
        struct arch_mmio_access a;

        if (!arch_mmio_decode(esr, &a)) {
                return VDEV_UNDECODABLE; /* the caller faults it, witnessed with the ESR */
        }
        uint64_t offset = ipa_addr(ipa) - edge_db_ipa(p);
        uint32_t value = 0;
        bool rang;
        struct edge_doorbell d;
        enum edge_mmio r = offset + a.width <= EDGE_DB_SIZE
                               ? edge_mmio(p->id, offset, a.width, a.write, &value, &rang, &d)
                               : EDGE_MMIO_OFFSET;
        if (r != EDGE_MMIO_OK && gate_denial_admit(p->id, WK_COMM_SEND)) {
                /* Refused: witnessed at once, on the gate's denial budget (a flood is counted
                 * into the epoch's WK_WIT_FOLDED); a read gives all ones, a write is dropped
                 * and the guest goes on. */
                witness_emit(&(struct witness_event){
                    .kind = WK_COMM_SEND,
                    .flags = WITNESS_F_DENIED,
                    .actor = p->id,
                    .target = ipa_addr(ipa),
                    .payload = (uint64_t)r | (uint64_t)a.width << 32 | (uint64_t)a.write << 40});
        }
        if (r != EDGE_MMIO_OK) {
                rang = false;
        }
        if (rang) {
                rung(p->id, &d); /* witnessed in the epoch's summary, as EDGE_NOTIFY is */
        }
        if (!a.write && a.reg != 31) {
                regs->x[a.reg] = arch_mmio_load_value(&a, r == EDGE_MMIO_OK ? value : ~0ULL);
        }
        regs->elr += 4; /* IL = 1: a 32-bit instruction */
        return VDEV_DONE;
}

int32_t ipc_hc_wait(struct gate_ctx *ctx)
{
        struct vcpu *v = run_current();
        bool blocked;

        if (v == NULL) {
                return GATE_E_INTERNAL;
        }
        enum part_err e = edge_wait(edge_of(ctx), ctx->call->caller, v, &blocked);
        if (e != PART_OK) {
                return gate_status_from_part(e);
        }
        if (blocked) {
                run_vcpu_blocked(v);
        }
        return GATE_OK;
}

/* A request and the wait for its answer in one trap: the doorbell (as EDGE_NOTIFY), then,
 * if it rang, the wait (as EDGE_WAIT). The peer it woke usually runs next, in the caller's
 * place. */
int32_t ipc_hc_notify_wait(struct gate_ctx *ctx)
{
        int32_t st = ipc_hc_notify(ctx);

        return st == GATE_OK ? ipc_hc_wait(ctx) : st;
}

void ipc_epoch(void)
{
        struct edge_summary s;

        for (uint32_t id = 0; id < edge_count(); id++) {
                for (unsigned dir = 0; dir < 2; dir++) {
                        if (!edge_take_summary(id, dir, &s)) {
                                continue;
                        }
                        /* target = edge | direction << 32; cap = first message index << 32 |
                         * the index past the last; payload = messages | doorbells << 32. */
                        cohere_traffic(s.sender, edge_get(id)->end[1 - dir], s.messages,
                                       (uint64_t)s.messages * EDGE_MSG_BYTES);
                        witness_emit(&(struct witness_event){
                            .kind = WK_COMM_SEND,
                            .actor = s.sender,
                            .target = (uint64_t)s.edge | (uint64_t)dir << 32,
                            .cap = (uint64_t)s.first << 32 | s.last,
                            .payload = (uint64_t)s.messages | (uint64_t)s.notifies << 32});
                }
        }
}

int32_t ipc_end_put(const struct gate_ctx *ctx, const uint8_t msg[64])
{
        return gate_status_from_part(edge_put(edge_of(ctx), ctx->call->caller, msg));
}

int32_t ipc_end_take(const struct gate_ctx *ctx, uint8_t msg[64], bool wait)
{
        bool got;
        enum part_err e = edge_take(edge_of(ctx), ctx->call->caller, msg, wait, &got);

        return e != PART_OK ? gate_status_from_part(e) : got ? 1 : 0;
}

/* An end as `edges` prints it: a partition id, or "a<N>" for agent N. */
static const char *end_name(uint32_t end, char buf[8])
{
        if (part_get(end) != NULL || end == 0) {
                fmt_format(buf, 8, "%u", end);
        } else {
                fmt_format(buf, 8, "a%u", end - PART_MAX);
        }
        return buf;
}

static int cmd_edges(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        con_printf("edge  from -> to   messages   bytes       notifies\n");
        run_lock_take();
        for (unsigned i = 0; i < edge_count(); i++) {
                const struct edge *e = edge_get(i);
                for (unsigned d = 0; d < 2; d++) {
                        char from[8], to[8];
                        con_printf("%-5u %-4s -> %-4s %-10llu %-11llu %llu\n", e->id,
                                   end_name(e->end[d], from), end_name(e->end[1 - d], to),
                                   (unsigned long long)e->side[d].msgs,
                                   (unsigned long long)e->side[d].msgs * EDGE_MSG_BYTES,
                                   (unsigned long long)e->side[d].notifies);
                }
        }
        run_lock_give();
        if (edge_count() == 0) {
                con_puts("(no CommEdges)\n");
        }
        return 0;
}
MONITOR_CMD(edges, "edges", "", "CommEdges with message and byte counts", cmd_edges);
