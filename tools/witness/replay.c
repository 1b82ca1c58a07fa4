/*
 * tools/witness/replay.c — rebuilds, from the records alone, the state they describe at a
 * sequence number: partitions and states, capabilities and holders, memory regions and
 * owners, communication edges and device leases, and which RVF image each boot ran (its
 * verdict and any A/B update step); with members.c, each WASM partition's agents and the
 * communication graph (`witness graph`). The payload encodings it reads are the contract in
 * docs/WITNESS.md ("Payloads"); records flagged DENIED change nothing but a boot's verdict.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tools/witness/members.h"
#include "tools/witness/table.h"
#include "tools/witness/witness_tool.h"

/* Whole-table sweeps (merge, revoke) are bounded in total so no input can stall replay. */
#define REPLAY_WORK_MAX 400000000ull

/* A boot's RVF image: its last WK_BOOT_RVF verdict and WK_BOOT_RVF_SLOT step. */
struct boot_image {
        uint32_t boot;
        bool have_verdict, refused;
        uint64_t version, err, digest8, seq;
        bool have_step;
        uint64_t step_slot, step, step_version;
};

struct state {
        struct wt_table part, caps, regions, edges, leases;
        struct wt_members members;
        uint64_t records, denied, work;
        uint64_t last_seq; /* of the last record replayed (records > 0), and its boot */
        uint32_t last_boot;
        int oom;
        struct boot_image *boots;
        size_t nboots, capboots;
};

/* The entry of r's boot (boots come in order), or NULL when out of memory. */
static struct boot_image *boot_of(struct state *s, const struct witness_record *r)
{
        if (s->nboots > 0 && s->boots[s->nboots - 1].boot == r->boot)
                return &s->boots[s->nboots - 1];
        if (s->nboots == s->capboots) {
                size_t n = s->capboots ? 2 * s->capboots : 16;
                struct boot_image *b = realloc(s->boots, n * sizeof(*b));
                if (b == NULL) {
                        s->oom = 1;
                        return NULL;
                }
                s->boots = b;
                s->capboots = n;
        }
        s->boots[s->nboots] = (struct boot_image){.boot = r->boot};
        return &s->boots[s->nboots++];
}

static void note_boot_image(struct state *s, const struct witness_record *r)
{
        struct boot_image *b;

        if ((r->kind != WK_BOOT_RVF && r->kind != WK_BOOT_RVF_SLOT) || (b = boot_of(s, r)) == NULL)
                return;
        if (r->kind == WK_BOOT_RVF) {
                b->have_verdict = true;
                b->refused = (r->flags & WITNESS_F_DENIED) != 0;
                b->version = r->target;
                b->err = r->cap;
                b->digest8 = r->payload;
                b->seq = r->seq;
        } else {
                b->have_step = true;
                b->step_slot = r->target;
                b->step = r->cap;
                b->step_version = r->payload;
        }
}

static const char *const step_names[] = {"?",
                                         "tried for the first time",
                                         "confirmed (kept)",
                                         "refused or failed its self-test",
                                         "rolled back (its try never confirmed)",
                                         "rejected after failed boots in a row (F4)"};

static void print_boots(const struct state *s, FILE *out)
{
        fprintf(out, "boots (the RVF image each ran):\n");
        for (size_t i = 0; i < s->nboots; i++) {
                const struct boot_image *b = &s->boots[i];

                fprintf(out, "  boot %" PRIu32 ":", b->boot);
                if (b->have_verdict && !b->refused)
                        fprintf(out,
                                " image version %" PRIu64 " verified (digest %016" PRIx64
                                "..., seq %" PRIu64 ")",
                                b->version, b->digest8, b->seq);
                else if (b->have_verdict)
                        fprintf(out,
                                " image refused (error %" PRIu64 ", segment %" PRId32
                                "; seq %" PRIu64 "): nothing from it ran",
                                b->err & 0xFFFFFFFFu, (int32_t)(b->err >> 32), b->seq);
                if (b->have_step)
                        fprintf(out, "%s update in slot %c (version %" PRIu64 ") %s",
                                b->have_verdict ? ";" : "", b->step_slot ? 'B' : 'A',
                                b->step_version,
                                step_names[b->step < sizeof(step_names) / sizeof(step_names[0])
                                               ? b->step
                                               : 0]);
                fputc('\n', out);
        }
}

static struct wt_obj *find(struct wt_table *t, uint64_t id)
{
        return wt_table_find(t, id);
}

static struct wt_obj *add(struct state *s, struct wt_table *t, uint64_t id)
{
        return wt_table_add(t, id, &s->oom);
}

static void touch(struct wt_obj *o, const struct witness_record *r)
{
        if (o) {
                o->seq = r->seq;
                o->time = r->time_ns;
                o->actor = r->actor;
        }
}

/* Revoking a capability takes its derived descendants with it (field c = parent). */
static void revoke(struct state *s, struct wt_table *caps, uint64_t handle,
                   const struct witness_record *r)
{
        struct wt_obj *o = find(caps, handle);

        if (o == NULL)
                return;
        o->alive = false;
        touch(o, r);
        for (bool again = true; again && s->work < REPLAY_WORK_MAX;) {
                again = false;
                s->work += caps->n;
                for (size_t i = 0; i < caps->n; i++) {
                        struct wt_obj *c = &caps->v[i];

                        if (c->alive && c->c != 0 && find(caps, c->c) == NULL) {
                                c->alive = false;
                                touch(c, r);
                                again = true;
                        }
                }
        }
}

static void apply(struct state *s, const struct witness_record *r)
{
        struct wt_obj *o, *p;

        s->records++;
        if (s->work >= REPLAY_WORK_MAX)
                return;
        if (r->flags & WITNESS_F_DENIED) {
                s->denied++;
                return;
        }
        /* A split or merge of a partition with itself is no reshape (members.c reports it). */
        if ((r->kind == WK_PART_SPLIT || r->kind == WK_PART_MERGE) &&
            (r->payload & 0xFFFF) == r->target)
                return;
        switch (r->kind) {
        case WK_PART_CREATE: /* a = state */
                touch(o = add(s, &s->part, r->target), r);
                if (o)
                        o->a = r->payload;
                break;
        case WK_PART_STATE:
                touch(o = add(s, &s->part, r->target), r);
                if (o)
                        o->a = r->payload & 0xFFFFFFFFu;
                break;
        case WK_PART_FAULT: /* b = last fault code */
                touch(o = add(s, &s->part, r->target), r);
                if (o)
                        o->b = r->payload;
                break;
        case WK_PART_DESTROY:
                if ((o = find(&s->part, r->target)) != NULL) {
                        o->alive = false;
                        touch(o, r);
                }
                break;
        case WK_PART_SPLIT: /* source target -> new partition: payload bits 15:0 */
                p = find(&s->part, r->target);
                touch(o = add(s, &s->part, r->payload & 0xFFFF), r);
                if (o && p)
                        o->a = find(&s->part, r->target)->a;
                break;
        case WK_PART_MERGE: /* absorbed target -> survivor: payload bits 15:0 */
                s->work += s->regions.n + s->caps.n;
                if ((o = find(&s->part, r->target)) != NULL) {
                        o->alive = false;
                        touch(o, r);
                }
                for (size_t i = 0; i < s->regions.n; i++)
                        if (s->regions.v[i].alive && s->regions.v[i].a == r->target) {
                                s->regions.v[i].a = (r->payload & 0xFFFF);
                                touch(&s->regions.v[i], r);
                        }
                for (size_t i = 0; i < s->caps.n; i++)
                        if (s->caps.v[i].alive && s->caps.v[i].a == r->target)
                                s->caps.v[i].a = (r->payload & 0xFFFF);
                break;
        case WK_CAP_CREATE: /* caps: a = holder, b = object, c = parent, d = rights */
                touch(o = add(s, &s->caps, r->cap), r);
                if (o) {
                        o->a = r->actor;
                        o->b = r->target;
                        o->c = 0;
                        o->d = r->payload;
                }
                break;
        case WK_CAP_DERIVE: {
                /* Only a known parent is recorded: an unknown one (created before the log
                 * starts) must not make the child look orphaned at the next revocation. */
                uint64_t obj = 0;
                bool known = false;

                if ((p = find(&s->caps, r->cap)) != NULL) {
                        obj = p->b;
                        known = r->cap != r->target;
                }
                touch(o = add(s, &s->caps, r->target), r);
                if (o) {
                        o->a = r->actor;
                        o->b = obj;
                        o->c = known ? r->cap : 0;
                        o->d = r->payload;
                }
                break;
        }
        case WK_CAP_GRANT:
                p = find(&s->caps, r->cap);
                if (p == NULL)
                        break;
                if (r->payload == 0) {
                        p->a = r->target;
                        touch(p, r);
                } else {
                        uint64_t obj = p->b, rights = p->d;

                        touch(o = add(s, &s->caps, r->payload), r);
                        if (o) {
                                /* The receiver is the table the new handle names (table id =
                                 * principal + 1); target is the object (cap/ writes it so). */
                                o->a = (r->payload >> 48) - 1;
                                o->b = obj;
                                o->c = r->payload != r->cap ? r->cap : 0;
                                o->d = rights;
                        }
                }
                break;
        case WK_CAP_REVOKE:
                revoke(s, &s->caps, r->target, r);
                break;
        case WK_CAP_DROP:
                if ((o = find(&s->caps, r->target ? r->target : r->cap)) != NULL) {
                        o->alive = false;
                        touch(o, r);
                }
                break;
        case WK_MEM_REGION: /* a = owner, b = size, c = tier; id = region */
                touch(o = add(s, &s->regions, r->target), r);
                if (o) {
                        o->a = r->actor;
                        o->b = r->payload;
                }
                break;
        case WK_MEM_TRANSFER:
                if ((o = find(&s->regions, r->target)) != NULL) {
                        o->a = r->payload;
                        touch(o, r);
                }
                break;
        case WK_MEM_TIER:
                if ((o = find(&s->regions, r->target)) != NULL) {
                        o->c = r->payload;
                        touch(o, r);
                }
                break;
        case WK_MEM_MAP:
        case WK_MEM_UNMAP:
                if ((o = find(&s->regions, r->target)) != NULL)
                        touch(o, r);
                break;
        case WK_COMM_EDGE: /* a = from, b = to */
                touch(o = add(s, &s->edges, r->target), r);
                if (o) {
                        o->a = r->actor;
                        o->b = r->payload;
                }
                break;
        case WK_COMM_EDGE_DESTROY:
                if ((o = find(&s->edges, r->target)) != NULL) {
                        o->alive = false;
                        touch(o, r);
                }
                break;
        case WK_DEV_LEASE: /* target = lessee << 32 | device; a = lessee, b = expiry */
                touch(o = add(s, &s->leases, r->target & 0xFFFFFFFFu), r);
                if (o) {
                        o->a = (uint32_t)(r->target >> 32);
                        o->b = r->payload;
                }
                break;
        case WK_DEV_EXPIRE:
        case WK_DEV_REVOKE:
                if ((o = find(&s->leases, r->target)) != NULL) {
                        o->alive = false;
                        touch(o, r);
                }
                break;
        default:
                break;
        }
}

static const char *part_state(uint64_t s)
{
        static const char *names[] = {"created", "running",   "suspended", "stopped",
                                      "faulted", "migrating", "dormant"};

        return s < sizeof(names) / sizeof(names[0]) ? names[s] : "state?";
}

/* Replays the records up to seq `at` (inclusive) into s. */
static void replay_run(const struct wt_input *in, uint64_t at, struct state *s)
{
        struct witness_record r;
        uint64_t next = 0;
        bool started = false;
        uint32_t boot = 0;

        for (size_t i = 0; i < in->n; i++) {
                if (in->items[i].is_head)
                        continue;
                witness_record_decode(in->items[i].raw, &r);
                /* Repeated copies (serial) and anything out of order are not replayed twice. */
                if (started && r.seq < next)
                        continue;
                if (r.seq > at)
                        break;
                /*
                 * Partitions, capabilities, regions, edges, leases, agents and the coherence
                 * graph live in RAM: a record of a new boot means they were all rebuilt from
                 * nothing.
                 */
                if (started && r.boot != boot) {
                        wt_table_clear(&s->part);
                        wt_table_clear(&s->caps);
                        wt_table_clear(&s->regions);
                        wt_table_clear(&s->edges);
                        wt_table_clear(&s->leases);
                        wt_members_new_boot(&s->members);
                }
                boot = r.boot;
                s->last_boot = r.boot;
                started = true;
                next = r.seq + 1;
                s->last_seq = r.seq;
                note_boot_image(s, &r);
                apply(s, &r);
                wt_members_apply(&s->members, &r, &s->edges);
        }
        wt_members_finish(&s->members);
}

static void state_free(struct state *s)
{
        wt_table_free(&s->part);
        wt_table_free(&s->caps);
        wt_table_free(&s->regions);
        wt_table_free(&s->edges);
        wt_table_free(&s->leases);
        wt_members_free(&s->members);
        free(s->boots);
}

static void print_warnings(const struct state *s, FILE *out, const char *prefix)
{
        if (s->oom || s->members.oom)
                fprintf(out, "%swarning: out of memory, state incomplete\n", prefix);
        if (s->work >= REPLAY_WORK_MAX)
                fprintf(out, "%swarning: replay work limit reached, state incomplete\n", prefix);
}

void wt_replay(const struct wt_input *in, uint64_t at, FILE *out)
{
        struct state st, *s = &st;

        memset(s, 0, sizeof(*s));
        wt_members_init(&s->members, false);
        replay_run(in, at, s);
        fprintf(out, "state at seq %" PRIu64 " (%" PRIu64 " records applied, %" PRIu64 " denied)\n",
                at, s->records, s->denied);
        fprintf(out, "partitions:\n");
        for (size_t i = 0; i < s->part.n; i++)
                if (s->part.v[i].alive)
                        fprintf(out,
                                "  partition %" PRIu64 " state %s (%" PRIu64 ") last fault %" PRIu64
                                " changed at seq %" PRIu64 "\n",
                                s->part.v[i].id, part_state(s->part.v[i].a), s->part.v[i].a,
                                s->part.v[i].b, s->part.v[i].seq);
        fprintf(out, "capabilities:\n");
        for (size_t i = 0; i < s->caps.n; i++)
                if (s->caps.v[i].alive)
                        fprintf(out,
                                "  cap 0x%" PRIx64 " held by %" PRIu64 " object 0x%" PRIx64
                                " rights 0x%" PRIx64 " parent 0x%" PRIx64 "\n",
                                s->caps.v[i].id, s->caps.v[i].a, s->caps.v[i].b, s->caps.v[i].d,
                                s->caps.v[i].c);
        fprintf(out, "regions:\n");
        for (size_t i = 0; i < s->regions.n; i++)
                if (s->regions.v[i].alive)
                        fprintf(out,
                                "  region 0x%" PRIx64 " owner %" PRIu64 " size %" PRIu64
                                " tier %" PRIu64 " last changed at seq %" PRIu64 " (t=%" PRIu64
                                " ns) by %u\n",
                                s->regions.v[i].id, s->regions.v[i].a, s->regions.v[i].b,
                                s->regions.v[i].c, s->regions.v[i].seq, s->regions.v[i].time,
                                s->regions.v[i].actor);
        fprintf(out, "edges:\n");
        for (size_t i = 0; i < s->edges.n; i++)
                if (s->edges.v[i].alive)
                        fprintf(out, "  edge %" PRIu64 " %" PRIu64 " -> %" PRIu64 "\n",
                                s->edges.v[i].id, s->edges.v[i].a, s->edges.v[i].b);
        fprintf(out, "leases:\n");
        for (size_t i = 0; i < s->leases.n; i++)
                if (s->leases.v[i].alive)
                        fprintf(out,
                                "  device %" PRIu64 " leased to %" PRIu64 " until %" PRIu64 " ns\n",
                                s->leases.v[i].id, s->leases.v[i].a, s->leases.v[i].b);
        wt_members_print(&s->members, out, &s->part, part_state);
        print_boots(s, out);
        wt_members_print_anomalies(&s->members, out, "");
        print_warnings(s, out, "");
        state_free(s);
}

int wt_graph(const struct wt_input *in, uint64_t at, FILE *out, FILE *err)
{
        struct state st, *s = &st;
        const struct wt_members *m = &s->members;
        int rc;

        memset(s, 0, sizeof(*s));
        wt_members_init(&s->members, true);
        replay_run(in, at, s);
        fprintf(out,
                "// tools/witness graph at seq %" PRIu64
                " (boot %u): the coherence engine's "
                "moving-average weights after the last epoch folded by then\n"
                "// this boot: %" PRIu64 " scheduler epochs folded, %" PRIu64
                " messages in %" PRIu64 " CommEdge summaries (%" PRIu64 " not counted)\n",
                s->records ? s->last_seq : at, s->records ? s->last_boot : 0, m->folds, m->messages,
                m->sends, m->sends_dropped);
        rc = wt_members_dot(m, out);
        if (rc != 0)
                fprintf(err, "witness: the graph is incomplete (no memory, or it did not fit)\n");
        wt_members_print_anomalies(m, err, "witness: ");
        print_warnings(s, err, "witness: ");
        state_free(s);
        return rc == 0 ? 0 : 1;
}
