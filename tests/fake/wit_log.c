/*
 * tests/fake/wit_log.c: witness_emit for host tests, keeping every record (wit_log.h).
 */
#include "tests/fake/wit_log.h"

struct witness_event wit[WIT_MAX];
size_t wit_n;

void witness_emit(const struct witness_event *ev)
{
        if (wit_n < WIT_MAX) {
                wit[wit_n] = *ev;
        }
        wit_n++;
}
