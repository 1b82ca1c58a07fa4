/*
 * A small JSON reader for the spec runner: enough for what wast2json writes (objects, arrays,
 * strings with \u escapes, numbers, literals). Host-only; allocates with malloc.
 */
#ifndef RVM_TESTS_WASM_JSON_H
#define RVM_TESTS_WASM_JSON_H

#include <stddef.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

struct json {
        enum json_type type;
        char *str;           /* JSON_STR: decoded UTF-8, NUL-terminated */
        size_t len;          /* string length in bytes */
        double num;          /* JSON_NUM, JSON_BOOL */
        size_t n;            /* JSON_ARR / JSON_OBJ: element count */
        struct json **items; /* elements / member values */
        char **keys;         /* JSON_OBJ: member names */
};

/* Parse text; NULL on a syntax error. */
struct json *json_parse(const char *text, size_t len);
void json_free(struct json *j);
/* Member of an object, or NULL. */
const struct json *json_get(const struct json *obj, const char *key);
/* String member or NULL. */
const char *json_str(const struct json *obj, const char *key);

#endif
