/*
 * tests/fake/wit_log.h: the witness log of a host test that wants every record its code
 * emits: witness_emit keeps the first WIT_MAX in wit[], and wit_n counts them all (so a test
 * can tell a record was emitted past the array's end). A test resets it with wit_n = 0.
 */
#ifndef RVM_TESTS_FAKE_WIT_LOG_H
#define RVM_TESTS_FAKE_WIT_LOG_H

#include <stddef.h>

#include "witness/witness.h"

#define WIT_MAX 4096
extern struct witness_event wit[WIT_MAX];
extern size_t wit_n;

#endif
