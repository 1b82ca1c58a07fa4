/*
 * Recursive-descent JSON reader (see json.h). Depth is bounded so hostile input cannot exhaust
 * the C stack.
 */
#include "tests/wasm/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct parser {
        const char *p, *end;
        int depth;
};

static void skip_ws(struct parser *ps)
{
        while (ps->p < ps->end &&
               (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')) {
                ps->p++;
        }
}

static struct json *new_node(enum json_type t)
{
        struct json *j = calloc(1, sizeof(*j));
        if (j != NULL) {
                j->type = t;
        }
        return j;
}

static int hex4(struct parser *ps, unsigned *out)
{
        unsigned v = 0;
        for (int i = 0; i < 4; i++) {
                if (ps->p >= ps->end) {
                        return -1;
                }
                char c = *ps->p++;
                v <<= 4;
                if (c >= '0' && c <= '9') {
                        v |= (unsigned)(c - '0');
                } else if (c >= 'a' && c <= 'f') {
                        v |= (unsigned)(c - 'a' + 10);
                } else if (c >= 'A' && c <= 'F') {
                        v |= (unsigned)(c - 'A' + 10);
                } else {
                        return -1;
                }
        }
        *out = v;
        return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
        if (cp < 0x80) {
                o[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                o[0] = (char)(0xC0 | (cp >> 6));
                o[1] = (char)(0x80 | (cp & 0x3F));
                return 2;
        }
        if (cp < 0x10000) {
                o[0] = (char)(0xE0 | (cp >> 12));
                o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                o[2] = (char)(0x80 | (cp & 0x3F));
                return 3;
        }
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
}

static char *parse_string(struct parser *ps, size_t *len)
{
        if (ps->p >= ps->end || *ps->p != '"') {
                return NULL;
        }
        ps->p++;
        /* decoded output is never longer than the input up to the closing quote */
        const char *q = ps->p;
        while (q < ps->end && *q != '"') {
                q += (*q == '\\' && q + 1 < ps->end) ? 2 : 1;
        }
        char *out = malloc((size_t)(q - ps->p) + 1);
        if (out == NULL) {
                return NULL;
        }
        size_t n = 0;
        while (ps->p < ps->end && *ps->p != '"') {
                char c = *ps->p++;
                if (c != '\\') {
                        out[n++] = c;
                        continue;
                }
                if (ps->p >= ps->end) {
                        break;
                }
                c = *ps->p++;
                unsigned cp;
                switch (c) {
                case 'n':
                        out[n++] = '\n';
                        break;
                case 't':
                        out[n++] = '\t';
                        break;
                case 'r':
                        out[n++] = '\r';
                        break;
                case 'b':
                        out[n++] = '\b';
                        break;
                case 'f':
                        out[n++] = '\f';
                        break;
                case 'u':
                        if (hex4(ps, &cp) != 0) {
                                free(out);
                                return NULL;
                        }
                        if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 &&
                            ps->p[0] == '\\' && ps->p[1] == 'u') {
                                unsigned lo;
                                const char *save = ps->p;
                                ps->p += 2;
                                if (hex4(ps, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                } else {
                                        ps->p = save;
                                }
                        }
                        n += put_utf8(out + n, cp);
                        break;
                default:
                        out[n++] = c;
                        break;
                }
        }
        if (ps->p >= ps->end) {
                free(out);
                return NULL;
        }
        ps->p++;
        out[n] = 0;
        *len = n;
        return out;
}

static struct json *parse_value(struct parser *ps);

static int add_item(struct json *j, struct json *v, char *key)
{
        struct json **items = realloc(j->items, sizeof(*items) * (j->n + 1));
        if (items == NULL) {
                return -1;
        }
        j->items = items;
        if (j->type == JSON_OBJ) {
                char **keys = realloc(j->keys, sizeof(*keys) * (j->n + 1));
                if (keys == NULL) {
                        return -1;
                }
                j->keys = keys;
                j->keys[j->n] = key;
        }
        j->items[j->n++] = v;
        return 0;
}

static struct json *parse_compound(struct parser *ps, char close)
{
        struct json *j = new_node(close == '}' ? JSON_OBJ : JSON_ARR);
        if (j == NULL) {
                return NULL;
        }
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == close) {
                ps->p++;
                return j;
        }
        for (;;) {
                char *key = NULL;
                size_t klen;
                skip_ws(ps);
                if (close == '}') {
                        key = parse_string(ps, &klen);
                        skip_ws(ps);
                        if (key == NULL || ps->p >= ps->end || *ps->p != ':') {
                                free(key);
                                json_free(j);
                                return NULL;
                        }
                        ps->p++;
                }
                struct json *v = parse_value(ps);
                if (v == NULL || add_item(j, v, key) != 0) {
                        free(key);
                        json_free(v);
                        json_free(j);
                        return NULL;
                }
                skip_ws(ps);
                if (ps->p < ps->end && *ps->p == ',') {
                        ps->p++;
                        continue;
                }
                if (ps->p < ps->end && *ps->p == close) {
                        ps->p++;
                        return j;
                }
                json_free(j);
                return NULL;
        }
}

static struct json *parse_value(struct parser *ps)
{
        skip_ws(ps);
        if (ps->p >= ps->end || ps->depth > 64) {
                return NULL;
        }
        struct json *j;
        char c = *ps->p;
        if (c == '{' || c == '[') {
                ps->depth++;
                j = parse_compound(ps, c == '{' ? '}' : ']');
                ps->depth--;
                return j;
        }
        if (c == '"') {
                j = new_node(JSON_STR);
                if (j != NULL && (j->str = parse_string(ps, &j->len)) == NULL) {
                        free(j);
                        return NULL;
                }
                return j;
        }
        static const char *const lits[] = {"true", "false", "null"};
        for (int i = 0; i < 3; i++) {
                size_t l = strlen(lits[i]);
                if ((size_t)(ps->end - ps->p) >= l && memcmp(ps->p, lits[i], l) == 0) {
                        ps->p += l;
                        j = new_node(i == 2 ? JSON_NULL : JSON_BOOL);
                        if (j != NULL) {
                                j->num = i == 0;
                        }
                        return j;
                }
        }
        char buf[64];
        size_t n = 0;
        while (ps->p < ps->end && n < sizeof(buf) - 1 && strchr("+-0123456789.eE", *ps->p)) {
                buf[n++] = *ps->p++;
        }
        if (n == 0) {
                return NULL;
        }
        buf[n] = 0;
        j = new_node(JSON_NUM);
        if (j != NULL) {
                j->num = strtod(buf, NULL);
        }
        return j;
}

struct json *json_parse(const char *text, size_t len)
{
        struct parser ps = {text, text + len, 0};
        struct json *j = parse_value(&ps);
        skip_ws(&ps);
        if (j != NULL && ps.p != ps.end) {
                json_free(j);
                return NULL;
        }
        return j;
}

void json_free(struct json *j)
{
        if (j == NULL) {
                return;
        }
        for (size_t i = 0; i < j->n; i++) {
                json_free(j->items[i]);
                if (j->keys != NULL) {
                        free(j->keys[i]);
                }
        }
        free(j->items);
        free(j->keys);
        free(j->str);
        free(j);
}

const struct json *json_get(const struct json *obj, const char *key)
{
        if (obj == NULL || obj->type != JSON_OBJ) {
                return NULL;
        }
        for (size_t i = 0; i < obj->n; i++) {
                if (strcmp(obj->keys[i], key) == 0) {
                        return obj->items[i];
                }
        }
        return NULL;
}

const char *json_str(const struct json *obj, const char *key)
{
        const struct json *v = json_get(obj, key);
        return (v != NULL && v->type == JSON_STR) ? v->str : NULL;
}
