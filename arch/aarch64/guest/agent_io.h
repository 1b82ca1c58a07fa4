/*
 * arch/aarch64/guest/agent_io.h: what the WebAssembly agents a profile embeds share: the imports of
 * RVM's host module "rvm" (docs/WASM.md) and a decimal formatter (agents have no libc).
 * Every call but yield goes through RVM's security gate; a negative result is a status of
 * docs/ABI.md (e.g. -6 STALE, -9 RIGHTS, -12 RANGE, -13 NO_SPACE).
 */
#ifndef RVM_CONFIGS_AGENT_IO_H
#define RVM_CONFIGS_AGENT_IO_H

#define RVM_IMPORT(name) __attribute__((import_module("rvm"), import_name(name)))

/* Capability object types (docs/ABI.md) an agent may hold. */
#define RVM_CAP_PARTITION   1
#define RVM_CAP_COMM_EDGE   3
#define RVM_CAP_WITNESS_LOG 6

#define RVM_RECV_WAIT  1 /* rvm_recv: wait for a message (no fuel, no turns until the doorbell) */
#define RVM_E_NO_SPACE (-13)

RVM_IMPORT("log") int rvm_log(const char *text, int len);
RVM_IMPORT("time") long long rvm_time(void);
RVM_IMPORT("yield") void rvm_yield(void);
/* The index-th capability of that type the agent holds (table order), 0 if none. */
RVM_IMPORT("cap") long long rvm_cap(int type, int index);
/* One message (<= 64 bytes) on the edge, then its doorbell; RVM_E_NO_SPACE if the ring is full. */
RVM_IMPORT("send") int rvm_send(long long edge, const void *msg, int len);
/* rvm_send without the doorbell (no witness record): put a burst, then rvm_notify once. */
RVM_IMPORT("put") int rvm_put(long long edge, const void *msg, int len);
/* The doorbell: RVM counts what was put since the last one and wakes a waiting peer. */
RVM_IMPORT("notify") int rvm_notify(long long edge);
/* Bytes received (the message is taken), 0 if none (without RVM_RECV_WAIT), or an error. */
RVM_IMPORT("recv") int rvm_recv(long long edge, void *buf, int size, int flags);
/* A witness record of the agent's own: kind WK_WASM_EMIT, target = tag, payload = value. */
RVM_IMPORT("witness") int rvm_witness(long long log, int tag, long long value);
/* A new agent from the configuration's module `name`, in the partition the capability names:
 * its id, or an error (-13 NO_SPACE when AGENT_MAX agents exist). */
RVM_IMPORT("spawn") int rvm_spawn(long long partition, const char *name, int len);

/* Append text to line at n; returns the new length. */
static inline int agent_puts(char *line, int n, const char *text)
{
        while (*text != '\0') {
                line[n++] = *text++;
        }
        return n;
}

/* Append v in decimal to line at n; returns the new length. */
static inline int agent_putu(char *line, int n, unsigned long long v)
{
        char tmp[24];
        int k = 0;

        do {
                tmp[k++] = (char)('0' + v % 10);
                v /= 10;
        } while (v != 0);
        while (k > 0) {
                line[n++] = tmp[--k];
        }
        return n;
}

/* Append a signed value. */
static inline int agent_puti(char *line, int n, long long v)
{
        if (v < 0) {
                line[n++] = '-';
                return agent_putu(line, n, (unsigned long long)-v);
        }
        return agent_putu(line, n, (unsigned long long)v);
}

/* Append v in hexadecimal (16 digits). */
static inline int agent_putx(char *line, int n, unsigned long long v)
{
        for (int i = 60; i >= 0; i -= 4) {
                line[n++] = "0123456789abcdef"[(v >> i) & 15];
        }
        return n;
}

static inline int agent_strlen(const char *s)
{
        int n = 0;

        while (s[n] != '\0') {
                n++;
        }
        return n;
}

#endif
