/*
 * configs/agent_io.h: what the WebAssembly agents a profile embeds share: the imports of
 * RVM's host module "rvm" and a decimal formatter (agents have no libc).
 */
#ifndef RVM_CONFIGS_AGENT_IO_H
#define RVM_CONFIGS_AGENT_IO_H

#define RVM_IMPORT(name) __attribute__((import_module("rvm"), import_name(name)))

RVM_IMPORT("log") void rvm_log(const char *text, int len);
RVM_IMPORT("time") long long rvm_time(void);
RVM_IMPORT("yield") void rvm_yield(void);

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

#endif
