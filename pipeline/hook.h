/*
 * hook.h -- the test suite's hooks: a fixed clock, a crash at a named point,
 * a second host name on one machine, a short lista.  They exist only in the
 * test build (make check compiles with -DEXPEDIERA_TEST_HOOKS); in every
 * other build test_hook() is NULL and the names are not in the binary.
 */
#ifndef EXPEDIERA_HOOK_H
#define EXPEDIERA_HOOK_H

#include <stdlib.h>

#ifdef EXPEDIERA_TEST_HOOKS
#define test_hook(name) ((const char *)getenv(name))
#else
#define test_hook(name) ((void)(name), (const char *)NULL)
#endif

#endif
