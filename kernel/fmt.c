/*
 * kernel/fmt.c: the formatter behind con_printf. Bounded: it never writes past cap and
 * never reads an argument for a conversion it does not understand.
 */
#include "kernel/fmt.h"

#include <stdbool.h>
#include <stdint.h>

struct out {
        char *buf;
        size_t cap;
        size_t len;
};

static void put(struct out *o, char c)
{
        if (o->len + 1 < o->cap) {
                o->buf[o->len] = c;
        }
        o->len++;
}

/* s[0..n) padded to width: with pad before it, or with spaces after it when left. */
static void put_padded(struct out *o, const char *s, size_t n, unsigned width, bool left, char pad)
{
        size_t fill = width > n ? width - n : 0;

        if (!left) {
                while (fill-- > 0) {
                        put(o, pad);
                }
        }
        for (size_t i = 0; i < n; i++) {
                put(o, s[i]);
        }
        if (left) {
                while (fill-- > 0) {
                        put(o, ' ');
                }
        }
}

/*
 * Every piece of the output goes out at one place (put_padded at the end of the loop): a
 * plain character, a conversion's text (a number written into tmp, a string, a character)
 * or an unknown conversion as written; only a sign before zero padding and the "0x" of %p
 * come before it.
 */
size_t fmt_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
        struct out o = {buf, cap, 0};

        for (const char *p = fmt; *p != '\0'; p++) {
                const char *s = p; /* what goes out: s[0..n), padded to width */
                size_t n = 1;
                unsigned width = 0;
                bool left = false;
                char pad = ' ';
                char tmp[24];

                if (*p == '%') {
                        const char *start = p++;
                        int lng = 0; /* 0 int, 1 long, 2 long long, 3 size_t */

                        for (; *p == '-' || *p == '0'; p++) {
                                if (*p == '-') {
                                        left = true;
                                } else {
                                        pad = '0';
                                }
                        }
                        while (*p >= '0' && *p <= '9' && width < 1000) {
                                width = width * 10 + (unsigned)(*p++ - '0');
                        }
                        if (*p == 'l') {
                                lng = 1;
                                if (*++p == 'l') {
                                        lng = 2;
                                        p++;
                                }
                        } else if (*p == 'z') {
                                lng = 3;
                                p++;
                        }
                        if (left) {
                                pad = ' ';
                        }

                        switch (*p) {
                        case 'd':
                        case 'i':
                        case 'u':
                        case 'x':
                        case 'X':
                        case 'p': {
                                /* Each integer argument is read at one place: int and unsigned,
                                 * long and unsigned long (and so on) take the same argument
                                 * slot, and a signed value is widened from its width below. */
                                uint64_t v = *p == 'p'  ? (uintptr_t)va_arg(ap, void *)
                                             : lng == 0 ? va_arg(ap, unsigned)
                                             : lng == 1 ? va_arg(ap, unsigned long)
                                             : lng == 2 ? va_arg(ap, unsigned long long)
                                                        : va_arg(ap, size_t);
                                bool negative = false;
                                if (*p == 'd' || *p == 'i') {
                                        int64_t sv = lng == 0 ? (int64_t)(int32_t)v : (int64_t)v;
                                        negative = sv < 0;
                                        v = negative ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv;
                                } else if (*p == 'p') {
                                        put(&o, '0');
                                        put(&o, 'x');
                                }
                                /* Digits computed, not read from a table: 10..15 are a..f
                                 * (A..F for %X). */
                                char ten = *p == 'X' ? 'A' : 'a';
                                unsigned base = *p == 'd' || *p == 'i' || *p == 'u' ? 10 : 16;
                                n = 0;
                                do {
                                        unsigned d = (unsigned)(v % base);
                                        tmp[sizeof(tmp) - 1 - n++] =
                                            (char)(d < 10 ? '0' + d : ten + (d - 10));
                                        v /= base;
                                } while (v != 0);
                                if (negative) {
                                        if (pad == '0' && width > 0) {
                                                put(&o, '-'); /* the sign before the zeros */
                                                width--;
                                        } else {
                                                tmp[sizeof(tmp) - 1 - n++] = '-';
                                        }
                                }
                                s = &tmp[sizeof(tmp) - n];
                                break;
                        }
                        case 's':
                                pad = ' '; /* zeros only before a number's digits */
                                s = va_arg(ap, const char *);
                                if (s == NULL) {
                                        s = "(null)";
                                }
                                for (n = 0; s[n] != '\0'; n++) {
                                }
                                break;
                        case 'c':
                                pad = ' ';
                                tmp[0] = (char)va_arg(ap, int);
                                s = tmp;
                                break;
                        case '%':
                                width = 0;
                                break;
                        default:
                                /* Unknown conversion (or end of string): as written. */
                                s = start;
                                n = (size_t)(p - start) + (*p != '\0');
                                width = 0;
                                if (*p == '\0') {
                                        p--;
                                }
                                break;
                        }
                }
                put_padded(&o, s, n, width, left, pad);
        }
        if (cap > 0) {
                buf[o.len < cap ? o.len : cap - 1] = '\0';
        }
        return o.len;
}

size_t fmt_format(char *buf, size_t cap, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        size_t n = fmt_vformat(buf, cap, fmt, ap);
        va_end(ap);
        return n;
}

#ifdef RVM_KERNEL
const char *fmt_name(const char *list, unsigned i)
{
        return fmt_name_in(list, i);
}
#endif
