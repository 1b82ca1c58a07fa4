/*
 * configs/appliance/agents/counter.c: a well-behaved WebAssembly agent (clang
 * --target=wasm32). It counts, and every two seconds logs how far it got and yields.
 */
#define IMPORT(name) __attribute__((import_module("rvm"), import_name(name)))

IMPORT("log") void rvm_log(const char *text, int len);
IMPORT("time") long long rvm_time(void);
IMPORT("yield") void rvm_yield(void);

static int put_u64(char *p, unsigned long long v)
{
        char tmp[24];
        int n = 0;
        int len = 0;

        do {
                tmp[n++] = (char)('0' + v % 10);
                v /= 10;
        } while (v != 0);
        while (n > 0) {
                p[len++] = tmp[--n];
        }
        return len;
}

__attribute__((export_name("run"))) void run(void)
{
        static const char head[] = "counter: ";
        static const char tail[] = " steps, a well-behaved agent\n";
        unsigned long long steps = 0;
        long long next = rvm_time() + 2000000000LL;

        for (;;) {
                steps++;
                if ((steps & 0xffff) == 0 && rvm_time() >= next) {
                        char line[96];
                        int n = 0;
                        for (int i = 0; head[i] != '\0'; i++) {
                                line[n++] = head[i];
                        }
                        n += put_u64(line + n, steps);
                        for (int i = 0; tail[i] != '\0'; i++) {
                                line[n++] = tail[i];
                        }
                        rvm_log(line, n);
                        next += 2000000000LL;
                        rvm_yield();
                }
        }
}
