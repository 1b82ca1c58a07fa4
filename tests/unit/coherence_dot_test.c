/*
 * tests/unit/coherence_dot_test.c: the coherence engine's DOT writer: clusters, nodes and
 * weights in its output, braces balanced, and never a byte past its buffer at any size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/coherence_fixture.h"

/* ---- DOT ------------------------------------------------------------------------------------ */

static void balanced(const char *s)
{
        int depth = 0;
        for (; *s != '\0'; s++) {
                depth += *s == '{';
                depth -= *s == '}';
                assert_true(depth >= 0);
        }
        assert_int_equal(depth, 0);
}

static void dot_lists_clusters_nodes_and_weights(void **state)
{
        static char buf[8192];
        size_t len = 0;
        struct coherence_set hl = {{0}};
        (void)state;

        scene(40);
        hl.bits[0] = UINT64_C(1) << coherence_node_index(&G, 3);
        assert_int_equal(coherence_dot(&G, &hl, buf, sizeof(buf), &len), COHERENCE_OK);
        assert_int_equal(len, strlen(buf));
        assert_non_null(strstr(buf, "graph coherence {"));
        assert_non_null(strstr(buf, "subgraph cluster_p10 {"));
        assert_non_null(strstr(buf, "n40 [label=\"guest 40\"]"));
        assert_non_null(strstr(buf, "n3 [label=\"agent 3\", style=\"rounded,filled\""));
        assert_non_null(strstr(buf, "n5 -- n6 [label=\"3200\"]"));
        balanced(buf);
}

static void dot_never_writes_past_its_buffer(void **state)
{
        static char full[8192];
        char buf[2048];
        size_t full_len = 0;
        (void)state;

        scene(40);
        assert_int_equal(coherence_dot(&G, NULL, full, sizeof(full), &full_len), COHERENCE_OK);
        assert_true(full_len + 16 < sizeof(buf));
        for (size_t size = 1; size < full_len + 8; size++) {
                size_t len = 99;
                memset(buf, 'X', sizeof(buf));
                const enum coherence_err err = coherence_dot(&G, NULL, buf, size, &len);
                for (size_t i = size; i < sizeof(buf); i++) {
                        assert_int_equal(buf[i], 'X');
                }
                if (size > full_len) {
                        assert_int_equal(err, COHERENCE_OK);
                        assert_string_equal(buf, full);
                        continue;
                }
                assert_int_equal(err, COHERENCE_E_SPACE);
                assert_true(len < size);
                assert_int_equal(strlen(buf), len);
                if (len > 0) {
                        balanced(buf);
                        assert_true(len >= 2 && buf[len - 2] == '}' && buf[len - 1] == '\n');
                }
        }
        assert_int_equal(coherence_dot(&G, NULL, NULL, 10, NULL), COHERENCE_E_INVAL);
        assert_int_equal(coherence_dot(&G, NULL, buf, 0, NULL), COHERENCE_E_INVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(dot_lists_clusters_nodes_and_weights),
            cmocka_unit_test(dot_never_writes_past_its_buffer),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
