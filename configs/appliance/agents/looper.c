/*
 * configs/appliance/agents/looper.c: a WebAssembly agent that never yields: an infinite
 * loop. Fuel metering takes the CPU back from it, and because its state lives in the
 * instance it resumes where it stopped: the count it logs keeps growing.
 */
#define IMPORT(name) __attribute__((import_module("rvm"), import_name(name)))

IMPORT("log") void rvm_log(const char *text, int len);

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
        static const char head[] = "looper: still in its first call, iteration ";
        volatile unsigned long long i = 0;

        for (;; i++) {
                if ((i & 0x1fffff) == 0) {
                        char line[96];
                        int n = 0;
                        for (int k = 0; head[k] != '\0'; k++) {
                                line[n++] = head[k];
                        }
                        n += put_u64(line + n, i);
                        line[n++] = '\n';
                        rvm_log(line, n);
                }
        }
}
